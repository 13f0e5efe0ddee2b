"""The ``unpacs`` console script: the library's commands plus ``serve``."""

from __future__ import annotations

from pathlib import Path

import click

from unpacs.loader.cli import cli
from unpacs.loader.cli.support import run, settings_of
from unpacs.loader.errors import StoreError
from unpacs.loader.store.factory import open_store
from unpacs.loader.store.record import check_servable


@click.command()
@click.option("--host", help="Interface to listen on (default UNPACS_HOST or 127.0.0.1).")
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    help="Port to listen on (default UNPACS_PORT or 8000).",
)
@click.pass_context
def serve(ctx: click.Context, host: str | None, port: int | None) -> None:
    """Serve the SPARQL endpoint and the resource pages until Ctrl-C."""
    import waitress

    from unpacs.endpoint.app import create_app
    from unpacs.endpoint.http_server import create_bounded_server
    from unpacs.endpoint.state import state_of

    # As options, --host and --port also move the base IRI when UNPACS_BASE_IRI is unset.
    settings = settings_of(ctx, host=host, port=port)
    if not settings.store_is_remote and not Path(settings.store).is_dir():
        # Opening would create an empty store just to refuse it.
        raise StoreError(f"store {settings.store} is empty: run `unpacs build` first")
    store = open_store(settings)
    try:
        check_servable(store, settings)
    except BaseException:
        store.close()
        raise
    app = create_app(settings, store)
    click.echo(
        f"serving {settings.store} on http://{settings.host}:{settings.port}/ "
        f"(base IRI {settings.base_iri})",
        err=True,
    )
    # waitress: a production WSGI server, pure Python, threaded. It reads whole requests and
    # buffers whole responses itself, so a slow client holds a socket, never a thread or a
    # query worker. Queries run in the worker processes; a thread mostly waits on a pipe, so a
    # few more threads than workers keep them all busy while cached answers are served.
    threads = max(4, 2 * settings.query_workers)
    try:
        waitress.serve(
            app,
            host=settings.host,
            port=settings.port,
            threads=threads,
            ident="unpacs",
            # Above the app's own limit (multipart framing, a little more), so that the app
            # answers with a problem document naming the setting; waitress's is the backstop.
            max_request_body_size=settings.max_input_bytes + 1024 * 1024,
            # Reading one request ahead is what lets waitress see that a client went away
            # (``waitress.client_disconnected``), so an upload check it no longer waits for
            # is stopped (``query_pool``).
            channel_request_lookahead=1,
            _server=create_bounded_server,
        )
    finally:
        state_of(app).close()


cli.add_command(serve)


def main() -> None:
    run(cli)
