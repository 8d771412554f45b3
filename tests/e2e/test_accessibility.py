"""axe finds no violations on any worker screen, locked and unlocked, in light and dark mode, on a phone."""
import re
import subprocess
import sys

import pytest
from playwright.sync_api import expect

from .conftest import EMAIL, PHONE, SUPERVISOR_PASSWORD, axe_problems, create_journal, journal
from .test_share import pair
from .test_supervisor_key import make_code

SCREENS = ["/", "/section/introduction", "/section/use-of-self", "/section/use-of-self/2", "/section/development", "/journal", "/support",
           "/share", "/print", "/revalidation"]


def phone(browser, scheme="light"):
    """A phone's browser (390 x 844, touch) in light or dark mode, with no service worker to wait for."""
    return browser.new_context(service_workers="block", viewport=PHONE, color_scheme=scheme, has_touch=True,
                               is_mobile=True)


def test_the_audit_sees_a_fault_that_only_dark_mode_has(browser):
    """The audits restyle one document for dark mode instead of loading it again: a contrast fault that only the
    dark colours have is reported, and named as dark."""
    page = phone(browser).new_page()
    page.set_content("""<!doctype html><html lang="en"><title>Dark only</title>
        <style>@media (prefers-color-scheme: dark) { body { background: #111; color: #333; } }</style>
        <main><h1>A heading</h1><p>Text that is grey on black at night.</p></main>""")
    problems = axe_problems(page, "dark only")
    page.context.close()
    assert len(problems) == 1 and problems[0].startswith("dark only (dark)"), problems
    assert "color-contrast" in problems[0]


def test_axe_finds_no_violations_on_any_worker_screen(live_server, browser):
    """Every worker screen, locked and unlocked, in light and dark mode."""
    page = phone(browser).new_page()
    problems = []
    for path in SCREENS:  # locked: fresh documents
        page.goto(live_server.url + path)
        problems += axe_problems(page, f"{path} locked")
    page.goto(live_server.url + "/section/introduction")
    create_journal(page)
    journal(page, "saveAnswer", {"activity": "2.0", "field": "people", "value": ["Morag", "", ""], "revision": 1})
    for path in SCREENS:  # unlocked: the same document, page by page
        page.evaluate("""(path) => { const a = document.createElement('a'); a.href = path;
            document.getElementById('main').append(a); a.click(); }""", path)
        expect(page).to_have_url(live_server.url + path)
        page.wait_for_load_state()
        problems += axe_problems(page, f"{path} unlocked")
    page.context.close()
    assert not problems, "\n\n".join(problems)


def test_axe_finds_no_violations_in_any_state_of_the_revalidation_page(live_server, browser):
    """Accounts drawn from answers, the discussion's lists, the check before printing, the generic record."""
    page = phone(browser).new_page()
    page.goto(live_server.url + "/section/introduction")
    create_journal(page)
    journal(page, "saveAnswer", {"activity": "2.0", "field": "people", "value": ["Morag", "", ""], "revision": 1})
    journal(page, "saveAnswer", {"activity": "2.0", "field": "__status", "value": "done", "revision": 1})
    page.evaluate("""() => { const a = document.createElement('a'); a.href = '/revalidation';
        document.getElementById('main').append(a); a.click(); window.print = () => {}; }""")
    page.locator("#new-account").get_by_label("2.0 Who could you talk to?").check()
    page.get_by_role("button", name="Start a reflective account").click()
    page.get_by_role("button", name="Start a reflective account").click()
    page.locator(".account").first.get_by_label("What did you learn from it?").fill("That Mr Smith needed time.")
    page.get_by_label("Hours spent", exact=True).fill("six")
    page.locator(".account").first.get_by_role("button", name="Delete this account").click()
    page.get_by_role("button", name="Check and print").click()
    expect(page.locator("#reval-check")).to_be_visible()
    problems = axe_problems(page, "NMC record, an account, a check")
    page.get_by_label("A general CPD record (another regulator, or not registered)").check()
    problems += axe_problems(page, "generic record")
    page.context.close()
    assert not problems, "\n\n".join(problems)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_bar_is_one_row_and_nothing_moves_on_lock_and_unlock(live_server, browser, scheme):
    context = phone(browser, scheme)
    page = context.new_page()
    page.goto(live_server.url + "/section/introduction")
    measure = """() => ({bar: document.querySelector('header.bar').getBoundingClientRect().height,
                        main: document.getElementById('main').getBoundingClientRect().top,
                        barColour: getComputedStyle(document.querySelector('header.bar')).backgroundColor})"""
    locked = page.evaluate(measure)
    create_journal(page)
    expect(page.get_by_role("button", name="Lock now")).to_be_visible()
    unlocked = page.evaluate(measure)
    journal(page, "lock")
    expect(page.get_by_role("button", name="Lock now")).to_be_hidden()
    assert locked["bar"] <= 56 and unlocked["bar"] == locked["bar"]
    assert unlocked["main"] == locked["main"] == page.evaluate(measure)["main"]
    red, green, blue = map(int, locked["barColour"][4:-1].split(", ")[:3])
    assert (max(red, green, blue) < 60) is (scheme == "dark"), f"a {scheme} bar of {locked['barColour']}"
    context.close()


def test_axe_finds_no_violations_on_the_supervisor_screens(server, supervisor, browser, page):
    """Sign-in, set-up with its recovery code, the dashboard locked and with a summary opened, a pairing code,
    delete and revoke, in light and dark mode."""
    page.goto(server.url + "/share")
    create_journal(page)
    pair(page, make_code(supervisor))
    page.get_by_label("A note to your supervisor (optional)").fill("A clean note.")
    page.get_by_role("button", name="Check and preview").click()
    page.get_by_role("button", name="Send to my supervisor").click()
    page.locator(".outbox-item[data-status=sent]").wait_for()
    link = subprocess.run([sys.executable, "-m", "pwa.cli", "supervisor", "add", "dev@example.org", "--name", "Dev",
                           "--setup-link", "--base-url", server.url, "--instance", str(server.instance)],
                          capture_output=True, text=True, check=True, env=server.env_for_cli()).stdout
    setup_url = next(line for line in link.splitlines() if "/supervise/setup/" in line).strip()

    context = browser.new_context(service_workers="block")
    screen = context.new_page()
    problems = []

    def audit(name):
        problems.extend(axe_problems(screen, name))

    screen.goto(setup_url)
    audit("set-up")
    screen.get_by_label("New password").fill("a long new password")
    screen.get_by_label("The same password again").fill("a long new password")
    screen.get_by_role("button", name="Set password and sign in").click()
    screen.get_by_role("button", name="I have kept it safe: continue").wait_for()
    audit("set-up: the recovery code")
    screen.get_by_role("button", name="I have kept it safe: continue").click()
    screen.get_by_role("heading", name="Shared summaries").wait_for()
    screen.get_by_role("button", name="Sign out").click()
    screen.goto(server.url + "/supervise/login")
    audit("sign-in")
    screen.get_by_label("Email").fill(EMAIL)
    screen.get_by_label("Password").fill(SUPERVISOR_PASSWORD)
    screen.get_by_role("button", name="Sign in").click()
    screen.get_by_role("heading", name="Shared summaries").wait_for()
    expect(screen.locator(".shared-text")).to_have_text("A clean note.")
    audit("dashboard with a summary")
    for name, link_name in [("delete", "Delete"), ("revoke", re.compile("Stop sharing"))]:
        screen.get_by_role("link", name=link_name).first.click()
        screen.wait_for_load_state()
        audit(f"{name} confirmation")
        screen.go_back()
    screen.get_by_role("button", name="Make a pairing code").click()
    expect(screen.locator(".pairing-code")).not_to_contain_text("•")
    audit("pairing code")
    locked = context.new_page()  # a tab of its own: the key is not unlocked there yet
    locked.goto(server.url + "/supervise/")
    locked.get_by_label("Your password").wait_for()
    screen = locked
    audit("dashboard, key locked")
    context.close()
    assert not problems, "\n\n".join(problems)
