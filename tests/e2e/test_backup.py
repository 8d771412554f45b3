"""Encrypted backups move a journal between browsers, and out to Markdown; /print shows it on paper."""
import json
import subprocess
import sys
from pathlib import Path

from playwright.sync_api import expect

from .conftest import PASSPHRASE, create_journal, journal, unlock_in_page
from .live import ROOT

VECTORS = ROOT / "tests" / "vectors"
EXPECTED = json.loads((VECTORS / "journal_v1_expected.json").read_text())
ANSWERS = [
    {"activity": "2.0", "field": "people", "value": ["Morag", "Dev", "Aunt Sìne"], "revision": 1},
    {"activity": "2.0", "field": "__status", "value": "done", "revision": 1},
    {"activity": "2.1", "field": "gender", "value": "Woman", "revision": 1},
    {"activity": "2.1", "field": "personality", "value": "Calm outside.\nBusy inside 😬", "revision": 1},
    {"activity": "2.3", "field": "strengths", "value": ["Listening", "Empathy"], "revision": 1},
    {"activity": "2.7", "field": "away_towards", "value": [{"from": "Doing to", "to": "Doing with"}], "revision": 1},
    {"activity": "2.8", "field": "landscape", "value": {"strokes": [[0.1, 0.2, 0.3, 0.4]], "alt": "A hill"},
     "revision": 1},
    {"activity": "2.13", "field": "supervisor_honesty", "value": 7, "revision": 1},
]


def by_slot(answers):
    return {(a["activity"], a["field"]): a for a in answers}


def open_journal_page(page, url):
    page.goto(url + "/journal")
    page.locator(".jp:not([hidden]) h2").first.wait_for()


def export_backup(page, url, tmp_path: Path) -> Path:
    """Unlock on /journal and save a backup file with the button."""
    open_journal_page(page, url)
    form = page.locator("#unlock")
    form.get_by_label("Passphrase or recovery code").fill(PASSPHRASE)
    form.get_by_role("button", name="Unlock").click()
    with page.expect_download() as download:
        page.get_by_role("button", name="Save a backup file").click()
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    assert page.locator("#last").inner_text() != "never"
    return path


def restore(page, file: Path, secret: str):
    form = page.locator("#restore")
    form.get_by_label("Backup file").set_input_files(file)
    form.get_by_label("Its passphrase or recovery code").fill(secret)
    form.get_by_role("button", name="Restore").click()


def test_backup_restores_identical_answers_in_a_fresh_browser(live_server, browser, context, page, tmp_path):
    page.goto(live_server.url + "/journal")
    create_journal(page)
    for answer in ANSWERS:
        journal(page, "saveAnswer", answer)
    written = journal(page, "loadAnswers")
    file = export_backup(page, live_server.url, tmp_path)
    assert file.name.startswith("alongside-backup-") and file.suffix == ".json"
    saved = json.loads(file.read_text())
    assert saved["format"] == "alongside-backup" and saved["v"] == 1
    assert "Morag" not in file.read_text()

    fresh = browser.new_context()
    other = fresh.new_page()
    open_journal_page(other, live_server.url)
    restore(other, file, PASSPHRASE)
    other.get_by_text(f"Restored: {len(ANSWERS)} added, 0 updated.").wait_for()
    assert by_slot(journal(other, "loadAnswers")) == by_slot(written)
    journal(other, "lock")
    assert journal(other, "unlock", PASSPHRASE) is True, "the backup's vault became this browser's journal"
    fresh.close()


def test_a_browser_backup_decrypts_with_the_command_line(live_server, page, tmp_path):
    page.goto(live_server.url + "/journal")
    create_journal(page)
    for answer in ANSWERS:
        journal(page, "saveAnswer", answer)
    file = export_backup(page, live_server.url, tmp_path)
    out = tmp_path / "journal.md"
    result = subprocess.run([sys.executable, "-m", "pwa.cli", "backup", "decrypt", str(file), "--out", str(out),
                             "--passphrase-stdin"], input=PASSPHRASE + "\n", capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    text = out.read_text()
    for expected in ("- Aunt Sìne", "Marked done", "Busy inside 😬", "- Doing to → Doing with",
                     "A hill (drawing not included)", "7 / 10", "- Empathy"):
        assert expected in text
    assert text.index("Activity 2.0") < text.index("Activity 2.1") < text.index("Activity 2.13")


def test_python_vectors_import_in_the_browser(live_server, page):
    open_journal_page(page, live_server.url)
    restore(page, VECTORS / "journal_v1.json", EXPECTED["recovery_code"])
    page.get_by_text(f"Restored: {len(EXPECTED['answers'])} added").wait_for()
    assert by_slot(journal(page, "loadAnswers")) == by_slot(EXPECTED["answers"])


def test_restoring_into_a_journal_keeps_the_newer_copy_of_each_answer(live_server, browser, page, tmp_path):
    old_phone = browser.new_context()
    mine = old_phone.new_page()
    mine.goto(live_server.url + "/journal")
    create_journal(mine, "the old phone passphrase")
    journal(mine, "saveAnswer", {"activity": "2.1", "field": "age", "value": "old phone, later", "revision": 1})

    page.goto(live_server.url + "/journal")
    create_journal(page)
    journal(page, "saveAnswer", {"activity": "2.1", "field": "gender", "value": "this phone, earlier", "revision": 1})
    journal(mine, "saveAnswer", {"activity": "2.1", "field": "gender", "value": "old phone, newer", "revision": 1})
    journal(mine, "saveAnswer", {"activity": "2.2", "field": "why", "value": "only on the old phone", "revision": 1})
    journal(page, "saveAnswer", {"activity": "2.1", "field": "age", "value": "this phone, newest", "revision": 1})
    mine.goto(live_server.url + "/journal")
    with mine.expect_download() as download:
        unlock = mine.locator("#unlock")
        unlock.get_by_label("Passphrase or recovery code").fill("the old phone passphrase")
        unlock.get_by_role("button", name="Unlock").click()
        mine.get_by_role("button", name="Save a backup file").click()
    file = tmp_path / "old.json"
    download.value.save_as(file)
    old_phone.close()

    open_journal_page(page, live_server.url)
    expect(page.locator("#restore")).to_have_count(1)
    expect(page.locator("#restore")).to_be_hidden()  # a locked journal cannot take a merge
    page.locator("#unlock").get_by_label("Passphrase or recovery code").fill(PASSPHRASE)
    page.locator("#unlock").get_by_role("button", name="Unlock").click()
    restore(page, file, "not the right one")
    page.locator("#restore [role=alert]").filter(has_text="not right").wait_for()
    restore(page, file, "the old phone passphrase")
    page.get_by_text("Restored: 1 added, 1 updated, 1 kept because this phone's copy is newer.").wait_for()
    values = {k: a["value"] for k, a in by_slot(journal(page, "loadAnswers")).items()}
    assert values == {("2.1", "gender"): "old phone, newer", ("2.1", "age"): "this phone, newest",
                      ("2.2", "why"): "only on the old phone"}
    page.get_by_text("Replaced on this phone: activity 2.1.").wait_for()
    replaced = by_slot(journal(page, "loadAnswers"))[("2.1", "gender")]
    assert replaced["was"]["value"] == "this phone, earlier", "the replaced answer stays recoverable"
    journal(page, "lock")
    assert journal(page, "unlock", PASSPHRASE) is True, "merging keeps this phone's own passphrase"


def test_a_file_that_is_not_a_backup_is_refused(live_server, page, tmp_path):
    bad = tmp_path / "notes.json"
    bad.write_text('{"hello": "world"}')
    open_journal_page(page, live_server.url)
    restore(page, bad, PASSPHRASE)
    page.locator("#restore [role=alert]").filter(has_text="not an Alongside backup").wait_for()
    assert journal(page, "hasJournal") is False


def test_print_shows_my_answers_in_module_order(live_server, page):
    page.goto(live_server.url + "/print")
    create_journal(page)
    for answer in ANSWERS:
        journal(page, "saveAnswer", answer)
    page.reload()
    expect(page.locator("#print")).to_have_count(1)
    expect(page.locator("#print")).to_be_hidden()
    unlock_in_page(page)
    page.locator("#print").get_by_text("7 / 10").wait_for()
    text = page.locator("#print").inner_text()
    for expected in ("Marked done", "Aunt Sìne", "Doing to → Doing with", "A hill (drawing not included)", "7 / 10"):
        assert expected in text
    assert text.index("Activity 2.0") < text.index("Activity 2.1") < text.index("Activity 2.13")
    assert page.locator("#print article").count() == 6, "activities with no answers are left out"
    page.locator("#app-controls").get_by_role("button", name="Lock now").click()
    page.locator("#print").wait_for(state="hidden")
    assert "Aunt Sìne" not in page.content()
