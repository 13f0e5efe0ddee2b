"""Pages for people: home and search; HTML error pages for browsers on the page routes."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

from flask import Blueprint, Response, current_app, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from markupsafe import escape
from werkzeug.exceptions import HTTPException

from unpacs.endpoint import caching, problems
from unpacs.endpoint.conneg import prefers_html
from unpacs.endpoint.i18n import LANGUAGES, NATIVE, Text, choose_language
from unpacs.endpoint.state import AppState, state_of
from unpacs.endpoint.views.models import Labels, isolate_bidi, local_href, safe_href, strip_bidi
from unpacs.loader.query.rows import select
from unpacs.loader.read.search import SearchIndex
from unpacs.loader.uris import THING_TYPES

bp = Blueprint("pages", __name__)

COUNTS = """SELECT ?type (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?type } GROUP BY ?type
ORDER BY DESC(?n) LIMIT 40"""
AREAS = """SELECT ?area ?country ?kind WHERE {{
  {{ ?country <{own}m49Region> ?area BIND("region" AS ?kind) }}
  UNION {{ ?country <{own}countryGroup> ?area BIND("group" AS ?kind) }}
}}"""
THEMES = """SELECT ?top ?topic WHERE {{
  <{base}id/concept/thematic-area> <http://www.w3.org/2004/02/skos/core#hasTopConcept> ?top .
  OPTIONAL {{ ?topic <http://www.w3.org/2004/02/skos/core#broader> ?top }}
}}"""


def page_context(text: Text) -> dict[str, Any]:
    return {"text": text, "languages": [(c, NATIVE[c]) for c in LANGUAGES], "day": None}


def search_index(state: AppState | None = None) -> SearchIndex:
    """The app's search index, registered as a commit hook on first use."""
    state = state or state_of()
    found = current_app.extensions.get("unpacs.search")
    if found is None:
        found = SearchIndex(state.settings.base_iri)
        current_app.extensions["unpacs.search"] = found
        index, executor = found, state.executor

        def rebuild(generation: str) -> None:
            index.rebuild(executor, generation)

        state.commit_hooks.append(rebuild)
    assert isinstance(found, SearchIndex)
    found.ensure(state.executor)
    return found


def init_search(app: Any) -> None:
    with app.app_context():
        search_index(state_of(app))


@bp.route("/")
def home() -> ResponseReturnValue:
    state = state_of()
    base, executor = state.settings.base_iri, state.executor
    text = Text(choose_language(request))
    labels = Labels(base, text.lang)
    counts = [(labels.link(r["type"]), int(r["n"].value)) for r in select(executor, COUNTS)[0]]
    areas: dict[str, dict[str, list[str]]] = {"region": {}, "group": {}}
    for row in select(executor, AREAS.format(own=base + "def/unpacs#"))[0]:
        areas[row["kind"].value].setdefault(row["area"].value, []).append(row["country"].value)
    themes: dict[str, list[str]] = {}
    for row in select(executor, THEMES.format(base=base))[0]:
        found = themes.setdefault(row["top"].value, [])
        if "topic" in row:
            found.append(row["topic"].value)
    labels.fetch(
        executor,
        [t.iri for t, _ in counts]
        + [a for v in areas.values() for a in v]
        + [c for v in areas.values() for cs in v.values() for c in cs]
        + list(themes)
        + [t for ts in themes.values() for t in ts],
    )
    counts = [(labels.link(t.iri), n) for t, n in counts]

    def listed(by: dict[str, list[str]]) -> list[Any]:
        return sorted(
            (
                (labels.link(k), sorted((labels.link(c) for c in set(v)), key=lambda x: x.text))
                for k, v in by.items()
            ),
            key=lambda e: e[0].text,
        )

    html = render_template(
        "home.html",
        counts=counts,
        regions=listed(areas["region"]),
        groups=listed(areas["group"]),
        themes=listed(themes),
        **page_context(text),
    )
    response = Response(html, mimetype="text/html")
    response.vary.add("Accept-Language")
    return caching.cors(response)


@bp.route("/search")
def search() -> ResponseReturnValue:
    state = state_of()
    text = Text(choose_language(request))
    query = request.args.get("q", "")[:200]
    kind = request.args.get("type") or None
    country = request.args.get("country") or None
    lang = request.args.get("in") or None
    hits = search_index(state).search(query, kind=kind, country=country, lang=lang) if query else []
    base = state.settings.base_iri
    if request.args.get("format") == "json" or not prefers_html(
        request, ["application/json"], html_by_default=True
    ):
        response = jsonify(
            query=query,
            generation=state.executor.generation,
            results=[
                {
                    "iri": h.iri,
                    "type": h.kind,
                    "country": h.country,
                    "lang": h.lang,
                    "label": h.text,
                    "score": h.score,
                    "highlight": "".join(
                        f"<mark>{escape(s)}</mark>" if hit else str(escape(s))
                        for s, hit in h.segments
                    ),
                }
                for h in hits
            ],
        )
    else:
        html = render_template(
            "search.html",
            query=query,
            hits=hits,
            kind=kind or "",
            country=country or "",
            lang_filter=lang or "",
            kinds=THING_TYPES,
            href=lambda i: local_href(base, i),
            **page_context(text),
        )
        response = Response(html, mimetype="text/html")
    response.vary.add("Accept")
    response.vary.add("Accept-Language")
    return caching.cors(response)


def html_error(error: HTTPException) -> Response:
    """404/406/400 as an HTML page when the client prefers HTML, else a problem document."""
    if not prefers_html(request):
        return caching.cors(problems.render_http_error(error))
    text = Text(choose_language(request))
    html = render_template(
        "error.html",
        status=error.code,
        title=error.name,
        detail=error.description,
        **page_context(text),
    )
    response = Response(html, status=error.code or 500, mimetype="text/html")
    response.vary.add("Accept")
    return caching.cors(response)


bp.register_error_handler(HTTPException, html_error)
bp.after_request(caching.preflight)


# Every data-driven href in every template passes this last check (see view_models).
bp.add_app_template_filter(safe_href, "safe_href")
# Stored text in headings and links (isolate_bidi) and in <title> (strip_bidi).
bp.add_app_template_filter(isolate_bidi, "isolate_bidi")
bp.add_app_template_filter(strip_bidi, "strip_bidi")


@bp.app_context_processor
def language_links() -> dict[str, Any]:
    """``lang_url(code)``: this page in another language, its other parameters kept."""

    def lang_url(code: str) -> str:
        args = request.args.to_dict()
        args["lang"] = code
        return quote(request.path) + "?" + urlencode(args)

    return {"lang_url": lang_url}
