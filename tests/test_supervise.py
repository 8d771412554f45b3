"""Supervisor pages: sign in, read shared summaries, pair and revoke phones; all without JavaScript."""
import html
import json
import re
import uuid
from pathlib import Path

import pytest

from pwa import create_app
from pwa.seal import SealError, open_with, parse_envelope
from pwa.store import get_store
from tests.conftest import BACKENDS, MINI_PACK, AuthActions, pair_device, supervisor_key

tinydb_only = pytest.mark.parametrize("backend", ["tinydb"])  # tests that edit the TinyDB files


@pytest.fixture(params=BACKENDS)
def backend(request):
    """The pages are tested with their data in TinyDB files and in PostgreSQL."""
    return request.param


def new_id():
    return str(uuid.uuid4())


def page_of(response):
    return response.get_data(as_text=True)


def opened(page: str, auth) -> list[str]:
    """The summaries' texts as the supervisor's browser shows them: each data-envelope opened, in page order,
    with the device id the page files it under (what static/js/supervisor.js does; tests/e2e checks that)."""
    texts = []
    for envelope, device_id in re.findall(r'data-envelope="([^"]+)" data-device="([0-9a-f]+)"', page):
        envelope = parse_envelope(json.loads(html.unescape(envelope)))
        for private in auth.private_keys.values():
            try:
                texts.append(json.loads(open_with(private, envelope, device_id))["text"])
                break
            except SealError:
                continue
        else:
            texts.append(None)
    return texts


# Signing in and out

def test_sign_in_page_has_labelled_fields_and_one_heading(client):
    page = page_of(client.get("/supervise/login"))
    assert page.count("<h1") == 1
    assert '<label for="email">' in page and '<label for="password">' in page
    assert 'name="csrf_token"' in page
    assert "style=" not in page and "<script>" not in page


def test_dashboard_asks_for_sign_in(client):
    response = client.get("/supervise/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/supervise/login")


def test_signing_in_opens_the_dashboard(client, auth):
    auth.create()
    response = auth.login()
    assert response.status_code == 302 and response.headers["Location"].endswith("/supervise/")
    page = page_of(client.get("/supervise/"))
    assert "Signed in as Ann (ann@example.org)" in page
    assert page.count("<h1") == 1


def test_wrong_password_is_refused_with_a_message(client, auth):
    auth.create()
    response = auth.login(password="not the right one")
    assert response.status_code == 401
    assert "do not match an account" in page_of(response)
    assert client.get("/supervise/").status_code == 302


def test_session_cookie_is_httponly_and_samesite_lax(client, auth):
    auth.create()
    cookie = auth.login().headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain http in tests and development


def test_session_cookie_is_secure_outside_development(tmp_path):
    app = create_app({"TESTING": True, "CONTENT": str(MINI_PACK), "SECURE_COOKIES_IN_TESTS": True},
                     instance_path=tmp_path / "instance")
    auth = AuthActions(app, app.test_client())
    auth.create()
    with app.test_request_context(base_url="https://alongside.example.org"):
        assert app.session_interface.get_cookie_secure(app) is True
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_signing_in_starts_a_fresh_session(client, auth):
    auth.create()
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
    auth.login()
    with client.session_transaction() as session:
        assert "planted" not in session and session["supervisor_id"]


def test_signing_out_ends_the_session(client, auth):
    auth.create()
    auth.login()
    response = auth.logout()
    assert response.status_code == 302
    assert client.get("/supervise/").status_code == 302
    assert "You are signed out." in page_of(client.get("/supervise/login"))


def test_sign_in_is_rate_limited(client, auth):
    auth.create()
    token = auth.form_token()
    for _ in range(10):
        client.post("/supervise/login", data={"email": "ann@example.org", "password": "guess guess guess",
                                              "csrf_token": token})
    response = client.post("/supervise/login", data={"email": "ann@example.org",
                                                     "password": "a long enough password", "csrf_token": token})
    assert response.status_code == 429
    assert "Wait a minute" in page_of(response)


def test_form_without_csrf_token_is_refused(client, auth):
    auth.create()
    response = client.post("/supervise/login", data={"email": "ann@example.org",
                                                     "password": "a long enough password"})
    assert response.status_code == 400
    assert "did not come from this site" in page_of(response)
    assert client.get("/supervise/").status_code == 302


def test_signed_in_forms_need_the_csrf_token_too(app, client, auth, paired_device):
    summary_id = new_id()
    paired_device.put(summary_id)
    auth.login()
    response = client.post(f"/supervise/summaries/{summary_id}/delete")
    assert response.status_code == 400 and "nothing was changed" in page_of(response)
    response = client.post(f"/supervise/summaries/{summary_id}/delete", data={"csrf_token": "forged"})
    assert response.status_code == 400
    assert paired_device.status().get_json()["summary_ids"] == [summary_id]


def test_forms_work_over_https_where_browsers_send_no_referrer(tmp_path):
    app = create_app({"TESTING": True, "CONTENT": str(MINI_PACK), "SECURE_COOKIES_IN_TESTS": True},
                     instance_path=tmp_path / "instance")
    client = app.test_client()
    AuthActions(app, client).create()
    page = client.get("/supervise/login", base_url="https://alongside.example.org").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post("/supervise/login", base_url="https://alongside.example.org", data={
        "email": "ann@example.org", "password": "a long enough password", "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)


def test_api_is_exempt_from_csrf(paired_device):
    assert paired_device.put(new_id()).status_code == 201


# Reading summaries

def test_dashboard_shows_summaries_newest_first(client, auth, paired_device):
    for text in ("First summary", "Second summary", "Third summary"):
        paired_device.put(new_id(), paired_device.seal(text))
    auth.login()
    page = page_of(client.get("/supervise/"))
    assert opened(page, auth) == ["Third summary", "Second summary", "First summary"]
    assert "Third summary" not in page  # sealed: only the browser opens it
    assert "3 summaries, 3 not yet discussed" in page


def test_a_summary_reaches_the_page_only_as_its_sealed_envelope(client, auth, paired_device):
    envelope = paired_device.seal("<script>alert('x')</script>\n<b>bold</b> & more")
    paired_device.put(new_id(), envelope)
    auth.login()
    page = page_of(client.get("/supervise/"))
    assert "alert(" not in page and "bold" not in page
    assert opened(page, auth) == ["<script>alert('x')</script>\n<b>bold</b> & more"]
    attribute = re.search(r'data-envelope="([^"]+)"', page).group(1)
    assert json.loads(html.unescape(attribute)) == envelope and "<" not in attribute and "'" not in attribute


def test_dashboard_is_not_cached(client, auth):
    auth.create()
    auth.login()
    assert client.get("/supervise/").headers["Cache-Control"] == "no-store"


def test_marking_a_summary_discussed_and_back(client, auth, paired_device):
    summary_id = new_id()
    paired_device.put(summary_id)
    auth.login()
    response = auth.post(f"/supervise/summaries/{summary_id}/discussed", {"discussed": "1"})
    assert response.status_code == 302
    page = page_of(client.get("/supervise/"))
    assert "Marked as discussed." in page and "Mark as not yet discussed" in page
    auth.post(f"/supervise/summaries/{summary_id}/discussed", {"discussed": "0"})
    assert "Not yet discussed" in page_of(client.get("/supervise/"))


def test_deleting_a_summary(client, auth, paired_device):
    summary_id = new_id()
    paired_device.put(summary_id, paired_device.seal("To be deleted"))
    auth.login()
    assert auth.post(f"/supervise/summaries/{summary_id}/delete").status_code == 302
    page = page_of(client.get("/supervise/"))
    assert "Summary deleted." in page and opened(page, auth) == []
    assert paired_device.status().get_json()["summary_ids"] == []
    assert auth.post(f"/supervise/summaries/{summary_id}/delete").status_code == 404


# Pairing and revoking

def test_making_a_pairing_code_shows_it_grouped_with_its_expiry(app, client, auth):
    auth.create()
    auth.login()
    response = auth.post("/supervise/codes")
    assert response.status_code == 200
    page = page_of(response)
    code = re.search(r'data-code="([2-9A-HJKMNP-Z]{8})"', page).group(1)
    assert re.search(r'class="pairing-code"[^>]*>' + code[:4] + "-" + code[4:] + "-••••-••••<", page)
    assert "It works once, until <strong>" in page and "(24 hours)" in page
    paired = client.post("/api/pair", json={"code": code.lower(), "display_name": "Sam"})
    assert paired.status_code == 201 and paired.get_json()["supervisor_name"] == "Ann"
    assert "Sam" in page_of(client.get("/supervise/"))


def test_revoking_a_supervisee_stops_their_phone(client, auth, paired_device):
    paired_device.put(new_id(), paired_device.seal("Shared before revoking"))
    auth.login()
    device_id = re.search(r'/supervise/devices/([0-9a-f]+)/revoke', page_of(client.get("/supervise/"))).group(1)
    confirm = page_of(client.get(f"/supervise/devices/{device_id}/revoke"))
    assert "Stop sharing with Sam?" in confirm and "the 1 summary the server holds" in confirm
    response = auth.post(f"/supervise/devices/{device_id}/revoke")
    assert response.status_code == 302
    page = page_of(client.get("/supervise/"))
    assert "stopped sharing with Sam" in page and opened(page, auth) == []
    refused = paired_device.put(new_id())
    assert refused.status_code == 401 and refused.get_json()["error"] == "device_revoked"


# Supervisors are kept apart

def test_supervisor_cannot_read_another_supervisors_summaries(app, client, auth):
    auth.create()
    bob = auth.create("bob@example.org", "Bob", "bobs long password")
    to_bob = pair_device(app, client, bob, display_name="Quinn")
    summary_id = new_id()
    to_bob.put(summary_id, to_bob.seal("Only for Bob"))
    auth.login()
    page = page_of(client.get("/supervise/"))
    assert opened(page, auth) == [] and "data-envelope" not in page and "Quinn" not in page
    for path, data in ((f"/supervise/summaries/{summary_id}/delete", {}),
                       (f"/supervise/summaries/{summary_id}/discussed", {"discussed": "1"})):
        assert auth.post(path, data).status_code == 404
    device_id = get_device_id(app, to_bob)
    assert client.get(f"/supervise/devices/{device_id}/revoke").status_code == 404
    assert auth.post(f"/supervise/devices/{device_id}/revoke").status_code == 404
    assert to_bob.status().get_json()["summary_ids"] == [summary_id]
    auth.logout()
    auth.login("bob@example.org", "bobs long password")
    assert opened(page_of(client.get("/supervise/")), auth) == ["Only for Bob"]


def get_device_id(app, device):
    with app.app_context():
        return get_store().device_for_token(device.token)["id"]


# Setting a password from a one-time link

@pytest.fixture
def setup_link(app, auth):
    with app.app_context():
        store = get_store()
        person = store.create_supervisor("new@example.org", "Nia")
        return "/supervise/setup/" + store.create_setup_link(person["id"], 72)


def test_setup_link_sets_a_password_and_the_key_and_signs_in(app, client, auth, setup_link):
    page = page_of(client.get(setup_link))
    assert "Hello Nia" in page and '<label for="confirm">' in page and 'name="key"' in page
    assert 'id="recovery"' not in page  # no key yet: nothing to keep
    _, key = supervisor_key()
    response = client.post(setup_link, data={"password": "twelve chars ok", "confirm": "twelve chars ok",
                                             "key": json.dumps(key), "csrf_token": auth.form_token(setup_link)})
    assert response.status_code == 302
    assert "Your password is set" in page_of(client.get("/supervise/"))
    assert client.get(setup_link).status_code == 404  # used
    with app.app_context():
        assert get_store().supervisor_by_email("new@example.org")["key"] == key


def test_setup_answers_supervisor_js_with_the_unlock_key_of_the_new_session(client, auth, setup_link):
    _, key = supervisor_key()
    response = client.post(setup_link, headers={"Accept": "application/json"}, data={
        "password": "twelve chars ok", "confirm": "twelve chars ok", "key": json.dumps(key),
        "csrf_token": auth.form_token(setup_link)})
    body = response.get_json()
    assert response.status_code == 200 and body["next"] == "/supervise/" and body["key"] == key
    with client.session_transaction() as session:
        assert body["unlock"] == session["unlock"] and len(session["unlock"]) >= 43
    page = page_of(client.get("/supervise/"))
    assert f'data-unlock="{body["unlock"]}"' in page


@pytest.mark.parametrize("key", ["", "{}", "not json"])
def test_setup_without_a_key_from_the_browser_says_javascript_is_needed(client, auth, setup_link, key):
    response = client.post(setup_link, data={"password": "twelve chars ok", "confirm": "twelve chars ok", "key": key,
                                             "csrf_token": auth.form_token(setup_link)})
    assert response.status_code == 400
    assert "JavaScript" in page_of(response) or "not one this server can keep" in page_of(response)
    assert client.get(setup_link).status_code == 200  # still usable


@pytest.mark.parametrize("password, confirm, message", [
    ("short", "short", "at least 12 characters"),
    ("twelve chars ok", "twelve chars no", "do not match"),
])
def test_setup_link_checks_the_password(client, auth, setup_link, password, confirm, message):
    response = client.post(setup_link, data={"password": password, "confirm": confirm,
                                             "csrf_token": auth.form_token(setup_link)})
    assert response.status_code == 400 and message in page_of(response)


def test_unknown_setup_link_says_what_to_do(client):
    response = client.get("/supervise/setup/nonsense")
    assert response.status_code == 404 and "Ask your administrator" in page_of(response)


# Pages are plain HTML that the strict CSP allows

def test_supervisor_pages_have_no_inline_script_or_style(client, auth, paired_device):
    paired_device.put(new_id())
    pages = [client.get("/supervise/login")]
    auth.login()
    pages += [client.get("/supervise/"), auth.post("/supervise/codes")]
    device_id = re.search(r'/supervise/devices/([0-9a-f]+)/revoke', page_of(pages[1])).group(1)
    pages.append(client.get(f"/supervise/devices/{device_id}/revoke"))
    for response in pages:
        page = page_of(response)
        assert page.count("<h1") == 1
        assert " style=" not in page and "<style" not in page
        assert not re.search(r"<script(?![^>]*\bsrc=)", page)
        assert "default-src 'self'" in response.headers["Content-Security-Policy"]
        assert '<main id="main"' in page


# Hardening (issue #9)

def plant(app, device, summary_id, envelope):
    """Store a summary straight into the store, as an older server (or a damaged disk) may have left it."""
    with app.app_context():
        store = get_store()
        store.put_summary(store.device_for_token(device.token), summary_id, envelope)


def damage_summary(app, supervisor_id, summary_id, drop):
    """Remove fields from a stored summary, as a hand edit or a bad restore might."""
    path = Path(app.instance_path) / "store" / "summaries" / f"{supervisor_id}.json"
    data = json.loads(path.read_text())
    for name in drop:
        del data["summaries"][summary_id][name]
    path.write_text(json.dumps(data))


@pytest.mark.parametrize("created", ["0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z"])
def test_a_summary_stored_with_an_impossible_time_cannot_break_the_dashboard(app, client, auth, paired_device,
                                                                              created):
    summary_id = new_id()
    plant(app, paired_device, summary_id, paired_device.seal("From a phone with its clock wrong", created=created))
    auth.login()
    response = client.get("/supervise/")
    assert response.status_code == 200
    page = page_of(response)
    assert opened(page, auth) == ["From a phone with its clock wrong"]  # the browser shows the time it can
    assert f"/supervise/summaries/{summary_id}/delete" in page


@pytest.mark.parametrize("drop", [["envelope"], ["received"], ["device_id"], ["discussed", "received", "envelope"]])
@tinydb_only
def test_a_damaged_summary_is_shown_as_such_and_can_still_be_deleted(app, client, auth, paired_device, caplog, drop):
    good, bad = new_id(), new_id()
    paired_device.put(good, paired_device.seal("The summary that is fine"))
    paired_device.put(bad, paired_device.seal("The damaged one"))
    damage_summary(app, paired_device.supervisor["id"], bad, drop)
    auth.login()
    response = client.get("/supervise/")
    assert response.status_code == 200
    page = page_of(response)
    assert opened(page, auth) == ["The summary that is fine"] and "could not be shown" in page
    assert f"/supervise/summaries/{bad}/delete" in page
    assert any(bad in r.getMessage() and "Damaged" in r.getMessage() for r in caplog.records)
    assert auth.post(f"/supervise/summaries/{bad}/delete").status_code == 302
    assert "could not be shown" not in page_of(client.get("/supervise/"))


def test_a_summary_sealed_to_a_previous_key_says_so_and_can_be_deleted(app, client, auth, paired_device):
    summary_id = new_id()
    paired_device.put(summary_id, paired_device.seal("Sealed before the reset"))
    with app.app_context():  # a password reset without the recovery code: a new key pair
        store = get_store()
        link = store.create_setup_link(paired_device.supervisor["id"], 1)
        store.redeem_setup_link(link, "a long enough password", supervisor_key()[1])
    auth.login()
    page = page_of(client.get("/supervise/"))
    assert "sealed to your previous key" in page and "data-envelope" not in page
    assert auth.post(f"/supervise/summaries/{summary_id}/delete").status_code == 302
    refused = paired_device.put(new_id())  # the phone still holds the old key: it is asked to pair again
    assert refused.status_code == 422 and refused.get_json()["error"] == "key_changed"


def test_a_summary_stored_under_an_id_with_a_newline_can_be_marked_and_deleted(app, client, auth, paired_device):
    """Before ids were matched whole, PUT /api/summaries/<uuid>%0A stored one; the supervisor can still act on it."""
    summary_id = new_id() + "\n"
    plant(app, paired_device, summary_id, paired_device.seal("Stored under a bad id"))
    auth.login()
    assert opened(page_of(client.get("/supervise/")), auth) == ["Stored under a bad id"]
    response = auth.post(f"/supervise/summaries/{summary_id.strip()}%0A/discussed", {"discussed": "1"})
    assert response.status_code == 302 and "\n" not in response.headers["Location"]
    assert auth.post(f"/supervise/summaries/{summary_id.strip()}%0A/delete").status_code == 302
    assert opened(page_of(client.get("/supervise/")), auth) == []


def test_marking_discussed_returns_to_that_summary(client, auth, paired_device):
    summary_id = new_id()
    paired_device.put(summary_id)
    auth.login()
    response = auth.post(f"/supervise/summaries/{summary_id}/discussed", {"discussed": "1"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/supervise/#summary-{summary_id}")
    assert f'id="summary-{summary_id}"' in page_of(client.get("/supervise/"))


def test_delete_asks_to_confirm_without_javascript(client, auth, paired_device):
    summary_id = new_id()
    paired_device.put(summary_id, paired_device.seal("Keep me until confirmed"))
    auth.login()
    dashboard = page_of(client.get("/supervise/"))
    assert f'<a class="button secondary" href="/supervise/summaries/{summary_id}/delete">Delete' in dashboard
    assert f'action="/supervise/summaries/{summary_id}/delete"' not in dashboard
    confirm = client.get(f"/supervise/summaries/{summary_id}/delete")
    assert confirm.status_code == 200
    page = page_of(confirm)
    assert "Delete this summary?" in page and "from Sam" in page and "cannot be undone" in page
    assert f'action="/supervise/summaries/{summary_id}/delete"' in page and 'name="csrf_token"' in page
    assert opened(page, auth) == ["Keep me until confirmed"]  # shown to confirm, by the browser
    assert opened(page_of(client.get("/supervise/")), auth) == ["Keep me until confirmed"]  # looking did not delete it
    response = auth.post(f"/supervise/summaries/{summary_id}/delete")
    assert response.status_code == 302 and "#person-" in response.headers["Location"]
    assert "Summary deleted." in page_of(client.get("/supervise/"))
    assert client.get(f"/supervise/summaries/{summary_id}/delete").status_code == 404


def test_the_dashboard_pages_a_long_history(app, client, auth, paired_device):
    ids = []
    for n in range(25):
        ids.append(new_id())
        paired_device.put(ids[-1], paired_device.seal(f"Summary number {n:02d}"))
    auth.login()
    page = page_of(client.get("/supervise/"))
    assert "25 summaries, 25 not yet discussed" in page
    assert opened(page, auth) == [f"Summary number {n:02d}" for n in range(24, 14, -1)]
    device_id = re.search(r'/supervise/devices/([0-9a-f]+)\?page=2', page).group(1)
    second = page_of(client.get(f"/supervise/devices/{device_id}?page=2"))
    assert opened(second, auth) == [f"Summary number {n:02d}" for n in range(14, 4, -1)]
    assert "Page 2 of 3" in second and "?page=3" in second and "?page=1" in second
    assert page_of(client.get(f"/supervise/devices/{device_id}?page=3")).count('class="shared-item"') == 5
    for bad in ("0", "4", "x", "-1"):
        assert client.get(f"/supervise/devices/{device_id}?page={bad}").status_code == 404
    response = auth.post(f"/supervise/summaries/{ids[3]}/discussed", {"discussed": "1"})
    assert response.headers["Location"].endswith(f"/supervise/devices/{device_id}?page=3#summary-{ids[3]}")


def test_another_supervisors_history_is_not_found(app, client, auth):
    auth.create()
    bob = auth.create("bob@example.org", "Bob", "bobs long password")
    to_bob = pair_device(app, client, bob, display_name="Quinn")
    auth.login()
    assert client.get(f"/supervise/devices/{get_device_id(app, to_bob)}").status_code == 404


# Sessions end when they should

def signed_in_elsewhere(app, email="ann@example.org", password="a long enough password"):
    """A second browser signed in as the same supervisor."""
    other = app.test_client()
    AuthActions(app, other).login(email, password)
    assert other.get("/supervise/").status_code == 200
    return other


def test_signing_out_ends_every_session_of_that_supervisor(app, client, auth):
    auth.create()
    auth.login()
    token = auth.form_token("/supervise/")
    with client.session_transaction() as stolen:
        copied = dict(stolen)
    elsewhere = signed_in_elsewhere(app)
    auth.logout()
    for replay in (lambda: client.get("/supervise/"),
                   lambda: client.post("/supervise/codes", data={"csrf_token": token})):
        with client.session_transaction() as session:
            session.update(copied)  # the old cookie, replayed
        response = replay()
        assert response.status_code == 302 and response.headers["Location"].endswith("/supervise/login")
    assert elsewhere.get("/supervise/").status_code == 302


def test_a_new_password_through_a_setup_link_ends_old_sessions(app, client, auth):
    person = auth.create()
    elsewhere = signed_in_elsewhere(app)
    with app.app_context():
        link = "/supervise/setup/" + get_store().create_setup_link(person["id"], 72)
    assert elsewhere.get("/supervise/").status_code == 200  # a link alone changes nothing
    client.post(link, data={"password": "a brand new password", "confirm": "a brand new password",
                            "key": json.dumps(supervisor_key()[1]), "csrf_token": auth.form_token(link)})
    assert client.get("/supervise/").status_code == 200  # the browser that set it is signed in
    assert elsewhere.get("/supervise/").status_code == 302


def test_removing_a_supervisor_ends_their_sessions_even_if_added_again(app, client, auth, runner):
    auth.create()
    elsewhere = signed_in_elsewhere(app)
    with app.app_context():
        get_store().remove_supervisor("ann@example.org")
    assert elsewhere.get("/supervise/").status_code == 302
    auth.create()
    assert elsewhere.get("/supervise/").status_code == 302


# Plain http on a network address: say so, instead of "the form expired"

def secure_cookie_app(tmp_path):
    return create_app({"TESTING": True, "CONTENT": str(MINI_PACK), "SECURE_COOKIES_IN_TESTS": True},
                      instance_path=tmp_path / "instance")


@pytest.mark.parametrize("base_url", ["http://192.168.1.20:8000", "http://alongside.ward.local"])
def test_sign_in_over_plain_http_on_the_network_says_https_is_needed(tmp_path, base_url):
    app = secure_cookie_app(tmp_path)
    client = app.test_client()
    page = page_of(client.get("/supervise/login", base_url=base_url))
    assert "https://" in page and "Ask the team that runs Alongside" in page
    assert 'name="password"' not in page
    refused = client.post("/supervise/login", base_url=base_url, data={"email": "a@example.org", "password": "x"})
    assert refused.status_code == 400 and "https://" in page_of(refused)
    assert "expired" not in page_of(refused)
    with app.app_context():
        store = get_store()
        person = store.create_supervisor("new@example.org", "Nia")
        link = "/supervise/setup/" + store.create_setup_link(person["id"], 72)
    setup = page_of(client.get(link, base_url=base_url))
    assert "https://" in setup and 'name="password"' not in setup


@pytest.mark.parametrize("base_url", ["http://localhost:8000", "http://127.0.0.1:8000", "http://[::1]:8000",
                                      "https://192.168.1.20"])
def test_sign_in_on_this_computer_or_over_https_shows_the_form(tmp_path, base_url):
    page = page_of(secure_cookie_app(tmp_path).test_client().get("/supervise/login", base_url=base_url))
    assert 'name="password"' in page and "Ask the team that runs Alongside (your IT" not in page


@tinydb_only
def test_a_damaged_supervisor_record_signs_out_and_is_named_in_the_log(app, client, auth, caplog):
    person = auth.create()
    auth.login()
    path = Path(app.instance_path) / "store" / "accounts.json"
    data = json.loads(path.read_text())
    del data["supervisors"][person["id"]]["name"]
    path.write_text(json.dumps(data))
    response = client.get("/supervise/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/supervise/login")
    assert auth.login().status_code == 401
    assert person["id"] in caplog.text and "'name' is missing" in caplog.text


def test_session_cookie_is_secure_except_over_plain_http_to_this_computer(tmp_path):
    from pwa import create_app
    app = create_app({"TESTING": True, "SECURE_COOKIES_IN_TESTS": True}, instance_path=tmp_path / "instance")
    for base, secure in [("http://127.0.0.1:8000", False), ("http://localhost:8000", False),
                         ("https://alongside.example.org", True), ("https://127.0.0.1", True)]:
        client = app.test_client()
        response = client.get("/supervise/login", base_url=base)
        cookie = response.headers.get("Set-Cookie", "")
        assert cookie.startswith("session="), (base, cookie)
        assert ("; Secure" in cookie) is secure, (base, cookie)


# Upgrading to envelope v2: the supervisor's first sign-in makes their key, and v1 summaries are re-sealed to it

def old_instance(app, auth, texts):
    """A supervisor, a phone and summaries from before envelope v2: sealed to the server's own key."""
    from pwa.seal import KEY_FOLDER, Keyring, seal_summary
    keyring = Keyring.open(Path(app.instance_path) / KEY_FOLDER, create=True)
    app.extensions["keyring"] = keyring
    person = auth.create(key=False)
    recipient = keyring.recipient()
    with app.app_context():
        store = get_store()
        code, _ = store.create_pairing_code(person["id"], 1)
        device, _, _ = store.redeem_pairing_code(code, "Sam")
        for text in texts:
            summary = json.dumps({"v": 1, "text": text, "created": "2025-05-01T09:30:00.000Z"}).encode()
            store.put_summary(device, new_id(), seal_summary(recipient["jwk"], recipient["kid"], summary))
    return person, keyring


def give_key(client, auth, key, password="a long enough password"):
    return client.post("/supervise/key", json={"key": key, "password": password},
                       headers={"X-CSRFToken": auth.form_token("/supervise/"), "Accept": "application/json"})


def test_the_first_sign_in_after_the_upgrade_makes_a_key_and_reseals_v1_summaries(app, client, auth):
    person, keyring = old_instance(app, auth, ["Sent before the upgrade", "Also before"])
    auth.login()
    page = page_of(client.get("/supervise/"))
    assert "Make your key" in page and page.count("re-sealed to your key when you next sign in") == 2
    assert "data-envelope" not in page
    private, key = supervisor_key()
    refused = give_key(client, auth, key, password="not my password at all")
    assert refused.status_code == 403 and "not your password" in refused.get_json()["message"]
    response = give_key(client, auth, key)
    assert response.status_code == 201 and response.get_json()["resealed"] == 2
    auth.private_keys[person["id"]] = private
    assert sorted(opened(page_of(client.get("/supervise/")), auth)) == ["Also before", "Sent before the upgrade"]
    assert not keyring.folder.exists()  # no v1 summary left anywhere: the server's own keys are gone
    with app.app_context():
        assert all(s["envelope"]["v"] == 2 for s in get_store().summaries_for_supervisor(person["id"]))
    assert give_key(client, auth, supervisor_key()[1]).status_code == 409  # a key is not replaced this way


def test_the_servers_keys_stay_while_another_supervisor_still_has_v1_summaries(app, client, auth):
    _, keyring = old_instance(app, auth, ["Ann's"])
    with app.app_context():
        bob = get_store().create_supervisor("bob@example.org", "Bob", "bobs long password")
        code, _ = get_store().create_pairing_code(bob["id"], 1)
        device, _, _ = get_store().redeem_pairing_code(code, "Quinn")
        recipient = keyring.recipient()
        from pwa.seal import seal_summary
        get_store().put_summary(device, new_id(), seal_summary(recipient["jwk"], recipient["kid"], json.dumps(
            {"v": 1, "text": "Bob's", "created": "2025-05-01T09:30:00.000Z"}).encode()))
    auth.login()
    assert give_key(client, auth, supervisor_key()[1]).get_json()["resealed"] == 1
    assert keyring.folder.exists() and keyring.keys  # Bob has not signed in yet


def test_a_code_cannot_be_made_before_the_supervisor_has_a_key(app, client, auth):
    old_instance(app, auth, [])
    auth.login()
    response = auth.post("/supervise/codes")
    assert response.status_code == 302
    assert "Make your key first" in page_of(client.get("/supervise/"))


@pytest.mark.parametrize("body, content_type, status, words", [
    ('{"key": {"v": 1}, "password": "a long enough password"}', "application/json", 400, "not one this server can keep"),
    ("[1, 2]", "application/json", 400, "must be a JSON object"),
    ("not json", "application/json", 400, "not valid JSON"),
    ('{"key": {}}', "text/plain", 415, "Content-Type: application/json"),
    ('{"key": "' + "x" * 9000 + '"}', "application/json", 413, "larger than"),
])
def test_a_key_that_is_not_one_is_refused_with_a_message(app, client, auth, body, content_type, status, words):
    old_instance(app, auth, [])
    auth.login()
    response = client.post("/supervise/key", data=body, content_type=content_type,
                           headers={"X-CSRFToken": auth.form_token("/supervise/"), "Accept": "application/json"})
    assert response.status_code == status and words in response.get_json()["message"]
    with app.app_context():
        assert get_store().supervisor_by_email("ann@example.org")["key"] is None
