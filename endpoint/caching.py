"""HTTP caching and CORS for the documents: ETag, Last-Modified, 304, Vary, Link alternates.

The ETag is a hash of the executor generation (which every commit moves), the URI and the
representation, so a revalidation is answered without reading the store.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import datetime

from flask import Request, Response, current_app

from unpacs.loader.formats import Format

ALLOWED = "Accept, Accept-Language, If-None-Match, If-Modified-Since"
EXPOSED = "ETag, Last-Modified, Link, Vary, Content-Language, X-Unpacs-Truncated"


def epoch() -> str:
    """A random token per app instance. Generations are only unique within one executor's life
    (the in-process executor counts from 0 at every start), so ETags and caches also carry the
    epoch: a restarted server never confirms a representation it did not serve."""
    found = current_app.extensions.get("unpacs.epoch")
    if not isinstance(found, str):
        found = current_app.extensions.setdefault("unpacs.epoch", secrets.token_hex(8))
    assert isinstance(found, str)
    return found


def etag_for(generation: str, *parts: str) -> str:
    key = "\x1f".join((epoch(), generation, *parts))
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def content_etag(sha256: str) -> str:
    """The ETag of a file named by its content hash: the same bytes, the same tag, across
    restarts and instances (downloads)."""
    return sha256[:32]


def not_modified(request: Request, etag: str, last_modified: datetime | None) -> bool:
    """RFC 9110: If-None-Match wins over If-Modified-Since."""
    if request.if_none_match:
        return request.if_none_match.contains_weak(etag)
    since = request.if_modified_since
    if since is not None and last_modified is not None:
        return last_modified.replace(microsecond=0) <= since
    return False


def cors(response: Response) -> Response:
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Expose-Headers"] = EXPOSED
    return response


def preflight(response: Response) -> Response:
    """CORS on every response of a blueprint, with the preflight answer for OPTIONS: readers
    revalidate with If-None-Match, which is not a CORS-safelisted header."""
    from flask import request

    if request.method == "OPTIONS":
        response.headers["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
        response.headers["Access-Control-Allow-Headers"] = ALLOWED
        response.headers["Access-Control-Max-Age"] = "86400"
    return cors(response)


def decorate(
    response: Response,
    *,
    etag: str,
    last_modified: datetime | None,
    alternates: Iterable[tuple[str, Format]] = (),
    vary: Iterable[str] = ("Accept",),
) -> Response:
    """The headers every negotiated response carries, a 304 included."""
    response.set_etag(etag)
    if last_modified is not None:
        response.last_modified = last_modified
    for header in vary:
        response.vary.add(header)
    links = [f'<{href}>; rel="alternate"; type="{fmt.media_type}"' for href, fmt in alternates]
    if links:
        response.headers["Link"] = ", ".join(links)
    response.headers["Cache-Control"] = "public, max-age=0, must-revalidate"
    return cors(response)
