"""Locking: Lock now, the idle lock and its warning, and the privacy curtain."""
from .conftest import create_journal, journal, unlock_in_page

PEOPLE = ["Morag on nights", "Dev", "Aunt Sìne"]


def support_with_people(page, url, idle_seconds=None):
    page.goto(url + "/support")
    create_journal(page)
    journal(page, "saveAnswer", {"activity": "2.0", "field": "people", "value": PEOPLE, "revision": 1})
    if idle_seconds:
        journal(page, "setSetting", "idleSeconds", idle_seconds)
    page.reload()
    unlock_in_page(page)
    page.get_by_text(PEOPLE[0]).wait_for()


def test_lock_now_drops_the_key_and_clears_what_was_shown(live_server, page):
    support_with_people(page, live_server.url)
    page.locator("#app-controls").get_by_role("button", name="Lock now").click()
    page.get_by_text("Unlock to see the people you named").wait_for()
    assert journal(page, "isUnlocked") is False
    assert PEOPLE[0] not in page.content()
    assert page.locator("#app-controls").get_by_role("button", name="Lock now").is_hidden()


def test_idle_lock_warns_first_then_clears_decrypted_text(live_server, page):
    support_with_people(page, live_server.url, idle_seconds=4)
    warning = page.get_by_role("alert").filter(has_text="Your journal locks in")
    warning.wait_for(timeout=5000)
    assert journal(page, "isUnlocked") is True, "the warning comes before the lock"
    page.get_by_text("Unlock to see the people you named").wait_for(timeout=5000)
    assert journal(page, "isUnlocked") is False
    assert warning.is_hidden()
    assert not any(name in page.content() for name in PEOPLE)


def test_idle_lock_empties_activity_forms(live_server, page):
    page.goto(live_server.url + "/section/introduction")
    create_journal(page)
    journal(page, "saveAnswer", {"activity": "2.0", "field": "people", "value": PEOPLE, "revision": 1})
    journal(page, "setSetting", "idleSeconds", 3)
    page.reload()
    unlock_in_page(page)
    first = page.locator("[data-activity='2.0'] input").first
    page.wait_for_function("(el) => el.value !== ''", arg=first.element_handle())
    assert first.input_value() == PEOPLE[0]
    page.wait_for_function("(el) => el.value === '' && el.closest('fieldset[disabled]')", arg=first.element_handle(),
                           timeout=6000)
    assert not any(name in page.content() for name in PEOPLE)


def test_any_interaction_dismisses_the_idle_warning(live_server, page):
    support_with_people(page, live_server.url, idle_seconds=6)
    warning = page.get_by_role("alert").filter(has_text="Your journal locks in")
    warning.wait_for(timeout=6000)
    page.keyboard.press("Shift")
    warning.wait_for(state="hidden", timeout=2000)
    page.wait_for_timeout(4000)  # past the first deadline, before the new one
    assert journal(page, "isUnlocked") is True


def test_privacy_curtain_covers_the_page_while_hidden(unlocked_page):
    page = unlocked_page
    curtain = page.locator(".curtain")
    assert curtain.is_hidden()
    page.evaluate("""() => {
        Object.defineProperty(document, "visibilityState", { configurable: true, get: () => "hidden" });
        document.dispatchEvent(new Event("visibilitychange"));
    }""")
    assert curtain.is_visible()
    covered = page.evaluate("document.elementFromPoint(innerWidth / 2, innerHeight / 2).closest('.curtain') !== null")
    assert covered, "the curtain is on top of everything"
    page.evaluate("""() => {
        Object.defineProperty(document, "visibilityState", { configurable: true, get: () => "visible" });
        document.dispatchEvent(new Event("visibilitychange"));
    }""")
    assert curtain.is_hidden()
    assert journal(page, "isUnlocked") is True


def test_locking_one_tab_locks_the_others(live_server, context, unlocked_page):
    other = context.new_page()
    other.goto(live_server.url + "/support")
    unlock_in_page(other)
    unlocked_page.locator("#app-controls").get_by_role("button", name="Lock now").click()
    other.get_by_text("Unlock to see the people you named").wait_for()
    assert journal(other, "isUnlocked") is False
