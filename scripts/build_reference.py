"""Build the bundled country reference data in ``data/reference/``.

Reads the OCHA Countries & Territories Taxonomy bundled in the ``hdx-python-country`` package
(offline: never the live sheet) and UNSD's M49 overview table (``sources/m49_overview.csv``,
for the LDC, LLDC and SIDS flags), and writes
``countries.ttl``, ``m49-regions.ttl`` and ``country-groups.ttl``.

The output is deterministic (sorted, fixed formatting, no timestamps) so a test can re-run this
script and compare the files byte for byte. IRIs are relative to the base IRI (no ``@base``);
the loader resolves them against ``UNPACS_BASE_IRI``.

    .venv/bin/python -m scripts.build_reference [--out data/reference] [--m49-csv FILE]
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from scripts.country_groups import build_country_groups, read_m49_groups, with_member_states
from scripts.generated_files import write_generated
from unpacs.loader.turtle_text import iri, literal, subject_block, turtle_document
from unpacs.loader.uris import scheme_path, thing_path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO / "data" / "reference"
DEFAULT_M49_CSV = DEFAULT_OUT / "sources" / "m49_overview.csv"
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


# ---------------------------------------------------------------- entry point


def build_all(m49_csv: Path) -> dict[str, str]:
    source, rows = load_taxonomy()
    countries = selected_countries(rows)
    member_states = {
        r["ISO 3166-1 Alpha 3-Codes"] for r in countries if r["Appears in DGACM list"] == "Y"
    }
    m49_list, flagged = read_m49_groups(m49_csv)
    memberships = with_member_states(flagged, member_states)
    return {
        "countries.ttl": build_countries(source, countries),
        "m49-regions.ttl": build_m49_regions(source, rows),
        "country-groups.ttl": build_country_groups(m49_list, memberships),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output directory")
    parser.add_argument(
        "--m49-csv",
        type=Path,
        default=DEFAULT_M49_CSV,
        help="UNSD M49 overview CSV (LDC, LLDC, SIDS flags)",
    )
    args = parser.parse_args(argv)
    return write_generated(args.out, lambda: build_all(args.m49_csv))


if __name__ == "__main__":
    sys.exit(main())
