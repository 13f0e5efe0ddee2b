"""Deterministic generator of SYNTHETIC, UNPACS-shaped RDF for load benchmarks.

Every record follows ontology/MODELLING.md (so it conforms to shapes/), and every subject says it
is made up: ``dcterms:source <urn:unpacs:synthetic:bench>``, labels such as "Synthetic Ministry
12", keys starting with ``bench-``, countries with ISO user-assigned codes (XAA..XZZ) that no real
country has, web sites and mail domains under the reserved ``.invalid`` top-level domain.

A file with a ``--prefix`` is an increment: it writes no countries, concepts or data set (the
big file has them) and its new institutions hang under the big file's first ministries, so it
can only be validated together with a store that already holds a big file of the same shape.

    python -m bench.generate --triples 100000 --out bench/out/data-100k.nt
    python -m bench.generate --triples 1000 --prefix k --out bench/out/inc-1k.nt
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Generator, Iterator
from pathlib import Path

from bench.ntriples import (
    CV,
    DCT,
    DOCUMENT_TYPES,
    FAMILY_PARTS,
    FOAF,
    GIVEN,
    LANG_NAMES,
    LEVEL_NAMES,
    LINKED_UNITS,
    LOCN,
    MAX_COUNTRIES,
    MIN_COUNTRIES,
    ORG,
    PERIODS,
    QB,
    RANKS,
    ROLES,
    SCHEMA,
    SCHEMES,
    SDMX_DIM,
    SKOS,
    TIME,
    A,
    Triples,
    _lines,
    country_code,
    literal,
)
from unpacs.loader.settings import DEFAULT_BASE_IRI
from unpacs.loader.uris import is_valid_key


def dataset_records(t: Triples) -> Iterator[list[str]]:
    """The indicator data set with its structure (one measure). An increment has its own: the
    loader's validation fetches only one hop of stored records, so an increment's observation
    cannot see the measure declared two hops away (data set -> structure -> component)."""
    dataset = t.thing("dataset", "bench-indicators")
    structure = t.thing("dataset", "bench-indicators-structure")
    component = t.blank()
    yield _lines(
        dataset,
        (A, f"<{QB}DataSet>"),
        (f"<{DCT}title>", literal("Synthetic indicators (benchmark)", "en")),
        (f"<{QB}structure>", structure),
    )
    yield _lines(structure, (A, f"<{QB}DataStructureDefinition>"), (f"<{QB}component>", component))
    yield _lines(
        component,
        (A, f"<{QB}ComponentSpecification>"),
        (f"<{QB}measure>", t.unpacs("numberOfEvents")),
    )


def shared_records(t: Triples, n_countries: int) -> Iterator[list[str]]:
    """Concept schemes, concepts, the data set and the countries every unit points at."""
    for scheme, keys in SCHEMES.items():
        scheme_iri = t.scheme(scheme)
        yield _lines(
            scheme_iri,
            (A, f"<{SKOS}ConceptScheme>"),
            (f"<{SKOS}prefLabel>", literal(f"Synthetic {scheme} scheme (benchmark)", "en")),
        )
        for key in keys:
            types = [(A, f"<{SKOS}Concept>")]
            if scheme == "period":
                types.append((A, f"<{TIME}Interval>"))
            yield _lines(
                t.concept(scheme, key),
                *types,
                (f"<{SKOS}prefLabel>", literal(f"Synthetic {scheme} {key}", "en")),
                (f"<{SKOS}inScheme>", scheme_iri),
                (f"<{SKOS}definition>", literal(f"Made-up {scheme} for benchmarks.", "en")),
            )
    yield from dataset_records(t)
    for i in range(n_countries):
        code = country_code(i)
        pairs = [(A, f"<{SCHEMA}Country>")]
        pairs += [
            (f"<{SKOS}prefLabel>", literal(f"{n} {code}", lang)) for lang, n in LANG_NAMES.items()
        ]
        pairs += [
            (t.unpacs("formalName"), literal(f"the Synthetic Republic of {code}", "en")),
            (t.unpacs("isoAlpha2"), literal("X" + chr(65 + i % 26))),
            (t.unpacs("isoAlpha3"), literal(code)),
            (t.unpacs("m49Code"), literal(f"{900 + i % 100:03d}")),
        ]
        yield _lines(t.thing("country", code, own=False), *pairs)


class Unit:
    """One ministry and its tree of sub-institutions in one country, with officials over time."""

    def __init__(self, t: Triples, rng: random.Random, index: int, country: str) -> None:
        self.t, self.rng, self.index, self.country = t, rng, index, country
        self.orgs = 0

    def records(self, parent: str | None) -> Iterator[list[str]]:
        root = yield from self._institution(parent, level=0)
        frontier = [root]
        for level in range(1, len(LEVEL_NAMES)):
            next_frontier: list[str] = []
            for org in frontier:
                for _ in range(self.rng.randint(1, 4 - level)):
                    child = yield from self._institution(org, level)
                    next_frontier.append(child)
            frontier = next_frontier
        yield from self._documents(root)
        yield from self._observations()

    def _institution(self, parent: str | None, level: int) -> Generator[list[str], None, str]:
        t, rng = self.t, self.rng
        key = f"bench-org-{self.index}-{self.orgs}"
        self.orgs += 1
        org = t.thing("organization", key)
        name = f"Synthetic {LEVEL_NAMES[level]} {self.index}.{self.orgs}"
        site, contact = t.thing("site", key), t.thing("contact", key)
        pairs = [
            (A, f"<{ORG}Organization>"),
            (A, f"<{CV}PublicOrganisation>"),
            (f"<{SKOS}prefLabel>", literal(name, "en")),
            (
                f"<{SKOS}altLabel>",
                literal(f"S{LEVEL_NAMES[level][0]}{self.index}x{self.orgs}", "en"),
            ),
            (f"<{FOAF}name>", literal(name, "en")),
            (f"<{DCT}spatial>", self.country),
            (f"<{FOAF}homepage>", f"<http://{key}.synthetic.invalid/>"),
            (f"<{LOCN}address>", site),
            (f"<{SCHEMA}contactPoint>", contact),
            (f"<{DCT}description>", literal(f"Made-up functions of {name}.", "en")),
        ]
        if parent is not None:
            pairs.append((f"<{ORG}subOrganizationOf>", parent))
        record = _lines(org, *pairs)
        record += _lines(
            site,
            (A, f"<{LOCN}Address>"),
            (f"<{LOCN}thoroughfare>", literal(f"{rng.randint(1, 999)} Synthetic Street")),
            (f"<{LOCN}postName>", literal(f"Synthetic City {self.index}")),
        )
        record += _lines(
            contact,
            (A, f"<{SCHEMA}ContactPoint>"),
            (f"<{SCHEMA}telephone>", literal(f"+000 {rng.randint(1000000, 9999999)}")),
            (f"<{SCHEMA}email>", literal(f"info@{key}.synthetic.invalid")),
        )
        record += self._post_and_holders(key, org, name)
        yield record
        return org

    def _post_and_holders(self, key: str, org: str, name: str) -> list[str]:
        t, rng = self.t, self.rng
        post = t.thing("post", f"{key}-head")
        role = t.concept("role", rng.choice(ROLES))
        record = _lines(
            post,
            (A, f"<{ORG}Post>"),
            (f"<{SKOS}prefLabel>", literal(f"Head of {name}", "en")),
            (f"<{ORG}postIn>", org),
            (f"<{ORG}role>", role),
            (t.unpacs("rank"), t.concept("rank", rng.choice(RANKS))),
        )
        year = rng.randint(1995, 2012)
        holders = rng.randint(1, 3)
        for n in range(holders):
            person = t.thing("person", f"{key}-p{n}")
            contact = t.thing("contact", f"{key}-p{n}")
            given, family = rng.choice(GIVEN), "".join(rng.sample(FAMILY_PARTS, 2)).capitalize()
            record += _lines(
                person,
                (A, f"<{FOAF}Person>"),
                (f"<{FOAF}givenName>", literal(given)),
                (f"<{FOAF}familyName>", literal(family)),
                (f"<{FOAF}name>", literal(f"{given} {family}")),
                (f"<{SCHEMA}honorificPrefix>", literal(rng.choice(("Dr.", "Mr.", "Ms.")))),
                (f"<{SCHEMA}contactPoint>", contact),
                (f"<{ORG}holds>", post),
            )
            record += _lines(
                contact,
                (A, f"<{SCHEMA}ContactPoint>"),
                (f"<{SCHEMA}email>", literal(f"p{n}@{key}.synthetic.invalid")),
            )
            interval, begin = t.blank(), t.blank()
            start = f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            year += rng.randint(1, 4)
            period = [(A, f"<{TIME}Interval>"), (f"<{TIME}hasBeginning>", begin)]
            record += _lines(
                begin,
                (A, f"<{TIME}Instant>"),
                (f"<{TIME}inXSDDate>", literal(start, datatype="date")),
            )
            if n < holders - 1:  # the last holder is still in post: no end
                end = t.blank()
                period.append((f"<{TIME}hasEnd>", end))
                finish = f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
                record += _lines(
                    end,
                    (A, f"<{TIME}Instant>"),
                    (f"<{TIME}inXSDDate>", literal(finish, datatype="date")),
                )
            record += _lines(interval, *period)
            record += _lines(
                t.thing("membership", f"{key}-m{n}"),
                (A, f"<{ORG}Membership>"),
                (f"<{ORG}member>", person),
                (f"<{ORG}organization>", org),
                (t.unpacs("post"), post),
                (f"<{ORG}role>", role),
                (f"<{ORG}memberDuring>", interval),
            )
        return record

    def _documents(self, root: str) -> Iterator[list[str]]:
        t, rng = self.t, self.rng
        for kind in DOCUMENT_TYPES:
            yield _lines(
                t.thing("document", f"bench-{kind}-{self.index}"),
                (A, f"<{FOAF}Document>"),
                (f"<{DCT}title>", literal(f"Synthetic {kind} {self.index}", "en")),
                (f"<{DCT}date>", literal(str(rng.randint(2000, 2024)), datatype="gYear")),
                (f"<{DCT}type>", t.concept("document-type", kind)),
                (f"<{DCT}spatial>", self.country),
                (f"<{DCT}publisher>", root),
            )

    def _observations(self) -> Iterator[list[str]]:
        t, rng = self.t, self.rng
        dataset = t.thing("dataset", "bench-indicators")
        for n, period in enumerate(PERIODS):
            yield _lines(
                t.thing("observation", f"bench-obs-{self.index}-{n}"),
                (A, f"<{QB}Observation>"),
                (f"<{QB}dataSet>", dataset),
                (f"<{SDMX_DIM}refArea>", self.country),
                (f"<{SDMX_DIM}refPeriod>", t.concept("period", period)),
                (t.unpacs("numberOfEvents"), literal(str(rng.randint(0, 60)), datatype="integer")),
            )


def generate_lines(
    triples: int,
    *,
    seed: int = 1,
    prefix: str = "",
    fmt: str = "nt",
    base_iri: str = DEFAULT_BASE_IRI,
) -> Iterator[str]:
    """Lines of about ``triples`` triples (whole records only, so slightly more)."""
    if prefix and not is_valid_key(prefix):
        raise ValueError(f"prefix {prefix!r} must be a key: letters, digits, '.', '_', '~', '-'")
    t = Triples(base_iri if fmt == "nt" else "", prefix)
    rng = random.Random(f"{seed}:{prefix}")  # the increment differs from the big file
    written = 0
    if prefix:
        n_countries = MIN_COUNTRIES
        records = dataset_records(t)
    else:
        n_countries = max(MIN_COUNTRIES, min(MAX_COUNTRIES, triples // 5000))
        records = shared_records(t, n_countries)
    countries = [t.thing("country", country_code(i), own=False) for i in range(n_countries)]
    unit = 0
    while written < triples:
        for record in records:
            yield from record
            written += len(record)
            if written >= triples:
                return
        if prefix:
            # Increments hang under the big file's first ministries (no prefix on those keys).
            parent: str | None = t.thing(
                "organization", f"bench-org-{unit % LINKED_UNITS}-0", own=False
            )
        else:
            parent = None
        records = Unit(t, rng, unit, countries[unit % n_countries]).records(parent)
        unit += 1


def write_file(
    out: Path,
    triples: int,
    *,
    seed: int = 1,
    prefix: str = "",
    fmt: str = "nt",
    base_iri: str = DEFAULT_BASE_IRI,
) -> int:
    """Write the file; returns the number of triples written."""
    out.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with out.open("w", encoding="utf-8") as handle:
        if fmt == "ttl":
            handle.write(
                "# SYNTHETIC benchmark data made by bench/generate.py: not facts. IRIs are "
                "relative to the base IRI.\n"
            )
        chunk: list[str] = []
        for line in generate_lines(triples, seed=seed, prefix=prefix, fmt=fmt, base_iri=base_iri):
            chunk.append(line)
            if len(chunk) >= 50_000:
                handle.write("\n".join(chunk) + "\n")
                count += len(chunk)
                chunk = []
        handle.write("\n".join(chunk) + "\n")
        count += len(chunk)
    return count


def parse_size(text: str) -> int:
    """``100000``, ``100k`` or ``1m``."""
    lowered = text.strip().lower().replace("_", "")
    factor = {"k": 1_000, "m": 1_000_000}.get(lowered[-1:], 1)
    number = lowered[:-1] if factor > 1 else lowered
    return int(float(number) * factor)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.generate", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--triples", type=parse_size, required=True, help="e.g. 100000, 100k, 1m")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--format", choices=("nt", "ttl"), default=None, help="default: suffix")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--prefix", default="", help="key prefix of an increment file, e.g. k")
    parser.add_argument("--base-iri", default=DEFAULT_BASE_IRI, help="for N-Triples only")
    args = parser.parse_args(argv)
    fmt = args.format or ("ttl" if args.out.suffix == ".ttl" else "nt")
    started = time.perf_counter()
    count = write_file(
        args.out, args.triples, seed=args.seed, prefix=args.prefix, fmt=fmt, base_iri=args.base_iri
    )
    seconds = time.perf_counter() - started
    print(f"wrote {count:,} triples to {args.out} in {seconds:.2f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
