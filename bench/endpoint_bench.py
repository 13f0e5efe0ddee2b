"""SPARQL endpoint benchmark: ``oxigraph serve-read-only``, ``unpacs serve`` and rdflib-endpoint on
the same generated data, the same 8-query mix, in one run.

    .venv/bin/python -m bench.endpoint_bench --size 100k
    .venv/bin/python -m bench.endpoint_bench --size 1m --skip-rdflib

Per query: median and p95 latency at 1 client, uncached (a unique comment per request, so no
cache can answer) and cached (the identical request repeated); throughput of the whole mix at
1 and 8 clients. Ratios are against ``oxigraph serve`` of the same run (lower is better for
latency, higher for throughput). Figures, not tests: compare ratios, not milliseconds.
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph

from bench.generate import parse_size, write_file
from bench.http_peers import (
    PREFIXES,
    RESULTS_JSON,
    TURTLE,
    Client,
    Server,
    free_port,
    load_store,
    pick_parameters,
    result_size,
)


def query_mix(org: str, country: str, person: str) -> list[tuple[str, str, str]]:
    """(name, Accept, query) for the 8 shapes of query partners run."""
    return [
        ("key lookup", RESULTS_JSON, f"SELECT ?p ?o WHERE {{ <{org}> ?p ?o }}"),
        (
            "listing",
            RESULTS_JSON,
            "SELECT ?org ?name WHERE { ?org a org:Organization ; skos:prefLabel ?name ; "
            f"dcterms:spatial <{country}> }} ORDER BY ?name LIMIT 50",
        ),
        (
            "org-tree path",
            RESULTS_JSON,
            f"SELECT ?unit WHERE {{ ?unit org:subOrganizationOf+ <{org}> }}",
        ),
        (
            "as-of-date membership",
            RESULTS_JSON,
            "SELECT ?person ?unit WHERE { ?m a org:Membership ; org:member ?person ; "
            "org:organization ?unit ; org:memberDuring ?i . "
            f"?unit dcterms:spatial <{country}> . "
            "?i time:hasBeginning/time:inXSDDate ?b . "
            "OPTIONAL { ?i time:hasEnd/time:inXSDDate ?e } "
            'FILTER(?b <= "2010-01-01"^^xsd:date && '
            '(!BOUND(?e) || ?e >= "2010-01-01"^^xsd:date)) }',
        ),
        (
            "aggregate",
            RESULTS_JSON,
            "SELECT ?country (COUNT(?o) AS ?n) WHERE { ?o a org:Organization ; "
            "dcterms:spatial ?country } GROUP BY ?country ORDER BY DESC(?n) ?country",
        ),
        (
            "text filter",
            RESULTS_JSON,
            "SELECT ?p ?name WHERE { ?p a foaf:Person ; foaf:name ?name "
            'FILTER(CONTAINS(LCASE(?name), "hugo p")) } ORDER BY ?name LIMIT 20',
        ),
        ("DESCRIBE", TURTLE, f"DESCRIBE <{person}>"),
        (
            "CONSTRUCT",
            TURTLE,
            "CONSTRUCT { ?post skos:prefLabel ?label ; org:postIn ?unit } WHERE { "
            "?post org:postIn ?unit ; skos:prefLabel ?label . "
            f"?unit dcterms:spatial <{country}> }}",
        ),
    ]


_serial = [0]
_serial_lock = threading.Lock()


def unique(query: str) -> str:
    with _serial_lock:
        _serial[0] += 1
        n = _serial[0]
    return f"# bench request {n}\n{query}"


def latencies(
    url: str, accept: str, query: str, runs: int, cached: bool
) -> tuple[list[float], int]:
    client = Client(url)
    times = []
    size = -1
    for _ in range(runs):
        text = PREFIXES + query if cached else unique(PREFIXES + query)
        started = time.perf_counter()
        status, body = client.get(text, accept)
        times.append(time.perf_counter() - started)
        if status != 200:
            raise RuntimeError(f"{url}: HTTP {status}: {body[:300]!r}")
        size = result_size(body, accept) if size < 0 else size
    return times, size


def throughput(
    url: str, mix: list[tuple[str, str, str]], clients: int, seconds: float, cached: bool
) -> float:
    done = [0] * clients
    stop = time.monotonic() + seconds

    def loop(index: int) -> None:
        client = Client(url)
        i = index
        while time.monotonic() < stop:
            _name, accept, query = mix[i % len(mix)]
            text = PREFIXES + query if cached else unique(PREFIXES + query)
            status, _body = client.get(text, accept)
            if status == 200:
                done[index] += 1
            i += 1

    threads = [threading.Thread(target=loop, args=(i,)) for i in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(done) / (time.perf_counter() - started)


def group_cpu(pgid: int) -> dict[str, float]:
    """CPU seconds (user + system) of every live process in ``pgid``, by command name: the
    server's own cost per request, whatever else keeps the machine's cores busy."""
    tick = os.sysconf("SC_CLK_TCK")
    found: dict[str, float] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            command = Path(f"/proc/{entry}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if int(fields[2]) != pgid:
            continue
        role = "query workers" if b"multiprocessing" in b" ".join(command) else "server"
        found[role] = found.get(role, 0.0) + (int(fields[11]) + int(fields[12])) / tick
    return found


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)]


@dataclass
class Figures:
    median: dict[tuple[str, bool], float] = field(default_factory=dict)  # (query, cached) -> s
    p95: dict[tuple[str, bool], float] = field(default_factory=dict)
    size: dict[str, int] = field(default_factory=dict)
    rate: dict[tuple[int, bool], float] = field(default_factory=dict)  # (clients, cached) -> req/s
    cpu: dict[str, float] = field(default_factory=dict)  # role -> CPU ms per uncached request


def measure(
    server: Server,
    mix: list[tuple[str, str, str]],
    runs: int,
    seconds: float,
    say: Callable[[str], None],
) -> Figures:
    figures = Figures()
    for _name, accept, query in mix:  # warm up: page cache, query plans, worker generation
        latencies(server.url, accept, query, 2, cached=False)
    assert server.process is not None
    for cached in (False, True):
        cpu_before = group_cpu(server.process.pid)
        for name, accept, query in mix:
            times, size = latencies(server.url, accept, query, runs, cached)
            figures.median[name, cached] = statistics.median(times)
            figures.p95[name, cached] = p95(times)
            figures.size[name] = size
        if not cached:
            cpu_after = group_cpu(server.process.pid)
            figures.cpu = {
                role: (used - cpu_before.get(role, 0.0)) * 1000 / (runs * len(mix))
                for role, used in cpu_after.items()
            }
        for clients in (1, 8):
            figures.rate[clients, cached] = throughput(server.url, mix, clients, seconds, cached)
        say(f"  {server.name}: {'cached' if cached else 'uncached'} done")
    return figures


# -- report -------------------------------------------------------------------------------------


def geomean(values: list[float]) -> float:
    return math.exp(sum(math.log(v) for v in values) / len(values)) if values else float("nan")


def report(names: list[str], results: dict[str, Figures], reference: str) -> str:
    ref = results[reference]
    lines = []
    for cached in (False, True):
        title = (
            "cached (identical request repeated)"
            if cached
            else "uncached (unique comment per request)"
        )
        lines += [f"\n### Latency, 1 client, {title}\n"]
        header = "| query | results |" + "".join(
            f" {s} median ms | {s} p95 ms |" + ("" if s == reference else f" {s} x |")
            for s in results
        )
        lines += [header, "|" + "---|" * (header.count("|") - 1)]
        for name in names:
            row = f"| {name} | {ref.size.get(name, '-')} |"
            for server, fig in results.items():
                med, high = fig.median[name, cached], fig.p95[name, cached]
                row += f" {med * 1000:.2f} | {high * 1000:.2f} |"
                if server != reference:
                    row += f" {med / ref.median[name, cached]:.2f} |"
            lines.append(row)
        row = "| **geomean of medians** | |"
        for server, fig in results.items():
            row += f" {geomean([fig.median[n, cached] * 1000 for n in names]):.2f} | |"
            if server != reference:
                ratio = geomean([fig.median[n, cached] / ref.median[n, cached] for n in names])
                row += f" **{ratio:.2f}** |"
        lines.append(row)
    lines += ["\n### Throughput of the mix (requests/s; x = ratio to the reference)\n"]
    header = "| clients | cache |" + "".join(
        f" {s} |" + ("" if s == reference else f" {s} x |") for s in results
    )
    lines += [header, "|" + "---|" * (header.count("|") - 1)]
    for clients in (1, 8):
        for cached in (False, True):
            row = f"| {clients} | {'cached' if cached else 'uncached'} |"
            for server, fig in results.items():
                row += f" {fig.rate[clients, cached]:.0f} |"
                if server != reference:
                    row += f" {fig.rate[clients, cached] / ref.rate[clients, cached]:.2f} |"
            lines.append(row)
    lines += ["\n### Server CPU per uncached request (ms, mean over the 1-client phase)\n"]
    lines += ["| server | " + " | ".join(results) + " |", "|---|" + "---|" * len(results)]
    roles = sorted({role for fig in results.values() for role in fig.cpu})
    for role in roles:
        cells = [f"{fig.cpu[role]:.2f}" if role in fig.cpu else "-" for fig in results.values()]
        lines.append(f"| {role} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", type=parse_size, default=100_000)
    parser.add_argument("--runs", type=int, default=40, help="requests per query and mode")
    parser.add_argument("--seconds", type=float, default=5.0, help="per throughput phase")
    parser.add_argument("--rdflib-runs", type=int, default=5)
    parser.add_argument("--skip-rdflib", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args(argv)
    bin_dir = Path(sys.executable).parent

    def say(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    work = Path(tempfile.mkdtemp(prefix="unpacs-endpoint-bench-"))
    servers: list[Server] = []
    try:
        data = work / "data.nt"
        triples = write_file(data, args.size)
        say(f"generated {triples:,} triples in {data}")
        for name in ("oxigraph", "unpacs"):
            load_store(work / name, data)
        org, country, person = pick_parameters(work / "oxigraph")
        mix = query_mix(org, country, person)
        ox_port, un_port, rl_port = free_port(), free_port(), free_port()
        servers.append(
            Server(
                "oxigraph",
                f"http://127.0.0.1:{ox_port}/query",
                [
                    str(bin_dir / "oxigraph"),
                    "serve-read-only",
                    "--location",
                    str(work / "oxigraph"),
                    "--bind",
                    f"127.0.0.1:{ox_port}",
                    "--union-default-graph",
                ],
            )
        )
        servers.append(
            Server(
                "unpacs",
                f"http://127.0.0.1:{un_port}/sparql",
                [str(bin_dir / "unpacs"), "serve", "--port", str(un_port)],
                env={
                    "UNPACS_STORE": str(work / "unpacs"),
                    "UNPACS_QUERY_TIMEOUT": "120",
                    "UNPACS_RESULT_LIMIT": "100000",
                },
            )
        )
        if not args.skip_rdflib:
            servers.append(
                Server(
                    "rdflib-endpoint",
                    f"http://127.0.0.1:{rl_port}/",
                    [
                        str(bin_dir / "rdflib-endpoint"),
                        "serve",
                        str(data),
                        "--host",
                        "127.0.0.1",
                        "--port",
                        str(rl_port),
                    ],
                )
            )
        results: dict[str, Figures] = {}
        for server in servers:
            say(f"starting {server.name}")
            server.start(work / f"{server.name}.log")
            runs = args.rdflib_runs if server.name == "rdflib-endpoint" else args.runs
            try:
                results[server.name] = measure(server, mix, runs, args.seconds, say)
            except (RuntimeError, OSError, ValueError, SyntaxError) as error:
                say(f"{server.name} failed, left out of the table: {error}")
            finally:
                server.stop()
        for name in results["oxigraph"].size:
            sizes = {s: f.size[name] for s, f in results.items()}
            if len(set(sizes.values())) > 1:
                say(f"WARNING: {name} answered differently: {sizes}")
        print(
            f"\n## {triples:,} triples, {os.cpu_count()} CPUs, "
            f"pyoxigraph {pyoxigraph.__version__}, "
            f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}"
        )
        print(report([n for n, _a, _q in mix], results, "oxigraph"))
        return 0
    finally:
        for server in servers:
            server.stop()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
