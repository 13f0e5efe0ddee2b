"""The one app factory."""

from __future__ import annotations

import os

from flask import Flask, Response
from werkzeug.exceptions import RequestEntityTooLarge

from unpacs.endpoint import problems, security_headers
from unpacs.endpoint.routes import (
    auth,
    dataset,
    downloads,
    graphs,
    health,
    pages,
    resources,
    sparql,
    vocab,
)
from unpacs.endpoint.routes import validate as validate_routes
from unpacs.endpoint.state import AppState
from unpacs.loader.query.factory import make_executor
from unpacs.loader.settings import Settings, from_env
from unpacs.loader.store.factory import open_store
from unpacs.loader.store.protocol import Store


def create_app(settings: Settings | None = None, store: Store | None = None) -> Flask:
    """Build the app; opens the store from ``settings`` unless one is given."""
    settings = settings or from_env(os.environ)
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_input_bytes
    owns_store = store is None
    store = store or open_store(settings)
    # The one executor every reader uses: for an embedded store, killable worker processes.
    executor = make_executor(settings, store)
    app.extensions["unpacs"] = AppState(settings, store, executor, owns_store=owns_store)
    problems.init_app(app)
    limit = settings.max_input_bytes

    @app.errorhandler(RequestEntityTooLarge)
    def body_too_large(error: RequestEntityTooLarge) -> Response:
        if error.description != RequestEntityTooLarge.description:
            return problems.render_http_error(error)  # a limit that says which one itself
        response = problems.problem(
            413,
            "input too large",
            f"the request body is over the limit of {limit:,} bytes",
            hint="split the upload, or ask the operator to raise UNPACS_MAX_INPUT_BYTES",
        )
        response.vary.add("Accept")
        return response

    security_headers.init_app(app)
    for blueprint in (sparql.bp, resources.bp, health.bp):
        app.register_blueprint(blueprint)
    # Pages for people, the vocabulary, the dataset description and downloads (issue 10).
    for blueprint in (pages.bp, vocab.bp, dataset.bp, downloads.bp):
        app.register_blueprint(blueprint)
    pages.init_search(app)
    # Stewards: sign-in, validation, templates, authenticated graph writes (issue 11).
    for blueprint in (auth.bp, validate_routes.bp, graphs.bp):
        app.register_blueprint(blueprint)
    graphs.init_app(app)
    return app
