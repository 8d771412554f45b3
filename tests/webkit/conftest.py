"""WebKit fixtures: Safari's engine (WebKitGTK's MiniBrowser, driven by WebKitWebDriver through Selenium)
on an Xvfb display, against the same `alongside serve` (tests/e2e/live.py) the Playwright tests use.

iOS gives every browser WebKit, so these tests stand in for Safari on the ward staff's iPhones. Without
WebKit installed they skip on a developer's machine with the command that installs it; with CI set they
fail instead, so CI never silently skips them.

One MiniBrowser serves the whole session (starting one costs about two seconds). Each test gets its own
server on its own port, so its own origin: no storage, service worker or cookie carries over.
"""
import glob
import os
import select
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest

from tests.e2e.live import DUMP_STORAGE as E2E_DUMP_STORAGE
from tests.e2e.live import MINI_PACK, REAL_PACK, LiveServer  # noqa: F401

try:
    from selenium.webdriver.common.by import By
except ImportError:  # an environment from before selenium joined [test]: webkit_programs says what to do
    By = None

INSTALL = "apt-get install -y webkit2gtk-driver xvfb"
PASSPHRASE = "kettle on the night shift"
# The worker's phone is set to US English, as many are: the app must still say what a UK ward expects.
BROWSER_LANG = "en_US.UTF-8"


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() not in ("", "0", "false", "no")


def find_minibrowser() -> str | None:
    explicit = os.environ.get("ALONGSIDE_MINIBROWSER")
    if explicit:
        return explicit if Path(explicit).is_file() else None
    for pattern in ("/usr/lib/*/webkit2gtk-4.1/MiniBrowser", "/usr/lib/*/webkit2gtk-4.0/MiniBrowser",
                    "/usr/lib/*/webkitgtk-6.0/MiniBrowser", "/usr/libexec/webkit2gtk-4.*/MiniBrowser"):
        found = sorted(glob.glob(pattern))
        if found:
            return found[-1]
    return None


def webkit_tools() -> dict:
    """The three programs the suite needs; the value is None for each one that is missing."""
    return {"WebKitWebDriver": shutil.which("WebKitWebDriver"), "MiniBrowser": find_minibrowser(),
            "Xvfb": shutil.which("Xvfb")}


@pytest.fixture(scope="session")
def webkit_programs():
    tools = webkit_tools()
    missing = [name for name, path in tools.items() if not path]
    message = f"WebKit not installed ({', '.join(missing)} missing): {INSTALL}" if missing \
        else "Selenium not installed: pip install -e '.[test]'" if By is None else ""
    if message:
        if in_ci():
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return tools


@pytest.fixture(scope="session")
def display(webkit_programs):
    """A private X display: Xvfb picks a free number itself (-displayfd) and tells us."""
    read, write = os.pipe()
    xvfb = subprocess.Popen([webkit_programs["Xvfb"], "-displayfd", str(write), "-screen", "0", "1280x1024x24",
                             "-nolisten", "tcp", "-noreset"], pass_fds=(write,),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write)
    number = b""
    deadline = time.monotonic() + 15
    while not number.endswith(b"\n") and time.monotonic() < deadline:
        ready, _, _ = select.select([read], [], [], 0.5)
        if ready:
            chunk = os.read(read, 16)
            if not chunk:
                break
            number += chunk
    os.close(read)
    if not number.strip():
        xvfb.kill()
        pytest.fail(f"Xvfb did not start (exit code {xvfb.poll()})", pytrace=False)
    yield f":{number.decode().strip()}"
    xvfb.terminate()
    xvfb.wait(10)


@pytest.fixture(scope="session")
def webkit(webkit_programs, display, tmp_path_factory):
    """One MiniBrowser for the session, phone-sized."""
    from selenium import webdriver
    from selenium.webdriver.webkitgtk.service import Service

    options = webdriver.WebKitGTKOptions()
    options.binary_location = webkit_programs["MiniBrowser"]
    options.add_argument("--automation")  # automation mode: an ephemeral profile, nothing kept after the session
    log = tmp_path_factory.mktemp("webkit") / "WebKitWebDriver.log"
    env = {**os.environ, "DISPLAY": display, "LANG": BROWSER_LANG, "LC_ALL": BROWSER_LANG, "LANGUAGE": "en_US"}
    service = Service(webkit_programs["WebKitWebDriver"], log_output=str(log), env=env)
    driver = webdriver.WebKitGTK(options=options, service=service)
    driver.set_window_size(390, 844)
    driver.set_script_timeout(30)
    driver.log_path = log
    yield driver
    driver.quit()


@pytest.fixture
def browser(webkit):
    """The session's browser, left on one window and a blank page after each test."""
    yield webkit
    handles = webkit.window_handles
    for handle in handles[1:]:
        webkit.switch_to.window(handle)
        webkit.close()
    webkit.switch_to.window(handles[0])
    webkit.get("about:blank")


class Wire:
    """The network between the phone and the server: a TCP relay on 127.0.0.1 that keeps every byte the
    browser sends (its pages and its service worker alike), so a test can say what left the phone.

    While the server is stopped the relay drops each connection, as a phone with no signal sees it. With
    ``put_delay`` set, each PUT waits that long on the way to the server, as on a slow connection.
    """

    def __init__(self, upstream_port: int):
        self.upstream_port = upstream_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.streams: list[bytearray] = []
        self.sockets: list[socket.socket] = []
        self.lock = threading.Lock()
        self.closed = False
        self.started = time.monotonic()
        self.events: list[str] = []  # what happened on the wire, when: for failure messages
        self.put_delay = 0.0
        threading.Thread(target=self._accept, daemon=True).start()

    def sent(self) -> str:
        """Everything the browser has sent so far, one connection after another."""
        with self.lock:
            return "\n".join(bytes(stream).decode("latin-1") for stream in self.streams)

    def note(self, number: int, what: str):
        with self.lock:
            self.events.append(f"{time.monotonic() - self.started:.2f}s #{number} {what}")

    def report(self) -> str:
        """Each connection's story (opened, reached the server or not, requests, closed), for a failure message."""
        with self.lock:
            return "; ".join(self.events)

    def _accept(self):
        while not self.closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._relay, args=(client,), daemon=True).start()

    def _relay(self, client):
        stream = bytearray()
        with self.lock:
            number = len(self.streams)
            self.streams.append(stream)
            self.sockets.append(client)
        try:
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port), timeout=5)
        except OSError:  # the server is stopped: no connection to be had
            # Keep what was sent all the same: a request the phone tried to make has still left it.
            client.settimeout(0.5)
            try:
                stream += client.recv(65536)
            except OSError:
                pass
            client.close()
            self.note(number, f"refused: {self._requests(stream)}")
            return
        self.note(number, "opened")
        upstream.settimeout(None)
        with self.lock:
            self.sockets.append(upstream)
        # The server closing its end closes the phone's end outright, as when its process ends: a request the
        # phone then writes on that connection fails at once instead of vanishing into a half-open relay.
        back = threading.Thread(target=self._pump, args=(upstream, client, None, lambda: self.note(number, "server closed"),
                                                         socket.SHUT_RDWR), daemon=True)
        back.start()
        self._pump(client, upstream, stream, lambda: self.note(number, f"phone closed after {self._requests(stream)}"),
                   socket.SHUT_WR, lambda chunk: self.put_delay if chunk.startswith(b"PUT ") else 0)
        back.join()
        client.close()
        upstream.close()

    @staticmethod
    def _requests(stream) -> list[str]:
        return [line for line in bytes(stream).decode("latin-1").split("\r\n")
                if line.endswith(" HTTP/1.1") and line.split(" ", 1)[0].isupper()]

    @staticmethod
    def _pump(source, target, record, done, how, delay=lambda chunk: 0):
        try:
            while chunk := source.recv(65536):
                if record is not None:
                    record += chunk
                time.sleep(delay(chunk))
                target.sendall(chunk)
        except OSError:
            pass
        done()
        try:
            target.shutdown(how)
        except OSError:
            pass

    def close(self):
        self.closed = True
        self.listener.close()
        with self.lock:
            for sock in self.sockets:
                try:
                    sock.close()
                except OSError:
                    pass


@pytest.fixture
def make_server(tmp_path):
    """Start a private server behind a Wire: make_server(content=path, env={...}, copy_content=False).

    The browser (the worker's phone) only ever talks to `server.wire.url`; `server.url` is the server's
    own address, another origin: the supervisor's desk, where no service worker of the phone's runs.
    """
    made = []

    def make(content: Path = MINI_PACK, env: dict | None = None, copy_content: bool = False):
        if copy_content:
            target = tmp_path / f"pack-{len(made)}"
            shutil.copytree(content, target)
            content = target
        server = LiveServer(tmp_path / f"instance-{len(made)}", content, env=env, forked=True).start()
        wire = Wire(server.port)
        server.wire = wire
        made.append(server)
        return server

    yield make
    for server in made:
        server.wire.close()
        server.stop()


# --- Driving the app as a worker does, through Selenium. ---

def wait_until(driver, expression: str, *args, timeout: float = 15, message: str = ""):
    """Wait until a JavaScript expression (arguments: args[0], ...) is truthy in the page; return its value."""
    from selenium.common.exceptions import JavascriptException, StaleElementReferenceException, TimeoutException
    from selenium.webdriver.support.ui import WebDriverWait

    def check(d):
        return d.execute_script(f"const args = arguments; return ({expression});", *args)

    try:
        # A script that runs while the page is being replaced (a reload) fails; the next poll asks again.
        return WebDriverWait(driver, timeout, poll_frequency=0.05,
                             ignored_exceptions=(JavascriptException, StaleElementReferenceException)).until(check)
    except TimeoutException:
        try:
            seen = driver.execute_script("return location.href + ' shows: ' + document.body.innerText.slice(0, 600)")
        except Exception as exc:  # the page itself is gone
            seen = f"(the page could not be read: {exc})"
        raise AssertionError(f"{message or 'timed out waiting for: ' + expression} (after {timeout} s; {seen})") from None


def load(driver, url: str | None = None):
    """Load a page as a new document (`url`), or reload this one (None), and wait until it has: WebKitWebDriver
    can return from a navigation while the old document is still on show."""
    try:
        driver.execute_script("window.__oldDocument = true")
    except Exception:  # about:blank after a failed test, or no page yet
        pass
    driver.get(url) if url else driver.refresh()
    wait_until(driver, "window.__oldDocument === undefined && document.readyState === 'complete'"
                       " && document.querySelector('main, body > *') !== null", timeout=30,
               message=f"{url or 'the reload'} did not load")


def wait_for_text(driver, text: str, selector: str = "body", timeout: float = 15):
    """Wait until `text` is shown (rendered, not hidden) inside the first element matching `selector`."""
    return wait_until(driver, "document.querySelector(args[0])?.innerText.includes(args[1])", selector, text,
                      timeout=timeout, message=f"{text!r} did not appear in {selector} within {timeout} s")


def wait_offline_ready(driver, timeout: float = 30):
    """The first visit: the toast says so and the service worker controls the page."""
    wait_for_text(driver, "Ready to work offline", "#sw-status", timeout=timeout)
    wait_until(driver, "navigator.serviceWorker.controller !== null", timeout=timeout)


def journal(driver, name, *args):
    """Call an export of static/js/session.js in the page, as tests/e2e/conftest.py's journal() does."""
    result = driver.execute_async_script("""
        const [name, args, done] = arguments;
        const main = document.querySelector("script[type=module][src*='/js/offline.js']").src;
        import(main.replace("/js/offline.js", "/js/session.js"))
          .then((session) => session[name](...args))
          .then((value) => done({ value: value === undefined ? null : value }), (e) => done({ error: String(e) }));
    """, name, list(args))
    if "error" in result:
        raise AssertionError(f"session.{name} failed in WebKit: {result['error']}")
    return result["value"]


def into_view(element):
    """Scroll an element to the middle of the screen at once. The app scrolls smoothly (app.css, unless the
    worker asks for reduced motion), and WebKitWebDriver checks that an element is in view before the smooth
    scroll it started has got there, so a plain click or send_keys would fail as "not interactable"."""
    element.parent.execute_script("arguments[0].scrollIntoView({behavior: 'instant', block: 'center'})", element)
    return element


def click(element):
    into_view(element).click()


def fill(element, text: str):
    """Type into a field as the worker does. WebKitWebDriver drops a typed "\n", so a new line is the Enter key."""
    from selenium.webdriver.common.keys import Keys

    into_view(element).clear()
    element.send_keys(text.replace("\n", Keys.ENTER))


def set_up_journal(driver, base: str, passphrase: str = PASSPHRASE) -> str:
    """Set up a journal on /journal as a new worker does; return the recovery code it showed once."""
    load(driver, base + "/journal")
    wait_until(driver, "!document.querySelector('#setup').closest('section').hidden")
    fill(driver.find_element(By.ID, "s-new"), passphrase)
    fill(driver.find_element(By.ID, "s-again"), passphrase)
    click(driver.find_element(By.CSS_SELECTOR, "#setup button"))
    code = wait_until(driver, r"/^([0-9A-Z]{4}-){5}[0-9A-Z]{4}$/.test(document.querySelector('#code').textContent)"
                      r" && document.querySelector('#code').textContent", timeout=20,
                      message="no recovery code: setting up the journal failed")
    click(driver.find_element(By.ID, "code-done"))
    wait_until(driver, "!document.querySelector('#h-pass').closest('section').hidden")
    return code


def unlock_in_page(driver, secret: str = PASSPHRASE):
    """After a page load: the first visible locked note's Unlock opens lock.js's dialog; type and unlock."""
    unlock = wait_until(driver, """[...document.querySelectorAll('[data-locked-note]')]
        .filter((note) => note.offsetParent !== null)
        .flatMap((note) => [...note.querySelectorAll('button, a')])
        .find((el) => el.textContent.startsWith('Unlock'))""", message="no locked note offers Unlock")
    click(unlock)
    dialog = driver.find_element(By.CSS_SELECTOR, "dialog.unlock-dialog[open]")
    fill(dialog.find_element(By.ID, "unlock-in"), secret)
    click(dialog.find_element(By.CSS_SELECTOR, "button:not(.secondary)"))
    wait_until(driver, "!document.querySelector('dialog.unlock-dialog[open]')", timeout=20,
               message="the unlock dialog did not close: unlocking failed")
    wait_until(driver, "!document.querySelector('fieldset.answers[disabled]')")


# tests/e2e/live.py's dump, called the WebDriver way (the last argument is the callback).
DUMP_STORAGE = ("const done = arguments[arguments.length - 1];\n"
                f"({E2E_DUMP_STORAGE})().then(done, (e) => done('DUMP FAILED ' + e));")


def dump_storage(driver) -> str:
    """Everything this origin keeps in the browser: IndexedDB, Cache Storage, localStorage, sessionStorage."""
    dump = driver.execute_async_script(DUMP_STORAGE)
    assert not dump.startswith("DUMP FAILED"), dump
    return dump
