"""Fixtures shared by several test modules: stores, the real oxigraph server."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser import LiveApp, chromium, live_app  # noqa: F401  (fixtures for every module)

from unpacs.loader.store.oxigraph import OxigraphStore
from unpacs.loader.store.protocol import Store
from unpacs.loader.store.sparql_protocol import SparqlProtocolStore


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _oxigraph_binary() -> str:
    beside = Path(sys.executable).with_name("oxigraph")
    found = str(beside) if beside.is_file() else shutil.which("oxigraph")
    if not found:
        raise RuntimeError("the `oxigraph` server is missing: pip install -e '.[dev]'")
    return found


def _serve_oxigraph(location: Path, *extra: str) -> Iterator[str]:
    """Run ``oxigraph serve`` on a free port until the generator is closed; yields its URL."""
    port = _free_port()
    log = (location.parent / f"{location.name}.log").open("wb")
    process = subprocess.Popen(
        [
            _oxigraph_binary(),
            "serve",
            "--location",
            str(location),
            "--bind",
            f"127.0.0.1:{port}",
            *extra,
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(f"{base}/query?query=ASK%7B%7D", timeout=2):
                break
        except (urllib.error.URLError, ConnectionError):
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                log.close()
                raise RuntimeError(f"oxigraph server did not start; see {log.name}") from None
            time.sleep(0.1)
    try:
        yield base
    finally:
        os.kill(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.fixture(scope="session")
def oxigraph_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Oxigraph server (PyPI package `oxigraph`) on a free port; yields its base URL."""
    yield from _serve_oxigraph(tmp_path_factory.mktemp("oxigraph-server"), "--union-default-graph")


@pytest.fixture(scope="session")
def oxigraph_server_without_union(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Oxigraph server whose default graph is only the default graph (its own default)."""
    yield from _serve_oxigraph(tmp_path_factory.mktemp("oxigraph-no-union"))


@pytest.fixture
def embedded_store(tmp_path: Path) -> Iterator[OxigraphStore]:
    store = OxigraphStore(tmp_path / "store")
    yield store
    store.close()


@pytest.fixture
def remote_store(oxigraph_server: str) -> Iterator[SparqlProtocolStore]:
    store = SparqlProtocolStore(f"{oxigraph_server}/query")
    store.update("DROP ALL")
    yield store
    store.close()


@pytest.fixture(params=["embedded", "remote"])
def any_store(request: pytest.FixtureRequest) -> Store:
    """The contract suite runs each case against both implementations."""
    name = "embedded_store" if request.param == "embedded" else "remote_store"
    store: Store = request.getfixturevalue(name)
    return store
