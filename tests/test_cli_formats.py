"""Every format a command's ``--help`` lists works (issue 7, problem 7).

The formats are read from the help text itself, so a format added to a ``--format`` choice
without a check here fails ``test_every_listed_format_is_checked``.
"""

from __future__ import annotations

import csv
import gc
import io
import json
import os
import re
import shutil
from pathlib import Path

import openpyxl
import pyoxigraph
import pytest
from click.testing import CliRunner, Result
from fixtures.cli_helpers import clean_env
from fixtures.stores import BASE

from unpacs.endpoint.cli import cli
from unpacs.loader import formats
from unpacs.loader.ingest.parsing import parse_rdf

DATA = Path(__file__).parent / "data" / "pipeline"
CSV = Path(__file__).parent / "data" / "csv"
SELECT = "SELECT * WHERE { ?s ?p ?o } LIMIT 1"
CONSTRUCT = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"
FORMAT_CHOICE = re.compile(r"--format \[([^\]]+)\]")


def listed(command: str) -> list[str]:
    shown = CliRunner().invoke(cli, [command, "--help"]).output
    found = FORMAT_CHOICE.search(shown)
    return found.group(1).split("|") if found else []


COMMANDS_WITH_FORMATS = sorted(c for c in cli.commands if listed(c))
CASES = [(c, f) for c in COMMANDS_WITH_FORMATS for f in listed(c)]


def test_every_listed_format_is_checked() -> None:
    assert COMMANDS_WITH_FORMATS == ["dump", "load", "query", "template", "validate"]


@pytest.fixture(scope="module")
def pipeline_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str], int]:
    where = tmp_path_factory.mktemp("formats")
    env = clean_env(
        UNPACS_STORE=str(where / "store"),
        UNPACS_SHAPES_DIR=str(DATA / "shapes"),
        UNPACS_DATA_DIR=str(DATA),
    )
    assert unpacs(None, where, env, "load", str(DATA / "valid.ttl")).exit_code == 0
    stats = unpacs(None, where, env, "stats", "--json").stdout
    return where, env, int(json.loads(stats)["triples"])


def unpacs(_exe: None, cwd: Path, env: dict[str, str], *args: str) -> Result:
    """The command in this process (a fresh process per case would dominate the run time)."""
    overlay: dict[str, str | None] = {k: None for k in os.environ if k.startswith("UNPACS_")}
    overlay.update({k: v for k, v in env.items() if k.startswith("UNPACS_")})
    # pyoxigraph releases a store's lock when the object is collected; results and tracebacks
    # of the previous command may still hold it.
    gc.collect()
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(cwd)
        return CliRunner().invoke(cli, list(args), env=overlay)


def _count_rdf(body: bytes, name: str) -> int:
    fmt = formats.by_name(name, "rdf")
    return len(parse_rdf(body, fmt, file="out", base_iri=BASE))


@pytest.mark.parametrize(("command", "name"), CASES, ids=[f"{c}-{f}" for c, f in CASES])
def test_issue_7_problem7_every_listed_format_works(
    command: str,
    name: str,
    pipeline_store: tuple[Path, dict[str, str], int],
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> None:
    where, env, total = pipeline_store
    if command == "query":
        check_query(where, env, name, total)
    elif command == "dump":
        done = unpacs(None, where, env, "dump", "--format", name)
        assert done.exit_code == 0, done.output
        assert _count_rdf(done.stdout.encode(), name) == total
    elif command == "validate":
        check_validate(where, env, name)
    elif command == "template":
        check_template(request.getfixturevalue("bundled_copy"), tmp_path, name)
    else:
        check_load(request, tmp_path, name)


def check_query(where: Path, env: dict[str, str], name: str, total: int) -> None:
    selected = unpacs(None, where, env, "query", "--format", name, SELECT)
    constructed = unpacs(None, where, env, "query", "--format", name, CONSTRUCT)
    assert 0 in (selected.exit_code, constructed.exit_code), selected.output
    if selected.exit_code == 0 and name == "csv":  # lossy: pyoxigraph does not parse it back
        rows = list(csv.reader(io.StringIO(selected.stdout)))
        assert rows[0] == ["s", "p", "o"] or sorted(rows[0]) == ["o", "p", "s"]
        assert len(rows) == 2
    elif selected.exit_code == 0:
        results = formats.by_name({"json": "sparql-json", "xml": "sparql-xml"}.get(name, name))
        assert results.oxigraph_results is not None
        parsed = pyoxigraph.parse_query_results(
            io.BytesIO(selected.stdout.encode()), results.oxigraph_results
        )
        assert isinstance(parsed, pyoxigraph.QuerySolutions)
        assert len(list(parsed)) == 1
    if constructed.exit_code == 0:
        graph_name = {"json": "jsonld", "xml": "rdfxml"}.get(name, name)
        assert _count_rdf(constructed.stdout.encode(), graph_name) == total
    for done in (selected, constructed):
        if done.exit_code != 0:  # the other form: refused as a usage error
            assert done.exit_code == 2


def check_validate(where: Path, env: dict[str, str], name: str) -> None:
    done = unpacs(None, where, env, "validate", "--format", name, str(DATA / "violation.ttl"))
    assert done.exit_code == 1
    if name == "json":
        assert json.loads(done.stdout)["conforms"] is False
    elif name == "turtle":
        graph = _count_rdf(done.stdout.encode(), "turtle")
        assert graph > 0
        assert "ValidationReport" in done.stdout
    else:
        assert "does not conform" in done.stdout


def check_template(built: Path, tmp_path: Path, name: str) -> None:
    # A copy of the session's built store: building it again would add nothing here.
    env = clean_env(UNPACS_STORE=str(built))
    target = tmp_path / f"institution.{name}"
    done = unpacs(
        None, tmp_path, env, "template", "institution", "--format", name, "-o", str(target)
    )
    assert done.exit_code == 0, done.output
    if name == "csv":
        assert target.read_text(encoding="utf-8").startswith("Institution code *,")
    else:
        assert openpyxl.load_workbook(target)["Institution"]["A1"].value == "Institution code *"


def check_load(request: pytest.FixtureRequest, tmp_path: Path, name: str) -> None:
    fmt = formats.by_name(name)
    # Each file under a suffix that does not tell its format, so --format must.
    if fmt.kind == "tabular":
        env = clean_env(UNPACS_STORE=str(request.getfixturevalue("bundled_copy")))
        source = tmp_path / "institutions.txt"
        if fmt.name == "xlsx-records":
            book = openpyxl.Workbook()
            with (CSV / "institutions.csv").open(encoding="utf-8", newline="") as rows:
                for row in csv.reader(rows):
                    book.active.append(row)
            book.save(source)
        else:
            shutil.copy(CSV / "institutions.csv", source)
        expected = "id/organization/test-icto"
    else:
        env = clean_env(
            UNPACS_STORE=str(tmp_path / "store"),
            UNPACS_SHAPES_DIR=str(DATA / "shapes"),
            UNPACS_DATA_DIR=str(DATA),
        )
        triples = parse_rdf(
            (DATA / "valid.ttl").read_bytes(),
            formats.by_name("turtle"),
            file="valid.ttl",
            base_iri=BASE,
        )
        oxi = fmt.oxigraph_rdf or pyoxigraph.RdfFormat.JSON_LD
        body = (
            pyoxigraph.serialize(
                (pyoxigraph.Triple(q.subject, q.predicate, q.object) for q in triples), format=oxi
            )
            if not fmt.supports_datasets or fmt.name == "jsonld"
            else pyoxigraph.serialize(triples, format=oxi)
        )
        assert body is not None
        source = tmp_path / "records.txt"
        source.write_bytes(body)
        expected = "id/organization/child"
    done = unpacs(None, tmp_path, env, "load", "--format", name, str(source))
    assert done.exit_code == 0, done.output
    asked = unpacs(None, tmp_path, env, "query", f"ASK {{ <{BASE}{expected}> ?p ?o }}")
    assert asked.stdout.strip() == "true", asked.output
