"""What only the PostgreSQL store has: its start-up errors, its shared key, its locks and its constraints.

Everything the two stores share is tested on both in test_store.py and test_sync.py.
"""
import hashlib
import threading
import uuid

import psycopg
import pytest
from click.testing import CliRunner

from pwa import create_app
from pwa.cli import main
from pwa.errors import StartupError
from pwa.store import StoreError
from pwa.store_pg import SCHEMA_VERSION, PgStore
from tests.conftest import MINI_PACK, pair_device, supervisor_key

ENVELOPE = {"v": 1, "kid": "k" * 43, "epk": {"kty": "EC", "crv": "P-256", "x": "x", "y": "y"},
            "iv": "i" * 16, "ct": "c" * 100}
UNREACHABLE = "postgresql://alongside:secret@127.0.0.1:1/alongside"


@pytest.fixture
def stores(pg_url):
    """Open PgStores on the test database, as separate server processes would: ``stores()``."""
    opened = []

    def open_store():
        opened.append(PgStore(pg_url, pool_size=8))
        return opened[-1]
    yield open_store
    for each in opened:
        each.close()


def paired(store, email="ann@example.org"):
    supervisor = store.create_supervisor(email, "Ann", "a long enough password")
    code, _ = store.create_pairing_code(supervisor["id"], 24)
    device, token, _ = store.redeem_pairing_code(code, "Sam")
    return supervisor, device, token


def sha256(text):
    return hashlib.sha256(text.encode()).hexdigest()


def test_an_unreachable_database_stops_the_start_with_one_line_naming_the_host(tmp_path):
    with pytest.raises(StartupError) as stopped:
        create_app({"TESTING": True, "CONTENT": str(MINI_PACK), "DATABASE_URL": UNREACHABLE},
                   instance_path=tmp_path / "instance")
    message = str(stopped.value)
    assert "cannot reach the PostgreSQL database at 127.0.0.1:1/alongside" in message
    assert "ALONGSIDE_DATABASE_URL" in message and "secret" not in message and "\n" not in message
    result = CliRunner().invoke(main, ["supervisor", "list", "--instance", str(tmp_path / "instance")],
                                env={"ALONGSIDE_CONTENT": str(MINI_PACK), "ALONGSIDE_DATABASE_URL": UNREACHABLE})
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [message] and "Traceback" not in result.output


def test_a_url_that_is_not_postgresql_is_refused_at_start(tmp_path):
    with pytest.raises(StartupError, match="'sqlite' is not a PostgreSQL URL: give one as postgresql://"):
        create_app({"TESTING": True, "CONTENT": str(MINI_PACK), "DATABASE_URL": "sqlite:///x.db"},
                   instance_path=tmp_path / "instance")


def test_the_app_keeps_its_data_in_the_database_not_the_instance_folder(tmp_path, pg_url, stores):
    app = create_app({"TESTING": True, "CONTENT": str(MINI_PACK), "DATABASE_URL": pg_url},
                     instance_path=tmp_path / "instance")
    try:
        with app.app_context():
            from pwa.store import get_store
            get_store().create_supervisor("ann@example.org", "Ann")
        assert not (tmp_path / "instance" / "store").exists()
        assert stores().supervisor_by_email("ann@example.org")["name"] == "Ann"
    finally:
        app.extensions["store"].close()


def test_a_database_that_drops_while_serving_is_a_503_the_phone_retries(tmp_path, pg_url, monkeypatch, caplog):
    from contextlib import contextmanager
    app = create_app({"TESTING": True, "CONTENT": str(MINI_PACK), "DATABASE_URL": pg_url},
                     instance_path=tmp_path / "instance")
    try:
        client = app.test_client()
        with app.app_context():
            from pwa.store import get_store
            supervisor = get_store().create_supervisor("ann@example.org", "Ann")
            get_store().set_supervisor_key(supervisor["id"], supervisor_key()[1])  # as their browser makes it
        phone = pair_device(app, client, supervisor)
        summary_id, envelope = str(uuid.uuid4()), phone.seal()
        pool = app.extensions["store"]._pool

        @contextmanager
        def dropped(*args, **kwargs):
            raise psycopg.OperationalError("server closed the connection unexpectedly")
            yield
        with monkeypatch.context() as patch:
            patch.setattr(pool, "connection", dropped)
            response = phone.put(summary_id, envelope)
        assert response.status_code == 503 and response.get_json()["error"] == "unavailable"
        assert int(response.headers["Retry-After"]) > 0
        assert "server closed the connection unexpectedly" in caplog.text and "127.0.0.1" in caplog.text
        assert phone.put(summary_id, envelope).status_code == 201
    finally:
        app.extensions["store"].close()


def test_every_process_shares_the_token_key_kept_in_the_database(stores, pg_database):
    first, second = stores(), stores()
    supervisor, device, token = paired(first)
    assert second.device_for_token(token)["id"] == device["id"]
    assert first.token_hash(token) == second.token_hash(token) != sha256(token)
    _, admin = pg_database
    key = admin.execute("SELECT value FROM alongside_keys WHERE name = 'token_key'").fetchone()[0]
    import hmac
    assert hmac.new(bytes.fromhex(key), token.encode(), hashlib.sha256).hexdigest() == \
        admin.execute("SELECT token_hash FROM devices").fetchone()[0]


def test_tokens_and_codes_hashed_before_hmac_keys_still_work(stores, pg_database):
    """Rows copied from files of the previous version hold plain SHA-256: phones stay paired, then move to HMAC."""
    store = stores()
    supervisor, device, token = paired(store)
    code, _ = store.create_pairing_code(supervisor["id"], 24)
    _, admin = pg_database
    admin.execute("UPDATE devices SET token_hash = %s", (sha256(token),))
    admin.execute("UPDATE pairing_codes SET id = %s WHERE id = %s", (sha256(code), store.token_hash(code)))
    assert store.device_for_token(token)["id"] == device["id"]
    assert admin.execute("SELECT token_hash FROM devices").fetchone()[0] == store.token_hash(token)
    assert store.device_for_token(token)["id"] == device["id"]
    assert store.redeem_pairing_code(code, "Jo")[0]["display_name"] == "Jo"


def test_a_database_of_a_newer_alongside_is_refused(pg_database, pg_url):
    _, admin = pg_database
    admin.execute("INSERT INTO alongside_schema (version) VALUES (%s)", (SCHEMA_VERSION + 1,))
    try:
        with pytest.raises(ConnectionError, match=f"schema version {SCHEMA_VERSION + 1}, newer than this "
                                                  f"Alongside's {SCHEMA_VERSION}: upgrade Alongside"):
            PgStore(pg_url)
    finally:
        admin.execute("DELETE FROM alongside_schema WHERE version > %s", (SCHEMA_VERSION,))


def run_together(count, work):
    """Run ``work(n)`` in ``count`` threads started together; return their results (or refusal reasons)."""
    results, start = [None] * count, threading.Barrier(count)

    def run(n):
        start.wait()
        try:
            results[n] = work(n)
        except StoreError as exc:
            results[n] = exc.reason
    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_one_summary_id_sent_at_once_from_many_processes_is_stored_once(stores):
    many = [stores() for _ in range(4)]
    supervisor, device, _ = paired(many[0])
    summary_id = str(uuid.uuid4())
    same = run_together(8, lambda n: many[n % 4].put_summary(device, summary_id, ENVELOPE))
    assert sorted(same, key=str) == [False] * 7 + [True]
    other = run_together(8, lambda n: many[n % 4].put_summary(device, summary_id, {**ENVELOPE, "ct": str(n)}))
    assert other == ["summary_differs"] * 8
    assert [s["envelope"] for s in many[1].summaries_for_supervisor(supervisor["id"])] == [ENVELOPE]


def test_the_per_phone_cap_holds_when_summaries_arrive_together(stores):
    many = [stores() for _ in range(4)]
    supervisor, device, _ = paired(many[0])
    results = run_together(10, lambda n: many[n % 4].put_summary(device, str(uuid.uuid4()), ENVELOPE, limit=3))
    assert sorted(results, key=str) == [True] * 3 + ["too_many"] * 7
    assert len(many[0].summary_ids_for_device(device)) == 3


def test_nothing_slips_in_beside_a_revocation(stores):
    many = [stores() for _ in range(4)]
    supervisor, device, _ = paired(many[0])

    def work(n):
        if n == 0:
            return many[0].revoke_device(supervisor["id"], device["id"])
        return many[n % 4].put_summary(device, str(uuid.uuid4()), ENVELOPE)
    results = run_together(12, work)
    assert results[0] is True and set(results[1:]) <= {True, "device_gone"}
    assert many[1].summary_ids_for_device(device) == []  # whatever came first was deleted with the revocation


def test_removing_a_supervisor_cascades_in_the_database(stores, pg_database):
    store = stores()
    supervisor, device, _ = paired(store)
    store.put_summary(device, str(uuid.uuid4()), ENVELOPE)
    store.create_pairing_code(supervisor["id"], 24)
    assert store.remove_supervisor("ann@example.org") == {"id": supervisor["id"], "devices": 1, "codes": 2,
                                                          "summaries": 1}
    _, admin = pg_database
    for table in ("supervisors", "devices", "pairing_codes", "summaries"):
        assert admin.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0, table
