"""Every misuse of the command line ends in one line and exit 2 (usage) or 1 (refused input),
never a traceback; options work before and after the command (issue 7, problem 7)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
import pytest
from fixtures.cli_helpers import clean_env, unpacs

from unpacs.endpoint.cli import cli

UNPACS = str(Path(sys.executable).with_name("unpacs"))
DATA = Path(__file__).parent / "data" / "pipeline"
VALID = str(DATA / "valid.ttl")
SELECT = "SELECT * WHERE { ?s ?p ?o } LIMIT 1"
CONSTRUCT = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return clean_env(
        UNPACS_STORE=str(tmp_path / "store"),
        UNPACS_SHAPES_DIR=str(DATA / "shapes"),
        UNPACS_DATA_DIR=str(DATA),
    )


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """One store for every misuse: each is refused, so none of them changes it."""
    where = tmp_path_factory.mktemp("misuse")
    env = clean_env(
        UNPACS_STORE=str(where / "store"),
        UNPACS_SHAPES_DIR=str(DATA / "shapes"),
        UNPACS_DATA_DIR=str(DATA),
    )
    done = unpacs(UNPACS, where, env, "load", VALID)
    assert done.returncode == 0, done.stderr
    return where, env


MISUSES = [
    # (arguments, exit status, what the one line says)
    (["load", "--graph", "not an iri", VALID], 2, "'not an iri' is not an absolute IRI"),
    (["load", "--graph", "relative/graph", VALID], 2, "is not an absolute IRI"),
    (["dump", "--graph", "not an iri"], 2, "is not an absolute IRI"),
    (["query", "@missing.rq"], 2, "no such query file: missing.rq"),
    (["query", "--format", "jsonld", SELECT], 2, "--format jsonld is for CONSTRUCT"),
    (["query", "--format", "turtle", SELECT], 2, "a SELECT or ASK query can be written as"),
    (["query", "--format", "csv", CONSTRUCT], 2, "--format csv is for SELECT and ASK"),
    (["query", "--format", "yaml", SELECT], 2, "'yaml' is not one of"),
    (["query", "SELEC"], 1, "SPARQL syntax error"),
    (["load", "missing.ttl"], 1, "no such file: missing.ttl"),
    (["load", "--format", "yaml", VALID], 2, "'yaml' is not one of"),
    (["load", "--graph", "https://example.org/g", VALID, VALID], 2, "--graph needs exactly"),
    (["load"], 2, "Missing argument 'FILES...'"),
    (["--base-iri", "ftp://x/", "stats"], 2, "is not an http(s) IRI ending with '/'"),
    (["stats", "--base-iri", "http://x"], 2, "is not an http(s) IRI ending with '/'"),
    (["frobnicate"], 2, "No such command 'frobnicate'"),
    (["serve", "--port", "0"], 2, "is not in the range"),
    (["dump", "-o", "/nonexistent/dir/out.nq"], 1, "/nonexistent/dir/out.nq"),
    (["validate", "--format", "yaml", VALID], 2, "'yaml' is not one of"),
]


@pytest.mark.parametrize(("args", "status", "said"), MISUSES, ids=[" ".join(m[0]) for m in MISUSES])
def test_issue_7_problem7_misuse_is_one_line_without_traceback(
    loaded: tuple[Path, dict[str, str]], args: list[str], status: int, said: str
) -> None:
    done = unpacs(UNPACS, *loaded, *args)
    assert "Traceback" not in done.stderr
    assert done.returncode == status, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("error: ")
    assert said in lines[0]


def test_issue_7_problem7_serve_refuses_an_empty_store(tmp_path: Path, env: dict[str, str]) -> None:
    done = unpacs(UNPACS, tmp_path, env, "serve")
    assert done.returncode == 1
    assert done.stderr.strip() == (
        f"error: store {tmp_path / 'store'} is empty: run `unpacs build` first"
    )
    assert not (tmp_path / "store").exists()


def test_issue_7_problem7_bad_setting_is_one_line(tmp_path: Path, env: dict[str, str]) -> None:
    done = unpacs(UNPACS, tmp_path, {**env, "UNPACS_PORT": "eighty"}, "stats")
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert "UNPACS_PORT='eighty'" in done.stderr


def _command_paths(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    paths = []
    for name, command in sorted(group.commands.items()):
        paths.append((*prefix, name))
        if isinstance(command, click.Group):
            paths.extend(_command_paths(command, (*prefix, name)))
    return paths


@pytest.mark.parametrize("path", _command_paths(cli), ids=" ".join)
def test_issue_7_problem7_every_command_takes_store_and_base_iri(path: tuple[str, ...]) -> None:
    from click.testing import CliRunner

    shown = CliRunner().invoke(cli, [*path, "--help"])
    assert shown.exit_code == 0
    assert "--store PATH|URL" in shown.output
    assert "--base-iri IRI" in shown.output


def test_issue_7_problem7_store_before_or_after_the_command(tmp_path: Path) -> None:
    env = clean_env(UNPACS_SHAPES_DIR=str(DATA / "shapes"), UNPACS_DATA_DIR=str(DATA))
    after = str(tmp_path / "after")
    before = str(tmp_path / "before")
    assert unpacs(UNPACS, tmp_path, env, "load", VALID, "--store", after).returncode == 0
    assert unpacs(UNPACS, tmp_path, env, "--store", before, "load", VALID).returncode == 0
    for store in (after, before):
        stats = unpacs(UNPACS, tmp_path, env, "stats", "--json", "--store", store)
        assert json.loads(stats.stdout)["triples"] > 0
    # Given twice, the one after the command wins (it is nearer the end of the line).
    both = unpacs(UNPACS, tmp_path, env, "--store", after, "stats", "--store", str(tmp_path / "x"))
    assert both.returncode == 0
    assert (
        json.loads(unpacs(UNPACS, tmp_path, env, "--store", after, "stats", "--json").stdout)[
            "triples"
        ]
        > 0
    )
    assert (tmp_path / "x").exists()
    # --base-iri after the command mints the IRIs under it.
    other = str(tmp_path / "other")
    based = unpacs(
        UNPACS, tmp_path, env, "load", VALID, "--store", other, "--base-iri", "https://x.org/u/"
    )
    assert based.returncode == 0, based.stderr
    assert "https://x.org/u/graph/valid" in based.stdout


def test_issue_7_problem7_version(tmp_path: Path) -> None:
    done = unpacs(UNPACS, tmp_path, clean_env(), "--version")
    assert done.returncode == 0
    assert done.stdout.startswith("unpacs ")


@pytest.mark.slow
def test_issue_7_problem7_build_summarises_warnings(tmp_path: Path) -> None:
    summary = unpacs(UNPACS, tmp_path, clean_env(UNPACS_STORE=str(tmp_path / "a")), "build")
    assert summary.returncode == 0, summary.stderr
    head, *counts = summary.stderr.strip().splitlines()
    total = int(head.split()[0])
    assert head.endswith("by message (--verbose prints each one):")
    assert total > len(counts) > 1
    assert sum(int(line.split()[0]) for line in counts) == total
    verbose = unpacs(
        UNPACS, tmp_path, clean_env(UNPACS_STORE=str(tmp_path / "b")), "build", "--verbose"
    )
    assert verbose.returncode == 0
    assert verbose.stderr.count(": warning: ") == total
