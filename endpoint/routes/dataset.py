"""The dataset describes itself: VoID + DCAT at ``/.well-known/void`` and ``/dataset``,
statistics computed from the store; ``sitemap.xml`` of every document; ``robots.txt``."""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

import pyoxigraph
from flask import Blueprint, Response, render_template, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException

from unpacs.endpoint import caching
from unpacs.endpoint.conneg import negotiate
from unpacs.endpoint.i18n import LANGUAGES, Text, choose_language
from unpacs.endpoint.routes.downloads import downloads
from unpacs.endpoint.routes.pages import html_error
from unpacs.endpoint.state import state_of
from unpacs.loader import formats
from unpacs.loader.query.rows import select
from unpacs.loader.read.describe import Term
from unpacs.loader.uris import parse_thing_iri
from unpacs.loader.vocab import DCAT, DCT, PROV, RDF, VOID, XSD, prefixes

bp = Blueprint("dataset", __name__)
# 404 / 406 / 400 as an HTML page for browsers, a problem document for programs.
bp.register_error_handler(HTTPException, html_error)
bp.after_request(caching.preflight)

SPDX = "http://spdx.org/rdf/terms#"
FORMATS = tuple(formats.by_name(n) for n in ("turtle", "html", "jsonld", "ntriples", "rdfxml"))


def _n(v: str) -> pyoxigraph.NamedNode:
    return pyoxigraph.NamedNode(v)


def _int(n: int) -> pyoxigraph.Literal:
    return pyoxigraph.Literal(str(n), datatype=_n(XSD + "integer"))


def description_triples() -> list[pyoxigraph.Triple]:
    state = state_of()
    base, ex = state.settings.base_iri, state.executor
    ds = _n(base + "dataset")
    t: list[pyoxigraph.Triple] = []

    def add(s: Term, p: str, o: Term) -> None:
        assert not isinstance(s, pyoxigraph.Literal)
        t.append(pyoxigraph.Triple(s, _n(p), o))

    add(ds, RDF + "type", _n(VOID + "Dataset"))
    add(ds, RDF + "type", _n(DCAT + "Dataset"))
    add(ds, DCT + "title", pyoxigraph.Literal("UNPACS knowledge base", language="en"))
    add(
        ds,
        DCT + "description",
        pyoxigraph.Literal(
            "UN Public Administration Country Studies as linked open data (the project's own "
            "description). No licence and no publisher have been stated for this dataset yet.",
            language="en",
        ),
    )
    add(ds, VOID + "sparqlEndpoint", _n(base + "sparql"))
    add(ds, VOID + "uriSpace", pyoxigraph.Literal(base + "id/"))
    add(ds, VOID + "vocabulary", _n(base + "def/unpacs"))
    add(ds, VOID + "rootResource", _n(base + "id/concept/thematic-area"))
    for lang in LANGUAGES:
        add(ds, DCT + "language", pyoxigraph.Literal(lang, datatype=_n(XSD + "language")))
    rows = select(ex, "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")[0]
    add(ds, VOID + "triples", _int(int(rows[0]["n"].value)))
    for row in select(ex, "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c")[0]:
        part = pyoxigraph.BlankNode()
        add(ds, VOID + "classPartition", part)
        add(part, VOID + "class", row["c"])
        add(part, VOID + "entities", _int(int(row["n"].value)))
    for row in select(ex, "SELECT ?p (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?p")[
        0
    ]:
        part = pyoxigraph.BlankNode()
        add(ds, VOID + "propertyPartition", part)
        add(part, VOID + "property", row["p"])
        add(part, VOID + "triples", _int(int(row["n"].value)))
    graphs = select(
        ex,
        f"""SELECT ?g ?t ?src (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }}
      OPTIONAL {{ GRAPH ?g {{ ?g <{PROV}generatedAtTime> ?t }} }}
      OPTIONAL {{ GRAPH ?g {{ ?g <{DCT}source> ?src }} }} }} GROUP BY ?g ?t ?src""",
    )[0]
    seen: set[str] = set()
    for row in graphs:
        g = row["g"]
        if g.value not in seen:
            seen.add(g.value)
            add(ds, VOID + "subset", g)
            add(g, RDF + "type", _n(VOID + "Dataset"))
            if "t" in row:
                add(g, PROV + "generatedAtTime", row["t"])
        if "src" in row:
            add(g, DCT + "source", row["src"])
    for item in downloads(ex).values():
        dist = _n(f"{base}download/{item.name}")
        add(ds, DCAT + "distribution", dist)
        add(ds, VOID + "dataDump", dist)
        add(dist, RDF + "type", _n(DCAT + "Distribution"))
        add(dist, DCAT + "downloadURL", dist)
        add(
            dist,
            DCAT + "mediaType",
            _n("https://www.iana.org/assignments/media-types/" + item.media_type),
        )
        add(
            dist,
            DCAT + "byteSize",
            pyoxigraph.Literal(str(item.size), datatype=_n(XSD + "nonNegativeInteger")),
        )
        checksum = pyoxigraph.BlankNode()
        add(dist, SPDX + "checksum", checksum)
        add(checksum, SPDX + "algorithm", _n(SPDX + "checksumAlgorithm_sha256"))
        add(
            checksum,
            SPDX + "checksumValue",
            pyoxigraph.Literal(item.sha256, datatype=_n(XSD + "hexBinary")),
        )
    return list(dict.fromkeys(t))


@bp.route("/.well-known/void")
@bp.route("/dataset")
def dataset() -> ResponseReturnValue:
    state = state_of()
    base = state.settings.base_iri
    fmt = negotiate(request, FORMATS)
    etag = caching.etag_for(state.executor.generation, "dataset", fmt.name)
    if caching.not_modified(request, etag, None):
        return caching.decorate(Response(status=304), etag=etag, last_modified=None)
    triples = description_triples()
    out = io.BytesIO()
    if fmt.name == "html":
        response = Response(_html(triples), mimetype="text/html")
        return caching.decorate(
            response, etag=etag, last_modified=None, vary=("Accept", "Accept-Language")
        )
    if fmt.name == "jsonld":
        from unpacs.loader.read.describe import Description, serialize

        quads = [
            pyoxigraph.Quad(x.subject, x.predicate, x.object, pyoxigraph.DefaultGraph())
            for x in triples
        ]
        body = serialize(Description(base + "dataset", quads), fmt, base, prefixes(base))
    else:
        assert fmt.oxigraph_rdf is not None
        names = {**prefixes(base), "void": VOID, "spdx": SPDX}
        pyoxigraph.serialize(
            triples,
            out,
            fmt.oxigraph_rdf,
            prefixes=names if fmt.name != "ntriples" else None,
        )
        body = out.getvalue()
    response = Response(body, mimetype=fmt.media_type)
    return caching.decorate(response, etag=etag, last_modified=None)


@bp.route("/sitemap.xml")
def sitemap() -> Response:
    state = state_of()
    base = state.settings.base_iri
    rows = select(
        state.executor, "SELECT DISTINCT ?s WHERE { ?s ?p ?o FILTER(isIRI(?s)) }", limit=50_000
    )[0]
    urls = sorted(
        f"{base}{parsed.document_path()}"
        for r in rows
        if (parsed := parse_thing_iri(base, r["s"].value)) is not None
    )
    body = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
    ]
    body += [f"<url><loc>{escape(u)}</loc></url>" for u in urls]
    body.append("</urlset>")
    return caching.cors(Response("\n".join(body) + "\n", mimetype="application/xml"))


@bp.route("/robots.txt")
def robots() -> Response:
    base = state_of().settings.base_iri
    text = (
        f"User-agent: *\nDisallow: /sparql\nDisallow: /search\nDisallow: /download/\n"
        f"Sitemap: {base}sitemap.xml\n"
    )
    return Response(text, mimetype="text/plain")


def _html(triples: list[pyoxigraph.Triple]) -> str:
    """The same description for people: downloads first, then every statement."""
    from unpacs.endpoint.routes.pages import page_context
    from unpacs.endpoint.views.models import Footnotes, Labels, statement_blocks
    from unpacs.loader.read.describe import Description

    state = state_of()
    base = state.settings.base_iri
    text = Text(choose_language(request))
    labels = Labels(base, text.lang)
    labels.fetch(
        state.executor,
        {t.object.value for t in triples if isinstance(t.object, pyoxigraph.NamedNode)},
    )
    quads = [
        pyoxigraph.Quad(t.subject, t.predicate, t.object, pyoxigraph.DefaultGraph())
        for t in triples
    ]
    blocks = statement_blocks(Description(base + "dataset", quads), labels, Footnotes(base))
    items = list(downloads(state.executor).values())
    return render_template("dataset.html", blocks=blocks, downloads=items, **page_context(text))
