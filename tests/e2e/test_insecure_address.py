"""Opened over plain http on a network address, the pages that need encryption say so plainly."""
import pytest
from playwright.sync_api import expect

from .conftest import PHONE, find_chromium
from .live import CHROMIUM_ARGS


@pytest.fixture
def ward_wifi(playwright_instance):
    """A browser that reaches the test server as http://ward.test:<port>: not localhost, so not secure."""
    browser = playwright_instance.chromium.launch(
        executable_path=find_chromium(playwright_instance), headless=True,
        args=[*CHROMIUM_ARGS, "--host-resolver-rules=MAP ward.test 127.0.0.1"])
    context = browser.new_context(viewport=PHONE)
    yield context.new_page()
    browser.close()


def test_journal_and_share_say_the_address_must_be_https(live_server, ward_wifi):
    page = ward_wifi
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    base = live_server.url.replace("127.0.0.1", "ward.test")
    page.goto(base + "/journal")
    assert page.evaluate("isSecureContext") is False, "the browser treated the address as secure: nothing tested"
    expect(page.get_by_role("heading", name="This address is not secure")).to_be_visible()
    expect(page.locator("#insecure-origin")).to_have_text(base)
    expect(page.get_by_role("button", name="Create my journal")).to_be_hidden()
    page.goto(base + "/share")
    expect(page.locator("[data-insecure]")).to_contain_text("https://")
    expect(page.get_by_role("button", name="Pair")).to_be_hidden()
    assert errors == []
