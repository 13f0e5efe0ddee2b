"""What every ``unpacs`` command shares: options, settings, the store, reports and errors.

Options are environment overrides: ``--store X`` means ``UNPACS_STORE=X`` for this run, so the
settings are made once by ``from_env`` (which derives the base IRI from host and port when
``UNPACS_BASE_IRI`` is unset) whether an option was given or not. ``UnpacsGroup`` adds the shared
options to every command registered on it, so they work before or after the command name.
"""

from __future__ import annotations

import os
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import click
import pyoxigraph

from unpacs.loader.errors import Issue, UnpacsError
from unpacs.loader.ingest.pipeline import LoadReport, Progress
from unpacs.loader.settings import SETTINGS_HELP, Settings, from_env
from unpacs.loader.store.factory import open_store
from unpacs.loader.store.protocol import Store

# Warnings printed one by one up to this many; beyond it, counted per message (--verbose: all).
WARNINGS_IN_FULL = 10
if TYPE_CHECKING:
    _StrParam = click.ParamType[str]
else:  # ParamType is generic only from click 8.2 on
    _StrParam = click.ParamType


class _Context:
    """Environment overrides gathered from the group's and the command's options."""

    def __init__(self) -> None:
        self.overrides: dict[str, str] = {}


def _context(ctx: click.Context) -> _Context:
    return ctx.ensure_object(_Context)


def settings_of(ctx: click.Context, **options: Any) -> Settings:
    """Settings from the environment with the CLI options (and ``options``) applied."""
    environ = {**os.environ, **_context(ctx).overrides}
    for name, value in options.items():
        if value is not None:
            environ[SETTINGS_HELP[name][0]] = str(value)
    return from_env(environ)


def _set_override(variable: str) -> Callable[[click.Context, click.Parameter, Any], Any]:
    def callback(ctx: click.Context, _param: click.Parameter, value: Any) -> Any:
        if value is not None:
            # A command's option is parsed after the group's, so the one nearer the end wins.
            _context(ctx).overrides[variable] = str(value)
        return value

    return callback


class IriParam(_StrParam):
    """An absolute IRI (``https://example.org/graph/x``, ``urn:x:y``)."""

    name = "IRI"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        text = str(value)
        try:
            pyoxigraph.NamedNode(text)  # checks RFC 3987 syntax, scheme included
        except ValueError as error:
            self.fail(
                f"{text!r} is not an absolute IRI ({error}); give e.g. https://example.org/graph/x"
            )
        return text


class BaseIriParam(_StrParam):
    name = "IRI"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        text = str(value)
        if not text.startswith(("http://", "https://")) or not text.endswith("/"):
            self.fail(f"{text!r} is not an http(s) IRI ending with '/'; give e.g. https://x.org/")
        return text


def shared_options() -> list[click.Option]:
    """Fresh ``--store`` and ``--base-iri`` options (one set per command)."""
    return [
        click.Option(
            ["--store"],
            metavar="PATH|URL",
            expose_value=False,
            callback=_set_override("UNPACS_STORE"),
            help="Store directory, or http(s) SPARQL query URL (default UNPACS_STORE, var/store).",
        ),
        click.Option(
            ["--base-iri"],
            type=BaseIriParam(),
            expose_value=False,
            callback=_set_override("UNPACS_BASE_IRI"),
            help="Base IRI (default UNPACS_BASE_IRI, else http://{host}:{port}/).",
        ),
    ]


class UnpacsGroup(click.Group):
    """A group whose every command also takes the shared options."""

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        taken = {opt for p in cmd.params for opt in p.opts}
        cmd.params.extend(o for o in shared_options() if not taken & set(o.opts))
        super().add_command(cmd, name)


@contextmanager
def opened_store(settings: Settings) -> Iterator[Store]:
    store = open_store(settings)
    try:
        yield store
    finally:
        store.close()


def terminal_progress() -> Progress | None:
    """Progress lines (triples, triples/s) on a terminal; nothing when stderr is not a tty."""
    if not sys.stderr.isatty():
        return None
    started = time.perf_counter()

    def report(stage: str, triples: int) -> None:
        elapsed = max(time.perf_counter() - started, 1e-6)
        click.echo(f"{stage}: {triples:,} triples ({triples / elapsed:,.0f} triples/s)", err=True)

    return report


def print_warnings(warnings: list[Issue], verbose: bool) -> None:
    """Each warning in full when there are few (or ``verbose``); else a count per message."""
    if verbose or len(warnings) <= WARNINGS_IN_FULL:
        for issue in warnings:
            click.echo(issue.format(), err=True)
        return
    counts = Counter((i.severity.lower(), i.message) for i in warnings)
    click.echo(f"{len(warnings)} warning(s), by message (--verbose prints each one):", err=True)
    for (severity, message), n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        click.echo(f"  {n:>6}  {severity}: {message}", err=True)


def print_report(report: LoadReport, verbose: bool = False) -> None:
    print_warnings(report.warnings, verbose)
    note = "" if report.validated else " WITHOUT validation (--no-validate)"
    if report.unchanged and not report.graphs and not report.removed:
        click.echo(
            f"nothing to do: the {len(report.unchanged)} bundled graph(s) match their files "
            "(content hashes, shapes and base IRI as stored)"
        )
    else:
        _print_loaded(report, note)
    for graph, file in sorted(report.kept.items()):
        click.echo(
            f"kept graph {graph}: it was replaced from {file} since it was built; "
            "`unpacs build --overwrite-edits` replaces it with the bundled file"
        )


def _print_loaded(report: LoadReport, note: str) -> None:
    click.echo(
        f"loaded {report.triples:,} triples into {len(report.graphs)} graph(s) "
        f"in {report.seconds:.2f} s{note}"
    )
    for graph, n in sorted(report.graphs.items()):
        click.echo(f"  {graph}  {n:,}")
    if report.unchanged:
        click.echo(f"left {len(report.unchanged)} unchanged bundled graph(s) as they were")
    for graph, records in sorted(report.moved.items()):
        click.echo(f"moved {len(records)} record(s) out of graph {graph}: " + ", ".join(records))
    for graph, file in sorted(report.removed.items()):
        click.echo(f"removed graph {graph} (its file {file} is no longer bundled)")


def _usage_line(error: click.UsageError) -> str:
    where = error.ctx.command_path if error.ctx is not None else "unpacs"
    return f"error: {error.format_message()} (see '{where} --help')"


def run(group: click.Group) -> None:
    """Run ``group``: every refusal is one line on stderr and exit 2 (usage) or 1 (input)."""
    try:
        # Without standalone mode click returns ctx.exit()'s code instead of raising it.
        outcome = group.main(standalone_mode=False)
    except click.exceptions.Exit as done:
        sys.exit(done.exit_code)
    except click.UsageError as error:
        click.echo(_usage_line(error), err=True)
        sys.exit(2)
    except click.ClickException as error:
        click.echo(f"error: {error.format_message()}", err=True)
        sys.exit(error.exit_code)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except UnpacsError as error:
        click.echo(f"error: {error.format()}", err=True)
        sys.exit(1)
    except BrokenPipeError:
        # The reader went away (`unpacs dump | head`): nothing more to say to it.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)
    except OSError as error:
        where = f": {error.filename}" if error.filename else ""
        click.echo(f"error: {error.strerror or error}{where}", err=True)
        sys.exit(1)
    sys.exit(outcome if isinstance(outcome, int) else 0)
