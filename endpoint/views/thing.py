"""The HTML page of a thing: its description as blocks, plus the sections of its type."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import pyoxigraph
from flask import Response, render_template
from werkzeug.exceptions import BadRequest

from unpacs.endpoint.i18n import LANGUAGES, NATIVE, Text
from unpacs.endpoint.state import state_of
from unpacs.endpoint.views import sections
from unpacs.endpoint.views.models import (
    Footnotes,
    Labels,
    Link,
    graph_sources,
    statement_blocks,
)
from unpacs.loader.query.rows import iri, select
from unpacs.loader.read.describe import (
    Description,
    Term,
    object_of,
    subject_of,
)
from unpacs.loader.vocab import DCT, FOAF, LOCN, ORG, RDF_TYPE, SCHEMA, SKOS


def parse_day(text: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise BadRequest(f"date={text!r} is not a date; use YYYY-MM-DD") from None


def _objects(description: Description, subject: str, predicate: str) -> list[Term]:
    return [
        object_of(q)
        for q in description.quads
        if subject_of(q).value == subject and q.predicate.value == predicate
    ]


def _subjects(description: Description, predicate: str, obj: str) -> list[Term]:
    return [
        subject_of(q)
        for q in description.quads
        if object_of(q).value == obj and q.predicate.value == predicate
    ]


def _unique(links: list[Link]) -> list[Link]:
    return list(dict.fromkeys(links))


@dataclass(frozen=True)
class Page:
    """What every section function reads: the thing, its description and the page's helpers."""

    description: Description
    thing: str
    labels: Labels
    notes: Footnotes
    executor: Any
    base: str
    own: str
    day: Any


def _country_sections(page: Page) -> dict[str, Any]:
    description = page.description
    thing = page.thing
    labels = page.labels
    notes = page.notes
    executor = page.executor
    base = page.base
    own = page.own
    day = page.day
    out: dict[str, Any] = {}
    names = {
        o.language: o.value
        for o in _objects(description, thing, SKOS + "prefLabel")
        if isinstance(o, pyoxigraph.Literal)
    }
    out["names"] = [(code, NATIVE[code], names.get(code)) for code in LANGUAGES]
    out["formal"] = [
        (o.language, o.value)
        for o in _objects(description, thing, own + "formalName")
        if isinstance(o, pyoxigraph.Literal)
    ]
    out["codes"] = [
        (name, [o.value for o in _objects(description, thing, own + name)])
        for name in ("isoAlpha2", "isoAlpha3", "m49Code")
    ]
    out["regions"] = _unique(
        [
            labels.link(o)
            for p in ("m49Region", "m49SubRegion")
            for o in _objects(description, thing, own + p)
        ]
    )
    out["groups"] = _groups(executor, thing, own, labels, notes)
    where = f"?org {iri(DCT + 'spatial')} {iri(thing)} ."
    out["tree"] = sections.organisation_tree(executor, where, labels, notes, day)
    out["tenures"] = sections.tenures(executor, base, where, labels, notes)
    out["documents"], out["cases"] = sections.documents_by_topic(
        executor, base, thing, labels, notes
    )
    out["series"] = sections.indicator_series(executor, thing, labels, notes)
    return out


def _organization_sections(page: Page) -> dict[str, Any]:
    description = page.description
    thing = page.thing
    labels = page.labels
    notes = page.notes
    executor = page.executor
    base = page.base
    day = page.day
    out: dict[str, Any] = {}
    out["parents"] = _unique(
        [
            labels.link(o)
            for p in ("subOrganizationOf", "unitOf")
            for o in _objects(description, thing, ORG + p)
        ]
        + [labels.link(s) for s in _subjects(description, ORG + "hasSubOrganization", thing)]
    )
    out["children"] = _unique(
        [
            labels.link(s)
            for p in ("subOrganizationOf", "unitOf")
            for s in _subjects(description, ORG + p, thing)
        ]
        + [labels.link(o) for o in _objects(description, thing, ORG + "hasSubOrganization")]
    )
    out["reports_to"] = [labels.link(o) for o in _objects(description, thing, ORG + "reportsTo")]
    out["reporting_units"] = [
        labels.link(s) for s in _subjects(description, ORG + "reportsTo", thing)
    ]
    out["functions"] = [o.value for o in _objects(description, thing, DCT + "description")]
    where = f"?org (<{ORG}subOrganizationOf>|<{ORG}unitOf>)* {iri(thing)} ."
    out["tree"] = sections.organisation_tree(executor, where, labels, notes, day)
    out["tenures"] = sections.tenures(executor, base, f"BIND({iri(thing)} AS ?org)", labels, notes)
    return out


def _person_sections(page: Page) -> dict[str, Any]:
    thing = page.thing
    labels = page.labels
    notes = page.notes
    executor = page.executor
    base = page.base
    out: dict[str, Any] = {}
    out["tenures"] = sections.tenures(
        executor, base, f"BIND({iri(thing)} AS ?person)", labels, notes
    )
    return out


def _concept_sections(page: Page) -> dict[str, Any]:
    description = page.description
    thing = page.thing
    labels = page.labels
    out: dict[str, Any] = {}
    tagged: dict[str, list[Link]] = {}
    for q in description.quads:
        if object_of(q).value == thing and subject_of(q).value != thing:
            tagged.setdefault(labels.curie(q.predicate.value), []).append(
                labels.link(subject_of(q))
            )
    out["tagged"] = {k: sorted(set(v), key=lambda x: x.text) for k, v in sorted(tagged.items())}
    return out


def _dataset_sections(page: Page) -> dict[str, Any]:
    thing = page.thing
    labels = page.labels
    executor = page.executor
    out: dict[str, Any] = {}
    out["table"] = _observations(executor, thing, labels)
    return out


# The parts each kind of thing adds to its page; a kind not listed shows its statements only.
SECTIONS: dict[str, Callable[[Page], dict[str, Any]]] = {
    "country": _country_sections,
    "organization": _organization_sections,
    "person": _person_sections,
    "concept": _concept_sections,
    "dataset": _dataset_sections,
}


def render(description: Description, path: str, lang: str, day_text: str) -> Response:
    state = state_of()
    base = state.settings.base_iri
    executor = state.executor
    day = parse_day(day_text)
    text = Text(lang)
    labels = Labels(base, lang)
    labels.add_quads(description.quads)
    notes = Footnotes(base)
    thing = description.iri
    kind = path.split("/", 1)[0]
    own = f"{base}def/unpacs#"
    ctx: dict[str, Any] = {"kind": kind, "day": day, "path": path}
    title = labels.link(thing)
    ctx["types"] = [labels.link(t) for t in _objects(description, thing, RDF_TYPE)]
    page = Page(description, thing, labels, notes, executor, base, own, day)
    section = SECTIONS.get(kind)
    if section is not None:
        ctx.update(section(page))
    if day is not None and "tenures" in ctx:
        ctx["undated"] = [t for t in ctx["tenures"] if t.start is None]
        ctx["tenures"] = [t for t in ctx["tenures"] if t.valid_on(day)]
    blocks = statement_blocks(description, labels, notes)
    graph_sources(description, labels, notes)
    ctx["sources"] = [labels.link(o) for o in _objects(description, thing, DCT + "source")]
    # Contact points and addresses are blank nodes: show their blocks in their own section.
    contact_nodes = {
        "b-" + o.value
        for p in (SCHEMA + "contactPoint", LOCN + "address")
        for o in _objects(description, thing, p)
        if isinstance(o, pyoxigraph.BlankNode)
    }
    ctx["contacts"] = [b for b in blocks if b.anchor in contact_nodes]
    ctx["homepages"] = [labels.link(o) for o in _objects(description, thing, FOAF + "homepage")]
    html = render_template(
        "thing.html",
        text=text,
        title=title,
        blocks=blocks,
        notes=notes.entries(),
        languages=[(c, NATIVE[c]) for c in LANGUAGES],
        thing=thing,
        alternates=[
            (s, n)
            for s, n in (
                ("ttl", "Turtle"),
                ("jsonld", "JSON-LD"),
                ("nt", "N-Triples"),
                ("rdf", "RDF/XML"),
                ("nq", "N-Quads"),
                ("trig", "TriG"),
            )
        ],
        truncated=description.truncated,
        **ctx,
    )
    return Response(html, mimetype="text/html")


def _groups(executor: Any, thing: str, own: str, labels: Labels, notes: Footnotes) -> list[Any]:
    """Country groups with the date of the list each membership comes from: a dated source
    that both the membership's graph and the group cite."""
    rows, _, _ = select(
        executor,
        f"""SELECT ?grp ?g ?date WHERE {{
      GRAPH ?g {{ {iri(thing)} <{own}countryGroup> ?grp }}
      OPTIONAL {{ ?g <{DCT}source> ?src . ?grp <{DCT}source> ?src .
                 ?src <{DCT}date>|<{DCT}issued> ?date }} }}""",
    )
    out: dict[str, tuple[Link, str | None, list[int]]] = {}
    for row in rows:
        group = row["grp"].value
        note = notes.note(row["g"].value)
        when = row["date"].value if "date" in row else None
        link, known, found = out.get(group, (labels.link(group), None, []))
        if note and note not in found:
            found.append(note)
        out[group] = (link, max(filter(None, (known, when)), default=None), found)
    return list(out.values())


def _observations(executor: Any, dataset: str, labels: Labels) -> dict[str, Any]:
    rows, truncated, _ = select(
        executor,
        f"""SELECT ?obs ?p ?v WHERE {{
      ?obs <http://purl.org/linked-data/cube#dataSet> {iri(dataset)} ; ?p ?v .
      FILTER(?p != <{RDF_TYPE}> && ?p != <http://purl.org/linked-data/cube#dataSet>) }}""",
    )
    columns: dict[str, None] = {}
    table: dict[str, dict[str, Term]] = {}
    for row in rows:
        columns.setdefault(row["p"].value, None)
        table.setdefault(row["obs"].value, {})[row["p"].value] = row["v"]
    labels.fetch(
        executor,
        [
            *columns,
            *(
                v.value
                for r in table.values()
                for v in r.values()
                if isinstance(v, pyoxigraph.NamedNode)
            ),
        ],
    )
    heads = [labels.link(c) for c in columns]
    body = [
        (labels.link(obs), [labels.link(r[c]) if c in r else None for c in columns])
        for obs, r in table.items()
    ]
    return {"columns": heads, "rows": body, "truncated": truncated}
