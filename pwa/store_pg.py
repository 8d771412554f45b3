"""Server storage in PostgreSQL: the same ``Store`` interface as store.py, chosen by ``DATABASE_URL``.

Constraints do the work the file locks do in the TinyDB store: ids are primary
keys, an email is unique, a summary is keyed by (supervisor, id) so a second PUT
of the same id finds the first, and removing a supervisor or a device cascades to
what hangs off it. Changes that read before they write lock the rows they read
(``FOR UPDATE``): a summary cannot slip in beside a revocation, nor past the
per-phone cap.

Secret tokens are stored as HMAC-SHA256 under a key kept in the database
(``alongside_keys``), so every server process on the database shares it;
``alongside db copy`` brings an instance's ``token_key`` along with its data, and
plain SHA-256 hashes from older files are still found (a device's is rewritten).

The schema is made and brought up to date by ``upgrade`` (at every start, and by
``alongside db upgrade``), under an advisory lock so servers starting together
take turns.
"""
from __future__ import annotations

import secrets
import time
from contextlib import contextmanager
from datetime import timedelta

import psycopg
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb
from psycopg_pool import ConnectionPool, PoolTimeout
from werkzeug.security import check_password_hash

from . import store as base
from .store import StoreError
from .storefile import StoreUnavailable

CONNECT_SECONDS = 10
POOL_SIZE = 16  # connections per process: `alongside serve` runs 8 threads by default
CHECK_AFTER_IDLE_SECONDS = 2.0  # a connection idle longer is checked before it is handed out
_LOCK_ID = 0x616C6F6E  # advisory lock taken while the schema is upgraded ("alon")

# Each entry brings the schema from version i to i + 1; never edit one that has shipped, add another.
MIGRATIONS = [
    """
    CREATE TABLE supervisors (
        id text PRIMARY KEY,
        email text NOT NULL UNIQUE,
        name text NOT NULL,
        password_hash text,
        created text COLLATE "C",
        setup_hash text UNIQUE,
        setup_expires text COLLATE "C",
        session_version integer NOT NULL DEFAULT 0
    );
    CREATE TABLE devices (
        id text PRIMARY KEY,
        supervisor_id text NOT NULL REFERENCES supervisors (id) ON DELETE CASCADE,
        display_name text NOT NULL,
        token_hash text NOT NULL UNIQUE,
        paired text COLLATE "C" NOT NULL,
        revoked text COLLATE "C"
    );
    CREATE INDEX devices_supervisor ON devices (supervisor_id);
    CREATE TABLE pairing_codes (
        id text PRIMARY KEY,
        supervisor_id text NOT NULL REFERENCES supervisors (id) ON DELETE CASCADE,
        created text COLLATE "C",
        expires text COLLATE "C" NOT NULL,
        used text COLLATE "C",
        device_id text
    );
    CREATE INDEX pairing_codes_supervisor ON pairing_codes (supervisor_id);
    CREATE TABLE summaries (
        supervisor_id text NOT NULL REFERENCES supervisors (id) ON DELETE CASCADE,
        id text NOT NULL,
        device_id text NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
        envelope jsonb NOT NULL,
        received text COLLATE "C" NOT NULL,
        discussed boolean NOT NULL DEFAULT false,
        PRIMARY KEY (supervisor_id, id)
    );
    CREATE INDEX summaries_device ON summaries (device_id);
    CREATE TABLE alongside_keys (name text PRIMARY KEY, value text NOT NULL);
    """,
    # Envelope v2: each supervisor's public key and their private key wrapped in their browser.
    """
    ALTER TABLE supervisors ADD COLUMN key jsonb;
    """,
]
SCHEMA_VERSION = len(MIGRATIONS)
DATA_TABLES = ("supervisors", "devices", "pairing_codes", "summaries")
SUPERVISOR = "id, email, name, password_hash, created, setup_hash, setup_expires, session_version, key"
DEVICE = "id, supervisor_id, display_name, token_hash, paired, revoked"


class DatabaseUnavailable(StoreUnavailable):
    """The database refused or dropped a connection; the request is answered 503 and the phone retries."""

    def __init__(self, where: str, exc: Exception):
        RuntimeError.__init__(self, f"{where}: {_first_line(exc)}")
        self.path, self.full = where, False


def _first_line(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def describe(url: str) -> str:
    """Name a database URL's host, port and database, never its password."""
    try:
        parts = psycopg.conninfo.conninfo_to_dict(url)
    except psycopg.Error:
        return "(an unreadable URL)"
    host = parts.get("host") or "localhost"
    return f"{host}:{parts.get('port') or 5432}/{parts.get('dbname') or parts.get('user') or ''}"


def check_url(url: str) -> str | None:
    """Say why ``url`` is not a PostgreSQL URL, or None."""
    if not url.startswith(("postgresql://", "postgres://")):
        return f"{url.split(':', 1)[0]!r} is not a PostgreSQL URL: give one as postgresql://USER:PASSWORD@HOST:PORT/DATABASE."
    try:
        psycopg.conninfo.conninfo_to_dict(url)
    except psycopg.Error as exc:
        return f"The database URL cannot be read ({_first_line(exc)}): give it as postgresql://USER:PASSWORD@HOST:PORT/DATABASE."
    return None


def connect(url: str) -> psycopg.Connection:
    """Connect once, or raise ``ConnectionError`` with one line naming the host (never the password)."""
    problem = check_url(url)
    if problem:
        raise ConnectionError(problem)
    try:
        return psycopg.connect(url, connect_timeout=CONNECT_SECONDS, row_factory=dict_row)
    except psycopg.Error as exc:
        raise ConnectionError(f"Alongside cannot reach the PostgreSQL database at {describe(url)}: {_first_line(exc)}. "
                              "Check ALONGSIDE_DATABASE_URL and that the server is running and lets this "
                              "user in.") from None


def schema_version(conn: psycopg.Connection) -> int:
    """The schema version of the database (0: nothing made yet)."""
    found = conn.execute("SELECT to_regclass('alongside_schema') AS t").fetchone()["t"]
    if found is None:
        return 0
    return conn.execute("SELECT coalesce(max(version), 0) AS v FROM alongside_schema").fetchone()["v"]


def upgrade(url: str) -> tuple[int, int]:
    """Make or bring up to date the schema; return (version before, version after)."""
    with connect(url) as conn:
        return _upgrade(conn, url)


def _upgrade(conn: psycopg.Connection, url: str) -> tuple[int, int]:
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_ID,))
        before = schema_version(conn)
        if before > SCHEMA_VERSION:
            raise ConnectionError(f"The database at {describe(url)} has schema version {before}, newer than "
                                  f"this Alongside's {SCHEMA_VERSION}: upgrade Alongside.")
        if before == 0:
            conn.execute("CREATE TABLE IF NOT EXISTS alongside_schema (version integer PRIMARY KEY, "
                         "applied timestamptz NOT NULL DEFAULT now())")
        for version in range(before, SCHEMA_VERSION):
            conn.execute(MIGRATIONS[version])
            conn.execute("INSERT INTO alongside_schema (version) VALUES (%s)", (version + 1,))
        conn.execute("INSERT INTO alongside_keys (name, value) VALUES ('token_key', %s) "
                     "ON CONFLICT (name) DO NOTHING", (secrets.token_hex(32),))
    return before, SCHEMA_VERSION


def counts(conn: psycopg.Connection) -> dict:
    """How many rows each data table holds."""
    return {table: conn.execute(f"SELECT count(*) AS n FROM {table}").fetchone()["n"] for table in DATA_TABLES}


class CopyRefused(Exception):
    """``copy_from_files`` will not copy: the message says why, in one line."""


COPY_COLUMNS = {
    "supervisors": ("id", "email", "name", "password_hash", "created", "setup_hash", "setup_expires",
                    "session_version", "key"),
    "devices": ("id", "supervisor_id", "display_name", "token_hash", "paired", "revoked"),
    "pairing_codes": ("id", "supervisor_id", "created", "expires", "used", "device_id"),
    "summaries": ("supervisor_id", "id", "device_id", "envelope", "received", "discussed"),
}


def read_files(folder) -> tuple[dict, list[str], bytes]:
    """Read a TinyDB store folder: ({table: [row tuples]}, what was left out and why, the token key).

    Damaged documents and those whose supervisor or device is gone are left out (the TinyDB store
    treats them as absent too).
    """
    from pathlib import Path
    folder = Path(folder)
    files = base.Store(folder)
    accounts = files._accounts().view()
    rows = {table: [] for table in DATA_TABLES}
    left_out = []
    docs = {table: accounts.table(table).all() for table in ("supervisors", "devices", "pairing_codes")}
    people = {doc.doc_id for doc in docs["supervisors"] if base.damage(doc, "supervisors") is None}
    devices = {}
    for table in ("supervisors", "devices", "pairing_codes"):
        for doc in docs[table]:
            record = {**base.OPTIONAL[table], **doc, "id": doc.doc_id}
            problem = base.damage(doc, table)
            if problem is None and table != "supervisors" and record["supervisor_id"] not in people:
                problem = "its supervisor is gone"
            if problem:
                left_out.append(f"{table} {doc.doc_id!r}: {problem}")
                continue
            if table == "supervisors" and not isinstance(record["session_version"], int):
                record["session_version"] = 0
            if table == "supervisors":
                record["key"] = Jsonb(record["key"]) if isinstance(record["key"], dict) else None
            if table == "devices":
                devices[doc.doc_id] = record["supervisor_id"]
            rows[table].append(tuple(record.get(column) for column in COPY_COLUMNS[table]))
    for path in sorted((folder / base.SUMMARIES).glob("*.json")):
        supervisor_id = path.stem
        if supervisor_id not in people:
            left_out.append(f"{path.name}: its supervisor is gone")
            continue
        for doc in files._summaries(supervisor_id).view().table("summaries").all():
            problem = base.damage(doc, "summaries")
            if problem is None and devices.get(doc["device_id"]) != supervisor_id:
                problem = "its phone is gone"
            if problem:
                left_out.append(f"summary {doc.doc_id!r} in {path.name}: {problem}")
                continue
            rows["summaries"].append((supervisor_id, doc.doc_id, doc["device_id"], Jsonb(doc["envelope"]),
                                      doc["received"], doc["discussed"]))
    return rows, left_out, files._key


def copy_from_files(folder, url: str) -> tuple[dict, list[str]]:
    """Copy a TinyDB store folder (with its token key) into an empty database; check the counts.

    Return ({table: rows copied}, what was left out). Raises ``CopyRefused`` if the database holds
    data or the copy does not add up (then nothing is copied), ``ConnectionError`` if it cannot be reached.
    """
    rows, left_out, key = read_files(folder)
    with connect(url) as conn:
        _upgrade(conn, url)
        try:
            with conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_ID,))
                held = counts(conn)
                if any(held.values()):
                    raise CopyRefused(f"The database at {describe(url)} already holds data ("
                                      + ", ".join(f"{n} {table}" for table, n in held.items() if n)
                                      + "): copy only into an empty database. Nothing was copied.")
                with conn.cursor() as cursor:
                    for table in DATA_TABLES:
                        columns = COPY_COLUMNS[table]
                        if rows[table]:
                            cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
                                               f"({', '.join(['%s'] * len(columns))})", rows[table])
                conn.execute("UPDATE alongside_keys SET value = %s WHERE name = 'token_key'", (key.hex(),))
                copied = counts(conn)
                expected = {table: len(found) for table, found in rows.items()}
                if copied != expected:
                    raise CopyRefused(f"The copy does not add up (read {expected}, the database holds {copied}). "
                                      "Nothing was copied.")
        except psycopg.IntegrityError as exc:
            raise CopyRefused(f"The data cannot be copied as it is ({_first_line(exc)}). Nothing was copied.") from None
    return copied, left_out


class PgStore:
    """Alongside's data in a PostgreSQL database: the methods (and refusals) of ``store.Store``."""

    def __init__(self, url: str, pool_size: int = POOL_SIZE):
        self.url = url
        with connect(url) as conn:
            _upgrade(conn, url)
            key = conn.execute("SELECT value FROM alongside_keys WHERE name = 'token_key'").fetchone()["value"]
        self._key = bytes.fromhex(key)
        self._where = describe(url)
        # A connection that sat idle is checked as it is handed out: after a database restart the next
        # request reconnects instead of failing on a connection that died meanwhile. One in steady use is
        # not (a check is a round trip: three per PUT). Connections are in autocommit: a read of one
        # statement (``_read``) needs no BEGIN and COMMIT; ``_tx`` begins a transaction.
        self._used: dict[int, float] = {}  # id(connection) -> when it was last handed back
        self._pool = ConnectionPool(url, min_size=1, max_size=pool_size, open=False, num_workers=1,
                                    check=self._check_if_idle,
                                    kwargs={"row_factory": dict_row, "connect_timeout": CONNECT_SECONDS,
                                            "autocommit": True},
                                    name="alongside")
        try:
            self._pool.open(wait=True, timeout=CONNECT_SECONDS)
        except PoolTimeout:
            self._pool.close()
            raise ConnectionError(f"Alongside cannot reach the PostgreSQL database at {self._where}.") from None

    def close(self) -> None:
        self._pool.close()

    def _check_if_idle(self, conn: psycopg.Connection) -> None:
        if time.monotonic() - self._used.get(id(conn), 0.0) > CHECK_AFTER_IDLE_SECONDS:
            ConnectionPool.check_connection(conn)

    @contextmanager
    def _tx(self):
        """A connection in one transaction: committed on leaving, rolled back on an exception."""
        with self._read() as conn:
            with conn.transaction():
                yield conn

    @contextmanager
    def _read(self):
        """A connection for statements that each stand alone (autocommit): one round trip for a one-statement read."""
        try:
            with self._pool.connection() as conn:
                yield conn
                self._used[id(conn)] = time.monotonic()
        except (psycopg.OperationalError, PoolTimeout) as exc:
            raise DatabaseUnavailable(self._where, exc) from None

    def token_hash(self, token: str) -> str:
        return base.hmac.new(self._key, token.encode("utf-8", "surrogatepass"), base.hashlib.sha256).hexdigest()

    def _hashes(self, token: str) -> tuple[str, str]:
        return self.token_hash(token), base.legacy_token_hash(token)

    # Supervisors

    def create_supervisor(self, email: str, name: str, password: str | None = None) -> dict:
        email = base.normalise_email(email)
        password_hash = base.hash_password(password) if password else None
        try:
            with self._tx() as conn:
                return conn.execute(
                    f"INSERT INTO supervisors (id, email, name, password_hash, created) VALUES (%s, %s, %s, %s, %s) "
                    f"RETURNING {SUPERVISOR}",
                    (secrets.token_hex(8), email, name.strip(), password_hash, base.timestamp(base.now()))).fetchone()
        except psycopg.errors.UniqueViolation:
            raise StoreError("email_taken") from None

    def get_supervisor(self, supervisor_id: str) -> dict | None:
        with self._read() as conn:
            return conn.execute(f"SELECT {SUPERVISOR} FROM supervisors WHERE id = %s", (supervisor_id,)).fetchone()

    def supervisor_by_email(self, email: str) -> dict | None:
        with self._tx() as conn:
            return conn.execute(f"SELECT {SUPERVISOR} FROM supervisors WHERE email = %s",
                                (base.normalise_email(email),)).fetchone()

    def list_supervisors(self) -> list[dict]:
        with self._tx() as conn:
            return conn.execute(
                f"SELECT {', '.join('s.' + c for c in SUPERVISOR.split(', '))}, "
                "(SELECT count(*) FROM devices d WHERE d.supervisor_id = s.id AND d.revoked IS NULL)::int AS devices "
                "FROM supervisors s ORDER BY s.email COLLATE \"C\"").fetchall()

    def set_password(self, supervisor_id: str, password: str) -> None:
        self._update_supervisor(supervisor_id, {"password_hash": base.hash_password(password),
                                                "setup_hash": None, "setup_expires": None}, end_sessions=True)

    def end_sessions(self, supervisor_id: str) -> None:
        self._update_supervisor(supervisor_id, {}, end_sessions=True)

    def _update_supervisor(self, supervisor_id: str, fields: dict, end_sessions: bool = False) -> None:
        sets = [f"{name} = %s" for name in fields]
        if end_sessions:
            sets.append("session_version = session_version + 1")
        with self._tx() as conn:
            done = conn.execute(f"UPDATE supervisors SET {', '.join(sets) or 'id = id'} WHERE id = %s",
                                (*fields.values(), supervisor_id))
            if done.rowcount == 0:
                raise StoreError("supervisor_gone")

    def check_login(self, email: str, password: str) -> dict | None:
        person = self.supervisor_by_email(email)
        if person is None or not isinstance(person["password_hash"], str):
            check_password_hash(base._dummy_hash(), password)
            return None
        return person if check_password_hash(person["password_hash"], password) else None

    def create_setup_link(self, supervisor_id: str, hours: float) -> str:
        token = secrets.token_urlsafe(32)
        self._update_supervisor(supervisor_id, {"setup_hash": self.token_hash(token),
                                                "setup_expires": base.timestamp(base.now() + timedelta(hours=hours))})
        return token

    def _setup_person(self, conn, token: str, lock: bool = False) -> dict:
        person = conn.execute(f"SELECT {SUPERVISOR} FROM supervisors WHERE setup_hash = ANY(%s) "
                              f"{'FOR UPDATE' if lock else ''}", (list(self._hashes(token)),)).fetchone()
        if person is None:
            raise StoreError("link_unknown")
        if base._expired(person["setup_expires"]):
            raise StoreError("link_expired")
        return person

    def supervisor_for_setup(self, token: str) -> dict:
        with self._tx() as conn:
            return self._setup_person(conn, token)

    def redeem_setup_link(self, token: str, password: str, key: dict | None = None) -> dict:
        password_hash = base.hash_password(password)
        with self._tx() as conn:
            person = self._setup_person(conn, token, lock=True)
            return conn.execute(
                "UPDATE supervisors SET password_hash = %s, setup_hash = NULL, setup_expires = NULL, "
                f"key = coalesce(%s, key), session_version = session_version + 1 WHERE id = %s RETURNING {SUPERVISOR}",
                (password_hash, key and Jsonb(key), person["id"])).fetchone()

    def set_supervisor_key(self, supervisor_id: str, key: dict) -> bool:
        with self._tx() as conn:
            person = conn.execute("SELECT key IS NOT NULL AS has FROM supervisors WHERE id = %s FOR UPDATE",
                                  (supervisor_id,)).fetchone()
            if person is None:
                raise StoreError("supervisor_gone")
            if person["has"]:
                return False
            conn.execute("UPDATE supervisors SET key = %s WHERE id = %s", (Jsonb(key), supervisor_id))
            return True

    def remove_supervisor(self, email: str) -> dict | None:
        with self._tx() as conn:
            person = conn.execute("SELECT id FROM supervisors WHERE email = %s FOR UPDATE",
                                  (base.normalise_email(email),)).fetchone()
            if person is None:
                return None
            supervisor_id = person["id"]
            gone = {"id": supervisor_id}
            for table, key in (("devices", "devices"), ("pairing_codes", "codes"), ("summaries", "summaries")):
                gone[key] = conn.execute(f"SELECT count(*) AS n FROM {table} WHERE supervisor_id = %s",
                                         (supervisor_id,)).fetchone()["n"]
            conn.execute("DELETE FROM supervisors WHERE id = %s", (supervisor_id,))  # the rest cascades
            return {"id": supervisor_id, "devices": gone["devices"], "codes": gone["codes"],
                    "summaries": gone["summaries"]}

    # Pairing codes and devices

    def create_pairing_code(self, supervisor_id: str, hours: float) -> tuple[str, base.datetime]:
        moment = base.now()
        expires = moment + timedelta(hours=hours)
        with self._tx() as conn:
            if conn.execute("SELECT 1 FROM supervisors WHERE id = %s FOR SHARE", (supervisor_id,)).fetchone() is None:
                raise StoreError("supervisor_gone")
            conn.execute("DELETE FROM pairing_codes WHERE expires < %s",
                         (base.timestamp(moment - timedelta(days=1)),))
            while True:
                code = "".join(secrets.choice(base.CODE_ALPHABET) for _ in range(base.CODE_LENGTH))
                made = conn.execute("INSERT INTO pairing_codes (id, supervisor_id, created, expires) "
                                    "VALUES (%s, %s, %s, %s) ON CONFLICT (id) DO NOTHING",
                                    (self.token_hash(code), supervisor_id, base.timestamp(moment),
                                     base.timestamp(expires)))
                if made.rowcount == 1:
                    return code, expires

    def open_pairing_codes(self, supervisor_id: str) -> list[dict]:
        with self._tx() as conn:
            codes = conn.execute("SELECT created, expires FROM pairing_codes WHERE supervisor_id = %s "
                                 "AND used IS NULL ORDER BY expires", (supervisor_id,)).fetchall()
        return [c for c in codes if not base._expired(c["expires"])]

    def redeem_pairing_code(self, code: str, display_name: str, needs_key: bool = False) -> tuple[dict, str, dict]:
        keys = self._hashes(base.normalise_code(code))
        token = secrets.token_urlsafe(32)
        with self._tx() as conn:
            found = None
            for key in keys:
                found = conn.execute("SELECT * FROM pairing_codes WHERE id = %s FOR UPDATE", (key,)).fetchone()
                if found is not None:
                    break
            if found is None:
                raise StoreError("code_unknown")
            if found["used"]:
                raise StoreError("code_used")
            if base._expired(found["expires"]):
                raise StoreError("code_expired")
            person = conn.execute(f"SELECT {SUPERVISOR} FROM supervisors WHERE id = %s",
                                  (found["supervisor_id"],)).fetchone()
            if person is None:
                raise StoreError("code_unknown")
            if needs_key and person["key"] is None:
                raise StoreError("no_key")
            device = conn.execute(
                f"INSERT INTO devices (id, supervisor_id, display_name, token_hash, paired) "
                f"VALUES (%s, %s, %s, %s, %s) RETURNING {DEVICE}",
                (secrets.token_hex(8), person["id"], display_name, self.token_hash(token),
                 base.timestamp(base.now()))).fetchone()
            conn.execute("UPDATE pairing_codes SET used = %s, device_id = %s WHERE id = %s",
                         (base.timestamp(base.now()), device["id"], found["id"]))
            return device, token, person

    def device_for_token(self, token: str) -> dict | None:
        current, legacy = self._hashes(token)
        with self._read() as conn:  # the rehash is one statement: atomic on its own
            device = conn.execute(f"SELECT {DEVICE} FROM devices WHERE token_hash = %s", (current,)).fetchone()
            if device is None:
                device = conn.execute(f"UPDATE devices SET token_hash = %s WHERE token_hash = %s RETURNING {DEVICE}",
                                      (current, legacy)).fetchone()
            return device

    def get_device(self, device_id: str) -> dict | None:
        with self._read() as conn:
            return conn.execute(f"SELECT {DEVICE} FROM devices WHERE id = %s", (device_id,)).fetchone()

    def devices_for_supervisor(self, supervisor_id: str) -> list[dict]:
        with self._tx() as conn:
            return conn.execute(f"SELECT {DEVICE} FROM devices WHERE supervisor_id = %s AND revoked IS NULL "
                                "ORDER BY paired", (supervisor_id,)).fetchall()

    def revoke_device(self, supervisor_id: str, device_id: str) -> bool:
        with self._tx() as conn:
            done = conn.execute("UPDATE devices SET revoked = %s WHERE id = %s AND supervisor_id = %s "
                                "AND revoked IS NULL", (base.timestamp(base.now()), device_id, supervisor_id))
            if done.rowcount == 0:
                return False
            conn.execute("DELETE FROM summaries WHERE device_id = %s", (device_id,))
            return True

    def unpair_device(self, device: dict) -> int:
        with self._tx() as conn:
            held = conn.execute("SELECT count(*) AS n FROM summaries WHERE device_id = %s",
                                (device["id"],)).fetchone()["n"]
            conn.execute("DELETE FROM devices WHERE id = %s", (device["id"],))  # its summaries cascade
            return held

    # Summaries

    @staticmethod
    def _check_supervisor_id(supervisor_id: str) -> None:
        if not base._SUPERVISOR_ID.fullmatch(supervisor_id):
            raise ValueError(f"not a supervisor id: {supervisor_id!r}")

    def put_summary(self, device: dict, summary_id: str, envelope: dict, limit: int | None = None) -> bool:
        self._check_supervisor_id(device["supervisor_id"])
        with self._tx() as conn:
            # The device's row stays locked to the end: a revocation, an unpairing or another summary
            # from the same phone waits, so nothing slips in after a clearing or past the cap.
            current = conn.execute("SELECT supervisor_id, revoked FROM devices WHERE id = %s FOR UPDATE",
                                   (device["id"],)).fetchone()
            if current is None or current["revoked"] or current["supervisor_id"] != device["supervisor_id"]:
                raise StoreError("device_gone")
            # Read after the lock (a new snapshot): what is stored under this id, and how many it has sent.
            found = conn.execute("SELECT s.device_id, s.envelope, (SELECT count(*) FROM summaries "
                                 "WHERE device_id = %s) AS sent FROM (SELECT 1) AS one LEFT JOIN summaries s "
                                 "ON s.supervisor_id = %s AND s.id = %s",
                                 (device["id"], device["supervisor_id"], summary_id)).fetchone()
            if found["device_id"] is not None:
                if found["device_id"] != device["id"]:
                    raise StoreError("summary_other_device")
                if found["envelope"] != envelope:
                    raise StoreError("summary_differs")
                return False
            if limit is not None and found["sent"] >= limit:
                raise StoreError("too_many")
            conn.execute("INSERT INTO summaries (supervisor_id, id, device_id, envelope, received) "
                         "VALUES (%s, %s, %s, %s, %s)",
                         (device["supervisor_id"], summary_id, device["id"], Jsonb(envelope),
                          base.timestamp(base.now())))
            return True

    def delete_summary(self, supervisor_id: str, summary_id: str, device_id: str | None = None) -> bool:
        self._check_supervisor_id(supervisor_id)
        with self._tx() as conn:
            found = conn.execute("SELECT device_id FROM summaries WHERE supervisor_id = %s AND id = %s FOR UPDATE",
                                 (supervisor_id, summary_id)).fetchone()
            if found is None:
                return False
            if device_id is not None and found["device_id"] != device_id:
                raise StoreError("summary_other_device")
            conn.execute("DELETE FROM summaries WHERE supervisor_id = %s AND id = %s", (supervisor_id, summary_id))
            return True

    def replace_envelope(self, supervisor_id: str, summary_id: str, was: dict, envelope: dict) -> bool:
        self._check_supervisor_id(supervisor_id)
        with self._tx() as conn:
            done = conn.execute("UPDATE summaries SET envelope = %s WHERE supervisor_id = %s AND id = %s "
                                "AND envelope = %s", (Jsonb(envelope), supervisor_id, summary_id, Jsonb(was)))
            return done.rowcount == 1

    def mark_discussed(self, supervisor_id: str, summary_id: str, discussed: bool) -> bool:
        self._check_supervisor_id(supervisor_id)
        with self._tx() as conn:
            done = conn.execute("UPDATE summaries SET discussed = %s WHERE supervisor_id = %s AND id = %s",
                                (discussed, supervisor_id, summary_id))
            return done.rowcount == 1

    def summaries_for_supervisor(self, supervisor_id: str) -> list[dict]:
        self._check_supervisor_id(supervisor_id)
        with self._tx() as conn:
            rows = conn.execute("SELECT id, device_id, envelope, received, discussed, false AS damaged "
                                "FROM summaries WHERE supervisor_id = %s ORDER BY received DESC, id",
                                (supervisor_id,)).fetchall()
        return rows

    def summary_ids_for_device(self, device: dict) -> list[str]:
        self._check_supervisor_id(device["supervisor_id"])
        with self._tx() as conn:
            rows = conn.execute("SELECT id FROM summaries WHERE supervisor_id = %s AND device_id = %s",
                                (device["supervisor_id"], device["id"])).fetchall()
        return sorted(r["id"] for r in rows)
