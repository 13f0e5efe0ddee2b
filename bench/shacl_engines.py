"""Compare pyshacl-turbo alone with pySHACL (the reference) on our shapes and the bundled data.

The evaluation that led to the ``turbo`` engine (``loader/ingest/validation.py``), kept to
re-check a new pyshacl-turbo release: ``.venv/bin/python -m bench.shacl_engines`` (pyshacl-turbo
is a project dependency). It calls ``pyshacl_turbo.validate`` on every constraint, SPARQL ones
included, which the loader does not do (pySHACL evaluates those, on the nodes pyoxigraph
flags), so the keys it prints may differ where the loader's results do not. The guarantee is
``tests/test_shacl_engines.py``: the loader's two engines, result for result. Each result is
keyed by focus node, path, value, severity, source constraint component, source shape and its
messages (with language tags); the script prints the counts, the time per engine and how many
results only one engine gives.
"""

from __future__ import annotations

import importlib
import sys
import time
from collections import Counter
from pathlib import Path

from rdflib import RDF, SH, Graph, Literal, Node

from unpacs.loader.ingest.validation import run_validator

ROOT = Path(__file__).parent.parent
sys.path.insert(0, str(ROOT / "tests"))

Key = tuple[str | None, ...]


def _text(node: Node | None) -> str | None:
    if node is None:
        return None
    if isinstance(node, Literal):
        return node.n3()
    return str(node)


def result_keys(report: Graph) -> Counter[Key]:
    keys: Counter[Key] = Counter()
    for result in report.subjects(RDF.type, SH.ValidationResult):
        path = report.value(result, SH.resultPath)
        path_text = _text(path)
        if path is not None and not str(path).startswith("http"):
            path_text = " ".join(sorted(f"{p} {o}" for p, o in report.predicate_objects(path)))
        messages = sorted(m.n3() for m in report.objects(result, SH.resultMessage))
        keys[
            (
                _text(report.value(result, SH.focusNode)),
                path_text,
                _text(report.value(result, SH.value)),
                _text(report.value(result, SH.resultSeverity)),
                _text(report.value(result, SH.sourceConstraintComponent)),
                _text(report.value(result, SH.sourceShape)),
                "|".join(messages),
            )
        ] += 1
    return keys


def run(engine: str, data: Graph, shapes: Graph) -> tuple[Counter[Key], float]:
    module = importlib.import_module(engine)
    start = time.perf_counter()
    report = run_validator(module.validate, data, shapes)  # the loader's own call
    return result_keys(report), time.perf_counter() - start


def main() -> int:
    from test_shapes import parse_fixture, shapes  # the fixtures' own loader

    from bench.bundled_graph import bundled_graph

    shapes_graph = shapes()
    corpora = {"bundled data": bundled_graph(), "shape fixtures context": parse_fixture()}
    for name, data in corpora.items():
        reference, seconds = run("pyshacl", data, shapes_graph)
        print(
            f"{name}: {len(data)} triples; "
            f"pyshacl {sum(reference.values())} results {seconds:.1f} s"
        )
        candidate, seconds = run("pyshacl_turbo", data, shapes_graph)
        print(
            f"  pyshacl_turbo {sum(candidate.values())} results {seconds:.1f} s; "
            f"only pyshacl {sum((reference - candidate).values())}, "
            f"only turbo {sum((candidate - reference).values())}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
