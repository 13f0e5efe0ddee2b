"""What the HTML pages show, built from a description and a few executor queries (Flask-free).

Everything here returns plain data for the templates; templates escape all of it.
"""

from __future__ import annotations

import re
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

    def link(self, term: Term | str, predicate: str = "") -> Link:
        """``term`` as a link; ``predicate`` (the field it is a value of) may allow mailto/tel."""
        if isinstance(term, pyoxigraph.Literal):
            return Link(None, term.value, term.language or "", False)
        if isinstance(term, pyoxigraph.BlankNode):
            return Link(None, "(details below)", "", False)
        value = term if isinstance(term, str) else term.value
        found = self.label(value)
        text = found.text if found else self.curie(value)
        return Link(
            local_href(self.base_iri, value, predicate),
            text,
            found.lang if found else "",
            found.fallback if found else False,
            value,
        )


# The one decision about which stored values become a live ``href`` (the templates re-check
# every href with ``safe_href``): http(s) anywhere, mailto/tel only as the value of a field
# that holds one, site paths we mint and in-page anchors. ``javascript:``, ``data:``,
# ``vbscript:`` and every other scheme is shown as text.
LINK_SCHEMES = frozenset({"http", "https"})
FIELD_SCHEMES = {
    "http://schema.org/email": "mailto",
    "http://xmlns.com/foaf/0.1/mbox": "mailto",
    "http://schema.org/telephone": "tel",
    "http://schema.org/faxNumber": "tel",
    "http://xmlns.com/foaf/0.1/phone": "tel",
}
# Everything a browser's URL parser drops or treats specially before reading the scheme
# (C0 controls, space, DEL), and characters that never belong in a link we emit.
_UNSAFE_CHARS = re.compile(r"[\x00-\x20\x7f\\<>\"`]")
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")


def href_allowed(href: str, schemes: Iterable[str] = LINK_SCHEMES) -> bool:
    """Whether ``href`` may be a live link: an absolute URL with one of ``schemes``, a path on
    this site (``/...`` but not ``//host`` nor ``/\\host``) or an in-page anchor (``#...``).

    Fails closed: any control character, whitespace or backslash anywhere refuses the link, so
    ``java\tscript:``, `` javascript:`` and the like never reach the browser's lenient parser.
    """
    if not href or _UNSAFE_CHARS.search(href) or not href.isprintable():
        return False
    if href.startswith("#"):
        return True
    if href.startswith("/"):
        return not href.startswith("//")
    match = _SCHEME.match(href)
    if match is None:
        return False
    scheme = match.group(1).lower()
    if scheme not in {s.lower() for s in schemes}:
        return False
    if scheme in ("http", "https"):
        return href[match.end() :].startswith("//") and len(href) > match.end() + 2
    return len(href) > match.end()


def safe_href(href: str | None) -> str | None:
    """``href`` when any field could make it a link (the templates' last check), else None."""
    if href is None:
        return None
    return href if href_allowed(href, LINK_SCHEMES | set(FIELD_SCHEMES.values())) else None


def local_href(base_iri: str, value: str, predicate: str = "") -> str | None:
    """Our things link to their document (relative to the site), others to themselves when
    ``href_allowed`` lets them; None means "show as text"."""
    if value.startswith(base_iri):
        path = (
            "/doc/" + value[len(base_iri) + 3 :]
            if value.startswith(base_iri + "id/")
            else ("/" + value[len(base_iri) :])
        )
        # ``{base}/evil.example`` would mint ``//evil.example``: another host, not our path.
        if href_allowed(path):
            return path
    schemes = LINK_SCHEMES | ({FIELD_SCHEMES[predicate]} if predicate in FIELD_SCHEMES else set())
    return value if href_allowed(value, schemes) else None


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
                Link(local_href(labels.base_iri, p), labels.curie(p), "", False, p),
                [(_value_link(o, labels, p), n) for o, n in values.items()],
            )
            for p, values in by_predicate.items()
        ]
        out.append(Block(anchor, head, statements))
    return out


def _value_link(term: Term, labels: Labels, predicate: str) -> Link:
    if isinstance(term, pyoxigraph.BlankNode):
        return Link("#b-" + term.value, f"_:{term.value}", "", False)
    return labels.link(term, predicate)


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


# Bidirectional formatting characters: embeddings and overrides (closed by PDF) and isolates
# (closed by PDI). Stored text with an unclosed RIGHT-TO-LEFT OVERRIDE would reverse whatever
# the page shows after it (a <title>'s site name, the next cell), and a stray PDI could close
# an isolate we open.
EMBEDDINGS = frozenset("\u202a\u202b\u202d\u202e")
ISOLATES = frozenset("\u2066\u2067\u2068")
PDF, PDI, FSI = "\u202c", "\u2069", "\u2068"
BIDI_CONTROLS = EMBEDDINGS | ISOLATES | {PDF, PDI}


def balance_bidi(text: str) -> str:
    """``text`` with every bidi control closed inside it and stray closers dropped."""
    out: list[str] = []
    open_: list[str] = []
    for ch in text:
        if ch in EMBEDDINGS:
            open_.append(PDF)
        elif ch in ISOLATES:
            open_.append(PDI)
        elif ch == PDF:
            # A PDF cannot close past an isolate (UAX #9, X7): drop one that has no opener.
            if not open_ or open_[-1] != PDF:
                continue
            open_.pop()
        elif ch == PDI:
            if PDI not in open_:
                continue
            # A PDI closes the embeddings opened inside its isolate, then the isolate.
            while open_[-1] != PDI:
                out.append(open_.pop())
            open_.pop()
        out.append(ch)
    out.extend(reversed(open_))
    return "".join(out)


def isolate_bidi(text: object) -> str:
    """For headings and body text: text holding bidi controls, balanced and wrapped in FIRST
    STRONG ISOLATE ... POP DIRECTIONAL ISOLATE, so it cannot reorder what stands around it.
    Text without them is returned as it is."""
    value = "" if text is None else str(text)
    if not BIDI_CONTROLS.intersection(value):
        return value
    return FSI + balance_bidi(value) + PDI


def strip_bidi(text: object) -> str:
    """For ``<title>``, which neither markup nor (in every window manager) isolates can
    contain: the text without bidi controls."""
    value = "" if text is None else str(text)
    return "".join(ch for ch in value if ch not in BIDI_CONTROLS)
