"""SPARQL 1.1 Protocol: queries by GET, POST form or POST ``application/sparql-query``."""

from __future__ import annotations

from flask import Blueprint, Response, request
from werkzeug.exceptions import BadRequest, MethodNotAllowed, NotAcceptable, UnsupportedMediaType

from unpacs.endpoint import sparql_update
from unpacs.endpoint.conneg import negotiate
from unpacs.endpoint.state import state_of
from unpacs.loader import formats
from unpacs.loader.executor import QueryRequest
from unpacs.loader.formats import Format

bp = Blueprint("sparql", __name__)

QUERY_FORMATS = formats.results_formats()
GRAPH_FORMATS = tuple(f for f in formats.rdf_formats() if f.oxigraph_rdf is not None)


def _single(values: list[str], name: str) -> str | None:
    if len(values) > 1:
        raise BadRequest(f"parameter {name!r} must be given at most once")
    return values[0] if values else None


def _read_query() -> tuple[str | None, list[str], list[str]]:
    """The query and its dataset; ``None`` for an update (``sparql_update`` takes it)."""
    if request.method == "GET":
        params = request.args
        query = _single(params.getlist("query"), "query")
    elif request.method == "POST":
        content_type = request.mimetype
        if content_type == "application/x-www-form-urlencoded":
            params = request.form
            query = _single(params.getlist("query"), "query")
            if params.getlist("update"):
                return None, [], []
        elif content_type == "application/sparql-query":
            params = request.args
            query = request.get_data(as_text=True)
        elif content_type == "application/sparql-update":
            return None, [], []
        else:
            raise UnsupportedMediaType(
                f"send the query as application/x-www-form-urlencoded or "
                f"application/sparql-query, not {content_type or 'no content type'}"
            )
    else:
        raise MethodNotAllowed(valid_methods=["GET", "POST"])
    if not query:
        raise BadRequest("missing 'query' parameter")
    return query, params.getlist("default-graph-uri"), params.getlist("named-graph-uri")


@bp.route("/sparql", methods=["GET", "POST"])
def sparql() -> Response:
    query, default_graphs, named_graphs = _read_query()
    if query is None:
        return sparql_update.handle(_read_update())
    answer = state_of().executor.execute(
        QueryRequest(
            query,
            solution_formats=_acceptable(QUERY_FORMATS),
            graph_formats=_acceptable(GRAPH_FORMATS),
            default_graph_uris=default_graphs,
            named_graph_uris=named_graphs,
        )
    )
    response = Response(answer.body, mimetype=answer.format.media_type)
    response.vary.add("Accept")
    if answer.truncated:
        response.headers["X-Unpacs-Truncated"] = "true"
    return response


def _read_update() -> str:
    if request.mimetype == "application/sparql-update":
        return request.get_data(as_text=True)
    return _single(request.form.getlist("update"), "update") or ""


def _acceptable(offered: tuple[Format, ...]) -> list[Format]:
    try:
        return [negotiate(request, offered)]
    except NotAcceptable:
        return []
