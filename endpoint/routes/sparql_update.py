"""Authenticated SPARQL 1.1 Update on ``/sparql``: the route delegates here.

Anonymous updates answer 401 with ``WWW-Authenticate``; a token needs the ``update`` action and
the countries of every graph the update changes; the update itself goes through
``loader.stewards.update_gate`` (copy, apply, SHACL, one commit, history) or is refused with the
report (422), changing nothing.
"""

from __future__ import annotations

from flask import Response, json, request

from unpacs.endpoint.routes.auth import require
from unpacs.endpoint.routes.graphs import writer
from unpacs.loader.stewards.update_gate import apply_update


def handle(update: str) -> Response:
    token = require("update")
    comment = (request.args.get("comment") or request.form.get("comment") or "").strip()
    result = apply_update(writer(), token, update, comment[:2000] or None)
    body = {
        "graphs": result.graphs,
        "commits": result.commits,
        "warnings": [i.as_dict() for i in result.issues if i.severity != "Violation"],
    }
    return Response(json.dumps(body), 200, mimetype="application/json")
