"""``unpacs query``: one SPARQL query through the executor, written in the format asked for."""

from __future__ import annotations

import sys
from pathlib import Path

import click
import pyoxigraph

from unpacs.loader import formats
from unpacs.loader.cli.support import opened_store, settings_of
from unpacs.loader.errors import NotAcceptableError
from unpacs.loader.formats import Format
from unpacs.loader.query.executor import QueryAnswer, QueryRequest
from unpacs.loader.query.factory import make_executor
from unpacs.loader.query.jsonld_out import triples_to_jsonld

# --format NAME -> (format for SELECT/ASK results, format for CONSTRUCT/DESCRIBE results).
# ``json`` and ``xml`` name the JSON and XML form of whichever the query returns.
QUERY_FORMATS: dict[str, tuple[str | None, str | None]] = {
    "tsv": ("tsv", None),
    "csv": ("csv", None),
    "json": ("sparql-json", "jsonld"),
    "xml": ("sparql-xml", "rdfxml"),
    "turtle": (None, "turtle"),
    "ntriples": (None, "ntriples"),
    "nquads": (None, "nquads"),
    "trig": (None, "trig"),
    "rdfxml": (None, "rdfxml"),
    "jsonld": (None, "jsonld"),
}
SOLUTION_NAMES = [n for n, (s, _g) in QUERY_FORMATS.items() if s]
GRAPH_NAMES = [n for n, (_s, g) in QUERY_FORMATS.items() if g]


def read_query(text: str) -> str:
    """The query itself, or the content of ``@file.rq``."""
    if not text.startswith("@"):
        return text
    path = Path(text[1:])
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise click.BadParameter(f"no such query file: {path}", param_hint="'SPARQL'") from None
    except (OSError, UnicodeDecodeError) as error:
        raise click.BadParameter(f"cannot read {path}: {error}", param_hint="'SPARQL'") from None


def _misfit(name: str | None, graph_formats: list[Format]) -> str:
    if not graph_formats:
        return (
            f"--format {name} is for SELECT and ASK results; a CONSTRUCT or DESCRIBE "
            f"query can be written as {', '.join(GRAPH_NAMES)}"
        )
    return (
        f"--format {name} is for CONSTRUCT and DESCRIBE results; a SELECT or ASK "
        f"query can be written as {', '.join(SOLUTION_NAMES)}"
    )


def _formats(name: str | None) -> tuple[list[Format], list[Format]]:
    solutions, graph = QUERY_FORMATS[name] if name else ("tsv", "turtle")
    # JSON-LD is compacted with our context by rdflib, from N-Triples the executor writes.
    graph_wire = "ntriples" if graph == "jsonld" else graph
    return (
        [formats.by_name(solutions, "results")] if solutions else [],
        [formats.by_name(graph_wire, "rdf")] if graph_wire else [],
    )


@click.command()
@click.argument("sparql")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(list(QUERY_FORMATS), case_sensitive=False),
    help="SELECT/ASK: tsv (default), csv, json, xml. CONSTRUCT/DESCRIBE: turtle (default), "
    "ntriples, nquads, trig, rdfxml or xml, jsonld or json (compacted with our context).",
)
@click.pass_context
def query(ctx: click.Context, sparql: str, fmt: str | None) -> None:
    """Run a SPARQL query (text, or @file.rq) and print the results."""
    settings = settings_of(ctx)
    text = read_query(sparql)
    name = fmt.lower() if fmt else None
    solution_formats, graph_formats = _formats(name)
    with opened_store(settings) as store:
        # The endpoint's executor with one worker process: the timeout, the memory limit and
        # the cap hold here too.
        executor = make_executor(settings, store, workers=1, cache=False)
        request = QueryRequest(text, solution_formats=solution_formats, graph_formats=graph_formats)
        try:
            answer: QueryAnswer | None = executor.execute(request)
        except NotAcceptableError:
            # Raised below, so that no frame of the query (which holds the store) stays alive.
            answer = None
        finally:
            executor.close()
    if answer is None:
        raise click.UsageError(_misfit(name, graph_formats))
    body = answer.body
    if answer.form == "graph" and name in ("jsonld", "json"):
        triples = (
            pyoxigraph.Triple(q.subject, q.predicate, q.object)
            for q in pyoxigraph.parse(body, pyoxigraph.RdfFormat.N_TRIPLES)
        )
        body = triples_to_jsonld(triples, settings.base_iri)
    out = sys.stdout.buffer
    out.write(body)
    if not body.endswith(b"\n"):
        out.write(b"\n")
    out.flush()
    if answer.truncated:
        click.echo(
            f"warning: stopped at {answer.count:,} results (UNPACS_RESULT_LIMIT); "
            "add LIMIT/OFFSET to page through the rest",
            err=True,
        )
