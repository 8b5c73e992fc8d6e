"""The errors the domain and store layers raise. They know nothing of HTTP: ``api/errors.py``
maps each one to its status and body in one place.

Messages name the field and the rule, never the submitted value, so journal text cannot leak
through an error.
"""

from __future__ import annotations

import re
from typing import Any

import msgspec

QUOTED = re.compile(r"\s*'[^']*'")


def rule_only(message: str) -> str:
    """A validation message without the submitted value: msgspec quotes it (``Invalid enum
    value 'x'``), so quoted text goes, and what is left is the rule."""
    plain = QUOTED.sub("", message).strip()
    if plain == "Invalid enum value":
        return "is not one of the allowed values"
    return plain


class DomainError(Exception):
    """Base of every error a person can act on."""


class InvalidField(DomainError):
    """A value breaks a rule that its type could not express (400)."""

    def __init__(self, field: str, message: str, source: str = "body") -> None:
        super().__init__(f"Invalid {field}: {message}")
        self.field = field
        self.message = message
        self.source = source


def field_error(prefix: str, exc: msgspec.ValidationError) -> InvalidField:
    """msgspec's error for a part of a document, named from the document's root: the path msgspec
    gives (``- at `$.mood```) is joined to ``prefix`` (``entries[3]``); the value never appears."""
    message, _, path = str(exc).partition(" - at `$")
    field = (prefix + path.rstrip("`")).lstrip(".") or "body"
    return InvalidField(field, rule_only(message))


class InvalidRows(DomainError):
    """Several rows of an uploaded file are invalid (400, each with its line)."""

    def __init__(self, detail: str, rows: list[dict[str, Any]]) -> None:
        super().__init__(detail)
        self.detail = detail
        self.rows = rows


class NotFound(DomainError):
    """No such thing for this user (404); another user's thing is answered the same way."""

    def __init__(self, what: str) -> None:
        super().__init__(f"No such {what}.")
        self.what = what


class VersionConflict(DomainError):
    """A write named a version that is no longer the server's (409); ``current`` is its copy."""

    def __init__(self, current: Any) -> None:
        super().__init__("version conflict")
        self.current = current


class Taken(DomainError):
    """A unique name is already in use (409)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Busy(DomainError):
    """The same thing is already under way for this account (409); try again after it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Forbidden(DomainError):
    """The caller may not do this with what they hold (403)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class TooManyAttempts(DomainError):
    """A rate limit is used up (429 with ``Retry-After``)."""

    def __init__(self, retry_after: int) -> None:
        super().__init__("Too many attempts. Please wait and try again.")
        self.retry_after = retry_after
