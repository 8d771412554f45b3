"""Several server processes on one store: `alongside serve --workers 2`, and two `alongside serve` on one
PostgreSQL database. Phones send over real HTTP while server processes are killed with SIGKILL; every
summary a phone was told is stored (201 or 200) is stored, exactly once, and a phone whose connection
broke sends the same summary again (PUT is idempotent), as the app's outbox does."""
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest

from pwa import workers
from tests.conftest import MINI_PACK, PairedDevice, supervisor_key
from tests.e2e.live import ROOT, free_port

PHONES, EACH = 8, 30
BROKEN = (ConnectionError, http.client.HTTPException, TimeoutError, OSError)
LIFTED = {"ALONGSIDE_RATELIMIT_SUMMARIES": "1000000 per minute", "ALONGSIDE_RATELIMIT_PAIR": "1000 per minute",
          "ALONGSIDE_SUMMARIES_PER_PHONE": "1000000"}


class Serve:
    """`alongside serve` in a subprocess on 127.0.0.1, with its output in a file."""

    def __init__(self, tmp_path: Path, env: dict, *args: str):
        self.port = free_port()
        self.log = tmp_path / f"serve-{self.port}.log"
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "pwa.cli", "serve", "--host", "127.0.0.1", "--port", str(self.port),
                 "--instance", str(tmp_path / "instance"), *args],
                env={**os.environ, "ALONGSIDE_CONTENT": str(MINI_PACK), **LIFTED, **env}, cwd=ROOT,
                stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while not self.answers():
            assert self.process.poll() is None and time.monotonic() < deadline, self.output()
            time.sleep(0.1)

    def answers(self) -> bool:
        try:
            return request(self.port, "GET", "/api/device")[0] == 401
        except BROKEN:
            return False

    def output(self) -> str:
        return self.log.read_text()

    def workers(self) -> list[int]:
        """The pids of the worker processes under the supervisor."""
        pid = self.process.pid
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=30)


def request(port: int, method: str, path: str, body=None, token: str | None = None) -> tuple[int, dict | None]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})}
        connection.request(method, path, body=None if body is None else json.dumps(body), headers=headers)
        response = connection.getresponse()
        raw = response.read()
        return response.status, json.loads(raw) if raw else None
    finally:
        connection.close()


@pytest.fixture
def settings(request, tmp_path, backend):
    """The environment that puts a server's data on ``backend``, and the store the test checks it in."""
    if backend == "postgresql":
        from pwa.store_pg import PgStore
        url = request.getfixturevalue("pg_url")
        store = PgStore(url, pool_size=2)
        yield {"ALONGSIDE_DATABASE_URL": url}, store
        store.close()
    else:
        from pwa.store import Store
        yield {}, Store(tmp_path / "instance" / "store")


def pair_phones(store, port: int, count: int) -> list[PairedDevice]:
    """Pair ``count`` phones over HTTP, with codes from two supervisors."""
    people = [store.create_supervisor(f"supervisor{n}@example.org", f"Supervisor {n}") for n in range(2)]
    for person in people:  # phones pair with, and seal to, a supervisor's own key (envelope v2)
        store.set_supervisor_key(person["id"], supervisor_key()[1])
    phones = []
    for n in range(count):
        code, _ = store.create_pairing_code(people[n % 2]["id"], 24)
        status, pairing = request(port, "POST", "/api/pair", {"code": code, "display_name": f"Worker {n}"})
        assert status == 201, pairing
        phones.append(PairedDevice(None, pairing, people[n % 2]))
    return phones


def send_all(ports: list[int], phones: list[PairedDevice], each: int, progress) -> dict:
    """Each phone sends ``each`` sealed summaries, one after another; a broken connection is retried (the
    same summary, to the next server), as the outbox retries. Returns the summary ids each phone was told
    are stored, and every refusal."""
    acked, refused = {}, []

    def phone(n: int) -> None:
        device, mine = phones[n], []
        for _ in range(each):
            summary_id, envelope = str(uuid.uuid4()), device.seal()
            turn = n
            for _attempt in range(200):
                try:
                    status, body = request(ports[turn % len(ports)], "PUT", f"/api/summaries/{summary_id}",
                                           envelope, device.token)
                except BROKEN:
                    turn += 1  # that server went away: the next one, after a moment
                    time.sleep(0.05)
                    continue
                if status in (201, 200):
                    mine.append(summary_id)
                    progress()
                elif status == 503:
                    time.sleep(0.05)
                    continue
                else:
                    refused.append((status, body))
                break
            else:
                refused.append(("never stored", summary_id))
        acked[n] = mine

    threads = [threading.Thread(target=phone, args=(n,)) for n in range(len(phones))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    return {"acked": acked, "refused": refused}


class Counter:
    def __init__(self):
        self.n, self.lock = 0, threading.Lock()

    def __call__(self):
        with self.lock:
            self.n += 1

    def wait_for(self, n: int):
        deadline = time.monotonic() + 120
        while self.n < n:
            assert time.monotonic() < deadline, f"only {self.n} of {n} stored"
            time.sleep(0.005)


def stored(store, phones: list[PairedDevice]) -> list[str]:
    """Every summary id the store holds for these phones' supervisors (duplicates would show twice)."""
    supervisors = {p.supervisor["id"] for p in phones}
    return [s["id"] for supervisor_id in supervisors for s in store.summaries_for_supervisor(supervisor_id)]


@pytest.mark.parametrize("backend", ["tinydb", "postgresql"])
def test_workers_killed_mid_load_lose_no_acknowledged_summary(tmp_path, settings):
    env, store = settings
    server = Serve(tmp_path, env, "--workers", "2")
    try:
        first = server.workers()
        assert len(first) == 2
        phones = pair_phones(store, server.port, PHONES)
        sent = Counter()
        result = {}
        sender = threading.Thread(target=lambda: result.update(send_all([server.port], phones, EACH, sent)))
        sender.start()
        total = PHONES * EACH
        for fraction, victim in ((3, first[0]), (2, first[1])):  # each original worker, a third and half way in
            sent.wait_for(total // fraction)
            os.kill(victim, signal.SIGKILL)
        sender.join(timeout=300)
        assert not sender.is_alive()
        assert result["refused"] == []
        acked = [i for ids in result["acked"].values() for i in ids]
        assert len(acked) == len(set(acked)) == total
        held = stored(store, phones)
        assert sorted(held) == sorted(acked)  # each exactly once, nothing else
        now = server.workers()
        assert len(now) == 2 and not set(now) & set(first)  # both replaced
        for victim in first:
            assert f"(pid {victim}) was killed by SIGKILL; starting another in its place" in server.output()
    finally:
        code = server.stop()
    assert code == 0
    assert "stopping 2 workers (SIGTERM)" in server.output()


def test_two_servers_on_one_postgresql_database_lose_nothing_when_one_is_killed(tmp_path, pg_url):
    from pwa.store_pg import PgStore
    store = PgStore(pg_url, pool_size=2)
    env = {"ALONGSIDE_DATABASE_URL": pg_url}
    a = Serve(tmp_path, env)
    b = Serve(tmp_path, env)
    try:
        phones = pair_phones(store, a.port, PHONES)
        sent = Counter()
        result = {}
        sender = threading.Thread(target=lambda: result.update(send_all([a.port, b.port], phones, EACH, sent)))
        sender.start()
        sent.wait_for(PHONES * EACH // 3)
        a.process.kill()  # SIGKILL, mid-load: its phones move to b
        sender.join(timeout=300)
        assert not sender.is_alive()
        assert a.process.wait(timeout=10) == -signal.SIGKILL
        assert result["refused"] == []
        acked = [i for ids in result["acked"].values() for i in ids]
        assert len(acked) == len(set(acked)) == PHONES * EACH
        assert sorted(stored(store, phones)) == sorted(acked)
    finally:
        for server in (a, b):
            server.stop()
        store.close()


def test_a_worker_that_keeps_failing_stops_the_supervisor(tmp_path):
    """A worker that cannot start is restarted twice per worker in a minute, said each time; then the supervisor stops."""
    script = ("import sys\nfrom pwa import workers\n"
              "sock = workers.reserve('127.0.0.1', 0)\n"
              "def fail(sock, number):\n    raise SystemExit(3)\n"
              "sys.exit(workers.run(sock, 2, fail))\n")
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert done.stderr.count("exited with code 3; starting another in its place") == 2 * workers.RESTARTS_PER_MINUTE + 1
    assert "workers keep stopping (5 in a minute): stopping the rest" in done.stderr


def test_serve_with_workers_names_a_port_it_cannot_take_in_one_line(tmp_path):
    taken = socket.create_server(("127.0.0.1", 0))
    port = taken.getsockname()[1]
    try:
        done = subprocess.run([sys.executable, "-m", "pwa.cli", "serve", "--workers", "2", "--port", str(port),
                               "--instance", str(tmp_path / "instance")], cwd=ROOT, capture_output=True, text=True,
                              env={**os.environ, "ALONGSIDE_CONTENT": str(MINI_PACK)}, timeout=60)
    finally:
        taken.close()
    assert done.returncode == 1
    assert done.stderr.strip() == f"Alongside cannot listen on 127.0.0.1:{port}: Address already in use."
