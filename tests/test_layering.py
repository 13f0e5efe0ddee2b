"""Layering: ``loader`` is a Flask-free library; settings are all documented."""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import fields
from pathlib import Path

import pytest

from unpacs.loader.errors import ConfigError
from unpacs.loader.settings import SETTINGS_HELP, Settings, from_env

ROOT = Path(__file__).parent.parent


def test_loader_never_imports_flask() -> None:
    code = (
        "import sys, pkgutil, importlib, unpacs.loader as loader\n"
        "for m in pkgutil.walk_packages(loader.__path__, 'unpacs.loader.'):\n"
        "    importlib.import_module(m.name)\n"
        "bad = sorted(n for n in sys.modules if n.split('.')[0] in ('flask', 'endpoint')\n"
        "             or n.startswith('unpacs.endpoint'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert out.stdout.strip() == ""


def test_every_setting_is_documented_in_code_and_readme() -> None:
    readme = (ROOT / "README.md").read_text()
    assert {f.name for f in fields(Settings)} == set(SETTINGS_HELP)
    for variable, _parse, help_text in SETTINGS_HELP.values():
        assert help_text
        assert f"`{variable}`" in readme, f"{variable} is not in the README settings table"


@pytest.mark.parametrize(
    ("environ", "named"),
    [
        ({"UNPACS_PORT": "eighty"}, "UNPACS_PORT"),
        ({"UNPACS_PORT": "70000"}, "UNPACS_PORT"),
        ({"UNPACS_QUERY_TIMEOUT": "-1"}, "UNPACS_QUERY_TIMEOUT"),
        ({"UNPACS_BASE_IRI": "ftp://x/"}, "UNPACS_BASE_IRI"),
        ({"UNPACS_BASE_IRI": "http://x"}, "UNPACS_BASE_IRI"),
        ({"UNPACS_UPDATE_URL": "file:///etc"}, "UNPACS_UPDATE_URL"),
        ({"UNPACS_PROT": "8000"}, "UNPACS_PROT"),
    ],
)
def test_bad_settings_name_the_variable_and_value(environ: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigError) as caught:
        from_env(environ)
    assert named in caught.value.message
    assert caught.value.hint


def test_settings_read_from_environment() -> None:
    settings = from_env({"UNPACS_PORT": "9000", "UNPACS_STORE": "http://h/query"})
    assert settings.port == 9000
    assert settings.store_is_remote


# Rooms of the library and their ranks: a module imports only from its own room or a lower rank.
ROOM_RANKS = {
    "kernel": 0,
    "store": 1,
    "query": 2,
    "ingest": 2,
    "read": 3,
    "stewards": 3,
    "survey": 3,
    "cli": 4,
}


def _room(module: str) -> str | None:
    parts = module.split(".")
    if parts[:2] != ["unpacs", "loader"] or len(parts) == 2:
        return None
    return parts[2] if parts[2] in ROOM_RANKS else "kernel"


def _imported_modules(tree: ast.AST) -> Iterator[str]:
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)


def test_loader_rooms_import_only_downwards() -> None:
    upward = []
    for path in sorted((ROOT / "loader").rglob("*.py")):
        parts = path.relative_to(ROOT / "loader").with_suffix("").parts
        mine = _room(".".join(("unpacs", "loader", *parts)))
        assert mine is not None
        for module in _imported_modules(ast.parse(path.read_text(encoding="utf-8"))):
            theirs = _room(module)
            if theirs is None or theirs == mine:
                continue
            if ROOM_RANKS[theirs] >= ROOM_RANKS[mine]:
                upward.append(f"{path.relative_to(ROOT)} imports {module}")
    assert upward == []


def test_every_loader_module_lives_in_a_room() -> None:
    kernel = {
        "__init__",
        "bundled",
        "errors",
        "formats",
        "settings",
        "turtle_text",
        "uris",
        "vocab",
    }
    flat = {p.stem for p in (ROOT / "loader").glob("*.py")}
    assert flat <= kernel, f"new top-level modules belong in a room: {sorted(flat - kernel)}"
