"""The one app factory."""

from __future__ import annotations

import os

from flask import Flask

from unpacs.endpoint import auth, graphs, health, problems, resources, sparql, validate_routes
from unpacs.endpoint.state import AppState
from unpacs.loader.executor import InProcessExecutor
from unpacs.loader.query_guard import policy_for
from unpacs.loader.settings import Settings, from_env
from unpacs.loader.store.factory import open_store
from unpacs.loader.store.protocol import Store


def create_app(settings: Settings | None = None, store: Store | None = None) -> Flask:
    """Build the app; opens the store from ``settings`` unless one is given."""
    settings = settings or from_env(os.environ)
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_input_bytes
    store = store or open_store(settings)
    executor = InProcessExecutor(
        store,
        limit=settings.result_limit,
        timeout=settings.query_timeout,
        policy=policy_for(settings),
    )
    app.extensions["unpacs"] = AppState(settings, store, executor)
    problems.init_app(app)
    for blueprint in (sparql.bp, resources.bp, health.bp):
        app.register_blueprint(blueprint)
    for blueprint in (auth.bp, validate_routes.bp, graphs.bp):
        app.register_blueprint(blueprint)
    return app
