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
    from unpacs.endpoint.state import state_of

    settings = settings_of(ctx).replace(host=host, port=port)
    app = create_app(settings)
    click.echo(f"serving {settings.store} on http://{settings.host}:{settings.port}/", err=True)
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
            max_request_body_size=settings.max_input_bytes,
        )
    finally:
        state_of(app).executor.close()


def main() -> None:
    run(cli)
