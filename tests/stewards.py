"""Shared set-up for the stewards' tests (issue 11): a built store copied per test, tokens."""

from __future__ import annotations

import io
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask

from unpacs.endpoint.app import create_app
from unpacs.loader import formats
from unpacs.loader.cli import build_store
from unpacs.loader.settings import Settings
from unpacs.loader.stewards.tokens import add_token
from unpacs.loader.store.oxigraph import OxigraphStore

BASE = "http://127.0.0.1:8000/"
PHL_GRAPH = BASE + "graph/seed/philippines"
ICTO = BASE + "id/organization/icto-phl"
OLD_PHONE = "+632 857 2071 to 82"
NEW_PHONE = "+63 2 8857 2071"


@dataclass
class Site:
    settings: Settings
    steward: str  # PHL: validate, draft
    publisher: str  # PHL: validate, publish, update
    kenya: str  # KEN: every action

    def app(self) -> Flask:
        return create_app(self.settings)


@pytest.fixture(scope="session")
def built_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("stewards") / "store"
    settings = Settings(store=str(path))
    store = OxigraphStore(path)
    try:
        build_store(store, settings)
    finally:
        store.close()
    return path


def make_site(tmp_path: Path, built: Path) -> Site:
    store = tmp_path / "store"
    shutil.copytree(built, store)
    tokens = tmp_path / "tokens.json"
    steward = add_token(tokens, "phl-steward", ["PHL"], ["validate", "draft"])
    publisher = add_token(tokens, "phl-publisher", ["PHL"], ["validate", "publish", "update"])
    kenya = add_token(tokens, "ken-steward", ["KEN"], ["validate", "draft", "publish", "update"])
    settings = Settings(store=str(store), tokens_file=tokens)
    return Site(settings, steward, publisher, kenya)


def dump(store: OxigraphStore) -> bytes:
    out = io.BytesIO()
    store.dump(formats.by_name("nquads"), out)
    return out.getvalue()


def bearer(token: str, accept: str = "application/json") -> dict[str, str]:
    return {"Authorization": "Bearer " + token, "Accept": accept}
