"""Playwright fixtures: a real `alongside serve` on a free port, and a browser.

The browser is found in this order: $ALONGSIDE_CHROMIUM, Playwright's own
Chromium if installed, /usr/bin/chromium. With none the tests fail (never skip)
and say how to install one.
"""
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[2]
REAL_PACK = ROOT / "content" / "module-2"
MINI_PACK = ROOT / "tests" / "packs" / "mini"
INSTALL_HINT = "apt-get update && apt-get install -y chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-quic", "--no-first-run"]


def find_chromium(playwright) -> str | None:
    """Return the path of a Chromium to drive, or None for Playwright's own (installed) build."""
    explicit = os.environ.get("ALONGSIDE_CHROMIUM")
    if explicit:
        if not Path(explicit).exists():
            pytest.fail(f"ALONGSIDE_CHROMIUM={explicit} does not exist. Install a browser: {INSTALL_HINT}")
        return explicit
    try:
        own = playwright.chromium.executable_path
    except Exception:
        own = ""
    if own and Path(own).exists():
        return own
    if Path("/usr/bin/chromium").exists():
        return "/usr/bin/chromium"
    pytest.fail(f"No Chromium found for the end-to-end tests. Install one with: {INSTALL_HINT}  "
                "(or set ALONGSIDE_CHROMIUM to a Chromium binary)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """`alongside serve` in a subprocess; restartable to deploy a new version."""

    def __init__(self, instance: Path, content: Path, port: int | None = None, env: dict | None = None):
        self.instance, self.content = instance, content
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = env or {}
        self.log = instance.parent / f"server-{self.port}.log"
        self.process = None

    def start(self):
        env = {**os.environ, "ALONGSIDE_CONTENT": str(self.content), **self.env}
        self.instance.mkdir(parents=True, exist_ok=True)
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "pwa.cli", "serve", "--host", "127.0.0.1", "--port", str(self.port),
                 "--instance", str(self.instance)], env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.log.read_text()}")
            try:
                urllib.request.urlopen(self.url + "/manifest.webmanifest", timeout=1).read()
                return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"server did not start: {self.log.read_text()}")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)

    def restart(self):
        self.stop()
        return self.start()


@pytest.fixture(scope="session")
def playwright_instance():
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright_instance):
    path = find_chromium(playwright_instance)
    browser = playwright_instance.chromium.launch(executable_path=path, args=CHROMIUM_ARGS, headless=True)
    yield browser
    browser.close()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """The real Module 2 pack, shared by tests that only read."""
    server = LiveServer(tmp_path_factory.mktemp("live") / "instance", REAL_PACK).start()
    yield server
    server.stop()


@pytest.fixture
def make_server(tmp_path):
    """Start a private server: make_server(content=path, env={...})."""
    servers = []

    def make(content: Path = MINI_PACK, env: dict | None = None, copy_content: bool = False):
        if copy_content:
            target = tmp_path / f"pack-{len(servers)}"
            shutil.copytree(content, target)
            content = target
        server = LiveServer(tmp_path / f"instance-{len(servers)}", content, env=env).start()
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.stop()


@pytest.fixture
def context(browser):
    context = browser.new_context(service_workers="allow", viewport={"width": 390, "height": 844})
    yield context
    context.close()


@pytest.fixture
def page(context):
    return context.new_page()


def wait_offline_ready(page):
    """Wait until the service worker controls the page and says so."""
    page.get_by_text("Ready to work offline").wait_for(timeout=30_000)
    page.wait_for_function("navigator.serviceWorker.controller !== null", timeout=30_000)
