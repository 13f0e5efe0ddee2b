"""LDC, LLDC and SIDS membership from UNSD's M49 overview table and its Turtle (build_reference).

Each membership is its own record (``unpacs:CountryGroupMembership``) with the list it comes from
(``dcterms:source``) and the date of that list (``unpacs:asOf``), so a page can say "LDC (UN M49,
as of 2025-11-29)"; the plain ``unpacs:countryGroup`` link is kept for simple queries. Areas the
table flags that are not UN Member States (16 SIDS such as Anguilla or Puerto Rico) are not
modelled as records: the group's concept names them in a ``skos:scopeNote``.
"""

from __future__ import annotations

import csv
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from unpacs.loader.errors import CsvRecordError
from unpacs.loader.turtle_text import iri, literal, subject_block, turtle_document
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
# The M49 overview column that flags each group with an "x".
FLAG_COLUMNS = {
    "ldc": "Least Developed Countries (LDC)",
    "lldc": "Land Locked Developing Countries (LLDC)",
    "sids": "Small Island Developing States (SIDS)",
}
CODE_COLUMN, NAME_COLUMN = "ISO-alpha3 Code", "Country or Area"


@dataclass(frozen=True)
class M49List:
    """The copy of the M49 overview the memberships come from."""

    date: str  # YYYY-MM-DD, the day the table was downloaded
    page: str  # UNSD's page
    copy_url: str  # the published copy the file was taken from
    sha256: str

    @property
    def path(self) -> str:
        return thing_path("dataset", f"m49-overview-{self.date}")


M49_PAGE = "https://unstats.un.org/unsd/methodology/m49/overview/"
M49_COPY = (
    "https://github.com/cbdq-io/datasets/blob/712f73a8c34d75f0310f8941f565829454abd235/"
    "org/un/unstats/m49_overview_csv/m49_overview.csv"
)
M49_DATE = "2025-11-29"


@dataclass(frozen=True)
class GroupMembership:
    alpha3: str
    group: str
    name_in_source: str
    member_state: bool


def read_m49_groups(path: Path) -> tuple[M49List, list[GroupMembership]]:
    """Group flags of every row of the M49 overview; a bad cell stops the build with its place."""
    name = str(path)
    data = path.read_bytes()
    source = M49List(M49_DATE, M49_PAGE, M49_COPY, hashlib.sha256(data).hexdigest())
    reader = csv.DictReader(data.decode("utf-8-sig").splitlines())
    missing = [
        c
        for c in (CODE_COLUMN, NAME_COLUMN, *FLAG_COLUMNS.values())
        if c not in (reader.fieldnames or ())
    ]
    if missing:
        raise CsvRecordError(
            f"no column(s) {missing}", file=name, row=1, hint="use UNSD's M49 overview CSV"
        )
    memberships = []
    for row_number, row in enumerate(reader, start=2):
        alpha3 = (row[CODE_COLUMN] or "").strip()
        for group, column in FLAG_COLUMNS.items():
            flag = (row[column] or "").strip()
            if flag not in ("", "x"):
                raise CsvRecordError(
                    f"{flag!r} is not a group flag",
                    file=name,
                    row=row_number,
                    field=column,
                    hint="the table marks members with 'x'",
                )
            if flag and not re.match(r"^[A-Z]{3}$", alpha3):
                raise CsvRecordError(
                    f"{alpha3!r} is not an ISO alpha-3 code",
                    file=name,
                    row=row_number,
                    field=CODE_COLUMN,
                )
            if flag:
                memberships.append(GroupMembership(alpha3, group, row[NAME_COLUMN].strip(), False))
    return source, memberships


def with_member_states(
    memberships: list[GroupMembership], member_states: set[str]
) -> list[GroupMembership]:
    return [
        GroupMembership(m.alpha3, m.group, m.name_in_source, m.alpha3 in member_states)
        for m in memberships
    ]


def membership_path(group: str, alpha3: str, date: str) -> str:
    return thing_path("record", f"country-group-{group}-{alpha3}-{date}")


def _list_block(source: M49List) -> str:
    title = "Standard Country or Area Codes for Statistical Use (M49): overview"
    described = (
        f"UNSD's M49 overview table with its LDC, LLDC and SIDS columns, as downloaded "
        f"{source.date} from {source.page} and published at {source.copy_url} (sha256 "
        f"{source.sha256}). Used for country group membership only."
    )
    return subject_block(
        iri(source.path),
        ["dcat:Dataset", "prov:Entity"],
        [
            ("dcterms:title", literal(title, "en")),
            ("dcterms:description", literal(described, "en")),
            ("dcterms:date", literal(source.date, datatype="xsd:date")),
            ("foaf:page", iri(source.page)),
            ("dcterms:source", iri(source.page)),
            ("prov:wasDerivedFrom", iri(source.copy_url)),
            ("unpacs:contentHash", literal("sha256:" + source.sha256)),
        ],
    )


def _concept_block(group: CountryGroup, source: M49List, others: list[GroupMembership]) -> str:
    scheme = scheme_path("country-group")
    pairs = [
        ("skos:prefLabel", literal(group.label, "en")),
        ("skos:altLabel", literal(group.acronym, "en")),
        ("skos:notation", literal(group.acronym.removesuffix("s"))),
        ("skos:definition", literal(group.definition, "en")),
        ("skos:inScheme", iri(scheme)),
        ("skos:topConceptOf", iri(scheme)),
        ("dcterms:source", iri(group.definition_source)),
        ("dcterms:source", iri(source.path)),
    ]
    if others:
        names = "; ".join(f"{m.name_in_source} ({m.alpha3})" for m in others)
        note = (
            f"The UN M49 overview (as of {source.date}) also flags {len(others)} areas that are "
            f"not UN Member States: {names}. They are not modelled as records here; only UN "
            f"Member States have membership records."
        )
        pairs.append(("skos:scopeNote", literal(note, "en")))
    return subject_block(
        iri(thing_path("concept", group.key, "country-group")), ["skos:Concept"], pairs
    )


def build_country_groups(source: M49List, memberships: list[GroupMembership]) -> str:
    scheme = scheme_path("country-group")
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
        ),
        _list_block(source),
    ]
    for group in COUNTRY_GROUPS:
        others = sorted(
            (m for m in memberships if m.group == group.key and not m.member_state),
            key=lambda m: m.alpha3,
        )
        blocks.append(_concept_block(group, source, others))
    members = sorted(
        (m for m in memberships if m.member_state),
        key=lambda m: (GROUP_KEYS.index(m.group), m.alpha3),
    )
    for m in members:
        blocks.append(
            subject_block(
                iri(membership_path(m.group, m.alpha3, source.date)),
                ["unpacs:CountryGroupMembership"],
                [
                    ("unpacs:groupMember", iri(thing_path("country", m.alpha3))),
                    ("unpacs:group", iri(thing_path("concept", m.group, "country-group"))),
                    ("unpacs:asOf", literal(source.date, datatype="xsd:date")),
                    ("rdfs:label", literal(f"{m.name_in_source}: {m.group.upper()}", "en")),
                    ("dcterms:source", iri(source.path)),
                ],
            )
        )
    by_country: dict[str, list[str]] = {}
    for m in members:
        by_country.setdefault(m.alpha3, []).append(m.group)
    for alpha3 in sorted(by_country):
        objects = ", ".join(
            iri(thing_path("concept", g, "country-group")) for g in by_country[alpha3]
        )
        blocks.append(f"{iri(thing_path('country', alpha3))} unpacs:countryGroup {objects} .\n")
    comment = (
        f"Membership of UN Member States in LDC / LLDC / SIDS, from UNSD's M49 overview table\n"
        f"as downloaded {source.date} (data/reference/sources/m49_overview.csv; see\n"
        f"data/reference/sources/README.md). Generated by scripts/build_reference.py; do not edit."
    )
    return turtle_document(comment, blocks)
