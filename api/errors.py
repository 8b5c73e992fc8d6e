"""Errors as part of the API: one shape, built in one place.

Every error body is ``{"status_code", "detail"}``; validation errors add
``"extra": [{"key": <field>, "message": ..., "source": ...}]`` (Litestar's own shape, which its
msgspec validation already produces); a version conflict adds ``"current"``, the server's copy.
Messages never echo the submitted values, so journal text cannot leak through an error.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException, NotFoundException, ValidationException


def field_error(field: str, message: str, source: str = "body") -> ValidationException:
    return ValidationException(
        detail=f"Invalid {field}: {message}",
        extra=[{"key": field, "message": message, "source": source}],
    )


def not_found(what: str) -> NotFoundException:
    return NotFoundException(f"No such {what}.")


class Conflict(HTTPException):
    """A write named a version that is no longer the server's; ``current`` is the server's copy."""

    status_code = 409

    def __init__(self, current: Any) -> None:
        super().__init__(detail="version conflict")
        self.current = current


def conflict_response(_: Request[Any, Any, Any], exc: Conflict) -> Response[Any]:
    body = {
        "status_code": 409,
        "detail": "This record was changed elsewhere. Here is the server's copy; "
        "send it again with its version to replace it.",
        "current": msgspec.to_builtins(exc.current),
    }
    return Response(body, status_code=409)
