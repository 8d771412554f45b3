"""First visit on a throttled phone: bytes, requests, readable home, offline-ready, offline reload.

    python bench/first_load.py [--runs 3]

Lighthouse's mobile profile applied as real throttling: 562.5 ms RTT, 1,474.56 Kbps
down, 675 Kbps up on the wire (a proxy on 127.0.0.1, so the service worker's
precache fetches are throttled too), and 4x CPU slowdown on the page.
Budgets: offline install <= 64 KB, readable home <= 2.5 s, offline-ready <= 4 s (issue 15;
it was 6 s), offline reload <= 300 ms.
"""
import argparse
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playwright.sync_api import sync_playwright  # noqa: E402

from bench.throttle import ThrottlingProxy  # noqa: E402
from tests.e2e.live import CHROMIUM_ARGS, REAL_PACK, LiveServer, chromium_path  # noqa: E402

READY_TEXT = "Ready to work offline"
VERBOSE = "-v" in sys.argv


def one_visit(browser, proxy: ThrottlingProxy) -> dict:
    """Open the home page once in a fresh profile; return the figures."""
    proxy.reset_counts()
    context = browser.new_context(service_workers="allow", viewport={"width": 390, "height": 844})
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": 4})
    url = f"http://127.0.0.1:{proxy.port}/"
    page.goto(url, wait_until="commit")
    page.wait_for_function("() => performance.getEntriesByName('first-contentful-paint').length > 0", timeout=60_000)
    readable = page.evaluate("performance.getEntriesByName('first-contentful-paint')[0].startTime")
    page.get_by_text(READY_TEXT).wait_for(timeout=120_000)
    # When the page told the worker (offline.js marks it); without the mark, when the test saw it.
    ready = page.evaluate("(performance.getEntriesByName('alongside:offline-ready')[0] ?? {startTime: performance.now()}).startTime")
    loaded = page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd")
    page.wait_for_selector("html[data-app]", state="attached", timeout=60_000)
    started = page.evaluate("performance.getEntriesByName('alongside:app-started')[0].startTime")
    page.wait_for_timeout(500)  # let the last precache responses finish crossing the wire
    install_bytes, requests = proxy.down.bytes, proxy.requests
    if VERBOSE:
        print("\n".join(proxy.lines))

    context.set_offline(True)
    page.reload(wait_until="load")
    reload_ms = page.evaluate("""() => {
        const nav = performance.getEntriesByType('navigation')[0];
        const paint = performance.getEntriesByName('first-contentful-paint')[0];
        return paint ? paint.startTime : nav.loadEventEnd;
    }""")
    heading = page.locator("h1").inner_text()
    context.close()
    assert heading, "offline reload showed no heading"
    return {"bytes": install_bytes, "requests": requests, "readable_ms": readable, "load_ms": loaded,
            "ready_ms": ready, "started_ms": started, "offline_reload_ms": reload_ms}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("-v", action="store_true", help="list every request that crossed the wire")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        server = LiveServer(Path(tmp) / "instance", REAL_PACK).start()
        proxy = ThrottlingProxy(server.port).start()
        browser = p.chromium.launch(executable_path=chromium_path(p, headless_shell=False), args=CHROMIUM_ARGS,
                                    headless=True)
        try:
            runs = [one_visit(browser, proxy) for _ in range(args.runs)]
        finally:
            browser.close()
            server.stop()
    med = {key: statistics.median(r[key] for r in runs) for key in runs[0]}
    each_kb = ", ".join(f"{r['bytes'] / 1024:.1f}" for r in runs)
    print(f"first_load: {args.runs} runs, Lighthouse mobile throttling (562.5 ms RTT, 1474.56/675 Kbps, 4x CPU)")
    print(f"  offline install on the wire : {med['bytes'] / 1024:7.1f} KB   (budget 64 KB = 65,536 bytes)  "
          f"runs: {each_kb}; median {med['bytes']:,.0f} bytes")
    print(f"  requests                    : {med['requests']:7.0f}")
    print(f"  readable home (FCP)         : {med['readable_ms']:7.0f} ms (budget 2500 ms)")
    print(f"  page load event             : {med['load_ms']:7.0f} ms")
    print(f"  offline-ready               : {med['ready_ms']:7.0f} ms (budget 4000 ms)")
    print(f"  app started (main.js)       : {med['started_ms']:7.0f} ms (first visit: once the install has arrived)")
    print(f"  offline reload (FCP)        : {med['offline_reload_ms']:7.0f} ms (budget 300 ms)")


if __name__ == "__main__":
    main()
