"""Per-app state kept in ``app.extensions["unpacs"]``."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app

from unpacs.loader.executor import QueryExecutor
from unpacs.loader.settings import Settings
from unpacs.loader.store.protocol import Store


@dataclass
class AppState:
    settings: Settings
    store: Store
    # Every read (``/sparql``, pages, documents) goes through this, so limits hold everywhere.
    executor: QueryExecutor


def state_of(app: Flask | None = None) -> AppState:
    found = (app or current_app).extensions["unpacs"]
    assert isinstance(found, AppState)
    return found
