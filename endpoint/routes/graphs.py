"""W3C SPARQL 1.1 Graph Store Protocol on ``/graphs?graph=IRI``, drafts, review and history.

``GET`` reads a graph (through the executor, as every read); ``PUT`` replaces it, ``POST`` adds
to it, ``DELETE`` removes it: each needs a token with ``publish`` for that graph's country and
goes through ``GraphWriter`` (pipeline, SHACL, one commit, history). ``POST /graphs/drafts``
keeps a validated proposal outside the store (``draft``); ``/graphs/drafts/<id>`` shows its diff
against the published graph, and ``publish`` / ``return`` need ``publish``. History:
``/graphs/history?graph=…`` (HTML or JSON), one change per ``/graphs/history/<id>``, and
``POST /graphs/revert`` (graph, commit) gives a graph back its content from before that commit.
"""

from __future__ import annotations

import threading
from typing import Any

import pyoxigraph
from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    json,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import BadRequest

from unpacs.endpoint.conneg import negotiate, prefers_html
from unpacs.endpoint.routes.auth import current_token, require
from unpacs.endpoint.routes.validate import INPUT_FORMATS, read_upload, screen_upload, select_rows
from unpacs.endpoint.state import state_of
from unpacs.loader import formats
from unpacs.loader.errors import OutOfScopeError
from unpacs.loader.query.executor import QueryRequest
from unpacs.loader.stewards.diff import GraphDiff, diff
from unpacs.loader.stewards.history import from_ntriples
from unpacs.loader.stewards.tokens import Token
from unpacs.loader.stewards.writer import GraphWriter, WriteResult, check_graph_iri

bp = Blueprint("graphs", __name__)
GRAPH_FORMATS = tuple(f for f in formats.rdf_formats() if f.oxigraph_rdf is not None)
_WRITER_LOCK = threading.Lock()


def writer(app: Flask | None = None) -> GraphWriter:
    """The app's one writer (created on first use, so its lock serializes every write)."""
    app = app or current_app
    with _WRITER_LOCK:
        found = app.extensions.get("unpacs.writer")
        if found is None:
            state = state_of(app)
            found = GraphWriter(state.store, state.settings, state.after_commit)
            found.screen = screen_upload
            app.extensions["unpacs.writer"] = found
    assert isinstance(found, GraphWriter)
    return found


def init_app(app: Flask) -> None:
    """Settle commits a killed process left pending before any request (``GraphWriter.recover``).

    Without a history file nothing can be pending: the writer is then made on first use.
    """
    if state_of(app).settings.history_path.exists():
        writer(app)


def graph_param(required: bool = True) -> str | None:
    graph = (request.args.get("graph") or request.form.get("graph") or "").strip()
    if not graph:
        if required:
            raise BadRequest(
                "name the graph: ?graph=IRI (the default graph is the union, read-only)"
            )
        return None
    check_graph_iri(graph)
    return graph


def comment_param() -> str | None:
    text = (request.args.get("comment") or request.form.get("comment") or "").strip()
    return text[:2000] or None


def answer(result: WriteResult, status: int = 200, message: str = "") -> ResponseReturnValue:
    body = {
        "graphs": result.graphs,
        "commits": result.commits,
        "draft": result.draft,
        "warnings": [i.as_dict() for i in result.issues if i.severity != "Violation"],
    }
    if prefers_html(request):
        return render_template("steward/done.html", result=result, message=message), status
    return Response(json.dumps(body), status, mimetype="application/json")


@bp.route("/graphs", methods=["GET", "PUT", "POST", "DELETE"])
def graph_store() -> ResponseReturnValue:
    if request.method == "GET":
        graph = graph_param(required=False)
        if graph is None:
            return upload_form()
        return read_graph(graph)
    as_draft = request.method != "DELETE" and (
        request.form.get("target") == "draft" or request.args.get("draft") == "1"
    )
    # The action first: a token that may not do this costs no parsing.
    token = require("draft" if as_draft else "publish")
    graph = graph_param()
    assert graph is not None
    target = writer()
    if request.method == "DELETE":
        result = target.commit(
            token, {graph: []}, action="delete", source_file=None, comment=comment_param()
        )
        return answer(result, message=f"deleted {graph}")
    mode = request.form.get("mode") or ("add" if request.method == "POST" else "replace")
    source = read_upload(graph)
    content = target.stage(source, add=mode == "add")
    if as_draft:
        result = target.submit_draft(token, graph, content, source.name, comment_param())
        return answer(result, 201, f"draft {result.draft} submitted for review")
    existed = graph in state_of().store.graph_names()
    result = target.commit(
        token, {graph: content}, action=mode, source_file=source.name, comment=comment_param()
    )
    return answer(result, 200 if existed else 201, f"published {graph}")


def read_graph(graph: str) -> ResponseReturnValue:
    fmt = negotiate(request, GRAPH_FORMATS)
    if graph not in state_of().store.graph_names():
        return Response(
            json.dumps({"title": "Not Found", "status": 404, "detail": f"no graph {graph}"}),
            404,
            mimetype="application/problem+json",
        )
    query = "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH <" + graph + "> { ?s ?p ?o } }"
    result = state_of().executor.execute(QueryRequest(query, graph_formats=[fmt]))
    response = Response(result.body, mimetype=fmt.media_type)
    if result.truncated:
        response.headers["X-Unpacs-Truncated"] = "true"
    return response


def upload_form() -> ResponseReturnValue:
    names = state_of().store.graph_names()
    if not prefers_html(request):
        return Response(json.dumps({"graphs": names}), mimetype="application/json")
    return render_template(
        "steward/graphs.html",
        graphs=names,
        token=current_token(),
        input_formats=INPUT_FORMATS,
        base=state_of().settings.base_iri,
    )


@bp.route("/graphs/drafts", methods=["GET", "POST", "PUT"])
def drafts() -> ResponseReturnValue:
    if request.method in ("POST", "PUT"):
        token = require("draft")
        graph = graph_param()
        assert graph is not None
        add = (request.form.get("mode") or request.args.get("mode")) == "add"
        source = read_upload(graph)
        target = writer()
        content = target.stage(source, add=add)
        result = target.submit_draft(token, graph, content, source.name, comment_param())
        return answer(result, 201, f"draft {result.draft} submitted for review")
    token = require()
    status = request.args.get("status") or None
    listed = [d for d in writer().drafts.list(status) if readable(token, d.graph, d.content_nt)]
    if prefers_html(request):
        return render_template("steward/drafts.html", drafts=listed)
    return Response(
        json.dumps({"drafts": [d.summary() for d in listed]}), mimetype="application/json"
    )


@bp.route("/graphs/drafts/<int:draft_id>", methods=["GET"])
def review(draft_id: int) -> ResponseReturnValue:
    token = require()
    target = writer()
    draft = target.drafts.get(draft_id)
    target.check_readable(token, draft.graph, [draft.content_nt], {})
    changes = readable_diff(target.current(draft.graph), from_ntriples(draft.content_nt))
    if prefers_html(request):
        return render_template("steward/review.html", draft=draft, diff=changes)
    return Response(
        json.dumps({"draft": draft.summary(), "diff": changes.as_dict()}),
        mimetype="application/json",
    )


@bp.route("/graphs/drafts/<int:draft_id>/<decision>", methods=["POST"])
def decide(draft_id: int, decision: str) -> ResponseReturnValue:
    token = require("publish")
    target = writer()
    if decision == "publish":
        result = target.publish_draft(token, draft_id, comment_param())
        return answer(result, message=f"draft {draft_id} published")
    if decision == "return":
        target.return_draft(token, draft_id, comment_param())
        return answer(WriteResult(draft=draft_id), message=f"draft {draft_id} sent back")
    raise BadRequest("decide with /publish or /return")


def readable(
    token: Token, graph: str, *texts: str, cache: dict[str, set[str]] | None = None
) -> bool:
    """Whether ``token`` may see a draft or commit of ``graph`` (lists leave the rest out)."""
    try:
        writer().check_readable(token, graph, texts, {} if cache is None else cache)
    except OutOfScopeError:
        return False
    return True


def readable_diff(before: list[pyoxigraph.Triple], after: list[pyoxigraph.Triple]) -> GraphDiff:
    """The diff, with the stored labels of the records its values point at (countries, …)."""
    iris = sorted(
        {t.object.value for t in (*before, *after) if isinstance(t.object, pyoxigraph.NamedNode)}
    )
    labels: dict[str, str] = {}
    for start in range(0, len(iris), 200):
        values = " ".join(f"<{i}>" for i in iris[start : start + 200])
        for row in select_rows(
            f"SELECT ?s (SAMPLE(?l) AS ?label) WHERE {{ VALUES ?s {{ {values} }} "
            "?s <http://www.w3.org/2004/02/skos/core#prefLabel> ?l "
            'FILTER(langMatches(lang(?l), "en") || lang(?l) = "") } GROUP BY ?s'
        ):
            if "label" in row:
                labels[row["s"]] = row["label"]
    return diff(before, after, labels)


def _history_entry(commit: Any, with_diff: bool) -> dict[str, Any]:
    entry: dict[str, Any] = commit.summary()
    if with_diff:
        entry["diff"] = readable_diff(
            from_ntriples(commit.before_nt), from_ntriples(commit.after_nt)
        )
    return entry


@bp.route("/graphs/history", methods=["GET"])
def history() -> ResponseReturnValue:
    token = require()
    graph = graph_param(required=False)
    cache: dict[str, set[str]] = {}
    commits = [
        c
        for c in writer().history.for_graph(graph)
        if readable(token, c.graph, c.before_nt, c.after_nt, cache=cache)
    ]
    entries = [_history_entry(c, True) for c in commits]
    if prefers_html(request):
        return render_template("steward/history.html", graph=graph, entries=entries)
    for entry in entries:
        entry["diff"] = entry["diff"].as_dict()
    return Response(json.dumps({"graph": graph, "commits": entries}), mimetype="application/json")


@bp.route("/graphs/history/<int:commit_id>", methods=["GET"])
def history_entry(commit_id: int) -> ResponseReturnValue:
    token = require()
    commit = writer().history.get(commit_id)
    writer().check_readable(token, commit.graph, [commit.before_nt, commit.after_nt], {})
    entry = _history_entry(commit, True)
    if prefers_html(request):
        return render_template("steward/history.html", graph=entry["graph"], entries=[entry])
    entry["diff"] = entry["diff"].as_dict()
    return Response(json.dumps(entry), mimetype="application/json")


@bp.route("/graphs/revert", methods=["POST"])
def revert() -> ResponseReturnValue:
    token = require("publish")
    graph = graph_param()
    assert graph is not None
    raw = request.args.get("commit") or request.form.get("commit") or ""
    if not raw.isdigit():
        raise BadRequest("name the commit to undo: commit=<id> from the history")
    result = writer().revert(token, graph, int(raw), comment_param())
    if prefers_html(request):
        return redirect(url_for("graphs.history", graph=graph), 303)
    return answer(result, message=f"reverted {graph} to before commit {raw}")
