#!/usr/bin/env bash
# Second command: set up, then every check — lint, format, types, web-app lint and format,
# API tests, browser tests.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test
if ! command -v chromium >/dev/null 2>&1; then
  echo "Installing Debian's Chromium for the browser tests..."
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq chromium >/dev/null
fi
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  # The API tests run on SQLite and on a throwaway PostgreSQL server (tests/pg_cluster.py).
  echo "Installing Debian's PostgreSQL for the tests on the second engine..."
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq postgresql >/dev/null
fi
.venv/bin/ruff check api tests bench
.venv/bin/ruff format --check api tests bench
.venv/bin/mypy
node_modules/.bin/biome ci pwa tests/e2e/seed.js
.venv/bin/pytest --ignore=tests/e2e "$@"
.venv/bin/pytest tests/e2e "$@"
