"""The ``unpacs`` console script: the library's commands plus ``serve``."""

from __future__ import annotations

import click

from unpacs.loader.cli import cli, run, settings_of


@cli.command()
@click.option("--host", help="Interface to listen on (default UNPACS_HOST or 127.0.0.1).")
@click.option("--port", type=int, help="Port to listen on (default UNPACS_PORT or 8000).")
@click.pass_context
def serve(ctx: click.Context, host: str | None, port: int | None) -> None:
    """Serve the SPARQL endpoint and the resource pages until Ctrl-C."""
    import waitress

    from unpacs.endpoint.app import create_app

    settings = settings_of(ctx).replace(host=host, port=port)
    app = create_app(settings)
    click.echo(f"serving {settings.store} on http://{settings.host}:{settings.port}/", err=True)
    # A production WSGI server (threaded, pure Python); the store releases the GIL while it
    # evaluates, so threads answer queries in parallel.
    waitress.serve(app, host=settings.host, port=settings.port, threads=8, ident="unpacs")


def main() -> None:
    run(cli)
