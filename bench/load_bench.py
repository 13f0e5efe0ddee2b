"""Load timings of unpacs against its peers, measured in one run on the same synthetic data.

    python -m bench.load_bench --size 100k            # 3 runs each, median
    python -m bench.load_bench --size 1m --skip-full-validate

Every figure is wall time (``time.perf_counter``) of opening a fresh on-disk store, loading the
file and closing the store, so the native peers and unpacs pay the same costs. Ratios are against
the raw pyoxigraph transactional load of the same run (1.0 = as fast; 3.0 = three times slower).
All stores and files live in one temporary directory that is removed at the end.
"""

from __future__ import annotations

import argparse
import gc
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

import pyoxigraph
import rdflib

from bench.generate import parse_size, write_file
from unpacs.loader.ingest import validation
from unpacs.loader.ingest.pipeline import check_staged, load_sources, read_source, stage_sources
from unpacs.loader.ingest.scope import validation_data
from unpacs.loader.settings import Settings
from unpacs.loader.store.oxigraph import OxigraphStore

REPO = Path(__file__).resolve().parent.parent
INCREMENT_TRIPLES = 1_000
INCREMENT_TARGET_SECONDS = 2.0
NT = pyoxigraph.RdfFormat.N_TRIPLES
SKIPPED = "skipped (--skip-full-validate)"
GRAPH = pyoxigraph.NamedNode("http://127.0.0.1:8000/graph/file/bench")


@dataclass
class Figure:
    label: str
    seconds: list[float]
    triples: int
    note: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)


class Bench:
    def __init__(self, work: Path, runs: int, shapes_dir: Path) -> None:
        self.work = work
        self.runs = runs
        self.fresh = 0
        self.settings = Settings(
            store=str(work / "unused"),
            max_input_bytes=1 << 40,
            shapes_dir=shapes_dir,
            data_dir=REPO / "data",
        )

    def fresh_dir(self) -> Path:
        self.fresh += 1
        return self.work / f"store-{self.fresh}"

    def measure(self, label: str, triples: int, action: Callable[[Path], None]) -> Figure:
        seconds = []
        for _ in range(self.runs):
            target = self.fresh_dir()
            gc.collect()
            started = time.perf_counter()
            action(target)
            seconds.append(time.perf_counter() - started)
            gc.collect()
            shutil.rmtree(target, ignore_errors=True)
        figure = Figure(label, seconds, triples)
        print(f"  {label}: {figure.median:.2f} s", file=sys.stderr, flush=True)
        return figure


def raw_load(data: Path, *, bulk: bool = False) -> Callable[[Path], None]:
    """pyoxigraph alone: the transactional ``load`` or the non-transactional ``bulk_load``."""

    def action(target: Path) -> None:
        store = pyoxigraph.Store(str(target))
        load = store.bulk_load if bulk else store.load
        load(path=str(data), format=NT, to_graph=GRAPH)
        store.flush()
        del store

    return action


def rdflib_parse(data: Path) -> Callable[[Path], None]:
    def action(_target: Path) -> None:
        graph = rdflib.Graph()
        graph.parse(str(data), format="nt")
        del graph

    return action


def unpacs_load(data: Path, settings: Settings, *, validate: bool) -> Callable[[Path], None]:
    def action(target: Path) -> None:
        store = OxigraphStore(target)
        load_sources(store, [read_source(data, settings)], settings, validate=validate)
        store.close()

    return action


def oxigraph_cli_load(binary: Path, data: Path) -> Callable[[Path], None]:
    def action(target: Path) -> None:
        subprocess.run(
            [str(binary), "load", "--location", str(target), "--file", str(data)],
            check=True,
            capture_output=True,
        )

    return action


def incremental(
    base_store: Path, increment: Path, settings: Settings, *, cold_shapes: bool
) -> Callable[[Path], None]:
    """Copy the loaded big store (untimed: done before the clock starts) then load validated."""

    def action(target: Path) -> None:
        store = OxigraphStore(target)
        if cold_shapes:
            # What a fresh `unpacs load` process pays; a running server has them cached.
            validation._load_shapes_cached.cache_clear()
        load_sources(store, [read_source(increment, settings)], settings, validate=True)
        store.close()

    return action


def measure_incremental(
    bench: Bench, base_store: Path, increment: Path, triples: int, *, cold_shapes: bool
) -> Figure:
    action = incremental(base_store, increment, bench.settings, cold_shapes=cold_shapes)
    seconds = []
    for _ in range(bench.runs):
        target = bench.fresh_dir()
        shutil.copytree(base_store, target)
        gc.collect()
        started = time.perf_counter()
        action(target)
        seconds.append(time.perf_counter() - started)
        gc.collect()
        shutil.rmtree(target, ignore_errors=True)
    label = "(f) unpacs incremental 1k validated, " + ("cold shapes" if cold_shapes else "warm")
    figure = Figure(label, seconds, triples)
    print(f"  {label}: {figure.median:.2f} s", file=sys.stderr, flush=True)
    return figure


def incremental_breakdown(
    bench: Bench, base_store: Path, increment: Path
) -> list[tuple[str, float, str]]:
    """One incremental load, phase by phase, with the same calls ``load_sources`` makes."""
    settings = bench.settings
    target = bench.fresh_dir()
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
    issues = validation.validate_graph(data, shapes, focus_nodes=focus)
    lap("pySHACL validate", f"{len(issues)} issues")
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


def print_table(figures: list[Figure], reference: Figure) -> None:
    print("| case | seconds (median) | runs | triples | triples/s | x raw load | note |")
    print("|---|---:|---:|---:|---:|---:|---|")
    for f in figures:
        if f.note in {SKIPPED, "not installed"}:
            print(f"| {f.label} | - | - | {f.triples:,} | - | - | {f.note} |")
            continue
        rate = f.triples / f.median if f.median else float("inf")
        # A ratio only compares like with like: the increment is a different file.
        ratio = f"{f.median / reference.median:.2f}" if f.triples == reference.triples else "-"
        runs = ", ".join(f"{s:.2f}" for s in f.seconds)
        print(
            f"| {f.label} | {f.median:.3f} | {len(f.seconds)} ({runs}) | {f.triples:,} | "
            f"{rate:,.0f} | {ratio} | {f.note} |"
        )


def machine() -> str:
    import os

    return (
        f"{platform.system()} {platform.release()}, {os.cpu_count()} cores, "
        f"{platform.processor() or platform.machine()}; Python {platform.python_version()}, "
        f"pyoxigraph {version('pyoxigraph')}, rdflib {version('rdflib')}, "
        f"pySHACL {version('pyshacl')}"
    )


def run(size: int, runs: int, skip_full_validate: bool, seed: int, shapes_dir: Path) -> None:
    work = Path(tempfile.mkdtemp(prefix="unpacs-bench-"))
    try:
        bench = Bench(work, runs, shapes_dir)
        big, inc = work / "big.nt", work / "increment.nt"
        started = time.perf_counter()
        n_big = write_file(big, size, seed=seed)
        gen_big = time.perf_counter() - started
        n_inc = write_file(inc, INCREMENT_TRIPLES, seed=seed, prefix="k")
        print(f"generated {n_big:,} + {n_inc:,} triples in {gen_big:.2f} s", file=sys.stderr)

        figures = [
            bench.measure("(a) pyoxigraph Store.load (transactional)", n_big, raw_load(big)),
            bench.measure("(b) pyoxigraph Store.bulk_load", n_big, raw_load(big, bulk=True)),
            bench.measure("(c) rdflib Graph.parse (in memory)", n_big, rdflib_parse(big)),
        ]
        if skip_full_validate:
            figures.append(Figure("(d) unpacs load, validated", [], n_big, SKIPPED))
        else:
            figures.append(
                bench.measure(
                    "(d) unpacs load, validated",
                    n_big,
                    unpacs_load(big, bench.settings, validate=True),
                )
            )
        figures.append(
            bench.measure(
                "(e) unpacs load --no-validate",
                n_big,
                unpacs_load(big, bench.settings, validate=False),
            )
        )
        base_store = work / "base-store"
        unpacs_load(big, bench.settings, validate=False)(base_store)
        for cold in (True, False):
            figure = measure_incremental(bench, base_store, inc, n_inc, cold_shapes=cold)
            figure.note = f"target <= {INCREMENT_TARGET_SECONDS:.0f} s: " + (
                "met" if figure.median <= INCREMENT_TARGET_SECONDS else "MISSED"
            )
            figures.append(figure)
        cli = Path(sys.executable).parent / "oxigraph"
        if cli.is_file():
            figures.append(
                bench.measure("(g) oxigraph load CLI", n_big, oxigraph_cli_load(cli, big))
            )
        else:
            figures.append(Figure("(g) oxigraph load CLI", [], n_big, "not installed"))
        breakdown = incremental_breakdown(bench, base_store, inc)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print(f"\nunpacs load benchmark, {datetime.now(UTC).isoformat(timespec='seconds')}")
    print(f"machine: {machine()}")
    print(f"command: python -m bench.load_bench {' '.join(sys.argv[1:])}")
    print(f"shapes: {bench.settings.shapes_dir}")
    print(f"data: {n_big:,} synthetic triples (N-Triples), increment {n_inc:,} triples\n")
    print_table(figures, figures[0])
    if skip_full_validate:
        print(
            "\n(d) was skipped (--skip-full-validate): pySHACL over the whole file takes too long."
        )
    print("\nincremental load, phase by phase (one run, cold shapes):\n")
    print("| phase | seconds | detail |")
    print("|---|---:|---|")
    for name, seconds, detail in breakdown:
        print(f"| {name} | {seconds:.3f} | {detail} |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load_bench")
    parser.add_argument("--size", default="100k", help="triples: 100k, 1m, ... (default 100k)")
    parser.add_argument("--runs", type=int, default=None, help="default: 3 below 1m, else 1")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--skip-full-validate",
        action="store_true",
        help="leave out (d), the validated load of the whole file (minutes at 1m)",
    )
    parser.add_argument(
        "--shapes-dir", type=Path, default=REPO / "shapes", help="to compare a change of shapes"
    )
    args = parser.parse_args(argv)
    size = parse_size(args.size)
    runs = args.runs or (3 if size < 1_000_000 else 1)
    run(size, runs, args.skip_full_validate, args.seed, args.shapes_dir)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
