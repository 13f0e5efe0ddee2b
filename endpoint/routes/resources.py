"""Dereferenceable URIs: ``/id/...`` answers 303 See Other to ``/doc/...`` for things that
exist; ``/doc/...`` serves the description as HTML or RDF by ``?format=`` > suffix > ``Accept``.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import datetime

from flask import Blueprint, Response, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException, NotFound

from unpacs.endpoint import caching
from unpacs.endpoint.conneg import negotiate
from unpacs.endpoint.i18n import choose_language
from unpacs.endpoint.routes.pages import html_error
from unpacs.endpoint.state import state_of
from unpacs.endpoint.views import thing as pages_thing
from unpacs.loader import formats
from unpacs.loader.query.rows import ask, iri
from unpacs.loader.read.describe import describe, serialize
from unpacs.loader.uris import is_valid_key, parse_thing_iri
from unpacs.loader.vocab import prefixes

bp = Blueprint("resources", __name__)
# 404 / 406 / 400 as an HTML page for browsers, a problem document for programs.
bp.register_error_handler(HTTPException, html_error)
bp.after_request(caching.preflight)

HTML = formats.by_name("html")
DOC_FORMATS = (
    HTML,
    *(formats.by_name(n) for n in ("turtle", "jsonld", "ntriples", "rdfxml", "nquads", "trig")),
)

# Last-Modified of recently served documents by (app epoch, generation, IRI): a conditional
# request with only If-Modified-Since is then answered without a query too.
_modified: OrderedDict[tuple[str, str, str], datetime | None] = OrderedDict()
_modified_lock = threading.Lock()


def thing_iri(path: str) -> str:
    """The IRI of ``/id/{path}``; 404 for paths that are not one of our URI patterns."""
    base = state_of().settings.base_iri
    candidate = base + "id/" + path
    parts = path.split("/")
    is_scheme = len(parts) == 2 and parts[0] == "concept" and is_valid_key(parts[1])
    if parse_thing_iri(base, candidate) is None and not is_scheme:
        raise NotFound(f"no such thing: /id/{path}")
    return candidate


def exists(thing: str) -> bool:
    return ask(state_of().executor, f"ASK {{ {iri(thing)} ?p ?o }}")


@bp.route("/id/<path:path>")
def thing(path: str) -> ResponseReturnValue:
    if not exists(thing_iri(path)):
        raise NotFound(f"nothing is known about /id/{path}")
    target = "/doc/" + path
    if request.query_string:
        target += "?" + request.query_string.decode()
    response = Response(status=303, headers={"Location": target})
    response.vary.add("Accept")
    return caching.cors(response)


def split_suffix(path: str) -> tuple[str, str | None]:
    head, dot, ext = path.rpartition(".")
    if dot and "/" not in ext and ext in {s.lstrip(".") for f in DOC_FORMATS for s in f.suffixes}:
        return head, ext
    return path, None


def alternates(path: str, chosen: formats.Format) -> list[tuple[str, formats.Format]]:
    return [(f"/doc/{path}.{f.suffixes[0].lstrip('.')}", f) for f in DOC_FORMATS if f is not chosen]


@bp.route("/doc/<path:path>")
def document(path: str) -> Response:
    path, suffix = split_suffix(path)
    thing = thing_iri(path)
    fmt = negotiate(request, DOC_FORMATS, suffix=suffix)
    state = state_of()
    base = state.settings.base_iri
    variant = [thing, fmt.name]
    lang = day = ""
    if fmt is HTML:
        lang, day = choose_language(request), request.args.get("date", "")
        variant += [lang, day]
    generation = state.executor.generation
    etag = caching.etag_for(generation, *variant)
    vary = ("Accept", "Accept-Language") if fmt is HTML else ("Accept",)
    key = (caching.epoch(), generation, thing)
    with _modified_lock:
        cached = key in _modified
        last_modified = _modified.get(key)
    if cached and caching.not_modified(request, etag, last_modified):
        response = Response(status=304)
        return caching.decorate(
            response,
            etag=etag,
            last_modified=last_modified,
            alternates=alternates(path, fmt),
            vary=vary,
        )
    description = describe(state.executor, thing, base)
    if not description.exists:
        raise NotFound(f"nothing is known about {thing}")
    last_modified = description.last_modified()
    with _modified_lock:
        _modified[(caching.epoch(), description.generation, thing)] = last_modified
        while len(_modified) > 4096:
            _modified.popitem(last=False)
    etag = caching.etag_for(description.generation, *variant)
    if caching.not_modified(request, etag, last_modified):
        response = Response(status=304)
    elif fmt is HTML:
        response = pages_thing.render(description, path, lang, day)
    else:
        body = serialize(description, fmt, base, prefixes(base))
        response = Response(body, mimetype=fmt.media_type)
    if description.truncated:
        response.headers["X-Unpacs-Truncated"] = "true"
    if fmt is HTML and response.status_code == 200:
        response.headers["Content-Language"] = lang
    return caching.decorate(
        response,
        etag=etag,
        last_modified=last_modified,
        alternates=alternates(path, fmt),
        vary=vary,
    )
