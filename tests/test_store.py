"""The store: accounts, single-use pairing codes, summaries stored once, files that stay whole."""
import hashlib
import hmac
import json
import os
import subprocess
import sys
import threading
import uuid
from datetime import timedelta

import pytest

from pwa import store as store_module
from pwa.store import CorruptFile, Store, StoreError
from tests.conftest import BACKENDS

ENVELOPE = {"v": 1, "kid": "k" * 43, "epk": {"kty": "EC", "crv": "P-256", "x": "x", "y": "y"},
            "iv": "i" * 16, "ct": "c" * 100}


@pytest.fixture(params=BACKENDS)
def backend(request):
    return request.param


@pytest.fixture
def reopen(request, backend, tmp_path):
    """Open the store's data again, as another server process would: ``reopen()``."""
    opened = []

    def open_store():
        if backend == "tinydb":
            return Store(tmp_path / "store")
        from pwa.store_pg import PgStore
        opened.append(PgStore(request.getfixturevalue("pg_url"), pool_size=4))
        return opened[-1]
    yield open_store
    for each in opened:
        each.close()


@pytest.fixture
def store(reopen):
    return reopen()


tinydb_only = pytest.mark.parametrize("backend", ["tinydb"])


@pytest.fixture
def stored_text(request, backend, tmp_path):
    """Everything the store holds, as text: ``stored_text()`` (the files, or every row of the database)."""
    def read():
        if backend == "tinydb":
            return "\n".join(p.read_text() for p in sorted((tmp_path / "store").rglob("*.json")))
        _, admin = request.getfixturevalue("pg_database")
        return "\n".join(str(row) for table in ("supervisors", "devices", "pairing_codes", "summaries")
                         for row in admin.execute(f"SELECT * FROM {table}").fetchall())
    return read


@pytest.fixture
def clock(monkeypatch):
    """Move the store's clock: ``clock.advance(hours=25)``."""
    class Clock:
        def __init__(self):
            self.moment = store_module.now()

        def advance(self, **kwargs):
            self.moment += timedelta(**kwargs)

    clock = Clock()
    monkeypatch.setattr(store_module, "now", lambda: clock.moment)
    return clock


def paired(store, email="ann@example.org", name="Sam"):
    supervisor = store.create_supervisor(email, email.split("@")[0].title(), "a long enough password")
    code, _ = store.create_pairing_code(supervisor["id"], 24)
    device, token, _ = store.redeem_pairing_code(code, name)
    return supervisor, device, token


def test_supervisor_password_is_hashed_with_scrypt(store, stored_text):
    store.create_supervisor("Ann@Example.org ", "Ann", "a long enough password")
    person = store.supervisor_by_email("ann@example.org")
    assert person["password_hash"].startswith("scrypt:") and person["password_hash"] in stored_text()
    assert "a long enough password" not in stored_text()
    assert store.check_login("ANN@example.org", "a long enough password")["id"] == person["id"]
    assert store.check_login("ann@example.org", "wrong password here") is None
    assert store.check_login("nobody@example.org", "a long enough password") is None


def test_the_app_hashes_passwords_with_werkzeugs_full_scrypt(tmp_path):
    """The Flask tests hash cheaply (tests/conftest.py); `alongside supervisor add`, run as an operator
    runs it, hashes at full strength, and a login checks against that hash."""
    instance = tmp_path / "instance"
    env = {k: v for k, v in os.environ.items() if k != "ALONGSIDE_DATABASE_URL"}
    subprocess.run([sys.executable, "-m", "pwa.cli", "supervisor", "add", "ann@example.org", "--name", "Ann",
                    "--instance", str(instance)], input="a long enough password\n" * 2, text=True, check=True,
                   capture_output=True, env=env)
    stored = Store(instance / "store")
    assert stored.supervisor_by_email("ann@example.org")["password_hash"].startswith("scrypt:32768:8:1$")
    assert stored.check_login("ann@example.org", "a long enough password")["name"] == "Ann"


def test_email_is_unique(store):
    store.create_supervisor("ann@example.org", "Ann")
    with pytest.raises(StoreError) as refused:
        store.create_supervisor("ANN@example.org", "Ann again")
    assert refused.value.reason == "email_taken"


def test_pairing_code_is_short_unambiguous_and_single_use(store):
    supervisor = store.create_supervisor("ann@example.org", "Ann")
    code, _ = store.create_pairing_code(supervisor["id"], 24)
    assert len(code) == 8 and set(code) <= set("23456789ABCDEFGHJKMNPQRSTUVWXYZ")
    assert store_module.format_code(code) == f"{code[:4]}-{code[4:]}"
    device, _, found = store.redeem_pairing_code(f" {code[:4].lower()} - {code[4:]} ", "Sam")
    assert found["id"] == supervisor["id"] and device["supervisor_id"] == supervisor["id"]
    with pytest.raises(StoreError) as refused:
        store.redeem_pairing_code(code, "Someone else")
    assert refused.value.reason == "code_used"


def test_pairing_code_expires(store, clock):
    supervisor = store.create_supervisor("ann@example.org", "Ann")
    code, expires = store.create_pairing_code(supervisor["id"], 24)
    assert expires == clock.moment + timedelta(hours=24)
    assert store.open_pairing_codes(supervisor["id"])[0]["expires"] == store_module.timestamp(expires)
    clock.advance(hours=24)
    with pytest.raises(StoreError) as refused:
        store.redeem_pairing_code(code, "Sam")
    assert refused.value.reason == "code_expired"
    assert store.open_pairing_codes(supervisor["id"]) == []


def test_unknown_code_is_refused(store):
    with pytest.raises(StoreError) as refused:
        store.redeem_pairing_code("ABCD-EFGH", "Sam")
    assert refused.value.reason == "code_unknown"


def test_device_token_is_kept_only_as_a_hash(store, stored_text):
    _, device, token = paired(store)
    assert len(token) >= 43  # 32 random bytes
    accounts = stored_text()
    assert token not in accounts and store.token_hash(token) in accounts
    assert store.device_for_token(token)["id"] == device["id"]
    assert store.device_for_token(token + "x") is None


def sha256(text):
    return hashlib.sha256(text.encode()).hexdigest()


@tinydb_only
def test_codes_and_tokens_are_kept_as_hmacs_under_a_key_of_this_server(store, tmp_path):
    supervisor = store.create_supervisor("ann@example.org", "Ann")
    code, _ = store.create_pairing_code(supervisor["id"], 24)
    device, token, _ = store.redeem_pairing_code(code, "Sam")
    link = store.create_setup_link(supervisor["id"], 72)
    key_file = tmp_path / "store" / "token_key"
    assert key_file.stat().st_mode & 0o777 == 0o600
    key = bytes.fromhex(key_file.read_text())
    accounts = (tmp_path / "store" / "accounts.json").read_text()
    for secret in (code, token, link):
        assert sha256(secret) not in accounts  # an unsalted hash of an 8-letter code is quickly reversed
        assert hmac.new(key, secret.encode(), hashlib.sha256).hexdigest() in accounts
    assert Store(tmp_path / "store").device_for_token(token)["id"] == device["id"]  # the key is kept
    assert Store(tmp_path / "other").token_hash(token) != store.token_hash(token)


@tinydb_only
def test_tokens_and_codes_hashed_before_hmac_keys_still_work(store, tmp_path):
    """A file written by the previous version holds plain SHA-256: phones stay paired, then move to HMAC."""
    supervisor, device, token = paired(store)
    code, _ = store.create_pairing_code(supervisor["id"], 24)
    path = tmp_path / "store" / "accounts.json"
    data = json.loads(path.read_text())
    data["devices"][device["id"]]["token_hash"] = sha256(token)
    data["pairing_codes"][sha256(code)] = data["pairing_codes"].pop(store.token_hash(code))
    path.write_text(json.dumps(data))
    old = Store(tmp_path / "store")
    assert old.device_for_token(token)["id"] == device["id"]
    assert sha256(token) not in path.read_text() and old.token_hash(token) in path.read_text()
    assert old.device_for_token(token)["id"] == device["id"]
    assert old.redeem_pairing_code(code, "Jo")[0]["display_name"] == "Jo"


def test_summary_is_stored_once(store):
    supervisor, device, _ = paired(store)
    summary_id = str(uuid.uuid4())
    assert store.put_summary(device, summary_id, ENVELOPE) is True
    assert store.put_summary(device, summary_id, dict(ENVELOPE)) is False
    with pytest.raises(StoreError) as refused:
        store.put_summary(device, summary_id, {**ENVELOPE, "ct": "d" * 100})
    assert refused.value.reason == "summary_differs"
    assert [s["id"] for s in store.summaries_for_supervisor(supervisor["id"])] == [summary_id]


def test_summaries_come_newest_first(store, clock):
    supervisor, device, _ = paired(store)
    ids = [str(uuid.uuid4()) for _ in range(3)]
    for summary_id in ids:
        store.put_summary(device, summary_id, ENVELOPE)
        clock.advance(minutes=1)
    assert [s["id"] for s in store.summaries_for_supervisor(supervisor["id"])] == ids[::-1]


def test_unpairing_deletes_every_summary_of_the_device(store):
    supervisor, device, token = paired(store)
    paired(store, email="ann2@example.org")  # another supervisor's device stays
    store.put_summary(device, str(uuid.uuid4()), ENVELOPE)
    store.put_summary(device, str(uuid.uuid4()), ENVELOPE)
    assert store.unpair_device(device) == 2
    assert store.device_for_token(token) is None
    assert store.summaries_for_supervisor(supervisor["id"]) == []
    with pytest.raises(StoreError) as refused:
        store.put_summary(device, str(uuid.uuid4()), ENVELOPE)
    assert refused.value.reason == "device_gone"


def test_revoked_device_is_kept_to_say_why_but_cannot_send(store):
    supervisor, device, token = paired(store)
    store.put_summary(device, str(uuid.uuid4()), ENVELOPE)
    assert store.revoke_device(supervisor["id"], device["id"]) is True
    assert store.device_for_token(token)["revoked"]
    assert store.summaries_for_supervisor(supervisor["id"]) == []
    assert store.devices_for_supervisor(supervisor["id"]) == []
    with pytest.raises(StoreError):
        store.put_summary(device, str(uuid.uuid4()), ENVELOPE)


def test_supervisor_cannot_revoke_another_supervisors_device(store):
    _, device, token = paired(store)
    other = store.create_supervisor("bob@example.org", "Bob")
    assert store.revoke_device(other["id"], device["id"]) is False
    assert not store.device_for_token(token)["revoked"]


def test_removing_a_supervisor_removes_their_summaries_devices_and_codes(store, stored_text):
    supervisor, device, token = paired(store)
    store.create_pairing_code(supervisor["id"], 24)
    store.put_summary(device, str(uuid.uuid4()), ENVELOPE)
    gone = store.remove_supervisor("ann@example.org")
    assert gone == {"id": supervisor["id"], "devices": 1, "codes": 2, "summaries": 1}
    assert store.device_for_token(token) is None
    assert supervisor["id"] not in stored_text() and device["id"] not in stored_text()
    assert store.list_supervisors() == []
    assert store.remove_supervisor("ann@example.org") is None


def test_setup_link_sets_the_password_once(store, clock):
    person = store.create_supervisor("ann@example.org", "Ann")
    assert store.check_login("ann@example.org", "") is None
    token = store.create_setup_link(person["id"], 72)
    assert store.supervisor_for_setup(token)["id"] == person["id"]
    store.redeem_setup_link(token, "a long enough password")
    assert store.check_login("ann@example.org", "a long enough password")
    with pytest.raises(StoreError) as refused:
        store.redeem_setup_link(token, "another long password")
    assert refused.value.reason == "link_unknown"
    expired = store.create_setup_link(person["id"], 72)
    clock.advance(hours=73)
    with pytest.raises(StoreError) as refused:
        store.supervisor_for_setup(expired)
    assert refused.value.reason == "link_expired"


def test_a_second_process_sees_each_write(reopen):
    first, second = reopen(), reopen()
    supervisor, device, _ = paired(first)
    ids = [str(uuid.uuid4()) for _ in range(4)]
    first.put_summary(device, ids[0], ENVELOPE)
    second.put_summary(device, ids[1], ENVELOPE)  # second has never read the file
    first.put_summary(device, ids[2], ENVELOPE)  # first's copy is stale: it must re-read
    second.mark_discussed(supervisor["id"], ids[0], True)
    first.put_summary(device, ids[3], ENVELOPE)
    for each in (first, second, reopen()):
        held = {s["id"]: s for s in each.summaries_for_supervisor(supervisor["id"])}
        assert sorted(held) == sorted(ids)
        assert held[ids[0]]["discussed"] is True


@tinydb_only
def test_files_are_whole_json_that_plain_tinydb_can_read(store, tmp_path):
    from tinydb import TinyDB
    supervisor, device, _ = paired(store)
    store.put_summary(device, "3b241101-e2bb-4255-8caf-4136c566a962", ENVELOPE)
    path = tmp_path / "store" / "summaries" / f"{supervisor['id']}.json"
    data = json.loads(path.read_text())
    assert data["summaries"]["3b241101-e2bb-4255-8caf-4136c566a962"]["envelope"] == ENVELOPE
    with TinyDB(path) as db:
        assert len(db.table("summaries")) == 1
    assert not list((tmp_path / "store").rglob("*.tmp"))


@tinydb_only
def test_a_corrupt_file_is_reported_not_treated_as_empty(store, tmp_path):
    supervisor, device, _ = paired(store)
    store.put_summary(device, str(uuid.uuid4()), ENVELOPE)
    path = tmp_path / "store" / "summaries" / f"{supervisor['id']}.json"
    path.write_text('{"summaries": {')
    with pytest.raises(CorruptFile, match="restore it from a backup"):
        Store(tmp_path / "store").put_summary(device, str(uuid.uuid4()), ENVELOPE)
    assert path.read_text() == '{"summaries": {'


@tinydb_only
def test_a_failed_change_writes_nothing(store, tmp_path):
    supervisor, device, _ = paired(store)
    path = tmp_path / "store" / "summaries" / f"{supervisor['id']}.json"
    store.put_summary(device, str(uuid.uuid4()), ENVELOPE)
    before = path.read_bytes()

    def clear_then_fail(db):
        db.table("summaries").truncate()
        raise RuntimeError("stop")
    with pytest.raises(RuntimeError):
        store._summaries(supervisor["id"]).change(clear_then_fail)
    assert path.read_bytes() == before
    assert len(store.summaries_for_supervisor(supervisor["id"])) == 1


def test_changes_from_many_threads_share_writes_but_not_failures(store, reopen):
    supervisor, device, _ = paired(store)
    ids = [str(uuid.uuid4()) for _ in range(40)]
    store.put_summary(device, ids[0], ENVELOPE)
    results = {}

    def send(summary_id):
        try:
            results[summary_id] = store.put_summary(device, summary_id, {**ENVELOPE, "ct": summary_id})
        except StoreError as exc:
            results[summary_id] = exc.reason
    threads = [threading.Thread(target=send, args=(i,)) for i in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results[ids[0]] == "summary_differs"  # refused alone; the others were still written
    assert all(results[i] is True for i in ids[1:])
    held = {s["id"]: s for s in reopen().summaries_for_supervisor(supervisor["id"])}
    assert sorted(held) == sorted(ids) and held[ids[0]]["envelope"] == ENVELOPE


@tinydb_only
def test_a_file_written_by_plain_tinydb_is_read(tmp_path, backend):
    from tinydb import TinyDB
    with TinyDB(tmp_path / "store" / "accounts.json", create_dirs=True, indent=2) as db:
        db.table("supervisors").insert({"email": "old@example.org", "name": "Old", "password_hash": None,
                                        "created": "2025-01-01T00:00:00.000000Z", "setup_hash": None,
                                        "setup_expires": None})
    store = Store(tmp_path / "store")
    assert store.supervisor_by_email("old@example.org")["name"] == "Old"
    store.create_supervisor("new@example.org", "New")
    assert {p["email"] for p in Store(tmp_path / "store").list_supervisors()} == {"old@example.org",
                                                                                   "new@example.org"}
