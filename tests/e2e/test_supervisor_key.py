"""The supervisor's own key (issue 10): made in their browser, unlocked with their password, the only thing that
opens a summary. Phones here are played by Python speaking the API, so these tests need no phone page."""
import json
import re
import subprocess
import sys
import urllib.request
import uuid

import pytest
from playwright.sync_api import expect

from pwa.seal import KEY_FOLDER, Keyring, SealError, key_check, seal_summary, seal_v2, thumbprint
from pwa.store import Store

from .conftest import EMAIL, SUPERVISOR_PASSWORD, sign_in_supervisor


def api(server, method, path, body=None, token=None):
    request = urllib.request.Request(server.url + path, method=method, data=body and json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json",
                                              **({"Authorization": f"Bearer {token}"} if token else {})})
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as refused:
        return refused.code, json.loads(refused.read() or b"{}")


class Phone:
    """A paired phone, as seal.js and pairing.js behave: checks the key against the code, seals v2."""

    def __init__(self, server, code16: str, name="Sam"):
        code = code16.replace("-", "")
        status, body = api(server, "POST", "/api/pair", {"code": code[:8], "display_name": name})
        assert status == 201, body
        assert key_check(code[:8], body["recipient_key"]["jwk"]) == code[8:], "the server's key is not the supervisor's"
        self.server, self.token, self.device_id = server, body["device_token"], body["device_id"]
        self.jwk = body["recipient_key"]["jwk"]

    def seal(self, text, device_id=None):
        summary = {"v": 2, "display_name": "Sam", "text": text, "created": "2026-11-28T21:30:00.000Z"}
        return seal_v2(self.jwk, device_id or self.device_id, json.dumps(summary).encode())

    def send(self, envelope):
        return api(self.server, "PUT", f"/api/summaries/{uuid.uuid4()}", envelope, self.token)


def make_code(page) -> str:
    page.get_by_role("button", name="Make a pairing code").click()
    code = page.locator(".pairing-code")
    expect(code).to_have_text(re.compile(r"^([2-9A-HJKMNP-Z]{4}-){3}[2-9A-HJKMNP-Z]{4}$"))
    text = code.inner_text()
    page.get_by_role("link", name="Back to your summaries").click()
    return text


def everything_the_server_keeps(server) -> bytes:
    """Every byte of the instance folder and the server's log."""
    files = [p for p in server.instance.rglob("*") if p.is_file()] + [server.log]
    return b"".join(p.read_bytes() for p in files)


def test_a_summary_opens_only_in_the_supervisors_browser(server, supervisor, browser):
    """The server stores and serves the envelope; its folder, log and answers never hold the text."""
    bodies = []

    def keep(route):
        response = route.fetch()
        bodies.append(response.body())
        route.fulfill(response=response)
    supervisor.route("**/*", keep)
    phone = Phone(server, make_code(supervisor))
    text = "Night shift on Rowan ward: I want to talk about boundaries."
    assert phone.send(phone.seal(text))[0] == 201
    supervisor.reload()
    expect(supervisor.locator(".shared-text")).to_have_text(text)
    expect(supervisor.locator("h4 [data-heading]")).to_have_text(re.compile(r"^Written Sat 28 November 2026, 21:30$"))
    supervisor.unroute_all(behavior="wait")  # a fetch still in flight (the icon) finishes here, not after the test
    assert bodies and not any(b"Rowan" in body for body in bodies)  # every answer the server gave
    assert b"Rowan" not in everything_the_server_keeps(server)
    # No server-side key opens it: the instance holds no private key for it at all.
    assert not (server.instance / KEY_FOLDER).exists()
    stored = Store(server.instance / "store").summaries_for_supervisor(
        Store(server.instance / "store").supervisor_by_email(EMAIL)["id"])[0]
    assert stored["envelope"]["kid"] == thumbprint(phone.jwk)
    with pytest.raises(SealError) as refused:  # the only server-side opener there is, on the whole instance folder
        Keyring.open(server.instance / KEY_FOLDER).unseal(stored["envelope"])
    assert refused.value.reason == "not_server_key"
    # What the tab keeps to stay unlocked is sealed too.
    kept = supervisor.evaluate("sessionStorage.getItem('alongside-supervisor-key')")
    assert kept and '"d"' not in kept and phone.jwk["x"] not in kept


def test_a_copy_sent_on_from_another_phone_does_not_open_as_theirs(server, supervisor):
    sam = Phone(server, make_code(supervisor), "Sam")
    jo = Phone(server, make_code(supervisor), "Jo")
    copied = sam.seal("Sam's own words")
    assert jo.send(copied)[1]["error"] == "wrong_device"  # refused by the server...
    assert jo.send({**copied, "did": jo.device_id})[0] == 201  # ...and relabelled, by the supervisor's browser
    supervisor.reload()
    jo_section = supervisor.locator(".shared-person", has=supervisor.get_by_role("heading", name="Jo"))
    expect(jo_section.locator("[data-problem]")).to_contain_text("could not be opened with your key")
    expect(jo_section.locator(".shared-text")).to_be_hidden()
    expect(supervisor.get_by_role("link", name=re.compile("Delete"))).to_have_count(1)


def test_a_new_tab_asks_for_the_password_once_and_a_wrong_one_is_refused(server, supervisor):
    phone = Phone(server, make_code(supervisor))
    phone.send(phone.seal("Opened in the second tab"))
    tab = supervisor.context.new_page()  # sessionStorage is the tab's own
    tab.goto(server.url + "/supervise/")
    expect(tab.locator(".shared-text")).to_contain_text("Sealed")
    tab.get_by_label("Your password").fill("not the password at all")
    tab.get_by_role("button", name="Unlock").click()
    expect(tab.locator("#key-error")).to_contain_text("does not open your key")
    tab.get_by_label("Your password").fill(SUPERVISOR_PASSWORD)
    tab.get_by_role("button", name="Unlock").click()
    expect(tab.locator(".shared-text")).to_have_text("Opened in the second tab")
    tab.reload()  # the same tab stays unlocked
    expect(tab.locator(".shared-text")).to_have_text("Opened in the second tab")
    expect(tab.get_by_label("Your password")).to_be_hidden()


def reset_link(server, email=EMAIL) -> str:
    out = subprocess.run([sys.executable, "-m", "pwa.cli", "supervisor", "link", email, "--base-url", server.url,
                          "--instance", str(server.instance)], capture_output=True, text=True, check=True,
                         env=server.env_for_cli()).stdout
    return re.search(r"http\S+/supervise/setup/\S+", out).group(0)


def set_password(page, link, password, recovery=None):
    page.goto(link)
    page.get_by_label("New password").fill(password)
    page.get_by_label("The same password again").fill(password)
    if recovery is not None:
        page.get_by_role("textbox", name=re.compile("Your recovery code")).fill(recovery)
    page.get_by_role("button", name="Set password and sign in").click()


def test_a_reset_with_the_recovery_code_keeps_the_key_and_one_without_makes_a_new_one(server, supervisor, browser):
    phone = Phone(server, make_code(supervisor))
    phone.send(phone.seal("Sent before the reset"))
    context = browser.new_context(service_workers="block")
    page = context.new_page()
    set_password(page, reset_link(server), "a brand new long password", recovery=supervisor.recovery_code.lower())
    expect(page.locator(".shared-text")).to_have_text("Sent before the reset")  # same key: still opens
    assert phone.send(phone.seal("Sent after a kept key"))[0] == 201

    set_password(page, reset_link(server), "another new long password")  # no recovery code: a new key
    page.get_by_role("button", name="I have kept it safe: continue").click()
    expect(page.get_by_text("sealed to your previous key")).to_have_count(2)
    status, refused = phone.send(phone.seal("Sent to the old key"))
    assert status == 422 and refused["error"] == "key_changed"
    new_phone = Phone(server, make_code(page))
    assert new_phone.send(new_phone.seal("Sealed to the new key"))[0] == 201
    page.reload()
    expect(page.locator(".shared-text:visible")).to_have_text(["Sealed to the new key"])
    context.close()


def test_v1_summaries_from_before_the_upgrade_are_readable_after_it_and_the_servers_keys_go(make_server, tmp_path, browser):
    instance = tmp_path / "instance-0"  # make_server's first instance, made here as an older version left it
    keyring = Keyring.open(instance / KEY_FOLDER, create=True)
    store = Store(instance / "store")
    person = store.create_supervisor(EMAIL, "Morag", SUPERVISOR_PASSWORD)
    code, _ = store.create_pairing_code(person["id"], 1)
    device, _, _ = store.redeem_pairing_code(code, "Sam")
    recipient = keyring.recipient()
    old = json.dumps({"v": 1, "text": "Sealed to the server, before", "created": "2025-05-01T09:30:00.000Z"})
    store.put_summary(device, str(uuid.uuid4()), seal_summary(recipient["jwk"], recipient["kid"], old.encode()))
    server = make_server()
    assert server.instance == instance
    page = browser.new_context(service_workers="block").new_page()
    code = sign_in_supervisor(page, server.url)  # the first sign-in makes the key and re-seals
    assert code and re.fullmatch(r"([0-9A-HJKMNP-TV-Z]{4}-){5}[0-9A-HJKMNP-TV-Z]{4}", code)
    expect(page.locator(".shared-text")).to_have_text("Sealed to the server, before")
    assert not (instance / KEY_FOLDER).exists()
    assert all(s["envelope"]["v"] == 2 for s in Store(instance / "store").summaries_for_supervisor(person["id"]))


def test_nothing_a_summary_holds_can_break_the_page(server, supervisor):
    phone = Phone(server, make_code(supervisor))
    markup = "<img src=x onerror=\"document.title='owned'\"><b>bold</b>\n& a second line"
    phone.send(phone.seal(markup))
    odd = json.dumps({"v": 2, "text": "x", "created": "2026-11-28T21:30:00.000Z", "patient": "Mr X, bed 4"})
    phone.send(seal_v2(phone.jwk, phone.device_id, odd.encode()))
    not_json = seal_v2(phone.jwk, phone.device_id, b"\xff not json")
    phone.send(not_json)
    supervisor.reload()
    expect(supervisor.locator(".shared-text:visible")).to_have_text([markup])  # as text, line break kept
    assert supervisor.locator(".shared-text img, .shared-text b").count() == 0
    assert supervisor.title() != "owned"
    expect(supervisor.get_by_text("not in a form Alongside can show")).to_have_count(2)
    expect(supervisor.get_by_text("Patient")).to_have_count(0)
    expect(supervisor.get_by_role("link", name=re.compile("^Delete"))).to_have_count(3)
