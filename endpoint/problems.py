"""One mapping from errors to HTTP: RFC 9457 problem details (``application/problem+json``)."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, json
from werkzeug.exceptions import HTTPException

from unpacs.loader.errors import (
    ConfigError,
    ConflictError,
    InputError,
    InputTooLargeError,
    NotAcceptableError,
    OutOfScopeError,
    QueryCrashedError,
    QueryError,
    QueryMemoryError,
    QueryRefusedError,
    QueryTimeoutError,
    StoreBusyError,
    StoreError,
    UnpacsError,
    UnsupportedFormatError,
    ValidationFailedError,
)

log = logging.getLogger(__name__)

# Most specific first.
STATUS: tuple[tuple[type[UnpacsError], int], ...] = (
    (InputTooLargeError, 413),
    (UnsupportedFormatError, 415),
    (NotAcceptableError, 406),
    (QueryTimeoutError, 504),
    (QueryMemoryError, 507),
    (QueryCrashedError, 500),
    (QueryRefusedError, 403),
    (QueryError, 400),
    (ValidationFailedError, 422),
    (OutOfScopeError, 403),
    (ConflictError, 409),
    (InputError, 400),
    (StoreBusyError, 503),
    (StoreError, 502),
    (ConfigError, 500),
)


def status_for(error: UnpacsError) -> int:
    for cls, status in STATUS:
        if isinstance(error, cls):
            return status
    return 500


def problem(status: int, title: str, detail: str | None = None, **extra: Any) -> Response:
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body.update({k: v for k, v in extra.items() if v is not None})
    response = Response(json.dumps(body), status=status, mimetype="application/problem+json")
    return response


def render_unpacs_error(error: UnpacsError) -> Response:
    status = status_for(error)
    if status >= 500:
        log.error("server-side error: %s", error.format())
    return problem(
        status,
        error.title,
        error.message,
        file=error.file,
        line=error.line,
        column=error.column,
        row=error.row,
        field=error.field,
        hint=error.hint,
        errors=[i.as_dict() for i in error.issues] or None,
    )


def render_http_error(error: HTTPException) -> Response:
    status = error.code or 500
    response = problem(status, error.name, error.description)
    for key, value in error.get_headers() or []:
        if key.lower() != "content-type":
            response.headers[key] = value
    return response


def render_unexpected(error: Exception) -> Response:
    log.exception("unexpected error", exc_info=error)
    return problem(500, "Internal Server Error", "the server failed; the log has the details")


def init_app(app: Flask) -> None:
    app.register_error_handler(UnpacsError, render_unpacs_error)
    app.register_error_handler(HTTPException, render_http_error)
    app.register_error_handler(Exception, render_unexpected)
