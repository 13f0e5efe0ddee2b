"""The ``unpacs`` command line: thin click commands over library functions.

Commands are registered on ``cli`` (an ``UnpacsGroup``, which gives each of them ``--store`` and
``--base-iri``); a command in its own module is added with ``cli.add_command``. ``serve`` is added
by ``endpoint.cli`` so that this module (and all of ``loader``) stays Flask-free.
"""

from __future__ import annotations

import json
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import click

from unpacs.loader import formats
from unpacs.loader.cli.imports import import_group
from unpacs.loader.cli.query import query
from unpacs.loader.cli.steward import template, token
from unpacs.loader.cli.support import (
    IriParam,
    UnpacsGroup,
    opened_store,
    print_report,
    run,
    settings_of,
    shared_options,
    terminal_progress,
)
from unpacs.loader.errors import UnpacsError
from unpacs.loader.ingest import validation
from unpacs.loader.ingest.build import build_store
from unpacs.loader.ingest.pipeline import load_sources, read_source, validate_sources
from unpacs.loader.ingest.plan import delete_graphs
from unpacs.loader.store.oxigraph import OxigraphStore
from unpacs.loader.store.protocol import Store
from unpacs.loader.store.record import check_loadable, stored_base_iri

RDF_SUFFIXES = {s for f in formats.rdf_formats() for s in f.suffixes} - {".xml"}
INPUT_FORMATS = [f.name for f in formats.FORMATS if f.kind in ("rdf", "tabular")]


def _version() -> str:
    try:
        return version("unpacs")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown"


def expand_paths(paths: tuple[Path, ...]) -> list[Path]:
    """Files as given; a directory stands for the RDF files under it (CSV must be named)."""
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            out.extend(
                p for p in sorted(path.rglob("*")) if p.is_file() and p.suffix in RDF_SUFFIXES
            )
        else:
            out.append(path)
    if not out:
        raise UnpacsError("no data files in " + ", ".join(map(str, paths)))
    return out


@click.group(cls=UnpacsGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(
    _version(), "--version", "-V", prog_name="unpacs", message="%(prog)s %(version)s"
)
def cli() -> None:
    """unpacs: load, validate, query and serve the UNPACS knowledge base.

    --store and --base-iri may be given before or after the command name.
    """


cli.params.extend(shared_options())

VERBOSE = click.option("-v", "--verbose", is_flag=True, help="Print every warning in full.")


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--graph", type=IriParam(), help="Named graph IRI (one file only).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(INPUT_FORMATS, case_sensitive=False),
    help="Input format, when the suffix does not tell.",
)
@click.option("--no-validate", is_flag=True, help="Skip SHACL (trusted dumps, benchmarks).")
@click.option(
    "--replace",
    is_flag=True,
    help="Move records other graphs describe into this load, and replace a graph first "
    "loaded from another file.",
)
@VERBOSE
@click.option("--server", help="A running server's URL: load through it (needs --token, --graph).")
@click.option("--token", help="Steward token, or @file holding it (with --server).")
@click.option("--draft", is_flag=True, help="With --server: submit a draft for review.")
@click.pass_context
def load(
    ctx: click.Context,
    files: tuple[Path, ...],
    graph: str | None,
    fmt: str | None,
    no_validate: bool,
    replace: bool,
    verbose: bool,
    server: str | None,
    token: str | None,
    draft: bool,
) -> None:
    """Load FILES (or the RDF files in a folder) in one transaction: all of them, or nothing."""
    settings = settings_of(ctx)
    if server:
        from unpacs.loader.cli.steward import remote_load

        if len(files) != 1 or not token or no_validate:
            raise click.UsageError("--server takes one file and --token (and never --no-validate)")
        outcome = remote_load(server, token, files[0], graph, fmt, draft)
        click.echo(json.dumps(outcome, indent=2))
        return
    if graph and len(files) > 1:
        raise click.UsageError("--graph needs exactly one file")
    chosen = formats.by_name(fmt) if fmt else None
    sources = [read_source(p, settings, graph=graph, fmt=chosen) for p in expand_paths(files)]
    if no_validate:
        click.echo("warning: --no-validate: SHACL validation skipped", err=True)
    with opened_store(settings) as store:
        check_loadable(store, settings)
        report = load_sources(
            store,
            sources,
            settings,
            validate=not no_validate,
            progress=terminal_progress(),
            replace=replace,
        )
    print_report(report, verbose)


@cli.command()
@click.option(
    "--graph",
    "graphs",
    type=IriParam(),
    multiple=True,
    required=True,
    help="Graph IRI (repeatable).",
)
@click.option("--force", is_flag=True, help="Delete even when other graphs link to its records.")
@click.option("--server", help="A running server's URL: delete through it (needs --token).")
@click.option("--token", help="Steward token, or @file holding it (with --server).")
@click.pass_context
def delete(
    ctx: click.Context,
    graphs: tuple[str, ...],
    force: bool,
    server: str | None,
    token: str | None,
) -> None:
    """Remove named graphs in one transaction (refused when other records link to them)."""
    if server:
        from unpacs.loader.cli.steward import remote_delete

        if not token or force:
            raise click.UsageError("--server needs --token (and never --force)")
        for graph in graphs:
            remote_delete(server, token, graph)
            click.echo(f"deleted graph {graph} through {server}")
        return
    with opened_store(settings_of(ctx)) as store:
        removed = delete_graphs(store, graphs, force=force)
    for graph, n in removed.items():
        click.echo(f"deleted graph {graph} ({n:,} triples)")


@cli.command()
@VERBOSE
@click.option(
    "--overwrite-edits",
    is_flag=True,
    help="Also replace bundled graphs that were since replaced from another file.",
)
@click.pass_context
def build(ctx: click.Context, verbose: bool, overwrite_edits: bool) -> None:
    """Replace the bundled graphs (data/reference, data/seed, ontology, shapes), validated.

    Every other graph (what stewards loaded) is left as it is, and so is a bundled graph a
    steward replaced from another file (unless --overwrite-edits).
    """
    settings = settings_of(ctx)
    with opened_store(settings) as store:
        before = stored_base_iri(store)
        report = build_store(store, settings, terminal_progress(), overwrite_edits=overwrite_edits)
    print_report(report, verbose)
    if before is not None and before != settings.base_iri:
        click.echo(f"moved the bundled graphs from base IRI {before} to {settings.base_iri}")


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "out",
    type=click.Choice(["text", "json", "turtle"]),
    default="text",
    show_default=True,
)
@click.option("--no-store", is_flag=True, help="Validate the files alone, not against the store.")
@click.option("--replace", is_flag=True, help="Check as `load --replace` would.")
@click.pass_context
def validate(
    ctx: click.Context, files: tuple[Path, ...], out: str, no_store: bool, replace: bool
) -> None:
    """Validate FILES against the shapes (with the stored records they refer to); write nothing."""
    settings = settings_of(ctx)
    sources = [read_source(p, settings) for p in expand_paths(files)]
    if no_store or (not settings.store_is_remote and not Path(settings.store).exists()):
        store: Store = OxigraphStore(None)
        issues = validate_sources(store, sources, settings)
    else:
        with opened_store(settings) as store:
            check_loadable(store, settings)
            issues = validate_sources(store, sources, settings, replace=replace)
    conforms = not validation.violations(issues)
    if out == "json":
        click.echo(
            json.dumps({"conforms": conforms, "issues": [i.as_dict() for i in issues]}, indent=2)
        )
    elif out == "turtle":
        click.echo(validation.report_graph(issues).serialize(format="turtle"))
    else:
        for issue in issues:
            click.echo(issue.format())
        n_bad = len(validation.violations(issues))
        click.echo(
            f"{'conforms' if conforms else 'does not conform'}: {n_bad} violation(s), "
            f"{len(issues) - n_bad} warning(s)"
        )
    ctx.exit(0 if conforms else 1)


@cli.command()
@click.option(
    "--format",
    "fmt",
    default="nquads",
    show_default=True,
    type=click.Choice(["nquads", "trig", "turtle", "ntriples"]),
)
@click.option("--graph", type=IriParam(), help="Only this named graph.")
@click.option("-o", "--output", type=click.Path(path_type=Path), help="File to write.")
@click.pass_context
def dump(ctx: click.Context, fmt: str, graph: str | None, output: Path | None) -> None:
    """Write the store (or one graph), streaming, to stdout or FILE."""
    settings = settings_of(ctx)
    with opened_store(settings) as store:
        if output is None:
            store.dump(formats.by_name(fmt), sys.stdout.buffer, graph=graph)
            sys.stdout.buffer.flush()
        else:
            with output.open("wb") as handle:
                store.dump(formats.by_name(fmt), handle, graph=graph)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_context
def stats(ctx: click.Context, as_json: bool) -> None:
    """Triples per graph and instances per class."""
    settings = settings_of(ctx)
    with opened_store(settings) as store:
        numbers = store.stats()
    if as_json:
        data: dict[str, Any] = {
            "triples": numbers.total,
            "graphs": numbers.triples_per_graph,
            "classes": numbers.instances_per_class,
        }
        click.echo(json.dumps(data, indent=2))
        return
    click.echo(f"{numbers.total:,} triples in {len(numbers.triples_per_graph)} graph(s)")
    for graph, n in sorted(numbers.triples_per_graph.items()):
        click.echo(f"  {n:>10,}  {graph}")
    click.echo("instances per class:")
    for cls, n in sorted(numbers.instances_per_class.items()):
        click.echo(f"  {n:>10,}  {cls}")


cli.add_command(query)
cli.add_command(import_group)
cli.add_command(token)
cli.add_command(template)


def main() -> None:
    run(cli)
