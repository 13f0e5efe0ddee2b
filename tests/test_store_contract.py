"""Every case runs against both stores: embedded pyoxigraph and a real Oxigraph server."""

from __future__ import annotations

import io

import pyoxigraph
import pytest

from unpacs.loader import formats
from unpacs.loader.errors import QueryError
from unpacs.loader.store.protocol import BooleanResult, GraphResult, SolutionsResult, Store

EX = "http://example.org/"
G1, G2 = EX + "graph/1", EX + "graph/2"


def nn(local: str) -> pyoxigraph.NamedNode:
    return pyoxigraph.NamedNode(EX + local)


def triple(s: str, p: str, o: str | pyoxigraph.Literal) -> pyoxigraph.Triple:
    obj = o if isinstance(o, pyoxigraph.Literal) else nn(o)
    return pyoxigraph.Triple(nn(s), nn(p), obj)


@pytest.fixture
def filled(any_store: Store) -> Store:
    any_store.replace_graphs(
        {
            G1: [
                triple("a", "name", pyoxigraph.Literal("Alpha", language="en")),
                triple("a", "knows", "b"),
                triple("a", "type", "Thing"),
            ],
            G2: [
                triple("b", "name", pyoxigraph.Literal("Beta")),
                triple(
                    "b",
                    "age",
                    pyoxigraph.Literal(
                        "42",
                        datatype=pyoxigraph.NamedNode("http://www.w3.org/2001/XMLSchema#integer"),
                    ),
                ),
            ],
        }
    )
    return any_store


def test_select_reads_the_union_of_graphs(filled: Store) -> None:
    result = filled.query(f"SELECT ?n WHERE {{ ?s <{EX}name> ?n }} ORDER BY ?n")
    assert isinstance(result, SolutionsResult)
    assert result.variables == ("n",)
    assert [r["n"] for r in result.rows()] == [
        pyoxigraph.Literal("Alpha", language="en"),
        pyoxigraph.Literal("Beta"),
    ]


def test_typed_literals_survive(filled: Store) -> None:
    result = filled.query(f"SELECT ?a WHERE {{ ?s <{EX}age> ?a }}")
    assert isinstance(result, SolutionsResult)
    [row] = result.rows()
    assert row["a"] == pyoxigraph.Literal(
        "42", datatype=pyoxigraph.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
    )


def test_ask(filled: Store) -> None:
    yes = filled.query(f"ASK {{ <{EX}a> <{EX}knows> <{EX}b> }}")
    no = filled.query(f"ASK {{ <{EX}b> <{EX}knows> <{EX}a> }}")
    assert yes == BooleanResult(True)
    assert no == BooleanResult(False)


@pytest.mark.parametrize("verb", ["CONSTRUCT { ?s ?p ?o } WHERE", "DESCRIBE ?s WHERE"])
def test_graph_results(filled: Store, verb: str) -> None:
    result = filled.query(f"{verb} {{ ?s ?p ?o FILTER(?s = <{EX}a>) }}")
    assert isinstance(result, GraphResult)
    triples = set(result.triples)
    assert triple("a", "knows", "b") in triples
    assert len(triples) == 3


def test_default_and_named_graph_parameters(filled: Store) -> None:
    only_g2 = filled.query("SELECT ?s WHERE { ?s ?p ?o }", default_graph_uris=[G2])
    assert {r["s"] for r in only_g2.rows()} == {nn("b")}  # type: ignore[union-attr]
    named = filled.query(
        "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }", named_graph_uris=[G1]
    )
    assert [r["g"] for r in named.rows()] == [pyoxigraph.NamedNode(G1)]  # type: ignore[union-attr]


@pytest.mark.parametrize("name", ["sparql-json", "sparql-xml", "csv", "tsv"])
def test_results_serialize_in_every_results_format(filled: Store, name: str) -> None:
    result = filled.query(f"SELECT ?s WHERE {{ ?s <{EX}knows> ?o }}")
    assert isinstance(result, SolutionsResult)
    out = io.BytesIO()
    result.serialize(formats.by_name(name), out)
    assert (EX + "a").encode() in out.getvalue()


def test_replacing_a_graph_is_idempotent(filled: Store) -> None:
    before = filled.stats()
    filled.replace_graphs({G2: [triple("b", "name", pyoxigraph.Literal("Beta"))]})
    filled.replace_graphs({G2: [triple("b", "name", pyoxigraph.Literal("Beta"))]})
    after = filled.stats()
    assert after.triples_per_graph == {G1: 3, G2: 1}
    assert before.triples_per_graph[G1] == after.triples_per_graph[G1]


def test_replace_is_all_or_nothing_across_graphs(filled: Store) -> None:
    before = io.BytesIO()
    filled.dump(formats.by_name("nquads"), before)
    bad_graph = "not an iri"
    with pytest.raises(Exception):  # noqa: B017 - either store's own error is fine here
        filled.replace_graphs({G1: [triple("z", "name", pyoxigraph.Literal("Zed"))], bad_graph: []})
    after = io.BytesIO()
    filled.dump(formats.by_name("nquads"), after)
    assert sorted(after.getvalue().splitlines()) == sorted(before.getvalue().splitlines())


def test_graph_names_and_quads(filled: Store) -> None:
    assert filled.graph_names() == [G1, G2]
    by_subject = list(filled.quads(subject=EX + "a"))
    assert len(by_subject) == 3
    assert {q.graph_name for q in by_subject} == {pyoxigraph.NamedNode(G1)}
    by_graph = list(filled.quads(graph=G2))
    assert {q.subject for q in by_graph} == {nn("b")}


def test_dump_round_trips_as_nquads(filled: Store) -> None:
    out = io.BytesIO()
    filled.dump(formats.by_name("nquads"), out)
    quads = set(pyoxigraph.parse(out.getvalue(), pyoxigraph.RdfFormat.N_QUADS))
    assert len(quads) == 5
    assert pyoxigraph.Quad(nn("a"), nn("knows"), nn("b"), pyoxigraph.NamedNode(G1)) in quads
    one = io.BytesIO()
    filled.dump(formats.by_name("turtle"), one, graph=G2)
    assert len(list(pyoxigraph.parse(one.getvalue(), pyoxigraph.RdfFormat.TURTLE))) == 2


def test_stats(filled: Store) -> None:
    stats = filled.stats()
    assert stats.triples_per_graph == {G1: 3, G2: 2}
    assert stats.total == 5


def test_rdf_type_counts(any_store: Store) -> None:
    rdf_type = pyoxigraph.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    any_store.replace_graphs({G1: [pyoxigraph.Triple(nn("a"), rdf_type, nn("Thing"))]})
    assert any_store.stats().instances_per_class == {EX + "Thing": 1}


def test_bad_query_is_a_query_error(any_store: Store) -> None:
    with pytest.raises(QueryError) as caught:
        any_store.query("SELEKT * WHERE { ?s ?p ?o }")
    assert caught.value.message


def test_update(any_store: Store) -> None:
    any_store.update(f"INSERT DATA {{ GRAPH <{G1}> {{ <{EX}x> <{EX}p> <{EX}y> }} }}")
    assert any_store.query(f"ASK {{ <{EX}x> <{EX}p> <{EX}y> }}") == BooleanResult(True)


def test_replace_and_drop_in_one_transaction(filled: Store) -> None:
    g3 = EX + "graph/3"
    filled.replace_graphs({g3: [triple("c", "name", pyoxigraph.Literal("Gamma"))]}, drop=[G2])
    assert filled.graph_names() == [G1, g3]
    filled.replace_graphs({G1: []}, drop=[g3, EX + "graph/never-there"])
    assert filled.graph_names() == []


def test_a_refused_drop_changes_nothing(filled: Store) -> None:
    before = filled.graph_names()
    with pytest.raises(Exception):  # noqa: B017 - either store's own error is fine here
        filled.replace_graphs({}, drop=[G1, "not an iri"])
    assert filled.graph_names() == before
