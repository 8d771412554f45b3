"""The sharing API: pairing, sending and withdrawing sealed summaries, unpairing."""
import json
import logging
import re
import uuid
from datetime import timedelta
from pathlib import Path

import pytest

from pwa import store as store_module
from pwa.seal import Keyring, SealError, open_with, parse_envelope, seal_summary, seal_v2, thumbprint
from pwa.store import get_store
from tests.conftest import BACKENDS, PairedDevice, app_settings, close_store, pair_device, supervisor_key

tinydb_only = pytest.mark.parametrize("backend", ["tinydb"])


@pytest.fixture(params=BACKENDS)
def backend(request):
    """Every test here runs on TinyDB files and on PostgreSQL, unless marked ``tinydb_only``."""
    return request.param


def new_id():
    return str(uuid.uuid4())


def make_code(app, supervisor):
    with app.app_context():
        code, _ = get_store().create_pairing_code(supervisor["id"], app.config["PAIRING_CODE_HOURS"])
    return code


# Pairing

def test_pairing_gives_a_token_the_supervisor_name_and_the_key_to_seal_to(app, client, auth):
    code = make_code(app, auth.create(name="Ann Smith"))
    response = client.post("/api/pair", json={"code": code, "display_name": "Sam"})
    assert response.status_code == 201
    body = response.get_json()
    assert body["supervisor_name"] == "Ann Smith"
    assert len(body["device_token"]) >= 43  # 256 bits
    with app.app_context():
        key = get_store().supervisor_by_email("ann@example.org")["key"]
    assert body["recipient_key"] == {"jwk": key["jwk"], "kid": key["kid"]}  # the supervisor's own key
    assert body["recipient_key"]["kid"] == thumbprint(body["recipient_key"]["jwk"])
    assert set(body["recipient_key"]["jwk"]) == {"kty", "crv", "x", "y"}
    assert re.fullmatch(r"[0-9a-f]{16}", body["device_id"])
    assert not (Path(app.instance_path) / "summary-keys").exists()  # the server makes no key of its own


def test_pairing_waits_until_the_supervisor_has_a_key(app, client, auth):
    supervisor = auth.create(key=False)  # an account from before envelope v2, not yet signed in
    code = make_code(app, supervisor)
    response = client.post("/api/pair", json={"code": code, "display_name": "Sam"})
    assert response.status_code == 409 and response.get_json()["error"] == "no_key"
    assert "sign in to Alongside once" in response.get_json()["message"]
    with app.app_context():
        get_store().set_supervisor_key(supervisor["id"], supervisor_key()[1])
    assert client.post("/api/pair", json={"code": code, "display_name": "Sam"}).status_code == 201  # still unused
    assert response.headers["Cache-Control"] == "no-store"


@tinydb_only
def test_device_token_is_stored_only_as_its_hash(app, paired_device):
    text = (Path(app.instance_path) / "store" / "accounts.json").read_text()
    assert paired_device.token not in text
    with app.app_context():
        assert get_store().token_hash(paired_device.token) in text


@pytest.mark.parametrize("typed", [
    lambda code: code,
    lambda code: code.lower(),
    lambda code: f"{code[:4]}-{code[4:]}",
    lambda code: f" {code[:4].lower()} - {code[4:]} ",
    lambda code: " ".join(code),
], ids=["as given", "lower case", "grouped", "spaces and dashes", "spaced out"])
def test_pairing_code_ignores_case_spaces_and_dashes(app, client, auth, typed):
    code = make_code(app, auth.create())
    response = client.post("/api/pair", json={"code": typed(code), "display_name": "Sam"})
    assert response.status_code == 201, response.get_json()


def test_pairing_code_works_once(app, client, auth):
    code = make_code(app, auth.create())
    assert client.post("/api/pair", json={"code": code, "display_name": "Sam"}).status_code == 201
    response = client.post("/api/pair", json={"code": code, "display_name": "Sam"})
    assert response.status_code == 409
    assert response.get_json() == {"error": "code_used", "message": "That pairing code has already been used. "
                                   "Ask your supervisor for a new one."}


def test_pairing_code_expires_after_the_set_hours(app, client, auth, monkeypatch):
    code = make_code(app, auth.create())
    later = store_module.now() + timedelta(hours=app.config["PAIRING_CODE_HOURS"], seconds=1)
    monkeypatch.setattr(store_module, "now", lambda: later)
    response = client.post("/api/pair", json={"code": code, "display_name": "Sam"})
    assert response.status_code == 410
    assert response.get_json()["error"] == "code_expired"
    assert "expired" in response.get_json()["message"] and "new one" in response.get_json()["message"]


def test_pairing_code_still_works_just_before_it_expires(app, client, auth, monkeypatch):
    code = make_code(app, auth.create())
    later = store_module.now() + timedelta(hours=app.config["PAIRING_CODE_HOURS"], seconds=-5)
    monkeypatch.setattr(store_module, "now", lambda: later)
    assert client.post("/api/pair", json={"code": code, "display_name": "Sam"}).status_code == 201


def test_unknown_pairing_code_is_not_found(client):
    response = client.post("/api/pair", json={"code": "K7QM-4XPD", "display_name": "Sam"})
    assert response.status_code == 404
    assert response.get_json()["error"] == "code_unknown"
    assert "Check it with your supervisor" in response.get_json()["message"]


@pytest.mark.parametrize("body, error, words", [
    ({"display_name": "Sam"}, "bad_code", "pairing code"),
    ({"code": 12345678, "display_name": "Sam"}, "bad_code", "pairing code"),
    ({"code": " - ", "display_name": "Sam"}, "bad_code", "pairing code"),
    ({"code": "K7QM-4XPD"}, "bad_display_name", "1 to 40 characters"),
    ({"code": "K7QM-4XPD", "display_name": ""}, "bad_display_name", "1 to 40 characters"),
    ({"code": "K7QM-4XPD", "display_name": "   "}, "bad_display_name", "1 to 40 characters"),
    ({"code": "K7QM-4XPD", "display_name": "x" * 41}, "bad_display_name", "1 to 40 characters"),
    ({"code": "K7QM-4XPD", "display_name": ["Sam"]}, "bad_display_name", "1 to 40 characters"),
    ({"code": "K7QM-4XPD", "display_name": "Sam\u0000"}, "bad_display_name", "control characters"),
])
def test_pairing_request_is_checked(client, body, error, words):
    response = client.post("/api/pair", json=body)
    assert response.status_code == 400
    assert response.get_json()["error"] == error
    assert words in response.get_json()["message"]


def test_display_name_of_forty_characters_is_accepted(app, client, auth):
    code = make_code(app, auth.create())
    assert client.post("/api/pair", json={"code": code, "display_name": "é" * 40}).status_code == 201


def test_pairing_is_rate_limited(client):
    for _ in range(10):
        assert client.post("/api/pair", json={"code": "AAAA-AAAA", "display_name": "Sam"}).status_code == 404
    response = client.post("/api/pair", json={"code": "AAAA-AAAA", "display_name": "Sam"})
    assert response.status_code == 429
    assert response.is_json and "Wait a minute" in response.get_json()["message"]


# Bodies that are not what the API expects

@pytest.mark.parametrize("data, content_type, status, error", [
    (b"{not json", "application/json", 400, "bad_json"),
    (b"", "application/json", 400, "bad_json"),
    (b"\xff\xfe", "application/json", 400, "bad_json"),
    (b'{"code": NaN}', "application/json", 400, "bad_json"),
    (b"[1, 2]", "application/json", 400, "not_object"),
    (b'"text"', "application/json", 400, "not_object"),
    (b"null", "application/json", 400, "not_object"),
    (b"[" * 400 + b"]" * 400, "application/json", 400, "not_object"),
    (b"code=K7QM4XPD", "application/x-www-form-urlencoded", 415, "not_json"),
    (b'{"code": "K7QM-4XPD"}', "text/plain", 415, "not_json"),
    (b'{"code": "' + b"x" * 2000 + b'"}', "application/json", 413, "too_large"),
], ids=lambda value: value[:20] if isinstance(value, bytes) else str(value))
def test_malformed_pairing_bodies_get_a_json_error(client, data, content_type, status, error):
    response = client.post("/api/pair", data=data, content_type=content_type)
    assert response.status_code == status
    assert response.get_json()["error"] == error and response.get_json()["message"]


def test_deeply_nested_json_is_refused_not_crashed_on(paired_device, client):
    response = client.put(f"/api/summaries/{new_id()}", data=b"[" * 5000 + b"]" * 5000,
                          content_type="application/json", headers=paired_device.headers)
    assert response.status_code == 400 and response.get_json()["error"] == "bad_json"


def test_a_body_larger_than_the_app_limit_is_refused_as_json(paired_device, client):
    response = client.put(f"/api/summaries/{new_id()}", data=b"x" * (70 * 1024),
                          content_type="application/json", headers=paired_device.headers)
    assert response.status_code == 413 and response.get_json()["error"] == "too_large"


# Sending summaries

def test_a_sealed_summary_is_stored(paired_device):
    response = paired_device.put(new_id())
    assert response.status_code == 201
    assert response.get_json()["status"] == "stored"
    assert response.headers["Cache-Control"] == "no-store"


def test_sending_the_same_summary_again_stores_it_once(app, paired_device):
    summary_id, envelope = new_id(), paired_device.seal()
    assert paired_device.put(summary_id, envelope).status_code == 201
    again = paired_device.put(summary_id, envelope)
    assert again.status_code == 200 and again.get_json() == {"id": summary_id, "status": "already_stored"}
    assert paired_device.status().get_json()["summary_ids"] == [summary_id]
    with app.app_context():
        assert len(get_store().summaries_for_supervisor(paired_device.supervisor["id"])) == 1


def test_uuid_is_matched_whatever_its_case(paired_device):
    summary_id, envelope = new_id(), paired_device.seal()
    assert paired_device.put(summary_id.upper(), envelope).status_code == 201
    assert paired_device.put(summary_id, envelope).status_code == 200


def test_same_id_with_a_different_summary_is_a_conflict(paired_device):
    summary_id = new_id()
    paired_device.put(summary_id, paired_device.seal("First"))
    response = paired_device.put(summary_id, paired_device.seal("Second"))
    assert response.status_code == 409
    assert response.get_json()["error"] == "id_taken"
    assert "new id" in response.get_json()["message"]


def test_the_server_stores_what_it_cannot_open(app, auth, paired_device):
    envelope = paired_device.seal("Only Ann can read this.")
    summary_id = new_id()
    assert paired_device.put(summary_id, envelope).status_code == 201
    with app.app_context():
        stored = get_store().summaries_for_supervisor(paired_device.supervisor["id"])[0]
    assert stored["envelope"] == envelope and stored["envelope"]["v"] == 2
    private = auth.private_keys[paired_device.supervisor["id"]]
    opened = json.loads(open_with(private, parse_envelope(stored["envelope"]), stored["device_id"]))
    assert opened["text"] == "Only Ann can read this."


def test_a_summary_sealed_to_another_key_is_refused_with_pair_again(paired_device):
    _, other = supervisor_key()
    envelope = seal_v2(other["jwk"], paired_device.device_id,
                       json.dumps({"v": 2, "text": "x", "created": "2026-01-01T00:00:00.000Z"}).encode())
    response = paired_device.put(new_id(), envelope)
    assert response.status_code == 422 and response.get_json()["error"] == "key_changed"
    assert "Pair again" in response.get_json()["message"]


def test_a_v1_envelope_from_a_phone_paired_before_the_upgrade_is_refused_with_pair_again(paired_device, tmp_path):
    keyring = Keyring.open(tmp_path / "old-keys", create=True)
    old = keyring.recipient()
    envelope = seal_summary(old["jwk"], old["kid"],
                            json.dumps({"v": 1, "text": "x", "created": "2026-01-01T00:00:00.000Z"}).encode())
    response = paired_device.put(new_id(), envelope)
    assert response.status_code == 422 and response.get_json()["error"] == "pair_again"
    assert "Pair again with a new code" in response.get_json()["message"]


def test_an_envelope_copied_from_another_phone_is_refused(app, client, auth, paired_device):
    other = pair_device(app, client, paired_device.supervisor, display_name="Jo")
    copied = paired_device.seal("Sam's own words.")
    response = other.put(new_id(), copied)  # sent as it is: it names Sam's phone
    assert response.status_code == 422 and response.get_json()["error"] == "wrong_device"
    assert "sealed on another phone" in response.get_json()["message"]


def test_an_envelope_relabelled_for_another_phone_does_not_open_as_that_phone(app, auth, client, paired_device):
    other = pair_device(app, client, paired_device.supervisor, display_name="Jo")
    relabelled = {**paired_device.seal("Sam's own words."), "did": other.device_id}
    assert other.put(new_id(), relabelled).status_code == 201  # the server cannot tell...
    with app.app_context():
        stored = get_store().summaries_for_supervisor(paired_device.supervisor["id"])[0]
    private = auth.private_keys[paired_device.supervisor["id"]]
    with pytest.raises(SealError) as refused:  # ...but the supervisor's key does not open it as Jo's
        open_with(private, parse_envelope(stored["envelope"]), stored["device_id"])
    assert refused.value.reason == "cannot_open" and stored["device_id"] == other.device_id


@pytest.mark.parametrize("change, error", [
    (lambda e: {**e, "v": 3}, "bad_version"),
    (lambda e: {k: v for k, v in e.items() if k != "epk"}, "bad_envelope"),
    (lambda e: {k: v for k, v in e.items() if k != "did"}, "bad_envelope"),
    (lambda e: {**e, "did": "SAM"}, "bad_envelope"),
    (lambda e: {**e, "epk": None}, "bad_envelope"),
    (lambda e: {**e, "iv": 12}, "bad_envelope"),
    (lambda e: {**e, "ct": "***"}, "bad_envelope"),
    (lambda e: {**e, "text": "in the clear"}, "bad_envelope"),
])
def test_envelope_of_the_wrong_shape_is_refused(paired_device, change, error):
    response = paired_device.put(new_id(), change(paired_device.seal()))
    assert response.status_code == 422
    assert response.get_json()["error"] == error and response.get_json()["message"]


def test_too_large_an_envelope_is_refused(paired_device):
    envelope = {**paired_device.seal(), "ct": "A" * (17 * 1024)}
    response = paired_device.put(new_id(), envelope)
    assert response.status_code == 413
    assert response.get_json()["error"] == "too_large"
    assert "16,384 bytes" in response.get_json()["message"]


def test_longest_allowed_summary_fits_in_the_envelope_limit(paired_device):
    response = paired_device.put(new_id(), paired_device.seal("x" * 8000, display_name="y" * 40))
    assert response.status_code == 201


@pytest.mark.parametrize("headers, error", [
    ({}, "no_token"),
    ({"Authorization": "Bearer"}, "no_token"),
    ({"Authorization": "Basic dXNlcjpwYXNz"}, "no_token"),
    ({"Authorization": "Bearer not-a-real-token"}, "unknown_device"),
])
def test_sending_without_a_valid_token_is_unauthorised(paired_device, client, headers, error):
    response = client.put(f"/api/summaries/{new_id()}", json=paired_device.seal(), headers=headers)
    assert response.status_code == 401
    assert response.get_json()["error"] == error
    assert "pair" in response.get_json()["message"].lower()
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("bad_id", ["not-a-uuid", "3b241101e2bb42558caf4136c566a962",
                                    "3b241101-e2bb-4255-8caf-4136c566a96", "{3b241101-e2bb-4255-8caf-4136c566a962}"])
def test_summary_id_must_be_a_uuid(paired_device, bad_id):
    response = paired_device.put(bad_id)
    assert response.status_code == 400
    assert response.get_json()["error"] == "bad_id"
    assert "UUID" in response.get_json()["message"]


def test_no_input_makes_a_server_error(paired_device, client):
    bodies = [b"", b"0", b"{}", b"[]", b'{"v": 1}', b'{"v": 1, "kid": null, "epk": {}, "iv": "", "ct": ""}',
              b'{"v": 1, "kid": "' + b"A" * 43 + b'", "epk": {"kty": "EC", "crv": "P-256", "x": "", "y": ""},'
              b' "iv": "AAAAAAAAAAAAAAAA", "ct": "AAAAAAAAAAAAAAAAAAAAAA"}',
              b'{"v": 1e400}', b'{"v": {"$gt": 0}}', b'{"kid": "\\ud800"}', b"\x00" * 100]
    for body in bodies:
        for method in (client.put, client.post):
            response = method(f"/api/summaries/{new_id()}", data=body, content_type="application/json",
                              headers=paired_device.headers)
            assert response.status_code < 500, body
            assert response.is_json and response.get_json()["message"]
    for path in ("/api/pair", "/api/device", "/api/nothing-here", "/api/summaries/", "/api/summaries/x/y"):
        for method in (client.get, client.post, client.put, client.delete):
            response = method(path, data=b"{}", content_type="application/json", headers=paired_device.headers)
            assert response.status_code < 500, (method, path)
            assert response.status_code == 204 or response.is_json, (method, path)


def test_a_server_error_raised_as_an_http_error_is_named_in_the_log(paired_device, monkeypatch, caplog):
    from werkzeug.exceptions import InternalServerError

    def fail(*args, **kwargs):
        raise InternalServerError("the envelope parser fell over")
    monkeypatch.setattr("pwa.sync.parse_envelope", fail)
    summary_id = new_id()
    response = paired_device.put(summary_id)
    assert response.status_code == 500 and response.get_json()["error"] == "internal_server_error"
    assert "try again" in response.get_json()["message"]
    assert f"500 Internal Server Error on PUT /api/summaries/{summary_id}: the envelope parser fell over" in caplog.text


# Withdrawing, status, unpairing

def test_withdrawing_a_summary_deletes_it(paired_device):
    summary_id = new_id()
    paired_device.put(summary_id)
    assert paired_device.delete(summary_id).status_code == 204
    assert paired_device.status().get_json()["summary_ids"] == []


def test_withdrawing_twice_is_not_an_error(paired_device):
    summary_id = new_id()
    paired_device.put(summary_id)
    assert paired_device.delete(summary_id).status_code == 204
    assert paired_device.delete(summary_id).status_code == 204
    assert paired_device.delete(new_id()).status_code == 204


def test_a_phone_cannot_withdraw_another_phones_summary(app, client, paired_device):
    other = pair_device(app, client, paired_device.supervisor, display_name="Jo")
    summary_id = new_id()
    paired_device.put(summary_id)
    response = other.delete(summary_id)
    assert response.status_code == 404
    assert response.get_json() == {"error": "not_yours",
                                   "message": "This phone did not send a summary with that id."}
    assert other.put(summary_id, other.seal()).status_code == 409
    assert paired_device.status().get_json()["summary_ids"] == [summary_id]


def test_device_status_names_the_supervisor_and_the_ids_held(paired_device):
    ids = sorted([new_id(), new_id()])
    for summary_id in ids:
        paired_device.put(summary_id)
    body = paired_device.status().get_json()
    assert body["paired"] is True and body["supervisor_name"] == "Ann" and body["display_name"] == "Sam"
    assert body["summary_ids"] == ids
    assert body["recipient_key"] == paired_device.recipient


def test_unpairing_deletes_every_summary_and_the_token(app, paired_device):
    for _ in range(3):
        paired_device.put(new_id())
    assert paired_device.client.delete("/api/device", headers=paired_device.headers).status_code == 204
    with app.app_context():
        assert get_store().summaries_for_supervisor(paired_device.supervisor["id"]) == []
    for response in (paired_device.status(), paired_device.put(new_id())):
        assert response.status_code == 401 and response.get_json()["error"] == "unknown_device"


def test_revoked_device_gets_401_with_the_reason(app, paired_device):
    device = paired_device.status().get_json()
    assert device["paired"]
    with app.app_context():
        store = get_store()
        device_id = store.device_for_token(paired_device.token)["id"]
        store.revoke_device(paired_device.supervisor["id"], device_id)
    for response in (paired_device.put(new_id()), paired_device.status(), paired_device.delete(new_id())):
        assert response.status_code == 401
        assert response.get_json()["error"] == "device_revoked"
        assert "stopped sharing" in response.get_json()["message"]


# Supervisors are kept apart

def test_a_code_pairs_only_with_the_supervisor_who_made_it(app, client, auth):
    ann, bob = auth.create(), auth.create("bob@example.org", "Bob")
    to_bob = pair_device(app, client, bob)
    assert to_bob.status().get_json()["supervisor_name"] == "Bob"
    summary_id = new_id()
    to_bob.put(summary_id)
    with app.app_context():
        assert get_store().summaries_for_supervisor(ann["id"]) == []
        assert [s["id"] for s in get_store().summaries_for_supervisor(bob["id"])] == [summary_id]


# Nothing private in the logs

def test_summary_text_and_tokens_are_never_logged(app, client, auth, caplog):
    caplog.set_level(logging.DEBUG)
    code = make_code(app, auth.create())
    paired = client.post("/api/pair", json={"code": code, "display_name": "Sam"}).get_json()
    device = PairedDevice(client, paired, supervisor={})
    device.put(new_id(), device.seal("A very private reflection"))
    device.put("bad", device.seal("A very private reflection"))
    device.put(new_id(), {**device.seal("A very private reflection"), "ct": "AAAAAAAAAAAAAAAAAAAAAAAA"})
    logged = "\n".join(r.getMessage() for r in caplog.records) + caplog.text
    assert "private reflection" not in logged
    assert paired["device_token"] not in logged and code not in logged
    files = "".join(p.read_text() for p in Path(app.instance_path).rglob("*.json"))
    assert "private reflection" not in files and paired["device_token"] not in files


def test_every_api_error_is_json_with_a_message(client):
    for response in (client.get("/api/nowhere"), client.delete("/api/pair"),
                     client.get("/api/device", headers={"Authorization": "Bearer x"})):
        body = json.loads(response.get_data())
        assert set(body) == {"error", "message"} and body["message"]


# Hardening (issue #9)

@pytest.mark.parametrize("suffix", ["%0A", "%0D%0A", "%00", "%20", "x"])
def test_a_summary_id_is_matched_whole(paired_device, suffix):
    summary_id = new_id()
    response = paired_device.client.put(f"/api/summaries/{summary_id}{suffix}", json=paired_device.seal(),
                                        headers=paired_device.headers)
    assert response.status_code == 400 and response.get_json()["error"] == "bad_id"
    assert "UUID" in response.get_json()["message"]
    assert paired_device.status().get_json()["summary_ids"] == []


def test_a_summary_id_is_stored_in_lower_case(paired_device):
    summary_id, envelope = new_id(), paired_device.seal()
    assert paired_device.put(summary_id.upper(), envelope).get_json()["id"] == summary_id
    assert paired_device.status().get_json()["summary_ids"] == [summary_id]
    assert paired_device.delete(summary_id.upper()).status_code == 204
    assert paired_device.status().get_json()["summary_ids"] == []


@pytest.mark.parametrize("name", ["\u202eevoL\u202c", "Sam\u200b", "\ufeff", "\u200d\u200d", "Sam\u2028Jo",
                                  "Sam\u2029Jo", "\u3164", "\u0301\u0301", "Sam\u2066"],
                         ids=["right-to-left override", "zero-width space", "byte order mark", "zero-width joiners",
                              "line separator", "paragraph separator", "hangul filler", "marks alone", "isolate"])
def test_display_names_that_hide_or_reorder_text_are_refused(app, client, auth, name):
    code = make_code(app, auth.create())
    response = client.post("/api/pair", json={"code": code, "display_name": name})
    assert response.status_code == 400
    assert response.get_json()["error"] == "bad_display_name"
    assert "plain letters" in response.get_json()["message"]


def test_display_name_is_stored_in_nfc(app, client, auth):
    code = make_code(app, auth.create())
    response = client.post("/api/pair", json={"code": code, "display_name": "Zoe\u0308"})
    assert response.status_code == 201
    device = PairedDevice(client, response.get_json(), supervisor={})
    assert device.status().get_json()["display_name"] == "Zo\u00eb"


# Limits on what one phone may send

@pytest.fixture
def limited_app_for(tmp_path, request, backend):
    """Make an app with other limits, on this test's backend: ``limited_app_for(SUMMARIES_PER_PHONE=3)``."""
    from pwa import create_app
    from tests.conftest import MINI_PACK
    made = []

    def make(**settings):
        made.append(create_app({"TESTING": True, "CONTENT": str(MINI_PACK), **app_settings(request, backend),
                                **settings}, instance_path=tmp_path / "limited"))
        return made[-1]
    yield make
    for each in made:
        close_store(each)


def test_a_phone_sending_too_fast_is_told_to_wait(limited_app_for):
    from tests.conftest import AuthActions
    limited_app = limited_app_for(RATELIMIT_SUMMARIES="5 per minute")
    client = limited_app.test_client()
    sam = pair_device(limited_app, client, AuthActions(limited_app, client).create())
    jo = pair_device(limited_app, client, sam.supervisor, display_name="Jo")
    summary_id, envelope = new_id(), sam.seal()
    for _ in range(5):
        assert sam.put(summary_id, envelope).status_code in (200, 201)  # retries count too
    response = sam.put(summary_id, envelope)
    assert response.status_code == 429
    assert "sent again in a minute" in response.get_json()["message"]
    assert 1 <= int(response.headers["Retry-After"]) <= 61
    assert jo.put(new_id()).status_code == 201  # another phone is not held up


def test_a_phone_may_keep_only_so_many_summaries_on_the_server(limited_app_for):
    from tests.conftest import AuthActions
    limited_app = limited_app_for(SUMMARIES_PER_PHONE=3)
    client = limited_app.test_client()
    sam = pair_device(limited_app, client, AuthActions(limited_app, client).create())
    ids = [new_id() for _ in range(3)]
    envelopes = [sam.seal() for _ in ids]
    for summary_id, envelope in zip(ids, envelopes, strict=True):
        assert sam.put(summary_id, envelope).status_code == 201
    response = sam.put(new_id())
    assert response.status_code == 409 and response.get_json()["error"] == "too_many"
    assert "3 summaries" in response.get_json()["message"] and "Withdraw" in response.get_json()["message"]
    assert sam.put(ids[0], envelopes[0]).status_code == 200  # a retry of one it holds is still fine
    assert sam.delete(ids[0]).status_code == 204
    assert sam.put(new_id()).status_code == 201


# The disk refuses: say so, keep nothing half-written

@tinydb_only
def test_a_full_disk_is_a_503_the_phone_retries_and_leaves_no_temp_file(app, paired_device, monkeypatch, caplog):
    import errno
    import os
    summary_id, envelope = new_id(), paired_device.seal()
    real_fsync = os.fsync

    def disk_full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(os, "fsync", disk_full)
    response = paired_device.put(summary_id, envelope)
    assert response.status_code == 503
    assert response.get_json()["error"] == "unavailable"
    assert "tries again later" in response.get_json()["message"]
    assert int(response.headers["Retry-After"]) > 0
    assert not list(Path(app.instance_path).rglob("*.tmp"))
    assert "disk is full" in caplog.text
    monkeypatch.setattr(os, "fsync", real_fsync)
    assert paired_device.put(summary_id, envelope).status_code == 201


@tinydb_only
def test_a_damaged_device_record_is_named_in_the_log_and_refused_plainly(app, paired_device, caplog):
    path = Path(app.instance_path) / "store" / "accounts.json"
    data = json.loads(path.read_text())
    device_id = next(iter(data["devices"]))
    del data["devices"][device_id]["supervisor_id"]
    path.write_text(json.dumps(data))
    for response in (paired_device.put(new_id()), paired_device.status(), paired_device.delete(new_id())):
        assert response.status_code == 401 and response.get_json()["error"] == "unknown_device"
    assert device_id in caplog.text and "'supervisor_id' is missing" in caplog.text
