"""`alongside db copy` and `alongside db upgrade`: an instance's TinyDB data moved into PostgreSQL whole."""
import json
import uuid

import pytest
from click.testing import CliRunner

from pwa.cli import main
from pwa.store import Store
from pwa.store_pg import PgStore
from tests.conftest import MINI_PACK

ENVELOPE = {"v": 1, "kid": "k" * 43, "epk": {"kty": "EC", "crv": "P-256", "x": "x", "y": "y"},
            "iv": "i" * 16, "ct": "c" * 100}


def alongside(*args, env=None):
    return CliRunner().invoke(main, list(args), env={"ALONGSIDE_CONTENT": str(MINI_PACK), **(env or {})})


@pytest.fixture
def instance(tmp_path):
    """An instance folder with TinyDB data: two supervisors, a paired phone with two summaries, codes, a damaged phone."""
    folder = tmp_path / "instance"
    files = Store(folder / "store")
    ann = files.create_supervisor("ann@example.org", "Ann", "a long enough password")
    bob = files.create_supervisor("bob@example.org", "Bob")
    code, _ = files.create_pairing_code(ann["id"], 24)
    device, token, _ = files.redeem_pairing_code(code, "Sam")
    unused, _ = files.create_pairing_code(ann["id"], 24)
    ids = [str(uuid.uuid4()), str(uuid.uuid4())]
    for summary_id in ids:
        files.put_summary(device, summary_id, {**ENVELOPE, "ct": summary_id})
    files.mark_discussed(ann["id"], ids[0], True)
    link = files.create_setup_link(bob["id"], 72)
    accounts = folder / "store" / "accounts.json"
    data = json.loads(accounts.read_text())
    data["devices"]["0123456789abcdef"] = {"display_name": "no supervisor", "token_hash": "x", "paired": "never"}
    accounts.write_text(json.dumps(data))
    return {"folder": folder, "ann": ann, "bob": bob, "device": device, "token": token, "ids": ids,
            "unused": unused, "link": link}


def test_copy_moves_everything_and_phones_stay_paired(instance, pg_url):
    result = alongside("db", "copy", "--to", pg_url, "--instance", str(instance["folder"]))
    assert result.exit_code == 0, result.output
    assert "Copied 2 supervisors, 1 phones, 2 pairing codes and 2 summaries" in result.output
    assert "the counts match" in result.output
    assert "Left out (damaged or orphaned): devices '0123456789abcdef'" in result.output
    store = PgStore(pg_url, pool_size=2)
    try:
        assert store.check_login("ann@example.org", "a long enough password")["id"] == instance["ann"]["id"]
        assert store.device_for_token(instance["token"])["id"] == instance["device"]["id"]  # the key came along
        held = {s["id"]: s for s in store.summaries_for_supervisor(instance["ann"]["id"])}
        assert sorted(held) == sorted(instance["ids"])
        assert held[instance["ids"][0]]["discussed"] is True and held[instance["ids"][1]]["discussed"] is False
        assert held[instance["ids"][1]]["envelope"] == {**ENVELOPE, "ct": instance["ids"][1]}
        assert store.supervisor_for_setup(instance["link"])["email"] == "bob@example.org"
        assert store.redeem_pairing_code(instance["unused"], "Jo")[2]["id"] == instance["ann"]["id"]
    finally:
        store.close()


def test_copy_refuses_a_database_that_holds_data(instance, pg_url):
    store = PgStore(pg_url, pool_size=2)
    store.create_supervisor("someone@example.org", "Someone")
    store.close()
    result = alongside("db", "copy", "--to", pg_url, "--instance", str(instance["folder"]))
    assert result.exit_code == 1
    assert "already holds data (1 supervisors): copy only into an empty database. Nothing was copied." in result.output
    store = PgStore(pg_url, pool_size=2)
    try:
        assert [p["email"] for p in store.list_supervisors()] == ["someone@example.org"]
    finally:
        store.close()


def test_copy_says_plainly_what_is_wrong(instance, tmp_path, pg_url):
    nothing = alongside("db", "copy", "--to", pg_url, "--instance", str(tmp_path / "empty"))
    assert nothing.exit_code == 1 and "There is no TinyDB data to copy in" in nothing.output
    assert not (tmp_path / "empty").exists()
    unreachable = alongside("db", "copy", "--to", "postgresql://alongside:secret@127.0.0.1:1/alongside",
                            "--instance", str(instance["folder"]))
    assert unreachable.exit_code == 1
    assert "cannot reach the PostgreSQL database at 127.0.0.1:1/alongside" in unreachable.output
    assert "secret" not in unreachable.output and "Traceback" not in unreachable.output
    assert len(unreachable.output.strip().splitlines()) == 1
    not_postgres = alongside("db", "copy", "--to", "mysql://x@y/z", "--instance", str(instance["folder"]))
    assert not_postgres.exit_code == 1 and "'mysql' is not a PostgreSQL URL" in not_postgres.output


def test_upgrade_reports_the_schema_version(pg_url, tmp_path):
    result = alongside("db", "upgrade", "--instance", str(tmp_path / "instance"),
                       env={"ALONGSIDE_DATABASE_URL": pg_url})
    assert result.exit_code == 0, result.output
    assert "is up to date (schema version 2)" in result.output
    missing = alongside("db", "upgrade", "--instance", str(tmp_path / "instance"), env={"ALONGSIDE_DATABASE_URL": ""})
    assert missing.exit_code == 2 and "No database to upgrade: set ALONGSIDE_DATABASE_URL" in missing.output
