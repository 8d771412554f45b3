"""A worker shares a short summary with their supervisor, written with no signal, and nothing else."""
import re

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from .conftest import create_journal, journal, unlock_in_page, wait_offline_ready

PRIVATE = "PRIVATE-ANSWER-7f3a"  # typed into the journal; must never leave the phone
NOTE = "I want to talk about how Louise's calls leave me drained"
def make_pairing_code(supervisor) -> str:
    supervisor.get_by_role("button", name="Make a pairing code").click()
    code = supervisor.locator(".pairing-code").inner_text().strip()
    supervisor.get_by_role("link", name="Back to your summaries").click()
    return code


def record_requests(context) -> list[str]:
    seen = []

    def keep(request):
        body = request.post_data_buffer or b""
        seen.append(f"{request.method} {request.url} {request.headers} {body!r}")

    context.on("request", keep)
    return seen


def write_private_answers(page, server):
    """The worker answers 2.13 and writes a note for supervision in 2.15, plus a private answer."""
    journal(page, "saveAnswer", {"activity": "2.1", "field": "personality", "value": PRIVATE, "revision": 1})
    journal(page, "saveAnswer", {"activity": "2.15", "field": "what_to_say", "value": PRIVATE, "revision": 1})
    journal(page, "saveAnswer", {"activity": "2.15", "field": "__supervision", "value": NOTE, "revision": 1})
    journal(page, "saveAnswer", {"activity": "2.13", "field": "supervisor_honesty", "value": 7, "revision": 1})
    journal(page, "saveAnswer", {"activity": "2.0", "field": "__status", "value": "done", "revision": 1})


def pair(page, code, name="SJ"):
    page.get_by_label("Pairing code").fill(code)
    page.get_by_label("Your name, as your supervisor will see it").fill(name)
    page.get_by_role("button", name="Pair").click()
    page.get_by_text(f"Paired with Morag as {name}").wait_for()


def compose_and_preview(page, cover: str) -> str:
    page.get_by_label("Which activities I have done").check()
    page.get_by_label(re.compile("Activity 2.15:")).check()
    page.get_by_label(re.compile("My answer to activity 2.13")).check()
    page.get_by_label("A note to your supervisor (optional)").fill(cover)
    page.get_by_role("button", name="Check and preview").click()


def test_summary_written_offline_reaches_the_supervisor_exactly_as_previewed(server, supervisor, context, page):
    requests = record_requests(context)
    page.goto(server.url + "/share")
    wait_offline_ready(page)
    create_journal(page)
    write_private_answers(page, server)
    pair(page, make_pairing_code(supervisor))
    page.reload()  # a new page load: the journal is locked again until the worker unlocks it
    unlock_in_page(page)

    context.set_offline(True)
    compose_and_preview(page, "Mr Smith in bed 12 came up again.")
    check = page.locator("[data-check]")
    check.get_by_text("“Mr Smith”").wait_for()
    assert "“bed 12”" in check.inner_text()
    check.get_by_role("button", name="Edit").click()
    page.get_by_label("A note to your supervisor (optional)").fill("A patient's story came up again.")
    page.get_by_role("button", name="Check and preview").click()
    preview = page.locator("[data-preview-text]")
    preview.wait_for()
    sent_text = preview.inner_text()
    assert NOTE in sent_text and "7" in sent_text and "Progress: 1 of 16 activities done (2.0)." in sent_text
    assert PRIVATE not in sent_text
    page.get_by_role("button", name="Send to my supervisor").click()
    page.locator(".outbox-item[data-status=queued]").wait_for()
    assert "Waiting to send" in page.locator(".outbox-status").inner_text()

    context.set_offline(False)
    page.locator(".outbox-item[data-status=sent]").wait_for(timeout=30_000)
    supervisor.reload()
    shown = supervisor.locator(".shared-text")
    assert shown.count() == 1
    assert shown.inner_text() == sent_text

    assert [r for r in requests if r.startswith("PUT ") and "/api/summaries/" in r and '"ct"' in r], \
        "the sealed PUT was not recorded, so this check would prove nothing"
    assert not [r for r in requests if PRIVATE in r], "a private answer left the phone"
    assert not [r for r in requests if NOTE in r], "the summary left the phone unsealed"

    page.get_by_role("button", name="Withdraw").click()
    page.locator(".outbox-item").wait_for(state="detached", timeout=30_000)
    supervisor.reload()
    assert supervisor.locator(".shared-text").count() == 0


def test_unpairing_removes_every_summary_from_the_server(server, supervisor, page):
    page.goto(server.url + "/share")
    create_journal(page)
    write_private_answers(page, server)
    pair(page, make_pairing_code(supervisor))
    for cover in ("First summary.", "Second summary."):
        page.get_by_label("A note to your supervisor (optional)").fill(cover)
        page.get_by_role("button", name="Check and preview").click()
        page.get_by_role("button", name="Send to my supervisor").click()
        page.locator(".outbox-item[data-status=sent]").nth(0 if cover.startswith("First") else 1).wait_for()
    supervisor.reload()
    assert supervisor.locator(".shared-text").count() == 2
    page.get_by_role("button", name="Unpair this phone").click()
    page.get_by_role("button", name="Unpair and delete my summaries").click()
    page.get_by_label("Pairing code").wait_for()
    supervisor.reload()
    assert supervisor.locator(".shared-text").count() == 0
    assert "No one is paired with you yet" in supervisor.locator("main").inner_text()


def test_pairing_offline_says_it_needs_a_connection(server, context, page):
    page.goto(server.url + "/share")
    wait_offline_ready(page)
    create_journal(page)
    context.set_offline(True)
    page.get_by_label("Pairing code").fill("ABCD-EFGH")
    page.get_by_label("Your name, as your supervisor will see it").fill("SJ")
    page.get_by_role("button", name="Pair").click()
    assert "Pairing needs a connection" in page.get_by_role("alert").first.inner_text()


def test_a_wrong_pairing_code_shows_the_servers_message(server, page):
    page.goto(server.url + "/share")
    create_journal(page)
    page.get_by_label("Pairing code").fill("ZZZZ-ZZZZ")
    page.get_by_label("Your name, as your supervisor will see it").fill("SJ")
    page.get_by_role("button", name="Pair").click()
    alert = page.locator("[data-pair-error]")
    alert.filter(has_text=re.compile(r"\w")).wait_for()
    assert "code" in alert.inner_text().lower()


def test_de_identification_check_flags_likely_identifiers(server, page):
    page.goto(server.url + "/share")
    found = page.evaluate("""async () => {
        const main = document.querySelector("script[type=module][src*='/js/main.js']").src;
        const { findIdentifiers } = await import(main.replace("/js/main.js", "/js/deidentify.js"));
        return findIdentifiers("Mrs Patel, CHI 0101901234, DOB 01/02/1990, bed 4, and nothing else").map((f) => f.kind);
    }""")
    assert found == ["name with a title", "CHI or NHS number", "date", "date", "bed or room"]
    dates = page.evaluate("""async () => {
        const main = document.querySelector("script[type=module][src*='/js/main.js']").src;
        const { findIdentifiers } = await import(main.replace("/js/main.js", "/js/deidentify.js"));
        return ["seen on 14/03", "Tuesday 14 March", "the 14th March", "March 14th", "Activity 2.15, Pacing: a note",
                "she may be tired"].map((text) => findIdentifiers(text).map((f) => f.text));
    }""")
    assert dates == [["14/03"], ["Tuesday 14 March"], ["14th March"], ["March 14th"], [], []]


def test_axe_finds_no_violations_on_share_preview_and_supervisor_pages(server, supervisor, browser):
    axe = Axe()
    code = make_pairing_code(supervisor)
    context = browser.new_context(service_workers="block")
    page = context.new_page()
    page.goto(server.url + "/share")
    create_journal(page)
    write_private_answers(page, server)
    results = axe.run(page)
    assert results.violations_count == 0, results.generate_report()
    pair(page, code)
    compose_and_preview(page, "A clean note.")
    page.locator("[data-preview-text]").wait_for()
    results = axe.run(page)
    assert results.violations_count == 0, results.generate_report()
    page.get_by_role("button", name="Send to my supervisor").click()
    page.locator(".outbox-item[data-status=sent]").wait_for()
    context.close()
    supervisor.reload()
    expect(supervisor.locator(".shared-text")).to_have_count(1)
    results = axe.run(supervisor)  # the dashboard with the summary; the sign-in page (signed out) is in test_accessibility
    assert results.violations_count == 0, results.generate_report()


def test_an_empty_summary_is_refused_with_a_message(server, supervisor, page):
    page.goto(server.url + "/share")
    create_journal(page)
    pair(page, make_pairing_code(supervisor))
    page.get_by_role("button", name="Check and preview").click()
    alert = page.locator("[data-compose-error]")
    expect(alert).to_have_text("Choose something to include, or write a note, first.")
    preview = page.locator("[data-preview]")
    expect(preview).to_have_count(1)  # it exists, so hidden means hidden
    expect(preview).to_be_hidden()


def test_pairing_keeps_no_name_in_clear_on_the_phone(server, supervisor, page):
    from .live import DUMP_STORAGE
    page.goto(server.url + "/share")
    expect(page.locator("[data-pair-locked]")).to_be_visible()  # no journal yet: unlock (or set up) to pair
    create_journal(page)
    expect(page.get_by_label("Pairing code")).to_be_visible()
    pair(page, make_pairing_code(supervisor), name="Samira-Jones")
    journal(page, "lock")
    expect(page.locator("[data-paired-locked]")).to_be_visible()
    expect(page.locator("[data-supervisor-name]")).to_be_empty()
    stored = page.evaluate(DUMP_STORAGE)
    assert '"token"' in stored, "the pairing record was not dumped, so this check would prove nothing"
    assert "Samira-Jones" not in stored and "Morag" not in stored
    unlock_in_page(page)
    expect(page.get_by_text("Paired with Morag as Samira-Jones")).to_be_visible()
