"""Record templates (CSV and XLSX) generated from the SHACL shapes and the CSVW mappings.

A column is required when its CSVW mapping says so or when a shape of the record's class asks
for its property with ``sh:minCount`` at ``sh:Violation`` (recommended at ``sh:Warning``);
its description is the mapping's ``dc:description`` and the shape's ``sh:message``; a column
whose value is a concept (``id/concept/{scheme}/…``) offers the scheme's concepts as allowed
values; the country column offers the stored countries. Nothing is written by hand, so a
template cannot drift from the shapes.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import SH, Graph, URIRef
from rdflib.collection import Collection

from unpacs.loader.errors import InputError
from unpacs.loader.ingest import validation
from unpacs.loader.ingest.csvw import TableSchema, expand_curie, read_table_schemas
from unpacs.loader.ingest.xlsx_records import FORMULA_TRIGGERS, REQUIRED_MARK
from unpacs.loader.vocab import RDF_TYPE

_CONCEPT = re.compile(r"^id/concept/([a-z0-9-]+)/\{([a-z_]+)\}$")


@dataclass
class TemplateColumn:
    title: str
    required: bool = False
    recommended: bool = False
    description: list[str] = field(default_factory=list)
    allowed: list[str] = field(default_factory=list)
    scheme: str | None = None
    country: bool = False
    datatype: str = "string"

    @property
    def header(self) -> str:
        return self.title + (REQUIRED_MARK if self.required else "")

    def as_dict(self) -> dict[str, object]:
        return {
            "title": self.title,
            "header": self.header,
            "required": self.required,
            "recommended": self.recommended,
            "description": " ".join(self.description),
            "allowed": self.allowed,
            "country": self.country,
            "datatype": self.datatype,
        }


def record_types(mappings_dir: Path) -> dict[str, TableSchema]:
    """``institution`` -> its layout (from ``institution.csv-metadata.json``)."""
    return {
        s.path.name.removesuffix(".csv-metadata.json"): s for s in read_table_schemas(mappings_dir)
    }


def schema_for(record_type: str, mappings_dir: Path) -> TableSchema:
    known = record_types(mappings_dir)
    if record_type not in known:
        raise InputError(
            f"unknown record type {record_type!r}",
            hint="known record types: " + ", ".join(sorted(known)),
        )
    return known[record_type]


def record_classes(schema: TableSchema, base_iri: str) -> list[str]:
    """Classes of the row's main record: ``rdf:type`` columns about the table's own subject."""
    return [
        expand_curie(c.spec["valueUrl"], base_iri)
        for c in schema.columns
        if "aboutUrl" not in c.spec
        and expand_curie(c.spec.get("propertyUrl", ""), base_iri) == RDF_TYPE
        and "valueUrl" in c.spec
    ]


@dataclass(frozen=True)
class PropertyRule:
    path: str
    severity: str
    min_count: int
    message: str


def property_rules(shapes: Graph, classes: Sequence[str]) -> list[PropertyRule]:
    """The property shapes (simple paths) of every node shape targeting ``classes``."""
    rules = []
    for cls in classes:
        for node_shape in shapes.subjects(SH.targetClass, URIRef(cls)):
            for prop in shapes.objects(node_shape, SH.property):
                path = shapes.value(prop, SH.path)
                if not isinstance(path, URIRef):
                    continue
                severity = shapes.value(prop, SH.severity) or shapes.value(node_shape, SH.severity)
                min_count = shapes.value(prop, SH.minCount)
                rules.append(
                    PropertyRule(
                        str(path),
                        str(severity or SH.Violation).rsplit("#", 1)[-1],
                        int(str(min_count)) if min_count is not None else 0,
                        str(shapes.value(prop, SH.message) or ""),
                    )
                )
    return rules


def sh_in_values(shapes: Graph, path: str) -> list[str]:
    values: list[str] = []
    for prop in shapes.subjects(SH.path, URIRef(path)):
        listed = shapes.value(prop, SH["in"])
        if listed is not None:
            values.extend(str(v) for v in Collection(shapes, listed))
    return values


def template_columns(
    record_type: str,
    *,
    base_iri: str,
    shapes_dir: Path,
    mappings_dir: Path,
    concepts: Mapping[str, Sequence[str]],
) -> list[TemplateColumn]:
    """The template's columns. ``concepts``: scheme IRI -> concept labels (or keys)."""
    schema = schema_for(record_type, mappings_dir)
    shapes = validation.load_shapes(shapes_dir, base_iri)
    rules = property_rules(shapes, record_classes(schema, base_iri))
    by_path: dict[str, list[PropertyRule]] = {}
    for rule in rules:
        by_path.setdefault(rule.path, []).append(rule)
    required_by_join: set[str] = set()
    for column in schema.columns:
        joined = column.spec.get("unpacs:join", {}).get("columns", [])
        path = expand_curie(column.spec.get("propertyUrl", ""), base_iri)
        if column.virtual and joined and "aboutUrl" not in column.spec:
            needed = any(r.min_count and r.severity == "Violation" for r in by_path.get(path, ()))
            by_name = {c.name: c for c in schema.columns}
            if needed and not any(by_name[n].required for n in joined if n in by_name):
                # One filled part makes the joined value; ask for the last (a family name).
                required_by_join.add(joined[-1])
    out = []
    for column in schema.columns:
        if column.virtual or column.title is None:
            continue
        made = TemplateColumn(column.title, datatype=column.datatype[0])
        made.required = column.required
        if "dc:description" in column.spec:
            made.description.append(str(column.spec["dc:description"]))
        if "aboutUrl" not in column.spec and "propertyUrl" in column.spec:
            path = expand_curie(column.spec["propertyUrl"], base_iri)
            for rule in by_path.get(path, ()):
                if rule.min_count and rule.severity == "Violation":
                    made.required = True
                elif rule.min_count:
                    made.recommended = True
                if rule.message and rule.message not in made.description:
                    made.description.append(rule.message)
            made.allowed.extend(sh_in_values(shapes, path))
        if column.datatype[0] == "date":
            made.description.append("A date as YYYY-MM-DD, e.g. 2011-08-28.")
        match = _CONCEPT.match(str(column.spec.get("valueUrl", "")))
        if match:
            made.scheme = base_iri + "id/concept/" + match.group(1)
            made.allowed.extend(concepts.get(made.scheme, ()))
        if column.spec.get("unpacs:lookup") == "country":
            made.country = True
            made.description.append(
                "The country's English short name or ISO alpha-3 code (sheet Countries)."
            )
        if column.name in required_by_join:
            made.required = True
        out.append(made)
    return out


def csv_text(value: str) -> str:
    """``value`` for a CSV a person opens in a spreadsheet: a leading ``'`` when it would
    otherwise be read as a formula (OWASP's advice for CSV injection)."""
    return "'" + value if value.startswith(FORMULA_TRIGGERS) else value


def csv_template(columns: Sequence[TemplateColumn]) -> bytes:
    """The header row; required columns end with `` *`` (the reader ignores the mark)."""
    out = io.StringIO(newline="")
    csv.writer(out).writerow([csv_text(c.header) for c in columns])
    return out.getvalue().encode("utf-8")
