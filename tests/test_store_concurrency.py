"""The store under load, on both backends: many processes and threads writing at once, and writers killed
mid-write. Each process opens the store itself, as a server process does: the TinyDB files of one folder, or
one PostgreSQL database (a URL). Real HTTP server processes: test_workers.py."""
import json
import multiprocessing
import os
import random
import signal
import threading
import time
import uuid
from pathlib import Path

import pytest

from pwa.seal import seal_summary
from pwa.store import Store

pytestmark = pytest.mark.parametrize("backend", ["tinydb", "postgresql"])

PROCESSES, THREADS, PUTS = 4, 8, 250
SUPERVISORS = 4
KILLS = 20
ACK_BYTES = 37  # one summary id and a newline in the acks file
# Children start clean, like separate server processes: forked from a fresh server process that has only
# imported the stores (forkserver), not from the test process. Starting each by "spawn" would import them
# again every time: the 40 writers of the kill test cost about 20 s more.
SPAWN = multiprocessing.get_context("forkserver")
SPAWN.set_forkserver_preload(["pwa.store", "pwa.store_pg", "pwa.seal"])


def realistic_envelope() -> dict:
    """A real sealed summary of about 600 characters (about 1.1 KB as an envelope)."""
    from cryptography.hazmat.primitives.asymmetric import ec

    from pwa.seal import public_jwk, thumbprint
    jwk = public_jwk(ec.generate_private_key(ec.SECP256R1()).public_key())
    summary = {"v": 1, "text": "For supervision: " + "what helped on the ward this week. " * 17,
               "created": "2025-05-01T09:30:00.000Z"}
    return seal_summary(jwk, thumbprint(jwk), json.dumps(summary).encode())


def open_store(where: Path | str):
    """The store a server process would open: TinyDB files in a folder, or PostgreSQL at a URL."""
    if isinstance(where, str):
        from pwa.store_pg import PgStore
        return PgStore(where, pool_size=THREADS)
    return Store(where)


@pytest.fixture
def where(request, backend, tmp_path) -> Path | str:
    return request.getfixturevalue("pg_url") if backend == "postgresql" else tmp_path / "instance" / "store"


def held_ids(where, devices) -> list[str]:
    """Every summary id the store holds for these devices' supervisors, read by a fresh store."""
    store = open_store(where)
    try:
        return [s["id"] for d in devices for s in store.summaries_for_supervisor(d["supervisor_id"])]
    finally:
        getattr(store, "close", lambda: None)()


def make_devices(where, count: int) -> list[dict]:
    """Make ``count`` supervisors, each with one paired device, using the store's own functions."""
    store = open_store(where)
    devices = []
    for n in range(count):
        supervisor = store.create_supervisor(f"supervisor{n}@example.org", f"Supervisor {n}")
        code, _ = store.create_pairing_code(supervisor["id"], 24)
        devices.append(store.redeem_pairing_code(code, f"Worker {n}")[0])
    getattr(store, "close", lambda: None)()
    return devices


def summary_id(process: int, thread: int, n: int) -> str:
    return str(uuid.UUID(int=(process << 80) | (thread << 48) | n))


def write_many(where, devices, envelope, process, failures):
    """One server process: THREADS threads, each storing PUTS summaries spread over every supervisor."""
    store = open_store(where)
    errors = []

    def work(thread):
        try:
            for n in range(PUTS):
                device = devices[(thread + n) % len(devices)]
                if store.put_summary(device, summary_id(process, thread, n), envelope) is not True:
                    errors.append(f"{process}/{thread}/{n} was not new")
        except Exception as exc:  # noqa: BLE001 -- any failure is reported to the test, which fails
            errors.append(repr(exc))

    threads = [threading.Thread(target=work, args=(t,)) for t in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    failures.put(errors)


def test_concurrent_writers_store_every_summary_exactly_once(where, backend):
    devices, envelope = make_devices(where, SUPERVISORS), realistic_envelope()
    failures = SPAWN.Queue()
    workers = [SPAWN.Process(target=write_many, args=(where, devices, envelope, p, failures))
               for p in range(PROCESSES)]
    for worker in workers:
        worker.start()
    errors = [failures.get(timeout=300) for _ in workers]
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    assert errors == [[]] * PROCESSES

    expected = {summary_id(p, t, n) for p in range(PROCESSES) for t in range(THREADS) for n in range(PUTS)}
    if backend == "tinydb":
        stored = []
        for path in where.rglob("*.json"):
            data = json.loads(path.read_text())  # every file is whole, valid JSON
            stored += list(data.get("summaries", {}))
        assert len(stored) == PROCESSES * THREADS * PUTS == 8000
        assert set(stored) == expected
    held = held_ids(where, devices)
    assert len(held) == 8000 and set(held) == expected


def write_until_killed(where, device, envelope, acks_path, round_number):
    """Store summaries one after another; after each put returns, append its id to the acks file."""
    store = open_store(where)
    with open(acks_path, "a", encoding="ascii") as acks:
        for n in range(10**9):
            this_id = summary_id(round_number, 0, n)
            store.put_summary(device, this_id, envelope)
            acks.write(this_id + "\n")
            acks.flush()


def test_writer_killed_mid_write_loses_no_acknowledged_summary(tmp_path, where, backend):
    device, envelope = make_devices(where, 1)[0], realistic_envelope()
    acks_path = tmp_path / "acks.txt"
    acks_path.touch()
    rng = random.Random(2)
    path = None if backend == "postgresql" else where / "summaries" / f"{device['supervisor_id']}.json"
    mid_write = 0
    for round_number in range(KILLS):
        before = acks_path.stat().st_size
        writer = SPAWN.Process(target=write_until_killed,
                               args=(where, device, envelope, acks_path, round_number))
        writer.start()
        # Kill once this writer has acknowledged a random number of puts, so kills land all over a write.
        wanted = before + rng.randint(1, 25) * ACK_BYTES
        deadline = time.monotonic() + 30
        while acks_path.stat().st_size < wanted:
            assert time.monotonic() < deadline and writer.is_alive(), "writer did not write"
            time.sleep(0.001)  # poll the condition
        os.kill(writer.pid, signal.SIGKILL)
        writer.join()
        assert writer.exitcode == -signal.SIGKILL
        if path:
            mid_write += path.with_name(path.name + ".tmp").exists()  # killed between temp file and replace

    acked = [line for line in acks_path.read_text().splitlines() if len(line) == 36]
    if path:
        assert mid_write, "no kill landed in the middle of a write"
        on_disk = json.loads(path.read_text())["summaries"]  # still whole JSON
        assert set(acked) <= set(on_disk)
    store = open_store(where)  # opens, and still takes writes
    held = {s["id"] for s in store.summaries_for_supervisor(device["supervisor_id"])}
    assert set(acked) <= held and len(acked) > KILLS
    assert store.put_summary(device, str(uuid.uuid4()), envelope) is True
    getattr(store, "close", lambda: None)()
