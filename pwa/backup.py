"""Encrypted journal backups: open one with the passphrase or recovery code, write it as Markdown.

The formats are those of static/js/vault.js (all binary fields standard base64):

- backup  ``{format: "alongside-backup", v: 1, created, vault, entries: [{id, iv, data}]}``
- vault   ``{v: 1, kdf: {name: "PBKDF2", hash: "SHA-256", iterations, salt}, slots: [{kind, iv, wrapped, kdf?}]}``;
  ``wrapped`` is AES-256-GCM(KEK, iv, the 32-byte journal key, AAD ``alongside-slot:v1:<kind>``) and
  KEK = PBKDF2-HMAC-SHA256(secret, salt, iterations, 32 bytes); a slot's own ``kdf`` overrides the vault's.
  The secret is the UTF-8 of the NFC-normalised passphrase, or of the recovery code's 24 characters.
- entry   ``data`` = AES-256-GCM(journal key, iv, UTF-8 JSON ``{activity, field, value, updated, revision}``,
  AAD ``alongside-entry:v1:<id>``).
"""
from __future__ import annotations

import base64
import json
import os
import re
import unicodedata
from datetime import datetime

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

from . import revalidation as records

FORMAT = "alongside-backup"
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U
MAX_ITERATIONS = 10_000_000


class BackupError(Exception):
    """A backup that cannot be opened: ``code`` is 'bad-file' or 'wrong-secret'."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def unb64(text: str) -> bytes:
    return base64.b64decode(text, validate=True)


def recovery_chars(text: str) -> str | None:
    """The recovery code's 24 characters, forgiving case, spaces, dashes, O/0 and I/L/1; else None."""
    s = re.sub(r"[\s-]", "", text.upper()).replace("O", "0").replace("I", "1").replace("L", "1")
    return s if re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{24}", s) else None


def kek_for(kind: str, secret: str, kdf: dict) -> bytes:
    """Derive the key that wraps the journal key in one slot."""
    raw = (recovery_chars(secret) or "") if kind == "recovery" else unicodedata.normalize("NFC", secret)
    if kdf.get("name") != "PBKDF2" or kdf.get("hash") != "SHA-256":
        raise BackupError("bad-file", f"The backup uses a key derivation this version cannot read ({kdf.get('name')}).")
    iterations = kdf.get("iterations")
    if not isinstance(iterations, int) or not 1 <= iterations <= MAX_ITERATIONS:
        raise BackupError("bad-file", "The backup's key settings are damaged.")
    return PBKDF2HMAC(hashes.SHA256(), 32, unb64(kdf["salt"]), iterations).derive(raw.encode())


def slot_aad(kind: str) -> bytes:
    return f"alongside-slot:v1:{kind}".encode()


def entry_aad(entry_id: str) -> bytes:
    return f"alongside-entry:v1:{entry_id}".encode()


def read_backup(text: str | bytes) -> dict:
    """Parse and check a backup file; raise BackupError('bad-file') with a readable reason."""
    try:
        backup = json.loads(text)
    except (ValueError, UnicodeDecodeError):
        raise BackupError("bad-file", "This file is not an Alongside backup (it is not JSON).") from None
    if not isinstance(backup, dict) or backup.get("format") != FORMAT:
        raise BackupError("bad-file", "This file is not an Alongside backup.")
    if backup.get("v") != 1:
        raise BackupError("bad-file", f"This backup is version {backup.get('v')!r}; this program reads version 1.")
    vault, entries = backup.get("vault"), backup.get("entries")
    ok = (isinstance(vault, dict) and isinstance(vault.get("kdf"), dict) and isinstance(vault.get("slots"), list)
          and isinstance(entries, list)
          and all(isinstance(e, dict) and all(isinstance(e.get(k), str) for k in ("id", "iv", "data")) for e in entries))
    if not ok:
        raise BackupError("bad-file", "This Alongside backup is damaged: its journal or entries are missing.")
    return backup


def open_vault(vault: dict, secret: str) -> bytes:
    """Return the journal key, trying each slot the secret could open; raise BackupError('wrong-secret')."""
    slots = list(vault["slots"])
    if recovery_chars(secret):
        slots.reverse()
    for slot in slots:
        if slot.get("kind") == "recovery" and not recovery_chars(secret):
            continue
        try:
            kek = kek_for(slot["kind"], secret, slot.get("kdf") or vault["kdf"])
            return AESGCM(kek).decrypt(unb64(slot["iv"]), unb64(slot["wrapped"]), slot_aad(slot["kind"]))
        except InvalidTag:
            continue
        except (KeyError, TypeError, ValueError):
            raise BackupError("bad-file", "This Alongside backup is damaged: its key slots cannot be read.") from None
    raise BackupError("wrong-secret", "That passphrase or recovery code does not open this backup.")


def open_entry(key: bytes, entry: dict) -> dict:
    plain = AESGCM(key).decrypt(unb64(entry["iv"]), unb64(entry["data"]), entry_aad(entry["id"]))
    return json.loads(plain)


def decrypt_backup(text: str | bytes, secret: str) -> tuple[dict, list[dict]]:
    """Return (backup, answers): the newest answer for each (activity, field), decrypted."""
    backup = read_backup(text)
    key = open_vault(backup["vault"], secret)
    newest: dict[tuple, dict] = {}
    for entry in backup["entries"]:
        try:
            plain = open_entry(key, entry)
        except (InvalidTag, ValueError):
            raise BackupError("bad-file", f"This backup is damaged: entry {entry['id']} cannot be decrypted.") from None
        slot = (plain["activity"], plain["field"])
        if slot not in newest or _order(plain) > _order(newest[slot]):
            newest[slot] = plain
    return backup, list(newest.values())


def _order(plain: dict) -> tuple[int, datetime]:
    """Newer first by the journal's edit counter (seq), which no device clock can skew; then by time."""
    seq = plain.get("seq")
    when = datetime.fromisoformat(str(plain.get("updated", "1970-01-01T00:00:00Z")).replace("Z", "+00:00"))
    return (seq if isinstance(seq, int) else -1, when)


# Making vaults and entries: for test vectors (tests/vectors/make_journal_vectors.py).

def make_vault(passphrase: str, recovery_code: str, iterations: int = 600_000, raw_key: bytes | None = None,
               salt: bytes | None = None, ivs: tuple[bytes, bytes] | None = None) -> tuple[dict, bytes]:
    """Return (vault record, journal key), as static/js/vault.js makes them."""
    raw_key = raw_key or os.urandom(32)
    kdf = {"name": "PBKDF2", "hash": "SHA-256", "iterations": iterations, "salt": b64(salt or os.urandom(16))}
    slots = []
    for (kind, secret), iv in zip((("passphrase", passphrase), ("recovery", recovery_code)),
                                  ivs or (os.urandom(12), os.urandom(12)), strict=True):
        wrapped = AESGCM(kek_for(kind, secret, kdf)).encrypt(iv, raw_key, slot_aad(kind))
        slots.append({"kind": kind, "iv": b64(iv), "wrapped": b64(wrapped)})
    return {"v": 1, "kdf": kdf, "slots": slots}, raw_key


def seal_entry(key: bytes, entry_id: str, plain: dict, iv: bytes | None = None) -> dict:
    iv = iv or os.urandom(12)
    data = AESGCM(key).encrypt(iv, json.dumps(plain, ensure_ascii=False).encode(), entry_aad(entry_id))
    return {"id": entry_id, "iv": b64(iv), "data": b64(data)}


# Markdown, in module order.

def render_value(spec: dict | None, value) -> list[str]:
    """Markdown lines for one answer, by field type (unknown fields: by the value's shape)."""
    kind = (spec or {}).get("type")
    if value is None or value == "" or value == [] or value is False:
        return []
    if kind == "drawing" or (isinstance(value, dict) and "strokes" in value):
        alt = str(value.get("alt") or "").strip() if isinstance(value, dict) else ""
        return [f"{alt} (drawing not included)" if alt else "(drawing not included)"]
    if kind == "scale" or (isinstance(value, (int, float)) and not isinstance(value, bool)):
        return [f"{value} / {spec['max']}" if spec and "max" in spec else str(value)]
    if isinstance(value, list):
        lines = []
        for item in value:
            if isinstance(item, dict) and ("from" in item or "to" in item):
                if item.get("from") or item.get("to"):
                    lines.append(f"- {item.get('from', '')} → {item.get('to', '')}")
            elif isinstance(item, str) and item.strip():
                lines.append(f"- {item}")
            elif item not in (None, ""):
                lines.append(f"- {json.dumps(item, ensure_ascii=False)}")
        return lines
    if isinstance(value, str):  # each line its own paragraph, so a Markdown viewer keeps the line breaks
        return "\n\n".join(line for line in value.strip().splitlines() if line.strip()).split("\n")
    return [json.dumps(value, ensure_ascii=False)]


def to_markdown(module, answers: list[dict], created: str | None = None) -> str:
    """The journal as Markdown: module, sections, activities and field labels in module order."""
    by_activity: dict[str, dict[str, dict]] = {}
    for plain in answers:
        by_activity.setdefault(str(plain["activity"]), {})[str(plain["field"])] = plain
    out = [f"# {module.title}", "", "My reflections, decrypted from an Alongside backup"
           + (f" made {created}" if created else "") + ". Keep this file private.", ""]
    shown: set[tuple[str, str]] = set()
    for section in module.sections:
        blocks = []
        for activity in section.activities:
            mine = by_activity.get(activity["id"], {})
            body = []
            status = mine.get("__status")
            if status:
                shown.add((activity["id"], "__status"))
                if status.get("value"):
                    body += ["Marked done" if status["value"] in ("done", True) else f"Status: {status['value']}", ""]
            for spec in activity["fields"]:
                plain = mine.get(spec["id"])
                if plain is None:
                    continue
                shown.add((activity["id"], spec["id"]))
                lines = render_value(spec, plain.get("value"))
                if lines:
                    body += [f"**{spec['label']}**", "", *lines, ""]
            if body:
                blocks += [f"### Activity {activity['id']}: {activity['title']}", "", *body]
        if blocks:
            number = f"{section.number} " if section.number else ""
            out += [f"## {number}{section.title}", "", *blocks]
    out += revalidation_markdown(module, by_activity)
    rest = sorted((p for p in answers if (str(p["activity"]), str(p["field"])) not in shown
                   and p["activity"] != records.ACTIVITY),
                  key=lambda p: (str(p["activity"]), str(p["field"])))
    rest = [(p, render_value(None, p.get("value"))) for p in rest]
    rest = [(p, lines) for p, lines in rest if lines]
    if rest:
        out += ["## Other answers", "", "Answers to questions this version of the module no longer asks.", ""]
        for plain, lines in rest:
            out += [f"**Activity {plain['activity']}, {plain['field']}**", "", *lines, ""]
    return "\n".join(out).rstrip() + "\n"


def revalidation_markdown(module, by_activity: dict[str, dict[str, dict]]) -> list[str]:
    """The /revalidation records in the order of the NMC's forms: the CPD log row, each reflective account, the
    reflective discussion. Labels come from pwa/revalidation.py, as on the page; an unanswered question shows "—"."""
    mine = by_activity.get(records.ACTIVITY, {})
    value = lambda field: (mine.get(field) or {}).get("value")  # noqa: E731
    if all(p.get("value") in (None, "", []) for p in mine.values()):
        return []
    kind = "generic" if value("kind") == "generic" else "nmc"
    accounts = [a for a in value("accounts") or [] if isinstance(a, dict) and a.get("id")]
    number = {a["id"]: n for n, a in enumerate(accounts, 1)}
    done = [f"{a['id']} {a['title']}" for a in module.activities
            if (by_activity.get(a["id"], {}).get("__status") or {}).get("value") == "done"]

    def block(fields, prefix):
        lines = []
        for spec in fields:
            if spec.nmc_only and kind == "generic":
                continue
            answer = value(prefix + spec.id)
            if spec.id == "accounts":
                answer = [f"Reflective account {number[i]}" for i in answer or [] if i in number]
            elif spec.id == "summaries":
                answer = [f"Sent {str(s.get('sent', ''))[:10]} (ref {str(s.get('id', ''))[:8]})"
                          for s in answer or [] if isinstance(s, dict)]
            lines += [f"**{spec.label_for(kind)}**", "", *(render_value(None, answer) or ["—"]), ""]
        return lines

    out = ["## Revalidation" if kind == "nmc" else "## CPD record", "",
           "### CPD log" + (" (NMC)" if kind == "nmc" else ""), "", *block(records.CPD, "cpd."),
           f"**{records.EVIDENCE}**", "", *([f"- {d}" for d in done] or ["—"]), ""]
    for account in accounts:
        out += [f"### Reflective account {number[account['id']]}", ""]
        if account.get("from"):
            out += [f"Drawn from activities {', '.join(map(str, account['from']))}.", ""]
        out += block(records.ACCOUNT, f"account.{account['id']}.")
    return out + ["### Reflective discussion", "", *block(records.DISCUSSION, "talk."), ""]
