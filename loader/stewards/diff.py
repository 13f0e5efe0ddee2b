"""A readable diff between two versions of a graph: per record, per field, with labels.

Blank nodes (an institution's contact point, an address) get fresh labels at every load, so
statements are compared after flattening: each blank node is replaced by the path from the
named record that points at it (``contactPoint / telephone``). Changing a telephone is then one
changed value, not a removed and an added contact point.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import pyoxigraph

LABELS = (
    "http://www.w3.org/2004/02/skos/core#prefLabel",
    "http://xmlns.com/foaf/0.1/name",
    "http://www.w3.org/2000/01/rdf-schema#label",
    "http://schema.org/name",
)
MAX_DEPTH = 4

Statement = tuple[str, tuple[str, ...], str]  # record IRI, property path, value


def short(iri: str) -> str:
    """``http://schema.org/telephone`` -> ``telephone``."""
    for sep in ("#", "/"):
        if sep in iri.rstrip(sep):
            return iri.rstrip(sep).rsplit(sep, 1)[1]
    return iri


def show_term(term: object) -> str:
    if isinstance(term, pyoxigraph.NamedNode):
        return term.value
    if isinstance(term, pyoxigraph.Literal):
        if term.language:
            return f"{term.value} @{term.language}"
        return term.value
    return str(term)


def flatten(triples: Sequence[pyoxigraph.Triple]) -> set[Statement]:
    by_subject: dict[object, list[pyoxigraph.Triple]] = {}
    for t in triples:
        by_subject.setdefault(t.subject, []).append(t)
    out: set[Statement] = set()

    def walk(node: object, record: str, path: tuple[str, ...], depth: int) -> None:
        for t in by_subject.get(node, ()):
            step = (*path, t.predicate.value)
            if isinstance(t.object, pyoxigraph.BlankNode) and depth < MAX_DEPTH:
                walk(t.object, record, step, depth + 1)
            elif isinstance(t.object, pyoxigraph.BlankNode):
                out.add((record, step, "[…]"))
            else:
                out.add((record, step, show_term(t.object)))

    for subject in by_subject:
        if isinstance(subject, pyoxigraph.NamedNode):
            walk(subject, subject.value, (), 0)
    return out


def labels_in(triples: Iterable[pyoxigraph.Triple]) -> dict[str, str]:
    found: dict[str, tuple[int, str]] = {}
    for t in triples:
        if (
            isinstance(t.subject, pyoxigraph.NamedNode)
            and t.predicate.value in LABELS
            and isinstance(t.object, pyoxigraph.Literal)
        ):
            rank = LABELS.index(t.predicate.value) + (0 if t.object.language in ("en", "") else 9)
            if t.subject.value not in found or rank < found[t.subject.value][0]:
                found[t.subject.value] = (rank, t.object.value)
    return {k: v for k, (_r, v) in found.items()}


@dataclass
class FieldChange:
    field: str
    removed: list[str] = dataclasses.field(default_factory=list)
    added: list[str] = dataclasses.field(default_factory=list)

    @property
    def kind(self) -> str:
        if self.removed and self.added:
            return "changed"
        return "added" if self.added else "removed"


@dataclass
class RecordChange:
    record: str
    label: str
    fields: list[FieldChange] = dataclasses.field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "record": self.record,
            "label": self.label,
            "fields": [
                {"field": f.field, "change": f.kind, "removed": f.removed, "added": f.added}
                for f in self.fields
            ],
        }


@dataclass
class GraphDiff:
    added: int
    removed: int
    records: list[RecordChange]

    def as_dict(self) -> dict[str, object]:
        return {
            "added": self.added,
            "removed": self.removed,
            "records": [r.as_dict() for r in self.records],
        }


def diff(
    before: Sequence[pyoxigraph.Triple],
    after: Sequence[pyoxigraph.Triple],
    extra_labels: Mapping[str, str] | None = None,
) -> GraphDiff:
    old, new = flatten(before), flatten(after)
    removed, added = old - new, new - old
    labels = dict(extra_labels or {})
    labels.update(labels_in(before))
    labels.update(labels_in(after))
    grouped: dict[str, dict[tuple[str, ...], FieldChange]] = {}
    for statements, side in ((removed, "removed"), (added, "added")):
        for record, path, value in sorted(statements):
            change = grouped.setdefault(record, {}).setdefault(
                path, FieldChange(" / ".join(short(p) for p in path))
            )
            getattr(change, side).append(labels.get(value, value))
    records = [
        RecordChange(
            record,
            labels.get(record, short(record)),
            [fields[p] for p in sorted(fields)],
        )
        for record, fields in sorted(grouped.items())
    ]
    return GraphDiff(len(added), len(removed), records)
