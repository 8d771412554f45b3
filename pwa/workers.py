"""`alongside serve --workers N`: N waitress processes serving one port.

waitress is one process with threads, so one Python process's CPU bounds it. With ``--workers N`` a small
supervisor process binds the address once (holding the port, and proving it free), then forks N workers
that each make their own app (their own database connections, their own store) and listen on the same
address with ``SO_REUSEPORT``: the kernel spreads new connections evenly over the workers. (One socket
shared by all would let whichever worker wakes first take most of a burst of keep-alive connections.)
Where the system has no ``SO_REUSEPORT`` the workers share the supervisor's socket instead.

The supervisor forwards SIGTERM, SIGINT and SIGHUP to the workers as SIGTERM and waits for them. A worker
that dies on its own is named on standard error with how it ended, and another is started in its place;
if workers keep dying (more than ``2 * N`` in a minute: a start-up failure, say) the supervisor stops the
rest and exits 1. A worker whose supervisor is killed is told to stop (``PR_SET_PDEATHSIG``), so no
orphan keeps the port.

Both stores take several processes: PostgreSQL through its transactions, the TinyDB files through their
file locks (on one machine). Rate-limit counters are per process unless ``RATELIMIT_STORAGE_URI`` points
at a shared store (Redis, Memcached).
"""
from __future__ import annotations

import ctypes
import os
import signal
import socket
import sys
import time
from collections import deque
from collections.abc import Callable

RESTARTS_PER_MINUTE = 2  # per worker: more, and the supervisor gives up
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
_PR_SET_PDEATHSIG = 1


def say(message: str) -> None:
    print(f"Alongside: {message}", file=sys.stderr, flush=True)


BACKLOG = 1024
SHARE_PORT = hasattr(socket, "SO_REUSEPORT")


def _bound(family: int, address) -> socket.socket:
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if SHARE_PORT:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind(address)
    return sock


def reserve(host: str, port: int) -> socket.socket:
    """The supervisor's socket on host:port (IPv4 or IPv6): bound, so the port is known to be free and stays
    held while workers come and go; it listens only where workers share it (no SO_REUSEPORT)."""
    sock = _bound(socket.AF_INET6 if ":" in host else socket.AF_INET, (host, port))
    if not SHARE_PORT:
        sock.listen(BACKLOG)
    return sock


def listen_beside(reserved: socket.socket) -> socket.socket:
    """A worker's listening socket on the reserved address (the reserved socket itself without SO_REUSEPORT)."""
    if not SHARE_PORT:
        return reserved
    sock = _bound(reserved.family, reserved.getsockname()[:2])
    sock.listen(BACKLOG)
    return sock


def how_it_ended(status: int) -> str:
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        try:
            name = signal.Signals(number).name
        except ValueError:
            name = f"signal {number}"
        return f"was killed by {name}"
    return f"exited with code {os.waitstatus_to_exitcode(status)}"


def _die_with_parent() -> None:
    """Ask Linux to SIGTERM this process when its parent (the supervisor) dies."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: the worker outlives a killed supervisor
        pass


def run(reserved: socket.socket, workers: int, serve_one: Callable[[socket.socket, int], None]) -> int:
    """Fork ``workers`` processes, each calling ``serve_one(its listening socket, number)``; supervise them
    until told to stop. ``reserved`` is the supervisor's socket from ``reserve``.

    Returns the supervisor's exit code: 0 after a stop signal, 1 if workers kept dying.
    """
    parent = os.getpid()
    running: dict[int, int] = {}  # pid -> worker number
    deaths: deque[float] = deque()
    stopping = False

    def start(number: int) -> None:
        # Stop signals wait until the new worker is on the list (and, in the worker, until its own handlers are in).
        signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                for signum in STOP_SIGNALS:
                    signal.signal(signum, signal.SIG_DFL)
                signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C reaches the supervisor, which stops us
                signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
                _die_with_parent()
                if os.getppid() != parent:  # the supervisor died before the line above
                    os._exit(0)
                sock = listen_beside(reserved)
                if sock is not reserved:
                    reserved.close()
                serve_one(sock, number)
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 1
            except BaseException:  # noqa: BLE001 -- a worker reports its own failure and exits
                import traceback
                traceback.print_exc()
                code = 1
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        running[pid] = number
        signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)

    def stop(signum, _frame) -> None:
        nonlocal stopping
        if not stopping:
            say(f"stopping {len(running)} workers ({signal.Signals(signum).name})")
        stopping = True
        for pid in list(running):
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    for signum in STOP_SIGNALS:
        signal.signal(signum, stop)
    for number in range(1, workers + 1):
        start(number)
    say(f"{workers} workers started (pids {', '.join(str(p) for p in running)}; supervisor pid {parent})")
    while running:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            break
        number = running.pop(pid, None)
        if number is None or stopping:
            continue
        say(f"worker {number} (pid {pid}) {how_it_ended(status)}; starting another in its place")
        now = time.monotonic()
        deaths.append(now)
        while deaths and deaths[0] < now - 60:
            deaths.popleft()
        if len(deaths) > RESTARTS_PER_MINUTE * workers:
            say(f"workers keep stopping ({len(deaths)} in a minute): stopping the rest; see the errors above")
            stop(signal.SIGTERM, None)
            for pid in list(running):
                os.waitpid(pid, 0)
            return 1
        start(number)
    return 0
