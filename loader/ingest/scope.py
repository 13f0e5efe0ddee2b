"""What a load is validated against: the staged graphs plus the stored records they refer to.

Validating a small load against a big store must not re-validate the whole store: the data graph
holds the staged triples and, for every IRI they mention, that IRI's stored triples (from graphs
the load does not replace), so ``sh:class`` and cardinality checks see the whole record.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence

import pyoxigraph
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from unpacs.loader.store.protocol import SolutionsResult, Store
from unpacs.loader.uris import vocab
from unpacs.loader.vocab import XSD_STRING

_CHUNK = 400
NEIGHBOUR_HOPS = 2


def to_rdflib(term: pyoxigraph.NamedNode | pyoxigraph.BlankNode | pyoxigraph.Literal) -> Node:
    if isinstance(term, pyoxigraph.NamedNode):
        return URIRef(term.value)
    if isinstance(term, pyoxigraph.BlankNode):
        return BNode(term.value)
    if term.language:
        return Literal(term.value, lang=term.language)
    if term.datatype.value == XSD_STRING:
        # rdflib tells "x" from "x"^^xsd:string; shapes parsed by rdflib use the former.
        return Literal(term.value)
    return Literal(term.value, datatype=URIRef(term.datatype.value))


Term = pyoxigraph.NamedNode | pyoxigraph.BlankNode | pyoxigraph.Literal | pyoxigraph.Triple


def _interning_to_rdflib() -> Callable[[Term], Node]:
    """``to_rdflib`` that converts each distinct term once and hands back the same object.

    A record repeats its subject, the data repeats predicates, classes and concepts: 100k
    triples hold about 35k distinct terms, so this converts a third of the terms, and the rdflib
    graph keeps one object per term instead of three per triple (1.3 s -> 0.5 s at 100k).
    """
    seen: dict[Term, Node] = {}

    def term(value: Term) -> Node:
        node = seen.get(value)
        if node is None:
            node = seen[value] = to_rdflib(value)  # type: ignore[arg-type]
        return node

    return term


def _ntriples_term(term: pyoxigraph.NamedNode) -> str:
    return f"<{term.value}>"


def stored_neighbours(
    store: Store, iris: Iterable[pyoxigraph.NamedNode], exclude_graphs: Iterable[str]
) -> Iterator[pyoxigraph.Triple]:
    """Stored triples whose subject is one of ``iris``, outside ``exclude_graphs``."""
    excluded = sorted(set(exclude_graphs))
    not_in = ""
    if excluded:
        not_in = "FILTER(?g NOT IN (" + ", ".join(f"<{g}>" for g in excluded) + "))"
    ordered = sorted(set(iris), key=lambda n: n.value)
    for start in range(0, len(ordered), _CHUNK):
        values = " ".join(_ntriples_term(n) for n in ordered[start : start + _CHUNK])
        result = store.query(
            f"SELECT ?s ?p ?o WHERE {{ VALUES ?s {{ {values} }} GRAPH ?g {{ ?s ?p ?o }} {not_in} }}"
        )
        assert isinstance(result, SolutionsResult)
        for solution in result.solutions:
            s, p, o = solution["s"], solution["p"], solution["o"]
            assert isinstance(s, pyoxigraph.NamedNode) and isinstance(p, pyoxigraph.NamedNode)
            assert o is not None and not isinstance(o, pyoxigraph.Triple)
            yield pyoxigraph.Triple(s, p, o)


RECORD_DEPTH = 3


def stored_records(
    store: Store, iris: Iterable[str], exclude_graphs: Iterable[str]
) -> Iterator[pyoxigraph.Triple]:
    """The stored triples of records ``iris`` with the blank nodes they hold (3 levels deep).

    One query per chunk, so that blank node labels agree between the levels.
    """
    excluded = sorted(set(exclude_graphs))
    not_in = ""
    if excluded:
        not_in = "FILTER(?g NOT IN (" + ", ".join(f"<{g}>" for g in excluded) + "))"
    levels = []
    for depth in range(RECORD_DEPTH + 1):
        chain = "".join(
            f"?{'r' if i == 0 else f'b{i - 1}'} ?q{i} ?b{i} . FILTER(isBlank(?b{i})) "
            for i in range(depth)
        )
        last = "?r" if depth == 0 else f"?b{depth - 1}"
        levels.append(f"{{ {chain} {last} ?p ?o . BIND({last} AS ?s) }}")
    ordered = sorted(set(iris))
    for start in range(0, len(ordered), _CHUNK):
        values = " ".join(f"<{i}>" for i in ordered[start : start + _CHUNK])
        result = store.query(
            f"SELECT ?s ?p ?o WHERE {{ VALUES ?r {{ {values} }} "
            f"GRAPH ?g {{ {' UNION '.join(levels)} }} {not_in} }}"
        )
        assert isinstance(result, SolutionsResult)
        for solution in result.solutions:
            s, p, o = solution["s"], solution["p"], solution["o"]
            assert isinstance(s, pyoxigraph.NamedNode | pyoxigraph.BlankNode)
            assert isinstance(p, pyoxigraph.NamedNode)
            assert o is not None and not isinstance(o, pyoxigraph.Triple)
            yield pyoxigraph.Triple(s, p, o)


def validation_data(
    graphs: dict[str, list[pyoxigraph.Triple]],
    store: Store,
    *,
    replaced: Iterable[str] = (),
    context: Mapping[str, Sequence[pyoxigraph.Triple]] | None = None,
    judge: Iterable[str] = (),
) -> tuple[Graph, set[Node]]:
    """The rdflib graph to validate and the focus nodes whose results count.

    Stored graphs that the commit replaces (the staged ones and ``replaced``) are not read;
    ``context`` (what rewritten graphs will hold) is part of the data but not of the focus.
    ``judge`` names stored records that are judged too (with their stored triples), e.g. the
    records that point at what the commit changes.
    """
    excluded = {*graphs, *replaced, *(context or {})}
    data = Graph()
    term = _interning_to_rdflib()
    for triples in (context or {}).values():
        for t in triples:
            data.add((term(t.subject), term(t.predicate), term(t.object)))
    focus: set[Node] = set()
    mentioned: set[pyoxigraph.NamedNode] = set()
    judged = {pyoxigraph.NamedNode(i) for i in judge}
    for t in stored_records(store, judge, excluded):
        data.add((term(t.subject), term(t.predicate), term(t.object)))
        if isinstance(t.object, pyoxigraph.NamedNode):
            mentioned.add(t.object)
    focus |= {URIRef(n.value) for n in judged}
    for triples in graphs.values():
        for t in triples:
            subject = term(t.subject)
            focus.add(subject)
            data.add((subject, term(t.predicate), term(t.object)))
            if isinstance(t.subject, pyoxigraph.NamedNode):
                mentioned.add(t.subject)
            if isinstance(t.object, pyoxigraph.NamedNode):
                mentioned.add(t.object)
    # Two hops: some checks look through a stored record to the next one (an observation's
    # data set -> its structure's components); deeper chains are not used by our shapes.
    # Judged records are whole already; fetching them again could relabel their blank nodes.
    fetched: set[pyoxigraph.NamedNode] = set(judged)
    frontier = mentioned - judged
    for _hop in range(NEIGHBOUR_HOPS):
        fetched |= frontier
        found: set[pyoxigraph.NamedNode] = set()
        for t in stored_neighbours(store, frontier, excluded):
            data.add((term(t.subject), term(t.predicate), term(t.object)))
            if isinstance(t.object, pyoxigraph.NamedNode):
                found.add(t.object)
        frontier = found - fetched
        if not frontier:
            break
    return data, focus


def country_lookup(
    store: Store, staged: Iterable[pyoxigraph.Triple], base_iri: str
) -> dict[str, str]:
    """Country name (any label, lower-cased) -> ISO alpha-3, from the store and the staged data."""
    ns = vocab(base_iri)
    labels = {
        "http://www.w3.org/2004/02/skos/core#prefLabel",
        "http://www.w3.org/2004/02/skos/core#altLabel",
        ns + "formalName",
    }
    names: dict[str, set[str]] = {}
    codes: dict[str, str] = {}
    for t in staged:
        if t.predicate.value in labels and isinstance(t.object, pyoxigraph.Literal):
            names.setdefault(t.subject.value, set()).add(t.object.value)  # type: ignore[union-attr]
        elif t.predicate.value == ns + "isoAlpha3" and isinstance(t.object, pyoxigraph.Literal):
            codes[t.subject.value] = t.object.value  # type: ignore[union-attr]
    result = store.query(
        "SELECT ?c ?code ?name WHERE { ?c <" + ns + "isoAlpha3> ?code . "
        "?c ?label ?name . VALUES ?label { " + " ".join(f"<{p}>" for p in sorted(labels)) + " } }"
    )
    assert isinstance(result, SolutionsResult)
    for row in result.rows():
        codes[row["c"].value] = row["code"].value  # type: ignore[union-attr]
        names.setdefault(row["c"].value, set()).add(row["name"].value)  # type: ignore[union-attr]
    lookup = {}
    for country, code in codes.items():
        lookup[code.lower()] = code
        for name in names.get(country, ()):
            lookup[name.lower()] = code
    return lookup
