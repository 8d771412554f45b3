"""Write journal_v1.json (a backup file made in Python) and journal_v1_expected.json (what it holds).

Deterministic: fixed key, salt, IVs and ids, so re-running gives the same files. The browser must
import journal_v1.json (tests/e2e/test_backup.py) and pwa/backup.py must decrypt it (tests/test_backup.py).
Run: python tests/vectors/make_journal_vectors.py
"""
import hashlib
import json
from pathlib import Path

from pwa.backup import make_vault, seal_entry

HERE = Path(__file__).parent
PASSPHRASE = "tea at three, then handover"
RECOVERY_CODE = "7K2M-Q9RT-VW3X-YZ45-ABCD-EFGH"
ITERATIONS = 600_000


def fixed(label: str, n: int) -> bytes:
    return hashlib.sha256(f"alongside vectors v1: {label}".encode()).digest()[:n]


ANSWERS = [  # (activity, field, value, updated, revision)
    ("2.0", "people", ["Morag (charge nurse)", "Dev", "Aunt Sìne"], "2024-05-01T21:14:03.120Z", 1),
    ("2.0", "__status", "done", "2024-05-01T21:15:00.000Z", 1),
    ("2.1", "gender", "Woman, she/her", "2024-05-02T08:00:00.000Z", 1),
    ("2.1", "gender", "an older answer that lost", "2024-05-01T08:00:00.000Z", 1),
    ("2.1", "personality", "Calm on the outside.\nAnxious inside — sometimes 😬", "2024-05-02T08:05:00.000Z", 1),
    ("2.3", "strengths", ["Listening", "Empathy"], "2024-05-03T10:00:00.000Z", 1),
    ("2.7", "away_towards", [{"from": "Doing to", "to": "Doing with"}, {"from": "Fixing", "to": "Listening"}],
     "2024-05-03T10:30:00.000Z", 1),
    ("2.8", "landscape", {"strokes": [[0.1, 0.2, 0.3, 0.4, 0.5, 0.45]], "alt": "A hill with a path up it"},
     "2024-05-03T11:00:00.000Z", 1),
    ("2.12", "comments", ["Ask before touching", "", "Knock first"], "2024-05-04T09:00:00.000Z", 1),
    ("2.13", "supervisor_honesty", 7, "2024-05-05T12:00:00.000Z", 1),
]


def main():
    vault, key = make_vault(PASSPHRASE, RECOVERY_CODE, ITERATIONS, raw_key=fixed("journal key", 32),
                            salt=fixed("salt", 16), ivs=(fixed("slot iv passphrase", 12), fixed("slot iv recovery", 12)))
    entries = []
    for n, (activity, field, value, updated, revision) in enumerate(ANSWERS):
        entry_id = fixed(f"id {n}", 16).hex()
        plain = {"activity": activity, "field": field, "value": value, "updated": updated, "revision": revision}
        entries.append(seal_entry(key, entry_id, plain, iv=fixed(f"entry iv {n}", 12)))
    backup = {"format": "alongside-backup", "v": 1, "created": "2024-05-06T07:00:00.000Z", "vault": vault,
              "entries": entries}
    newest = {}
    for activity, field, value, updated, revision in ANSWERS:
        if (activity, field) not in newest or updated > newest[(activity, field)]["updated"]:
            newest[(activity, field)] = {"activity": activity, "field": field, "value": value, "updated": updated,
                                         "revision": revision}
    expected = {"passphrase": PASSPHRASE, "recovery_code": RECOVERY_CODE, "answers": list(newest.values())}
    (HERE / "journal_v1.json").write_text(json.dumps(backup, indent=1) + "\n")
    (HERE / "journal_v1_expected.json").write_text(json.dumps(expected, indent=1, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
