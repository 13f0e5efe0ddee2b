"""System pages under the reserved ``/-/`` prefix."""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue

from unpacs.endpoint.state import state_of

bp = Blueprint("health", __name__)


@bp.route("/-/health")
def health() -> ResponseReturnValue:
    """Store, generation, and for the worker pool each worker (pid, state, queries served),
    the restarts and the last failures; the cache's size and hit count."""
    state = state_of()
    status = getattr(state.executor, "status", None)
    queries = status() if callable(status) else {"generation": state.executor.generation}
    return jsonify(status="ok", store=state.store.description, queries=queries)
