"""Check that the text of ``data/seed`` is in the seed documents it cites.

Every literal of a seed record must be found in a seed document the record cites
(``dcterms:source``), or be a derivation listed, with the passages it rests on, in
``tests/data/seed-text/derivations.json``, or be the project's own note (a node whose
``dcterms:source`` is an ``unpacs:EditorialSource``; the passages such a note quotes between
double quotes must still be in the seeds it cites). The rules:

- text is split into parts at ". ", "; ", ": " and line breaks (a description may join several
  seed passages, or put a seed heading such as "Objective" before one); each part must occur in
  the document, compared whitespace-, case-, dash- and markup-insensitively (slide markup such
  as ``**bold**``, HTML tags and bullet signs are not text);
- an ``xsd:date`` must appear as "28 August 2011" (also inside "23-26 June 2014" or "17 to 18
  June 2010"), an ``xsd:gYearMonth`` as "September 2006", an ``xsd:gYear`` and a number as a
  token;
- list positions and counts (``schema:position``, ``schema:numberOfItems``) and checksums
  (``xsd:hexBinary``) are structure, not text.

The seeds are United Nations documents, so the repository keeps only the passages the data
quotes, with their line numbers (``tests/data/seed-text/passages.json``). This script rebuilds
that file from the seed documents, which it finds in the folder given as argument by their
SHA-256 (recorded in ``data/seed/sources.ttl``); it fails, listing them, when a literal is in no
cited document::

    .venv/bin/python -m scripts.seed_text SEED_DIR [--out tests/data/seed-text/passages.json]
"""

from __future__ import annotations

import argparse
import hashlib
import html
import json
import re
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import RDF, XSD, BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS
from rdflib.term import Node

REPO = Path(__file__).resolve().parent.parent
SEED_DATA = REPO / "data" / "seed"
FIXTURE_DIR = REPO / "tests" / "data" / "seed-text"
BASE = "http://127.0.0.1:8000/"
SCHEMA = Namespace("http://schema.org/")
SPDX = Namespace("http://spdx.org/rdf/terms#")
UNPACS = Namespace(BASE + "def/unpacs#")
STRUCTURAL = {SCHEMA.position, SCHEMA.numberOfItems}
MONTHS = "January February March April May June July August September October November December"
PREFIXES = {
    "http://purl.org/dc/terms/": "dcterms:",
    "http://schema.org/": "schema:",
    "http://www.w3.org/2004/02/skos/core#": "skos:",
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#": "rdf:",
    "http://www.w3.org/2000/01/rdf-schema#": "rdfs:",
    "http://xmlns.com/foaf/0.1/": "foaf:",
    "http://www.w3.org/ns/locn#": "locn:",
    "http://www.w3.org/2006/time#": "time:",
    BASE + "def/unpacs#": "unpacs:",
}
# Slide bullets and ticks: U+2713, U+2756, U+25A0, U+25AA, U+203A, U+2022.
_BULLETS = re.compile("^#+\\s*|[\u2713\u2756\u25a0\u25aa\u203a\u2022]")
# Typographic quotes and dashes of the slides, compared as their ASCII forms.
_QUOTES = str.maketrans({"\u201c": '"', "\u201d": '"', "\u2018": "'", "\u2019": "'"})
_DASHES = re.compile("\\s*[-\u2013\u2014]\\s*")
_SPLIT = re.compile(r"\n|(?<=[.;])\s+|:\s+")
_QUOTE = re.compile(r'"([^"]+)"')


def normalise(text: str) -> str:
    """The comparable form of a passage: no markup, straight quotes, one dash, single spaces."""
    text = html.unescape(re.sub(r"<[^>]*>", " ", text))
    text = _BULLETS.sub(" ", text.replace("*", ""))
    text = _DASHES.sub("-", text.translate(_QUOTES))
    return " ".join(text.split())


def curie(iri: Node) -> str:
    for namespace, prefix in PREFIXES.items():
        if str(iri).startswith(namespace):
            return prefix + str(iri)[len(namespace) :]
    return str(iri)


def relative(iri: Node) -> str:
    return str(iri)[len(BASE) :] if str(iri).startswith(BASE) else str(iri)


@dataclass
class Text:
    """A document's comparable text, with the line each character came from."""

    text: str
    lines: list[int]  # line number of each character of ``text``

    @classmethod
    def of_document(cls, raw: str) -> Text:
        parts: list[str] = []
        lines: list[int] = []
        for number, line in enumerate(raw.splitlines(), start=1):
            clean = normalise(line)
            if clean:
                if parts:
                    parts.append(" ")
                    lines.append(number)
                parts.append(clean)
                lines.extend([number] * len(clean))
        return cls("".join(parts), lines)

    @classmethod
    def of_passages(cls, passages: Iterable[str]) -> Text:
        # A pilcrow between passages, so a part can never match across two of them.
        text = " ¶ ".join(normalise(p) for p in passages)
        return cls(text, [0] * len(text))


@dataclass(frozen=True)
class Need:
    """One thing a literal needs to find in one of the documents it cites."""

    where: str  # subject, property and literal, for messages
    docs: tuple[str, ...]  # relative IRIs of the cited seed documents
    pattern: str  # a regular expression over the comparable text (case-insensitive)


@dataclass
class Report:
    needs: list[Need] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    derivations_used: set[tuple[str, str]] = field(default_factory=set)


def verbatim(text: str) -> str:
    # Whole words only ("en" is not in "Government"); a dash may have a space on either side in
    # the other text (a line break beside it).
    clean = normalise(text)
    pattern = re.escape(clean).replace(r"\-", r"\s?-\s?")
    start = r"(?<!\w)" if clean[:1].isalnum() else ""
    end = r"(?!\w)" if clean[-1:].isalnum() else ""
    return start + pattern + end


def parts_of(value: str) -> list[str]:
    # A list item's leading "- " is list punctuation, like a closing ";".
    parts = (p.strip().lstrip("-•").strip().rstrip(".;,").strip() for p in _SPLIT.split(value))
    return [p for p in parts if p]


def date_pattern(literal: Literal) -> str:
    value, kind = str(literal), literal.datatype
    months = MONTHS.split()
    if kind == XSD.date:
        year, month, day = value.split("-")
        d, name = str(int(day)), months[int(month) - 1]
        return rf"(?<!\d)(?:(?:\d{{1,2}}(?:-| to )){d}|{d}(?:(?:-| to )\d{{1,2}})?) {name},? {year}"
    if kind == XSD.gYearMonth:
        year, month = value.split("-")
        return rf"{months[int(month) - 1]},? {year}"
    return rf"(?<![\d.,]){re.escape(value)}(?![\d]|[.,]\d)"


def load_seed_graph(folder: Path = SEED_DATA) -> Graph:
    graph = Graph()
    for path in sorted(folder.glob("*.ttl")):
        graph.parse(path, format="turtle", publicID=BASE)
    return graph


def seed_documents(graph: Graph) -> dict[str, str]:
    """Relative IRI of each seed document -> the SHA-256 of its text file (sources.ttl)."""
    found: dict[str, str] = {}
    for doc, _p, dist in graph.triples(
        (None, URIRef("http://www.w3.org/ns/dcat#distribution"), None)
    ):
        for checksum in graph.objects(dist, SPDX.checksum):
            value = graph.value(checksum, SPDX.checksumValue)
            if value is not None:
                found[relative(doc)] = str(value)
    return found


class Classifier:
    """Which seed documents a node's literals must be in, or that they are the project's own."""

    def __init__(self, graph: Graph, seeds: Iterable[str]) -> None:
        self.graph = graph
        self.seeds = set(seeds)
        self.editorial = {relative(s) for s in graph.subjects(RDF.type, UNPACS.EditorialSource)}
        self._memo: dict[Node, tuple[bool, tuple[str, ...]] | None] = {}

    def __call__(self, node: Node) -> tuple[bool, tuple[str, ...]] | None:
        if node not in self._memo:
            self._memo[node] = None  # a cycle of blank nodes is unsourced
            self._memo[node] = self._classify(node)
        return self._memo[node]

    def _classify(self, node: Node) -> tuple[bool, tuple[str, ...]] | None:
        sources = {relative(s) for s in self.graph.objects(node, DCTERMS.source)}
        if relative(node) in self.editorial:
            return True, ()
        if sources:
            return bool(sources & self.editorial), tuple(sorted(sources & self.seeds))
        if relative(node) in self.seeds:
            return False, (relative(node),)
        if isinstance(node, BNode):
            parents = [self(p) for p in self.graph.subjects(None, node)]
            known = [p for p in parents if p is not None]
            if known:
                own = any(p[0] for p in known)
                return own, tuple(sorted({d for p in known for d in p[1]}))
        return None


def requirements(
    graph: Graph, seeds: Iterable[str], derivations: Sequence[dict[str, object]]
) -> Report:
    """What every literal of the seed data needs to find in the seed documents."""
    report = Report()
    classify = Classifier(graph, seeds)
    derived = {(str(d["property"]), str(d["value"])): d for d in derivations}
    for subject, predicate, obj in sorted(graph, key=lambda t: (str(t[0]), str(t[1]), str(t[2]))):
        if not isinstance(obj, Literal) or predicate in STRUCTURAL or obj.datatype == XSD.hexBinary:
            continue
        name = relative(subject) if isinstance(subject, URIRef) else "[]"
        where = f"{name} {curie(predicate)} {str(obj)!r}"
        kind = classify(subject)
        if kind is None:
            report.problems.append(f"{where}: the node cites no source (dcterms:source)")
            continue
        own, docs = kind
        if own:
            for quoted in _QUOTE.findall(str(obj)):
                report.needs.append(Need(f"{where} quotes {quoted!r}", docs, verbatim(quoted)))
            continue
        if not docs:
            report.problems.append(
                f"{where}: cites no seed document whose text the repository keeps"
            )
            continue
        key = (curie(predicate), str(obj))
        if key in derived:
            report.derivations_used.add(key)
            for passage in derived[key]["passages"]:  # type: ignore[attr-defined]
                report.needs.append(Need(f"{where} (derivation)", docs, verbatim(str(passage))))
        elif obj.datatype in (XSD.date, XSD.gYearMonth, XSD.gYear, XSD.integer, XSD.decimal):
            report.needs.append(Need(where, docs, date_pattern(obj)))
        else:
            for part in parts_of(str(obj)):
                report.needs.append(Need(f"{where} part {part!r}", docs, verbatim(part)))
    for key in derived.keys() - report.derivations_used:
        report.problems.append(f"derivations.json lists {key}, which no seed literal uses")
    return report


def locate(need: Need, texts: dict[str, Text]) -> tuple[str, int, int] | None:
    for doc in need.docs:
        if doc in texts:
            match = re.search(need.pattern, texts[doc].text, re.IGNORECASE)
            if match:
                return doc, match.start(), match.end()
    return None


def unmet(report: Report, texts: dict[str, Text]) -> list[str]:
    missing = [
        f"{n.where}: not in {', '.join(n.docs)}" for n in report.needs if locate(n, texts) is None
    ]
    return report.problems + missing


def read_derivations(folder: Path = FIXTURE_DIR) -> list[dict[str, object]]:
    data = json.loads((folder / "derivations.json").read_text(encoding="utf-8"))
    return list(data["derivations"])


def read_passages(folder: Path = FIXTURE_DIR) -> dict[str, dict[str, object]]:
    data = json.loads((folder / "passages.json").read_text(encoding="utf-8"))
    return {str(d["document"]): d for d in data["documents"]}


def passage_texts(passages: dict[str, dict[str, object]]) -> dict[str, Text]:
    return {
        doc: Text.of_passages(str(p["text"]) for p in entry["passages"])  # type: ignore[attr-defined]
        for doc, entry in passages.items()
    }


def spans_to_passages(text: Text, spans: Iterable[tuple[int, int]]) -> Iterator[dict[str, str]]:
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1] + 1:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    for start, end in merged:
        first, last = text.lines[start], text.lines[end - 1]
        lines = str(first) if first == last else f"{first}-{last}"
        yield {"lines": lines, "text": text.text[start:end]}


def build_passages(seed_dir: Path, graph: Graph) -> tuple[dict[str, object], list[str]]:
    checksums = seed_documents(graph)
    by_hash = {
        hashlib.sha256(p.read_bytes()).hexdigest(): p
        for p in sorted(seed_dir.iterdir())
        if p.is_file()
    }
    texts: dict[str, Text] = {}
    problems = []
    for doc, digest in sorted(checksums.items()):
        if digest not in by_hash:
            problems.append(f"{doc}: no file in {seed_dir} has SHA-256 {digest}")
            continue
        texts[doc] = Text.of_document(by_hash[digest].read_text(encoding="utf-8"))
    report = requirements(graph, checksums, read_derivations())
    problems += report.problems
    spans: dict[str, list[tuple[int, int]]] = {doc: [] for doc in texts}
    for need in report.needs:
        found = locate(need, texts)
        if found is None:
            problems.append(f"{need.where}: not in {', '.join(need.docs)}")
        else:
            spans[found[0]].append((found[1], found[2]))
    documents = []
    for doc, digest in sorted(checksums.items()):
        subject = URIRef(BASE + doc)
        documents.append(
            {
                "document": doc,
                "title": str(graph.value(subject, DCTERMS.title)),
                "citation": str(graph.value(subject, DCTERMS.bibliographicCitation)),
                "sha256": digest,
                "passages": list(spans_to_passages(texts[doc], spans[doc])) if doc in texts else [],
            }
        )
    data: dict[str, object] = {
        "about": (
            "Passages of the seed documents that data/seed quotes, each with its line numbers in "
            "the document's text file (identified by its SHA-256), in comparable form (markup "
            "removed, whitespace and dashes normalised). The documents are United Nations "
            "documents (© United Nations); only the quoted passages are kept here, to check the "
            "data against them. Regenerate with: python -m scripts.seed_text SEED_DIR"
        ),
        "documents": documents,
    }
    return data, problems


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("seed_dir", type=Path, help="folder holding the seed documents' text files")
    parser.add_argument("--out", type=Path, default=FIXTURE_DIR / "passages.json")
    args = parser.parse_args(argv)
    if not args.seed_dir.is_dir():
        print(f"error: {args.seed_dir} is not a folder", file=sys.stderr)
        return 2
    data, problems = build_passages(args.seed_dir, load_seed_graph())
    if problems:
        for problem in problems:
            print(f"error: {problem}", file=sys.stderr)
        return 1
    args.out.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
