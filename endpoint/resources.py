"""Dereferenceable URIs: ``/id/...`` answers 303 See Other to ``/doc/...``, which serves RDF."""

from __future__ import annotations

import io

from flask import Blueprint, Response, redirect, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import NotFound

from unpacs.endpoint.conneg import negotiate
from unpacs.endpoint.state import state_of
from unpacs.loader import formats
from unpacs.loader.namespaces import prefixes
from unpacs.loader.store.protocol import GraphResult
from unpacs.loader.uris import parse_thing_iri

bp = Blueprint("resources", __name__)

DOC_FORMATS = tuple(formats.by_name(n) for n in ("turtle", "ntriples", "rdfxml", "nquads"))

# The description of a thing: its own triples, its blank-node details one level down, and the
# labels of what it links to, so that a reader sees names rather than bare IRIs.
DESCRIBE = """
CONSTRUCT {{ <{iri}> ?p ?o . ?o ?bp ?bo . ?o <http://www.w3.org/2004/02/skos/core#prefLabel> ?l }}
WHERE {{
  <{iri}> ?p ?o .
  OPTIONAL {{ FILTER(isBlank(?o)) ?o ?bp ?bo }}
  OPTIONAL {{ FILTER(isIRI(?o)) ?o <http://www.w3.org/2004/02/skos/core#prefLabel> ?l }}
}}
"""


def _thing_iri(path: str) -> str:
    settings = state_of().settings
    iri = settings.base_iri + "id/" + path
    if parse_thing_iri(settings.base_iri, iri) is None:
        raise NotFound(f"no such thing: /id/{path}")
    return iri


@bp.route("/id/<path:path>")
def thing(path: str) -> ResponseReturnValue:
    _thing_iri(path)
    target = "/doc/" + path
    if request.query_string:
        target += "?" + request.query_string.decode()
    response = redirect(target, code=303)
    response.vary.add("Accept")
    return response


@bp.route("/doc/<path:path>")
def document(path: str) -> Response:
    suffix = None
    head, dot, ext = path.rpartition(".")
    if dot and "/" not in ext:
        path, suffix = head, ext
    iri = _thing_iri(path)
    fmt = negotiate(request, DOC_FORMATS, suffix=suffix)
    store = state_of().store
    result = store.query(DESCRIBE.format(iri=iri))
    assert isinstance(result, GraphResult)
    triples = list(result.triples)
    if not triples:
        raise NotFound(f"nothing is known about {iri}")
    body = io.BytesIO()
    GraphResult(iter(triples)).serialize(fmt, body, prefixes=prefixes(state_of().settings.base_iri))
    response = Response(body.getvalue(), mimetype=fmt.media_type)
    response.vary.add("Accept")
    response.headers["Link"] = ", ".join(
        f'</doc/{path}.{f.suffixes[0].lstrip(".")}>; rel="alternate"; type="{f.media_type}"'
        for f in DOC_FORMATS
    )
    return response
