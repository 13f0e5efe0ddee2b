"""System pages under the reserved ``/-/`` prefix."""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue

from unpacs.endpoint.state import state_of
from unpacs.loader.store.oxigraph import OxigraphStore
from unpacs.loader.store.protocol import Store

bp = Blueprint("health", __name__)


def store_kind(store: Store) -> str:
    """What kind of store serves, never where: ``store.description`` names the folder (or the
    remote URL, which may carry credentials), and this page answers anyone."""
    if isinstance(store, OxigraphStore):
        return "embedded" if store.path is not None else "in-memory"
    return "remote"


@bp.route("/-/health")
def health() -> ResponseReturnValue:
    """Status, the kind of store, the generation, and for the worker pool each worker (pid,
    state, queries served), the restarts and the last failures; the cache's size and hits."""
    state = state_of()
    status = getattr(state.executor, "status", None)
    queries = status() if callable(status) else {"generation": state.executor.generation}
    return jsonify(status="ok", store=store_kind(state.store), queries=queries)
