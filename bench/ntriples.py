"""N-Triples building blocks for the synthetic benchmark data: vocabulary, literals, lines."""

from __future__ import annotations

import re
from functools import lru_cache

from unpacs.loader.uris import VOCAB_PATH, thing_path

SYNTHETIC_SOURCE = "urn:unpacs:synthetic:bench"
# An increment links to the first LINKED_UNITS ministries and countries of the big file, so the
# big file must have at least this many of each (any file of >= 5,000 triples has).
LINKED_UNITS = 5
MIN_COUNTRIES = LINKED_UNITS
MAX_COUNTRIES = 26 * 26  # XAA..XZZ

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCT = "http://purl.org/dc/terms/"
FOAF = "http://xmlns.com/foaf/0.1/"
ORG = "http://www.w3.org/ns/org#"
SCHEMA = "http://schema.org/"
LOCN = "http://www.w3.org/ns/locn#"
CV = "http://data.europa.eu/m8g/"
QB = "http://purl.org/linked-data/cube#"
SDMX_DIM = "http://purl.org/linked-data/sdmx/2009/dimension#"
TIME = "http://www.w3.org/2006/time#"

A = f"<{RDF}type>"
SOURCE = f"<{DCT}source> <{SYNTHETIC_SOURCE}>"

LANG_NAMES = {
    "ar": "بلد اصطناعي",
    "zh": "合成国家",
    "en": "Synthetic Country",
    "fr": "Pays synthétique",
    "ru": "Синтетическая страна",
    "es": "País sintético",
}
LEVEL_NAMES = ("Ministry", "Department", "Office", "Unit")
ROLES = ("head", "deputy")
RANKS = ("rank-1", "rank-2", "rank-3")
DOCUMENT_TYPES = ("strategy", "law")
PERIODS = ("2001-2005", "2006-2013", "2014-2019", "2020-2024")
SCHEMES = {
    "role": ROLES,
    "rank": RANKS,
    "document-type": DOCUMENT_TYPES,
    "period": PERIODS,
}
GIVEN = ("Ana", "Bao", "Chidi", "Dana", "Elif", "Farid", "Gita", "Hugo", "Ines", "Jun", "Kofi")
FAMILY_PARTS = ("Sar", "Mek", "Lun", "Tov", "Bri", "Qas", "Dor", "Vel", "Nim", "Pax", "Zul")


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def literal(text: str, lang: str | None = None, datatype: str | None = None) -> str:
    if lang:
        return f'"{_escape(text)}"@{lang}'
    if datatype:
        return f'"{_escape(text)}"^^<{XSD}{datatype}>'
    return f'"{_escape(text)}"'


class Triples:
    """Renders triples as N-Triples lines (absolute IRIs) or Turtle lines (relative IRIs)."""

    def __init__(self, base: str, prefix: str) -> None:
        self.base = base  # "" for Turtle: IRIs stay relative, the loader resolves them
        self.prefix = f"{prefix}-" if prefix else ""
        self.blank_label = "b" + re.sub(r"[^A-Za-z0-9]", "", prefix)
        self.blanks = 0
        self.vocab = f"<{base}{VOCAB_PATH}"

    @lru_cache(maxsize=4096)  # noqa: B019 - one instance per run; shared IRIs repeat often
    def thing(self, kind: str, key: str, scheme: str | None = None, own: bool = True) -> str:
        """IRI of a thing; ``own`` keys get this file's prefix, shared ones (countries) do not."""
        full_key = f"{self.prefix}{key}" if own else key
        return f"<{self.base}{thing_path(kind, full_key, scheme)}>"

    def concept(self, scheme: str, key: str) -> str:
        return self.thing("concept", f"bench-{key}", f"synthetic-{scheme}", own=False)

    def scheme(self, scheme: str) -> str:
        return f"<{self.base}id/concept/synthetic-{scheme}>"

    def unpacs(self, term: str) -> str:
        return f"{self.vocab}{term}>"

    def blank(self) -> str:
        self.blanks += 1
        return f"_:{self.blank_label}n{self.blanks}"


def _lines(subject: str, *pairs: tuple[str, str]) -> list[str]:
    """One record: its (predicate, object) pairs, plus the synthetic source every subject has."""
    lines = [f"{subject} {p} {o} ." for p, o in pairs]
    lines.append(f"{subject} {SOURCE} .")
    return lines


def country_code(index: int) -> str:
    return "X" + chr(65 + index // 26) + chr(65 + index % 26)
