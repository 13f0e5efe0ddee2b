"""The SPARQL 1.1 Protocol at /sparql on a real on-disk store (and over a real oxigraph server).

Strictness (parameters once, 413/415/400/401), datasets restricted to local graphs, relative
IRIs against the base, every result format, content negotiation, the truncation header, ETag and
304, CORS, the service description, and one problem-details shape on every error path.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pyoxigraph
import pytest
from fixtures.servers import Listener
from fixtures.stores import BASE
from flask import Flask
from flask.testing import FlaskClient
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from werkzeug.test import TestResponse

from unpacs.endpoint.app import create_app
from unpacs.endpoint.state import state_of
from unpacs.loader.settings import Settings
from unpacs.loader.store.oxigraph import OxigraphStore
from unpacs.loader.store.protocol import Store
from unpacs.loader.store.sparql_protocol import SparqlProtocolStore

G1, G2 = BASE + "graph/test/one", BASE + "graph/test/two"
EX = "http://example.org/test#"
SKOS_LABEL = "http://www.w3.org/2004/02/skos/core#prefLabel"


def _node(iri: str) -> pyoxigraph.NamedNode:
    return pyoxigraph.NamedNode(iri)


def fill(store: Store) -> None:
    """Two graphs: three things in the first, two in the second."""
    label = _node(SKOS_LABEL)
    one = [
        pyoxigraph.Triple(_node(f"{BASE}id/thing/{n}"), label, pyoxigraph.Literal(f"thing {n}"))
        for n in range(3)
    ]
    two = [
        pyoxigraph.Triple(_node(f"{BASE}id/other/{n}"), label, pyoxigraph.Literal(f"other {n}"))
        for n in range(2)
    ]
    store.replace_graphs({G1: one, G2: two})


def make_app(store: Store, **settings: Any) -> Flask:
    app = create_app(Settings(store="unused", **settings), store=store)
    state_of(app).after_commit()
    return app


@pytest.fixture
def store(tmp_path: Path) -> Iterator[OxigraphStore]:
    opened = OxigraphStore(tmp_path / "store")
    fill(opened)
    yield opened
    opened.close()


@pytest.fixture
def app(store: OxigraphStore) -> Flask:
    return make_app(store)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def select(client: FlaskClient, query: str, **params: str) -> TestResponse:
    return client.get("/sparql", query_string={"query": query, **params})


def values(response: TestResponse, var: str) -> set[str]:
    assert response.status_code == 200, response.get_data(as_text=True)
    return {b[var]["value"] for b in response.get_json()["results"]["bindings"] if var in b}


ALL = "SELECT ?s WHERE { ?s ?p ?o }"


# -- the three ways to send a query ------------------------------------------------------------


def test_query_by_get_post_form_and_post_body(client: FlaskClient) -> None:
    by_get = select(client, ALL)
    by_form = client.post("/sparql", data={"query": ALL})
    by_body = client.post("/sparql", data=ALL, content_type="application/sparql-query")
    assert values(by_get, "s") == values(by_form, "s") == values(by_body, "s")
    assert len(values(by_get, "s")) == 5


def test_graph_parameters_by_post_body_come_from_the_query_string(client: FlaskClient) -> None:
    response = client.post(
        "/sparql?default-graph-uri=" + G2,
        data=ALL,
        content_type="application/sparql-query; charset=utf-8",
    )
    assert values(response, "s") == {f"{BASE}id/other/0", f"{BASE}id/other/1"}


# -- datasets ------------------------------------------------------------------------------------


def test_dataset_parameters_restrict_to_local_graphs(client: FlaskClient) -> None:
    assert len(values(select(client, ALL, **{"default-graph-uri": G1}), "s")) == 3
    named = select(client, "SELECT ?s WHERE { GRAPH ?g { ?s ?p ?o } }", **{"named-graph-uri": G2})
    assert len(values(named, "s")) == 2
    # Named graphs only: the default graph is empty (SPARQL 1.1 Protocol).
    assert values(select(client, ALL, **{"named-graph-uri": G2}), "s") == set()
    unknown = select(client, ALL, **{"default-graph-uri": BASE + "graph/nothing-here"})
    assert values(unknown, "s") == set()


def test_issue_9_from_restricts_the_dataset(client: FlaskClient) -> None:
    """pyoxigraph's union default graph used to override FROM."""
    assert len(values(select(client, f"SELECT ?s FROM <{G2}> WHERE {{ ?s ?p ?o }}"), "s")) == 2
    relative = "SELECT ?s FROM <graph/test/one> WHERE { ?s ?p ?o }"
    assert len(values(select(client, relative), "s")) == 3
    named = f"SELECT ?s FROM NAMED <{G1}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"
    assert len(values(select(client, named), "s")) == 3
    # The protocol's parameters override the query's FROM.
    both = select(
        client, f"SELECT ?s FROM <{G2}> WHERE {{ ?s ?p ?o }}", **{"default-graph-uri": G1}
    )
    assert len(values(both, "s")) == 3


def test_issue_9_malformed_graph_iri_is_400(client: FlaskClient) -> None:
    response = select(client, ALL, **{"default-graph-uri": "not an iri"})
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"


def test_issue_9_relative_iris_resolve_against_the_base(client: FlaskClient) -> None:
    response = client.get(
        "/sparql",
        query_string={
            "query": "CONSTRUCT { <id/thing/0> <def/x> ?l } WHERE { <id/thing/0> ?p ?l }"
        },
        headers={"Accept": "application/n-triples"},
    )
    assert response.status_code == 200
    assert f'<{BASE}id/thing/0> <{BASE}def/x> "thing 0"' in response.get_data(as_text=True)


# -- formats and negotiation ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "accept,media_type",
    [
        ("application/sparql-results+json", "application/sparql-results+json"),
        ("application/sparql-results+xml", "application/sparql-results+xml"),
        ("text/csv", "text/csv"),
        ("text/tab-separated-values", "text/tab-separated-values"),
        ("application/json", "application/sparql-results+json"),
        ("text/csv;q=0.4, application/sparql-results+xml;q=0.9", "application/sparql-results+xml"),
        ("text/*", "text/csv"),
        ("*/*", "application/sparql-results+json"),
        ("text/tab-separated-values, */*;q=0.1", "text/tab-separated-values"),
    ],
)
def test_select_formats_by_accept(client: FlaskClient, accept: str, media_type: str) -> None:
    response = client.get("/sparql", query_string={"query": ALL}, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.mimetype == media_type
    assert "Accept" in response.vary
    if media_type == "text/csv":  # lossy: pyoxigraph does not read it back; count the rows
        assert len(response.get_data(as_text=True).strip().splitlines()) == 1 + 5
        return
    fmt = pyoxigraph.QueryResultsFormat.from_media_type(
        media_type.replace("n/json", "n/sparql-results+json")
    )
    parsed = pyoxigraph.parse_query_results(response.data, fmt)
    assert isinstance(parsed, pyoxigraph.QuerySolutions)
    assert len(list(parsed)) == 5


CONSTRUCT = f"CONSTRUCT {{ ?s <{SKOS_LABEL}> ?l }} WHERE {{ ?s <{SKOS_LABEL}> ?l }}"


def as_graph(data: bytes, media_type: str) -> Graph:
    """Parse any RDF response with pyoxigraph (JSON-LD and datasets included) into a graph."""
    fmt = pyoxigraph.RdfFormat.from_media_type(media_type)
    assert fmt is not None, media_type
    out = io.BytesIO()
    quads = pyoxigraph.parse(data, fmt)
    pyoxigraph.serialize(
        (pyoxigraph.Triple(q.subject, q.predicate, q.object) for q in quads),
        out,
        pyoxigraph.RdfFormat.N_TRIPLES,
    )
    return Graph().parse(data=out.getvalue().decode(), format="nt")


def _expected_graph() -> Graph:
    graph = Graph()
    for n in range(3):
        graph.add((URIRef(f"{BASE}id/thing/{n}"), URIRef(SKOS_LABEL), Literal(f"thing {n}")))
    for n in range(2):
        graph.add((URIRef(f"{BASE}id/other/{n}"), URIRef(SKOS_LABEL), Literal(f"other {n}")))
    return graph


@pytest.mark.parametrize(
    "accept",
    [
        "text/turtle",
        "application/ld+json",
        "application/n-triples",
        "application/rdf+xml",
        "application/n-quads",
        "application/trig",
    ],
)
def test_construct_formats_by_accept(client: FlaskClient, accept: str) -> None:
    response = client.get("/sparql", query_string={"query": CONSTRUCT}, headers={"Accept": accept})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == accept
    assert isomorphic(as_graph(response.data, accept), _expected_graph())


def test_issue_9_construct_as_json_ld_uses_our_context(client: FlaskClient) -> None:
    response = client.get(
        "/sparql", query_string={"query": CONSTRUCT}, headers={"Accept": "application/ld+json"}
    )
    document = json.loads(response.data)
    assert document["@context"]["skos"] == "http://www.w3.org/2004/02/skos/core#"
    text = json.dumps(document["@graph"])
    assert SKOS_LABEL not in text  # compacted with the context, not full IRIs


def test_format_parameter_overrides_accept(client: FlaskClient) -> None:
    response = client.get(
        "/sparql",
        query_string={"query": ALL, "format": "tsv"},
        headers={"Accept": "application/sparql-results+xml"},
    )
    assert response.mimetype == "text/tab-separated-values"
    by_media_type = client.get(
        "/sparql", query_string={"query": CONSTRUCT, "format": "application/ld json"}
    )
    assert by_media_type.mimetype == "application/ld+json"


@pytest.mark.parametrize(
    "query,params,accept",
    [
        (ALL, {}, "image/png"),
        (ALL, {"format": "turtle"}, "*/*"),
        (CONSTRUCT, {"format": "csv"}, "*/*"),
        (CONSTRUCT, {}, "application/sparql-results+json"),
        (ALL, {"format": "pdf"}, "*/*"),
    ],
)
def test_what_we_cannot_give_is_406(
    client: FlaskClient, query: str, params: dict[str, str], accept: str
) -> None:
    response = client.get(
        "/sparql", query_string={"query": query, **params}, headers={"Accept": accept}
    )
    assert response.status_code == 406
    assert response.mimetype == "application/problem+json"


def test_ask_formats(client: FlaskClient) -> None:
    response = client.get(
        "/sparql",
        query_string={"query": "ASK {}"},
        headers={"Accept": "application/sparql-results+xml"},
    )
    assert response.status_code == 200 and b"<boolean>true</boolean>" in response.data


# -- truncation, caching, CORS -------------------------------------------------------------------


def test_issue_9_truncation_is_signalled_in_a_header(store: OxigraphStore) -> None:
    client = make_app(store, result_limit=2).test_client()
    capped = select(client, ALL)
    assert capped.headers["Unpacs-Result-Truncated"] == "true"
    assert capped.headers["Unpacs-Result-Limit"] == "2"
    assert capped.headers["Unpacs-Result-Count"] == "2"
    assert len(capped.get_json()["results"]["bindings"]) == 2
    whole = select(client, "SELECT ?s WHERE { ?s ?p ?o } LIMIT 2")
    assert whole.headers["Unpacs-Result-Truncated"] == "false"


def test_etag_and_304_until_the_generation_moves(app: Flask, store: OxigraphStore) -> None:
    client = app.test_client()
    first = select(client, ALL)
    etag = first.headers["ETag"]
    assert etag and "no-cache" in first.headers["Cache-Control"]
    again = client.get("/sparql", query_string={"query": ALL}, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == etag
    other_format = client.get(
        "/sparql",
        query_string={"query": ALL},
        headers={"If-None-Match": etag, "Accept": "text/csv"},
    )
    assert other_format.status_code == 200 and other_format.headers["ETag"] != etag
    store.replace_graphs({G2: []})
    state_of(app).after_commit()
    moved = client.get("/sparql", query_string={"query": ALL}, headers={"If-None-Match": etag})
    assert moved.status_code == 200
    assert len(values(moved, "s")) == 3


def test_cors_on_answers_errors_and_preflight(client: FlaskClient) -> None:
    answer = select(client, "ASK {}")
    assert answer.headers["Access-Control-Allow-Origin"] == "*"
    assert "Unpacs-Result-Truncated" in answer.headers["Access-Control-Expose-Headers"]
    error = select(client, "SELEKT")
    assert error.status_code == 400 and error.headers["Access-Control-Allow-Origin"] == "*"
    preflight = client.options(
        "/sparql",
        headers={
            "Origin": "https://example.org",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "Content-Type",
        },
    )
    assert preflight.status_code == 204
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    assert "Content-Type" in preflight.headers["Access-Control-Allow-Headers"]
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"


# -- service description and editor -------------------------------------------------------------

SD = "http://www.w3.org/ns/sparql-service-description#"
VOID = "http://rdfs.org/ns/void#"


@pytest.mark.parametrize(
    "accept",
    ["text/turtle", "*/*", "application/ld+json", "application/rdf+xml", "application/n-triples"],
)
def test_issue_9_service_description(client: FlaskClient, accept: str) -> None:
    response = client.get("/sparql", headers={"Accept": accept})
    assert response.status_code == 200
    graph = as_graph(response.data, response.mimetype)
    service = URIRef("http://localhost/sparql")
    assert (service, URIRef(SD + "endpoint"), service) in graph
    assert (service, URIRef(SD + "supportedLanguage"), URIRef(SD + "SPARQL11Query")) in graph
    assert (service, URIRef(SD + "feature"), URIRef(SD + "UnionDefaultGraph")) in graph
    formats = set(graph.objects(service, URIRef(SD + "resultFormat")))
    assert URIRef("http://www.w3.org/ns/formats/SPARQL_Results_JSON") in formats
    assert URIRef("http://www.w3.org/ns/formats/JSON-LD") in formats
    triples = {int(t) for t in graph.objects(None, URIRef(VOID + "triples"))}  # type: ignore[arg-type]
    assert {5, 3, 2} <= triples  # the default graph, then each named graph
    names = set(graph.objects(None, URIRef(SD + "name")))
    assert names == {URIRef(G1), URIRef(G2)}


def test_service_description_revalidates_until_a_commit(app: Flask, store: OxigraphStore) -> None:
    client = app.test_client()
    first = client.get("/sparql", headers={"Accept": "text/turtle"})
    etag = first.headers["ETag"]
    again = client.get("/sparql", headers={"Accept": "text/turtle", "If-None-Match": etag})
    assert again.status_code == 304
    store.replace_graphs({G2: []})
    state_of(app).after_commit()
    moved = client.get("/sparql", headers={"Accept": "text/turtle", "If-None-Match": etag})
    assert moved.status_code == 200
    graph = as_graph(moved.data, "text/turtle")
    assert set(graph.objects(None, URIRef(SD + "name"))) == {URIRef(G1)}


def test_service_description_names_the_url_it_was_asked_at(client: FlaskClient) -> None:
    response = client.get(
        "/sparql", base_url="https://data.example.org", headers={"Accept": "text/turtle"}
    )
    graph = Graph().parse(data=response.get_data(as_text=True), format="turtle")
    endpoint = URIRef("https://data.example.org/sparql")
    assert (endpoint, URIRef(SD + "endpoint"), endpoint) in graph


def test_a_browser_gets_the_query_editor(client: FlaskClient) -> None:
    response = client.get(
        "/sparql", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    )
    assert response.status_code == 200 and response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "yasgui/yasgui.min.js" in page and "unpacs-config" in page
    assert "cdn" not in page.lower()
    with client.get("/static/yasgui/yasgui.min.js") as static:
        assert static.status_code == 200 and len(static.data) > 100_000


# -- protocol errors: one problem-details shape ----------------------------------------------------

ErrorCase = tuple[int, Callable[[FlaskClient], TestResponse]]

ERRORS: dict[str, ErrorCase] = {
    "query twice": (400, lambda c: c.get("/sparql?query=ASK%7B%7D&query=ASK%7B%7D")),
    "format twice": (400, lambda c: c.get("/sparql?query=ASK%7B%7D&format=json&format=xml")),
    "query in body and parameter": (
        400,
        lambda c: c.post(
            "/sparql?query=ASK{}", data="ASK {}", content_type="application/sparql-query"
        ),
    ),
    "missing query (form)": (400, lambda c: c.post("/sparql", data={"format": "json"})),
    "blank query": (400, lambda c: c.get("/sparql?query=")),
    "empty body": (
        400,
        lambda c: c.post("/sparql", data=b"", content_type="application/sparql-query"),
    ),
    "syntax error": (400, lambda c: c.get("/sparql", query_string={"query": "SELEKT * {}"})),
    "non-UTF-8 body": (
        400,
        lambda c: c.post(
            "/sparql", data=b'ASK { ?s ?p "\xff" }', content_type="application/sparql-query"
        ),
    ),
    "non-UTF-8 form": (
        400,
        lambda c: c.post(
            "/sparql", data=b"query=ASK%7B%7D%FF", content_type="application/x-www-form-urlencoded"
        ),
    ),
    "non-UTF-8 query string": (400, lambda c: c.get("/sparql?query=ASK%7B%FF%7D")),
    "SERVICE": (
        400,
        lambda c: c.get("/sparql", query_string={"query": "SELECT * { SERVICE <http://e/> {} }"}),
    ),
    "too deep": (
        400,
        lambda c: c.get("/sparql", query_string={"query": "ASK " + "{" * 300 + "}" * 300}),
    ),
    "malformed graph": (400, lambda c: c.get("/sparql?query=ASK%7B%7D&default-graph-uri=x%20y")),
    "update by form": (401, lambda c: c.post("/sparql", data={"update": "DROP ALL"})),
    "update by body": (
        401,
        lambda c: c.post("/sparql", data="DROP ALL", content_type="application/sparql-update"),
    ),
    "update by GET": (405, lambda c: c.get("/sparql?update=DROP%20ALL")),
    "not acceptable": (
        406,
        lambda c: c.get("/sparql?query=ASK%7B%7D", headers={"Accept": "image/png"}),
    ),
    "too large body": (
        413,
        lambda c: c.post(
            "/sparql", data="ASK {}" + " " * 5000, content_type="application/sparql-query"
        ),
    ),
    "too large query string": (413, lambda c: c.get("/sparql?query=ASK%7B%7D" + "+" * 5000)),
    "wrong media type": (
        415,
        lambda c: c.post("/sparql", data="ASK {}", content_type="text/plain"),
    ),
    "no media type": (415, lambda c: c.post("/sparql", data=b"ASK {}")),
    "wrong charset": (
        415,
        lambda c: c.post(
            "/sparql", data="ASK {}", content_type="application/sparql-query; charset=latin-1"
        ),
    ),
    "wrong method": (405, lambda c: c.put("/sparql", data="ASK {}")),
}


@pytest.fixture
def small_client(store: OxigraphStore) -> FlaskClient:
    return make_app(store, max_request_bytes=4096).test_client()


@pytest.mark.parametrize("name", list(ERRORS))
def test_issue_9_every_error_is_one_problem_shape(small_client: FlaskClient, name: str) -> None:
    status, send = ERRORS[name]
    response = send(small_client)
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert set(problem) >= {"type", "title", "status", "detail"}
    assert problem["status"] == status
    assert isinstance(problem["title"], str) and problem["title"]
    assert isinstance(problem["detail"], str) and 0 < len(problem["detail"]) < 400
    assert "Traceback" not in problem["detail"]
    if status == 401:
        assert response.headers["WWW-Authenticate"] == 'Bearer realm="unpacs"'
    if name != "wrong method":
        assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_syntax_error_names_line_and_column_without_the_query(client: FlaskClient) -> None:
    long_query = "SELECT * WHERE {\n  ?s ?p ?o .\n" + "  ?s ?p ?o .\n" * 100 + "  FILTR }"
    problem = select(client, long_query).get_json()
    assert problem["line"] == 103 and problem["column"] >= 3
    assert "line 103" in problem["detail"]
    assert len(problem["detail"]) < 300
    assert "?s ?p ?o" not in problem["detail"]


@pytest.mark.parametrize(
    "accept,media_type,marker",
    [
        ("text/html, */*;q=0.1", "text/html", "<h1>400 "),
        ("text/plain, */*;q=0.1", "text/plain", "400 "),
        ("application/json", "application/problem+json", '"status"'),
    ],
)
def test_problems_as_html_or_text_by_accept(
    client: FlaskClient, accept: str, media_type: str, marker: str
) -> None:
    response = client.get(
        "/sparql", query_string={"query": "SELEKT <x>"}, headers={"Accept": accept}
    )
    assert response.status_code == 400 and response.mimetype == media_type
    assert marker in response.get_data(as_text=True)


def test_html_problem_escapes_what_it_shows(client: FlaskClient) -> None:
    response = client.get(
        "/sparql",
        query_string={"query": "ASK {}", "default-graph-uri": "<script>alert(1)</script>"},
        headers={"Accept": "text/html, */*;q=0.1"},
    )
    assert response.status_code == 400
    assert "<script>" not in response.get_data(as_text=True)
    assert "&lt;script&gt;" in response.get_data(as_text=True)


# -- the same endpoint over a remote engine ------------------------------------------------------


@pytest.fixture(params=["oxigraph", "virtuoso"])
def remote_engine(request: pytest.FixtureRequest) -> Iterator[SparqlProtocolStore]:
    """A real `oxigraph serve` and a real Virtuoso, each holding the two test graphs."""
    if request.param == "oxigraph":
        url = request.getfixturevalue("oxigraph_server") + "/query"
        store = SparqlProtocolStore(url)
        clear = "DROP ALL"  # the session's server: other modules leave their data in it
    else:
        url = request.getfixturevalue("virtuoso_server")
        store = SparqlProtocolStore(url, update_url=url, graph_store_url=url + "-graph-crud")
        clear = f"DROP SILENT GRAPH <{G1}> ; DROP SILENT GRAPH <{G2}>"  # keep Virtuoso's own
    store.update(clear)
    fill(store)
    yield store
    store.update(clear)


def test_issue_9_the_endpoint_over_a_real_remote_engine(remote_engine: SparqlProtocolStore) -> None:
    remote = remote_engine
    service_url = remote.query_url
    client = make_app(remote).test_client()
    # Virtuoso keeps system graphs of its own: count our labelled things only.
    labelled = f"SELECT ?s WHERE {{ ?s <{SKOS_LABEL}> ?o }}"
    assert len(values(select(client, labelled), "s")) == 5
    assert len(values(select(client, f"SELECT ?s FROM <{G1}> WHERE {{ ?s ?p ?o }}"), "s")) == 3
    assert len(values(select(client, ALL, **{"default-graph-uri": G2}), "s")) == 2
    relative = client.get(
        "/sparql",
        query_string={
            "query": "CONSTRUCT { <id/thing/0> <def/x> ?l } WHERE { <id/thing/0> ?p ?l }"
        },
        headers={"Accept": "application/n-triples"},
    )
    assert f"<{BASE}id/thing/0> <{BASE}def/x>" in relative.get_data(as_text=True)
    as_jsonld = client.get(
        "/sparql", query_string={"query": CONSTRUCT}, headers={"Accept": "application/ld+json"}
    )
    assert isomorphic(as_graph(as_jsonld.data, "application/ld+json"), _expected_graph())
    refused = select(client, f"SELECT * {{ SERVICE <{service_url}> {{ ?s ?p ?o }} }}")
    assert refused.status_code == 400
    description = client.get("/sparql", headers={"Accept": "text/turtle"})
    graph = Graph().parse(data=description.get_data(as_text=True), format="turtle")
    assert {URIRef(G1), URIRef(G2)} <= set(graph.objects(None, URIRef(SD + "name")))
    syntax = select(client, "SELEKT")
    assert syntax.status_code == 400 and syntax.mimetype == "application/problem+json"
    ask = select(client, "ASK { ?s ?p ?o }")
    assert ask.get_json() == {"head": {}, "boolean": True}


def test_issue_9_no_query_makes_a_remote_engine_fetch(remote_engine: SparqlProtocolStore) -> None:
    """Virtuoso itself fetches for SERVICE, `DEFINE get:soft` + FROM and `DEFINE
    input:grab-all` (tried by hand: its anonymous user does); through /sparql none arrives."""
    client = make_app(remote_engine).test_client()
    listener = Listener()
    try:
        target = listener.url
        for query in (
            f"SELECT * {{ SERVICE <{target}> {{ ?s ?p ?o }} }}",
            f'DEFINE get:soft "replace" SELECT * FROM <{target}> {{ ?s ?p ?o }}',
            f'DEFINE input:grab-all "yes" SELECT * {{ <{target}> ?p ?o }}',
            f"SELECT * FROM NAMED <{target}> {{ GRAPH ?g {{ ?s ?p ?o }} }}",
        ):
            for how in ("get", "form"):
                if how == "get":
                    response = select(client, query)
                else:
                    response = client.post("/sparql", data={"query": query})
                assert response.status_code == 400, query
        response = select(client, "ASK {}", **{"default-graph-uri": target})
        assert response.status_code == 400
    finally:
        listener.close()
    assert listener.connections == 0
