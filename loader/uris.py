"""Minting and parsing of unpacs IRIs: the only place that knows the URI patterns.

Things are ``{base}id/{type}/{key}``; their documents ``{base}doc/{type}/{key}``; concepts
``{base}id/concept/{scheme}/{key}``; our vocabulary ``{base}def/unpacs#``; named graphs
``{base}graph/{key}``. Bundled files use IRIs relative to the base, so one dataset can be
published under any host (see ``Settings.base_iri``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

THING_TYPES = (
    "country",
    "organization",
    "person",
    "post",
    "membership",
    "concept",
    "document",
    "event",
    "dataset",
    "observation",
    "record",
    "site",
    "contact",
    "case-study",
)

VOCAB_PATH = "def/unpacs#"
_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._~-]*$")


def vocab(base_iri: str) -> str:
    """Namespace of our own terms under ``base_iri``."""
    return base_iri + VOCAB_PATH


def is_valid_key(key: str) -> bool:
    return bool(_KEY.match(key))


def slugify(text: str) -> str:
    """Readable key from a name: ``"Science (DOST)"`` -> ``science-dost``."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def thing_path(kind: str, key: str, scheme: str | None = None) -> str:
    """Relative path of a thing, e.g. ``id/country/PHL`` or ``id/concept/role/cio``."""
    if kind not in THING_TYPES:
        raise ValueError(f"unknown thing type {kind!r}; known: {', '.join(THING_TYPES)}")
    if not is_valid_key(key) or (scheme is not None and not is_valid_key(scheme)):
        raise ValueError(f"{key!r} is not a valid key: letters, digits, '.', '_', '~', '-'")
    if kind == "concept":
        if scheme is None:
            raise ValueError("a concept IRI needs a scheme")
        return f"id/concept/{scheme}/{key}"
    return f"id/{kind}/{key}"


def scheme_path(scheme: str) -> str:
    """Relative path of a concept scheme, e.g. ``id/concept/role``."""
    if not is_valid_key(scheme):
        raise ValueError(f"{scheme!r} is not a valid scheme key")
    return f"id/concept/{scheme}"


def thing_iri(base_iri: str, kind: str, key: str, scheme: str | None = None) -> str:
    return base_iri + thing_path(kind, key, scheme)


def graph_iri(base_iri: str, key: str) -> str:
    """Named graph for a source; ``key`` may contain '/' (``seed/philippines``)."""
    parts = key.split("/")
    if not all(is_valid_key(p) for p in parts):
        raise ValueError(f"{key!r} is not a valid graph key")
    return f"{base_iri}graph/{key}"


@dataclass(frozen=True)
class ParsedIri:
    kind: str
    key: str
    scheme: str | None = None

    def document_path(self) -> str:
        middle = f"{self.scheme}/{self.key}" if self.scheme else self.key
        return f"doc/{self.kind}/{middle}"


def parse_thing_iri(base_iri: str, iri: str) -> ParsedIri | None:
    """Inverse of ``thing_iri``; None for IRIs that are not ours."""
    if not iri.startswith(base_iri + "id/"):
        return None
    parts = iri[len(base_iri) + 3 :].split("/")
    if parts[0] == "concept" and len(parts) == 3:
        kind, scheme, key = parts
    elif len(parts) == 2 and parts[0] != "concept":
        kind, key = parts
        scheme = None
    else:
        return None
    if kind not in THING_TYPES or not is_valid_key(key):
        return None
    return ParsedIri(kind, key, scheme)
