"""Dumps of the whole store, generated through the executor once per generation and served with
an ETag: N-Quads (gzip) and TriG, listed as DCAT distributions with byte size and SHA-256."""

from __future__ import annotations

import gzip
import hashlib
import io
import threading
from dataclasses import dataclass

import pyoxigraph
from flask import Blueprint, Response, current_app, request
from werkzeug.exceptions import HTTPException, NotFound

from unpacs.endpoint import caching
from unpacs.endpoint.routes.pages import html_error
from unpacs.endpoint.state import state_of
from unpacs.loader.query.executor import QueryExecutor
from unpacs.loader.query.rows import select
from unpacs.loader.read.describe import _quad

bp = Blueprint("downloads", __name__)
# 404 / 406 / 400 as an HTML page for browsers, a problem document for programs.
bp.register_error_handler(HTTPException, html_error)
bp.after_request(caching.preflight)

ALL_QUADS = "SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
# A dump must hold every statement, so it is not held to the per-query result cap.
DUMP_LIMIT = 500_000_000


@dataclass(frozen=True)
class Download:
    name: str
    media_type: str
    body: bytes
    sha256: str
    generation: str

    @property
    def size(self) -> int:
        return len(self.body)


DOWNLOADS = {"unpacs.nq.gz": "application/n-quads", "unpacs.trig": "application/trig"}
_lock = threading.Lock()


def _build(executor: QueryExecutor, generation: str) -> dict[str, Download]:
    rows, truncated, _ = select(executor, ALL_QUADS, limit=DUMP_LIMIT)
    if truncated:
        raise RuntimeError("the store is larger than a dump may be")
    quads = sorted((q for q in map(_quad, rows) if q is not None), key=str)
    out = {}
    for name, fmt in (
        ("unpacs.nq.gz", pyoxigraph.RdfFormat.N_QUADS),
        ("unpacs.trig", pyoxigraph.RdfFormat.TRIG),
    ):
        buffer = io.BytesIO()
        pyoxigraph.serialize(quads, buffer, fmt)
        body = buffer.getvalue()
        if name.endswith(".gz"):
            body = gzip.compress(body, mtime=0)
        out[name] = Download(
            name, DOWNLOADS[name], body, hashlib.sha256(body).hexdigest(), generation
        )
    return out


def downloads(executor: QueryExecutor) -> dict[str, Download]:
    """The dumps of the current generation, built on first use and kept per app."""
    generation = executor.generation
    with _lock:
        cache = current_app.extensions.setdefault("unpacs.downloads", {})
        if cache.get("generation") == generation:
            found: dict[str, Download] = cache["items"]
            return found
        built = _build(executor, generation)
        cache.update(generation=generation, items=built)
        return built


@bp.route("/download/<name>")
def download(name: str) -> Response:
    if name not in DOWNLOADS:
        raise NotFound(f"no download named {name!r}; offered: {', '.join(DOWNLOADS)}")
    item = downloads(state_of().executor)[name]
    etag = caching.content_etag(item.sha256)
    if caching.not_modified(request, etag, None):
        response = Response(status=304)
    else:
        response = Response(item.body, mimetype=item.media_type)
        if name.endswith(".gz"):
            response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.set_etag(etag)
    return caching.cors(response)
