"""Stewards' commands: ``token add|revoke|list``, ``template``, writes through a server.

``unpacs load FILE --server URL --token T --graph IRI`` (and ``delete --server``) send the
change over the Graph Store Protocol of ``/graphs``, so the site stays up; the server runs the
same pipeline, SHACL gate and history. ``--token @file`` reads the token from a file (a token on
the command line is visible to other users of the machine).
"""

from __future__ import annotations

import json
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path

import click

from unpacs.loader import formats
from unpacs.loader.cli.support import UnpacsGroup, settings_of
from unpacs.loader.errors import InputError, StoreBusyError, UnpacsError
from unpacs.loader.settings import Settings
from unpacs.loader.stewards.templates import csv_template, template_columns
from unpacs.loader.stewards.tokens import (
    ACTIONS,
    add_token,
    expiry_in,
    load_tokens,
    parse_expiry,
    revoke_token,
)
from unpacs.loader.stewards.xlsx import concept_labels, country_names, xlsx_template
from unpacs.loader.store.factory import open_store
from unpacs.loader.store.protocol import SolutionsResult, Store


def read_token(value: str) -> str:
    if value.startswith("@"):
        try:
            return Path(value[1:]).read_text(encoding="utf-8").strip()
        except OSError as error:
            raise InputError(f"cannot read the token file {value[1:]}: {error}") from None
    return value.strip()


def send(
    method: str, url: str, token: str, data: bytes | None, content_type: str | None
) -> dict[str, object]:
    """One request to the server; an HTTP error is an ``UnpacsError`` with the server's report."""
    if not url.startswith(("http://", "https://")):
        raise InputError(f"--server {url!r} is not an http(s) URL")
    headers = {"Authorization": "Bearer " + token, "Accept": "application/json"}
    if content_type:
        headers["Content-Type"] = content_type
    request = urllib.request.Request(url, data=data, method=method, headers=headers)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=300) as response:  # noqa: S310
            body = response.read()
    except urllib.error.HTTPError as error:
        try:
            problem = json.loads(error.read() or b"{}")
        except ValueError:
            problem = {}
        lines = [
            f"{problem.get('title', error.reason)} ({error.code}): {problem.get('detail', '')}"
        ]
        for issue in problem.get("errors", []):
            where = issue.get("file", "")
            if "row" in issue:
                where += f" row {issue['row']}"
            if "field" in issue:
                where += f" column {issue['field']!r}"
            lines.append(
                f"  {where}: {issue.get('message')} {issue.get('focus_node', '')}".rstrip()
            )
        if problem.get("hint"):
            lines.append(f"hint: {problem['hint']}")
        raise UnpacsError("\n".join(lines)) from None
    except urllib.error.URLError as error:
        raise UnpacsError(f"cannot reach {url}: {error.reason}") from None
    return json.loads(body) if body else {}


def graphs_url(server: str, path: str, graph: str) -> str:
    return server.rstrip("/") + path + "?" + urllib.parse.urlencode({"graph": graph})


def remote_load(
    server: str, token: str, file: Path, graph: str | None, fmt: str | None, draft: bool
) -> dict[str, object]:
    if not graph:
        raise click.UsageError("--server needs --graph IRI (the graph the file replaces)")
    if not file.is_file():
        raise InputError(f"no such file: {file}", file=str(file))
    chosen = formats.by_name(fmt) if fmt else formats.for_path(file)
    url = graphs_url(server, "/graphs/drafts" if draft else "/graphs", graph)
    url += "&" + urllib.parse.urlencode({"name": file.name})
    return send(
        "POST" if draft else "PUT", url, read_token(token), file.read_bytes(), chosen.media_type
    )


def remote_delete(server: str, token: str, graph: str) -> dict[str, object]:
    return send("DELETE", graphs_url(server, "/graphs", graph), read_token(token), None, None)


def _select(store: Store) -> Callable[[str], list[dict[str, str]]]:
    def select(query: str) -> list[dict[str, str]]:
        result = store.query(query)
        assert isinstance(result, SolutionsResult)
        return [{k: str(getattr(v, "value", v)) for k, v in row.items()} for row in result.rows()]

    return select


def template_bytes(settings: Settings, record_type: str, fmt: str) -> bytes:
    """The template, with code lists and countries from the store (or the bundled data)."""
    try:
        store: Store = open_store(settings)
    except StoreBusyError:
        raise InputError(
            f"store {settings.store} is in use by a running server",
            hint="download the template from it: GET {server}/templates/" + f"{record_type}.{fmt}",
        ) from None
    try:
        select = _select(store)
        concepts = concept_labels(select)
        columns = template_columns(
            record_type,
            base_iri=settings.base_iri,
            shapes_dir=settings.shapes_dir,
            mappings_dir=settings.data_dir / "mappings",
            concepts=concepts,
        )
        if fmt == "csv":
            return csv_template(columns)
        return xlsx_template(record_type, columns, country_names(select, settings.base_iri))
    finally:
        store.close()


@click.group(cls=UnpacsGroup)  # its commands take --store and --base-iri too
def token() -> None:
    """Steward tokens (stored hashed in UNPACS_TOKENS_FILE)."""


def tokens_path(ctx: click.Context, file: Path | None) -> Path:
    path = file or settings_of(ctx).tokens_file
    if path is None:
        raise click.UsageError("set UNPACS_TOKENS_FILE or pass --file")
    return path


_FILE_OPTION = click.option(
    "--file",
    "file",
    type=click.Path(path_type=Path),
    help="Tokens file (default UNPACS_TOKENS_FILE).",
)


@token.command("add")
@click.argument("label")
@click.option(
    "--country", "countries", required=True, help="ISO alpha-3 codes, comma-separated, or *."
)
@click.option("--actions", required=True, help="Comma-separated: " + ", ".join(ACTIONS) + ".")
@click.option("--expires", help="Expiry, ISO 8601 date or date-time (e.g. 2027-01-01).")
@click.option("--days", type=int, help="Expire this many days from now.")
@_FILE_OPTION
@click.pass_context
def token_add(
    ctx: click.Context,
    label: str,
    countries: str,
    actions: str,
    expires: str | None,
    days: int | None,
    file: Path | None,
) -> None:
    """Create a token for LABEL; prints the token once (only its hash is stored)."""
    path = tokens_path(ctx, file)
    if expires is not None and days is not None:
        raise click.UsageError("give --expires or --days, not both")
    until = parse_expiry(expires) if expires else expiry_in(days) if days is not None else None
    secret = add_token(path, label, countries.split(","), actions.split(","), until)
    click.echo(secret)
    lasts = f", valid until {until.isoformat()}" if until else " (no expiry: consider --days)"
    click.echo(f"token for {label!r} added to {path}{lasts}; it is shown only now", err=True)


@token.command("revoke")
@click.argument("label")
@_FILE_OPTION
@click.pass_context
def token_revoke(ctx: click.Context, label: str, file: Path | None) -> None:
    """Revoke the token LABEL: refused (401) from the next request on, no restart needed."""
    path = tokens_path(ctx, file)
    revoked = revoke_token(path, label)
    click.echo(f"token {label!r} revoked in {path} at {revoked.revoked}", err=True)


@token.command("list")
@_FILE_OPTION
@click.pass_context
def token_list(ctx: click.Context, file: Path | None) -> None:
    """List the tokens: label, countries, actions, expiry and state (never the secrets)."""
    path = tokens_path(ctx, file)
    for found in load_tokens(path):
        state = found.unusable() or "active"
        if state != "active":
            state = "revoked" if found.revoked else "expired"
        until = found.expires.isoformat() if found.expires else "never"
        click.echo(
            f"{found.label}\tcountries={','.join(found.countries)}\t"
            f"actions={','.join(found.actions)}\texpires={until}\t{state}"
        )


@click.command()
@click.argument("record_type")
@click.option(
    "--format", "fmt", type=click.Choice(["csv", "xlsx"]), default="xlsx", show_default=True
)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    help="File to write (default: TYPE.FORMAT; - for stdout).",
)
@click.pass_context
def template(ctx: click.Context, record_type: str, fmt: str, output: Path | None) -> None:
    """Write a record template (institution, official) generated from the shapes."""
    data = template_bytes(settings_of(ctx), record_type, fmt)
    if output is not None and str(output) == "-":
        sys.stdout.buffer.write(data)
        return
    target = output or Path(f"{record_type}.{fmt}")
    target.write_bytes(data)
    click.echo(f"wrote {target}", err=True)
