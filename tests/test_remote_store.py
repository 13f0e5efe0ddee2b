"""Issue 7, problem 2: a remote write that did not happen is an error, never "loaded".

Against a real ``oxigraph serve`` (with and without a union default graph) and against a small
local HTTP server that forwards queries to the real engine but refuses updates and Graph Store
requests with 404 or 403.
"""

from __future__ import annotations

import http.server
import io
import os
import subprocess
import sys
import threading
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph
import pytest

from unpacs.loader import formats
from unpacs.loader.errors import ConfigError, QueryError, StoreError
from unpacs.loader.store.sparql_protocol import SparqlProtocolStore

UNPACS = str(Path(sys.executable).with_name("unpacs"))
VALID = Path(__file__).parent / "data" / "pipeline" / "valid.ttl"
SHAPES = Path(__file__).parent / "data" / "pipeline" / "shapes"


def run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("UNPACS_")}
    env["UNPACS_SHAPES_DIR"] = str(SHAPES)
    return subprocess.run(
        [UNPACS, *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=120
    )


def post_update(base: str, sparql: str) -> None:
    request = urllib.request.Request(
        f"{base}/update",
        data=sparql.encode(),
        headers={"Content-Type": "application/sparql-update"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10):
        pass


def named_graphs(base: str) -> int:
    store = SparqlProtocolStore(f"{base}/query")
    store._union_checked = True  # count what is really there, without the probe
    return len(store.graph_names())


class _Refusing(http.server.BaseHTTPRequestHandler):
    """Forwards /query to the real engine; answers ``status`` on /update and /store."""

    engine = ""
    status = 404

    def _refuse(self) -> None:
        body = f"no such endpoint here ({self.status})".encode()
        self.send_response(self.status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _forward(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        headers = {k: v for k, v in self.headers.items() if k.lower() in {"content-type", "accept"}}
        request = urllib.request.Request(
            self.engine + self.path, data=body, headers=headers, method=method
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            data = answer.read()
            self.send_response(answer.status)
            self.send_header("Content-Type", answer.headers.get("Content-Type", "text/plain"))
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    def do_GET(self) -> None:
        if urllib.parse.urlsplit(self.path).path == "/query":
            self._forward("GET")
        else:
            self._refuse()

    def do_POST(self) -> None:
        if urllib.parse.urlsplit(self.path).path == "/query":
            self._forward("POST")
        else:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self._refuse()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(params=[404, 403])
def refusing(request: pytest.FixtureRequest, oxigraph_server: str) -> Iterator[str]:
    """A front whose update and graph store URLs answer 404 or 403; the engine holds a triple."""
    post_update(oxigraph_server, "DROP ALL")
    # A stored triple lets the union check read instead of write.
    post_update(oxigraph_server, "INSERT DATA { GRAPH <urn:g:kept> { <urn:a> <urn:b> <urn:c> } }")
    handler = type("Handler", (_Refusing,), {"engine": oxigraph_server, "status": request.param})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    post_update(oxigraph_server, "DROP ALL")


def test_issue_7_problem2_refused_update_is_an_error_not_loaded(
    refusing: str, tmp_path: Path
) -> None:
    done = run(tmp_path, "--store", f"{refusing}/query", "load", str(VALID))
    assert done.returncode == 1, done.stdout + done.stderr
    assert "loaded" not in done.stdout
    assert f"{refusing}/update answered HTTP" in done.stderr
    assert "no such endpoint here" in done.stderr
    assert "Traceback" not in done.stderr


def test_issue_7_problem2_refused_graph_store_read_is_an_error(
    refusing: str, tmp_path: Path
) -> None:
    done = run(tmp_path, "--store", f"{refusing}/query", "dump", "--graph", "urn:g:kept")
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"{refusing}/store?graph=urn%3Ag%3Akept answered HTTP" in done.stderr
    assert "no such endpoint here" in done.stderr
    assert done.stdout == ""


def test_issue_7_problem2_status_and_message_of_a_real_engine(
    remote_store: SparqlProtocolStore,
) -> None:
    with pytest.raises(QueryError) as bad:
        remote_store.update("INSERT DATA { <urn:a> <urn:b> }")
    assert remote_store.update_url in bad.value.message
    assert "HTTP 400" in bad.value.message
    with pytest.raises(StoreError) as missing:
        remote_store.dump(formats.by_name("nquads"), io.BytesIO(), graph="urn:g:nothing")
    assert "HTTP 404" in missing.value.message


def test_issue_7_problem2_confirmed_load_is_reported(oxigraph_server: str, tmp_path: Path) -> None:
    post_update(oxigraph_server, "DROP ALL")
    done = run(tmp_path, "--store", f"{oxigraph_server}/query", "load", str(VALID))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "loaded" in done.stdout
    assert named_graphs(oxigraph_server) == 1
    post_update(oxigraph_server, "DROP ALL")


def test_issue_7_problem2_engine_without_union_default_graph_is_refused(
    oxigraph_server_without_union: str, tmp_path: Path
) -> None:
    base = oxigraph_server_without_union
    post_update(base, "DROP ALL")
    done = run(tmp_path, "--store", f"{base}/query", "load", str(VALID))
    assert done.returncode == 1, done.stdout + done.stderr
    assert "union of its named graphs" in done.stderr
    assert "oxigraph serve --union-default-graph" in done.stderr
    assert "tdb2:unionDefaultGraph true" in done.stderr
    assert "loaded" not in done.stdout
    assert named_graphs(base) == 0  # the probe's scratch graph is gone again


def test_issue_7_problem2_union_check_reads_a_stored_triple(
    oxigraph_server_without_union: str,
) -> None:
    base = oxigraph_server_without_union
    post_update(base, "DROP ALL")
    post_update(base, 'INSERT DATA { GRAPH <urn:g:one> { <urn:a> <urn:b> "c" } }')
    store = SparqlProtocolStore(f"{base}/query")
    with pytest.raises(ConfigError) as refused:
        store.query("SELECT * WHERE { ?s ?p ?o }")
    assert "urn:g:one" in refused.value.message
    assert named_graphs(base) == 1  # nothing written: the stored triple served as the probe
    post_update(base, "DROP ALL")


def test_issue_7_problem2_union_check_runs_once_per_store(
    remote_store: SparqlProtocolStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    fresh = SparqlProtocolStore(remote_store.query_url)
    fresh.query("ASK {}")
    calls: list[str] = []
    monkeypatch.setattr(fresh, "_select_json", lambda q: calls.append(q) or [])
    fresh.query("ASK {}")
    triple = pyoxigraph.Triple(
        pyoxigraph.NamedNode("urn:a"), pyoxigraph.NamedNode("urn:b"), pyoxigraph.Literal("c")
    )
    fresh.replace_graphs({"urn:g:x": [triple]})
    assert calls == []
    assert named_graphs(remote_store.query_url.rsplit("/", 1)[0]) == 1
