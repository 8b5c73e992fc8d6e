#!/usr/bin/env bash
# First command: set up, (re)create the demo account, and serve on http://127.0.0.1:8000/.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
.venv/bin/waypoint demo
exec .venv/bin/waypoint serve "$@"
