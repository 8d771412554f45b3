"""The `alongside` command: serve the app, check a content pack, supervisors, journal backups, the database."""
import os
import sys
import unicodedata
from contextlib import contextmanager
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
@click.option("--threads", default=8, show_default=True, type=int, help="Threads per process.")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Server processes sharing the port (README, 'Running a server'): each has --threads threads.")
@click.option("--trusted-proxy", metavar="ADDRESS",
              help="Address of the TLS proxy in front of this server (e.g. 127.0.0.1): its X-Forwarded-For, "
                   "-Proto and -Host are believed, from it alone. Default: the TRUSTED_PROXY setting.")
def serve(host, port, instance, threads, workers, trusted_proxy):
    """Serve Alongside with waitress (a production WSGI server)."""
    import waitress

    app = _app_for(instance)
    trusted_proxy = trusted_proxy or app.config.get("TRUSTED_PROXY")
    click.echo(f"Alongside: serving {app.extensions['module'].summary_line()}")
    data = os.path.abspath(instance)
    if app.config.get("DATABASE_URL"):
        from .store_pg import describe
        data = f"PostgreSQL at {describe(app.config['DATABASE_URL'])}, keys in {data}"
    processes = f"{workers} processes of {threads} threads; " if workers > 1 else ""
    click.echo(f"Alongside: http://{host}:{port}/  (data in {data}; {processes}Ctrl+C to stop)")
    for line in next_steps(host, port, instance, trusted_proxy):
        click.echo(f"  {line}")
    options = waitress_options(host, port, threads, trusted_proxy)
    if workers == 1:
        waitress.serve(app, _quiet=True, **options)
        return
    serve_workers(app, instance, workers, options)


def serve_workers(app, instance: str, workers: int, options: dict) -> None:
    """Hold the port, then fork ``workers`` waitress processes listening on it, each with an app of its own."""
    from . import workers as supervisor
    host, port = options.pop("host"), options.pop("port")
    close = getattr(app.extensions["store"], "close", None)
    if close:
        close()  # each worker opens its own database connections after the fork
    del app
    try:
        reserved = supervisor.reserve(host, port)
    except OSError as exc:
        _stop(f"Alongside cannot listen on {host}:{port}: {exc.strerror}.")

    def serve_one(sock, number):
        import waitress
        waitress.serve(_app_for(instance), _quiet=True, sockets=[sock], **options)

    sys.stdout.flush()
    sys.exit(supervisor.run(reserved, workers, serve_one))


# Headers a TLS proxy sets: the worker's address (rate limits count per worker), https (HSTS, Secure
# cookies), and the address the worker typed.
PROXY_HEADERS = {"x-forwarded-for", "x-forwarded-proto", "x-forwarded-host"}


def waitress_options(host: str, port: int, threads: int, trusted_proxy: str | None) -> dict:
    """waitress's settings: forwarded headers are believed only from ``trusted_proxy``, and dropped otherwise."""
    options = {"host": host, "port": port, "threads": threads, "ident": "", "clear_untrusted_proxy_headers": True}
    if trusted_proxy:
        options.update(trusted_proxy=trusted_proxy, trusted_proxy_count=1, trusted_proxy_headers=PROXY_HEADERS)
    return options


def next_steps(host: str, port: int, instance: str, trusted_proxy: str | None) -> list[str]:
    """What an operator does next, printed under the address."""
    where = "" if instance == "instance" else f" --instance {instance}"
    steps = [f"Open http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}/ on this computer to check it."]
    if trusted_proxy:
        steps.append(f"Believing X-Forwarded-* from the proxy at {trusted_proxy}; phones use its https:// address.")
    else:
        steps.append("Phones and supervisors need https://: put a TLS proxy in front and give --trusted-proxy "
                     "(README, 'Running a server').")
    steps.append(f"Add a supervisor: alongside supervisor add EMAIL --name NAME --setup-link{where}")
    return steps


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


@main.group()
def supervisor():
    """Supervisor accounts: add, list, remove."""


instance_option = click.option("--instance", default="instance", show_default=True,
                               type=click.Path(file_okay=False),
                               help="Folder for the server's data and keys (made if missing).")


def _app_for(instance):
    """The app on an instance folder, or stop with what is wrong (a pack's problems, a folder it cannot write)."""
    from . import create_app
    from .errors import StartupError
    try:
        return create_app(instance_path=instance)
    except PackError as exc:
        _print_problems(exc)
        sys.exit(1)
    except StartupError as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)


SETUP_LINK_HOURS = 72
base_url_option = click.option("--base-url", default="", metavar="URL",
                               help="The address supervisors open (https://alongside.example.org), "
                                    "printed in front of set-up links.")


def _setup_link(store, supervisor_id: str, base_url: str) -> None:
    token = store.create_setup_link(supervisor_id, SETUP_LINK_HOURS)
    base = base_url.rstrip("/")
    click.echo(f"Send them this one-time link to set their password (it works for {SETUP_LINK_HOURS} hours):")
    click.echo(f"{base}/supervise/setup/{token}")
    if not base:
        click.echo("Put your server's address in front of it (or give it with --base-url).")


@contextmanager
def _store_for(instance):
    """Yield the store of the instance folder, inside an app context."""
    from .store import get_store
    with _app_for(instance).app_context():
        yield get_store()


def _existing_supervisor(store, email: str) -> dict:
    """Return the supervisor with this email, or stop with a message saying there is none."""
    person = store.supervisor_by_email(email)
    if person is None:
        click.echo(f"There is no supervisor with the email {email}. See them with: alongside supervisor list",
                   err=True)
        sys.exit(1)
    return person


@supervisor.command("add")
@click.argument("email")
@click.option("--name", required=True, help="Their name, as supervisees will see it.")
@click.option("--setup-link", is_flag=True,
              help="Print a one-time link for them to set their own password, instead of asking for it here.")
@base_url_option
@instance_option
def supervisor_add(email, name, setup_link, base_url, instance):
    """Add a supervisor account for EMAIL."""
    from .seal import display_name_problem
    from .store import password_problem
    email, name = email.strip(), name.strip()
    if email.count("@") != 1 or any(c.isspace() for c in email) or len(email) > 254:
        click.echo(f"{email!r} does not look like an email address.", err=True)
        sys.exit(2)
    if not 1 <= len(name) <= 80:
        click.echo("Give a name of 1 to 80 characters with --name.", err=True)
        sys.exit(2)
    if problem := display_name_problem(name):  # supervisees see this name when they pair
        click.echo(f"The name {problem}. Give it in plain letters with --name.", err=True)
        sys.exit(2)
    name = unicodedata.normalize("NFC", name)
    with _store_for(instance) as store:
        if store.supervisor_by_email(email):
            click.echo(f"There is already a supervisor with the email {email}.", err=True)
            sys.exit(1)
        password = None
        if not setup_link:
            password = click.prompt("Password (at least 12 characters)", hide_input=True, err=True)
            again = click.prompt("The same password again", hide_input=True, err=True)
            problem = password_problem(password) or (None if password == again else
                                                     "The two passwords do not match.")
            if problem:
                click.echo(f"{problem} Nothing was added; run the command again.", err=True)
                sys.exit(1)
        person = store.create_supervisor(email, name, password)
        click.echo(f"Added {person['name']} <{person['email']}>.")
        if setup_link:
            _setup_link(store, person["id"], base_url)
        else:
            click.echo("They can sign in at /supervise/login.")


@supervisor.command("link")
@click.argument("email")
@base_url_option
@instance_option
def supervisor_link(email, base_url, instance):
    """Print a new one-time set-up link for EMAIL (a forgotten password)."""
    with _store_for(instance) as store:
        person = _existing_supervisor(store, email)
        _setup_link(store, person["id"], base_url)


@supervisor.command("list")
@instance_option
def supervisor_list(instance):
    """List supervisor accounts."""
    with _store_for(instance) as store:
        people = store.list_supervisors()
    if not people:
        click.echo("No supervisors yet. Add one with: alongside supervisor add EMAIL --name NAME")
        return
    for person in people:
        state = "" if person["password_hash"] else "  (has not set a password yet)"
        phones = "1 phone" if person["devices"] == 1 else f"{person['devices']} phones"
        click.echo(f"{person['email']}  {person['name']}  {phones} paired{state}")


@supervisor.command("remove")
@click.argument("email")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@instance_option
def supervisor_remove(email, yes, instance):
    """Remove the supervisor EMAIL with their summaries, paired phones and pairing codes."""
    with _store_for(instance) as store:
        person = _existing_supervisor(store, email)
        held = len(store.summaries_for_supervisor(person["id"]))
        if not yes:
            click.confirm(f"Remove {person['name']} <{person['email']}> and delete the {held} "
                          "summaries shared with them?", abort=True, err=True)
        gone = store.remove_supervisor(email)
    if gone is None:
        click.echo(f"There is no supervisor with the email {email}.", err=True)
        sys.exit(1)
    click.echo(f"Removed {person['name']} <{person['email']}>: deleted {gone['summaries']} summaries, "
               f"{gone['devices']} paired phones and {gone['codes']} pairing codes.")


@main.group()
def db():
    """The PostgreSQL database (the DATABASE_URL setting): make its tables, copy TinyDB data into it."""


def _database_url(instance) -> str | None:
    """The DATABASE_URL setting as `serve` would read it (instance/config.py, then ALONGSIDE_DATABASE_URL)."""
    from flask import Config

    from . import settings
    config = Config(os.path.abspath(instance))
    config.from_pyfile("config.py", silent=True)
    config.update(settings.from_environment())
    return config.get("DATABASE_URL")


def _stop(message: str, code: int = 1):
    click.echo(message, err=True)
    sys.exit(code)


@db.command("upgrade")
@click.option("--url", metavar="URL", help="postgresql://USER:PASSWORD@HOST:PORT/DATABASE "
                                           "(default: the DATABASE_URL setting).")
@instance_option
def db_upgrade(url, instance):
    """Make or bring up to date the tables in the PostgreSQL database (`serve` also does this at start)."""
    from .store_pg import describe, upgrade
    url = url or _database_url(instance)
    if not url:
        _stop("No database to upgrade: set ALONGSIDE_DATABASE_URL (or DATABASE_URL in the instance's config.py), "
               "or give --url. The TinyDB files in the instance folder need no upgrade.", 2)
    try:
        before, after = upgrade(url)
    except ConnectionError as exc:
        _stop(str(exc))
    if before == after:
        click.echo(f"The database at {describe(url)} is up to date (schema version {after}).")
    else:
        click.echo(f"The database at {describe(url)} is now at schema version {after} (was {before}).")


@db.command("copy")
@click.option("--to", "url", required=True, metavar="URL",
              help="The empty PostgreSQL database to copy into: postgresql://USER:PASSWORD@HOST:PORT/DATABASE.")
@instance_option
def db_copy(url, instance):
    """Copy the instance's TinyDB data (and its token key) into an empty PostgreSQL database, checking the counts."""
    from .store_pg import CopyRefused, copy_from_files, describe
    folder = Path(instance) / "store"
    if not (folder / "accounts.json").is_file():
        _stop(f"There is no TinyDB data to copy in {os.path.abspath(folder)}: give the instance folder "
              "`serve` uses with --instance.")
    try:
        copied, left_out = copy_from_files(folder, url)
    except (ConnectionError, CopyRefused) as exc:
        _stop(str(exc))
    for problem in left_out:
        click.echo(f"Left out (damaged or orphaned): {problem}", err=True)
    click.echo(f"Copied {copied['supervisors']} supervisors, {copied['devices']} phones, "
               f"{copied['pairing_codes']} pairing codes and {copied['summaries']} summaries to {describe(url)}; "
               "the counts match.")
    click.echo("Next: set ALONGSIDE_DATABASE_URL to that URL (or DATABASE_URL in config.py) and restart the server.")


def _print_problems(exc: PackError, folder=None):
    where = f" in {folder}" if folder else ""
    click.echo(f"The content pack{where} has {len(exc.problems)} problem(s):", err=True)
    for problem in exc.problems:
        click.echo(f"  {problem}", err=True)


if __name__ == "__main__":
    main()
