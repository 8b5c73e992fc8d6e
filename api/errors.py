"""Errors as part of the API: the domain's exceptions mapped to HTTP, in one place.

Every error body is ``{"status_code", "detail"}``; validation errors add
``"extra": [{"key": <field>, "message": ..., "source": ...}]`` (Litestar's own shape, which its
msgspec validation already produces); a version conflict adds ``"current"``, the server's copy.
Messages never echo the submitted values, so journal text cannot leak through an error.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request, Response
from litestar.exceptions import ValidationException
from litestar.types import ExceptionHandlersMap

from api.domain.crypto import CannotDecrypt
from api.domain.errors import (
    Busy,
    Forbidden,
    InvalidField,
    InvalidRows,
    NotFound,
    Taken,
    TooManyAttempts,
    VersionConflict,
    rule_only,
)

CONFLICT_DETAIL = (
    "This record was changed elsewhere. Here is the server's copy; "
    "send it again with its version to replace it."
)


def _validation(request: Request[Any, Any, Any], exc: ValidationException) -> Response[Any]:
    # Litestar's detail names the request URL, query string included; name the route instead.
    route = request.scope.get("path_template") or "this route"
    extra = exc.extra if isinstance(exc.extra, list) else []
    cleaned = [
        {**item, "message": rule_only(str(item.get("message", "")))}
        if isinstance(item, dict)
        else item
        for item in extra
    ]
    return _body(400, f"Validation failed for {request.method} {route}", extra=cleaned)


def _too_deep(_: Request[Any, Any, Any], __: RecursionError) -> Response[Any]:
    # msgspec refuses JSON nested deeper than the interpreter's recursion limit.
    return _body(400, "The request body is nested too deeply.")


def _body(status: int, detail: str, **more: Any) -> Response[Any]:
    return Response({"status_code": status, "detail": detail, **more}, status_code=status)


def _invalid_field(_: Request[Any, Any, Any], exc: InvalidField) -> Response[Any]:
    extra = [{"key": exc.field, "message": exc.message, "source": exc.source}]
    return _body(400, str(exc), extra=extra)


def _invalid_rows(_: Request[Any, Any, Any], exc: InvalidRows) -> Response[Any]:
    return _body(400, exc.detail, extra=exc.rows)


def _not_found(_: Request[Any, Any, Any], exc: NotFound) -> Response[Any]:
    return _body(404, str(exc))


def _conflict(_: Request[Any, Any, Any], exc: VersionConflict) -> Response[Any]:
    return _body(409, CONFLICT_DETAIL, current=msgspec.to_builtins(exc.current))


def _taken(_: Request[Any, Any, Any], exc: Taken) -> Response[Any]:
    return _body(409, exc.message)


def _busy(_: Request[Any, Any, Any], exc: Busy) -> Response[Any]:
    return _body(409, exc.message)


def _forbidden(_: Request[Any, Any, Any], exc: Forbidden) -> Response[Any]:
    return _body(403, exc.message)


def _too_many(_: Request[Any, Any, Any], exc: TooManyAttempts) -> Response[Any]:
    response = _body(429, str(exc))
    response.headers["Retry-After"] = str(exc.retry_after)
    return response


def _cannot_decrypt(_: Request[Any, Any, Any], __: CannotDecrypt) -> Response[Any]:
    # The server's own fault (a missing key store row, or bytes changed on disk), never the
    # client's: logged by Litestar's handler, answered without any stored bytes.
    return _body(500, "This record's text cannot be decrypted on this server.")


EXCEPTION_HANDLERS: ExceptionHandlersMap = {
    ValidationException: _validation,
    RecursionError: _too_deep,
    CannotDecrypt: _cannot_decrypt,
    InvalidField: _invalid_field,
    InvalidRows: _invalid_rows,
    NotFound: _not_found,
    VersionConflict: _conflict,
    Taken: _taken,
    Busy: _busy,
    Forbidden: _forbidden,
    TooManyAttempts: _too_many,
}
