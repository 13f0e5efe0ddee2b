"""System pages under the reserved ``/-/`` prefix."""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue

from unpacs.endpoint.state import state_of

bp = Blueprint("health", __name__)


@bp.route("/-/health")
def health() -> ResponseReturnValue:
    state = state_of()
    return jsonify(status="ok", store=state.store.description)
