"""The load pipeline: read (size-capped) -> parse into staging -> add provenance -> validate
(staged records plus the stored records they refer to) -> one transactional commit.

Any failure before the commit raises and leaves the store untouched.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import pyoxigraph

from unpacs.loader import formats
from unpacs.loader.errors import InputError, InputTooLargeError, Issue, ValidationFailedError
from unpacs.loader.formats import Format
from unpacs.loader.ingest import validation
from unpacs.loader.ingest.csv_records import parse_csv_records
from unpacs.loader.ingest.parsing import parse_rdf
from unpacs.loader.ingest.plan import LoadPlan, plan_load
from unpacs.loader.ingest.provenance import content_hash, describe_graph, sources_in
from unpacs.loader.ingest.scope import country_lookup, validation_data
from unpacs.loader.ingest.xlsx_records import SheetLimits, xlsx_to_csv
from unpacs.loader.settings import Settings
from unpacs.loader.store.oxigraph import OxigraphStore
from unpacs.loader.store.protocol import Store
from unpacs.loader.uris import graph_iri, slugify

Progress = Callable[[str, int], None]
PROV_GENERATED = pyoxigraph.NamedNode("http://www.w3.org/ns/prov#generatedAtTime")


@dataclass(frozen=True)
class Source:
    """One input: its bytes, format, target graph and the name recorded in provenance."""

    name: str
    data: bytes
    fmt: Format
    graph: str
    file_name: str
    # dcterms:source IRIs for the graph's description besides those its records state.
    sources: tuple[str, ...] = ()
    # True when the graph was chosen (``--graph``) rather than derived from the file's path.
    chosen: bool = False
    # The content hash to record, when ``data`` is not the file itself (the shapes graph).
    digest: str | None = None


@dataclass
class LoadReport:
    graphs: dict[str, int] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)
    # Graphs removed by the same commit -> the source file their description named.
    removed: dict[str, str] = field(default_factory=dict)
    # Bundled graphs a rebuild left alone because they were replaced from another file.
    kept: dict[str, str] = field(default_factory=dict)
    # Records moved here by ``--replace``: graph they left -> record IRIs.
    moved: dict[str, list[str]] = field(default_factory=dict)
    # Bundled graphs ``build`` left alone: their files, the shapes and the base are as stored.
    unchanged: list[str] = field(default_factory=list)
    validated: bool = True
    committed: bool = False
    seconds: float = 0.0

    @property
    def triples(self) -> int:
        return sum(self.graphs.values())

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity != "Violation"]


def graph_for_path(path: Path, settings: Settings) -> str:
    """``data/seed/philippines.ttl`` -> ``{base}graph/seed/philippines``.

    Other files by folder and stem (``other/x.ttl`` -> ``{base}graph/file/other/x``), so that
    same-named files of different folders get different graphs; where two paths still meet,
    the load is refused because the stored graph names another source file (``loader.ingest.plan``).
    """
    resolved = path.resolve()
    data_dir = settings.data_dir.resolve()
    if resolved.is_relative_to(data_dir):
        parts = resolved.relative_to(data_dir).with_suffix("").parts
        return graph_iri(settings.base_iri, "/".join(slugify(p) or "file" for p in parts))
    folder = slugify(resolved.parent.name) or "root"
    return graph_iri(settings.base_iri, f"file/{folder}/{slugify(path.stem) or 'file'}")


def check_input_file(path: Path, settings: Settings) -> None:
    """The file exists and is within ``UNPACS_MAX_INPUT_BYTES`` (checked before reading it)."""
    if not path.is_file():
        raise InputError(f"no such file: {path}", file=str(path))
    size = path.stat().st_size
    if size > settings.max_input_bytes:
        raise InputTooLargeError(
            f"{size:,} bytes is over the limit of {settings.max_input_bytes:,} bytes",
            file=str(path),
            hint="split the file, or raise UNPACS_MAX_INPUT_BYTES",
        )


def read_source(
    path: Path, settings: Settings, *, graph: str | None = None, fmt: Format | None = None
) -> Source:
    check_input_file(path, settings)
    fmt = fmt or formats.for_path(path)
    try:
        name = str(path.resolve().relative_to(settings.data_dir.resolve()))
    except ValueError:
        # The whole path: a later load of another file with the same name must be told apart.
        name = str(path.resolve())
    return Source(
        str(path),
        path.read_bytes(),
        fmt,
        graph or graph_for_path(path, settings),
        name,
        chosen=graph is not None,
    )


def _parse(
    source: Source, settings: Settings, store: Store, staged_so_far: Iterable[pyoxigraph.Triple]
) -> list[pyoxigraph.Quad]:
    if source.fmt.kind == "tabular":
        lookup = country_lookup(store, staged_so_far, settings.base_iri)
        data = source.data
        if source.fmt.name == "xlsx-records":
            limits = SheetLimits.of(settings)
            data = xlsx_to_csv(data, source.name, settings.data_dir / "mappings", limits)
        triples = parse_csv_records(
            data,
            file=source.name,
            base_iri=settings.base_iri,
            country_lookup=lookup,
            mappings_dir=settings.data_dir / "mappings",
            max_rows=settings.max_upload_rows,
        )
        return [pyoxigraph.Quad(t.subject, t.predicate, t.object) for t in triples]
    return parse_rdf(source.data, source.fmt, file=source.name, base_iri=settings.base_iri)


def stage_sources(
    sources: Sequence[Source],
    settings: Settings,
    store: Store,
    *,
    validated: bool,
    progress: Progress | None = None,
) -> dict[str, list[pyoxigraph.Triple]]:
    """Parse every source and add provenance; returns graph IRI -> triples (nothing written)."""
    graphs: dict[str, list[pyoxigraph.Triple]] = {}
    origin: dict[str, Source] = {}
    # RDF first, so that CSV records can refer to countries staged in the same load.
    for source in sorted(sources, key=lambda s: s.fmt.kind == "tabular"):
        staged_triples = (t for ts in graphs.values() for t in ts)
        for quad in _parse(source, settings, store, staged_triples):
            g = (
                source.graph
                if isinstance(quad.graph_name, pyoxigraph.DefaultGraph)
                else (quad.graph_name.value)
            )
            if g in origin and origin[g] is not source:
                raise InputError(
                    f"graph {g} is written by both {origin[g].name} and {source.name}",
                    file=source.name,
                    hint="give each file its own graph (--graph) or load them separately",
                )
            origin[g] = source
            graphs.setdefault(g, []).append(
                pyoxigraph.Triple(quad.subject, quad.predicate, quad.object)
            )
        if progress:
            progress("parsed", sum(len(t) for t in graphs.values()))
    for g, triples in graphs.items():
        subject = pyoxigraph.NamedNode(g)
        if any(t.subject == subject and t.predicate == PROV_GENERATED for t in triples):
            continue  # a dump being restored already describes itself
        source = origin[g]
        triples.extend(
            describe_graph(
                g,
                base_iri=settings.base_iri,
                sources=sorted(
                    {*sources_in(triples), *map(pyoxigraph.NamedNode, source.sources)},
                    key=lambda n: n.value,
                ),
                file_name=source.file_name,
                digest=source.digest or content_hash(source.data),
                validated=validated,
            )
        )
    return graphs


# Data graphs from this size on are collected as soon as validation is done; a full collection
# walks every live object, not worth it for a small write.
_COLLECT_ABOVE = 50_000


def check_staged(
    graphs: dict[str, list[pyoxigraph.Triple]],
    store: Store,
    settings: Settings,
    file_names: dict[str, str] | None = None,
    *,
    replaced: Iterable[str] = (),
    context: Mapping[str, Sequence[pyoxigraph.Triple]] | None = None,
    judge: Mapping[str, str] | None = None,
) -> list[Issue]:
    """SHACL-validate the staged graphs together with the stored records they refer to.

    ``file_names`` (graph IRI -> file) lets each issue name the file its focus node came from;
    stored graphs in ``replaced`` (removed or rewritten by the same commit) are not looked at;
    ``context`` holds what rewritten graphs will contain, seen but not judged; ``judge`` (record
    IRI -> its file) names stored records judged as well (``validation_scope.validation_data``).
    """
    file_names = file_names or {}
    focus_graph = {
        t.subject.value: g
        for g, ts in graphs.items()
        for t in ts
        if isinstance(t.subject, pyoxigraph.NamedNode)
    }
    data, focus = validation_data(
        graphs, store, replaced=replaced, context=context or {}, judge=judge or {}
    )
    shapes = validation.load_shapes(settings.shapes_dir, settings.base_iri)
    issues = validation.validate_graph(
        data, shapes, focus_nodes=focus, engine=settings.shacl_engine
    )
    if len(data) >= _COLLECT_ABOVE:
        # An rdflib graph and its memory store refer to each other, so the data graph would
        # outlive this call until the cycle collector ran, and sit beside the commit's
        # transaction: a validated load of 1M triples peaked at 3.15 GB, 2.27 GB with this.
        del data
        gc.collect()
    return [
        replace(
            i,
            file=file_names.get(focus_graph.get(i.focus_node or "", ""))
            or (judge or {}).get(i.focus_node or ""),
        )
        for i in issues
    ]


def _file_names(
    graphs: dict[str, list[pyoxigraph.Triple]], sources: Sequence[Source]
) -> dict[str, str]:
    by_graph = {s.graph: s.name for s in sources}
    fallback = sources[0].name if len(sources) == 1 else None
    return {g: by_graph.get(g) or fallback or g for g in graphs}


def validate_sources(
    store: Store, sources: Sequence[Source], settings: Settings, *, replace: bool = False
) -> list[Issue]:
    """Everything ``load_sources`` checks, without writing."""
    graphs = stage_sources(sources, settings, store, validated=True)
    plan = _plan(store, graphs, sources, settings, replace=replace)
    return check_staged(
        graphs,
        store,
        settings,
        _file_names(graphs, sources),
        replaced=[*plan.emptied, *plan.trimmed],
        context=plan.trimmed,
    )


def _plan(
    store: Store,
    graphs: dict[str, list[pyoxigraph.Triple]],
    sources: Sequence[Source],
    settings: Settings,
    *,
    replace: bool,
    owned: bool = False,
    drop: Sequence[str] = (),
) -> LoadPlan:
    # Before SHACL: a record that lives in another graph would otherwise end in confusing
    # results about its two descriptions (its stored blank nodes are not in the data).
    return plan_load(
        store,
        graphs,
        base_iri=settings.base_iri,
        chosen={s.graph for s in sources if s.chosen},
        replace=replace,
        warn_only=owned,
        dropping=drop,
    )


def load_sources(
    store: Store,
    sources: Sequence[Source],
    settings: Settings,
    *,
    validate: bool = True,
    progress: Progress | None = None,
    drop: Sequence[str] = (),
    replace: bool = False,
    owned: bool = False,
    also_commit: Mapping[str, Sequence[pyoxigraph.Triple]] | None = None,
    judge: Mapping[str, str] | None = None,
) -> LoadReport:
    """Load all ``sources`` in one transaction, or nothing; raises on any problem.

    ``also_commit`` graphs (not validated, not counted) are written by the same commit, e.g.
    the store's record of its base IRI (``store_record``) that ``build`` writes. ``judge``
    (record IRI -> its file) names stored records validated with the load (``check_staged``).

    The graphs in ``drop`` are removed by the same commit (and not used for validation).
    ``replace`` moves records that other graphs describe into this load's graphs and allows
    replacing a graph first loaded from another file (``loader.ingest.plan.plan_load``); ``owned``
    (``build``) only warns about records that other graphs describe.
    """
    started = time.perf_counter()
    report = LoadReport(validated=validate)
    graphs = stage_sources(sources, settings, store, validated=validate, progress=progress)
    plan = _plan(store, graphs, sources, settings, replace=replace, owned=owned, drop=drop)
    drop = [*drop, *plan.emptied]
    if validate:
        report.issues = check_staged(
            graphs,
            store,
            settings,
            _file_names(graphs, sources),
            replaced=[*drop, *plan.trimmed],
            context=plan.trimmed,
            judge=judge,
        )
        if progress:
            progress("validated", sum(len(t) for t in graphs.values()))
        blocking = validation.violations(report.issues)
        if blocking:
            raise ValidationFailedError(
                f"{len(blocking)} violation(s) of the shapes; nothing was loaded",
                issues=report.issues,
                hint="fix the records named above and load again",
            )
    extra = also_commit or {}
    if not validate and isinstance(store, OxigraphStore) and store.is_empty():
        store.bulk_add_graphs({**graphs, **extra})
    else:
        store.replace_graphs({**plan.trimmed, **graphs, **extra}, drop=drop)
    if progress:
        progress("committed", sum(len(t) for t in graphs.values()))
    report.graphs = {g: len(t) for g, t in graphs.items()}
    report.issues = [*report.issues, *plan.warnings]
    report.moved = plan.moved
    report.committed = True
    report.seconds = time.perf_counter() - started
    return report
