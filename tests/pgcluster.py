"""A throwaway PostgreSQL cluster on 127.0.0.1 at a free port, for the tests (tests/conftest.py) and bench/sync.py.

Debian's ``postgresql`` package provides the server; when we are root it runs as the unprivileged
``postgres`` user (initdb refuses root).
"""
import os
import shutil
import socket
import subprocess
import tempfile
from contextlib import contextmanager
from glob import glob
from pathlib import Path


class NoPostgreSQL(RuntimeError):
    """No PostgreSQL server binaries on this machine."""


class ClusterFailed(RuntimeError):
    """The cluster would not start; the message says why (pg_ctl's output and its log)."""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_postgres(*command):
    """Run a PostgreSQL server command as the unprivileged ``postgres`` user when we are root."""
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    return subprocess.run([*prefix, *command], check=True, capture_output=True, text=True)


def bin_dir() -> Path:
    """The folder of initdb and pg_ctl, or raise NoPostgreSQL."""
    initdb = sorted(glob("/usr/lib/postgresql/*/bin/initdb"))
    if initdb:
        return Path(initdb[-1]).parent
    if shutil.which("initdb"):
        return Path(shutil.which("initdb")).parent
    raise NoPostgreSQL("PostgreSQL is not installed (for its tests: apt-get install -y postgresql)")


@contextmanager
def cluster(durable: bool = False, max_connections: int = 200):
    """Yield the URL of a new cluster's ``postgres`` database; stop and delete the cluster afterwards.

    ``durable=False`` (the tests) turns off fsync and synchronous commit: faster, and nothing needs to
    survive a power cut. ``durable=True`` (the bench) keeps PostgreSQL's defaults, as a deployment would.
    """
    binaries = bin_dir()
    folder = Path(tempfile.mkdtemp(prefix="alongside-pg-"))
    folder.chmod(0o755)
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    data = folder / "data"
    pg_ctl = str(binaries / "pg_ctl")
    fast = "" if durable else " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    try:
        _as_postgres(str(binaries / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8",
                     "--locale=C", *([] if durable else ["--no-sync"]))
        for attempt in range(3):  # another process may take the free port before the server does
            port = _free_port()
            options = (f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c max_connections={max_connections}"
                       + fast)
            try:
                _as_postgres(pg_ctl, "-D", str(data), "-o", options, "-l", str(folder / "log"), "-w", "start")
                break
            except subprocess.CalledProcessError:
                if attempt == 2:
                    raise
    except subprocess.CalledProcessError as exc:
        log = (folder / "log").read_text()[-2000:] if (folder / "log").exists() else ""
        shutil.rmtree(folder, ignore_errors=True)
        raise ClusterFailed(f"Could not start a PostgreSQL cluster ({' '.join(exc.cmd)}): "
                            f"{exc.stderr.strip()} {log}") from None
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*(["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []), pg_ctl, "-D",
                        str(data), "-m", "immediate", "-w", "stop"], capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)
