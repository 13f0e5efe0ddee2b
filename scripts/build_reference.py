"""Build the bundled country reference data in ``data/reference/``.

Reads the OCHA Countries & Territories Taxonomy bundled in the ``hdx-python-country`` package
(offline: never the live sheet) and the hand-curated ``country-groups.csv``, and writes
``countries.ttl``, ``m49-regions.ttl`` and ``country-groups.ttl``.

The output is deterministic (sorted, fixed formatting, no timestamps) so a test can re-run this
script and compare the files byte for byte. IRIs are relative to the base IRI (no ``@base``);
the loader resolves them against ``UNPACS_BASE_IRI``.

    .venv/bin/python scripts/build_reference.py [--out data/reference] [--groups-csv FILE]
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from loader.errors import CsvRecordError
from loader.uris import thing_path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO / "data" / "reference"
DEFAULT_GROUPS_CSV = DEFAULT_OUT / "country-groups.csv"
PACKAGE = "hdx-python-country"

# UN order of the six official languages; the taxonomy's column prefix for each.
LANGUAGES = (
    ("ar", "Arabic"),
    ("zh", "Chinese"),
    ("en", "English"),
    ("fr", "French"),
    ("ru", "Russian"),
    ("es", "Spanish"),
)
# Hong Kong and Macao are not in the UNTERM/DGACM lists, so they have no UNTERM short names;
# the taxonomy gives their M49 names in all six languages instead.
SPECIAL_ADMINISTRATIVE_REGIONS = ("HKG", "MAC")

PREFIXES = (
    ("dcat", "http://www.w3.org/ns/dcat#"),
    ("dcterms", "http://purl.org/dc/terms/"),
    ("foaf", "http://xmlns.com/foaf/0.1/"),
    ("owl", "http://www.w3.org/2002/07/owl#"),
    ("prov", "http://www.w3.org/ns/prov#"),
    ("rdfs", "http://www.w3.org/2000/01/rdf-schema#"),
    ("schema", "http://schema.org/"),
    ("skos", "http://www.w3.org/2004/02/skos/core#"),
    ("unpacs", "def/unpacs#"),
    ("xsd", "http://www.w3.org/2001/XMLSchema#"),
)


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


# ---------------------------------------------------------------- Turtle formatting


def iri(path_or_url: str) -> str:
    if any(c in path_or_url for c in '<>"{}|^`\\ '):
        raise ValueError(f"not writable as an IRI: {path_or_url!r}")
    return f"<{path_or_url}>"


def literal(text: str, lang: str | None = None, datatype: str | None = None) -> str:
    escaped = (
        text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    )
    suffix = f"@{lang}" if lang else (f"^^{datatype}" if datatype else "")
    return f'"{escaped}"{suffix}'


def subject_block(subject: str, types: Sequence[str], pairs: Iterable[tuple[str, str]]) -> str:
    """One subject: ``a`` first, then one ``predicate object`` per line in the given order."""
    lines = [f"{subject} a {', '.join(types)}"]
    lines += [f"    {p} {o}" for p, o in pairs]
    return " ;\n".join(lines) + " .\n"


def turtle_document(comment: str, blocks: Iterable[str]) -> str:
    header = "".join(f"# {line}\n" if line else "#\n" for line in comment.splitlines())
    prefixes = "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in PREFIXES)
    return header + "\n" + prefixes + "\n" + "\n".join(blocks)


# ---------------------------------------------------------------- the taxonomy


@dataclass(frozen=True)
class TaxonomySource:
    version: str
    upstream_url: str
    homepage: str
    file_name: str

    @property
    def path(self) -> str:
        return thing_path("dataset", "ocha-countries-taxonomy")

    def block(self) -> str:
        described = (
            f"Copy of the OCHA Countries & Territories Taxonomy bundled in the Python package "
            f"{PACKAGE} {self.version} (file '{self.file_name}'), read offline. Used for UN "
            f"membership ('Appears in DGACM list'), ISO 3166-1 codes, M49 codes and regions, "
            f"and UNTERM names; its latitude/longitude columns are not used."
        )
        return subject_block(
            iri(self.path),
            ["dcat:Dataset", "prov:Entity"],
            [
                ("dcterms:title", literal("OCHA Countries & Territories Taxonomy", "en")),
                ("dcterms:description", literal(described, "en")),
                ("dcterms:source", iri(self.upstream_url)),
                ("prov:wasDerivedFrom", iri(self.upstream_url)),
                ("owl:versionInfo", literal(f"{PACKAGE} {self.version} bundled copy")),
                ("rdfs:seeAlso", iri(self.homepage)),
            ],
        )


def load_taxonomy() -> tuple[TaxonomySource, list[dict[str, str]]]:
    """Rows of the bundled taxonomy (never downloaded) and a description of where they came from."""
    from hdx.location.country import Country

    Country.set_use_live_default(False)
    rows = Country.countriesdata(use_live=False)["countries"]
    homepage = next(
        url.split(",", 1)[1].strip()
        for url in metadata.metadata(PACKAGE).get_all("Project-URL") or []
        if url.lower().startswith("homepage,")
    )
    source = TaxonomySource(
        version=metadata.version(PACKAGE),
        # The package records the live sheet it would read without use_live=False.
        upstream_url=Country._ochaurl_default,
        homepage=homepage,
        file_name=Path(Country._ochapath_default).name,
    )
    return source, [{k: (v or "").strip() for k, v in row.items()} for row in rows.values()]


def scheme_path(scheme: str) -> str:
    """``id/concept/{scheme}``: loader/uris.py mints concepts but has no helper for schemes."""
    return thing_path("concept", "x", scheme=scheme).removesuffix("/x")


def m49_key(code: str) -> str:
    return f"{int(code):03d}"


def m49_path(code: str) -> str:
    return thing_path("concept", m49_key(code), scheme="m49")


def country_block(row: dict[str, str], source: TaxonomySource) -> str:
    alpha3 = row["ISO 3166-1 Alpha 3-Codes"]
    is_sar = alpha3 in SPECIAL_ADMINISTRATIVE_REGIONS
    types = [
        "schema:Country",
        "unpacs:SpecialAdministrativeRegion" if is_sar else "unpacs:MemberState",
    ]
    pairs: list[tuple[str, str]] = []
    for lang, column in LANGUAGES:
        name = row[f"M49 {column}"] if is_sar else row[f"{column} Short"]
        if name:
            pairs.append(("skos:prefLabel", literal(name, lang)))
    for lang, column in LANGUAGES:
        formal = row.get(f"{column} Formal", "")
        if formal:
            pairs.append(("unpacs:formalName", literal(formal, lang)))
    pairs += [
        ("unpacs:isoAlpha2", literal(row["ISO 3166-1 Alpha 2-Codes"])),
        ("unpacs:isoAlpha3", literal(alpha3)),
        ("unpacs:m49Code", literal(m49_key(row["m49 numerical code"]))),
        ("unpacs:m49Region", iri(m49_path(row["Region Code"]))),
        ("unpacs:m49SubRegion", iri(m49_path(row["Sub-region Code"]))),
    ]
    if is_sar:
        pairs.append(("schema:containedInPlace", iri(thing_path("country", "CHN"))))
    pairs.append(("dcterms:source", iri(source.path)))
    return subject_block(iri(thing_path("country", alpha3)), types, pairs)


def selected_countries(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    members = [r for r in rows if r["Appears in DGACM list"] == "Y"]
    if len(members) != 193:
        raise SystemExit(f"expected 193 UN Member States in the taxonomy, found {len(members)}")
    sars = [r for r in rows if r["ISO 3166-1 Alpha 3-Codes"] in SPECIAL_ADMINISTRATIVE_REGIONS]
    return sorted(members + sars, key=lambda r: r["ISO 3166-1 Alpha 3-Codes"])


def build_countries(source: TaxonomySource, countries: list[dict[str, str]]) -> str:
    comment = (
        f"UN Member States (193) and the Special Administrative Regions of China (Hong Kong, "
        f"Macao).\nGenerated by scripts/build_reference.py from {PACKAGE} {source.version}; "
        f"do not edit by hand."
    )
    blocks = [source.block()] + [country_block(r, source) for r in countries]
    return turtle_document(comment, blocks)


def build_m49_regions(source: TaxonomySource, rows: list[dict[str, str]]) -> str:
    """Regions, sub-regions and intermediate regions named in the taxonomy, with their parents."""
    names: dict[str, str] = {}
    parents: dict[str, str] = {}
    levels = (("Region", None), ("Sub-region", "Region"), ("Intermediate Region", "Sub-region"))
    for row in rows:
        for level, parent_level in levels:
            code = row[f"{level} Code"]
            if not code:
                continue
            names[m49_key(code)] = row[f"{level} Name"]
            if parent_level and row[f"{parent_level} Code"]:
                parents[m49_key(code)] = m49_key(row[f"{parent_level} Code"])
    scheme = iri(scheme_path("m49"))
    top = sorted(k for k in names if k not in parents)
    blocks = [
        source.block(),
        subject_block(
            scheme,
            ["skos:ConceptScheme"],
            [("skos:prefLabel", literal("UN M49 geographic regions", "en"))]
            + [("skos:hasTopConcept", iri(m49_path(k))) for k in top]
            + [("dcterms:source", iri(source.path))],
        ),
    ]
    for key in sorted(names):
        pairs = [
            ("skos:prefLabel", literal(names[key], "en")),
            ("skos:notation", literal(key)),
            ("skos:inScheme", scheme),
        ]
        if key in parents:
            pairs.append(("skos:broader", iri(m49_path(parents[key]))))
        else:
            pairs.append(("skos:topConceptOf", scheme))
        pairs.append(("dcterms:source", iri(source.path)))
        blocks.append(subject_block(iri(m49_path(key)), ["skos:Concept"], pairs))
    comment = (
        f"UN M49 regions, sub-regions and intermediate regions named in the OCHA taxonomy.\n"
        f"Generated by scripts/build_reference.py from {PACKAGE} {source.version}; "
        f"do not edit by hand."
    )
    return turtle_document(comment, blocks)


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


# ---------------------------------------------------------------- entry point


def build_all(groups_csv: Path) -> dict[str, str]:
    source, rows = load_taxonomy()
    countries = selected_countries(rows)
    member_states = {
        r["ISO 3166-1 Alpha 3-Codes"] for r in countries if r["Appears in DGACM list"] == "Y"
    }
    memberships = read_country_groups(groups_csv, member_states)
    return {
        "countries.ttl": build_countries(source, countries),
        "m49-regions.ttl": build_m49_regions(source, rows),
        "country-groups.ttl": build_country_groups(memberships),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output directory")
    parser.add_argument(
        "--groups-csv",
        type=Path,
        default=DEFAULT_GROUPS_CSV,
        help="curated LDC/LLDC/SIDS membership CSV",
    )
    args = parser.parse_args(argv)
    try:
        files = build_all(args.groups_csv)
    except CsvRecordError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (args.out / name).write_text(text, encoding="utf-8", newline="\n")
        print(f"wrote {args.out / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
