"""Issue 9: queries that can be stopped. Real app, real on-disk store, real worker processes."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph
import pytest
from flask import Flask
from flask.testing import FlaskClient

from unpacs.endpoint.app import create_app
from unpacs.endpoint.problems import render_unpacs_error
from unpacs.endpoint.state import state_of
from unpacs.loader import formats
from unpacs.loader.errors import QueryBusyError, QueryCrashedError, QueryError
from unpacs.loader.query import executor as executor_module
from unpacs.loader.query.executor import QueryRequest
from unpacs.loader.query.generations import root_for
from unpacs.loader.query.guard import QueryPolicy
from unpacs.loader.query.pool import PoolExecutor
from unpacs.loader.query.worker import TRUNCATED_LINK
from unpacs.loader.settings import Settings
from unpacs.loader.store.oxigraph import OxigraphStore

EX = "http://example.org/t/"
JSON = [formats.by_name("json", "results")]
TURTLE = [formats.by_name("turtle", "rdf")]
CROSS = "?a ?p ?x . ?b ?q ?y . ?c ?r ?z"
HEAVY = f"SELECT (COUNT(*) AS ?n) WHERE {{ {CROSS} }}"
TICKS = os.sysconf("SC_CLK_TCK")


def fill(store: OxigraphStore, n: int, graph: str = EX + "g") -> None:
    g = pyoxigraph.NamedNode(graph)
    p = pyoxigraph.NamedNode(EX + "p")
    store.native.extend(
        pyoxigraph.Quad(pyoxigraph.NamedNode(f"{EX}s{i}"), p, pyoxigraph.Literal(i), g)
        for i in range(n)
    )


def make_app(tmp_path: Path, triples: int = 3000, **settings: object) -> Flask:
    values: dict[str, object] = {
        "store": str(tmp_path / "store"),
        "query_timeout": 1.5,
        "query_workers": 2,
        "query_memory_mb": 256,
    }
    values.update(settings)
    store = OxigraphStore(str(values["store"]))
    fill(store, triples)
    return create_app(Settings(**values), store=store)  # type: ignore[arg-type]


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Flask]:
    app = make_app(tmp_path)
    yield app
    state_of(app).executor.close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def ask(client: FlaskClient, query: str) -> tuple[int, dict[str, object]]:
    response = client.get("/sparql", query_string={"query": query})
    return response.status_code, response.get_json(force=True)


def cpu_ticks(pid: int) -> int | None:
    """utime + stime of a live process from /proc, None once it is gone (or a zombie)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return None
    if fields[0] == "Z":
        return None
    return int(fields[11]) + int(fields[12])


def workers(client: FlaskClient) -> list[dict[str, object]]:
    found = client.get("/-/health").get_json()["queries"]["workers"]
    assert isinstance(found, list)
    return found


def assert_idle_soon(client: FlaskClient, killed: list[int], within: float) -> None:
    """Within ``within`` s the killed workers are gone and no worker burns CPU."""
    deadline = time.monotonic() + within
    while any(cpu_ticks(pid) is not None for pid in killed) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert all(cpu_ticks(pid) is None for pid in killed), "a stopped worker is still running"
    pids = [int(str(w["pid"])) for w in workers(client) if w["pid"]]
    before = {pid: cpu_ticks(pid) or 0 for pid in pids}
    time.sleep(0.5)
    for pid in pids:
        used = (cpu_ticks(pid) or 0) - before[pid]
        assert used <= TICKS * 0.1, f"worker {pid} used {used} ticks while idle"


def busy_pids(client: FlaskClient) -> list[int]:
    """Pids of the workers once every one has started (a replacement may still be starting)."""
    deadline = time.monotonic() + 20
    while any(not w["pid"] for w in workers(client)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return [int(str(w["pid"])) for w in workers(client) if w["pid"]]


def test_issue_9_parser_segfault_kills_one_worker_and_the_next_request_is_served(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Without the query guard the parser itself meets the 20,000 levels and segfaults.
    monkeypatch.setattr(executor_module, "guard", lambda request, *_args: request)
    for query in (
        "SELECT * WHERE { FILTER(" + "(" * 20_000 + "1" + ")" * 20_000 + ") }",
        "SELECT * WHERE " + "{" * 20_000 + "}" * 20_000,
    ):
        status, problem = ask(client, query)
        assert status == 500
        assert problem["title"] == QueryCrashedError.title
        started = time.monotonic()
        status, answer = ask(client, "ASK { ?s ?p ?o }")
        assert (status, answer["boolean"]) == (200, True)
        assert time.monotonic() - started < 1.0
    health = client.get("/-/health").get_json()["queries"]
    assert health["restarts"] == 2
    assert all("-11" in failure for failure in health["last_failures"])


def test_issue_9_nested_query_through_the_route_never_takes_the_server_down(
    client: FlaskClient,
) -> None:
    # With the guard the nesting is refused before any parser sees it (400).
    for query in (
        "SELECT * WHERE { FILTER(" + "(" * 20_000 + "1" + ")" * 20_000 + ") }",
        "SELECT * WHERE " + "{" * 20_000 + "}" * 20_000,
    ):
        status, problem = ask(client, query)
        assert status == 400 and "title" in problem
        assert ask(client, "ASK { ?s ?p ?o }")[0] == 200
    assert client.get("/-/health").get_json()["queries"]["restarts"] == 0


def test_issue_9_heavy_cross_product_is_stopped_at_the_timeout(client: FlaskClient) -> None:
    before = set(busy_pids(client))
    started = time.monotonic()
    status, problem = ask(client, HEAVY)
    elapsed = time.monotonic() - started
    assert status == 504, problem
    assert problem["title"] == "query timed out"
    assert 1.4 < elapsed < 2.5
    killed = sorted(before - set(busy_pids(client)))
    assert len(killed) == 1
    assert_idle_soon(client, killed, within=1.0)
    assert ask(client, "ASK { ?s ?p ?o }")[0] == 200


def test_issue_9_five_thousand_branch_union_is_stopped(tmp_path: Path) -> None:
    # 5,000 branches are longer than the default UNPACS_MAX_QUERY_LENGTH (400 before parsing);
    # an operator may raise it, and the timeout still holds.
    app = make_app(tmp_path, max_query_length=1_000_000)
    client = app.test_client()
    try:
        before = set(busy_pids(client))
        union = " UNION ".join(
            f"{{ ?a ?p ?x . ?b ?q ?y . FILTER(?x != {i}) }}" for i in range(5000)
        )
        status, problem = ask(client, f"SELECT (COUNT(*) AS ?n) WHERE {{ {union} }}")
        assert status == 504, problem
        killed = sorted(before - set(busy_pids(client)))
        assert_idle_soon(client, killed, within=1.0)
    finally:
        state_of(app).executor.close()


def test_issue_9_memory_hungry_query_is_stopped_with_the_memory_error(tmp_path: Path) -> None:
    app = make_app(tmp_path, triples=2000, query_timeout=30.0, query_memory_mb=200)
    client = app.test_client()
    try:
        started = time.monotonic()
        status, problem = ask(client, f"SELECT * WHERE {{ {CROSS} }} ORDER BY ?x ?y ?z")
        assert status == 507, problem
        assert problem["title"] == "query exceeded its memory limit"
        assert "200 MB" in str(problem["detail"])
        assert time.monotonic() - started < 20
        assert ask(client, "ASK { ?s ?p ?o }")[0] == 200
    finally:
        state_of(app).executor.close()


def test_issue_9_values_product_is_capped_and_says_so(client: FlaskClient) -> None:
    values = " ".join(str(i) for i in range(400))
    query = f"SELECT * WHERE {{ VALUES ?a {{ {values} }} VALUES ?b {{ {values} }} }}"
    response = client.get("/sparql", query_string={"query": query})
    assert response.status_code == 200
    assert response.headers["Unpacs-Result-Truncated"] == "true"
    body = response.get_json()
    assert len(body["results"]["bindings"]) == 10_000
    assert body["head"]["link"] == [TRUNCATED_LINK]
    xml = client.get(
        "/sparql",
        query_string={"query": query},
        headers={"Accept": "application/sparql-results+xml"},
    )
    assert f'<link href="{TRUNCATED_LINK}"/>' in xml.get_data(as_text=True)
    small = client.get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 5"})
    assert small.headers["Unpacs-Result-Truncated"] == "false"
    assert "link" not in small.get_json()["head"]


def test_issue_9_construct_is_capped_with_a_comment(tmp_path: Path) -> None:
    app = make_app(tmp_path, triples=300, result_limit=100)
    try:
        response = app.test_client().get(
            "/sparql",
            query_string={"query": "CONSTRUCT WHERE { ?s ?p ?o }"},
            headers={"Accept": "text/turtle"},
        )
        text = response.get_data(as_text=True)
        assert response.headers["Unpacs-Result-Truncated"] == "true"
        assert text.startswith(f"# {TRUNCATED_LINK}")
        assert sum(1 for _ in pyoxigraph.parse(text.encode(), pyoxigraph.RdfFormat.TURTLE)) == 100
    finally:
        state_of(app).executor.close()


def test_issue_9_syntax_error_is_400_with_position_and_short(client: FlaskClient) -> None:
    status, problem = ask(client, "SELECT * WHERE {\n ?s ?p ?o . FILTER(?x = ) }")
    assert status == 400
    assert problem["line"] == 2 and isinstance(problem["column"], int)
    assert str(problem["detail"]).startswith("SPARQL syntax error at line 2, column")
    assert len(str(problem["detail"])) < 300


def test_issue_9_commit_is_visible_to_the_next_query_and_never_half_visible(
    app: Flask, client: FlaskClient
) -> None:
    state = state_of(app)
    store = state.store
    assert isinstance(store, OxigraphStore)
    count = (
        "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } "
        f"FILTER(?g IN (<{EX}a>, <{EX}b>)) }} GROUP BY ?g"
    )
    seen: list[dict[str, int]] = []
    failures: list[BaseException] = []
    stop = threading.Event()

    def reader() -> None:
        local = app.test_client()
        while not stop.is_set():
            try:
                # Another client: one address holds at most all workers but one (fair share).
                rows = local.get(
                    "/sparql",
                    query_string={"query": count},
                    environ_base={"REMOTE_ADDR": "127.0.0.9"},
                ).get_json()
                seen.append(
                    {r["g"]["value"]: int(r["n"]["value"]) for r in rows["results"]["bindings"]}
                )
            except BaseException as error:
                failures.append(error)
                return

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        p = pyoxigraph.NamedNode(EX + "p")
        for n in range(1, 8):
            triples = [
                pyoxigraph.Triple(pyoxigraph.NamedNode(f"{EX}r{i}"), p, pyoxigraph.Literal(i))
                for i in range(n * 50)
            ]
            store.replace_graphs({EX + "a": triples, EX + "b": triples})
            generation = state.after_commit()
            rows = client.get("/sparql", query_string={"query": count}).get_json()
            got = {r["g"]["value"]: int(r["n"]["value"]) for r in rows["results"]["bindings"]}
            assert got == {EX + "a": n * 50, EX + "b": n * 50}
            assert state.executor.generation == generation
    finally:
        stop.set()
        thread.join()
    assert not failures
    assert seen and all(len(set(c.values())) <= 1 for c in seen), "a commit was half visible"
    # Old checkpoints go once no worker has them open.
    left = list(root_for(store.path or Path()).iterdir())
    assert len(left) <= 3


def test_issue_9_cache_answers_repeats_until_the_next_commit(
    app: Flask, client: FlaskClient
) -> None:
    query = f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s <{EX}p> ?o }}"
    first = client.get("/sparql", query_string={"query": query})
    second = client.get("/sparql", query_string={"query": query})
    assert first.data == second.data
    cache = client.get("/-/health").get_json()["queries"]["cache"]
    assert cache["hits"] >= 1
    state = state_of(app)
    assert isinstance(state.store, OxigraphStore)
    fill(state.store, 10, graph=EX + "more")
    state.after_commit()
    third = client.get("/sparql", query_string={"query": query}).get_json()
    assert third["results"]["bindings"][0]["n"]["value"] == "3010"


def test_issue_9_health_reports_generation_workers_and_restarts(client: FlaskClient) -> None:
    # The app's own start-up reads (e.g. the search index) count too: compare before and after.
    before = client.get("/-/health").get_json()["queries"]
    served_before = sum(int(w["served"]) for w in before["workers"])
    ask(client, "ASK { ?s ?p ?o }")
    health = client.get("/-/health").get_json()["queries"]
    assert health["executor"] == "worker pool"
    assert health["generation"]
    assert {"pid", "state", "served"} <= set(health["workers"][0])
    assert sum(int(w["served"]) for w in health["workers"]) == served_before + 1
    assert health["restarts"] == 0


def test_issue_9_a_request_waits_for_a_worker_then_gets_503(tmp_path: Path) -> None:
    store = OxigraphStore(tmp_path / "store")
    fill(store, 3000)
    pool = PoolExecutor(
        store.native,
        root_for(tmp_path / "store"),
        size=1,
        limit=100,
        timeout=3,
        memory_mb=0,
        policy=QueryPolicy(base_iri="http://127.0.0.1:8000/"),
    )
    try:
        pool.execute(QueryRequest("ASK {}", JSON, TURTLE))
        outcome: list[BaseException] = []

        def run_heavy() -> None:
            try:
                pool.execute(QueryRequest(HEAVY, JSON, TURTLE))
            except QueryError as error:
                outcome.append(error)

        heavy = threading.Thread(target=run_heavy)
        heavy.start()
        time.sleep(0.3)
        started = time.monotonic()
        with pytest.raises(QueryBusyError) as busy:
            pool.execute(QueryRequest("ASK {}", JSON, TURTLE, timeout=0.5))
        assert 0.4 < time.monotonic() - started < 1.5
        app = Flask(__name__)
        with app.app_context():
            response = render_unpacs_error(busy.value)
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "1"
        heavy.join()
        assert [type(e).__name__ for e in outcome] == ["QueryTimeoutError"]
    finally:
        pool.close()
        store.close()


def test_issue_9_a_form_the_client_cannot_accept_is_406(client: FlaskClient) -> None:
    response = client.get(
        "/sparql",
        query_string={"query": "CONSTRUCT WHERE { ?s ?p ?o }"},
        headers={"Accept": "application/sparql-results+json"},
    )
    assert response.status_code == 406
    assert response.get_json()["detail"] == "no acceptable format for a graph result"
    assert ask(client, "ASK { ?s ?p ?o }")[0] == 200
