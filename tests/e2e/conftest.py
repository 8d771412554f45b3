"""Playwright fixtures: a real `alongside serve` on a free port, and a browser.

The browser is found in this order: $ALONGSIDE_CHROMIUM, Playwright's own
Chromium if installed, then Debian's: its headless shell if installed
(/usr/bin/chromium-headless-shell, about half the CPU), else /usr/bin/chromium.
With none the tests fail (never skip) and say how to install one.
"""
import shutil
import time
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect, sync_playwright

from pwa.store import Store

from .live import CHROMIUM_ARGS, MINI_PACK, REAL_PACK, LiveServer, NoBrowser, chromium_path  # noqa: F401

# On a busy 2-core machine (or with `-n 2`), give a condition 10 s to come true, not 5.
expect.set_options(timeout=10_000)


def find_chromium(playwright) -> str:
    """Return the Chromium to drive; with none, fail (never skip) saying how to install one."""
    try:
        return chromium_path(playwright)
    except NoBrowser as exc:
        pytest.fail(str(exc))


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
    server = LiveServer(tmp_path_factory.mktemp("live") / "instance", REAL_PACK, forked=True).start()
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
        server = LiveServer(tmp_path / f"instance-{len(servers)}", content, env=env, forked=True).start()
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.stop()


PHONE = {"width": 390, "height": 844}


@pytest.fixture
def context(request, browser):
    """A phone-sized browser context whose service worker installs and runs, as on a phone.

    A module about the page's own logic (locks, forms, records) may set ``SERVICE_WORKER = False``: its tests
    then do not wait for the worker's install on their first page (about 0.15 s of CPU each, and 0.05 s on
    every later load; BENCHMARKS.md). Its tests of offline use take ``page_with_worker``."""
    allow = getattr(request.module, "SERVICE_WORKER", True)
    context = browser.new_context(service_workers="allow" if allow else "block", viewport=PHONE)
    yield context
    context.close()


@pytest.fixture
def page(context):
    return context.new_page()


@pytest.fixture
def page_with_worker(browser):
    """A phone-sized page whose service worker runs, in any module."""
    context = browser.new_context(service_workers="allow", viewport=PHONE)
    yield context.new_page()
    context.close()


@pytest.fixture
def page_without_worker(browser):
    """A phone-sized page with no service worker, for tests that route what the page sends: page.route
    does not see requests a service worker makes (Background Sync sends the outbox from there)."""
    context = browser.new_context(service_workers="block", viewport=PHONE)
    yield context.new_page()
    context.close()


def wait_until(page, expression: str, timeout: float = 10_000, arg=None) -> None:
    """Wait until a JavaScript expression is true in the page, polling it from here.

    Not ``page.wait_for_function``: when its condition is not true at the first look, Playwright polls it
    with a function made from the string inside the page, and the app's Content-Security-Policy (no
    'unsafe-eval') refuses that with an EvalError. ``page.evaluate`` is not subject to the page's CSP.
    """
    deadline = time.monotonic() + timeout / 1000
    while not page.evaluate(expression, arg):
        assert time.monotonic() < deadline, f"not true after {timeout / 1000:.0f} s: {expression}"
        time.sleep(0.05)  # the interval between looks at the condition


AXE = Axe()


# The axe rules that read colours: all that can change between light and dark mode.
COLOUR_RULES = {"runOnly": {"type": "rule", "values": ["color-contrast", "link-in-text-block"]}}


def axe_problems(page, label: str, options: dict | None = None) -> list[str]:
    """axe's report on the page as it is now, in light mode and then in dark, for each that has violations.

    Dark mode only changes colours (app.css's prefers-color-scheme block sets its custom properties; no script
    reads the scheme), so the same document restyled is what a phone in dark mode shows, one journey audits
    both, and the dark pass runs only the rules that read colours. The page is left in light mode."""
    problems = []
    for scheme, rules in (("light", options), ("dark", {**(options or {}), **COLOUR_RULES})):
        page.emulate_media(color_scheme=scheme)
        results = AXE.run(page, options=rules)
        if results.violations_count:
            problems.append(f"{label} ({scheme}): {results.generate_report()}")
    page.emulate_media(color_scheme="light")
    return problems


def wait_offline_ready(page):
    """Wait until the service worker controls the page and says so."""
    page.get_by_text("Ready to work offline").wait_for(timeout=30_000)
    wait_until(page, "navigator.serviceWorker.controller !== null", timeout=30_000)


# --- The journal (static/js/session.js), for tests that need an unlocked journal. ---
PASSPHRASE = "kettle on the night shift"
# Helpers that only need a journal make it with fewer PBKDF2 rounds, so each costs milliseconds, not a
# second; the real strength (600,000, vault.js) is checked by the tests that set up through the page.
TEST_ITERATIONS = 20_000


def journal(page, name, *args):
    """Call an export of static/js/session.js in the page: journal(page, "saveAnswer", {...})."""
    wait_app_started(page)
    return page.evaluate(
        """async ([name, args]) => {
            const main = document.querySelector("script[type=module][src*='/js/offline.js']").src;
            const session = await import(main.replace("/js/offline.js", "/js/session.js"));
            return session[name](...args);
        }""", [name, list(args)])


def wait_app_started(page):
    """Wait until main.js has started the page (on a first visit, once the service worker has installed)."""
    wait_until(page, "document.documentElement.dataset.app === 'started'", timeout=30_000)


def create_journal(page, passphrase=PASSPHRASE):
    """Set up a journal on this page's origin; return the recovery code once the page's forms take input."""
    code = journal(page, "createJournal", passphrase, TEST_ITERATIONS)
    wait_forms_ready(page)
    return code


def wait_forms_ready(page):
    """On a section page, wait until no activity form is disabled (journal.js fills and enables them on unlock).

    Playwright's press_sequentially does not wait for a field to be enabled: keys sent to a form that
    journal.js has not yet enabled would be lost."""
    wait_until(page, "document.body.dataset.page !== 'section' "
                     "|| !document.querySelector('#main form.activity-form fieldset.answers[disabled]')")


@pytest.fixture
def unlocked_page(live_server, page):
    """A worker's page (section 'introduction', real pack) with a new journal, unlocked with PASSPHRASE."""
    page.goto(live_server.url + "/section/introduction")
    page.recovery_code = create_journal(page)
    return page


def unlock_in_page(page, secret=PASSPHRASE):
    """Unlock as a worker does after a page load: the locked note's Unlock opens a dialog on the page."""
    page.locator("[data-locked-note]:visible").first.locator("button, a").first.click()
    dialog = page.get_by_role("dialog", name="Unlock your journal")
    dialog.get_by_label("Passphrase or recovery code").fill(secret)
    dialog.get_by_role("button", name="Unlock", exact=True).click()
    dialog.wait_for(state="hidden")


# --- Sharing: a server with a supervisor, and that supervisor signed in on a browser of their own. ---
EMAIL, SUPERVISOR_PASSWORD = "morag@example.org", "a long supervisor password"


@pytest.fixture
def server(make_server):
    """A server whose store has Morag, a supervisor with a password (added as `alongside supervisor add`
    does, in this process: the server reads the store's files as they are, and no second Python starts)."""
    server = make_server(content=REAL_PACK)
    Store(server.instance / "store").create_supervisor(EMAIL, "Morag", SUPERVISOR_PASSWORD)
    return server


def sign_in_supervisor(page, url, email=EMAIL, password=SUPERVISOR_PASSWORD) -> str | None:
    """Sign in on the supervisor's browser; return the recovery code if this sign-in made their key."""
    page.goto(url + "/supervise/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    done = page.get_by_role("button", name="I have kept it safe: continue")
    heading = page.get_by_role("heading", name="Shared summaries")
    done.or_(heading).first.wait_for()
    code = None
    if done.is_visible():
        code = page.locator("[data-recovery-code]").inner_text()
        done.click()
    heading.wait_for()
    return code


@pytest.fixture
def supervisor(browser, server):
    """The supervisor, signed in on a desktop browser of their own (the first sign-in makes their key)."""
    context = browser.new_context(service_workers="block")
    page = context.new_page()
    page.recovery_code = sign_in_supervisor(page, server.url)
    yield page
    context.close()
