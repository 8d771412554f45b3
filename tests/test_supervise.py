"""Supervisor pages: sign in, read shared summaries, pair and revoke phones; all without JavaScript."""
import re
import uuid

import pytest

from pwa import create_app
from pwa.store import get_store
from tests.conftest import MINI_PACK, AuthActions, pair_device


def new_id():
    return str(uuid.uuid4())


def page_of(response):
    return response.get_data(as_text=True)


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
    assert "Secure" in auth.login().headers["Set-Cookie"]
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
    assert page.index("Third summary") < page.index("Second summary") < page.index("First summary")
    assert "3 summaries, 3 not yet discussed" in page


def test_summary_text_is_shown_as_text_not_html(client, auth, paired_device):
    paired_device.put(new_id(), paired_device.seal("<script>alert('x')</script>\n<b>bold</b> & more"))
    auth.login()
    page = page_of(client.get("/supervise/"))
    assert "<script>alert" not in page and "<b>bold</b>" not in page
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;\n&lt;b&gt;bold&lt;/b&gt; &amp; more" in page
    assert re.search(r'<div class="shared-text">&lt;script', page)


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
    assert "Summary deleted." in page and "To be deleted" not in page
    assert paired_device.status().get_json()["summary_ids"] == []
    assert auth.post(f"/supervise/summaries/{summary_id}/delete").status_code == 404


# Pairing and revoking

def test_making_a_pairing_code_shows_it_grouped_with_its_expiry(app, client, auth):
    auth.create()
    auth.login()
    response = auth.post("/supervise/codes")
    assert response.status_code == 200
    page = page_of(response)
    code = re.search(r'class="pairing-code">([2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4})<', page).group(1)
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
    assert "stopped sharing with Sam" in page and "Shared before revoking" not in page
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
    assert "Only for Bob" not in page and "Quinn" not in page
    for path, data in ((f"/supervise/summaries/{summary_id}/delete", {}),
                       (f"/supervise/summaries/{summary_id}/discussed", {"discussed": "1"})):
        assert auth.post(path, data).status_code == 404
    device_id = get_device_id(app, to_bob)
    assert client.get(f"/supervise/devices/{device_id}/revoke").status_code == 404
    assert auth.post(f"/supervise/devices/{device_id}/revoke").status_code == 404
    assert to_bob.status().get_json()["summary_ids"] == [summary_id]
    auth.logout()
    auth.login("bob@example.org", "bobs long password")
    assert "Only for Bob" in page_of(client.get("/supervise/"))


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


def test_setup_link_sets_a_password_and_signs_in(client, auth, setup_link):
    page = page_of(client.get(setup_link))
    assert "Hello Nia" in page and '<label for="confirm">' in page
    token = auth.form_token(setup_link)
    response = client.post(setup_link, data={"password": "twelve chars ok", "confirm": "twelve chars ok",
                                             "csrf_token": token})
    assert response.status_code == 302
    assert "Your password is set" in page_of(client.get("/supervise/"))
    assert client.get(setup_link).status_code == 404  # used


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
