"""Where the time of one incremental validated load goes, phase by phase (``bench.load_bench``
case f)."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from unpacs.loader.ingest import validation
from unpacs.loader.ingest.pipeline import check_staged, read_source, stage_sources
from unpacs.loader.ingest.scope import validation_data
from unpacs.loader.settings import Settings
from unpacs.loader.store.oxigraph import OxigraphStore


def incremental_breakdown(
    settings: Settings, base_store: Path, target: Path, increment: Path
) -> list[tuple[str, float, str]]:
    """One incremental load into a copy of ``base_store`` at ``target``, phase by phase, with
    the same calls ``load_sources`` makes."""
    engine = settings.shacl_engine
    shutil.copytree(base_store, target)
    validation._load_shapes_cached.cache_clear()
    phases: list[tuple[str, float, str]] = []
    clock = time.perf_counter()

    def lap(name: str, detail: str = "") -> None:
        nonlocal clock
        now = time.perf_counter()
        phases.append((name, now - clock, detail))
        clock = now

    store = OxigraphStore(target)
    lap("open store")
    sources = [read_source(increment, settings)]
    graphs = stage_sources(sources, settings, store, validated=True)
    staged = sum(len(t) for t in graphs.values())
    lap("read + parse + provenance", f"{staged} staged triples")
    data, focus = validation_data(graphs, store)
    lap("validation data (staged + stored neighbours)", f"{len(data)} triples, {len(focus)} focus")
    shapes = validation.load_shapes(settings.shapes_dir, settings.base_iri)
    lap("load shapes (cold)", f"{len(shapes)} shape triples")
    issues = validation.validate_graph(data, shapes, focus_nodes=focus, engine=engine)
    lap(f"SHACL validate ({engine})", f"{len(issues)} issues")
    store.replace_graphs(graphs)
    lap("commit (extend + MOVE)")
    store.close()
    lap("close (flush)")
    # check_staged repeats the three validation steps; time it to see the overhead is nil.
    store = OxigraphStore(target)
    clock = time.perf_counter()
    check_staged(graphs, store, settings)
    lap("check_staged again, shapes warm (for comparison)")
    store.close()
    shutil.rmtree(target, ignore_errors=True)
    return phases
