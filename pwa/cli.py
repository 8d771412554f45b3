"""The `alongside` command: serve the app, check a content pack, and (later) admin jobs."""
import os
import sys
from pathlib import Path

import click

from . import paths
from .content import PackError, load_pack


@click.group(help="Alongside: Realising Recovery Module 2, offline and private.")
def main():
    pass


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on.")
@click.option("--instance", default="instance", show_default=True, type=click.Path(file_okay=False),
              help="Folder for the server's data and keys (made if missing).")
@click.option("--threads", default=8, show_default=True, type=int, help="Worker threads.")
def serve(host, port, instance, threads):
    """Serve Alongside with waitress (a production WSGI server)."""
    from waitress import serve as waitress_serve

    from . import create_app
    try:
        app = create_app(instance_path=instance)
    except PackError as exc:
        _print_problems(exc)
        sys.exit(1)
    click.echo(f"Alongside: serving {app.extensions['module'].summary_line()}")
    click.echo(f"Alongside: http://{host}:{port}/  (data in {os.path.abspath(instance)}; Ctrl+C to stop)")
    waitress_serve(app, host=host, port=port, threads=threads, ident="alongside", _quiet=True)


@main.group()
def content():
    """Content packs."""


@content.command("check")
@click.argument("path", required=False, type=click.Path(file_okay=False))
def content_check(path):
    """Validate a content pack (default: the bundled Module 2 pack)."""
    folder = Path(path) if path else paths.default_content_dir()
    try:
        module = load_pack(folder)
    except PackError as exc:
        _print_problems(exc, folder)
        sys.exit(1)
    click.echo(module.summary_line())


def _print_problems(exc: PackError, folder=None):
    where = f" in {folder}" if folder else ""
    click.echo(f"The content pack{where} has {len(exc.problems)} problem(s):", err=True)
    for problem in exc.problems:
        click.echo(f"  {problem}", err=True)


if __name__ == "__main__":
    main()
