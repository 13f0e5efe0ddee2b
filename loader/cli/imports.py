"""``unpacs import ...``: load data published in other layouts (thin commands over the library)."""

from __future__ import annotations

from pathlib import Path

import click

from unpacs.loader.cli.support import (
    UnpacsGroup,
    opened_store,
    print_report,
    settings_of,
    terminal_progress,
)
from unpacs.loader.survey.importer import FIRST_EDITION, LAST_EDITION, import_edition
from unpacs.loader.survey.read import COLUMNS

_ACCEPTED = "; ".join(f"{field}: {' | '.join(titles)}" for field, titles in COLUMNS.items())


# An UnpacsGroup, so that its commands take --store and --base-iri like every other.
@click.group("import", cls=UnpacsGroup)
def import_group() -> None:
    """Import data published in other layouts (checked, validated, all or nothing)."""


@import_group.command(
    "egov-survey",
    epilog=f"Accepted column titles (any case, spaces or hyphens): {_ACCEPTED}.",
)
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "--edition",
    type=click.IntRange(FIRST_EDITION, LAST_EDITION),
    required=True,
    help="Survey edition (year) the file holds.",
)
@click.option("--source-url", help="Where the file was downloaded (default: the Data Center).")
@click.pass_context
def egov_survey(ctx: click.Context, file: Path, edition: int, source_url: str | None) -> None:
    """Load one UN E-Government Survey edition from CSV (Data Center download or compilation).

    Every bad row and cell is reported at once and nothing is loaded; an empty cell is no
    observation. Importing an edition again replaces it.
    """
    settings = settings_of(ctx)
    with opened_store(settings) as store:
        report = import_edition(
            store,
            file,
            edition=edition,
            settings=settings,
            source_url=source_url,
            progress=terminal_progress(),
        )
    print_report(report)
