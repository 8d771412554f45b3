"""`alongside supervisor add | list | link | remove`, run as an operator would."""
import re

import pytest
from click.testing import CliRunner

from pwa.cli import main
from pwa.store import Store
from tests.conftest import MINI_PACK


@pytest.fixture
def alongside(tmp_path):
    """Run `alongside ...` on an instance folder under tmp_path; return the click Result."""
    instance = tmp_path / "instance"

    def run(*args, input=None):
        return CliRunner().invoke(main, [*args, "--instance", str(instance)], input=input,
                                  env={"ALONGSIDE_CONTENT": str(MINI_PACK)})
    run.store = lambda: Store(instance / "store")
    return run


def test_add_asks_for_the_password_twice(alongside):
    result = alongside("supervisor", "add", "Ann@Example.org", "--name", "Ann Smith",
                       input="a long enough password\na long enough password\n")
    assert result.exit_code == 0, result.output
    assert "Added Ann Smith <ann@example.org>." in result.output
    assert "a long enough password" not in result.output  # hidden input
    assert alongside.store().check_login("ann@example.org", "a long enough password")


def test_add_refuses_passwords_that_do_not_match(alongside):
    result = alongside("supervisor", "add", "ann@example.org", "--name", "Ann",
                       input="a long enough password\na different password\n")
    assert result.exit_code == 1
    assert "The two passwords do not match. Nothing was added" in result.output
    assert alongside.store().list_supervisors() == []


def test_add_refuses_a_short_password(alongside):
    result = alongside("supervisor", "add", "ann@example.org", "--name", "Ann", input="short\nshort\n")
    assert result.exit_code == 1
    assert "at least 12 characters" in result.output
    assert alongside.store().list_supervisors() == []


def test_add_with_setup_link_prints_a_one_time_link(alongside):
    result = alongside("supervisor", "add", "ann@example.org", "--name", "Ann", "--setup-link",
                       "--base-url", "https://alongside.example.org/")
    assert result.exit_code == 0, result.output
    link = re.search(r"https://alongside\.example\.org/supervise/setup/([\w-]{40,})", result.output)
    assert link and "72 hours" in result.output
    store = alongside.store()
    assert store.supervisor_for_setup(link.group(1))["email"] == "ann@example.org"
    assert store.check_login("ann@example.org", "") is None


def test_add_refuses_a_second_account_for_the_same_email(alongside):
    alongside("supervisor", "add", "ann@example.org", "--name", "Ann", "--setup-link")
    result = alongside("supervisor", "add", "ANN@example.org", "--name", "Ann", "--setup-link")
    assert result.exit_code == 1 and "already a supervisor" in result.output


def test_add_checks_the_email(alongside):
    result = alongside("supervisor", "add", "not-an-email", "--name", "Ann", "--setup-link")
    assert result.exit_code == 2 and "does not look like an email address" in result.output


def test_list_shows_each_supervisor(alongside):
    assert "No supervisors yet" in alongside("supervisor", "list").output
    alongside("supervisor", "add", "bob@example.org", "--name", "Bob", "--setup-link")
    alongside("supervisor", "add", "ann@example.org", "--name", "Ann",
              input="a long enough password\na long enough password\n")
    lines = alongside("supervisor", "list").output.splitlines()
    assert lines == ["ann@example.org  Ann  0 phones paired",
                     "bob@example.org  Bob  0 phones paired  (has not set a password yet)"]


def test_link_prints_a_new_setup_link(alongside):
    alongside("supervisor", "add", "ann@example.org", "--name", "Ann",
              input="a long enough password\na long enough password\n")
    result = alongside("supervisor", "link", "ann@example.org")
    assert result.exit_code == 0 and "/supervise/setup/" in result.output
    assert alongside("supervisor", "link", "nobody@example.org").exit_code == 1


def test_remove_deletes_summaries_devices_and_codes(alongside):
    alongside("supervisor", "add", "ann@example.org", "--name", "Ann", "--setup-link")
    store = alongside.store()
    person = store.supervisor_by_email("ann@example.org")
    code, _ = store.create_pairing_code(person["id"], 24)
    device, token, _ = store.redeem_pairing_code(code, "Sam")
    store.put_summary(device, "3b241101-e2bb-4255-8caf-4136c566a962", {"v": 1})
    declined = alongside("supervisor", "remove", "ann@example.org", input="n\n")
    assert declined.exit_code == 1 and "delete the 1 summaries" in declined.output
    result = alongside("supervisor", "remove", "ann@example.org", input="y\n")
    assert result.exit_code == 0, result.output
    assert "deleted 1 summaries, 1 paired phones and 1 pairing codes" in result.output
    store = alongside.store()
    assert store.list_supervisors() == [] and store.device_for_token(token) is None
    assert alongside("supervisor", "remove", "ann@example.org", "--yes").exit_code == 1


@pytest.mark.parametrize("name", ["Mor\u200bag", "\u202eGAROM", "\ufeff"])
def test_add_refuses_a_name_that_hides_or_reorders_text(alongside, name):
    result = alongside("supervisor", "add", "morag@example.org", "--name", name, "--setup-link")
    assert result.exit_code == 2 and "plain letters" in result.output
    assert alongside.store().supervisor_by_email("morag@example.org") is None
