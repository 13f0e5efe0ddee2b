"""Issue 7, problem 6: records and graphs stewards can reason about.

A load that would replace a graph first loaded from another file, or whose records another
graph already describes, is refused with a message that names the graph, its source file and
how to go on; ``delete`` removes graphs unless other records still point at them. Every refusal
leaves the store byte-identical.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fixtures.stores import BASE

from unpacs.loader import formats
from unpacs.loader.errors import InputError
from unpacs.loader.ingest.pipeline import load_sources, read_source
from unpacs.loader.ingest.plan import delete_graphs
from unpacs.loader.settings import Settings
from unpacs.loader.store.oxigraph import OxigraphStore
from unpacs.loader.store.protocol import Store

DATA = Path(__file__).parent / "data" / "pipeline"
CONTEXT = Path(__file__).parent / "data" / "shapes" / "context.ttl"
UNPACS = str(Path(sys.executable).with_name("unpacs"))
PREFIXES = """\
@prefix ex: <http://example.org/test#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
"""
PARENT_AGAIN = (
    PREFIXES
    + """\
<id/organization/parent> a ex:Thing ;
    rdfs:label "Parent (corrected)" ;
    ex:homepage <http://example.org/parent> ;
    dcterms:source <http://example.org/source/3> .
"""
)
OTHER = (
    PREFIXES
    + """\
<id/organization/other> a ex:Thing ;
    rdfs:label "Other" ;
    ex:homepage <http://example.org/other> ;
    dcterms:source <http://example.org/source/4> .
"""
)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        store=str(tmp_path / "store"), shapes_dir=DATA / "shapes", data_dir=DATA, base_iri=BASE
    )


@pytest.fixture
def store(settings: Settings) -> Iterator[OxigraphStore]:
    opened = OxigraphStore(settings.store)
    yield opened
    opened.close()


def dump(store: OxigraphStore) -> bytes:
    out = io.BytesIO()
    store.dump(formats.by_name("nquads"), out)
    return out.getvalue()


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def load(store: OxigraphStore, settings: Settings, path: Path, **options: object) -> object:
    graph = options.pop("graph", None)
    source = read_source(path, settings, graph=graph)  # type: ignore[arg-type]
    return load_sources(store, [source], settings, **options)  # type: ignore[arg-type]


def test_issue_7_problem6_same_file_name_in_another_folder_gets_its_own_graph(
    store: OxigraphStore, settings: Settings, tmp_path: Path
) -> None:
    load(store, settings, write(tmp_path / "x.ttl", OTHER))
    other = write(tmp_path / "other" / "x.ttl", OTHER.replace("other>", "other-2>"))
    load(store, settings, other)
    assert len(store.graph_names()) == 2  # other/x.ttl did not replace the graph of x.ttl


def test_issue_7_problem6_replacing_a_graph_from_another_path_is_refused(
    store: OxigraphStore, settings: Settings, tmp_path: Path
) -> None:
    first = write(tmp_path / "a" / "x.ttl", OTHER)
    load(store, settings, first)
    before = dump(store)
    second = write(tmp_path / "b" / "a" / "x.ttl", OTHER.replace("other>", "other-2>"))
    with pytest.raises(InputError) as refused:
        load(store, settings, second)
    text = refused.value.format()
    graph = BASE + "graph/file/a/x"
    assert f"graph {graph} was loaded from {first.resolve()}" in text
    assert f"--graph {graph} or --replace" in text
    assert dump(store) == before
    # Reloading the same file is what replacing is for.
    load(store, settings, first)
    # Naming the graph, or --replace, says the steward means it.
    load(store, settings, second, graph=graph)
    load(store, settings, first, replace=True)


def test_issue_7_problem6_record_held_by_another_graph_is_refused_before_shacl(
    store: OxigraphStore, settings: Settings, tmp_path: Path
) -> None:
    load(store, settings, DATA / "valid.ttl")
    before = dump(store)
    again = write(tmp_path / "corrected" / "parent.ttl", PARENT_AGAIN)
    with pytest.raises(InputError) as refused:
        load(store, settings, again)
    text = refused.value.format()
    assert f"record {BASE}id/organization/parent is already described in graph " in text
    assert f"{BASE}graph/valid (loaded from valid.ttl)" in text
    assert f"--graph {BASE}graph/valid" in text and "--replace" in text
    assert "violation" not in text  # refused before SHACL
    assert dump(store) == before


def test_issue_7_problem6_replace_moves_the_record_in_one_transaction(
    store: OxigraphStore, settings: Settings, tmp_path: Path
) -> None:
    load(store, settings, DATA / "valid.ttl")
    again = write(tmp_path / "corrected" / "parent.ttl", PARENT_AGAIN)
    report = load(store, settings, again, replace=True)
    parent = BASE + "id/organization/parent"
    assert report.moved == {BASE + "graph/valid": [parent]}  # type: ignore[attr-defined]
    holders = {q.graph_name.value for q in store.quads(subject=parent)}  # type: ignore[union-attr]
    assert holders == {BASE + "graph/file/corrected/parent"}
    child = BASE + "id/organization/child"
    assert {q.graph_name.value for q in store.quads(subject=child)} == {BASE + "graph/valid"}  # type: ignore[union-attr]


def test_issue_7_problem6_loading_into_the_holding_graph_replaces_it(
    store: OxigraphStore, settings: Settings, tmp_path: Path
) -> None:
    load(store, settings, DATA / "valid.ttl")
    again = write(tmp_path / "corrected" / "parent.ttl", PARENT_AGAIN)
    load(store, settings, again, graph=BASE + "graph/valid")
    assert store.graph_names() == [BASE + "graph/valid"]


def test_issue_7_problem6_delete_refuses_while_other_records_point_at_the_graph(
    store: OxigraphStore, settings: Settings
) -> None:
    load(store, settings, DATA / "valid.ttl")
    load(store, settings, DATA / "refers-to-stored.ttl")
    before = dump(store)
    with pytest.raises(InputError) as refused:
        delete_graphs(store, [BASE + "graph/valid"])
    text = refused.value.format()
    assert (
        f"{BASE}id/organization/grandchild (graph {BASE}graph/refers-to-stored) points at "
        f"{BASE}id/organization/child" in text
    )
    assert "--force" in text
    assert dump(store) == before
    with pytest.raises(InputError, match="no graph"):
        delete_graphs(store, [BASE + "graph/valid", BASE + "graph/nothing"])
    assert dump(store) == before
    # Both together leave nothing dangling.
    removed = delete_graphs(store, [BASE + "graph/valid", BASE + "graph/refers-to-stored"])
    assert set(removed) == {BASE + "graph/valid", BASE + "graph/refers-to-stored"}
    assert store.graph_names() == []


def test_issue_7_problem6_delete_force(store: OxigraphStore, settings: Settings) -> None:
    load(store, settings, DATA / "valid.ttl")
    load(store, settings, DATA / "refers-to-stored.ttl")
    delete_graphs(store, [BASE + "graph/valid"], force=True)
    assert store.graph_names() == [BASE + "graph/refers-to-stored"]


# -- the command line, with the bundled shapes -----------------------------------------------

CONTACT = """\
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix schema: <http://schema.org/> .
@prefix cv: <http://data.europa.eu/m8g/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .

<id/organization/icto-phl> a org:Organization, cv:PublicOrganisation ;
    skos:prefLabel "Information and Communications Technology Office"@en ;
    foaf:name "Information and Communications Technology Office"@en ;
    dcterms:spatial <id/country/PHL> ;
    foaf:homepage <http://dost.gov.ph> ;
    schema:contactPoint [ a schema:ContactPoint ; schema:email "%s" ] ;
    dcterms:description "Planning and management support of government ICT resources."@en ;
    dcterms:source <id/document/test-source> .
"""


def cli(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("UNPACS_")}
    env["UNPACS_STORE"] = str(cwd / "store")
    return subprocess.run(
        [UNPACS, *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=120
    )


def test_issue_7_problem6_corrected_record_names_its_graph_not_blank_nodes(
    tmp_path: Path,
) -> None:
    assert cli(tmp_path, "load", str(CONTEXT)).returncode == 0
    first = write(tmp_path / "records" / "icto.ttl", CONTACT % "info@example.org")
    done = cli(tmp_path, "load", str(first))
    assert done.returncode == 0, done.stderr
    before = cli(tmp_path, "dump").stdout
    corrected = write(tmp_path / "fixed" / "icto.ttl", CONTACT % "ict@example.org")
    done = cli(tmp_path, "load", str(corrected))
    assert done.returncode == 1
    graph = BASE + "graph/file/records/icto"
    assert f"already described in graph {graph} (loaded from {first.resolve()})" in done.stderr
    assert "_:" not in done.stderr and "Traceback" not in done.stderr
    assert cli(tmp_path, "dump").stdout == before
    checked = cli(tmp_path, "validate", str(corrected))
    assert checked.returncode == 1 and "already described in graph" in checked.stderr
    checked = cli(tmp_path, "validate", "--replace", str(corrected))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert cli(tmp_path, "dump").stdout == before
    done = cli(tmp_path, "load", "--replace", str(corrected))
    assert done.returncode == 0, done.stderr
    assert f"out of graph {graph}" in done.stdout
    dumped = cli(tmp_path, "dump").stdout
    assert "ict@example.org" in dumped and "info@example.org" not in dumped
    assert graph not in dumped  # it held only that record, so it went with it


def test_issue_7_problem6_delete_command(tmp_path: Path) -> None:
    assert cli(tmp_path, "load", str(CONTEXT)).returncode == 0
    graph = BASE + "graph/file/shapes/context"
    refused = cli(tmp_path, "delete", "--graph", BASE + "graph/none")
    assert refused.returncode == 1
    assert f"no graph {BASE}graph/none" in refused.stderr
    done = cli(tmp_path, "delete", "--graph", graph)
    assert done.returncode == 0, done.stderr
    assert f"deleted graph {graph}" in done.stdout
    assert cli(tmp_path, "dump").stdout == ""


def test_issue_7_problem6_conflicts_replace_and_delete_on_any_store(
    any_store: Store, tmp_path: Path
) -> None:
    settings = Settings(shapes_dir=DATA / "shapes", data_dir=DATA, base_iri=BASE)
    load_sources(any_store, [read_source(DATA / "valid.ttl", settings)], settings)
    again = read_source(write(tmp_path / "corrected" / "parent.ttl", PARENT_AGAIN), settings)
    before = sorted(dump_any(any_store))
    with pytest.raises(InputError, match="already described"):
        load_sources(any_store, [again], settings)
    assert sorted(dump_any(any_store)) == before
    report = load_sources(any_store, [again], settings, replace=True)
    assert report.moved == {BASE + "graph/valid": [BASE + "id/organization/parent"]}
    with pytest.raises(InputError, match="points at"):
        delete_graphs(any_store, [BASE + "graph/file/corrected/parent"])
    delete_graphs(any_store, [BASE + "graph/file/corrected/parent", BASE + "graph/valid"])
    assert any_store.graph_names() == []


def dump_any(store: Store) -> list[bytes]:
    out = io.BytesIO()
    store.dump(formats.by_name("nquads"), out)
    return out.getvalue().splitlines()
