"""One mapping from errors to HTTP: RFC 9457 problem details (``application/problem+json``)."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, has_request_context, json, request
from markupsafe import escape
from werkzeug.exceptions import HTTPException

from unpacs.loader.errors import (
    ClientBusyError,
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
    # A refused query (SERVICE, LOAD, a remote FROM, too deep) is the client's to change: 400.
    (QueryRefusedError, 400),
    (QueryError, 400),
    (ValidationFailedError, 422),
    (OutOfScopeError, 403),
    (ConflictError, 409),
    (InputError, 400),
    (ClientBusyError, 429),
    (StoreBusyError, 503),
    (StoreError, 502),
    (ConfigError, 500),
)


def status_for(error: UnpacsError) -> int:
    for cls, status in STATUS:
        if isinstance(error, cls):
            return status
    return 500


PROBLEM_TYPES = ("application/problem+json", "application/json", "text/html", "text/plain")

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{status} {title}</title></head>
<body><h1>{status} {title}</h1>
{rows}
</body></html>
"""


def problem(status: int, title: str, detail: str | None = None, **extra: Any) -> Response:
    """An RFC 9457 problem document; an HTML page or plain text when the client prefers them."""
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body.update({k: v for k, v in extra.items() if v is not None})
    wanted = _preferred_type()
    if wanted == "text/html":
        rows = "\n".join(
            f"<p><strong>{escape(k)}</strong>: {escape(json.dumps(v) if k == 'errors' else v)}</p>"
            for k, v in body.items()
            if k not in ("type", "title", "status")
        )
        page = PAGE.format(status=status, title=escape(title), rows=rows)
        return Response(page, status=status, mimetype="text/html")
    if wanted == "text/plain":
        lines = [f"{status} {title}"]
        lines += [f"{k}: {v}" for k, v in body.items() if k not in ("type", "title", "status")]
        return Response("\n".join(lines) + "\n", status=status, mimetype="text/plain")
    return Response(json.dumps(body), status=status, mimetype="application/problem+json")


def _preferred_type() -> str:
    if not has_request_context():
        return PROBLEM_TYPES[0]
    accept = request.accept_mimetypes
    if not accept or accept.provided is False:
        return PROBLEM_TYPES[0]
    return accept.best_match(PROBLEM_TYPES) or PROBLEM_TYPES[0]


# An error's own message is the problem's detail, and an error has no severity.
_NOT_WHERE = ("message", "severity")


def render_unpacs_error(error: UnpacsError) -> Response:
    status = status_for(error)
    if status >= 500:
        log.error("server-side error: %s", error.format())
    where = {k: v for k, v in error.as_issue().as_dict().items() if k not in _NOT_WHERE}
    errors = [i.as_dict() for i in error.issues] or None
    response = problem(status, error.title, error.message, **where, errors=errors)
    response.vary.add("Accept")
    retry_after = getattr(error, "retry_after", None)
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    return response


def render_http_error(error: HTTPException) -> Response:
    status = error.code or 500
    response = problem(status, error.name, error.description)
    response.vary.add("Accept")
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
