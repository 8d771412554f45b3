"""Sharing API on both stores, side by side: PUT throughput and latency, and what one write costs as the store grows.

    python bench/sync.py [--puts 3000] [--clients 32] [--supervisors 8] [--threads 8] [--workers 2]
                         [--database-url postgresql://USER@HOST:PORT/postgres]

Every part runs `alongside serve` (waitress) on 127.0.0.1 at a free port, once per configuration, on a
fresh store: TinyDB files in the instance folder, or a fresh PostgreSQL database. PostgreSQL is a
throwaway cluster the bench starts with PostgreSQL's default durability (fsync and synchronous commit on,
as a deployment runs it; needs Debian's ``postgresql``), or the server at --database-url (its user must
be allowed to create databases). Stores are seeded through their own functions beforehand.

1. Throughput: CLIENTS phones, each with one keep-alive connection (one asyncio loop drives them all), send PUTS
   sealed summaries in all (PUT /api/summaries/<uuid>); the phones are paired with SUPERVISORS
   supervisors. PUT/s, p50, p99 and max, for each configuration: TinyDB and PostgreSQL in one process of
   --threads threads, then each with --workers processes of --threads / workers threads, at least 4 (`serve
   --workers`). Every configuration gets the same phones' work: the same summary ids, the same texts,
   sealed the same way (``make_envelope``), all sealed before the clock starts.
2. One write while the server holds 100 summaries, and while it holds 20,000 (200 supervisors x 100):
   the median of single PUTs by one phone whose supervisor holds 100 (each PUT is withdrawn again so it
   stays at 100), on each store, one process.

Targets: p99 <= 100 ms at 32 phones with at least one configuration; >= 500 PUT/s with PostgreSQL and
several processes; write at 20,000 held <= 1.5 x write at 100 held, on each store.
"""
import argparse
import asyncio
import http.client
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pwa.seal import seal_v2  # noqa: E402
from pwa.store import Store  # noqa: E402
from tests.conftest import supervisor_key  # noqa: E402

SUMMARY_TEXT = ("For supervision: I noticed how much my own history shaped what I said to a patient "
                "this week, and I would like to talk about where my boundaries were. ") * 3
SINGLE_WRITES = 200
BENCH_DATABASE = "alongside_bench"


def make_envelope(instance: "Instance", phone: tuple[dict, str], n: int) -> dict:
    """The sealed summary phone ``phone`` sends as its ``n``th: about 500 characters of text (about 1.2 KB
    as an envelope). The one place the bench seals.

    Envelope v2: sealed to the supervisor's own public key and bound to the sending phone's device id; the
    server opens nothing, it checks shape, size, key id and sender. ``phone`` is (device record, token) as
    the store paired it.
    """
    device = phone[0]
    summary = {"v": 2, "display_name": "Sam", "text": f"{n}. {SUMMARY_TEXT}", "created": "2025-05-01T09:30:00.000Z"}
    return seal_v2(instance.keys[device["supervisor_id"]]["jwk"], device["id"],
                   json.dumps(summary, ensure_ascii=False).encode())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Instance:
    """A temporary instance folder (the server's keys) and a fresh store: TinyDB files, or a new PostgreSQL database."""

    def __init__(self, server_url: str | None = None):
        self.folder = Path(tempfile.mkdtemp(prefix="alongside-bench-")) / "instance"
        self.keys: dict[str, dict] = {}  # supervisor id -> their public key record
        self.server_url, self.database_url = server_url, None
        if server_url:
            import psycopg

            from pwa.store_pg import PgStore
            with psycopg.connect(server_url, autocommit=True) as server:
                server.execute(f"DROP DATABASE IF EXISTS {BENCH_DATABASE} WITH (FORCE)")
                server.execute(f"CREATE DATABASE {BENCH_DATABASE}")
            self.database_url = urlunsplit(urlsplit(server_url)._replace(path=f"/{BENCH_DATABASE}"))
            self.store = PgStore(self.database_url)
        else:
            self.store = Store(self.folder / "store")

    @property
    def name(self) -> str:
        return "PostgreSQL" if self.database_url else "TinyDB"

    def pair(self, supervisors: int, phones_each: int) -> list[tuple[dict, str]]:
        """Make supervisors, each with paired phones; return (device, token) for every phone."""
        phones = []
        for s in range(supervisors):
            person = self.store.create_supervisor(f"supervisor{s}@example.org", f"Supervisor {s}")
            _, self.keys[person["id"]] = supervisor_key()  # as their browser makes it at set-up
            self.store.set_supervisor_key(person["id"], self.keys[person["id"]])
            for p in range(phones_each):
                code, _ = self.store.create_pairing_code(person["id"], 24)
                device, token, _ = self.store.redeem_pairing_code(code, f"Worker {s}.{p}")
                phones.append((device, token))
        return phones

    def seed(self, phones: list[tuple[dict, str]], each: int) -> None:
        """Store ``each`` sealed summaries from every phone, one thread per phone."""
        def fill(phone):
            for n in range(each):
                self.store.put_summary(phone[0], str(uuid.uuid4()), make_envelope(self, phone, n))
        with ThreadPoolExecutor(16) as pool:
            list(pool.map(fill, phones))

    def held(self, phones) -> int:
        return sum(len(self.store.summaries_for_supervisor(supervisor_id))
                   for supervisor_id in {device["supervisor_id"] for device, _ in phones})

    def remove(self) -> None:
        if self.database_url:
            import psycopg
            self.store.close()
            with psycopg.connect(self.server_url, autocommit=True) as server:
                server.execute(f"DROP DATABASE IF EXISTS {BENCH_DATABASE} WITH (FORCE)")
        shutil.rmtree(self.folder.parent, ignore_errors=True)


class Server:
    """`alongside serve` in a subprocess on a free port."""

    def __init__(self, instance: Instance, threads: int, workers: int = 1):
        self.port = free_port()
        # A file, not a pipe: waitress logs "Task queue depth" under load, and a full pipe would stall it.
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 -- open as long as the server runs
        # The bench sends far faster and far more from each phone than a worker ever could: lift the
        # per-phone limits (pwa/settings.py) so it measures the store, not the refusals.
        env = {**os.environ, "ALONGSIDE_RATELIMIT_SUMMARIES": "1000000 per minute",
               "ALONGSIDE_SUMMARIES_PER_PHONE": "1000000"}
        env.pop("ALONGSIDE_DATABASE_URL", None)
        if instance.database_url:
            env["ALONGSIDE_DATABASE_URL"] = instance.database_url
        self.process = subprocess.Popen(
            [sys.executable, "-m", "pwa.cli", "serve", "--host", "127.0.0.1", "--port", str(self.port), "--instance", str(instance.folder),
             "--threads", str(threads), "--workers", str(workers)], stdout=subprocess.DEVNULL, stderr=self.log, env=env,
            cwd=ROOT)
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

    def stop(self) -> str:
        """Stop the server; return what it wrote to standard error."""
        self.process.terminate()
        self.process.wait(timeout=30)
        self.log.seek(0)
        written = self.log.read().decode(errors="replace")
        self.log.close()
        return written


def put(connection, token: str, summary_id: str, body: bytes) -> tuple[int, float]:
    """PUT one sealed summary; return (status, seconds)."""
    started = time.perf_counter()
    connection.request("PUT", f"/api/summaries/{summary_id}", body=body,
                       headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    response = connection.getresponse()
    response.read()
    return response.status, time.perf_counter() - started


def request_bytes(summary_id: str, token: str, body: bytes) -> bytes:
    """One PUT as it goes on the wire, made before the clock starts."""
    return (f"PUT /api/summaries/{summary_id} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode() + body


async def send_all(port: int, requests: list[list[bytes]], latencies: list[float], failures: list[int]) -> float:
    """Every phone at once, each on its own keep-alive connection sending its PUTs back to back; return
    the seconds from the first to the last. One event loop, not a thread per phone: on a 2-core machine
    the load generator's own CPU is taken from the servers it measures, so it does as little as it can."""
    async def phone(mine: list[bytes]) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        await ready.wait()  # every connection open before the clock starts
        for request in mine:
            started = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = int(head.lower().split(b"content-length:", 1)[1].split(b"\r\n", 1)[0])
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - started)
            status = int(head[9:12])
            if status != 201:
                failures.append(status)
        writer.close()

    ready = asyncio.Barrier(len(requests) + 1)
    phones = [asyncio.create_task(phone(mine)) for mine in requests]
    await ready.wait()
    began = time.perf_counter()
    await asyncio.gather(*phones)
    return time.perf_counter() - began


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def throughput(server_url: str | None, plan: list[list[tuple[str, int]]], supervisors: int, threads: int,
               workers: int) -> dict:
    """Many phones sending at once: PUT/s and latency percentiles. ``plan[i]`` is phone i's (id, text number) list."""
    clients = len(plan)
    instance = Instance(server_url)
    latencies: list[float] = []
    failures: list[int] = []
    try:
        phones = instance.pair(supervisors, -(-clients // supervisors))[:clients]
        work = [[(summary_id, json.dumps(make_envelope(instance, phones[i], n)).encode()) for summary_id, n in mine]
                for i, mine in enumerate(plan)]
        server = Server(instance, threads, workers)
        requests = [[request_bytes(summary_id, phones[i][1], body) for summary_id, body in mine]
                    for i, mine in enumerate(work)]
        try:
            elapsed = asyncio.run(send_all(server.port, requests, latencies, failures))
        finally:
            log = server.stop()
        held = instance.held(phones)
    finally:
        instance.remove()
    return {"puts": len(latencies), "failed": len(failures), "statuses": sorted(set(failures)),
            "log": log if failures else "", "seconds": elapsed, "per_second": len(latencies) / elapsed,
            "p50_ms": percentile(latencies, 50) * 1000, "p99_ms": percentile(latencies, 99) * 1000,
            "max_ms": max(latencies) * 1000, "held_after": held}


def single_writes(server_url: str | None, supervisors: int, each: int, writer_holds: int, threads: int) -> dict:
    """The cost of one PUT from a phone whose supervisor holds ``writer_holds`` summaries."""
    instance = Instance(server_url)
    try:
        phones = instance.pair(supervisors, 1)
        seed_started = time.perf_counter()
        instance.seed(phones[1:], each)
        instance.seed(phones[:1], writer_holds)
        seeded = time.perf_counter() - seed_started
        total = instance.held(phones)
        token = phones[0][1]
        bodies = [json.dumps(make_envelope(instance, phones[0], n)).encode() for n in range(SINGLE_WRITES + 20)]
        server = Server(instance, threads)
        try:
            connection = server.connect()
            timings = []
            for n, body in enumerate(bodies):
                summary_id = str(uuid.uuid4())
                status, seconds = put(connection, token, summary_id, body)
                assert status == 201, status
                connection.request("DELETE", f"/api/summaries/{summary_id}",
                                   headers={"Authorization": f"Bearer {token}"})
                connection.getresponse().read()
                if n >= 20:  # the first few warm the server's copy of each file, its connections
                    timings.append(seconds)
        finally:
            server.stop()
    finally:
        instance.remove()
    return {"held": total, "writer_holds": writer_holds, "seed_seconds": seeded,
            "median_ms": statistics.median(timings) * 1000, "p90_ms": percentile(timings, 90) * 1000}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--puts", type=int, default=3000)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--supervisors", type=int, default=8)
    parser.add_argument("--threads", type=int, default=8,
                        help="waitress threads in all, per configuration (at least 4 a process); 8 is "
                             "`alongside serve`'s default for one process")
    parser.add_argument("--workers", default="2", help="processes for the several-process runs, comma-separated")
    parser.add_argument("--database-url", help="a PostgreSQL server to make the bench's database on "
                                               "(default: a throwaway cluster with PostgreSQL's default durability)")
    parser.add_argument("--skip-single", action="store_true", help="part 1 only")
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at start")

    with ExitStack() as stack:
        server_url = args.database_url
        if not server_url:
            from tests.pgcluster import cluster
            server_url = stack.enter_context(cluster(durable=True))
        run(args, server_url)
    print(f"\nload average {os.getloadavg()[0]:.1f} at the end")


def run(args, server_url: str) -> None:
    share = [args.puts // args.clients + (1 if i < args.puts % args.clients else 0) for i in range(args.clients)]
    plan = [[(str(uuid.uuid4()), n) for n in range(count)] for count in share]  # the same work for every run
    configurations = [(None, 1), (server_url, 1)]
    for workers in (int(n) for n in args.workers.split(",") if int(n) > 1):
        configurations += [(None, workers), (server_url, workers)]

    print(f"\n1. {args.puts:,} PUTs from {args.clients} phones paired with {args.supervisors} supervisors "
          f"({args.threads} waitress threads in all)")
    runs = []
    for url, workers in configurations:
        threads = max(4, args.threads // workers)
        t = throughput(url, plan, args.supervisors, threads, workers)
        label = f"{'PostgreSQL' if url else 'TinyDB':<10} {workers} process{'es' if workers > 1 else '  '} x {threads:>2} threads"
        runs.append((label, url, workers, t))
        print(f"   {label}: {t['per_second']:>4.0f} PUT/s   p50 {t['p50_ms']:6.1f} ms   p99 {t['p99_ms']:6.1f} ms   "
              f"max {t['max_ms']:6.1f} ms   ({t['seconds']:.1f} s; {t['failed']} not 201, {t['held_after']:,} stored)",
              flush=True)
        if t["failed"]:
            # What the server said about it: its tracebacks, not waitress's queue-depth lines.
            said = "\n".join(line for line in t["log"].splitlines() if not line.startswith("Task queue depth"))
            print(f"      statuses {t['statuses']}; the server's log says:\n{said[-3000:]}", flush=True)

    ratios = {}
    if not args.skip_single:
        print(f"\n2. One PUT ({SINGLE_WRITES} in turn, median; the writer's supervisor holds 100), one process "
              f"of {args.threads} threads")
        for url in (None, server_url):
            small = single_writes(url, supervisors=1, each=0, writer_holds=100, threads=args.threads)
            large = single_writes(url, supervisors=200, each=100, writer_holds=100, threads=args.threads)
            name = "PostgreSQL" if url else "TinyDB"
            for r in (small, large):
                print(f"   {name:<10} server holds {r['held']:>6,}: median {r['median_ms']:.2f} ms, "
                      f"p90 {r['p90_ms']:.2f} ms   (seeded in {r['seed_seconds']:.1f} s)", flush=True)
            ratios[name] = large["median_ms"] / small["median_ms"]
            print(f"   {name:<10} ratio 20,000 / 100: {ratios[name]:.2f}")

    print("\nTargets")
    best = min(runs, key=lambda r: r[3]["p99_ms"])
    several = [r for r in runs if r[1] and r[2] > 1]
    fastest = max(several, key=lambda r: r[3]["per_second"]) if several else None
    checks = [(f"p99 <= 100 ms at {args.clients} phones (best: {best[0].strip()})", best[3]["p99_ms"] <= 100,
               f"{best[3]['p99_ms']:.1f} ms")]
    if fastest:
        checks.append((f"PUT/s >= 500, PostgreSQL with several processes ({fastest[0].strip()})",
                       fastest[3]["per_second"] >= 500, f"{fastest[3]['per_second']:.0f}"))
    checks += [(f"{name}: write at 20,000 <= 1.5 x write at 100", ratio <= 1.5, f"{ratio:.2f} x")
               for name, ratio in ratios.items()]
    for name, ok, figure in checks:
        print(f"   {'met ' if ok else 'MISSED'}  {name}: {figure}")


if __name__ == "__main__":
    main()
