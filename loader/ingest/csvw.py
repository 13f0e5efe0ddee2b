"""A CSV on the Web (W3C CSVW) table-schema subset: column descriptions and URI templates.

Supported from CSVW: ``titles``, ``name``, ``required``, ``datatype`` (``string`` with a
``format`` regex, ``date``, ``anyURI``, ``integer``), ``lang``, ``suppressOutput``, ``virtual``,
``aboutUrl`` / ``propertyUrl`` / ``valueUrl`` templates (RFC 6570 ``{name}`` and ``{+name}``).
Extensions, prefixed ``unpacs:`` as CSVW allows for non-core annotations: ``unpacs:lookup``
(``country``: a country name -> ISO alpha-3), ``unpacs:transform`` (``slug``), ``unpacs:derive``
(``first-segment``, ``first-segment-slug`` of another column), ``unpacs:join`` (non-blank columns
joined by a separator), ``unpacs:whenAny`` / ``unpacs:whenAll`` (emit only when those columns
have values).
"""

from __future__ import annotations

import json
import re
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from unpacs.loader.errors import InputError
from unpacs.loader.vocab import prefixes

_TEMPLATE = re.compile(r"\{(\+?)([a-z_][a-z0-9_]*)\}")


@dataclass(frozen=True)
class Column:
    name: str
    title: str | None
    spec: dict[str, Any]

    @property
    def virtual(self) -> bool:
        return bool(self.spec.get("virtual"))

    @property
    def required(self) -> bool:
        return bool(self.spec.get("required"))

    @property
    def datatype(self) -> tuple[str, str | None]:
        raw = self.spec.get("datatype", "string")
        if isinstance(raw, dict):
            return str(raw.get("base", "string")), raw.get("format")
        return str(raw), None


@dataclass
class TableSchema:
    """One CSVW metadata document (``*.csv-metadata.json``)."""

    path: Path
    title: str
    about_url: str
    columns: list[Column] = field(default_factory=list)

    @property
    def titles(self) -> list[str]:
        return [c.title for c in self.columns if c.title is not None]

    @property
    def required_titles(self) -> list[str]:
        return [c.title for c in self.columns if c.required and c.title is not None]


def read_table_schema(path: Path) -> TableSchema:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        schema = document["tableSchema"]
        columns = [
            Column(c["name"], None if c.get("virtual") else _first_title(c), c)
            for c in schema["columns"]
        ]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise InputError(f"unreadable CSVW metadata: {error}", file=str(path)) from None
    return TableSchema(path, str(document.get("dc:title", path.stem)), schema["aboutUrl"], columns)


def _first_title(column: dict[str, Any]) -> str:
    titles = column["titles"]
    return str(titles[0] if isinstance(titles, list) else titles)


def read_table_schemas(mappings_dir: Path) -> list[TableSchema]:
    return [read_table_schema(p) for p in sorted(mappings_dir.glob("*.csv-metadata.json"))]


def expand_curie(value: str, base_iri: str) -> str:
    prefix, sep, local = value.partition(":")
    known = prefixes(base_iri)
    if sep and prefix in known and not local.startswith("//"):
        return known[prefix] + local
    return value


def expand_template(template: str, values: dict[str, str | None], base_iri: str) -> str | None:
    """RFC 6570 level 1-2 expansion, resolved against the base; None when a variable is null."""
    missing = False

    def substitute(match: re.Match[str]) -> str:
        nonlocal missing
        value = values.get(match.group(2))
        if value is None:
            missing = True
            return ""
        safe = ":/?#[]@!$&'()*+,;=%" if match.group(1) else ""
        return urllib.parse.quote(value, safe=safe)

    expanded = _TEMPLATE.sub(substitute, expand_curie(template, base_iri))
    if missing:
        return None
    return urllib.parse.urljoin(base_iri, expanded)
