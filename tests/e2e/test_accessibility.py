"""axe finds no violations on any worker screen, locked and unlocked, in light and dark mode, on a phone."""
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from .conftest import create_journal, journal

SCREENS = ["/", "/section/introduction", "/section/use-of-self", "/section/use-of-self/2", "/section/development", "/journal", "/support",
           "/share", "/print"]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_violations_on_any_worker_screen(live_server, browser, scheme):
    axe = Axe()
    context = browser.new_context(service_workers="block", viewport={"width": 390, "height": 844}, color_scheme=scheme,
                                  has_touch=True, is_mobile=True)
    page = context.new_page()
    problems = []

    def audit(label):
        results = axe.run(page)
        if results.violations_count:
            problems.append(f"{label}: {results.generate_report()}")

    for path in SCREENS:  # locked: fresh documents
        page.goto(live_server.url + path)
        audit(f"{path} locked")
    page.goto(live_server.url + "/section/introduction")
    create_journal(page)
    journal(page, "saveAnswer", {"activity": "2.0", "field": "people", "value": ["Morag", "", ""], "revision": 1})
    for path in SCREENS:  # unlocked: the same document, page by page
        page.evaluate("""(path) => { const a = document.createElement('a'); a.href = path;
            document.getElementById('main').append(a); a.click(); }""", path)
        expect(page).to_have_url(live_server.url + path)
        page.wait_for_load_state()
        audit(f"{path} unlocked")
    context.close()
    assert not problems, "\n\n".join(problems)
