"""The loop a ward worker repeats every shift, on a phone in dark mode: the passphrase is asked once.

Set up, then unlock once, then Contents -> a part of section 3 -> answer 2.0 and 2.15's note ->
Support (the people from 2.0) -> Share (only 2.15's note) -> send -> Journal -> Print -> back.
Every jump lands its target below the header and inside the viewport; the console stays clean.
"""
import re

import pytest
from playwright.sync_api import expect

from .conftest import PASSPHRASE, PHONE, journal, wait_app_started, wait_offline_ready, wait_until
from .test_share import make_pairing_code, pair

NOTE = "Ask about pacing with Louise"
PEOPLE = ["Morag", "Dev from nights", "My sister"]
COUNT_UNLOCK_PROMPTS = """
    window.__prompts = 0;
    const show = HTMLDialogElement.prototype.showModal;
    HTMLDialogElement.prototype.showModal = function () { if (this.matches('.unlock-dialog')) window.__prompts++; return show.call(this); };
"""


@pytest.fixture
def phone(browser):
    context = browser.new_context(service_workers="allow", viewport=PHONE, color_scheme="dark",
                                  has_touch=True, is_mobile=True)
    context.add_init_script(COUNT_UNLOCK_PROMPTS)
    page = context.new_page()
    page.errors = []
    page.on("console", lambda m: m.type == "error" and page.errors.append(m.text))
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    yield page
    context.close()


def tap_bar(page, name):
    page.get_by_role("navigation", name="App").get_by_role("link", name=name, exact=True).tap()
    expect(page.locator("body")).to_have_attribute("data-page", {"Contents": "home"}.get(name, name.lower()))


def assert_lands(page, selector):
    """The target is fully below the sticky header and starts inside the viewport."""
    wait_until(page, """(sel) => { const el = document.querySelector(sel);
        return el && Math.abs(el.getBoundingClientRect().top - (parseFloat(getComputedStyle(el).scrollMarginTop) || 0)) < 2; }""",
               arg=selector, timeout=5000)
    box = page.evaluate("""(sel) => { const r = document.querySelector(sel).getBoundingClientRect();
        return {top: r.top, header: document.querySelector('header.bar').getBoundingClientRect().bottom, height: innerHeight}; }""",
                        selector)
    assert box["header"] <= box["top"] < box["height"] - 100, box


def set_up_and_pair(page, server, supervisor):
    page.goto(server.url + "/journal")
    wait_offline_ready(page)
    page.get_by_label("Choose a passphrase (at least 10 characters)").fill(PASSPHRASE)
    page.locator("#setup").get_by_label("Type it again").fill(PASSPHRASE)
    page.get_by_role("button", name="Create my journal").tap()
    expect(page.locator("#code")).not_to_be_empty()
    page.get_by_role("button", name="I have written it down").tap()
    expect(page.get_by_role("heading", name="Your journal is ready")).to_be_focused()
    expect(page.get_by_role("link", name="Start with Activity 2.0")).to_be_visible()
    tap_bar(page, "Share")
    pair(page, make_pairing_code(supervisor))


def walk_the_shift(page, offline=False):
    """From the contents page, locked after a fresh load: unlock once, then the whole loop."""
    page.locator("[data-locked-note] button.unlock").tap()
    dialog = page.get_by_role("dialog", name="Unlock your journal")
    dialog.get_by_label("Passphrase or recovery code").fill(PASSPHRASE)
    dialog.get_by_role("button", name="Unlock", exact=True).tap()
    expect(page.locator("[data-progress-for='2.0']")).to_have_text("Not started")
    page.evaluate("window.__sameDocument = true")

    page.get_by_role("link", name=re.compile(r"^Part 4 Staying on the see-saw")).tap()
    expect(page.locator("h1")).to_have_text(re.compile("Staying on the see-saw"))
    expect(page.locator(".part-of")).to_have_text("Part 4 of 7")
    assert page.url.endswith("/section/use-of-self/4")
    expect(page.locator("h1")).to_be_focused()

    tap_bar(page, "Contents")
    page.get_by_role("link", name="Activity 2.0: Who could you talk to?").tap()
    assert_lands(page, "#activity-2-0")
    activity = page.locator("#activity-2-0")
    for n, name in enumerate(PEOPLE, 1):
        activity.get_by_label(f"Person {n}").fill(name)
    expect(activity.locator("[data-save-status]")).to_contain_text("Saved")

    tap_bar(page, "Contents")
    page.get_by_role("link", name=re.compile("^Activity 2.15:")).tap()
    assert_lands(page, "#activity-2-15")
    page.locator("#activity-2-15").get_by_label("For supervision (optional)").fill(NOTE)
    expect(page.locator("#activity-2-15 [data-save-status]")).to_contain_text("Saved")

    tap_bar(page, "Support")
    expect(page.locator("#people li")).to_have_text(PEOPLE)

    tap_bar(page, "Share")
    notes = page.locator("[data-note-for]:visible")
    expect(notes).to_have_count(1)
    expect(notes).to_contain_text(NOTE)
    notes.get_by_role("checkbox").check()
    page.get_by_role("button", name="Check and preview").tap()
    expect(page.locator("[data-preview-text]")).to_contain_text(NOTE)
    page.get_by_role("button", name="Send to my supervisor").tap()
    sent = page.locator("[data-sent-note]")
    expect(sent).to_have_text("Saved on this phone, ready to go. It will be sent as soon as there is a connection."
                              if offline else re.compile("^Sent to Morag"))
    expect(sent).to_be_focused()
    expect(sent).to_be_in_viewport()

    tap_bar(page, "Journal")
    expect(page.get_by_role("heading", name="Your journal is open")).to_be_visible()
    page.get_by_role("link", name="Print my reflections").tap()
    expect(page.locator("#print")).to_contain_text("Dev from nights")
    page.go_back()
    expect(page.get_by_role("heading", name="Your journal is open")).to_be_visible()
    page.go_back()
    expect(page.locator("h1")).to_have_text("Share with my supervisor")

    assert page.evaluate("window.__sameDocument") is True, "a page loaded a new document: the journal locked"
    assert page.evaluate("window.__prompts") == 1, "the passphrase was asked more than once"
    assert journal(page, "isUnlocked") is True
    # Offline, the browser itself logs each request that could not go out (the outbox trying to send).
    assert [e for e in page.errors if not (offline and "net::ERR_INTERNET_DISCONNECTED" in e)] == []


def test_a_night_shift_asks_for_the_passphrase_once(server, supervisor, phone):
    set_up_and_pair(phone, server, supervisor)
    phone.goto(server.url + "/")
    walk_the_shift(phone)
    supervisor.reload()
    expect(supervisor.locator("main")).to_contain_text(NOTE)


def test_the_same_shift_works_offline_after_the_first_visit(server, supervisor, phone):
    set_up_and_pair(phone, server, supervisor)
    phone.context.set_offline(True)
    phone.goto(server.url + "/")
    walk_the_shift(phone, offline=True)


@pytest.mark.parametrize("activity", ["2.3", "2.9", "2.12", "2.15"])
def test_a_tapped_activity_lands_below_the_header_when_locked(live_server, phone, activity):
    phone.goto(live_server.url + "/")
    wait_app_started(phone)  # or nav.js's history.replaceState, as it starts, could pass for the tap's navigation
    with phone.expect_navigation():
        phone.get_by_role("link", name=re.compile(f"^Activity {re.escape(activity)}:")).tap()
    assert_lands(phone, f"#activity-{activity.replace('.', '-')}")
    phone.wait_for_timeout(300)  # nothing inserted later moves it
    assert_lands(phone, f"#activity-{activity.replace('.', '-')}")


def test_a_section_page_barely_moves_while_its_forms_start(live_server, browser):
    """Layout shift while the page's scripts fill it in, locked, as a phone opens a tapped activity."""
    context = browser.new_context(viewport=PHONE, has_touch=True, is_mobile=True)
    context.add_init_script("""window.__shift = 0;
        new PerformanceObserver((list) => { for (const e of list.getEntries()) if (!e.hadRecentInput) window.__shift += e.value; })
          .observe({ type: "layout-shift", buffered: true });""")
    page = context.new_page()
    for path in ("/section/use-of-self/4#activity-2-9", "/section/development#activity-2-15", "/section/introduction"):
        page.goto(live_server.url + path)
        expect(page.locator("form.activity-form .locked-note a, form.activity-form .locked-note button").first).to_be_attached()
        page.wait_for_timeout(300)
        assert page.evaluate("window.__shift") < 0.02, (path, page.evaluate("window.__shift"))
    context.close()
