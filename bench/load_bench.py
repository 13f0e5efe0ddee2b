"""Load timings of unpacs against its peers, measured in one run on the same synthetic data.

    python -m bench.load_bench --size 100k            # 3 runs each, median, both SHACL engines
    python -m bench.load_bench --size 1m              # 1 run each
    python -m bench.load_bench --size 1m --engines turbo --skip-full-validate

Every figure is wall time (``time.perf_counter``) of opening a fresh on-disk store, loading the
file and closing the store, so the native peers and unpacs pay the same costs. Ratios are against
the raw pyoxigraph transactional load of the same run (1.0 = as fast; 3.0 = three times slower).
All stores and files live in one temporary directory that is removed at the end.

The validated load (d) runs once per SHACL engine (``--engines``, passed as
``Settings(shacl_engine=...)`` so the real pipeline chooses it), and so does the incremental
write (f). The whole-file unpacs loads (d) and (e) each run in a fresh child process (spawned,
not forked, so it inherits none of this process's memory): the child times the load itself and
reports its own peak resident memory (``VmHWM``), interpreter and imports included, as a fresh
``unpacs load`` process would.
"""

from __future__ import annotations

import argparse
import gc
import multiprocessing
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from pathlib import Path

import pyoxigraph
import rdflib

from bench.generate import parse_size, write_file
from bench.load_phases import incremental_breakdown
from bench.load_report import (
    INCREMENT_TARGET_SECONDS,
    SKIPPED,
    Figure,
    load_average,
    machine,
    print_goals,
    print_table,
)
from unpacs.loader.ingest import validation
from unpacs.loader.ingest.pipeline import load_sources, read_source
from unpacs.loader.settings import SHACL_ENGINES, Settings
from unpacs.loader.store.oxigraph import OxigraphStore

REPO = Path(__file__).resolve().parent.parent
INCREMENT_TRIPLES = 1_000
NT = pyoxigraph.RdfFormat.N_TRIPLES
GRAPH = pyoxigraph.NamedNode("http://127.0.0.1:8000/graph/file/bench")


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

    def engine_settings(self, engine: str) -> Settings:
        return replace(self.settings, shacl_engine=engine)

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


def _memory_kb(field_name: str) -> int:
    """A ``kB`` line of ``/proc/self/status`` (``VmHWM``: peak resident set; ``VmRSS``: now)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field_name + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field_name} in /proc/self/status")


def _child_load(
    data: Path, target: Path, settings: Settings, validate: bool, conn: Connection
) -> None:
    """In a spawned child: one unpacs load; sends (seconds, peak RSS bytes, RSS before bytes)."""
    try:
        before = _memory_kb("VmRSS")
        gc.collect()
        started = time.perf_counter()
        unpacs_load(data, settings, validate=validate)(target)
        seconds = time.perf_counter() - started
        conn.send((seconds, _memory_kb("VmHWM") * 1024, before * 1024))
    except BaseException as error:
        conn.send(error)
        raise
    finally:
        conn.close()


def measure_in_child(
    bench: Bench, label: str, triples: int, data: Path, settings: Settings, *, validate: bool
) -> Figure:
    """``unpacs_load`` in a fresh spawned process per run: its time and its own peak memory."""
    context = multiprocessing.get_context("spawn")
    seconds: list[float] = []
    peaks: list[int] = []
    baselines: list[int] = []
    for _ in range(bench.runs):
        target = bench.fresh_dir()
        receive, send = context.Pipe(duplex=False)
        child = context.Process(
            target=_child_load, args=(data, target, settings, validate, send), daemon=True
        )
        child.start()
        send.close()
        try:
            answer = receive.recv()
        except EOFError:
            answer = RuntimeError(f"{label}: the child died (exit code {child.exitcode})")
        child.join()
        shutil.rmtree(target, ignore_errors=True)
        if isinstance(answer, BaseException):
            raise answer
        run_seconds, peak, baseline = answer
        seconds.append(run_seconds)
        peaks.append(peak)
        baselines.append(baseline)
    figure = Figure(label, seconds, triples, peaks=peaks, engine=settings.shacl_engine)
    figure.note = f"RSS before the load {statistics.median(baselines) / 1024**2:.0f} MB"
    print(
        f"  {label}: {figure.median:.2f} s, peak RSS {peaks and max(peaks) / 1024**3:.2f} GB",
        file=sys.stderr,
        flush=True,
    )
    return figure


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
    bench: Bench,
    base_store: Path,
    increment: Path,
    triples: int,
    engine: str,
    *,
    cold_shapes: bool,
) -> Figure:
    settings = bench.engine_settings(engine)
    action = incremental(base_store, increment, settings, cold_shapes=cold_shapes)
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
    label += f" [{engine}]"
    figure = Figure(label, seconds, triples, engine=engine)
    print(f"  {label}: {figure.median:.2f} s", file=sys.stderr, flush=True)
    return figure


def run(
    size: int,
    runs: int,
    skip_full_validate: bool,
    seed: int,
    shapes_dir: Path,
    engines: Sequence[str],
) -> None:
    work = Path(tempfile.mkdtemp(prefix="unpacs-bench-"))
    loads = [load_average()]
    started_at = datetime.now(UTC)
    wall = time.perf_counter()
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
        for engine in engines:
            label = f"(d) unpacs load, validated [{engine}]"
            if skip_full_validate:
                figures.append(Figure(label, [], n_big, SKIPPED, engine=engine))
            else:
                settings = bench.engine_settings(engine)
                figures.append(measure_in_child(bench, label, n_big, big, settings, validate=True))
            loads.append(load_average())
        figures.append(
            measure_in_child(
                bench, "(e) unpacs load --no-validate", n_big, big, bench.settings, validate=False
            )
        )
        base_store = work / "base-store"
        unpacs_load(big, bench.settings, validate=False)(base_store)
        for engine in engines:
            for cold in (True, False):
                figure = measure_incremental(
                    bench, base_store, inc, n_inc, engine, cold_shapes=cold
                )
                figure.note = f"target < {INCREMENT_TARGET_SECONDS} s: " + (
                    "met" if figure.median < INCREMENT_TARGET_SECONDS else "MISSED"
                )
                figures.append(figure)
        cli = Path(sys.executable).parent / "oxigraph"
        if cli.is_file():
            figures.append(
                bench.measure("(g) oxigraph load CLI", n_big, oxigraph_cli_load(cli, big))
            )
        else:
            figures.append(Figure("(g) oxigraph load CLI", [], n_big, "not installed"))
        breakdowns = {
            e: incremental_breakdown(bench.engine_settings(e), base_store, bench.fresh_dir(), inc)
            for e in engines
        }
        loads.append(load_average())
    finally:
        shutil.rmtree(work, ignore_errors=True)

    minutes, secs = divmod(round(time.perf_counter() - wall), 60)
    print(f"\nunpacs load benchmark, {started_at.isoformat(timespec='seconds')}")
    print(f"machine: {machine()}")
    print(f"command: python -m bench.load_bench {' '.join(sys.argv[1:])}")
    print(f"wall: {minutes} min {secs} s; load average (1, 5, 15 min): " + " -> ".join(loads))
    print(f"shapes: {bench.settings.shapes_dir}")
    print(f"data: {n_big:,} synthetic triples (N-Triples), increment {n_inc:,} triples\n")
    print_table(figures, figures[0])
    if skip_full_validate:
        print("\n(d) was skipped (--skip-full-validate).")
    print("\ngoals (1M: full validated load <= 2x raw, < 2 GB; 1k increment < 0.4 s):\n")
    print_goals(figures, figures[0], engines)
    for engine, breakdown in breakdowns.items():
        print(f"\nincremental load [{engine}], phase by phase (one run, cold shapes):\n")
        print("| phase | seconds | detail |")
        print("|---|---:|---|")
        for name, seconds, detail in breakdown:
            print(f"| {name} | {seconds:.3f} | {detail} |")


def _engines(text: str) -> list[str]:
    chosen = [e.strip() for e in text.split(",") if e.strip()]
    unknown = [e for e in chosen if e not in SHACL_ENGINES]
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(
            f"unknown SHACL engine(s) {', '.join(unknown) or '(none)'}; "
            f"use {','.join(SHACL_ENGINES)}"
        )
    return list(dict.fromkeys(chosen))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load_bench")
    parser.add_argument("--size", default="100k", help="triples: 100k, 1m, ... (default 100k)")
    parser.add_argument("--runs", type=int, default=None, help="default: 3 below 1m, else 1")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--engines",
        type=_engines,
        default=["pyshacl", "turbo"],
        help="SHACL engines for (d) and (f), comma-separated (default: pyshacl,turbo)",
    )
    parser.add_argument(
        "--skip-full-validate",
        action="store_true",
        help="leave out (d), the validated loads of the whole file (minutes at 1m with pyshacl)",
    )
    parser.add_argument(
        "--shapes-dir", type=Path, default=REPO / "shapes", help="to compare a change of shapes"
    )
    args = parser.parse_args(argv)
    size = parse_size(args.size)
    runs = args.runs or (3 if size < 1_000_000 else 1)
    run(size, runs, args.skip_full_validate, args.seed, args.shapes_dir, args.engines)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
