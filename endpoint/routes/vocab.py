"""Our vocabulary dereferences: ``/def/unpacs`` (and ``/def/unpacs#term``, which browsers send
as ``/def/unpacs``) is pyLODE HTML for people and the ontology in every RDF format for programs;
``/def/context.jsonld`` is our JSON-LD context."""

from __future__ import annotations

import io
import json
import threading
from pathlib import Path

import pyoxigraph
from flask import Blueprint, Response, request
from werkzeug.exceptions import HTTPException

from unpacs.endpoint import caching, security_headers
from unpacs.endpoint.conneg import negotiate
from unpacs.endpoint.routes.pages import html_error
from unpacs.endpoint.state import state_of
from unpacs.loader import bundled as resources
from unpacs.loader import formats
from unpacs.loader.bundled import bundled_context
from unpacs.loader.query.rows import iri, select
from unpacs.loader.read.describe import Description, serialize
from unpacs.loader.read.ontology_docs import DEFAULT_OUT_DIR, build_ontology_docs
from unpacs.loader.vocab import prefixes

bp = Blueprint("vocab", __name__)
# 404 / 406 / 400 as an HTML page for browsers, a problem document for programs.
bp.register_error_handler(HTTPException, html_error)
bp.after_request(caching.preflight)

HTML = formats.by_name("html")
VOCAB_FORMATS = (
    HTML,
    *(formats.by_name(n) for n in ("turtle", "jsonld", "ntriples", "rdfxml", "nquads", "trig")),
)
_docs_lock = threading.Lock()


def ontology_quads(base: str) -> list[pyoxigraph.Quad]:
    """The ontology graph from the store (``unpacs build`` loads it), else the bundled file."""
    graph = base + "graph/ontology"
    rows, _, _ = select(
        state_of().executor, f"SELECT ?s ?p ?o WHERE {{ GRAPH {iri(graph)} {{ ?s ?p ?o }} }}"
    )
    if rows:
        name = pyoxigraph.NamedNode(graph)
        return [pyoxigraph.Quad(r["s"], r["p"], r["o"], name) for r in rows]  # type: ignore[arg-type]
    return [
        pyoxigraph.Quad(t.subject, t.predicate, t.object, pyoxigraph.NamedNode(graph))
        for t in pyoxigraph.parse(
            path=str(resources.ONTOLOGY_FILE), format=pyoxigraph.RdfFormat.TURTLE, base_iri=base
        )
    ]


def docs_html(base: str, out_dir: Path = DEFAULT_OUT_DIR) -> Path:
    """pyLODE's page, built into ``var/def`` on first use when it is missing."""
    target = out_dir / "index.html"
    with _docs_lock:
        if not target.is_file():
            build_ontology_docs(resources.ONTOLOGY_FILE, base, out_dir)
    return target


@bp.route("/def/unpacs")
@bp.route("/def/unpacs.<suffix>")
def vocabulary(suffix: str | None = None) -> Response:
    state = state_of()
    base = state.settings.base_iri
    fmt = negotiate(request, VOCAB_FORMATS, suffix=suffix)
    etag = caching.etag_for(state.executor.generation, "def/unpacs", fmt.name)
    alternates = [
        (f"/def/unpacs.{f.suffixes[0].lstrip('.')}", f) for f in VOCAB_FORMATS if f is not fmt
    ]
    if caching.not_modified(request, etag, None):
        response = Response(status=304)
    elif fmt is HTML:
        page = docs_html(base).read_bytes()
        response = security_headers.allow_styles(Response(page, mimetype="text/html"), page)
    else:
        description = Description(base + "def/unpacs", ontology_quads(base))
        response = Response(
            serialize(description, fmt, base, prefixes(base)), mimetype=fmt.media_type
        )
    return caching.decorate(response, etag=etag, last_modified=None, alternates=alternates)


@bp.route("/def/context.jsonld")
def context() -> Response:
    base = state_of().settings.base_iri
    body = json.dumps({"@context": bundled_context(base)}, ensure_ascii=False, indent=1).encode()
    etag = caching.etag_for("context", body.decode())
    if caching.not_modified(request, etag, None):
        return caching.decorate(Response(status=304), etag=etag, last_modified=None, vary=())
    out = io.BytesIO(body)
    return caching.decorate(
        Response(out.getvalue(), mimetype="application/ld+json"),
        etag=etag,
        last_modified=None,
        vary=(),
    )
