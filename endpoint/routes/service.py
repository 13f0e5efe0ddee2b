"""``GET /sparql`` without a query: the SPARQL 1.1 Service Description, or the query editor.

The description names the endpoint by the URL it was asked at (``sd:endpoint``), the language,
the result formats, the features (``sd:UnionDefaultGraph``: the default graph is the union of
the named graphs) and the default dataset with VoID statistics. The statistics are counted
through the executor (so the timeout and cap hold) once per store generation.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from dataclasses import dataclass

import pyoxigraph
from flask import Response, current_app, request
from werkzeug.exceptions import NotAcceptable

from unpacs.endpoint import caching
from unpacs.endpoint.conneg import acceptable, prefers_html
from unpacs.endpoint.routes import query_editor
from unpacs.endpoint.state import state_of
from unpacs.loader import formats
from unpacs.loader.query.executor import QueryRequest
from unpacs.loader.query.graph_output import write_triples
from unpacs.loader.store.oxigraph import STAGING_PREFIX
from unpacs.loader.vocab import FORMATS_NS, RDF_TYPE_NODE, SD, VOID, prefixes

DCTERMS_TITLE = pyoxigraph.NamedNode("http://purl.org/dc/terms/title")

DESCRIPTION_FORMATS = tuple(formats.by_name(n) for n in ("turtle", "jsonld", "rdfxml", "ntriples"))
STATISTICS_KEY = "unpacs.service-statistics"  # (generation, Statistics) in app.extensions
# W3C format IRIs (https://www.w3.org/ns/formats/) of what /sparql can answer in.
RESULT_FORMAT_IRIS = (
    "SPARQL_Results_JSON",
    "SPARQL_Results_XML",
    "SPARQL_Results_CSV",
    "SPARQL_Results_TSV",
    "Turtle",
    "JSON-LD",
    "N-Triples",
    "RDF_XML",
    "N-Quads",
    "TriG",
)

GRAPH_COUNTS = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"
TOTALS = (
    "SELECT (COUNT(*) AS ?triples) (COUNT(DISTINCT ?s) AS ?subjects) "
    "(COUNT(DISTINCT ?p) AS ?properties) WHERE { ?s ?p ?o }"
)
CLASSES = "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c ORDER BY ?c"


@dataclass(frozen=True)
class Statistics:
    triples: int
    subjects: int
    properties: int
    graphs: tuple[tuple[str, int], ...]
    classes: tuple[tuple[str, int], ...]


def _select(query: str) -> list[dict[str, str]]:
    answer = state_of().executor.execute(
        QueryRequest(query, solution_formats=[formats.by_name("sparql-json")])
    )
    data = json.loads(answer.body)
    return [{k: v["value"] for k, v in b.items()} for b in data["results"]["bindings"]]


def statistics() -> Statistics:
    """VoID figures for the current generation, computed once per generation."""
    cached = current_app.extensions.get(STATISTICS_KEY)
    generation = state_of().executor.generation
    if isinstance(cached, tuple) and cached[0] == generation:
        found: Statistics = cached[1]
        return found
    totals = _select(TOTALS)[0]
    stats = Statistics(
        triples=int(totals["triples"]),
        subjects=int(totals["subjects"]),
        properties=int(totals["properties"]),
        graphs=tuple(
            (row["g"], int(row["n"]))
            for row in _select(GRAPH_COUNTS)
            if not row["g"].startswith(STAGING_PREFIX)
        ),
        classes=tuple((row["c"], int(row["n"])) for row in _select(CLASSES)),
    )
    current_app.extensions[STATISTICS_KEY] = (generation, stats)
    return stats


def _count(value: int) -> pyoxigraph.Literal:
    return pyoxigraph.Literal(
        str(value), datatype=pyoxigraph.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
    )


def describe(endpoint_url: str, stats: Statistics) -> Iterator[pyoxigraph.Triple]:
    triple, node = pyoxigraph.Triple, pyoxigraph.NamedNode
    service = node(endpoint_url)
    yield triple(service, RDF_TYPE_NODE, node(SD + "Service"))
    yield triple(service, node(SD + "endpoint"), service)
    title = pyoxigraph.Literal("UNPACS SPARQL endpoint", language="en")
    yield triple(service, DCTERMS_TITLE, title)
    yield triple(service, node(SD + "supportedLanguage"), node(SD + "SPARQL11Query"))
    for name in RESULT_FORMAT_IRIS:
        yield triple(service, node(SD + "resultFormat"), node(FORMATS_NS + name))
    yield triple(service, node(SD + "feature"), node(SD + "UnionDefaultGraph"))
    yield triple(
        service,
        node(SD + "defaultEntailmentRegime"),
        node("http://www.w3.org/ns/entailment/Simple"),
    )
    dataset, default_graph = pyoxigraph.BlankNode(), pyoxigraph.BlankNode()
    yield triple(service, node(SD + "defaultDataset"), dataset)
    yield triple(dataset, RDF_TYPE_NODE, node(SD + "Dataset"))
    yield triple(dataset, RDF_TYPE_NODE, node(VOID + "Dataset"))
    yield triple(dataset, node(VOID + "sparqlEndpoint"), service)
    yield triple(dataset, node(SD + "defaultGraph"), default_graph)
    yield triple(default_graph, RDF_TYPE_NODE, node(SD + "Graph"))
    yield triple(default_graph, node(VOID + "triples"), _count(stats.triples))
    yield triple(default_graph, node(VOID + "distinctSubjects"), _count(stats.subjects))
    yield triple(default_graph, node(VOID + "properties"), _count(stats.properties))
    yield triple(default_graph, node(VOID + "classes"), _count(len(stats.classes)))
    for cls, entities in stats.classes:
        partition = pyoxigraph.BlankNode()
        yield triple(default_graph, node(VOID + "classPartition"), partition)
        yield triple(partition, node(VOID + "class"), node(cls))
        yield triple(partition, node(VOID + "entities"), _count(entities))
    for name, count in stats.graphs:
        named, graph = pyoxigraph.BlankNode(), pyoxigraph.BlankNode()
        yield triple(dataset, node(SD + "namedGraph"), named)
        yield triple(named, RDF_TYPE_NODE, node(SD + "NamedGraph"))
        yield triple(named, node(SD + "name"), node(name))
        yield triple(named, node(SD + "graph"), graph)
        yield triple(graph, RDF_TYPE_NODE, node(SD + "Graph"))
        yield triple(graph, node(VOID + "triples"), _count(count))


def respond() -> Response:
    """The description in the format the client accepts, or the editor for a browser."""
    # A browser asks for text/html explicitly; `*/*` alone (curl, scripts) gets Turtle.
    if prefers_html(request, [m for f in DESCRIPTION_FORMATS for m in f.media_types]):
        response = query_editor.render()
        response.vary.add("Accept")
        return response
    chosen = acceptable(request, DESCRIPTION_FORMATS)
    if not chosen:
        raise NotAcceptable(
            "the service description is offered as "
            + ", ".join(f.media_type for f in DESCRIPTION_FORMATS)
            + " and the query editor as text/html"
        )
    fmt = chosen[0]
    generation = state_of().executor.generation
    etag = caching.etag_for(generation, "service-description", request.base_url, fmt.name)
    if caching.not_modified(request, etag, None):
        unchanged = Response(status=304)
        unchanged.set_etag(etag)
        unchanged.vary.add("Accept")
        return unchanged
    settings = state_of().settings
    out = io.BytesIO()
    write_triples(
        describe(request.base_url, statistics()),
        fmt,
        out,
        base_iri=settings.base_iri,
        prefixes={"sd": SD, "void": VOID, "formats": FORMATS_NS, **prefixes(settings.base_iri)},
    )
    response = Response(out.getvalue(), mimetype=fmt.media_type)
    response.set_etag(etag)
    response.headers["Cache-Control"] = "public, no-cache"
    response.vary.add("Accept")
    return response
