"""The query guard: depth and length caps before parsing, no request makes the server fetch.

The SSRF cases point SERVICE, LOAD, FROM, FROM NAMED, default-graph-uri and named-graph-uri at a
loopback listener and assert it is never contacted, by GET, POST form and POST sparql-query.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fixtures.servers import Listener
from fixtures.stores import BASE
from flask import Flask
from flask.testing import FlaskClient

from unpacs.endpoint.app import create_app
from unpacs.loader.errors import QueryError, QueryRefusedError
from unpacs.loader.query.guard import CheckedQuery, QueryPolicy, check_query
from unpacs.loader.settings import Settings, from_env

POLICY = QueryPolicy(base_iri=BASE)


@pytest.fixture
def app(tmp_path: Path) -> Flask:
    return create_app(Settings(store=str(tmp_path / "store")))


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def _send(client: FlaskClient, how: str, query: str, **params: str) -> tuple[int, dict[str, str]]:
    if how == "get":
        response = client.get("/sparql", query_string={"query": query, **params})
    elif how == "form":
        response = client.post("/sparql", data={"query": query, **params})
    else:
        response = client.post(
            "/sparql",
            data=query.encode(),
            query_string=params,
            content_type="application/sparql-query",
        )
    return response.status_code, response.get_json(silent=True) or {}


def _fetching_requests(url: str) -> list[tuple[str, str, dict[str, str]]]:
    return [
        ("SERVICE", f"SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}", {}),
        ("SERVICE SILENT", f"SELECT * WHERE {{ SERVICE SILENT <{url}> {{ ?s ?p ?o }} }}", {}),
        (
            "SERVICE by prefixed name, lower case, comment",
            f"PREFIX x: <{url.rsplit('/', 1)[0]}/>\nselect * where {{ service # hidden\n"
            " x:sparql { ?s ?p ?o } }",
            {},
        ),
        ("SERVICE with \\u escapes", f"SELECT * WHERE {{ SERV\\u0049CE <{url}> {{ }} }}", {}),
        ("LOAD", f"LOAD <{url}>", {}),
        # Virtuoso fetches on these pragmas (checked against a real one in test_sparql_protocol).
        ("DEFINE get:soft", f'DEFINE get:soft "replace" SELECT * FROM <{url}> {{ ?s ?p ?o }}', {}),
        ("DEFINE grab-all", f'define input:grab-all "yes" SELECT * {{ <{url}> ?p ?o }}', {}),
        ("FROM", f"SELECT * FROM <{url}> WHERE {{ ?s ?p ?o }}", {}),
        ("FROM NAMED", f"SELECT * FROM NAMED <{url}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}", {}),
        ("default-graph-uri", "SELECT * WHERE { ?s ?p ?o }", {"default-graph-uri": url}),
        ("named-graph-uri", "SELECT * WHERE { ?s ?p ?o }", {"named-graph-uri": url}),
    ]


@pytest.mark.parametrize("how", ["get", "form", "body"])
def test_issue_9_no_request_makes_the_server_fetch(
    client: FlaskClient, listener: Listener, how: str
) -> None:
    for name, query, params in _fetching_requests(listener.url):
        status, problem = _send(client, how, query, **params)
        assert status in (400, 401), f"{name}: {status}"
        assert problem["status"] == status, name
        assert problem["detail"], name
    assert listener.connections == 0


def test_the_listener_really_counts(listener: Listener) -> None:
    """Control case: without the guard pyoxigraph does contact a SERVICE address."""
    import pyoxigraph

    result = pyoxigraph.Store().query(f"SELECT * {{ SERVICE <{listener.url}> {{ ?s ?p ?o }} }}")
    assert isinstance(result, pyoxigraph.QuerySolutions)
    with pytest.raises(OSError):
        list(result)
    assert listener.connections >= 1


def test_refusals_say_what_to_change(client: FlaskClient, listener: Listener) -> None:
    status, problem = _send(client, "get", f"SELECT * {{ SERVICE <{listener.url}> {{}} }}")
    assert status == 400
    assert "SERVICE" in problem["detail"] and "UNPACS_ALLOWED_SERVICES" in problem["hint"]
    status, problem = _send(client, "get", "SELECT * FROM <http://example.org/g> {}")
    assert status == 400 and "never fetches" in problem["detail"]
    status, problem = _send(client, "get", "SELECT * {}", **{"default-graph-uri": "not an iri"})
    assert status == 400 and "not an absolute IRI" in problem["detail"]


@pytest.mark.parametrize("opener,closer", [("(", ")"), ("{", "}"), ("[", "]")])
def test_issue_9_deep_nesting_is_400_and_the_server_answers_the_next_request(
    client: FlaskClient, opener: str, closer: str
) -> None:
    depth = 20_000
    if opener == "(":
        query = "SELECT * WHERE { FILTER(" + "(" * depth + "1" + ")" * depth + ") }"
    elif opener == "{":
        query = "SELECT * WHERE " + "{" * depth + "}" * depth
    else:
        query = "SELECT * WHERE { ?s ?p " + "[" * depth + "]" * depth + " }"
    for how in ("get", "form", "body"):
        status, problem = _send(client, how, query)
        assert status == 400
        assert "nests brackets more than 256 levels" in problem["detail"]
    after = client.get("/sparql", query_string={"query": "ASK {}"})
    assert after.status_code == 200 and after.get_json()["boolean"] is True


def test_depth_counts_only_real_brackets() -> None:
    deep_text = "(" * 1000
    query = (
        f'SELECT * WHERE {{ BIND("{deep_text}" AS ?a) # {deep_text}\n'
        f"  BIND(<http://example.org/{'%28' * 10}> AS ?b) }}"
    )
    assert check_query(query, policy=POLICY) == CheckedQuery()
    nested = "SELECT * WHERE " + "{" * 256 + "}" * 256
    assert check_query(nested, policy=POLICY) == CheckedQuery()
    with pytest.raises(QueryError, match="256 levels"):
        check_query("SELECT * WHERE " + "{" * 257 + "}" * 257, policy=POLICY)


def test_keywords_inside_strings_iris_comments_and_names_are_not_refused() -> None:
    query = (
        "PREFIX ex: <http://example.org/service/load#>\nSELECT ?service ?load WHERE {\n"
        "  ?s ex:service ?service ; ex:LOAD ?load . # SERVICE <http://x/> LOAD <http://y/>\n"
        '  FILTER(?service != "SERVICE <http://z/>" && LANG(?load) = "de")\n'
        '  BIND("""DELETE { } INSERT { }""" AS ?text) ?x <http://example.org/drop> ?y }'
    )
    assert check_query(query, policy=POLICY) == CheckedQuery()


@pytest.mark.parametrize(
    "query",
    [
        "sErViCe",
        "INSERT DATA { <a> <b> <c> }",
        "DELETE WHERE { ?s ?p ?o }",
        "CLEAR ALL",
        "DROP GRAPH <http://127.0.0.1:8000/graph/x>",
        "CREATE GRAPH <http://127.0.0.1:8000/graph/y>",
        "COPY DEFAULT TO <http://127.0.0.1:8000/graph/z>",
        "SELECT * { SERVICE ?endpoint { ?s ?p ?o } }",
    ],
)
def test_updates_and_variable_services_are_refused(query: str) -> None:
    with pytest.raises(QueryRefusedError):
        check_query(
            query if query != "sErViCe" else "SELECT * { sErViCe <http://e/> {} }", policy=POLICY
        )


def test_allowed_services_pass_and_nothing_else() -> None:
    allowed = QueryPolicy(base_iri=BASE, allowed_services=frozenset({"http://example.org/sparql"}))
    checked = check_query(
        "SELECT * { SERVICE <http://example.org/sparql> { ?s ?p ?o } }", policy=allowed
    )
    assert checked.services == ("http://example.org/sparql",)
    with pytest.raises(QueryRefusedError):
        check_query("SELECT * { SERVICE <http://example.org/other> {} }", policy=allowed)


def test_local_graphs_resolve_against_base_and_prefixes() -> None:
    checked = check_query(
        "BASE <http://127.0.0.1:8000/graph/>\nPREFIX g: <http://127.0.0.1:8000/graph/>\n"
        "SELECT * FROM <seed/a> FROM NAMED g:b WHERE { }",
        policy=POLICY,
    )
    assert checked.from_graphs == ("http://127.0.0.1:8000/graph/seed/a",)
    assert checked.from_named_graphs == ("http://127.0.0.1:8000/graph/b",)
    stored = check_query(
        "SELECT * FROM <urn:x:stored> {}",
        policy=POLICY,
        is_stored_graph=lambda g: g == "urn:x:stored",
    )
    assert stored.from_graphs == ("urn:x:stored",)


def test_query_length_cap() -> None:
    short = QueryPolicy(base_iri=BASE, max_length=50)
    with pytest.raises(QueryError, match="UNPACS_MAX_QUERY_LENGTH"):
        check_query("SELECT * WHERE { ?s ?p ?o } " + "#" * 100, policy=short)


def test_the_fast_path_agrees_with_the_lexer() -> None:
    """Skipping the lexer when no keyword occurs must never change the verdict."""
    from unpacs.loader.query.guard import _analyse
    from unpacs.loader.read.examples import load_examples

    queries = [e.query for e in load_examples()] + [
        "SELECT ?s WHERE { ?s a <http://x/y> } LIMIT 10",
        "ASK { " + "(" * 100 + "1" + ")" * 100 + " }",
    ]
    for query in queries:
        assert check_query(query, policy=POLICY) == _analyse(query, POLICY)


def test_an_allowed_service_is_called_and_nothing_else(tmp_path: Path, listener: Listener) -> None:
    """UNPACS_ALLOWED_SERVICES really opens the door, for the listed endpoint only."""
    settings = from_env(
        {"UNPACS_STORE": str(tmp_path / "store"), "UNPACS_ALLOWED_SERVICES": listener.url}
    )
    assert settings.allowed_services == frozenset({listener.url})
    client = create_app(settings).test_client()
    other = listener.url.replace("/sparql", "/other")
    refused = _send(client, "get", f"SELECT * {{ SERVICE <{other}> {{ ?s ?p ?o }} }}")
    assert refused[0] == 400 and listener.connections == 0
    status, problem = _send(
        client, "get", f"SELECT * {{ SERVICE <{listener.url}> {{ ?s ?p ?o }} }}"
    )
    assert listener.connections >= 1
    # The listener hangs up without answering: a bad gateway, said as a problem document.
    assert status == 502 and "failed while it ran" in problem["detail"]
