"""The ``unpacs`` command line: thin click commands over library functions.

Commands are registered on ``cli`` (an ``UnpacsGroup``, which gives each of them ``--store`` and
``--base-iri``); a command in its own module is added with ``cli.add_command``. ``serve`` is added
by ``endpoint.cli`` so that this module (and all of ``loader``) stays Flask-free.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import click
import pyoxigraph

from unpacs.loader import formats, validation
from unpacs.loader.cli_query import query
from unpacs.loader.cli_support import (
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
from unpacs.loader.pipeline import LoadReport, Progress, load_sources, read_source, validate_sources
from unpacs.loader.settings import Settings
from unpacs.loader.store.oxigraph import OxigraphStore
from unpacs.loader.store.protocol import Store
from unpacs.loader.store_record import check_loadable, graphs_left_by_rebase, record_graph

RDF_SUFFIXES = {s for f in formats.rdf_formats() for s in f.suffixes} - {".xml"}
INPUT_FORMATS = [f.name for f in formats.FORMATS if f.kind != "results"]


def _version() -> str:
    try:
        return version("unpacs")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown"


def data_files(root: Path) -> list[Path]:
    """The RDF files ``build`` loads: everything under ``reference/`` and ``seed/``."""
    found = [
        p
        for sub in ("reference", "seed")
        for p in sorted((root / sub).rglob("*"))
        if p.is_file() and p.suffix in RDF_SUFFIXES
    ]
    return found


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


def build_store(store: Store, settings: Settings, progress: Progress | None = None) -> LoadReport:
    """Load the bundled data (validated) in one transaction.

    Under a new base IRI the bundled graphs of the old one are dropped in the same transaction.
    """
    files = data_files(settings.data_dir)
    if not files:
        raise UnpacsError(f"no RDF files under {settings.data_dir}/reference or /seed")
    # The record of the base IRI, and the bundled graphs of an old base, change in the same
    # transaction as the data.
    extra: dict[str, Sequence[pyoxigraph.Triple]] = {
        g: [] for g in graphs_left_by_rebase(store, settings)
    }
    extra.update(record_graph(settings.base_iri))
    sources = [read_source(p, settings) for p in files]
    return load_sources(
        store, sources, settings, validate=True, progress=progress, also_commit=extra
    )


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
@VERBOSE
@click.pass_context
def load(
    ctx: click.Context,
    files: tuple[Path, ...],
    graph: str | None,
    fmt: str | None,
    no_validate: bool,
    verbose: bool,
) -> None:
    """Load FILES (or the RDF files in a folder) in one transaction: all of them, or nothing."""
    settings = settings_of(ctx)
    if graph and len(files) > 1:
        raise click.UsageError("--graph needs exactly one file")
    chosen = formats.by_name(fmt) if fmt else None
    sources = [read_source(p, settings, graph=graph, fmt=chosen) for p in expand_paths(files)]
    if no_validate:
        click.echo("warning: --no-validate: SHACL validation skipped", err=True)
    with opened_store(settings) as store:
        check_loadable(store, settings)
        report = load_sources(
            store, sources, settings, validate=not no_validate, progress=terminal_progress()
        )
    print_report(report, verbose)


@cli.command()
@VERBOSE
@click.pass_context
def build(ctx: click.Context, verbose: bool) -> None:
    """Load the bundled data (data/reference, data/seed), validated."""
    settings = settings_of(ctx)
    with opened_store(settings) as store:
        report = build_store(store, settings, terminal_progress())
    print_report(report, verbose)


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
@click.pass_context
def validate(ctx: click.Context, files: tuple[Path, ...], out: str, no_store: bool) -> None:
    """Validate FILES against the shapes (with the stored records they refer to); write nothing."""
    settings = settings_of(ctx)
    sources = [read_source(p, settings) for p in expand_paths(files)]
    if no_store or (not settings.store_is_remote and not Path(settings.store).exists()):
        store: Store = OxigraphStore(None)
        issues = validate_sources(store, sources, settings)
    else:
        with opened_store(settings) as store:
            check_loadable(store, settings)
            issues = validate_sources(store, sources, settings)
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


def main() -> None:
    run(cli)
