"""``unpacs build``: replace the bundled graphs, and only them, in one validated transaction.

The bundled graphs are those of the files under ``data/reference`` and ``data/seed``
(``{base}graph/reference/...``, ``{base}graph/seed/...``), the ontology (``{base}graph/ontology``)
and the shapes (``{base}graph/shapes``). Every other graph (what stewards loaded) is left as it
is, so a rebuild after a ``git pull`` never loses their records. A bundled graph whose file is
no longer bundled is removed in the same transaction and reported.

The build only does what changed. Every bundled graph records the content hash and file of its
source (``loader.ingest.provenance``); when the shapes, the ontology and the base IRI are as stored,
a graph whose file still has its stored hash is left alone, and the graphs that changed are
validated (``loader.ingest.scope``) together with the stored records they mention and the
bundled graphs that mention theirs, so a record elsewhere that now points at nothing is still
refused. A changed shapes file, ontology or base IRI validates everything again.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pyoxigraph

from unpacs.loader import bundled as resources
from unpacs.loader import formats
from unpacs.loader.errors import ConfigError
from unpacs.loader.ingest import validation
from unpacs.loader.ingest.parsing import parse_rdf
from unpacs.loader.ingest.pipeline import (
    LoadReport,
    Progress,
    Source,
    load_sources,
    read_source,
    stage_sources,
)
from unpacs.loader.ingest.plan import stored_source_files
from unpacs.loader.ingest.provenance import content_hash
from unpacs.loader.settings import Settings
from unpacs.loader.store.protocol import SolutionsResult, Store
from unpacs.loader.store.record import data_graphs, record_graph, stored_base_iri
from unpacs.loader.uris import graph_iri, vocab

BUNDLED_FOLDERS = ("reference", "seed")
ONTOLOGY_GRAPH_KEY = "ontology"
SHAPES_GRAPH_KEY = "shapes"
TURTLE = formats.by_name("turtle")
RDF_SUFFIXES = {s for f in formats.rdf_formats() for s in f.suffixes} - {".xml"}


def data_files(root: Path) -> list[Path]:
    """The RDF files ``build`` loads: everything under ``reference/`` and ``seed/``."""
    return [
        p
        for sub in BUNDLED_FOLDERS
        for p in sorted((root / sub).rglob("*"))
        if p.is_file() and p.suffix in RDF_SUFFIXES
    ]


def is_bundled_graph(graph: str, base_iri: str) -> bool:
    """True for the graphs ``build`` owns (and may replace or remove)."""
    owned = {graph_iri(base_iri, ONTOLOGY_GRAPH_KEY), graph_iri(base_iri, SHAPES_GRAPH_KEY)}
    prefixes = tuple(graph_iri(base_iri, folder) + "/" for folder in BUNDLED_FOLDERS)
    return graph in owned or graph.startswith(prefixes)


def _shapes_source(settings: Settings) -> Source:
    # Checked (and cached) first, so a broken shapes file is named as such, not as data.
    validation.load_shapes(settings.shapes_dir, settings.base_iri)
    files = validation.shape_files(settings.shapes_dir)
    # One graph for all shape files: each is parsed on its own (its blank nodes renamed apart)
    # and the union is staged as N-Triples.
    quads = [
        q
        for p in files
        for q in parse_rdf(p.read_bytes(), TURTLE, file=str(p), base_iri=settings.base_iri)
    ]
    data = pyoxigraph.serialize(
        [pyoxigraph.Triple(q.subject, q.predicate, q.object) for q in quads],
        format=pyoxigraph.RdfFormat.N_TRIPLES,
    )
    assert data is not None
    return Source(
        name=str(settings.shapes_dir),
        data=data,
        fmt=formats.by_name("ntriples"),
        graph=graph_iri(settings.base_iri, SHAPES_GRAPH_KEY),
        file_name="shapes/" + ",".join(p.name for p in files),
        # The shapes are our own work, written from our model: the ontology is their source.
        sources=(settings.base_iri + "def/unpacs",),
        digest=content_hash(b"".join(p.read_bytes() for p in files)),
    )


def bundled_sources(settings: Settings) -> list[Source]:
    """Every source ``build`` loads: the bundled data files, the ontology and the shapes."""
    files = data_files(settings.data_dir)
    if not files:
        raise ConfigError(
            f"no RDF files under {settings.data_dir}/reference or {settings.data_dir}/seed",
            hint="set UNPACS_DATA_DIR to a folder with reference/ and seed/, or unset it",
        )
    sources = [read_source(p, settings) for p in files]
    ontology = read_source(
        resources.ONTOLOGY_FILE,
        settings,
        graph=graph_iri(settings.base_iri, ONTOLOGY_GRAPH_KEY),
    )
    sources.append(dataclasses.replace(ontology, file_name="ontology/unpacs.ttl"))
    sources.append(_shapes_source(settings))
    return sources


def graphs_of_an_old_base(store: Store, settings: Settings) -> list[str]:
    """The bundled graphs of the base the store was built under, when that is not ours.

    Graphs stewards loaded cannot be moved to another base (their records were minted under the
    old one), so a rebuild under a new base is refused while any exist.
    """
    stored = stored_base_iri(store)
    if stored is None or stored == settings.base_iri:
        return []
    graphs = data_graphs(store)
    bundled = [g for g in graphs if is_bundled_graph(g, stored)]
    others = [g for g in graphs if g not in bundled]
    if others:
        raise ConfigError(
            f"store {settings.store} holds {len(others)} graph(s) loaded under base IRI "
            f"{stored} (e.g. {others[0]}); a rebuild under {settings.base_iri} cannot move them",
            hint=f"set UNPACS_BASE_IRI={stored}, or build a new store (--store) and load their "
            "files into it again",
        )
    return bundled


def edited_graphs(store: Store, sources: list[Source], base_iri: str) -> dict[str, str]:
    """Bundled graphs whose stored content came from another file than the bundled one.

    A steward who corrects a bundled record (through ``/graphs`` or ``unpacs load --graph``)
    replaces the graph with their own file; a rebuild must not silently undo that.
    """
    stored = stored_source_files(store, [s.graph for s in sources], base_iri)
    return {
        s.graph: stored[s.graph]
        for s in sources
        if s.graph in stored and stored[s.graph] != s.file_name
    }


_CHUNK = 400


def _stored_descriptions(store: Store, base_iri: str) -> dict[str, tuple[str, str, bool]]:
    """Graph IRI -> (source file, content hash, validated) as each graph describes itself."""
    ns = vocab(base_iri)
    result = store.query(
        "SELECT ?g ?file ?hash ?valid WHERE { GRAPH ?g { "
        f"?g <{ns}sourceFile> ?file ; <{ns}contentHash> ?hash ; <{ns}validated> ?valid }} }}"
    )
    assert isinstance(result, SolutionsResult)
    return {
        row["g"].value: (row["file"].value, row["hash"].value, row["valid"].value == "true")  # type: ignore[union-attr]
        for row in result.rows()
    }


def unchanged_graphs(store: Store, sources: list[Source], settings: Settings) -> set[str]:
    """The bundled graphs whose stored content is exactly what their file would give now.

    Empty unless the store was built under this base with these shapes and this ontology: a
    change to either can change every verdict (and the ontology is what the data refers to).
    """
    if stored_base_iri(store) != settings.base_iri:
        return set()
    stored = _stored_descriptions(store, settings.base_iri)
    same = {
        s.graph
        for s in sources
        if stored.get(s.graph) == (s.file_name, s.digest or content_hash(s.data), True)
    }
    vocabulary = {
        graph_iri(settings.base_iri, ONTOLOGY_GRAPH_KEY),
        graph_iri(settings.base_iri, SHAPES_GRAPH_KEY),
    }
    return same if vocabulary <= same else set()


def _iri_values(iris: set[str]) -> list[str]:
    ordered = sorted(iris)
    return [
        " ".join(f"<{i}>" for i in ordered[start : start + _CHUNK])
        for start in range(0, len(ordered), _CHUNK)
    ]


def _records_in(store: Store, graphs: set[str], pointing_at: set[str] | None) -> dict[str, str]:
    """Record (IRI subject) -> graph, for ``graphs``' records that point at one of ``pointing_at``
    (all their records when it is None)."""
    found: dict[str, str] = {}
    where = "?s ?p ?o" if pointing_at is None else "?s ?p ?x"
    for graph_values in _iri_values(graphs):
        for values in [None] if pointing_at is None else _iri_values(pointing_at):
            bound = "" if values is None else f"VALUES ?x {{ {values} }} "
            result = store.query(
                f"SELECT DISTINCT ?g ?s WHERE {{ VALUES ?g {{ {graph_values} }} {bound}"
                f"GRAPH ?g {{ {where} }} FILTER(isIRI(?s)) }}"
            )
            assert isinstance(result, SolutionsResult)
            for row in result.rows():
                found[row["s"].value] = row["g"].value  # type: ignore[union-attr]
    return found


def records_to_judge(
    store: Store,
    changed: list[Source],
    settings: Settings,
    unchanged: set[str],
    gone: list[str],
) -> dict[str, str]:
    """Stored records of unchanged bundled graphs whose verdict the changed graphs can change,
    each with the file of its graph.

    Those point at a record that a changed or removed graph describes (as stored, or as now
    staged), or are pointed at by a staged record (their checks may count what points at them).
    """
    staged = stage_sources(changed, settings, store, validated=True)
    subjects = set(_records_in(store, {s.graph for s in changed} | set(gone), None))
    targets: set[str] = set()
    for triples in staged.values():
        for t in triples:
            if isinstance(t.subject, pyoxigraph.NamedNode):
                subjects.add(t.subject.value)
            if isinstance(t.object, pyoxigraph.NamedNode):
                targets.add(t.object.value)
    # The ontology and the shapes are unchanged here, and no data changes their verdict.
    candidates = unchanged - {
        graph_iri(settings.base_iri, ONTOLOGY_GRAPH_KEY),
        graph_iri(settings.base_iri, SHAPES_GRAPH_KEY),
    }
    judged = _records_in(store, candidates, subjects) if subjects else {}
    if targets:
        judged |= {r: g for r, g in _records_in(store, candidates, None).items() if r in targets}
    files = stored_source_files(store, set(judged.values()), settings.base_iri)
    return {r: files.get(g, g) for r, g in judged.items()}


def build_store(
    store: Store,
    settings: Settings,
    progress: Progress | None = None,
    *,
    overwrite_edits: bool = False,
) -> LoadReport:
    """Replace the bundled graphs (validated, one transaction); leave every other graph alone.

    A bundled graph that was since replaced from another file (a steward's correction) is kept
    and reported, unless ``overwrite_edits``. The same commit records the base IRI
    (``store_record``); under a new base it also drops the bundled graphs of the old one.
    """
    sources = bundled_sources(settings)
    kept = {} if overwrite_edits else edited_graphs(store, sources, settings.base_iri)
    sources = [s for s in sources if s.graph not in kept]
    wanted = {s.graph for s in sources} | set(kept)
    gone = [
        g for g in store.graph_names() if is_bundled_graph(g, settings.base_iri) and g not in wanted
    ]
    rebased = graphs_of_an_old_base(store, settings)
    files = stored_source_files(store, gone, settings.base_iri)
    unchanged = unchanged_graphs(store, sources, settings) if not rebased else set()
    changed = [s for s in sources if s.graph not in unchanged]
    if unchanged and not changed and not gone:
        return LoadReport(kept=kept, unchanged=sorted(unchanged))
    judge = records_to_judge(store, changed, settings, unchanged, gone) if unchanged else {}
    report = load_sources(
        store,
        changed,
        settings,
        validate=True,
        progress=progress,
        drop=[*gone, *rebased],
        owned=True,
        also_commit=record_graph(settings.base_iri),
        judge=judge,
    )
    report.removed = {g: files.get(g, "(unknown file)") for g in gone}
    report.kept = kept
    report.unchanged = sorted(unchanged)
    return report
