"""Errors as part of the API: the domain's exceptions mapped to HTTP, in one place.

Every error body is ``{"status_code", "detail"}``; validation errors add
``"extra": [{"key": <field>, "message": ..., "source": ...}]`` (Litestar's own shape, which its
msgspec validation already produces); a version conflict adds ``"current"``, the server's copy.
Messages never echo the submitted values, so journal text cannot leak through an error.

Logging (``log_exception``, Litestar's exception logging hook): an error a person can act on
(any 4xx) is one INFO line naming the method, the route template, the status and the
exception's class, never the submitted values, the request path or the message; anything
answered 500 is logged at ERROR with its traceback — except a client that hung up before its
body arrived (Litestar raises a 500 for it): nothing went wrong on the server and the answer
reaches nobody, so it is one INFO line too (else anyone could fill the log with tracebacks).
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException, InternalServerException, ValidationException
from litestar.types import ExceptionHandlersMap, Logger, Scope

from api.domain.crypto import CannotDecrypt
from api.domain.errors import (
    Busy,
    DomainError,
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


LOG = logging.getLogger("waypoint.errors")
HUNG_UP = "client disconnected prematurely"  # Litestar's words (Request.stream)

# The status each of the domain's errors is answered with (a subclass takes its base's).
DOMAIN_STATUS: dict[type[DomainError], int] = {
    InvalidField: 400,
    InvalidRows: 400,
    NotFound: 404,
    VersionConflict: 409,
    Taken: 409,
    Busy: 409,
    Forbidden: 403,
    TooManyAttempts: 429,
}


def status_of(exc: BaseException) -> int:
    """The status an exception is answered with: Litestar's own carry it, the domain's are in
    ``DOMAIN_STATUS``, JSON nested too deeply is 400, anything else 500."""
    if isinstance(exc, HTTPException):
        return exc.status_code
    if isinstance(exc, RecursionError):
        return 400
    for kind in type(exc).__mro__:
        if kind in DOMAIN_STATUS:
            return DOMAIN_STATUS[kind]
    return 500


def log_exception(_: Logger, scope: Scope, __: list[str]) -> None:
    """Litestar's ``exception_logging_handler``, called while the exception is handled."""
    exc = sys.exc_info()[1]
    if exc is None:
        return
    status = status_of(exc)
    route = scope.get("path_template") or "(no route)"
    method = scope.get("method", scope["type"])
    if isinstance(exc, InternalServerException) and exc.detail == HUNG_UP:
        LOG.info("%s %s: the client hung up before its body arrived", method, route)
    elif status < 500:
        LOG.info("%s %s answered %d (%s)", method, route, status, type(exc).__name__)
    else:
        LOG.error("%s %s failed with %d", method, route, status, exc_info=exc)


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
    return _body(status_of(exc), str(exc), extra=extra)


def _invalid_rows(_: Request[Any, Any, Any], exc: InvalidRows) -> Response[Any]:
    return _body(status_of(exc), exc.detail, extra=exc.rows)


def _not_found(_: Request[Any, Any, Any], exc: NotFound) -> Response[Any]:
    return _body(status_of(exc), str(exc))


def _conflict(_: Request[Any, Any, Any], exc: VersionConflict) -> Response[Any]:
    return _body(status_of(exc), CONFLICT_DETAIL, current=msgspec.to_builtins(exc.current))


def _taken(_: Request[Any, Any, Any], exc: Taken) -> Response[Any]:
    return _body(status_of(exc), exc.message)


def _busy(_: Request[Any, Any, Any], exc: Busy) -> Response[Any]:
    return _body(status_of(exc), exc.message)


def _forbidden(_: Request[Any, Any, Any], exc: Forbidden) -> Response[Any]:
    return _body(status_of(exc), exc.message)


def _too_many(_: Request[Any, Any, Any], exc: TooManyAttempts) -> Response[Any]:
    response = _body(status_of(exc), str(exc))
    response.headers["Retry-After"] = str(exc.retry_after)
    return response


def _cannot_decrypt(_: Request[Any, Any, Any], __: CannotDecrypt) -> Response[Any]:
    # The server's own fault (a missing key store row, or bytes changed on disk), never the
    # client's: logged at ERROR with its traceback (log_exception), answered without any bytes.
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
