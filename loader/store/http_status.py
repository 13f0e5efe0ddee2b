"""What a failed HTTP request to a SPARQL engine said: its status and message, trimmed.

Shared by the remote store's own requests (urllib) and SPARQLWrapper's, which turns some
statuses into its own exceptions and keeps the engine's body only inside its message.
"""

from __future__ import annotations

import ast
import urllib.error

from SPARQLWrapper.SPARQLExceptions import (
    EndPointInternalError,
    EndPointNotFound,
    QueryBadFormed,
    SPARQLWrapperException,
    Unauthorized,
    URITooLong,
)

DETAIL_CHARS = 300
# SPARQLWrapper turns these statuses into its own exceptions and keeps only the body.
WRAPPER_STATUS = {
    QueryBadFormed: 400,
    Unauthorized: 401,
    EndPointNotFound: 404,
    URITooLong: 414,
    EndPointInternalError: 500,
}


def trimmed(body: bytes | str) -> str:
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    text = " ".join(text.split())
    return text if len(text) <= DETAIL_CHARS else text[: DETAIL_CHARS - 1] + "\u2026"


def status_and_detail(error: BaseException) -> tuple[int | None, str]:
    """HTTP status and the engine's own message (trimmed) of a failed request, if it had one."""
    if isinstance(error, urllib.error.HTTPError):
        try:
            body = error.read()
        except OSError:
            body = b""
        return error.code, trimmed(body or str(error.reason or ""))
    if isinstance(error, SPARQLWrapperException):
        cause = error.__context__
        status = cause.code if isinstance(cause, urllib.error.HTTPError) else None
        status = status or WRAPPER_STATUS.get(type(error))
        # SPARQLWrapper keeps the body only as the repr() after "Response:" in its message.
        raw = str(error).split("Response:", 1)[-1].strip() if "Response:" in str(error) else ""
        try:
            literal: object = ast.literal_eval(raw) if raw else b""
        except (ValueError, SyntaxError):
            literal = raw
        return status, trimmed(literal if isinstance(literal, bytes | str) else str(literal))
    return None, ""
