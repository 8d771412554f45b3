"""Reading on while unlocked: the journal stays unlocked from section to section."""
from playwright.sync_api import expect

from .conftest import PASSPHRASE, create_journal, journal, wait_app_started


def test_moving_between_sections_while_unlocked_keeps_the_journal_open(make_server, page):
    server = make_server()
    page.goto(server.url + "/section/first")
    create_journal(page)
    page.evaluate("window.__sameDocument = true")
    page.locator("#f-1-1-name").fill("written on the first page")

    page.get_by_role("link", name="Next section Second steps").click()
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
        page.get_by_role("link", name="Next section Second steps").click()
    assert page.evaluate("window.__sameDocument") is None, "locked, links load pages as usual"


def test_a_link_to_the_page_on_show_never_reloads_it(make_server, page):
    server = make_server()
    page.goto(server.url + "/")
    wait_app_started(page)
    page.evaluate("window.__sameDocument = true")
    page.get_by_role("navigation", name="App").get_by_role("link", name="Contents").click()
    page.get_by_role("link", name="Alongside").click()  # the logo, on the contents page too
    expect(page.locator("h1")).to_be_focused()
    assert page.evaluate("window.__sameDocument") is True, "locked or not, the page on show is not loaded again"


def test_every_worker_page_opens_in_the_same_document_while_unlocked(make_server, page):
    server = make_server()
    page.goto(server.url + "/section/third")
    create_journal(page)
    page.evaluate("window.__sameDocument = true")
    bar = page.get_by_role("navigation", name="App")
    for name, heading, path, title in [("Journal", "Your journal", "/journal", "Your journal"),
                                       ("Support", "Support", "/support", "Support"),
                                       ("Share", "Share with my supervisor", "/share", "Share with my supervisor"),
                                       ("Contents", "Mini test pack", "/", "Mini")]:
        bar.get_by_role("link", name=name).click()
        expect(page.locator("h1")).to_have_text(heading)
        expect(page.locator("h1")).to_be_focused()
        assert page.url == server.url + path
        expect(bar.get_by_role("link", name=name)).to_have_attribute("aria-current", "page")
        assert page.title() == f"{title} · Alongside"
    page.get_by_role("link", name="Part 2 Then writing").click()
    expect(page.locator(".part-of")).to_have_text("Part 2 of 2")
    page.go_back()
    expect(page.locator("h1")).to_have_text("Mini test pack")
    page.go_forward()
    expect(page.locator("#f-1-3-line")).to_be_enabled()
    assert page.evaluate("window.__sameDocument") is True
    assert page.evaluate("window.__sameDocument") is True
    assert journal(page, "isUnlocked") is True


def test_an_old_link_to_an_activity_lands_on_it_in_its_part(make_server, page):
    server = make_server()
    page.goto(server.url + "/section/third#activity-1-3")  # before the section was split, 1.3 was on this page
    page.wait_for_url(server.url + "/section/third/2#activity-1-3")
    expect(page.locator("#activity-1-3")).to_be_in_viewport()
    create_journal(page)
    page.goto(server.url + "/")  # a new document: locked
    assert journal(page, "unlock", PASSPHRASE) is True
    page.evaluate("window.__sameDocument = true")
    page.evaluate("""() => { const a = document.createElement('a'); a.href = '/section/third#case-sam-3';
        document.getElementById('main').append(a); a.click(); }""")
    page.wait_for_url(server.url + "/section/third#case-sam-3")
    page.evaluate("""() => { const a = document.createElement('a'); a.href = '/section/third#activity-1-3';
        document.getElementById('main').append(a); a.click(); }""")
    page.wait_for_url(server.url + "/section/third/2#activity-1-3")
    expect(page.locator("#f-1-3-line")).to_be_enabled()
    assert page.evaluate("window.__sameDocument") is True
