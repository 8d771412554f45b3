"""A throttling TCP proxy on 127.0.0.1: round-trip latency plus shared down/up bandwidth.

DevTools network emulation applies to the page's target only; a service worker's
precache fetches go through its own target. Putting the throttle on the wire
slows every request the browser makes (page, service worker, manifest) alike,
and lets us count the bytes that really crossed it.
"""
import asyncio
import re
import threading
import time

REQUEST_LINE = re.compile(rb"(?:^|\r\n)((?:GET|POST|PUT|DELETE|HEAD) \S+) HTTP/1\.[01]\r\n")


class Link:
    """One direction of the link: a shared bandwidth queue with a fixed one-way delay."""

    def __init__(self, bytes_per_second: float, delay: float):
        self.rate, self.delay = bytes_per_second, delay
        self.free_at = 0.0
        self.bytes = 0

    def schedule(self, size: int) -> float:
        """Return when a chunk of ``size`` bytes arriving now is delivered."""
        now = time.monotonic()
        start = max(now, self.free_at)
        self.free_at = start + size / self.rate
        self.bytes += size
        return self.free_at + self.delay


class ThrottlingProxy:
    """Forward 127.0.0.1:<port> to the target with Lighthouse-style mobile throttling."""

    def __init__(self, target_port: int, rtt_ms=562.5, down_kbps=1474.56, up_kbps=675.0):
        self.target_port = target_port
        self.down = Link(down_kbps * 1000 / 8, rtt_ms / 2000)
        self.up = Link(up_kbps * 1000 / 8, rtt_ms / 2000)
        self.requests = 0
        self.lines: list[str] = []
        self.t0 = time.monotonic()
        self.port = None
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()

    def reset_counts(self):
        self.down.bytes = self.up.bytes = self.requests = 0
        self.lines = []
        self.t0 = time.monotonic()

    async def _pump(self, reader, writer, link: Link, count_requests: bool):
        """Read as fast as the sender sends; deliver each chunk when the link would.

        Reading and delivering are two tasks, so chunks in flight overlap as on a real link: the
        one-way delay is paid once per chunk in parallel, not once per chunk in turn (which made a
        48 KB response take three delays instead of one).
        """
        queue: asyncio.Queue = asyncio.Queue()

        async def deliver():
            while (item := await queue.get()) is not None:
                due, chunk = item
                await asyncio.sleep(max(0.0, due - time.monotonic()))
                writer.write(chunk)
                await writer.drain()

        delivering = asyncio.ensure_future(deliver())
        try:
            while chunk := await reader.read(16384):
                if count_requests:
                    found = REQUEST_LINE.findall(chunk)
                    self.requests += len(found)
                    self.lines += [f"{time.monotonic() - self.t0:6.2f}s {line.decode()}" for line in found]
                queue.put_nowait((link.schedule(len(chunk)), chunk))
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            queue.put_nowait(None)
            try:
                await delivering
            except (ConnectionError, asyncio.CancelledError):
                pass
            writer.close()

    async def _handle(self, client_reader, client_writer):
        try:
            server_reader, server_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            client_writer.close()
            return
        await asyncio.gather(self._pump(client_reader, server_writer, self.up, True),
                             self._pump(server_reader, client_writer, self.down, False))

    async def _serve(self):
        server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        async with server:
            await server.serve_forever()

    def start(self):
        threading.Thread(target=self._loop.run_until_complete, args=(self._serve(),), daemon=True).start()
        self._ready.wait(10)
        return self
