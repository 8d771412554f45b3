"""A worker shares a short summary with their supervisor, written with no signal, and nothing else.

Summaries are sealed on the phone to the supervisor's own key (envelope v2, pwa/seal.py). The journey uses
the supervisor's browser (it makes their key, shows the 16-character code and opens summaries); the other
tests give the supervisor a key made in Python (tests.conftest.supervisor_key), make the code as their
browser does (the server's 8 characters and the key check), and open what the phone sent with the private key.
"""
import json
import re
from types import SimpleNamespace

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from playwright.sync_api import expect

from pwa import seal
from pwa.store import Store
from tests.conftest import supervisor_key

from .conftest import EMAIL, axe_problems, create_journal, journal, unlock_in_page, wait_offline_ready
from .live import DUMP_STORAGE
from .test_supervisor_key import make_code as make_pairing_code  # the code the supervisor's browser shows

PRIVATE = "PRIVATE-ANSWER-7f3a"  # typed into the journal; must never leave the phone
NOTE = "I want to talk about how Louise's calls leave me drained"
MISMATCH = "The key the server gave does not match your supervisor's code. Nothing was paired."
MODULE = """async ([module, name, args]) => {
    const main = document.querySelector("script[type=module][src*='/js/offline.js']").src;
    const m = await import(main.replace("/js/offline.js", `/js/${module}.js`));
    return m[name](...args);
}"""


def call(page, module, name, *args):
    """Call an export of static/js/<module>.js in the page."""
    return page.evaluate(MODULE, [module, name, list(args)])


@pytest.fixture
def keyed(server):
    """The server's supervisor with a key pair (as their browser will make it), and their store."""
    store = Store(server.instance / "store")
    person = store.supervisor_by_email(EMAIL)
    private, record = supervisor_key()
    assert store.set_supervisor_key(person["id"], record)
    return SimpleNamespace(store=store, id=person["id"], private=private, jwk=record["jwk"])


def code_for(keyed, jwk=None) -> str:
    """The 16 characters the supervisor reads out: the server's code, then the check of their key."""
    code, _ = keyed.store.create_pairing_code(keyed.id, 24)
    whole = code + seal.key_check(code, jwk or keyed.jwk)
    return "-".join(whole[i:i + 4] for i in range(0, 16, 4))


def opened(keyed) -> list[str]:
    """The text of every summary the server holds for the supervisor, opened as their browser does."""
    texts = []
    for stored in keyed.store.summaries_for_supervisor(keyed.id):
        envelope = seal.parse_envelope(stored["envelope"], versions=(2,))
        texts.append(seal.parse_summary(seal.open_with(keyed.private, envelope, stored["device_id"]), 2)["text"])
    return texts


def record_requests(context) -> list[str]:
    seen = []

    def keep(request):
        body = request.post_data_buffer or b""
        seen.append(f"{request.method} {request.url} {request.headers} {body.decode('utf-8', 'replace')}")

    context.on("request", keep)
    return seen


def write_private_answers(page):
    """The worker answers 2.13 and writes a note for supervision in 2.15, plus a private answer."""
    journal(page, "saveAnswer", {"activity": "2.1", "field": "personality", "value": PRIVATE, "revision": 1})
    journal(page, "saveAnswer", {"activity": "2.15", "field": "what_to_say", "value": PRIVATE, "revision": 1})
    journal(page, "saveAnswer", {"activity": "2.15", "field": "__supervision", "value": NOTE, "revision": 1})
    journal(page, "saveAnswer", {"activity": "2.13", "field": "supervisor_honesty", "value": 7, "revision": 1})
    journal(page, "saveAnswer", {"activity": "2.0", "field": "__status", "value": "done", "revision": 1})


def fill_pairing(page, code, name="SJ"):
    page.get_by_label("Pairing code").fill(code)
    page.get_by_label("Your name, as your supervisor will see it").fill(name)
    page.get_by_role("button", name="Pair", exact=True).click()


def pair(page, code, name="SJ"):
    fill_pairing(page, code, name)
    page.get_by_text(f"Paired with Morag as {name}").wait_for()


def compose_and_preview(page, cover: str):
    page.get_by_label("Which activities I have done").check()
    page.get_by_label(re.compile("Activity 2.15:")).check()
    page.get_by_label(re.compile("My answer to activity 2.13")).check()
    page.get_by_label("A note to your supervisor (optional)").fill(cover)
    page.get_by_role("button", name="Check and preview").click()


def send_note(page, cover: str):
    page.get_by_label("A note to your supervisor (optional)").fill(cover)
    page.get_by_role("button", name="Check and preview").click()
    page.get_by_role("button", name="Send to my supervisor").click()


def test_summary_written_offline_reaches_the_supervisor_exactly_as_previewed(server, supervisor, context, page):
    requests = record_requests(context)
    page.goto(server.url + "/share")
    wait_offline_ready(page)
    create_journal(page)
    write_private_answers(page)
    pair(page, make_pairing_code(supervisor).lower().replace("-", " "))  # typed as heard: case and spaces do not matter
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
    expect(shown).to_have_count(1)
    assert shown.inner_text() == sent_text, "the supervisor did not read exactly the preview"

    puts = [r for r in requests if r.startswith("PUT ") and "/api/summaries/" in r]
    assert puts and all('"ct"' in r and '"did"' in r for r in puts), \
        "the sealed PUT was not recorded, so this check would prove nothing"
    assert not [r for r in requests if PRIVATE in r], "a private answer left the phone"
    assert not [r for r in requests if NOTE in r or "patient's story" in r], "the summary left the phone unsealed"
    stored = page.evaluate(DUMP_STORAGE)
    assert '"alongside/outbox"' in stored and NOTE not in stored and "patient's story" not in stored

    page.get_by_role("button", name="Withdraw").click()
    page.locator(".outbox-item").wait_for(state="detached", timeout=30_000)
    supervisor.reload()
    expect(supervisor.locator(".shared-text")).to_have_count(0)


def test_the_outbox_forgets_a_summary_once_the_server_has_it_and_can_still_withdraw_it(server, keyed, page):
    page.goto(server.url + "/share")
    create_journal(page)
    pair(page, code_for(keyed))
    send_note(page, "Only this, once.")
    page.locator(".outbox-item[data-status=sent]").wait_for()
    [item] = call(page, "store", "outboxAll")
    assert set(item) <= {"id", "status", "createdAt", "sentAt"} and item["status"] == "sent", item
    assert item["createdAt"] <= item["sentAt"]
    assert "envelope" not in json.dumps(item) and "ct" not in item
    expect(page.locator(".outbox-item .preview-text")).to_have_text("Only this, once.")  # from the journal
    assert opened(keyed) == ["Only this, once."]
    page.get_by_role("button", name="Withdraw").click()
    page.locator(".outbox-item").wait_for(state="detached")
    assert opened(keyed) == [] and call(page, "store", "outboxAll") == []


def test_unpairing_removes_every_summary_from_the_server(server, keyed, page):
    page.goto(server.url + "/share")
    create_journal(page)
    write_private_answers(page)
    pair(page, code_for(keyed))
    for n, cover in enumerate(("First summary.", "Second summary.")):
        send_note(page, cover)
        expect(page.locator(".outbox-item[data-status=sent]")).to_have_count(n + 1)
    assert len(opened(keyed)) == 2
    page.get_by_role("button", name="Unpair this phone").click()
    page.get_by_role("button", name="Unpair and delete my summaries").click()
    page.get_by_label("Pairing code").wait_for()
    assert opened(keyed) == [] and keyed.store.devices_for_supervisor(keyed.id) == []
    assert call(page, "store", "getSetting", "pairing", None) is None
    expect(page.locator(".outbox-item")).to_have_count(0)


def test_a_key_swapped_by_the_server_at_pairing_is_refused_and_nothing_stays_paired(server, keyed, page):
    """A server (or anyone between) answers the pairing with another key: the phone's check catches it."""
    other = seal.public_jwk(ec.generate_private_key(ec.SECP256R1()).public_key())
    swapped = []

    def swap(route):
        response = route.fetch()
        body = response.json()
        body["recipient_key"] = {"jwk": other, "kid": seal.thumbprint(other)}
        swapped.append(body["device_id"])
        route.fulfill(response=response, json=body)

    page.route("**/api/pair", swap)
    page.goto(server.url + "/share")
    create_journal(page)
    fill_pairing(page, code_for(keyed))
    alert = page.locator("[data-pair-error]")
    expect(alert).to_contain_text(MISMATCH)
    expect(alert).to_contain_text("Tell your supervisor")
    assert swapped, "the pairing answer was not swapped, so this test would prove nothing"
    assert call(page, "store", "getSetting", "pairing", None) is None
    assert keyed.store.devices_for_supervisor(keyed.id) == [], "a half pairing stayed on the server"
    expect(page.locator("[data-compose]")).to_be_hidden()
    expect(page.get_by_label("Pairing code")).to_be_visible()

    page.unroute("**/api/pair")  # the real key, with a code whose check is of another key: refused too
    fill_pairing(page, code_for(keyed, jwk=other))
    expect(alert).to_contain_text(MISMATCH)
    assert keyed.store.devices_for_supervisor(keyed.id) == []


def test_a_short_or_mistyped_code_asks_for_the_whole_16_characters_before_anything_is_sent(server, context, page):
    requests = record_requests(context)
    page.goto(server.url + "/share")
    create_journal(page)
    alert = page.locator("[data-pair-error]")
    fill_pairing(page, "K7QM-4XPD")  # the old, 8-character code
    expect(alert).to_contain_text("only the first half of a code")
    expect(alert).to_contain_text("Type all 16, like K7QM-4XPD-R2TA-9QWF")
    fill_pairing(page, "K7QM-4XPD-R2TA")
    expect(alert).to_contain_text("That code has 12 characters")
    fill_pairing(page, "K7QM-4XPD-R2TA-9QW0")
    expect(alert).to_contain_text("no 0, 1, I, L or O")
    assert not [r for r in requests if "/api/pair" in r]


def test_pairing_offline_says_it_needs_a_connection(server, context, page):
    page.goto(server.url + "/share")
    wait_offline_ready(page)
    create_journal(page)
    context.set_offline(True)
    fill_pairing(page, "ABCD-EFGH-JKMN-PQRS")
    expect(page.locator("[data-pair-error]")).to_contain_text("Pairing needs a connection")


def test_a_wrong_pairing_code_shows_the_servers_message(server, keyed, page):
    page.goto(server.url + "/share")
    create_journal(page)
    fill_pairing(page, "ZZZZ-ZZZZ-ZZZZ-ZZZZ")
    expect(page.locator("[data-pair-error]")).to_contain_text("That pairing code was not found")


def test_a_supervisor_without_a_key_yet_is_named_as_the_reason(server, page):
    page.goto(server.url + "/share")
    create_journal(page)
    store = Store(server.instance / "store")
    code, _ = store.create_pairing_code(store.supervisor_by_email(EMAIL)["id"], 24)
    fill_pairing(page, code + "22222222")
    expect(page.locator("[data-pair-error]")).to_contain_text("Your supervisor has not finished setting up sharing")


def old_phone(page, keyed):
    """A phone paired before envelope v2: its record has no v or device id, one summary waits sealed as v1,
    one was sent; the texts are in the journal."""
    journal(page, "saveAnswer", {"activity": "__share", "field": "pairing",
                                 "value": {"supervisorName": "Morag", "displayName": "SJ"}})
    journal(page, "setSetting", "pairing", {"token": "a-token-from-before", "jwk": keyed.jwk,
                                            "kid": seal.thumbprint(keyed.jwk), "pairedAt": "2026-11-01T10:00:00.000Z"})
    v1 = {"v": 1, "kid": seal.thumbprint(keyed.jwk), "epk": keyed.jwk, "iv": "AAAAAAAAAAAAAAAA", "ct": "A" * 40}
    waiting, sent = "0b0d7ac3-4b8e-4a61-9f55-6d5f7e2a1c01", "0b0d7ac3-4b8e-4a61-9f55-6d5f7e2a1c02"
    for id_, text in ((waiting, "Written before the upgrade, not sent yet."), (sent, "Sent before the upgrade.")):
        journal(page, "saveAnswer", {"activity": "__share", "field": id_, "value": {"text": text, "created": "2026-11-02T10:00:00.000Z"}})
    call(page, "store", "outboxPut", {"id": waiting, "envelope": v1, "status": "queued", "created": "2026-11-02T10:00:00.000Z", "attempts": 0})
    call(page, "store", "outboxPut", {"id": sent, "envelope": v1, "status": "sent", "created": "2026-11-01T10:00:00.000Z",
                                      "sentAt": "2026-11-01T10:00:05.000Z", "attempts": 0, "error": ""})
    return waiting, sent


def test_a_phone_paired_before_the_upgrade_is_asked_to_pair_again_and_loses_nothing(server, keyed, page):
    page.goto(server.url + "/share")
    create_journal(page)
    waiting, sent = old_phone(page, keyed)
    page.reload()
    unlock_in_page(page)
    notice = page.locator("[data-pair-again]")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("This phone paired before that")
    expect(notice).to_contain_text("Nothing you wrote is lost")
    expect(page.locator("[data-compose]")).to_be_hidden()
    refused = page.locator(".outbox-item[data-status=refused]")
    expect(refused).to_contain_text("must pair again first")
    expect(refused).to_contain_text("Written before the upgrade, not sent yet.")
    expect(refused.get_by_role("button", name=re.compile("Send again"))).to_have_count(0)  # not before pairing
    expect(page.locator(".outbox-item[data-status=sent]")).to_contain_text("Sent before the upgrade.")
    held = {i["id"]: i for i in call(page, "store", "outboxAll")}
    assert "envelope" not in held[sent] and held[waiting]["envelope"]["v"] == 1  # sent: forgotten; waiting: kept

    pair(page, code_for(keyed))
    expect(notice).to_be_hidden()
    expect(page.locator("[data-compose]")).to_be_visible()
    held = {i["id"]: i for i in call(page, "store", "outboxAll")}
    assert held[sent]["token"] == "a-token-from-before"  # withdrawing it still speaks for the old pairing
    refused.get_by_role("button", name="Send again to Morag").click()
    expect(page.locator(".outbox-item[data-status=sent]")).to_have_count(2)
    assert opened(keyed) == ["Written before the upgrade, not sent yet."]


def test_a_summary_refused_because_the_supervisors_key_changed_asks_to_pair_again(server, keyed, page_without_worker):
    page = page_without_worker
    page.goto(server.url + "/share")
    create_journal(page)
    pair(page, code_for(keyed))
    page.route("**/api/summaries/*", lambda route: route.fulfill(status=422, json={
        "error": "key_changed", "message": "Your supervisor's key has changed since this phone paired."}))
    send_note(page, "Sealed for the old key.")
    expect(page.locator(".outbox-item[data-status=refused]")).to_contain_text("your supervisor's key has changed")
    expect(page.locator("[data-pair-again-key]")).to_be_visible()
    expect(page.locator("[data-compose]")).to_be_hidden()
    page.unroute("**/api/summaries/*")
    pair(page, code_for(keyed))
    expect(page.locator("[data-pair-again]")).to_be_hidden()
    page.get_by_role("button", name="Send again to Morag").click()
    page.locator(".outbox-item[data-status=sent]").wait_for()
    assert opened(keyed) == ["Sealed for the old key."]


def test_de_identification_check_flags_likely_identifiers(server, page):
    page.goto(server.url + "/share")
    found = call(page, "deidentify", "findIdentifiers", "Mrs Patel, CHI 0101901234, DOB 01/02/1990, bed 4, and nothing else")
    assert [f["kind"] for f in found] == ["name with a title", "CHI or NHS number", "date", "date", "bed or room"]
    dates = [[f["text"] for f in call(page, "deidentify", "findIdentifiers", text)]
             for text in ["seen on 14/03", "Tuesday 14 March", "the 14th March", "March 14th",
                          "Activity 2.15, Pacing: a note", "she may be tired"]]
    assert dates == [["14/03"], ["Tuesday 14 March"], ["14th March"], ["March 14th"], [], []]


def test_axe_finds_no_violations_on_every_share_page_state(server, keyed, page_without_worker):
    """Each state of the share page, in light and dark mode."""
    page = page_without_worker
    page.goto(server.url + "/share")
    create_journal(page)
    write_private_answers(page)
    problems = axe_problems(page, "unpaired")
    fill_pairing(page, code_for(keyed, jwk=seal.public_jwk(ec.generate_private_key(ec.SECP256R1()).public_key())))
    expect(page.locator("[data-pair-error]")).to_contain_text(MISMATCH)
    problems += axe_problems(page, "the key does not match")
    old_phone(page, keyed)
    page.reload()
    unlock_in_page(page)
    expect(page.locator("[data-pair-again]")).to_be_visible()
    expect(page.locator(".outbox-item[data-status=refused]")).to_be_visible()
    problems += axe_problems(page, "pair again, a refused and a sent summary")
    pair(page, code_for(keyed))
    compose_and_preview(page, "A clean note.")
    page.locator("[data-preview-text]").wait_for()
    problems += axe_problems(page, "the preview")
    page.get_by_role("button", name="Send to my supervisor").click()
    expect(page.locator(".outbox-item[data-status=sent]")).to_have_count(2)
    problems += axe_problems(page, "two sent")
    assert not problems, "\n\n".join(problems)


def test_an_empty_summary_is_refused_with_a_message(server, keyed, page):
    page.goto(server.url + "/share")
    create_journal(page)
    pair(page, code_for(keyed))
    page.get_by_role("button", name="Check and preview").click()
    alert = page.locator("[data-compose-error]")
    expect(alert).to_have_text("Choose something to include, or write a note, first.")
    preview = page.locator("[data-preview]")
    expect(preview).to_have_count(1)  # it exists, so hidden means hidden
    expect(preview).to_be_hidden()


def test_pairing_keeps_no_name_or_summary_in_clear_on_the_phone(server, keyed, page_without_worker):
    page = page_without_worker
    page.goto(server.url + "/share")
    expect(page.locator("[data-pair-locked]")).to_be_visible()  # no journal yet: unlock (or set up) to pair
    create_journal(page)
    expect(page.get_by_label("Pairing code")).to_be_visible()
    pair(page, code_for(keyed), name="Samira-Jones")
    page.route("**/api/summaries/*", lambda route: route.abort())  # it waits in the outbox, sealed
    send_note(page, "Waiting quietly 5c1e.")
    page.locator(".outbox-item[data-status=queued]").wait_for()
    journal(page, "lock")
    expect(page.locator("[data-paired-locked]")).to_be_visible()
    expect(page.locator("[data-supervisor-name]")).to_be_empty()
    stored = page.evaluate(DUMP_STORAGE)
    assert '"token"' in stored and '"ct"' in stored, "the pairing record and outbox were not dumped"
    assert "Samira-Jones" not in stored and "Morag" not in stored and "5c1e" not in stored
    unlock_in_page(page)
    expect(page.get_by_text("Paired with Morag as Samira-Jones")).to_be_visible()


def test_a_paired_phone_locked_offers_one_unlock_that_stays_put(server, keyed, page):
    """lock.js and share.js both draw the locked page: however often lock.js redraws, a paired phone is
    not told to "unlock to pair", and the Unlock being tapped is not swapped for another."""
    page.goto(server.url + "/share")
    create_journal(page)
    pair(page, code_for(keyed))
    page.reload()
    unlock = page.locator("[data-compose-locked] button.unlock")
    expect(unlock).to_be_visible()
    page.evaluate("() => { window.__unlock = document.querySelector('[data-compose-locked] button.unlock'); }")
    for _ in range(3):  # as nav.js does after a page swap
        page.evaluate("dispatchEvent(new Event('alongside:navigated'))")
    expect(page.locator("[data-pair-locked]")).to_be_hidden()
    expect(page.locator("[data-locked-note] button.unlock:visible")).to_have_count(1)
    assert page.evaluate("window.__unlock === document.querySelector('[data-compose-locked] button.unlock')")
    unlock_in_page(page)
    expect(page.get_by_text("Paired with Morag as SJ")).to_be_visible()
