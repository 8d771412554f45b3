"""Reading on while unlocked: the journal stays unlocked from section to section."""
from playwright.sync_api import expect

from .conftest import create_journal, journal


def test_moving_between_sections_while_unlocked_keeps_the_journal_open(make_server, page):
    server = make_server()
    page.goto(server.url + "/section/first")
    create_journal(page)
    page.evaluate("window.__sameDocument = true")
    page.locator("#f-1-1-name").fill("written on the first page")

    page.get_by_role("link", name="Next Second steps").click()
    expect(page.locator("h1")).to_contain_text("Second steps")
    assert page.url == server.url + "/section/second"
    assert page.evaluate("window.__sameDocument") is True, "a new document loaded: the key would be gone"
    assert journal(page, "isUnlocked") is True
    alt = page.locator("#f-1-2-landscape-alt")
    expect(alt).to_be_enabled()
    alt.fill("hills and a river")
    expect(page.locator("form[data-activity='1.2'] [data-save-status]")).to_contain_text("Saved")

    page.get_by_role("navigation", name="App").get_by_role("link", name="Contents").click()
    expect(page.locator("[data-progress-for='1.1']")).to_have_text("In progress")
    expect(page.locator("[data-progress-for='1.2']")).to_have_text("In progress")

    page.go_back()
    expect(page.locator("h1")).to_contain_text("Second steps")
    expect(page.locator("#f-1-2-landscape-alt")).to_have_value("hills and a river")
    page.go_back()
    expect(page.locator("#f-1-1-name")).to_have_value("written on the first page")
    assert page.evaluate("window.__sameDocument") is True

    journal(page, "lock")
    expect(page.locator("#f-1-1-name")).to_have_value("")
    with page.expect_navigation():
        page.get_by_role("link", name="Next Second steps").click()
    assert page.evaluate("window.__sameDocument") is None, "locked, links load pages as usual"
