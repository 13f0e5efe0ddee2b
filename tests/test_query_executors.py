"""Issue 9: the same limits on the CLI (``unpacs query``) and on a remote engine."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph
import pytest

from unpacs.loader import formats
from unpacs.loader.errors import QueryTimeoutError
from unpacs.loader.query.executor import QueryRequest
from unpacs.loader.query.guard import QueryPolicy
from unpacs.loader.query.remote import RemoteExecutor, engine_timeout
from unpacs.loader.query.worker import TRUNCATED_LINK
from unpacs.loader.store.oxigraph import OxigraphStore

UNPACS = str(Path(sys.executable).with_name("unpacs"))
EX = "http://example.org/t/"
HEAVY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?x . ?b ?q ?y . ?c ?r ?z }"
JSON = [formats.by_name("json", "results")]
TSV = [formats.by_name("tsv", "results")]
TURTLE = [formats.by_name("turtle", "rdf")]
POLICY = QueryPolicy(base_iri="http://127.0.0.1:8000/")


def quads(n: int) -> Iterator[pyoxigraph.Quad]:
    p = pyoxigraph.NamedNode(EX + "p")
    g = pyoxigraph.NamedNode(EX + "g")
    for i in range(n):
        yield pyoxigraph.Quad(pyoxigraph.NamedNode(f"{EX}s{i}"), p, pyoxigraph.Literal(i), g)


def run(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("UNPACS_")}
    clean |= {"UNPACS_STORE": str(tmp_path / "store"), **env}
    return subprocess.run(
        [UNPACS, *args], capture_output=True, text=True, env=clean, cwd=tmp_path, timeout=120
    )


@pytest.fixture
def store_dir(tmp_path: Path) -> Path:
    store = OxigraphStore(tmp_path / "store")
    store.native.extend(quads(3000))
    store.close()
    return tmp_path


def test_issue_9_cli_query_is_stopped_at_the_timeout(store_dir: Path) -> None:
    started = time.monotonic()
    done = run(store_dir, "query", HEAVY, UNPACS_QUERY_TIMEOUT="1")
    assert time.monotonic() - started < 15
    assert done.returncode == 1
    assert done.stderr.startswith("error: the query ran longer than 1 s and was stopped")
    assert "Traceback" not in done.stderr


def test_issue_9_cli_query_is_capped_and_warns(store_dir: Path) -> None:
    done = run(store_dir, "query", "SELECT ?s WHERE { ?s ?p ?o }", UNPACS_RESULT_LIMIT="5")
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.splitlines()) == 6  # header + 5 rows
    assert "stopped at 5 results (UNPACS_RESULT_LIMIT)" in done.stderr


def test_issue_9_remote_executor_caps_and_writes_the_wanted_format(oxigraph_server: str) -> None:
    body = "\n".join(f'<{EX}r{i}> <{EX}p> "{i}" .' for i in range(50)).encode()
    request = urllib.request.Request(
        f"{oxigraph_server}/store?graph={urllib.parse.quote(EX + 'remote-cap')}",
        data=body,
        method="PUT",
        headers={"Content-Type": "application/n-triples"},
    )
    urllib.request.urlopen(request, timeout=10).close()
    executor = RemoteExecutor(f"{oxigraph_server}/query", limit=10, timeout=5, policy=POLICY)
    query = f"SELECT ?s WHERE {{ GRAPH <{EX}remote-cap> {{ ?s ?p ?o }} }}"
    answer = executor.execute(QueryRequest(query, TSV, TURTLE))
    assert answer.truncated and answer.count == 10
    assert answer.format.name == "tsv"
    assert len(answer.body.decode().splitlines()) == 11
    graph = executor.execute(
        QueryRequest(
            f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{EX}remote-cap> {{ ?s ?p ?o }} }}",
            JSON,
            TURTLE,
        )
    )
    assert graph.truncated and graph.body.startswith(f"# {TRUNCATED_LINK}".encode())
    assert executor.server and executor.server.startswith("Oxigraph")
    small = executor.execute(QueryRequest(query + " LIMIT 3", JSON, TURTLE))
    assert not small.truncated and small.count == 3


def test_issue_9_remote_executor_deadline_holds_against_a_trickling_engine() -> None:
    """An engine that sends a byte every 0.2 s never trips a per-read timeout; the deadline
    is for the whole exchange."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    stop = threading.Event()

    def trickle() -> None:
        conn, _ = listener.accept()
        conn.recv(65536)
        conn.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/sparql-results+json\r\n"
            b"Content-Length: 100000\r\n\r\n"
            b'{"head":{"vars":["s"]},"results":{"bindings":['
        )
        try:
            while not stop.wait(0.2):
                conn.sendall(b" ")
        except OSError:
            pass
        conn.close()

    thread = threading.Thread(target=trickle)
    thread.start()
    port = listener.getsockname()[1]
    executor = RemoteExecutor(
        f"http://127.0.0.1:{port}/sparql", limit=10, timeout=1.0, policy=POLICY
    )
    started = time.monotonic()
    try:
        with pytest.raises(QueryTimeoutError):
            executor.execute(QueryRequest("SELECT * WHERE { ?s ?p ?o }", JSON, TURTLE))
        assert time.monotonic() - started < 2.0
    finally:
        stop.set()
        thread.join()
        listener.close()


def test_issue_9_engine_timeout_parameter_per_engine() -> None:
    assert engine_timeout("Apache Jena Fuseki (5.1.0)", 2.5) == ("timeout", "2.5")
    assert engine_timeout("Virtuoso/07.20.3238 (Linux) x86_64-pc-linux-gnu", 2.5) == (
        "timeout",
        "2500",
    )
    assert engine_timeout("Oxigraph/0.5.13", 2.5) is None
