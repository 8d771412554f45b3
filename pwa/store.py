"""Server storage: Alongside's data behind functions named for what they do.

Accounts, pairing codes and devices live in ``accounts.json``; each supervisor's
summaries live in ``summaries/<supervisor id>.json``, so a write costs one
supervisor's data, not everyone's. Each file is a ``StoreFile`` (storefile.py):
TinyDB with crash-safe writes under thread and file locks, group commit.

Secret tokens (pairing codes, device tokens, set-up links) are stored only as
HMAC-SHA256 under a key kept beside the files (``token_key``, mode 0600): a
leaked accounts file does not give away the 8-character pairing codes. Files
written before that hold plain SHA-256; those are still found, and a device's
is rewritten as an HMAC the next time the device is seen.

A document that lacks a field this module writes is named in the log once and
treated as absent, except a damaged summary: its supervisor still sees (and can
delete) it. A write the disk refuses raises ``StoreUnavailable``.

Views never touch TinyDB: they call ``get_store()`` and the methods of ``Store``. With the
``DATABASE_URL`` setting, ``get_store()`` is a ``store_pg.PgStore`` instead: the same methods, the
same refusals, on PostgreSQL.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import os
import re
import secrets
import threading
from collections import OrderedDict
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flask import current_app
from tinydb import where
from tinydb.table import Document, Table
from werkzeug.security import check_password_hash, generate_password_hash

from .storefile import CorruptFile, StoreFile

ACCOUNTS = "accounts.json"
SUMMARIES = "summaries"
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: read aloud or copied by hand
CODE_LENGTH = 8
PASSWORD_MIN_CHARS = 12
CACHED_FILES = 64  # parsed files kept per process; the rest are read again when next used
_SUPERVISOR_ID = re.compile(r"[0-9a-f]{16}")  # matched whole (fullmatch)
TOKEN_KEY = "token_key"
log = logging.getLogger(__name__)

# The fields (and their types) every document of a table must have; other documents are damaged.
FIELDS = {
    "supervisors": {"email": str, "name": str},
    "devices": {"supervisor_id": str, "display_name": str, "token_hash": str, "paired": str},
    "pairing_codes": {"supervisor_id": str, "expires": str},
    "summaries": {"device_id": str, "envelope": dict, "received": str, "discussed": bool},
}


def now() -> datetime:
    """Return the time in UTC (tests replace this to move the clock)."""
    return datetime.now(UTC)


def timestamp(moment: datetime) -> str:
    """Return a UTC time as fixed-width ISO 8601, so stored times sort as text."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text)


def legacy_token_hash(token: str) -> str:
    """Return the plain SHA-256 (hex) under which files written before HMAC keys hold a token."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def normalise_code(code: str) -> str:
    """Return a pairing code as stored: capitals, without spaces or dashes."""
    return re.sub(r"[\s\-]", "", code).upper()


def format_code(code: str) -> str:
    """Return a pairing code grouped for reading aloud: K7QM-4XPD."""
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))


def normalise_email(email: str) -> str:
    return email.strip().lower()


def password_problem(password: str) -> str | None:
    """Return why a new password is not acceptable, or None."""
    if len(password) < PASSWORD_MIN_CHARS:
        return f"The password must be at least {PASSWORD_MIN_CHARS} characters."
    return None


class StoreError(Exception):
    """Something the store refuses to do; ``reason`` names it for the caller to explain."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


OPTIONAL = {
    "supervisors": {"password_hash": None, "setup_hash": None, "setup_expires": None, "session_version": 0,
                    "key": None},
    "devices": {"revoked": None},
    "pairing_codes": {"used": None, "device_id": None},
    "summaries": {},
}
TIMES = ("paired", "expires", "received")


def _record(doc: Document | None) -> dict | None:
    """Return a stored document as a plain dict with its key as ``id``."""
    return None if doc is None else dict(doc, id=doc.doc_id)


def damage(doc: dict, table: str) -> str | None:
    """Say what a stored document lacks of what this module writes, or None if it is whole."""
    for name, kind in FIELDS[table].items():
        value = doc.get(name)
        if not isinstance(value, kind):
            return f"'{name}' is missing or not {kind.__name__}"
        if name in TIMES and _time_or_none(value) is None:
            return f"'{name}' is not a time"
    return None


def _time_or_none(text) -> datetime | None:
    try:
        moment = parse_time(text)
    except (TypeError, ValueError):
        return None
    return moment if moment.tzinfo is not None else None


def _expired(text) -> bool:
    """True if a stored expiry time has passed (or cannot be read)."""
    moment = _time_or_none(text)
    return moment is None or moment <= now()


def _token_key(path: Path) -> bytes:
    """Read the key token hashes are made with, making it (mode 0600) on first use."""
    if not path.exists():
        tmp = path.with_name(f"{path.name}.{secrets.token_hex(4)}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_hex(32) + "\n")
                f.flush()
                os.fsync(f.fileno())
            os.link(tmp, path)  # another process may have made it meanwhile: the first one wins
        except FileExistsError:
            pass
        finally:
            tmp.unlink(missing_ok=True)
    try:
        key = bytes.fromhex(path.read_text().strip())
    except ValueError:
        key = b""
    if len(key) < 32:
        raise CorruptFile(f"{path} is not a key this server made; restore it from a backup "
                          "(without it, paired phones and unused pairing codes stop working).")
    return key


class Store:
    """Alongside's data in ``folder``: accounts, codes and devices, and each supervisor's summaries."""

    def __init__(self, folder):
        self.folder = Path(folder)
        (self.folder / SUMMARIES).mkdir(mode=0o700, parents=True, exist_ok=True)
        self._key = _token_key(self.folder / TOKEN_KEY)
        self._files: dict[Path, StoreFile] = {}
        self._recent: OrderedDict[Path, None] = OrderedDict()
        self._files_lock = threading.Lock()
        self._reported: set[tuple] = set()

    def _file(self, path: Path) -> StoreFile:
        with self._files_lock:
            store_file = self._files.get(path)
            if store_file is None:
                store_file = self._files[path] = StoreFile(path)
            self._recent[path] = None
            self._recent.move_to_end(path)
            while len(self._recent) > CACHED_FILES:
                oldest, _ = self._recent.popitem(last=False)
                self._files[oldest].forget()
        return store_file

    def _accounts(self) -> StoreFile:
        return self._file(self.folder / ACCOUNTS)

    def _summaries(self, supervisor_id: str) -> StoreFile:
        if not _SUPERVISOR_ID.fullmatch(supervisor_id):
            raise ValueError(f"not a supervisor id: {supervisor_id!r}")
        return self._file(self.folder / SUMMARIES / f"{supervisor_id}.json")

    def token_hash(self, token: str) -> str:
        """Return the HMAC-SHA256 (hex) under which a secret token is stored."""
        return hmac.new(self._key, token.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()

    def _hashes(self, token: str) -> tuple[str, str]:
        """The hashes a token may be stored under: this server's HMAC, then the plain SHA-256 of older files."""
        return self.token_hash(token), legacy_token_hash(token)

    def _whole(self, doc: Document | None, table: str, where_from: str = ACCOUNTS) -> dict | None:
        """Return a document as a record, optional fields filled in; None (named in the log once) if damaged."""
        if doc is None:
            return None
        problem = damage(doc, table)
        if problem is None:
            return {**OPTIONAL[table], **doc, "id": doc.doc_id}
        self._report(where_from, table, doc.doc_id, problem)
        return None

    def _report(self, where_from: str, table: str, doc_id: str, problem: str) -> None:
        with self._files_lock:
            if (where_from, doc_id, problem) in self._reported:
                return
            self._reported.add((where_from, doc_id, problem))
        treated = "shown to its supervisor as 'could not be shown'" if table == "summaries" else "treated as absent"
        log.warning("Damaged document in %s: %s %r: %s. It is %s until it is repaired from a backup or deleted.",
                    self.folder / where_from, table, doc_id, problem, treated)

    # Supervisors

    def create_supervisor(self, email: str, name: str, password: str | None = None) -> dict:
        """Add a supervisor account; without a password they set one through a setup link."""
        email = normalise_email(email)
        password_hash = hash_password(password) if password else None

        def create(db):
            people = db.table("supervisors")
            if people.get(where("email") == email):
                raise StoreError("email_taken")
            supervisor_id = secrets.token_hex(8)
            people.insert(Document({"email": email, "name": name.strip(), "password_hash": password_hash,
                                    "created": timestamp(now()), "setup_hash": None, "setup_expires": None,
                                    "session_version": 0}, doc_id=supervisor_id))
            return self._whole(people.get(doc_id=supervisor_id), "supervisors")
        return self._accounts().change(create)

    def get_supervisor(self, supervisor_id: str) -> dict | None:
        return self._whole(self._accounts().view().table("supervisors").get(doc_id=supervisor_id), "supervisors")

    def supervisor_by_email(self, email: str) -> dict | None:
        people = self._accounts().view().table("supervisors")
        return self._whole(people.get(where("email") == normalise_email(email)), "supervisors")

    def list_supervisors(self) -> list[dict]:
        """Every supervisor with how many phones are paired to them, by email."""
        db = self._accounts().view()
        devices = [d for d in self._all(db, "devices") if not d["revoked"]]
        people = self._all(db, "supervisors")
        for person in people:
            person["devices"] = sum(1 for d in devices if d["supervisor_id"] == person["id"])
        return sorted(people, key=lambda p: p["email"])

    def _all(self, db, table: str) -> list[dict]:
        """Every whole document of an accounts table, as records."""
        return [record for doc in db.table(table).all() if (record := self._whole(doc, table)) is not None]

    def set_password(self, supervisor_id: str, password: str) -> None:
        """Change a supervisor's password; every session they have ends."""
        self._update_supervisor(supervisor_id, {
            "password_hash": hash_password(password),
            "setup_hash": None, "setup_expires": None}, end_sessions=True)

    def end_sessions(self, supervisor_id: str) -> None:
        """End every signed-in session of a supervisor (sessions carry the version they began with)."""
        self._update_supervisor(supervisor_id, {}, end_sessions=True)

    def _update_supervisor(self, supervisor_id: str, fields: dict, end_sessions: bool = False) -> None:
        def update(db):
            people = db.table("supervisors")
            person = people.get(doc_id=supervisor_id)
            if person is None:
                raise StoreError("supervisor_gone")
            people.update(_ending_sessions(person, fields) if end_sessions else fields, doc_ids=[supervisor_id])
        self._accounts().change(update)

    def set_supervisor_key(self, supervisor_id: str, key: dict) -> bool:
        """Give a supervisor who has none their key (from seal.parse_supervisor_key); False if they have one."""
        def give(db):
            people = db.table("supervisors")
            person = people.get(doc_id=supervisor_id)
            if person is None:
                raise StoreError("supervisor_gone")
            if person.get("key") is not None:
                return False
            people.update({"key": key}, doc_ids=[supervisor_id])
            return True
        return self._accounts().change(give)

    def check_login(self, email: str, password: str) -> dict | None:
        """Return the supervisor whose email and password these are, or None."""
        person = self.supervisor_by_email(email)
        if person is None or not isinstance(person["password_hash"], str):
            check_password_hash(_dummy_hash(), password)  # take as long as a real check
            return None
        return person if check_password_hash(person["password_hash"], password) else None

    def create_setup_link(self, supervisor_id: str, hours: float) -> str:
        """Return a one-time token with which a supervisor sets their password."""
        token = secrets.token_urlsafe(32)
        self._update_supervisor(supervisor_id, {"setup_hash": self.token_hash(token),
                                                "setup_expires": timestamp(now() + timedelta(hours=hours))})
        return token

    def _setup_person(self, people: Table, token: str) -> Document:
        """Return the supervisor a setup link is for, or raise link_unknown / link_expired."""
        person = next((p for h in self._hashes(token) if (p := people.get(where("setup_hash") == h))), None)
        if self._whole(person, "supervisors") is None:
            raise StoreError("link_unknown")
        if _expired(person.get("setup_expires")):
            raise StoreError("link_expired")
        return person

    def supervisor_for_setup(self, token: str) -> dict:
        """Return the supervisor a setup link is for, or raise link_unknown / link_expired."""
        return self._whole(self._setup_person(self._accounts().view().table("supervisors"), token), "supervisors")

    def redeem_setup_link(self, token: str, password: str, key: dict | None = None) -> dict:
        """Set a supervisor's password through their setup link, which then stops working.

        ``key`` (from seal.parse_supervisor_key) replaces their key, wrapped under the new password.
        Every session the supervisor had ends: whoever held the old password is signed out.
        """
        password_hash = hash_password(password)
        fields = {"password_hash": password_hash, "setup_hash": None, "setup_expires": None,
                  **({"key": key} if key is not None else {})}

        def redeem(db):
            people = db.table("supervisors")
            person = self._setup_person(people, token)
            people.update(_ending_sessions(person, fields), doc_ids=[person.doc_id])
            return self._whole(people.get(doc_id=person.doc_id), "supervisors")
        return self._accounts().change(redeem)

    def remove_supervisor(self, email: str) -> dict | None:
        """Delete a supervisor with their summaries, devices and codes; return what went, or None."""
        def remove(db):
            person = db.table("supervisors").get(where("email") == normalise_email(email))
            if person is None:
                return None
            supervisor_id = person.doc_id
            devices = db.table("devices").remove(where("supervisor_id") == supervisor_id)
            codes = db.table("pairing_codes").remove(where("supervisor_id") == supervisor_id)
            db.table("supervisors").remove(doc_ids=[supervisor_id])
            return {"id": supervisor_id, "devices": len(devices), "codes": len(codes)}
        gone = self._accounts().change(remove)
        if gone is None:
            return None
        summaries_file = self._summaries(gone["id"])
        gone["summaries"] = len(summaries_file.view().table("summaries"))
        summaries_file.delete()  # no summary can arrive now: put_summary checks the device under its lock
        return gone

    # Pairing codes and devices

    def create_pairing_code(self, supervisor_id: str, hours: float) -> tuple[str, datetime]:
        """Make a single-use pairing code for a supervisor; return it (ungrouped) and when it expires."""
        moment = now()
        expires = moment + timedelta(hours=hours)

        def create(db):
            if db.table("supervisors").get(doc_id=supervisor_id) is None:
                raise StoreError("supervisor_gone")
            codes = db.table("pairing_codes")
            # Codes that ended over a day ago can only ever be refused; keep the file small.
            cutoff = timestamp(moment - timedelta(days=1))
            codes.remove(doc_ids=[c.doc_id for c in codes.all() if isinstance(c.get("expires"), str)
                                  and c["expires"] < cutoff])
            while True:
                code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
                if codes.get(doc_id=self.token_hash(code)) is None:
                    break
            codes.insert(Document({"supervisor_id": supervisor_id, "created": timestamp(moment),
                                   "expires": timestamp(expires), "used": None, "device_id": None},
                                  doc_id=self.token_hash(code)))
            return code
        return self._accounts().change(create), expires

    def open_pairing_codes(self, supervisor_id: str) -> list[dict]:
        """The supervisor's codes not yet used or expired (without the codes themselves), soonest first."""
        codes = self._all(self._accounts().view(), "pairing_codes")
        return sorted(({"created": c.get("created"), "expires": c["expires"]} for c in codes
                       if c["supervisor_id"] == supervisor_id and not c["used"] and not _expired(c["expires"])),
                      key=lambda c: c["expires"])

    def redeem_pairing_code(self, code: str, display_name: str, needs_key: bool = False) -> tuple[dict, str, dict]:
        """Pair a phone with a code; return (device, device token, supervisor).

        Raises code_unknown, code_used or code_expired, and with ``needs_key`` no_key
        (the supervisor has no key to seal to yet; the code stays unused). The token
        is returned once and stored only as its HMAC.
        """
        keys = self._hashes(normalise_code(code))
        token = secrets.token_urlsafe(32)

        def redeem(db):
            codes = db.table("pairing_codes")
            key, found = next(((k, c) for k in keys if (c := codes.get(doc_id=k)) is not None), (None, None))
            found = self._whole(found, "pairing_codes")
            if found is None:
                raise StoreError("code_unknown")
            if found["used"]:
                raise StoreError("code_used")
            if _expired(found["expires"]):
                raise StoreError("code_expired")
            person = self._whole(db.table("supervisors").get(doc_id=found["supervisor_id"]), "supervisors")
            if person is None:
                raise StoreError("code_unknown")
            if needs_key and person["key"] is None:
                raise StoreError("no_key")
            device_id = secrets.token_hex(8)
            devices = db.table("devices")
            devices.insert(Document({"supervisor_id": person["id"], "display_name": display_name,
                                     "token_hash": self.token_hash(token), "paired": timestamp(now()),
                                     "revoked": None}, doc_id=device_id))
            codes.update({"used": timestamp(now()), "device_id": device_id}, doc_ids=[key])
            return self._whole(devices.get(doc_id=device_id), "devices"), token, person
        return self._accounts().change(redeem)

    def device_for_token(self, token: str) -> dict | None:
        """Return the device a bearer token belongs to (revoked ones too), or None."""
        accounts = self._accounts()
        snapshot = accounts.load()
        index = snapshot.index("devices", "token_hash")
        current, legacy = self._hashes(token)
        device_id = index.get(current)
        if device_id is None and (device_id := index.get(legacy)) is not None:
            self._rehash_device(device_id, legacy, current)
        return None if device_id is None else self._whole(accounts.view(snapshot).table("devices").get(
            doc_id=device_id), "devices")

    def _rehash_device(self, device_id: str, legacy: str, current: str) -> None:
        """Store a device's token as this server's HMAC instead of the plain SHA-256 of older files."""
        def rehash(db):
            devices = db.table("devices")
            device = devices.get(doc_id=device_id)
            if device is not None and device.get("token_hash") == legacy:
                devices.update({"token_hash": current}, doc_ids=[device_id])
        self._accounts().change(rehash)

    def get_device(self, device_id: str) -> dict | None:
        return self._whole(self._accounts().view().table("devices").get(doc_id=device_id), "devices")

    def devices_for_supervisor(self, supervisor_id: str) -> list[dict]:
        """The supervisor's paired (not revoked) devices, oldest pairing first."""
        devices = self._all(self._accounts().view(), "devices")
        return sorted((d for d in devices if d["supervisor_id"] == supervisor_id and not d["revoked"]),
                      key=lambda d: d["paired"])

    def revoke_device(self, supervisor_id: str, device_id: str) -> bool:
        """Stop a supervisee's device: its token stops working and its summaries are deleted."""
        def revoke(db):
            devices = db.table("devices")
            device = devices.get(doc_id=device_id)
            if device is None or device.get("supervisor_id") != supervisor_id or device.get("revoked"):
                return False
            # Kept (revoked) so the phone can be told why it is refused.
            devices.update({"revoked": timestamp(now())}, doc_ids=[device_id])
            return True
        if not self._accounts().change(revoke):
            return False
        self._delete_device_summaries(supervisor_id, device_id)
        return True

    def unpair_device(self, device: dict) -> int:
        """Forget a device and delete every summary it sent; return how many were deleted."""
        def forget(db):
            devices = db.table("devices")
            if devices.get(doc_id=device["id"]) is not None:
                devices.remove(doc_ids=[device["id"]])
        self._accounts().change(forget)
        return self._delete_device_summaries(device["supervisor_id"], device["id"])

    def _delete_device_summaries(self, supervisor_id: str, device_id: str) -> int:
        def delete(db):
            summaries = db.table("summaries")
            if not summaries.contains(where("device_id") == device_id):
                return 0
            return len(summaries.remove(where("device_id") == device_id))
        return self._summaries(supervisor_id).change(delete)

    # Summaries

    def put_summary(self, device: dict, summary_id: str, envelope: dict, limit: int | None = None) -> bool:
        """Store a sealed summary once; return True if new, False if this exact one was already stored.

        Raises summary_differs (same id, other envelope), summary_other_device
        (the id belongs to another phone), too_many (the device already has
        ``limit`` summaries stored) or device_gone.
        """
        def put(db):
            # Checked under this file's lock: revoking or unpairing marks the device first and then
            # clears its summaries under this lock, so nothing can slip in after the clearing.
            current = self.get_device(device["id"])
            if current is None or current["revoked"] or current["supervisor_id"] != device["supervisor_id"]:
                raise StoreError("device_gone")
            summaries = db.table("summaries")
            found = summaries.get(doc_id=summary_id)
            if found is not None:
                if found.get("device_id") != device["id"]:
                    raise StoreError("summary_other_device")
                if found.get("envelope") != envelope:
                    raise StoreError("summary_differs")
                return False
            if limit is not None and summaries.count_equal("device_id", device["id"]) >= limit:
                raise StoreError("too_many")
            summaries.insert(Document({"device_id": device["id"], "envelope": envelope,
                                       "received": timestamp(now()), "discussed": False}, doc_id=summary_id))
            return True
        return self._summaries(device["supervisor_id"]).change(put)

    def delete_summary(self, supervisor_id: str, summary_id: str, device_id: str | None = None) -> bool:
        """Delete one summary; return False if it was not there.

        With ``device_id``, refuse (summary_other_device) a summary another phone sent.
        """
        def delete(db):
            summaries = db.table("summaries")
            found = summaries.get(doc_id=summary_id)
            if found is None:
                return False
            if device_id is not None and found.get("device_id") != device_id:
                raise StoreError("summary_other_device")
            summaries.remove(doc_ids=[summary_id])
            return True
        return self._summaries(supervisor_id).change(delete)

    def replace_envelope(self, supervisor_id: str, summary_id: str, was: dict, envelope: dict) -> bool:
        """Swap a stored summary's envelope ``was`` for ``envelope`` (re-sealed); False if it is gone or changed."""
        def swap(db):
            summaries = db.table("summaries")
            found = summaries.get(doc_id=summary_id)
            if found is None or found.get("envelope") != was:
                return False
            summaries.update({"envelope": envelope}, doc_ids=[summary_id])
            return True
        return self._summaries(supervisor_id).change(swap)

    def mark_discussed(self, supervisor_id: str, summary_id: str, discussed: bool) -> bool:
        """Mark a summary as discussed (or not yet); return False if it is not there."""
        def mark(db):
            summaries = db.table("summaries")
            found = summaries.get(doc_id=summary_id)
            if found is None:
                return False
            if found.get("discussed") is not discussed:
                summaries.update({"discussed": discussed}, doc_ids=[summary_id])
            return True
        return self._summaries(supervisor_id).change(mark)

    def summaries_for_supervisor(self, supervisor_id: str) -> list[dict]:
        """Every summary sent to a supervisor (still sealed), newest first.

        A damaged one comes last, with ``damaged`` true and whatever of its
        ``device_id`` and ``discussed`` could be read, so it can still be deleted.
        """
        where_from = f"{SUMMARIES}/{supervisor_id}.json"
        records = []
        for doc in self._summaries(supervisor_id).view().table("summaries").all():
            record = self._whole(doc, "summaries", where_from)
            if record is None:
                device_id = doc.get("device_id")
                record = {"id": doc.doc_id, "device_id": device_id if isinstance(device_id, str) else None,
                          "envelope": None, "received": "", "discussed": doc.get("discussed") is True}
            record["damaged"] = record["envelope"] is None
            records.append(record)
        return sorted(records, key=lambda s: s["received"], reverse=True)

    def summary_ids_for_device(self, device: dict) -> list[str]:
        """The ids of the summaries the server holds from one device."""
        summaries = self._summaries(device["supervisor_id"]).view().table("summaries")
        return sorted(s.doc_id for s in summaries.search(where("device_id") == device["id"]))


def _ending_sessions(person: dict, fields: dict) -> dict:
    """``fields`` with the supervisor's session version moved on, so every earlier session ends."""
    version = person.get("session_version")
    return {**fields, "session_version": (version if isinstance(version, int) else 0) + 1}


# Werkzeug's scrypt (N=2**15, r=8, p=1): about 0.1 s a check here. The Flask tests make it cheaper, as
# the journal tests do PBKDF2 (tests/conftest.py); a test checks this is what the app uses.
PASSWORD_METHOD = "scrypt"
_DUMMY_HASH: dict[str, str] = {}


def hash_password(password: str) -> str:
    """A supervisor's password, hashed to store (both backends)."""
    return generate_password_hash(password, method=PASSWORD_METHOD)


def _dummy_hash() -> str:
    """A hash to check a password against when there is no account, so that takes as long as a real check."""
    if PASSWORD_METHOD not in _DUMMY_HASH:
        _DUMMY_HASH[PASSWORD_METHOD] = hash_password(secrets.token_hex(8))
    return _DUMMY_HASH[PASSWORD_METHOD]


def get_store() -> Store:
    """Return the current app's store."""
    return current_app.extensions["store"]


def init_app(app) -> None:
    """Open the store: PostgreSQL if ``DATABASE_URL`` is set (schema brought up to date), else the instance folder.

    A database that cannot be reached stops the start with one line naming its host (``StartupError``).
    """
    url = app.config.get("DATABASE_URL")
    if not url:
        app.extensions["store"] = Store(Path(app.instance_path) / "store")
        return
    from .errors import StartupError
    from .store_pg import PgStore
    try:
        app.extensions["store"] = PgStore(url)
    except ConnectionError as exc:
        raise StartupError(str(exc)) from None
