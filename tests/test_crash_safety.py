"""A process killed during a load leaves the store as it was before, or as it is after."""

from __future__ import annotations

import io
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph
import pytest
from fixtures.stores import BASE

from unpacs.loader import formats
from unpacs.loader.store.oxigraph import OxigraphStore

N_NEW = 150_000

CHILD = """
import sys
from pathlib import Path
from unpacs.loader.ingest.pipeline import load_sources, read_source
from unpacs.loader.settings import Settings
from unpacs.loader.store.oxigraph import OxigraphStore
settings = Settings(store=sys.argv[1], data_dir=Path(sys.argv[2]).parent,
                    max_input_bytes=10**9)
store = OxigraphStore(settings.store)
print("ready", flush=True)
load_sources(store, [read_source(Path(sys.argv[2]), settings)], settings, validate=False)
store.close()
print("done", flush=True)
"""


def _dump(path: Path) -> bytes:
    store = OxigraphStore(path)
    out = io.BytesIO()
    store.dump(formats.by_name("nquads"), out)
    store.close()
    return out.getvalue()


@pytest.fixture(scope="module")
def big_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("crash") / "big.nt"
    with path.open("w") as out:
        out.write("<http://example.org/s> <http://purl.org/dc/terms/source> <http://e/src> .\n")
        for i in range(N_NEW):
            out.write(f'<http://example.org/s{i}> <http://example.org/p> "value {i}" .\n')
    return path


# The child needs about 2 s after "ready" on this machine: the delays cover parsing, staging,
# the swap and the end, so both outcomes are exercised.
@pytest.mark.parametrize("delay", [0.05, 0.6, 1.2, 1.6, 1.9, 2.2, 2.6, None])
def test_killed_load_leaves_store_before_or_after(
    tmp_path: Path, big_file: Path, delay: float | None
) -> None:
    store_dir = tmp_path / "store"
    seed = tmp_path / "seed.nt"
    seed.write_text('<http://example.org/old> <http://example.org/p> "kept" .\n')
    store = OxigraphStore(store_dir)
    store.native.load(
        path=str(seed),
        format=pyoxigraph.RdfFormat.N_TRIPLES,
        to_graph=pyoxigraph.NamedNode(BASE + "graph/old"),
    )
    store.close()
    before = _dump(store_dir)

    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(store_dir), str(big_file)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "ready"
    if delay is None:  # the control case: let it finish, then the kill finds nothing to stop
        assert child.stdout.readline().strip() == "done"
    else:
        time.sleep(delay)
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    child.stdout.close()

    after = _dump(store_dir)
    if delay is None:
        assert after != before, "a finished load must show its graph"
    if after == before:
        return
    # Otherwise the whole new graph must be there, next to the untouched old one.
    lines = after.decode().splitlines()
    new_graph = f"<{BASE}graph/big>"
    assert sum(1 for line in lines if line.endswith(f"{new_graph} .")) >= N_NEW + 1
    assert all(line in lines for line in before.decode().splitlines())
    assert not any("urn:unpacs:staging:" in line for line in lines)


def test_staging_graphs_left_by_a_crash_are_dropped_on_open(tmp_path: Path) -> None:
    raw = pyoxigraph.Store(str(tmp_path / "store"))
    left = pyoxigraph.NamedNode("urn:unpacs:staging:dead:0")
    raw.add(
        pyoxigraph.Quad(
            pyoxigraph.NamedNode("http://e/s"),
            pyoxigraph.NamedNode("http://e/p"),
            pyoxigraph.Literal("half"),
            left,
        )
    )
    raw.flush()
    del raw
    store = OxigraphStore(tmp_path / "store")
    assert store.graph_names() == []
    assert store.is_empty()
    store.close()
