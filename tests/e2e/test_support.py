"""Support from every screen: the people the worker named, guidance, and a one-minute breather."""
import pytest

from .conftest import PHONE, axe_problems, create_journal, journal, unlock_in_page, wait_offline_ready

# About the page's own logic: no service worker to install first (conftest's context); offline: page_with_worker.
SERVICE_WORKER = False

PEOPLE = ["Morag on nights", "Dev", "Aunt Sìne"]


def test_support_is_one_tap_from_every_screen(live_server, page):
    for path in ("/", "/section/use-of-self", "/journal", "/print"):
        page.goto(live_server.url + path)
        page.get_by_role("navigation", name="App").get_by_role("link", name="Support").click()
        page.get_by_role("heading", level=1, name="Support").wait_for()


def test_support_lists_the_three_people_named_in_activity_2_0(live_server, page):
    page.goto(live_server.url + "/support")
    create_journal(page)
    journal(page, "saveAnswer", {"activity": "2.0", "field": "people", "value": PEOPLE, "revision": 1})
    page.reload()
    assert page.get_by_text("Unlock to see the people you named").is_visible()
    assert "You can stop at any point" in page.locator("main").inner_text()
    assert "supervisor" in page.locator("main").inner_text()
    assert not any(name in page.content() for name in PEOPLE)
    unlock_in_page(page)
    page.locator("#people li").first.wait_for()
    assert page.locator("#people li").all_inner_texts() == PEOPLE


def test_without_javascript_support_says_why_the_people_are_not_shown(browser, live_server):
    context = browser.new_context(java_script_enabled=False, viewport=PHONE)
    page = context.new_page()
    page.goto(live_server.url + "/support")
    why = page.locator("main noscript p")  # Playwright's text search passes over <noscript>
    assert why.is_visible() and "turn JavaScript on to unlock it" in why.inner_text()
    assert page.get_by_role("link", name="Samaritans").is_visible()  # the help needs no script
    context.close()


def test_support_says_when_nobody_is_named_yet(unlocked_page, live_server):
    page = unlocked_page
    page.goto(live_server.url + "/support")
    unlock_in_page(page)
    page.get_by_text("You have not named anyone yet").wait_for()


@pytest.mark.parametrize("motion", ["reduce", "no-preference"])
def test_breather_paces_in_for_4_out_for_6(browser, live_server, motion):
    context = browser.new_context(reduced_motion=motion)
    page = context.new_page()
    page.clock.install()
    page.goto(live_server.url + "/support")
    page.get_by_role("button", name="Start one minute").click()
    cue, count, circle = page.locator("#cue"), page.locator("#count"), page.locator("#circle")
    assert cue.inner_text() == "Breathe in" and count.inner_text() == "4"
    assert circle.is_visible() is (motion == "no-preference"), "the circle moves only without reduced motion"
    page.clock.run_for(4000)
    assert cue.inner_text() == "Breathe out" and count.inner_text() == "6"
    page.clock.run_for(6000)
    assert cue.inner_text() == "Breathe in"
    page.clock.run_for(50_000)
    assert "That was one minute" in cue.inner_text()
    assert page.get_by_role("button", name="Start one minute").is_visible()
    context.close()


def test_support_journal_and_print_open_offline(live_server, page_with_worker):
    page = page_with_worker
    page.goto(live_server.url + "/")
    wait_offline_ready(page)
    page.context.set_offline(True)
    for path, title in (("/support", "Support"), ("/journal", "Your journal"), ("/print", "My reflections")):
        page.goto(live_server.url + path)
        page.get_by_role("heading", level=1, name=title).wait_for()


def test_axe_finds_no_violations_on_unlock_and_support_screens(live_server, page_without_worker):
    """Setting up, the journal unlocked and locked, the unlock dialog, support locked and unlocked: light and dark."""
    page = page_without_worker
    page.goto(live_server.url + "/journal")
    page.locator("#setup").wait_for()
    problems = axe_problems(page, "/journal set up")
    create_journal(page)
    journal(page, "saveAnswer", {"activity": "2.0", "field": "people", "value": PEOPLE, "revision": 1})
    page.locator("#change").wait_for()
    problems += axe_problems(page, "/journal unlocked")
    for name, path in [("/journal unlock", "/journal"), ("/support locked", "/support")]:
        page.goto(live_server.url + path)
        page.locator("[data-show=locked]:not([hidden]), [data-locked-note]:visible").first.wait_for()
        problems += axe_problems(page, name)
    page.locator("[data-locked-note] button").click()
    page.get_by_role("dialog").wait_for()
    problems += axe_problems(page, "unlock dialog")
    page.get_by_role("dialog").get_by_label("Passphrase or recovery code").fill("kettle on the night shift")
    page.keyboard.press("Enter")
    page.locator("#people li").first.wait_for()
    problems += axe_problems(page, "/support unlocked")
    assert not problems, "\n\n".join(problems)
