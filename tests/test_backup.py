"""`alongside backup decrypt` and pwa/backup.py: the Python side of the journal backup format."""
import json
from pathlib import Path

import pytest

from pwa import backup
from pwa.cli import main
from pwa.content import load_pack

VECTORS = Path(__file__).parent / "vectors"
BACKUP = VECTORS / "journal_v1.json"
EXPECTED = json.loads((VECTORS / "journal_v1_expected.json").read_text())
MODULE = load_pack(Path(__file__).parents[1] / "content" / "module-2")


@pytest.fixture
def cli():
    from click.testing import CliRunner
    return CliRunner()


def test_vectors_decrypt_with_the_passphrase_to_the_newest_answers():
    _, answers = backup.decrypt_backup(BACKUP.read_bytes(), EXPECTED["passphrase"])
    key = lambda a: (a["activity"], a["field"])  # noqa: E731
    assert sorted(answers, key=key) == sorted(EXPECTED["answers"], key=key)


@pytest.mark.parametrize("typed", [EXPECTED["recovery_code"], EXPECTED["recovery_code"].lower().replace("-", " ")])
def test_vectors_decrypt_with_the_recovery_code_however_it_is_typed(typed):
    _, answers = backup.decrypt_backup(BACKUP.read_bytes(), typed)
    assert len(answers) == len(EXPECTED["answers"])


def test_vectors_are_what_the_generator_makes(tmp_path, monkeypatch):
    from tests.vectors import make_journal_vectors as maker
    monkeypatch.setattr(maker, "HERE", tmp_path)
    maker.main()
    assert (tmp_path / "journal_v1.json").read_text() == BACKUP.read_text()


def test_decrypt_writes_markdown_in_module_order(cli, tmp_path):
    out = tmp_path / "journal.md"
    result = cli.invoke(main, ["backup", "decrypt", str(BACKUP), "--out", str(out), "--passphrase-stdin"],
                        input=EXPECTED["passphrase"] + "\n")
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert out.stat().st_mode & 0o077 == 0, "the decrypted journal must be readable only by its owner"
    order = ["# Realising Recovery", "## 1 Introduction", "### Activity 2.0", "Marked done", "- Aunt Sìne",
             "### Activity 2.1", "**Gender**", "Woman, she/her", "### Activity 2.3", "- Listening",
             "- Doing to → Doing with", "A hill with a path up it (drawing not included)", "- Knock first",
             "### Activity 2.13", "7 / 10"]
    positions = [text.index(marker) for marker in order]
    assert positions == sorted(positions)
    assert "an older answer that lost" not in text
    assert "0.45" not in text, "drawing strokes are not written out"


def test_wrong_passphrase_exits_2_with_a_clear_message(cli, tmp_path):
    out = tmp_path / "journal.md"
    result = cli.invoke(main, ["backup", "decrypt", str(BACKUP), "--out", str(out)], input="not my passphrase\n")
    assert result.exit_code == 2
    assert "passphrase or recovery code does not open this backup" in result.output
    assert not out.exists()


@pytest.mark.parametrize("content, message", [
    ("not json at all", "not JSON"),
    ('{"format": "something-else"}', "not an Alongside backup"),
    ('{"format": "alongside-backup", "v": 2}', "version 2"),
    ('{"format": "alongside-backup", "v": 1, "vault": {}, "entries": []}', "damaged"),
])
def test_a_file_that_is_not_a_backup_exits_2_and_says_why(cli, tmp_path, content, message):
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    result = cli.invoke(main, ["backup", "decrypt", str(bad)], input="whatever passphrase\n")
    assert result.exit_code == 2
    assert message in result.output


def test_a_tampered_entry_is_reported_not_skipped(tmp_path):
    data = json.loads(BACKUP.read_text())
    data["entries"][0]["id"] = data["entries"][1]["id"]  # moved to another id: the AAD no longer matches
    with pytest.raises(backup.BackupError, match="damaged"):
        backup.decrypt_backup(json.dumps(data), EXPECTED["passphrase"])


def test_a_vault_made_in_python_round_trips_with_its_own_kdf_per_slot():
    vault, key = backup.make_vault("a long enough passphrase", "0000-1111-2222-3333-4444-5555", iterations=1000)
    vault["slots"][0]["kdf"] = dict(vault["kdf"], iterations=2000)  # a raised count on one slot only
    with pytest.raises(backup.BackupError):
        backup.open_vault(vault, "a long enough passphrase")
    assert backup.open_vault(vault, "0000 1111 2222 3333 4444 5555") == key


def test_answers_to_removed_questions_are_kept_at_the_end():
    answers = [{"activity": "9.9", "field": "gone", "value": "still mine", "updated": "2024-01-01T00:00:00Z"},
               {"activity": "2.0", "field": "people", "value": ["A"], "updated": "2024-01-01T00:00:00Z"}]
    text = backup.to_markdown(MODULE, answers)
    assert text.index("- A") < text.index("## Other answers") < text.index("still mine")


def test_the_edit_counter_not_the_clock_picks_the_newest_answer():
    vault, key = backup.make_vault("a long enough passphrase", "0000-1111-2222-3333-4444-5555", iterations=1000)
    fast_clock = {"activity": "2.1", "field": "personality", "value": "older edit, clock a day fast",
                  "updated": "2031-01-02T00:00:00Z", "seq": 3}
    newer = {"activity": "2.1", "field": "personality", "value": "newer edit", "updated": "2031-01-01T00:00:00Z", "seq": 4}
    entries = [backup.seal_entry(key, "e1", fast_clock), backup.seal_entry(key, "e2", newer)]
    text = json.dumps({"format": "alongside-backup", "v": 1, "vault": vault, "entries": entries})
    _, answers = backup.decrypt_backup(text, "a long enough passphrase")
    assert [a["value"] for a in answers] == ["newer edit"]


def test_decrypt_prints_the_revalidation_records_in_the_order_of_the_nmc_forms(cli, tmp_path):
    vault, key = backup.make_vault("a passphrase for tests", "0" * 24, iterations=1000)
    answers = {
        ("2.4", "__status"): "done",
        ("__revalidation", "cpd.method"): "Self-directed online learning",
        ("__revalidation", "cpd.from"): "2026-11-02",
        ("__revalidation", "cpd.hours"): "6",
        ("__revalidation", "cpd.participatory"): "2",
        ("__revalidation", "accounts"): [{"id": "bbb", "from": ["2.4"]}, {"id": "aaa", "from": []}, {"id": "gone"}],
        ("__revalidation", "account.bbb.learned"): "To sit down before I ask.",
        ("__revalidation", "account.bbb.themes"): ["Prioritise people", "Preserve safety"],
        ("__revalidation", "account.aaa.learned"): "That I had not asked for help.",
        ("__revalidation", "talk.name"): "Morag",
        ("__revalidation", "talk.date"): "2026-11-27",
        ("__revalidation", "talk.accounts"): ["aaa", "bbb", "deleted"],
        ("__revalidation", "talk.summaries"): [{"id": "1a2b3c4d-5e6f", "sent": "2026-11-20T10:00:00.000Z"}],
    }
    entries = [backup.seal_entry(key, f"e{i}", {"activity": a, "field": f, "value": v, "updated": "2026-11-28T00:00:00Z",
                                                 "revision": 1, "seq": i + 1})
               for i, ((a, f), v) in enumerate(answers.items())]
    file = tmp_path / "backup.json"
    file.write_text(json.dumps({"format": "alongside-backup", "v": 1, "vault": vault, "entries": entries}))
    out = tmp_path / "journal.md"
    result = cli.invoke(main, ["backup", "decrypt", str(file), "--out", str(out)], input="a passphrase for tests\n")
    assert result.exit_code == 0, result.output
    text = out.read_text()
    order = ["### Activity 2.4", "## Revalidation", "### CPD log (NMC)", "**How you learned**",
             "Self-directed online learning", "**Started**", "2026-11-02", "**Hours spent**", "6",
             "**Of those, hours spent learning with other people**", "2", "**How it relates to the Code**", "—",
             "**Evidence: the activities you have marked done**", "- 2.4 Meeting Louise",
             "### Reflective account 1", "Drawn from activities 2.4.", "**What did you learn from it?**",
             "To sit down before I ask.", "**Which themes of the Code does it touch?**", "- Prioritise people",
             "- Preserve safety", "### Reflective account 2", "That I had not asked for help.",
             "### Reflective account 3", "### Reflective discussion", "**Who you talked it over with**", "Morag",
             "2026-11-27", "**Accounts you talked about**", "- Reflective account 2", "- Reflective account 1",
             "**Summaries you had sent them beforehand**", "- Sent 2026-11-20 (ref 1a2b3c4d)"]
    at = 0
    for part in order:
        at = text.index(part, at)
    assert "deleted" not in text and "Other answers" not in text and "__revalidation" not in text


def test_a_generic_cpd_record_prints_without_the_nmc_specifics():
    plain = lambda field, value: {"activity": "__revalidation", "field": field, "value": value}  # noqa: E731
    text = backup.to_markdown(MODULE, [plain("kind", "generic"), plain("accounts", [{"id": "a"}]),
                                       plain("account.a.themes", ["Preserve safety"]), plain("cpd.code", "My role")])
    assert "## CPD record" in text and "### CPD log\n" in text
    assert "**How it relates to your professional standards or your role**" in text
    assert "Code" not in text and "NMC" not in text and "Preserve safety" not in text
