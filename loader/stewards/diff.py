"""A readable diff between two versions of a graph: per record, per field, with labels.

Blank nodes (an institution's contact point, an address) get fresh labels at every load, so
statements are compared after flattening: each blank node is replaced by the path from the
named record that points at it (``contactPoint / telephone``). Changing a telephone is then one
changed value, not a removed and an added contact point.
"""

from __future__ import annotations

import dataclasses
import hashlib
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


def _term_key(term: object, sigs: Mapping[object, str]) -> str:
    if isinstance(term, pyoxigraph.BlankNode):
        return "_:" + sigs.get(term, "?")
    return str(term)


def _blank_keys(triples: Sequence[pyoxigraph.Triple]) -> dict[pyoxigraph.BlankNode, str]:
    """A label-free key per blank node: what points at it and (recursively) what it says."""
    out: dict[object, list[pyoxigraph.Triple]] = {}
    incoming: dict[object, list[pyoxigraph.Triple]] = {}
    for t in triples:
        out.setdefault(t.subject, []).append(t)
        if isinstance(t.object, pyoxigraph.BlankNode):
            incoming.setdefault(t.object, []).append(t)
    sigs: dict[object, str] = {}

    def sig(node: object, seen: frozenset[object]) -> str:
        if node in sigs:
            return sigs[node]
        if node in seen or len(seen) > MAX_DEPTH * 2:
            return "cycle"
        parts = sorted(
            f"{t.predicate} "
            + (sig(t.object, seen | {node}) if isinstance(t.object, pyoxigraph.BlankNode) else "")
            + (str(t.object) if not isinstance(t.object, pyoxigraph.BlankNode) else "")
            for t in out.get(node, ())
        )
        text = hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()
        if not seen:
            sigs[node] = text
        return text

    blanks: set[pyoxigraph.BlankNode] = {
        t.subject for t in triples if isinstance(t.subject, pyoxigraph.BlankNode)
    }
    blanks |= {n for n in incoming if isinstance(n, pyoxigraph.BlankNode)}
    for node in blanks:
        sigs[node] = sig(node, frozenset())
    keys: dict[pyoxigraph.BlankNode, str] = {}
    for node in blanks:
        into = sorted(f"{_term_key(t.subject, sigs)} {t.predicate}" for t in incoming.get(node, ()))
        keys[node] = sigs[node] + "|" + "|".join(into)
    return keys


def align_blank_nodes(
    before: Sequence[pyoxigraph.Triple], after: Sequence[pyoxigraph.Triple]
) -> list[pyoxigraph.Triple]:
    """``after`` with each blank node that is unchanged since ``before`` given its old label.

    A parser labels blank nodes afresh at every upload, so without this a one-label edit of a
    graph full of contact points and periods would rewrite (and record in the history) every
    blank node. Renaming blank nodes is an isomorphism: the content is the same graph.
    """
    old_keys, new_keys = _blank_keys(before), _blank_keys(after)
    if not new_keys:
        return list(after)
    unique_old: dict[str, pyoxigraph.BlankNode | None] = {}
    for node, key in old_keys.items():
        unique_old[key] = None if key in unique_old else node
    new_count: dict[str, int] = {}
    for key in new_keys.values():
        new_count[key] = new_count.get(key, 0) + 1
    rename: dict[pyoxigraph.BlankNode, pyoxigraph.BlankNode] = {}
    for node, key in new_keys.items():
        target = unique_old.get(key)
        if target is not None and new_count[key] == 1:
            rename[node] = target
    used = set(rename.values())
    # An unmatched new node whose label an old one keeps would merge with it: relabel it.
    clashes = {n for n in new_keys if n not in rename and n in used}
    for node in clashes:
        rename[node] = pyoxigraph.BlankNode()

    def term(t: object) -> object:
        return rename.get(t, t) if isinstance(t, pyoxigraph.BlankNode) else t

    return [
        pyoxigraph.Triple(term(t.subject), t.predicate, term(t.object))  # type: ignore[arg-type]
        for t in after
    ]
