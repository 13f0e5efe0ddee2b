"""Dereference latency: ``/doc/...`` as Turtle and HTML, and the 304 revalidation, against a raw
pyoxigraph CONSTRUCT of the same thing's statements serialized as Turtle, in the same run.

The store holds the SYNTHETIC data of ``bench/generate.py`` (bulk-loaded into one graph with a
provenance triple, as ``unpacs load`` would describe it). Requests go through the real app (the
Flask test client: routing, negotiation, the executor, description, serialization, templates),
without a socket, so the figures are the server's own cost.

    .venv/bin/python -m bench.deref_bench --size 1m --requests 300
"""

from __future__ import annotations

import argparse
import io
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pyoxigraph

from bench.generate import parse_size, write_file
from unpacs.endpoint.app import create_app
from unpacs.loader.settings import DEFAULT_BASE_IRI, Settings
from unpacs.loader.store.oxigraph import OxigraphStore

BASE = DEFAULT_BASE_IRI
GRAPH = pyoxigraph.NamedNode(BASE + "graph/file/bench")
PROV_TIME = pyoxigraph.NamedNode("http://www.w3.org/ns/prov#generatedAtTime")
XSD_DATETIME = pyoxigraph.NamedNode("http://www.w3.org/2001/XMLSchema#dateTime")


def timed(samples: int, action: Callable[[int], object]) -> list[float]:
    for i in range(min(20, samples)):  # warm caches and the JIT-free interpreter paths
        action(i)
    out = []
    for i in range(samples):
        started = time.perf_counter()
        action(i)
        out.append((time.perf_counter() - started) * 1000)
    return out


def summary(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    return statistics.median(ordered), ordered[int(0.95 * (len(ordered) - 1))]


def run(size: int, requests: int, seed: int) -> None:
    with tempfile.TemporaryDirectory(prefix="unpacs-deref-") as tmp:
        work = Path(tmp)
        data = work / "data.nt"
        n = write_file(data, size, seed=seed)
        raw = pyoxigraph.Store(str(work / "store"))
        raw.bulk_load(path=str(data), format=pyoxigraph.RdfFormat.N_TRIPLES, to_graph=GRAPH)
        raw.add(
            pyoxigraph.Quad(
                GRAPH,
                PROV_TIME,
                pyoxigraph.Literal("2026-01-01T00:00:00Z", datatype=XSD_DATETIME),
                GRAPH,
            )
        )
        raw.flush()
        orgs = [
            q.subject.value
            for q in raw.quads_for_pattern(
                None,
                pyoxigraph.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                pyoxigraph.NamedNode("http://www.w3.org/ns/org#Organization"),
            )
        ]
        del raw
        print(f"{n:,} synthetic triples, {len(orgs):,} institutions", file=sys.stderr)
        rng = random.Random(seed)
        sample = [rng.choice(orgs) for _ in range(requests)]
        store = OxigraphStore(work / "store")
        app = create_app(Settings(store=str(work / "store"), base_iri=BASE), store=store)
        client = app.test_client()

        def construct(i: int) -> bytes:
            iri = sample[i % len(sample)]
            result = store._store.query(f"CONSTRUCT {{ <{iri}> ?p ?o }} WHERE {{ <{iri}> ?p ?o }}")
            out = io.BytesIO()
            pyoxigraph.serialize(result, out, pyoxigraph.RdfFormat.TURTLE)
            return out.getvalue()

        def get(accept: str) -> Callable[[int], object]:
            def action(i: int) -> object:
                path = "/doc/" + sample[i % len(sample)][len(BASE) + 3 :]
                seen = client.get(path, headers={"Accept": accept})
                assert seen.status_code == 200, seen.status_code
                return seen

            return action

        etags = {}
        for iri in set(sample):
            path = "/doc/" + iri[len(BASE) + 3 :]
            etags[path] = client.get(path, headers={"Accept": "text/turtle"}).headers["ETag"]

        def revalidate(i: int) -> object:
            path = "/doc/" + sample[i % len(sample)][len(BASE) + 3 :]
            seen = client.get(path, headers={"Accept": "text/turtle", "If-None-Match": etags[path]})
            assert seen.status_code == 304
            return seen

        reference = summary(timed(requests, construct))
        rows = [
            ("raw pyoxigraph CONSTRUCT + Turtle", reference, None),
            ("/doc Turtle", summary(timed(requests, get("text/turtle"))), 3.0),
            ("/doc HTML", summary(timed(requests, get("text/html"))), 15.0),
            ("/doc 304 (If-None-Match)", summary(timed(requests, revalidate)), 1.0),
        ]
        store.close()
    print(f"\n{n:,} triples, {requests} requests per case (medians and p95 in ms)\n")
    print("| case | median ms | p95 ms | median / raw | target |")
    print("|---|---:|---:|---:|---:|")
    for label, (median, p95), target in rows:
        ratio = median / reference[0]
        goal = f"≤ {target:g} ms" if target else ""
        print(f"| {label} | {median:.2f} | {p95:.2f} | {ratio:.1f}x | {goal} |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.deref_bench", description=__doc__)
    parser.add_argument("--size", type=parse_size, default=parse_size("1m"))
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    run(args.size, args.requests, args.seed)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
