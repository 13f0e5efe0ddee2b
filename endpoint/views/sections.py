"""Type-specific parts of the pages: organisation trees, post holders over time (and "as of" a
date), survey indicators, documents by topic. Each runs a few queries through the executor."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pyoxigraph

from unpacs.endpoint.views.models import Footnotes, Labels, Link, Term, is_number
from unpacs.loader.query.executor import QueryExecutor
from unpacs.loader.query.rows import Row, chunks, iri, select

PREFIXES = """PREFIX org: <http://www.w3.org/ns/org#>
PREFIX time: <http://www.w3.org/2006/time#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX dcat: <http://www.w3.org/ns/dcat#>
PREFIX qb: <http://purl.org/linked-data/cube#>
PREFIX schema: <http://schema.org/>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
PREFIX sdmx: <http://purl.org/linked-data/sdmx/2009/dimension#>
"""


def _v(row: Row, name: str) -> str | None:
    term = row.get(name)
    return term.value if term is not None else None


def _graph(row: Row) -> str | None:
    return _v(row, "g")


@dataclass
class Tenure:
    person: Link
    post: Link | None
    organization: Link | None
    start: str | None
    end: str | None
    attested: str | None  # the latest date a source attests the record
    notes: list[int] = field(default_factory=list)

    def valid_on(self, day: date) -> bool:
        """Held on ``day``: begun by then and not ended before. Undated records are not."""
        if self.start is None or self.start[:10] > day.isoformat():
            return False
        return self.end is None or self.end[:10] >= day.isoformat()


TENURES = (
    PREFIXES
    + """
SELECT ?m ?person ?post ?org ?start ?end ?attested ?srcdate ?g WHERE {{
  {{ {filter} }}
  GRAPH ?g {{ ?m org:member ?person ; org:organization ?org }}
  OPTIONAL {{ ?m <{base}def/unpacs#post> ?post }}
  OPTIONAL {{ ?m org:memberDuring/time:hasBeginning/time:inXSDDate ?start }}
  OPTIONAL {{ ?m org:memberDuring/time:hasEnd/time:inXSDDate ?end }}
  OPTIONAL {{ ?m <{base}def/unpacs#lastAttested> ?attested }}
  OPTIONAL {{ ?m dcterms:source ?src . ?src dcterms:date|dcterms:issued ?srcdate }}
}}"""
)
# Post holders that no membership dates (a source names the holder but not since when).
HOLDERS = (
    PREFIXES
    + """
SELECT ?person ?post ?org ?srcdate ?g WHERE {{
  {{ {filter} }}
  GRAPH ?g {{ ?person org:holds ?post }} ?post org:postIn ?org .
  FILTER NOT EXISTS {{ ?m org:member ?person ; <{base}def/unpacs#post> ?post }}
  OPTIONAL {{ ?person dcterms:source ?src . ?src dcterms:date|dcterms:issued ?srcdate }}
}}"""
)


def tenures(
    executor: QueryExecutor, base: str, where: str, labels: Labels, notes: Footnotes
) -> list[Tenure]:
    """Memberships and undated post holders; ``where`` binds ?org or ?person."""
    rows, _, _ = select(executor, TENURES.format(filter=where, base=base))
    found: dict[str, Tenure] = {}
    for row in rows:
        key = _v(row, "m") or ""
        attested = _v(row, "attested") or _v(row, "srcdate")
        tenure = found.get(key)
        if tenure is None:
            tenure = found[key] = Tenure(
                labels.link(row["person"]),
                labels.link(row["post"]) if "post" in row else None,
                labels.link(row["org"]),
                _v(row, "start"),
                _v(row, "end"),
                attested,
            )
        elif attested and (tenure.attested is None or attested > tenure.attested):
            tenure.attested = attested
        note = notes.note(_graph(row))
        if note and note not in tenure.notes:
            tenure.notes.append(note)
    for row in select(executor, HOLDERS.format(filter=where, base=base))[0]:
        key = f"{_v(row, 'person')} {_v(row, 'post')}"
        if key not in found:
            note = notes.note(_graph(row))
            found[key] = Tenure(
                labels.link(row["person"]),
                labels.link(row["post"]),
                labels.link(row["org"]),
                None,
                None,
                _v(row, "srcdate"),
                [note] if note else [],
            )
    result = list(found.values())
    labels.fetch(
        executor,
        [t.person.iri for t in result]
        + [x.iri for t in result for x in (t.post, t.organization) if x],
    )
    relabel = [
        Tenure(
            labels.link(t.person.iri),
            labels.link(t.post.iri) if t.post else None,
            labels.link(t.organization.iri) if t.organization else None,
            t.start,
            t.end,
            t.attested,
            t.notes,
        )
        for t in result
    ]
    return sorted(relabel, key=lambda t: (t.start or "", t.person.text))


@dataclass
class TreeNode:
    org: Link
    reports_to: list[Link] = field(default_factory=list)
    children: list[TreeNode] = field(default_factory=list)
    notes: list[int] = field(default_factory=list)


# Two steps: which organisations (``where`` binds ?org), then their edges by VALUES; one query
# with the OPTIONAL union evaluated the inverse branch before ?org was bound (a full scan).
ORGS = PREFIXES + "SELECT DISTINCT ?org WHERE {{ {where} }}"
EDGES = (
    PREFIXES
    + """
SELECT ?org ?parent ?boss ?founded ?dissolved ?g WHERE {{
  VALUES ?org {{ {orgs} }}
  GRAPH ?g {{ ?org a org:Organization }}
  OPTIONAL {{ ?org org:subOrganizationOf|org:unitOf ?parent }}
  OPTIONAL {{ ?org org:reportsTo ?boss }}
  OPTIONAL {{ ?org schema:foundingDate ?founded }}
  OPTIONAL {{ ?org schema:dissolutionDate ?dissolved }}
}}"""
)
OWNERS = (
    PREFIXES
    + """
SELECT ?org ?parent WHERE {{ VALUES ?org {{ {orgs} }} ?parent org:hasSubOrganization ?org }}"""
)


def organisation_tree(
    executor: QueryExecutor,
    where: str,
    labels: Labels,
    notes: Footnotes,
    day: date | None = None,
) -> list[TreeNode]:
    """The organisations matching ``where`` (binding ?org) as a forest by is-part-of."""
    found = [r["org"].value for r in select(executor, ORGS.format(where=where))[0] if "org" in r]
    if not found:
        return []
    rows: list[Row] = []
    for batch in chunks(found):
        orgs = " ".join(iri(o) for o in batch)
        rows += select(executor, EDGES.format(orgs=orgs))[0]
        rows += select(executor, OWNERS.format(orgs=orgs))[0]
    parents: dict[str, set[str]] = {}
    bosses: dict[str, set[str]] = {}
    graphs: dict[str, set[str]] = {}
    for row in rows:
        org = row["org"].value
        if day is not None and not _exists_on(row, day):
            continue
        parents.setdefault(org, set())
        bosses.setdefault(org, set())
        if g := _graph(row):
            graphs.setdefault(org, set()).add(g)
        if parent := _v(row, "parent"):
            parents[org].add(parent)
        if boss := _v(row, "boss"):
            bosses[org].add(boss)
    labels.fetch(executor, [*parents, *(b for bs in bosses.values() for b in bs)])
    nodes = {
        org: TreeNode(
            labels.link(org),
            [labels.link(b) for b in sorted(bosses[org])],
            [],
            sorted(n for g in graphs.get(org, ()) if (n := notes.note(g)) is not None),
        )
        for org in parents
    }
    roots = []
    for org, node in nodes.items():
        inside = [p for p in sorted(parents[org]) if p in nodes and p != org]
        if inside:
            nodes[inside[0]].children.append(node)
        else:
            roots.append(node)
    for node in nodes.values():
        node.children.sort(key=lambda n: n.org.text)
    return sorted(roots, key=lambda n: n.org.text)


def _exists_on(row: Row, day: date) -> bool:
    founded, dissolved = _v(row, "founded"), _v(row, "dissolved")
    if founded and founded[:10] > day.isoformat():
        return False
    return not (dissolved and dissolved[:10] < day.isoformat())


@dataclass
class Series:
    """Survey observations of one area: one row per edition, one column per measure."""

    measures: list[Link]
    rows: list[tuple[Link, list[str | None], list[int]]]

    @property
    def charted(self) -> int:
        """The measure the chart shows: the E-Government Development Index when there is one
        (the survey's headline index), else the first."""
        for index, measure in enumerate(self.measures):
            if measure.iri.lower().endswith("egdi"):
                return index
        return 0

    def chart(
        self, measure: int, width: int = 320, height: int = 120
    ) -> list[tuple[float, float, str]]:
        """Points (x, y, value) of one measure for a server-drawn SVG line chart (values 0..1,
        ranks scaled to the largest)."""
        values = [
            (i, float(value))
            for i, (_, v, _) in enumerate(self.rows)
            if (value := v[measure]) is not None
        ]
        if not values:
            return []
        top = max(1.0, max(v for _, v in values))
        step = width / max(1, len(self.rows) - 1)
        return [
            (round(i * step, 1), round(height - v / top * height, 1), f"{v:g}") for i, v in values
        ]


OBSERVATIONS = (
    PREFIXES
    + """
SELECT ?obs ?edition ?dataset ?p ?v ?g WHERE {{
  ?obs a qb:Observation ; sdmx:refArea {area} .
  GRAPH ?g {{ ?obs ?p ?v }}
  OPTIONAL {{ ?obs sdmx:refPeriod|sdmx:timePeriod ?edition }}
  OPTIONAL {{ ?obs qb:dataSet ?dataset }}
}}"""
)


def indicator_series(
    executor: QueryExecutor, area: str, labels: Labels, notes: Footnotes
) -> Series:
    """Every numeric measure of the observations of ``area``, by edition (period or data set)."""
    rows, _, _ = select(executor, OBSERVATIONS.format(area=iri(area)))
    by_edition: dict[str, dict[str, str]] = {}
    edition_notes: dict[str, list[int]] = {}
    measures: dict[str, None] = {}
    for row in rows:
        value = row.get("v")
        if not is_number(value):
            continue
        assert isinstance(value, pyoxigraph.Literal)
        edition = _v(row, "edition") or _v(row, "dataset") or row["obs"].value
        measures.setdefault(row["p"].value, None)
        by_edition.setdefault(edition, {})[row["p"].value] = value.value
        note = notes.note(_graph(row))
        if note and note not in edition_notes.setdefault(edition, []):
            edition_notes[edition].append(note)
    labels.fetch(executor, [*measures, *by_edition])
    columns = list(measures)
    table = [
        (labels.link(ed), [by_edition[ed].get(m) for m in columns], edition_notes.get(ed, []))
        for ed in by_edition
    ]
    table.sort(key=lambda r: r[0].text)
    return Series([labels.link(m) for m in columns], table)


DOCUMENTS = (
    PREFIXES
    + """
SELECT ?doc ?topic ?kind ?date ?g WHERE {{
  GRAPH ?g {{ ?doc dcterms:spatial {area} }}
  ?doc a ?kind . FILTER(?kind IN (foaf:Document, <{base}def/unpacs#CaseStudy>))
  OPTIONAL {{ ?doc dcterms:subject|dcat:theme ?topic }}
  OPTIONAL {{ ?doc dcterms:date ?date }}
}}"""
)


def documents_by_topic(
    executor: QueryExecutor, base: str, area: str, labels: Labels, notes: Footnotes
) -> tuple[dict[str, list[tuple[Link, str | None, list[int]]]], list[tuple[Link, list[int]]]]:
    """Strategies, laws and documents of ``area`` by thematic topic, and its case studies."""
    rows, _, _ = select(executor, DOCUMENTS.format(area=iri(area), base=base))
    labels.fetch(executor, [r[k].value for r in rows for k in ("doc", "topic") if k in r])
    topics: dict[str, list[tuple[Link, str | None, list[int]]]] = {}
    cases: list[tuple[Link, list[int]]] = []
    for row in rows:
        note = notes.note(_graph(row))
        link = labels.link(row["doc"])
        if row["kind"].value.endswith("#CaseStudy"):
            if all(c[0] != link for c in cases):
                cases.append((link, [note] if note else []))
            continue
        topic = labels.link(row["topic"]).text if "topic" in row else ""
        entry = (link, _v(row, "date"), [note] if note else [])
        if entry not in topics.setdefault(topic, []):
            topics[topic].append(entry)
    return dict(sorted(topics.items())), cases


def first_term(rows: list[Row], name: str) -> Term | None:
    return next((r[name] for r in rows if name in r), None)
