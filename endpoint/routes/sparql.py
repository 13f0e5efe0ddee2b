"""SPARQL 1.1 Protocol: queries by GET, POST form or POST ``application/sparql-query``.

Strict where the protocol is: each parameter at most once (400), the request size capped (413),
the body UTF-8 (400) in one of the two query media types (415), updates only by POST (405: a
GET that a page's ``<img>`` could send never writes), refused to anonymous clients (401 with
``WWW-Authenticate``; ``sparql_update`` takes a steward token's updates),
results in the formats the client accepts (406 when none fits the query form). ``GET /sparql``
without a query is the service description, or the query editor for a browser. Every error is
a problem document (``endpoint.problems``).

Responses carry an ``ETag`` over (store generation, query, dataset, acceptable formats) and
answer ``If-None-Match`` with 304; a capped result says so in ``Unpacs-Result-Truncated``.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from flask import Blueprint, Response, request
from werkzeug.exceptions import (
    BadRequest,
    MethodNotAllowed,
    NotAcceptable,
    RequestEntityTooLarge,
    UnsupportedMediaType,
)

from unpacs.endpoint import caching
from unpacs.endpoint.conneg import acceptable, find_format
from unpacs.endpoint.routes import service as service_description
from unpacs.endpoint.routes import sparql_update
from unpacs.endpoint.routes.auth import client_key
from unpacs.endpoint.state import state_of
from unpacs.loader import formats
from unpacs.loader.formats import Format
from unpacs.loader.query.executor import QueryAnswer, QueryRequest, request_key

bp = Blueprint("sparql", __name__)

QUERY_FORMATS = formats.results_formats()
GRAPH_FORMATS = tuple(
    formats.by_name(n) for n in ("turtle", "jsonld", "ntriples", "rdfxml", "nquads", "trig")
)
FORM = "application/x-www-form-urlencoded"
QUERY_BODY = "application/sparql-query"
UPDATE_BODY = "application/sparql-update"
UPDATE_PARAMS = ("update", "using-graph-uri", "using-named-graph-uri")
SINGLE_PARAMS = ("query", "format")
METHODS = "GET, POST, OPTIONS"
RESULT_HEADERS = (
    "ETag",
    "Unpacs-Result-Truncated",
    "Unpacs-Result-Count",
    "Unpacs-Result-Limit",
    "Unpacs-Store-Generation",
)

Params = list[tuple[str, str]]


def _decode(data: bytes, what: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise BadRequest(
            f"the {what} is not UTF-8 (byte {error.start + 1}); send the query as UTF-8"
        ) from None


def _parse_pairs(text: str, what: str) -> Params:
    try:
        return parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        raise BadRequest(f"the {what} has percent-encoded bytes that are not UTF-8") from None


def _limit() -> int:
    return state_of().settings.max_request_bytes


def _too_large(size: int) -> RequestEntityTooLarge:
    return RequestEntityTooLarge(
        f"the request is {size} bytes; this endpoint accepts at most {_limit()} "
        "(UNPACS_MAX_REQUEST_BYTES); shorten the query"
    )


def _read_body() -> bytes:
    limit = _limit()
    if request.content_length is not None and request.content_length > limit:
        raise _too_large(request.content_length)
    data = request.stream.read(limit + 1)
    if len(data) > limit:
        raise _too_large(len(data))
    return data


def _read_params() -> tuple[Params, str | None]:
    """The request's parameters (query string, and form body) and a query sent as the body."""
    if len(request.query_string) > _limit():
        raise _too_large(len(request.query_string))
    params = _parse_pairs(_decode(request.query_string, "query string"), "query string")
    if request.method in ("GET", "HEAD"):
        return params, None
    charset = request.mimetype_params.get("charset", "utf-8").lower()
    if request.mimetype == UPDATE_BODY:
        # The body is the update; ``sparql_update`` authenticates it (401 when anonymous).
        return [*params, ("update", _decode(_read_body(), "update"))], None
    if request.mimetype not in (FORM, QUERY_BODY):
        raise UnsupportedMediaType(
            f"send the query as {FORM} or {QUERY_BODY}, not {request.mimetype or 'no media type'}"
        )
    if charset not in ("utf-8", "utf8"):
        raise UnsupportedMediaType(f"send the query as UTF-8, not {charset}")
    body = _decode(_read_body(), "request body")
    if request.mimetype == FORM:
        return params + _parse_pairs(body, "form body"), None
    return params, body


def _single(params: Params, name: str) -> str | None:
    values = [v for k, v in params if k == name]
    if len(values) > 1:
        raise BadRequest(f"parameter {name!r} is given {len(values)} times; give it at most once")
    return values[0] if values else None


def _formats(requested: str | None) -> tuple[list[Format], list[Format]]:
    if requested:
        found = find_format(requested, QUERY_FORMATS + GRAPH_FORMATS)
        if found is None:
            names = ", ".join(f.name for f in QUERY_FORMATS + GRAPH_FORMATS)
            raise NotAcceptable(f"format {requested!r} is not offered; use one of {names}")
        return ([found], []) if found in QUERY_FORMATS else ([], [found])
    solutions, graphs = acceptable(request, QUERY_FORMATS), acceptable(request, GRAPH_FORMATS)
    if not solutions and not graphs:
        offered = ", ".join(f.media_type for f in QUERY_FORMATS + GRAPH_FORMATS)
        raise NotAcceptable(f"none of the result formats is acceptable; offered: {offered}")
    return solutions, graphs


def etag_for(generation: str, query: QueryRequest) -> str:
    """Known before evaluating, so a revalidating client gets 304 without running the query."""
    return caching.etag_for(generation, "sparql", *map(repr, request_key(query)))


def _cache_headers(response: Response, etag: str, generation: str) -> Response:
    response.set_etag(etag)
    # Stored answers must be revalidated: a commit moves the generation, hence the ETag.
    response.headers["Cache-Control"] = "public, no-cache"
    response.headers["Unpacs-Store-Generation"] = generation
    response.vary.add("Accept")
    return response


@bp.route("/sparql", methods=["GET", "POST", "OPTIONS"])
def sparql() -> Response:
    if request.method == "OPTIONS":
        return _preflight()
    params, body_query = _read_params()
    if any(name in UPDATE_PARAMS for name, _v in params):
        if request.method != "POST":
            raise MethodNotAllowed(
                ["POST"], "a SPARQL update is sent by POST (form 'update' or the body), never GET"
            )
        if any(name != "update" for name, _v in params if name in UPDATE_PARAMS):
            raise BadRequest("name the graphs in the update (WITH, USING), not by parameters")
        return sparql_update.handle(_single(params, "update") or "")
    for name in SINGLE_PARAMS:
        _single(params, name)
    query = _single(params, "query")
    if body_query is not None:
        if query is not None:
            raise BadRequest("give the query either as the body or as 'query', not both")
        query = body_query
    if query is None and request.method in ("GET", "HEAD"):
        return service_description.respond()
    if not query or not query.strip():
        raise BadRequest("missing query: give a SPARQL query in the 'query' parameter")
    state = state_of()
    solution_formats, graph_formats = _formats(_single(params, "format"))
    question = QueryRequest(
        query,
        solution_formats=solution_formats,
        graph_formats=graph_formats,
        default_graph_uris=[v for k, v in params if k == "default-graph-uri"],
        named_graph_uris=[v for k, v in params if k == "named-graph-uri"],
        base_iri=state.settings.base_iri,
        client=client_key(),
    )
    before = state.executor.generation
    if request.if_none_match and request.if_none_match.contains(etag_for(before, question)):
        return _cache_headers(Response(status=304), etag_for(before, question), before)
    answer = state.executor.execute(question)
    return _answer(answer, question)


def _answer(answer: QueryAnswer, question: QueryRequest) -> Response:
    response = Response(answer.body, mimetype=answer.format.media_type)
    response.headers["Unpacs-Result-Count"] = str(answer.count)
    response.headers["Unpacs-Result-Truncated"] = "true" if answer.truncated else "false"
    if answer.truncated:
        limit = question.limit or state_of().settings.result_limit
        response.headers["Unpacs-Result-Limit"] = str(limit)
    generation = answer.generation or state_of().executor.generation
    return _cache_headers(response, etag_for(generation, question), generation)


def _preflight() -> Response:
    response = Response(status=204)
    response.headers["Allow"] = METHODS
    response.headers["Access-Control-Allow-Methods"] = METHODS
    response.headers["Access-Control-Allow-Headers"] = (
        "Accept, Content-Type, If-None-Match, Authorization"
    )
    response.headers["Access-Control-Max-Age"] = "86400"
    return response


@bp.after_request
def _cors(response: Response) -> Response:
    """Any origin may query (the endpoint is public and read-only); errors included."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Expose-Headers"] = ", ".join(RESULT_HEADERS)
    return response
