"""Locking: Lock now, the idle lock and its warning (on Playwright's clock), and the privacy curtain."""
from playwright.sync_api import expect

from .conftest import create_journal, journal, unlock_in_page

# About the page's own logic: no service worker to install first (conftest's context).
SERVICE_WORKER = False

PEOPLE = ["Morag on nights", "Dev", "Aunt Sìne"]


def support_with_people(page, url, idle_minutes=None):
    page.clock.install()
    page.goto(url + "/support")
    create_journal(page)
    journal(page, "saveAnswer", {"activity": "2.0", "field": "people", "value": PEOPLE, "revision": 1})
    if idle_minutes:
        journal(page, "setSetting", "idleMinutes", idle_minutes)
    page.reload()
    unlock_in_page(page)
    page.get_by_text(PEOPLE[0]).wait_for()


def idle_warning(page):
    """The idle warning toast (role alert), found whether shown or hidden."""
    return page.locator(".toast[role=alert]").filter(has_text="Your journal locks in")


def test_lock_now_drops_the_key_and_clears_what_was_shown(live_server, page):
    support_with_people(page, live_server.url)
    lock_now = page.locator("#app-controls button").filter(has_text="Lock now")
    lock_now.click()
    page.get_by_text("Unlock to see the people you named").wait_for()
    assert journal(page, "isUnlocked") is False
    assert PEOPLE[0] not in page.content()
    expect(lock_now).to_have_count(1)
    expect(lock_now).to_be_hidden()


def test_idle_lock_warns_first_then_clears_decrypted_text(live_server, page):
    support_with_people(page, live_server.url, idle_minutes=1)
    warning = idle_warning(page)
    page.clock.run_for("00:29")
    expect(page.get_by_text(PEOPLE[0])).to_be_visible()
    expect(warning).to_have_count(0)
    page.clock.run_for("00:02")
    expect(warning).to_be_visible()
    assert journal(page, "isUnlocked") is True, "the warning comes before the lock"
    page.clock.run_for("00:30")
    page.get_by_text("Unlock to see the people you named").wait_for()
    assert journal(page, "isUnlocked") is False
    expect(warning).to_have_count(1)
    expect(warning).to_be_hidden()
    assert not any(name in page.content() for name in PEOPLE)


def test_idle_lock_empties_activity_forms(live_server, page):
    page.clock.install()
    page.goto(live_server.url + "/section/introduction")
    create_journal(page)
    journal(page, "saveAnswer", {"activity": "2.0", "field": "people", "value": PEOPLE, "revision": 1})
    journal(page, "setSetting", "idleMinutes", 1)
    page.reload()
    unlock_in_page(page)
    first = page.locator("[data-activity='2.0'] input").first
    expect(first).to_have_value(PEOPLE[0])
    page.clock.run_for("01:01")
    expect(first).to_have_value("")
    expect(first).to_be_disabled()
    assert not any(name in page.content() for name in PEOPLE)


def test_any_interaction_dismisses_the_idle_warning(live_server, page):
    support_with_people(page, live_server.url, idle_minutes=1)
    warning = idle_warning(page)
    page.clock.run_for("00:31")
    expect(warning).to_be_visible()
    page.keyboard.press("Shift")
    expect(warning).to_have_count(1)
    expect(warning).to_be_hidden()
    page.clock.run_for("00:40")  # past the first deadline, before the new one
    assert journal(page, "isUnlocked") is True
    page.clock.run_for("00:25")
    page.get_by_text("Unlock to see the people you named").wait_for()


def test_idle_time_is_the_workers_setting_clamped_with_no_test_override(live_server, page):
    """An out-of-range setting is clamped to 30 minutes, and no other setting (idleSeconds) changes it."""
    support_with_people(page, live_server.url)
    journal(page, "setSetting", "idleMinutes", 3e6)
    journal(page, "setSetting", "idleSeconds", 3e6)
    page.reload()
    unlock_in_page(page)
    page.clock.run_for("29:00")
    assert journal(page, "isUnlocked") is True
    page.clock.run_for("01:01")
    page.get_by_text("Unlock to see the people you named").wait_for()
    assert journal(page, "isUnlocked") is False


def test_privacy_curtain_covers_the_page_while_hidden(unlocked_page):
    page = unlocked_page
    curtain = page.locator(".curtain")
    expect(curtain).to_have_count(1)
    expect(curtain).to_be_hidden()
    page.evaluate("""() => {
        Object.defineProperty(document, "visibilityState", { configurable: true, get: () => "hidden" });
        document.dispatchEvent(new Event("visibilitychange"));
    }""")
    expect(curtain).to_be_visible()
    covered = page.evaluate("document.elementFromPoint(innerWidth / 2, innerHeight / 2).closest('.curtain') !== null")
    assert covered, "the curtain is on top of everything"
    page.evaluate("""() => {
        Object.defineProperty(document, "visibilityState", { configurable: true, get: () => "visible" });
        document.dispatchEvent(new Event("visibilitychange"));
    }""")
    expect(curtain).to_be_hidden()
    assert journal(page, "isUnlocked") is True


def test_locking_one_tab_locks_the_others(live_server, context, unlocked_page):
    other = context.new_page()
    other.goto(live_server.url + "/support")
    unlock_in_page(other)
    unlocked_page.locator("#app-controls").get_by_role("button", name="Lock now").click()
    other.get_by_text("Unlock to see the people you named").wait_for()
    assert journal(other, "isUnlocked") is False
