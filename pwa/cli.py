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


@main.group()
def backup():
    """Encrypted journal backups made on a phone."""


@backup.command("decrypt")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--out", type=click.Path(dir_okay=False), help="Write the Markdown to this file (default: the screen).")
@click.option("--content", "pack", type=click.Path(file_okay=False), help="Content pack for titles and labels.")
@click.option("--passphrase-stdin", is_flag=True, help="Read the passphrase or recovery code from standard input.")
def backup_decrypt(file, out, pack, passphrase_stdin):
    """Decrypt a journal backup FILE and write it as Markdown, in module order."""
    from .backup import BackupError, decrypt_backup, to_markdown
    if passphrase_stdin or not sys.stdin.isatty():
        secret = sys.stdin.readline().rstrip("\r\n")
    else:
        secret = click.prompt("Passphrase or recovery code", hide_input=True, err=True)
    try:
        module = load_pack(Path(pack) if pack else paths.default_content_dir())
        found, answers = decrypt_backup(Path(file).read_bytes(), secret)
    except PackError as exc:
        _print_problems(exc, pack)
        sys.exit(2)
    except BackupError as exc:
        click.echo(f"{file}: {exc}", err=True)
        sys.exit(2)
    markdown = to_markdown(module, answers, found.get("created"))
    if out:
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # private: only you can read it
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(markdown)
        click.echo(f"Wrote {len(answers)} answers to {out}.", err=True)
    else:
        click.echo(markdown, nl=False)


def _print_problems(exc: PackError, folder=None):
    where = f" in {folder}" if folder else ""
    click.echo(f"The content pack{where} has {len(exc.problems)} problem(s):", err=True)
    for problem in exc.problems:
        click.echo(f"  {problem}", err=True)


if __name__ == "__main__":
    main()
