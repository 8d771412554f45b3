"""Sharing API: PUT throughput and latency, and what one write costs as the store grows.

    python bench/sync.py [--puts 3000] [--clients 32] [--supervisors 8] [--threads 8,32]

Each part starts `alongside serve` (waitress) on 127.0.0.1 at a free port with a
temporary instance folder, seeded beforehand through the store's own functions
(and the server's own key, so every summary is really sealed and really opened).

1. Throughput: CLIENTS threads, each one phone with one keep-alive http.client
   connection, send PUTS sealed summaries in all (PUT /api/summaries/<uuid>);
   the phones are paired with SUPERVISORS supervisors. PUT/s, p50 and p99, once
   for each number of waitress threads given (8 is `serve`'s default; waitress
   queues requests beyond its threads, and its main loop spends more CPU the
   longer that queue, so one thread per concurrent phone does better).
2. One write while the server holds 100 summaries, and while it holds 20,000
   (200 supervisors x 100): the median of single PUTs by one phone whose
   supervisor holds 100 (each PUT is withdrawn again so it stays at 100).
3. For information: one write when the writing supervisor alone holds 2,000.

Targets: >= 300 PUT/s, p99 <= 100 ms, write at 20,000 held <= 1.5 x write at 100 held.
"""
import argparse
import http.client
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pwa.seal import KEY_FOLDER, Keyring, seal_summary  # noqa: E402
from pwa.store import Store  # noqa: E402

SUMMARY_TEXT = ("For supervision: I noticed how much my own history shaped what I said to a patient "
                "this week, and I would like to talk about where my boundaries were. ") * 3
SINGLE_WRITES = 200


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def seal_for(keyring: Keyring, n: int) -> dict:
    """A real sealed summary of about 500 characters (about 1 KB as an envelope)."""
    recipient = keyring.recipient()
    summary = {"v": 1, "display_name": "Sam", "text": f"{n}. {SUMMARY_TEXT}", "created": "2025-05-01T09:30:00.000Z"}
    return seal_summary(recipient["jwk"], recipient["kid"], json.dumps(summary, ensure_ascii=False).encode())


class Instance:
    """A temporary instance folder: the server's key, supervisors, paired phones, summaries."""

    def __init__(self):
        self.folder = Path(tempfile.mkdtemp(prefix="alongside-bench-")) / "instance"
        self.keyring = Keyring.open(self.folder / KEY_FOLDER)
        self.store = Store(self.folder / "store")

    def pair(self, supervisors: int, phones_each: int) -> list[tuple[dict, str]]:
        """Make supervisors, each with paired phones; return (device, token) for every phone."""
        phones = []
        for s in range(supervisors):
            person = self.store.create_supervisor(f"supervisor{s}@example.org", f"Supervisor {s}")
            for p in range(phones_each):
                code, _ = self.store.create_pairing_code(person["id"], 24)
                device, token, _ = self.store.redeem_pairing_code(code, f"Worker {s}.{p}")
                phones.append((device, token))
        return phones

    def seed(self, phones: list[tuple[dict, str]], each: int) -> None:
        """Store ``each`` sealed summaries from every phone, one thread per phone (files differ)."""
        def fill(phone):
            for n in range(each):
                self.store.put_summary(phone[0], str(uuid.uuid4()), seal_for(self.keyring, n))
        with ThreadPoolExecutor(16) as pool:
            list(pool.map(fill, phones))

    def remove(self) -> None:
        shutil.rmtree(self.folder.parent, ignore_errors=True)


class Server:
    """`alongside serve` in a subprocess on a free port."""

    def __init__(self, instance: Instance, threads: int):
        self.port = free_port()
        command = shutil.which("alongside")
        argv = [command] if command else [sys.executable, "-m", "pwa.cli"]
        # A file, not a pipe: waitress logs "Task queue depth" under load, and a full pipe would stall it.
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 -- open as long as the server runs
        # The bench sends far faster and far more from each phone than a worker ever could: lift the
        # per-phone limits (pwa/settings.py) so it measures the store, not the refusals.
        env = {**os.environ, "ALONGSIDE_RATELIMIT_SUMMARIES": "1000000 per minute", "ALONGSIDE_SUMMARIES_PER_PHONE": "1000000"}
        self.process = subprocess.Popen(
            [*argv, "serve", "--host", "127.0.0.1", "--port", str(self.port), "--instance", str(instance.folder),
             "--threads", str(threads)], stdout=subprocess.DEVNULL, stderr=self.log, env=env)
        deadline = time.monotonic() + 60
        while True:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                connection.request("GET", "/api/device")
                connection.getresponse().read()
                return
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.log.seek(0)
                    raise RuntimeError("server did not start: " + self.log.read().decode()) from None
                time.sleep(0.1)

    def connect(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)
        self.log.close()


def put(connection, token: str, summary_id: str, body: bytes) -> tuple[int, float]:
    """PUT one sealed summary; return (status, seconds)."""
    started = time.perf_counter()
    connection.request("PUT", f"/api/summaries/{summary_id}", body=body,
                       headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    response = connection.getresponse()
    response.read()
    return response.status, time.perf_counter() - started


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def throughput(puts: int, clients: int, supervisors: int, threads: int) -> dict:
    """Many phones sending at once: PUT/s and latency percentiles."""
    instance = Instance()
    phones = instance.pair(supervisors, -(-clients // supervisors))[:clients]
    share = [puts // clients + (1 if i < puts % clients else 0) for i in range(clients)]
    work = [[(str(uuid.uuid4()), json.dumps(seal_for(instance.keyring, n)).encode()) for n in range(count)]
            for count in share]
    server = Server(instance, threads)
    latencies: list[float] = []
    failures: list[int] = []
    lock = threading.Lock()
    start = threading.Barrier(clients + 1)

    def phone(i: int) -> None:
        connection, token = server.connect(), phones[i][1]
        mine, bad = [], []
        start.wait()
        for summary_id, body in work[i]:
            status, seconds = put(connection, token, summary_id, body)
            mine.append(seconds)
            if status != 201:
                bad.append(status)
        with lock:
            latencies.extend(mine)
            failures.extend(bad)

    try:
        pool = [threading.Thread(target=phone, args=(i,)) for i in range(clients)]
        for t in pool:
            t.start()
        start.wait()
        began = time.perf_counter()
        for t in pool:
            t.join()
        elapsed = time.perf_counter() - began
        held = sum(len(instance.store.summaries_for_supervisor(supervisor_id))
                   for supervisor_id in {device["supervisor_id"] for device, _ in phones})
    finally:
        server.stop()
        instance.remove()
    return {"puts": len(latencies), "failed": len(failures), "seconds": elapsed, "per_second": len(latencies) / elapsed,
            "p50_ms": percentile(latencies, 50) * 1000, "p99_ms": percentile(latencies, 99) * 1000,
            "max_ms": max(latencies) * 1000, "held_after": held}


def single_writes(supervisors: int, each: int, writer_holds: int, threads: int) -> dict:
    """The cost of one PUT from a phone whose supervisor holds ``writer_holds`` summaries."""
    instance = Instance()
    phones = instance.pair(supervisors, 1)
    seed_started = time.perf_counter()
    instance.seed(phones[1:], each)
    instance.seed(phones[:1], writer_holds)
    seeded = time.perf_counter() - seed_started
    total = sum(len(instance.store.summaries_for_supervisor(p[0]["supervisor_id"])) for p in phones)
    token, keyring = phones[0][1], instance.keyring
    bodies = [json.dumps(seal_for(keyring, n)).encode() for n in range(SINGLE_WRITES + 20)]
    server = Server(instance, threads)
    try:
        connection = server.connect()
        timings = []
        for n, body in enumerate(bodies):
            summary_id = str(uuid.uuid4())
            status, seconds = put(connection, token, summary_id, body)
            assert status == 201, status
            connection.request("DELETE", f"/api/summaries/{summary_id}", headers={"Authorization": f"Bearer {token}"})
            connection.getresponse().read()
            if n >= 20:  # the first few warm the server's copy of each file
                timings.append(seconds)
    finally:
        server.stop()
        instance.remove()
    return {"held": total, "writer_holds": writer_holds, "seed_seconds": seeded,
            "median_ms": statistics.median(timings) * 1000, "p90_ms": percentile(timings, 90) * 1000}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--puts", type=int, default=3000)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--supervisors", type=int, default=8)
    parser.add_argument("--threads", default="8,32",
                        help="waitress threads for part 1, comma-separated (serve's default is 8)")
    args = parser.parse_args()
    thread_counts = [int(n) for n in args.threads.split(",")]
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at start")

    print(f"\n1. {args.puts:,} PUTs from {args.clients} phones paired with {args.supervisors} supervisors")
    runs = {}
    for threads in thread_counts:
        t = runs[threads] = throughput(args.puts, args.clients, args.supervisors, threads)
        print(f"   waitress threads {threads:>2}: {t['per_second']:.0f} PUT/s   p50 {t['p50_ms']:.1f} ms   "
              f"p99 {t['p99_ms']:.1f} ms   max {t['max_ms']:.1f} ms   ({t['seconds']:.1f} s; "
              f"{t['failed']} not 201, {t['held_after']:,} stored)")
    best = max(runs, key=lambda n: runs[n]["per_second"])
    t = runs[best]

    threads = thread_counts[0]
    small = single_writes(supervisors=1, each=0, writer_holds=100, threads=threads)
    large = single_writes(supervisors=200, each=100, writer_holds=100, threads=threads)
    heavy = single_writes(supervisors=1, each=0, writer_holds=2000, threads=threads)
    print(f"\n2. One PUT ({SINGLE_WRITES} in turn, median; the writer's supervisor holds 100)")
    for label, r in (("server holds", small), ("server holds", large)):
        print(f"   {label} {r['held']:>6,}: median {r['median_ms']:.2f} ms, p90 {r['p90_ms']:.2f} ms"
              f"   (seeded in {r['seed_seconds']:.1f} s)")
    ratio = large["median_ms"] / small["median_ms"]
    print(f"   ratio 20,000 / 100: {ratio:.2f}")
    print(f"\n3. For information: the writer's supervisor alone holds {heavy['held']:,}: "
          f"median {heavy['median_ms']:.2f} ms, p90 {heavy['p90_ms']:.2f} ms")

    print(f"\nTargets (part 1 with {best} waitress threads)")
    for name, ok, figure in (("PUT/s >= 300", t["per_second"] >= 300, f"{t['per_second']:.0f}"),
                             ("p99 <= 100 ms", t["p99_ms"] <= 100, f"{t['p99_ms']:.1f} ms"),
                             ("write at 20,000 <= 1.5 x write at 100", ratio <= 1.5, f"{ratio:.2f} x")):
        print(f"   {'met ' if ok else 'MISSED'}  {name}: {figure}")
    print(f"\nload average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
