"""Issue 7, problem 3: rebuilding the bundled graphs never touches what stewards loaded."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from fixtures.stores import BASE, copy_store

from unpacs.loader import bundled as resources
from unpacs.loader import formats
from unpacs.loader.errors import ValidationFailedError
from unpacs.loader.ingest.build import build_store, is_bundled_graph
from unpacs.loader.settings import Settings
from unpacs.loader.store.oxigraph import OxigraphStore
from unpacs.loader.store.protocol import BooleanResult, SolutionsResult
from unpacs.loader.store.record import META_GRAPH

ROOT = Path(__file__).parent.parent
UNPACS = str(Path(sys.executable).with_name("unpacs"))
PREFIXES = """\
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
"""
STEWARD = (
    PREFIXES
    + """\
<id/document/e-gov-plan-phl> a foaf:Document ;
    dcterms:title "E-Government Master Plan"@en ;
    dcterms:date "2013"^^xsd:gYear ;
    dcterms:spatial <id/country/PHL> ;
    dcterms:source <http://example.org/e-gov-plan> .
"""
)
EXTRA = (
    PREFIXES
    + """\
<id/document/extra-bundled> a foaf:Document ;
    dcterms:title "A bundled file that will be removed"@en ;
    dcterms:date "2014"^^xsd:gYear ;
    dcterms:source <http://example.org/extra> .
"""
)


def run(cwd: Path, data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("UNPACS_")}
    env |= {"UNPACS_STORE": str(cwd / "store"), "UNPACS_DATA_DIR": str(data)}
    return subprocess.run(
        [UNPACS, *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=300
    )


def ok(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.fixture
def data(tmp_path: Path, bundled_store_dir: Path) -> Path:
    """A copy of the bundled data with one extra seed file, beside a store already built from
    the bundled data (so a test's first build adds only the extra file, as after a pull)."""
    copy = tmp_path / "data"
    shutil.copytree(resources.DATA_DIR, copy)
    (copy / "seed" / "extra.ttl").write_text(EXTRA, encoding="utf-8")
    copy_store(bundled_store_dir, tmp_path / "store")
    return copy


def test_issue_7_problem3_rebuild_keeps_steward_graphs_and_reports_removed_files(
    tmp_path: Path, data: Path
) -> None:
    ok(run(tmp_path, data, "build"))
    steward = tmp_path / "steward.ttl"
    steward.write_text(STEWARD, encoding="utf-8")
    graph = BASE + "graph/steward-records"
    ok(run(tmp_path, data, "load", "--graph", graph, str(steward)))
    before = ok(run(tmp_path, data, "dump", "--graph", graph))
    assert "e-gov-plan-phl" in before

    # A `git pull`: one bundled file changed, one no longer bundled.
    events = data / "seed" / "events.ttl"
    events.write_text(events.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    (data / "seed" / "extra.ttl").unlink()
    out = ok(run(tmp_path, data, "build"))

    assert ok(run(tmp_path, data, "dump", "--graph", graph)) == before
    assert (
        f"removed graph {BASE}graph/seed/extra (its file seed/extra.ttl is no longer bundled)"
        in out
    )
    stats = ok(run(tmp_path, data, "stats"))
    assert f"{BASE}graph/seed/extra" not in stats
    assert graph in stats
    assert f"{BASE}graph/ontology" in stats and f"{BASE}graph/shapes" in stats


def test_issue_7_problem3_make_store_never_deletes_the_store(
    tmp_path: Path, bundled_copy: Path
) -> None:
    # Built already (the session's store for port 8000, make's default), as after a first
    # `make run`; make finds no stamp, so it runs `unpacs build` on it.
    store = bundled_copy
    env = {k: v for k, v in os.environ.items() if not k.startswith(("UNPACS_", "MAKE"))}
    env["UNPACS_STORE"] = str(store)
    steward = tmp_path / "steward.ttl"
    steward.write_text(STEWARD, encoding="utf-8")
    make = ["make", "-C", str(ROOT), "--no-print-directory", "store", f"UNPACS_STORE={store}"]
    first = subprocess.run(make, capture_output=True, text=True, env=env, timeout=300)
    assert first.returncode == 0, first.stdout + first.stderr
    graph = BASE + "graph/steward-records"
    ok(run(tmp_path, resources.DATA_DIR, "load", "--graph", graph, str(steward)))
    # As if data/ had changed: the stamp is older than the data, so make rebuilds.
    (stamp,) = store.parent.glob(store.name + ".stamp*")  # one stamp per base IRI
    stamp.unlink()
    again = subprocess.run(make, capture_output=True, text=True, env=env, timeout=300)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "e-gov-plan-phl" in ok(run(tmp_path, resources.DATA_DIR, "dump", "--graph", graph))


def shapes_hash(store: OxigraphStore) -> list[str]:
    shapes = BASE + "graph/shapes"
    result = store.query(
        f"SELECT ?h WHERE {{ GRAPH <{shapes}> {{ <{shapes}> <{BASE}def/unpacs#contentHash> ?h }} }}"
    )
    assert isinstance(result, SolutionsResult)
    return [row["h"].value for row in result.rows()]  # type: ignore[union-attr]


def test_issue_7_problem3_build_is_idempotent_with_ontology_and_shapes_graphs(
    tmp_path: Path,
) -> None:
    settings = Settings(store=str(tmp_path / "store"))
    store = OxigraphStore(settings.store)
    try:
        first = build_store(store, settings)
        names = store.graph_names()
        second = build_store(store, settings)
        assert store.graph_names() == names
        # Nothing changed, so nothing is rewritten (``test_incremental_build.py``).
        assert second.graphs == {} and set(second.unchanged) == set(first.graphs)
        assert second.removed == {}
        # Besides the bundled graphs: the store's record of its base IRI.
        assert all(is_bundled_graph(g, BASE) for g in names if g != META_GRAPH)
        assert META_GRAPH in names
        shapes, ontology = BASE + "graph/shapes", BASE + "graph/ontology"
        assert store.query(
            f"ASK {{ GRAPH <{shapes}> {{ ?s a <http://www.w3.org/ns/shacl#NodeShape> }} }}"
        ) == BooleanResult(True)
        assert store.query(
            f"ASK {{ GRAPH <{ontology}> {{ ?o a <http://www.w3.org/2002/07/owl#Ontology> }} }}"
        ) == BooleanResult(True)
        first_hash = shapes_hash(store)
        build_store(store, settings)
        assert shapes_hash(store) == first_hash  # hashed from the files, not the parse
    finally:
        store.close()


def test_bundled_graph_names() -> None:
    assert is_bundled_graph(BASE + "graph/seed/philippines", BASE)
    assert is_bundled_graph(BASE + "graph/reference/countries", BASE)
    assert is_bundled_graph(BASE + "graph/ontology", BASE)
    assert is_bundled_graph(BASE + "graph/shapes", BASE)
    assert not is_bundled_graph(BASE + "graph/seedling", BASE)
    assert not is_bundled_graph(BASE + "graph/file/seed", BASE)
    assert not is_bundled_graph(BASE + "graph/ontology/other", BASE)


def test_issue_7_problem3_invalid_rebuild_changes_nothing(tmp_path: Path, data: Path) -> None:
    settings = Settings(store=str(tmp_path / "store"), data_dir=data)
    store = OxigraphStore(settings.store)
    try:
        build_store(store, settings)
        (data / "seed" / "extra.ttl").write_text(
            EXTRA.replace('dcterms:title "A bundled file that will be removed"@en ;', ""),
            encoding="utf-8",
        )
        before = io.BytesIO()
        store.dump(formats.by_name("nquads"), before)
        with pytest.raises(ValidationFailedError):
            build_store(store, settings)
        after = io.BytesIO()
        store.dump(formats.by_name("nquads"), after)
        assert after.getvalue() == before.getvalue()
    finally:
        store.close()


def test_issue_7_problem3_rebuild_keeps_a_bundled_graph_a_steward_corrected(
    tmp_path: Path, data: Path
) -> None:
    ok(run(tmp_path, data, "build"))
    graph = BASE + "graph/seed/philippines"
    bundled = (data / "seed" / "philippines.ttl").read_text(encoding="utf-8")
    corrected = tmp_path / "philippines-corrected.ttl"
    corrected.write_text(bundled.replace("Executive Director", "Executive  Director"), "utf-8")
    ok(run(tmp_path, data, "load", "--graph", graph, str(corrected)))
    before = ok(run(tmp_path, data, "dump", "--graph", graph))

    # A `git pull` changes the bundled file: the steward's correction stays, and says so.
    (data / "seed" / "philippines.ttl").write_text(bundled + "\n# edited\n", encoding="utf-8")
    out = ok(run(tmp_path, data, "build"))
    assert ok(run(tmp_path, data, "dump", "--graph", graph)) == before
    assert f"kept graph {graph}: it was replaced from" in out
    assert "--overwrite-edits" in out

    ok(run(tmp_path, data, "build", "--overwrite-edits"))
    assert ok(run(tmp_path, data, "dump", "--graph", graph)) != before
    assert "kept graph" not in ok(run(tmp_path, data, "build"))
