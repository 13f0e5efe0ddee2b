"""Per-app state kept in ``app.extensions["unpacs"]``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from flask import Flask, current_app

from unpacs.loader.query.executor import QueryExecutor
from unpacs.loader.settings import Settings
from unpacs.loader.store.protocol import Store


@dataclass
class AppState:
    settings: Settings
    store: Store
    # Every read (``/sparql``, pages, documents) goes through this, so limits hold everywhere.
    executor: QueryExecutor
    # Run after every commit in this process, after the executor published the new generation
    # (derived indexes such as full-text search hook in here, so they never lag the store).
    commit_hooks: list[Callable[[str], None]] = field(default_factory=list)
    # True when ``create_app`` opened the store (then closing the app closes it too).
    owns_store: bool = False

    def close(self) -> None:
        """Stop the executor's worker processes; close the store if this app opened it."""
        self.executor.close()
        if self.owns_store:
            self.store.close()

    def after_commit(self) -> str:
        """Call after every write this process commits; returns the new generation."""
        generation = self.executor.refresh()
        for hook in self.commit_hooks:
            hook(generation)
        return generation


def state_of(app: Flask | None = None) -> AppState:
    found = (app or current_app).extensions["unpacs"]
    assert isinstance(found, AppState)
    return found
