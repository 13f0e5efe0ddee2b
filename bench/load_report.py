"""The figures of ``bench.load_bench`` and how they are printed: the cases table, each engine
against the goals, and the machine they were measured on."""

from __future__ import annotations

import os
import platform
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib.metadata import version

# The goals: a 1k increment validated in under 0.4 s; a full validated load of 1M triples at most
# 2x the raw transactional load (a), in under 2 GB.
INCREMENT_TARGET_SECONDS = 0.4
FULL_TARGET_RATIO = 2.0
FULL_TARGET_BYTES = 2 * 1024**3
SKIPPED = "skipped (--skip-full-validate)"


@dataclass
class Figure:
    label: str
    seconds: list[float]
    triples: int
    note: str = ""
    # Peak resident memory (VmHWM) of each run's child process, in bytes; empty: in-process.
    peaks: list[int] = field(default_factory=list)
    engine: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def peak(self) -> int | None:
        return max(self.peaks) if self.peaks else None


def print_table(figures: list[Figure], reference: Figure) -> None:
    print("| case | seconds (median) | runs | triples | triples/s | x raw load | peak RSS | note |")
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    for f in figures:
        if f.note in {SKIPPED, "not installed"}:
            print(f"| {f.label} | - | - | {f.triples:,} | - | - | - | {f.note} |")
            continue
        rate = f.triples / f.median if f.median else float("inf")
        # A ratio only compares like with like: the increment is a different file.
        ratio = f"{f.median / reference.median:.2f}" if f.triples == reference.triples else "-"
        runs = ", ".join(f"{s:.2f}" for s in f.seconds)
        peak = "-" if f.peak is None else f"{f.peak / 1024**3:.2f} GB"
        print(
            f"| {f.label} | {f.median:.3f} | {len(f.seconds)} ({runs}) | {f.triples:,} | "
            f"{rate:,.0f} | {ratio} | {peak} | {f.note} |"
        )


def print_goals(figures: list[Figure], reference: Figure, engines: Sequence[str]) -> None:
    """Each engine against the goals (the full-load ones are the 1M goals; at another size they
    only show the trend)."""
    print(
        "| engine | full validated load x raw (<= 2x) | its peak RSS (< 2 GB) | "
        "1k increment, cold / warm (< 0.4 s) |"
    )
    print("|---|---|---|---|")
    for engine in engines:
        mine = [f for f in figures if f.engine == engine]
        full = next((f for f in mine if f.label.startswith("(d)") and f.seconds), None)
        ratio = peak = "-"
        if full is not None:
            x = full.median / reference.median
            ratio = f"{x:.2f}x: " + ("met" if x <= FULL_TARGET_RATIO else "MISSED")
            if full.peak is not None:
                peak = f"{full.peak / 1024**3:.2f} GB: " + (
                    "met" if full.peak < FULL_TARGET_BYTES else "MISSED"
                )
        increments = [f for f in mine if f.label.startswith("(f)")]
        inc = " / ".join(f"{f.median:.3f} s" for f in increments)
        if increments:
            met = all(f.median < INCREMENT_TARGET_SECONDS for f in increments)
            inc += ": " + ("met" if met else "MISSED")
        print(f"| {engine} | {ratio} | {peak} | {inc or '-'} |")


def machine() -> str:
    return (
        f"{platform.system()} {platform.release()}, {os.cpu_count()} cores, "
        f"{platform.processor() or platform.machine()}; Python {platform.python_version()}, "
        f"pyoxigraph {version('pyoxigraph')}, rdflib {version('rdflib')}, "
        f"pySHACL {version('pyshacl')}, pyshacl-turbo {version('pyshacl-turbo')}"
    )


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f}, {five:.2f}, {fifteen:.2f}"
