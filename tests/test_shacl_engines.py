"""The turbo SHACL engine gives pySHACL's results, result for result.

``UNPACS_SHACL_ENGINE=turbo`` (the default) checks core constraints with pyshacl-turbo and has
pySHACL evaluate the SPARQL constraints turbo flags; pySHACL alone is the reference. Both run on
the bundled data, the benchmark generator's data, every shape fixture and some hundreds of
mutated records; each result is compared by focus node, path, value, severity, shape and message.
Fixtures and mutants are renamed apart and validated as one graph per engine, so a few hundred
records cost two validations, not a few hundred.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import pytest
from fixtures.stores import BASE
from rdflib import RDF, XSD, BNode, Graph, Literal, Node, URIRef

from bench.bundled_graph import bundled_graph
from bench.generate import generate_lines
from unpacs.loader.errors import ConfigError, Issue
from unpacs.loader.ingest.validation import load_shapes, validate_graph, violations

ROOT = Path(__file__).parent.parent
FIXTURES = Path(__file__).parent / "data" / "shapes"
MUTANTS = 400

Key = tuple[str | None, ...]
_BLANK = re.compile(r"_:[A-Za-z0-9]+")


def _stable(text: str | None) -> str | None:
    # Blank-node labels differ between reports; what a blank node describes stays.
    return None if text is None else _BLANK.sub("_:b", text)


def keys(issues: Iterable[Issue]) -> Counter[Key]:
    return Counter(
        tuple(_stable(v) for v in (i.focus_node, i.path, i.value, i.severity, i.shape, i.message))
        for i in issues
    )


def assert_engines_agree(data: Graph, *, at_least: int = 0) -> list[Issue]:
    """Both engines' results on ``data`` are the same; returns them (turbo's)."""
    shapes = load_shapes(ROOT / "shapes", BASE)
    reference = keys(validate_graph(data, shapes, engine="pyshacl"))
    found = validate_graph(data, shapes, engine="turbo")
    turbo = keys(found)
    only_pyshacl = reference - turbo
    only_turbo = turbo - reference
    assert not only_pyshacl and not only_turbo, (
        f"only pySHACL: {list(only_pyshacl)[:5]}; only turbo: {list(only_turbo)[:5]}"
    )
    assert sum(reference.values()) >= at_least, "the corpus must make the engines report"
    return found


def _context() -> Graph:
    return Graph().parse(FIXTURES / "context.ttl", format="turtle", publicID=BASE)


def _renamed(graph: Graph, tag: str) -> Graph:
    """``graph`` with every IRI it describes renamed apart (``-{tag}`` appended), so that many
    fixtures can share one data graph without answering for each other."""
    own = {s for s in graph.subjects() if isinstance(s, URIRef) and str(s).startswith(BASE)}

    def rename(node: Node) -> Node:
        return URIRef(f"{node}-{tag}") if node in own else node

    renamed = Graph()
    for s, p, o in graph:
        renamed.add((rename(s), p, rename(o)))
    return renamed


def _fixture(path: Path) -> Graph:
    return Graph().parse(path, format="turtle", publicID=BASE)


def _fixture_files() -> list[Path]:
    return sorted(p for p in FIXTURES.glob("*/*.ttl"))


def test_engines_agree_on_the_bundled_data_which_conforms() -> None:
    """All of data/seed and data/reference, each with the provenance the loader adds (the data
    graph of a full `unpacs build`): the same results, warnings only."""
    found = assert_engines_agree(bundled_graph(), at_least=100)
    assert [i.format() for i in violations(found)] == []


def test_engines_agree_on_benchmark_data() -> None:
    data = Graph().parse(data="\n".join(generate_lines(10_000, base_iri=BASE)), format="ntriples")
    assert_engines_agree(data)


def test_engines_agree_on_every_shape_fixture() -> None:
    data = _context()
    for n, path in enumerate(_fixture_files()):
        data += _renamed(_fixture(path), f"f{n}")
    assert_engines_agree(data, at_least=len(_fixture_files()) // 2)


def test_engines_agree_on_each_fixture_apart() -> None:
    """Renaming may hide a disagreement that needs the original IRIs: a sample, unrenamed."""
    for path in _fixture_files()[::15]:
        assert_engines_agree(_context() + _fixture(path))


# A mutation turns one statement of a valid record into a likely-broken one.
_ODD_LITERALS = (
    Literal("x"),
    Literal("2014-13-45", datatype=XSD.date),
    Literal("12", datatype=XSD.integer),
    Literal("0.5", datatype=XSD.decimal),
    Literal("Nom", lang="fr"),
    Literal("Name", lang="de"),
    Literal("2014", datatype=XSD.gYear),
    Literal("javascript:alert(1)"),
)


def _mutate(graph: Graph, rng: random.Random, others: list[Node]) -> Graph:
    triples = sorted(graph, key=lambda t: tuple(map(str, t)))
    s, p, o = triples[rng.randrange(len(triples))]
    mutant = Graph()
    for t in triples:
        mutant.add(t)
    kind = rng.randrange(6)
    if kind == 0:
        mutant.remove((s, p, o))
    elif kind == 1:
        mutant.add((s, p, rng.choice(_ODD_LITERALS)))
    elif kind == 2:
        mutant.remove((s, p, o))
        mutant.add((s, p, rng.choice(_ODD_LITERALS)))
    elif kind == 3:
        mutant.remove((s, p, o))
        mutant.add((s, p, rng.choice(others)))
    elif kind == 4:
        mutant.remove((s, p, o))
        mutant.add((s, p, Literal(str(o))))
    else:
        types = [t for t in triples if t[1] == RDF.type]
        if types:
            subject, _p, old = rng.choice(types)
            mutant.remove((subject, RDF.type, old))
            mutant.add((subject, RDF.type, rng.choice(others)))
    return mutant


@pytest.mark.parametrize("seed", [1, 2])
def test_engines_agree_on_mutated_records(seed: int) -> None:
    rng = random.Random(seed)  # noqa: S311 - reproducible mutations, not secrets
    valid = [_fixture(p) for p in sorted(FIXTURES.glob("*/valid.ttl"))]
    context = _context()
    named = sorted({o for o in context.objects() if isinstance(o, URIRef)}, key=str)
    others: list[Node] = [*named, BNode("unknown")]
    data = context
    for n in range(MUTANTS // 2):
        data += _renamed(_mutate(rng.choice(valid), rng, others), f"m{seed}-{n}")
    assert_engines_agree(data, at_least=MUTANTS // 4)


PROPERTY_SPARQL = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix ex: <http://example.org/> .
ex:Shape a sh:NodeShape ; sh:targetClass ex:Thing ;
    sh:property [ sh:path ex:p ;
        sh:sparql [ sh:select "SELECT $this WHERE { $this $PATH ?v . FILTER(?v = 0) }" ] ] .
"""
THING = """
@prefix ex: <http://example.org/> .
ex:a a ex:Thing ; ex:p 0 .
"""


def test_a_shape_turbo_cannot_split_is_refused_with_the_setting_that_validates_it() -> None:
    shapes = Graph().parse(data=PROPERTY_SPARQL, format="turtle")
    data = Graph().parse(data=THING, format="turtle")
    with pytest.raises(ConfigError) as refused:
        validate_graph(data, shapes, engine="turbo")
    assert "UNPACS_SHACL_ENGINE=pyshacl" in (refused.value.hint or "")
    found = validate_graph(data, shapes, engine="pyshacl")
    assert [i.focus_node for i in found] == ["http://example.org/a"]


def test_an_unknown_engine_is_a_configuration_error() -> None:
    with pytest.raises(ConfigError, match="unknown SHACL engine 'fast'"):
        validate_graph(Graph(), Graph(), engine="fast")
