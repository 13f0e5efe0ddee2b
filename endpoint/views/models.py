"""What the HTML pages show, built from a description and a few executor queries (Flask-free).

Everything here returns plain data for the templates; templates escape all of it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph

from unpacs.endpoint.i18n import Label, pick_label
from unpacs.loader.query.executor import QueryExecutor
from unpacs.loader.query.rows import chunks, iri, select
from unpacs.loader.read.describe import LABELS, Description, object_of, subject_of
from unpacs.loader.vocab import DCT, SKOS, prefixes

Term = pyoxigraph.NamedNode | pyoxigraph.BlankNode | pyoxigraph.Literal
# Which name to show: preferred label, a person's name, a title, rdfs:label, then an acronym.
LABEL_RANK = {
    SKOS + "prefLabel": 0,
    "http://xmlns.com/foaf/0.1/name": 1,
    DCT + "title": 2,
    "http://www.w3.org/2000/01/rdf-schema#label": 3,
    SKOS + "altLabel": 4,
}
NUMERIC = frozenset(
    "http://www.w3.org/2001/XMLSchema#" + t
    for t in (
        "decimal",
        "double",
        "float",
        "integer",
        "int",
        "nonNegativeInteger",
        "positiveInteger",
        "long",
    )
)


@dataclass(frozen=True)
class Link:
    href: str | None  # None: no page to link to (a blank node, a literal)
    text: str
    lang: str = ""
    fallback: bool = False  # the label is not in the page language
    iri: str = ""


@dataclass
class Footnotes:
    """One footnote per named graph: the graph's sources, linked to their document records."""

    base_iri: str
    numbers: dict[str, int] = field(default_factory=dict)
    sources: dict[str, list[Link]] = field(default_factory=dict)

    def note(self, graph: str | None) -> int | None:
        if not graph:
            return None
        if graph not in self.numbers:
            self.numbers[graph] = len(self.numbers) + 1
        return self.numbers[graph]

    def entries(self) -> list[tuple[int, str, list[Link]]]:
        return [(n, g, self.sources.get(g, [])) for g, n in self.numbers.items()]


class Labels:
    """Labels by IRI and language, from the description and later queries."""

    def __init__(self, base_iri: str, lang: str) -> None:
        self.base_iri = base_iri
        self.lang = lang
        self.by_iri: dict[str, dict[str, str]] = {}
        self._rank: dict[tuple[str, str], int] = {}
        self.curies = prefixes(base_iri)

    def add(self, subject: str, predicate: str, value: Term) -> None:
        rank = LABEL_RANK.get(predicate)
        if rank is None or not isinstance(value, pyoxigraph.Literal):
            return
        lang = value.language or ""
        current = self._rank.get((subject, lang))
        if current is None or rank < current:
            self._rank[(subject, lang)] = rank
            self.by_iri.setdefault(subject, {})[lang] = value.value

    def add_quads(self, quads: Iterable[pyoxigraph.Quad]) -> None:
        for q in quads:
            self.add(subject_of(q).value, q.predicate.value, object_of(q))

    def fetch(self, executor: QueryExecutor, iris: Iterable[str]) -> None:
        preds = ", ".join(iri(p) for p in LABELS[:5])
        for batch in chunks(i for i in iris if i and i not in self.by_iri):
            values = " ".join(iri(i) for i in batch)
            rows, _, _ = select(
                executor,
                f"SELECT ?s ?p ?o WHERE {{ VALUES ?s {{ {values} }} ?s ?p ?o "
                f"FILTER(?p IN ({preds})) }}",
            )
            for row in rows:
                self.add(row["s"].value, row["p"].value, row["o"])

    def curie(self, value: str) -> str:
        for prefix, ns in self.curies.items():
            if value.startswith(ns) and len(value) > len(ns):
                return f"{prefix}:{value[len(ns) :]}"
        return value

    def label(self, value: str) -> Label | None:
        return pick_label(self.by_iri.get(value, {}), self.lang)

    def link(self, term: Term | str) -> Link:
        if isinstance(term, pyoxigraph.Literal):
            return Link(None, term.value, term.language or "", False)
        if isinstance(term, pyoxigraph.BlankNode):
            return Link(None, "(details below)", "", False)
        value = term if isinstance(term, str) else term.value
        found = self.label(value)
        text = found.text if found else self.curie(value)
        return Link(
            local_href(self.base_iri, value),
            text,
            found.lang if found else "",
            found.fallback if found else False,
            value,
        )


def local_href(base_iri: str, value: str) -> str:
    """Our things link to their document (relative to the site), others to themselves."""
    if value.startswith(base_iri + "id/"):
        return "/doc/" + value[len(base_iri) + 3 :]
    if value.startswith(base_iri):
        return "/" + value[len(base_iri) :]
    return value


@dataclass
class Statement:
    predicate: Link
    values: list[tuple[Link, list[int]]]


@dataclass
class Block:
    anchor: str
    subject: Link
    statements: list[Statement]


def statement_blocks(description: Description, labels: Labels, notes: Footnotes) -> list[Block]:
    """The description as blocks, one per subject (in order), each value with its footnotes."""
    blocks: dict[str, dict[str, dict[Term, list[int]]]] = {}
    subjects: dict[str, Term] = {}
    for q in description.quads:
        s, p = subject_of(q), q.predicate.value
        subjects.setdefault(s.value, s)
        graph = q.graph_name.value if isinstance(q.graph_name, pyoxigraph.NamedNode) else None
        number = notes.note(graph)
        found = blocks.setdefault(s.value, {}).setdefault(p, {}).setdefault(object_of(q), [])
        if number is not None and number not in found:
            found.append(number)
    out = []
    for key, by_predicate in blocks.items():
        subject = subjects[key]
        is_blank = isinstance(subject, pyoxigraph.BlankNode)
        anchor = "b-" + key if is_blank else ("this" if key == description.iri else "")
        head = Link(None, f"_:{key}", "", False) if is_blank else labels.link(subject)
        statements = [
            Statement(
                Link(p, labels.curie(p), "", False, p),
                [(_value_link(o, labels), n) for o, n in values.items()],
            )
            for p, values in by_predicate.items()
        ]
        out.append(Block(anchor, head, statements))
    return out


def _value_link(term: Term, labels: Labels) -> Link:
    if isinstance(term, pyoxigraph.BlankNode):
        return Link("#b-" + term.value, f"_:{term.value}", "", False)
    return labels.link(term)


def graph_sources(description: Description, labels: Labels, notes: Footnotes) -> None:
    """Fill ``notes.sources`` from the graphs' ``dcterms:source`` in the description."""
    for q in description.quads:
        if q.predicate.value == DCT + "source" and subject_of(q).value in description.graphs():
            found = notes.sources.setdefault(subject_of(q).value, [])
            link = labels.link(object_of(q))
            if link not in found:
                found.append(link)


def is_number(term: Term | None) -> bool:
    return isinstance(term, pyoxigraph.Literal) and term.datatype.value in NUMERIC
