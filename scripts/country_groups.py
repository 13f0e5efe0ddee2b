"""The curated country-groups CSV (LDC, LLDC, SIDS) and its Turtle, for build_reference."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from scripts.turtle_text import iri, literal, subject_block, turtle_document
from unpacs.loader.errors import CsvRecordError
from unpacs.loader.uris import scheme_path, thing_path


@dataclass(frozen=True)
class CountryGroup:
    key: str
    label: str
    acronym: str
    definition: str
    definition_source: str


# Definitions quoted or closely paraphrased from UN pages; each cites the page it comes from.
COUNTRY_GROUPS = (
    CountryGroup(
        "ldc",
        "Least developed countries",
        "LDCs",
        "Low-income countries suffering from the most severe structural impediments to "
        "sustainable development (UN Committee for Development Policy definition, 2023 criteria).",
        "https://policy.desa.un.org/themes/least-developed-countries-category/"
        "creation-of-the-ldc-category-and-timeline-of-changes-to",
    ),
    CountryGroup(
        "lldc",
        "Landlocked developing countries",
        "LLDCs",
        "Developing countries facing special trade and development challenges arising from "
        "their lack of territorial access to the sea and geographical remoteness from "
        "international markets.",
        "http://unctad.org/en/Pages/ALDC/Landlocked%20Developing%20Countries/"
        "UN-recognition-of-the-problems-of-land-locked-developing-countries.aspx",
    ),
    CountryGroup(
        "sids",
        "Small island developing States",
        "SIDS",
        "A distinct group of developing countries facing specific social, economic and "
        "environmental vulnerabilities, recognized as such at the United Nations Conference on "
        "Environment and Development (Rio de Janeiro, 3-14 June 1992).",
        "http://unohrlls.org/about-sids/",
    ),
)
GROUP_KEYS = tuple(g.key for g in COUNTRY_GROUPS)
CSV_COLUMNS = ("iso_alpha3", "group", "name_in_source", "source_url", "list_date", "notes")
_DATE_TYPES = (
    (re.compile(r"^\d{4}$"), "xsd:gYear"),
    (re.compile(r"^\d{4}-(0[1-9]|1[0-2])$"), "xsd:gYearMonth"),
    (re.compile(r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$"), "xsd:date"),
)


# ---------------------------------------------------------------- country groups (curated CSV)


@dataclass(frozen=True)
class GroupMembership:
    alpha3: str
    group: str
    source_url: str
    list_date: str


def date_datatype(value: str) -> str | None:
    return next((dt for pattern, dt in _DATE_TYPES if pattern.match(value)), None)


def check_group_row(
    row: dict[str, str], member_states: set[str]
) -> tuple[str, str, str | None] | None:
    """(column, message, hint) of the first bad cell in a CSV row, or None."""
    alpha3, group = row["iso_alpha3"], row["group"]
    if alpha3 not in member_states:
        hint = "country-groups.csv lists UN Member States only (see countries.ttl)"
        return "iso_alpha3", f"{alpha3!r} is not the ISO alpha-3 code of a UN Member State", hint
    if group not in GROUP_KEYS:
        return "group", f"{group!r} is not a country group", f"use one of {', '.join(GROUP_KEYS)}"
    if not re.match(r"^https?://\S+$", row["source_url"]):
        return "source_url", f"{row['source_url']!r} is not an http(s) URL", None
    if date_datatype(row["list_date"]) is None:
        return (
            "list_date",
            f"{row['list_date']!r} is not a date",
            "write YYYY, YYYY-MM or YYYY-MM-DD",
        )
    return None


def read_country_groups(path: Path, member_states: set[str]) -> list[GroupMembership]:
    """Rows of the curated CSV; any bad cell stops the build with its file, row and column."""
    name = str(path)
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        if tuple(reader.fieldnames or ()) != CSV_COLUMNS:
            raise CsvRecordError(
                f"header is {reader.fieldnames}, expected {list(CSV_COLUMNS)}", file=name, row=1
            )
        seen: set[tuple[str, str]] = set()
        memberships = []
        for row_number, raw in enumerate(reader, start=2):
            row = {k: v or "" for k, v in raw.items() if k is not None}  # short rows give None
            alpha3, group = row["iso_alpha3"], row["group"]
            problem = check_group_row(row, member_states)
            if problem is None and (alpha3, group) in seen:
                problem = ("iso_alpha3", f"{alpha3} is listed twice in group {group}", None)
            if problem is not None:
                column, message, hint = problem
                raise CsvRecordError(message, file=name, row=row_number, field=column, hint=hint)
            seen.add((alpha3, group))
            memberships.append(GroupMembership(alpha3, group, row["source_url"], row["list_date"]))
    return memberships


def list_document_path(group: str, list_date: str) -> str:
    return thing_path("document", f"country-group-list-{group}-{list_date}")


def build_country_groups(memberships: list[GroupMembership]) -> str:
    scheme = scheme_path("country-group")
    lists = sorted({(m.group, m.list_date, m.source_url) for m in memberships})
    blocks = [
        subject_block(
            iri(scheme),
            ["skos:ConceptScheme"],
            [("skos:prefLabel", literal("UN country groups in special situations", "en"))]
            + [
                ("skos:hasTopConcept", iri(thing_path("concept", g, "country-group")))
                for g in GROUP_KEYS
            ]
            + [("dcterms:source", iri(g.definition_source)) for g in COUNTRY_GROUPS],
        )
    ]
    for group in COUNTRY_GROUPS:
        pairs = [
            ("skos:prefLabel", literal(group.label, "en")),
            ("skos:altLabel", literal(group.acronym, "en")),
            ("skos:notation", literal(group.acronym.removesuffix("s"))),
            ("skos:definition", literal(group.definition, "en")),
            ("skos:inScheme", iri(scheme)),
            ("skos:topConceptOf", iri(scheme)),
            ("dcterms:source", iri(group.definition_source)),
        ]
        pairs += [
            ("dcterms:source", iri(list_document_path(g, d))) for g, d, _ in lists if g == group.key
        ]
        if not any(g == group.key for g, _, _ in lists):
            note = "No membership list bundled yet: see data/reference/README.md."
            pairs.append(("skos:scopeNote", literal(note, "en")))
        blocks.append(
            subject_block(
                iri(thing_path("concept", group.key, "country-group")), ["skos:Concept"], pairs
            )
        )
    for group_key, list_date, url in lists:
        label = next(g.label for g in COUNTRY_GROUPS if g.key == group_key)
        title = f"{label}: membership list copied from {url} (state as of {list_date})"
        blocks.append(
            subject_block(
                iri(list_document_path(group_key, list_date)),
                ["foaf:Document", "prov:Entity"],
                [
                    ("dcterms:title", literal(title, "en")),
                    ("dcterms:date", literal(list_date, datatype=date_datatype(list_date))),
                    ("foaf:page", iri(url)),
                    ("dcterms:source", iri(url)),
                ],
            )
        )
    by_country: dict[str, list[str]] = {}
    for m in memberships:
        by_country.setdefault(m.alpha3, []).append(m.group)
    for alpha3 in sorted(by_country):
        groups = sorted(by_country[alpha3], key=GROUP_KEYS.index)
        objects = ", ".join(iri(thing_path("concept", g, "country-group")) for g in groups)
        blocks.append(f"{iri(thing_path('country', alpha3))} unpacs:countryGroup {objects} .\n")
    comment = (
        "Membership of UN Member States in LDC / LLDC / SIDS, from the curated\n"
        "data/reference/country-groups.csv (see data/reference/README.md for the lists copied).\n"
        "Generated by scripts/build_reference.py; do not edit by hand."
    )
    return turtle_document(comment, blocks)
