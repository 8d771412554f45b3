"""Sealed summaries: envelope v2 (to the supervisor's own key) and v1 (to the server's, migration only).

A worker's phone seals a summary to a recipient public key; only the holder of
the private key can open it. Since envelope v2 the recipient is the
supervisor: their browser makes the key pair at set-up and keeps the private
key wrapped under their password and a recovery code (``parse_supervisor_key``).
The server stores envelopes, checks their shape, size, sender and key id, and
holds no key that opens a v2 envelope. v1 envelopes were sealed to the
server's own keys (``Keyring``); they are re-sealed as v2 to the supervisor's key
(``Keyring.reseal``) and the server's keys are deleted once none remain.

Envelope v2
-----------
A JSON object with exactly these members (binary values are base64url without
padding, RFC 4648 section 5)::

    {"v": 2,
     "kid": KID,                                   # the supervisor key it is sealed to
     "did": DID,                                   # the sending phone's device id (from pairing)
     "epk": {"kty": "EC", "crv": "P-256", "x": X, "y": Y},   # ephemeral public key (JWK)
     "iv":  IV,                                    # 12 random bytes
     "ct":  CT}                                    # AES-256-GCM ciphertext || 16-byte tag

``kid`` is the RFC 7638 JWK thumbprint of the recipient public key: base64url of
SHA-256 over ``{"crv":"P-256","kty":"EC","x":X,"y":Y}`` (no spaces, in that order).
``did`` is the 16 lower-case hex characters the server gave as ``device_id`` at
pairing. ``epk`` may carry other members (WebCrypto's exported JWK adds ``ext``
and ``key_ops``); they are ignored. ``x`` and ``y`` are 32 bytes each.

Sealing, with a fresh ephemeral P-256 key pair for every summary:

1. ``shared = ECDH(ephemeral_private, recipient_public)``: the 32-byte
   x-coordinate (WebCrypto ``deriveBits({name: "ECDH", public}, key, 256)``).
2. ``key = HKDF-SHA256(ikm=shared, salt=SALT, info=INFO, length=32)`` where
   ``SALT`` is 32 zero bytes and ``INFO`` is the UTF-8 of
   ``"alongside-summary-key:v2:" + kid``.
3. ``ct = AES-256-GCM(key, iv, plaintext, aad=AAD)`` with a 128-bit tag appended,
   where ``AAD`` is the UTF-8 of ``"alongside-summary:v2:" + kid + ":" + did``.

The additional data binds the envelope to the key and to the phone that sent
it: the server refuses a ``did`` that is not the sending phone's, and the
supervisor's browser opens each envelope with the device id the server filed it
under, so a copy sent from another phone (with its ``did`` changed or not) does
not open as that phone's.

The plaintext is the UTF-8 of a JSON object (the summary)::

    {"v": 2, "display_name": "Sam", "text": "...", "created": "2025-05-01T09:30:00.000Z"}

``v`` must equal the envelope's; ``text`` (required) is exactly what the worker
saw and confirmed, 1 to 8,000 characters; ``created`` (required) is when it was
sealed, ISO 8601 with a UTC ``Z`` (``Date.prototype.toISOString()``);
``display_name`` (optional) is 1 to 40 characters. No other members are allowed:
what the supervisor is shown must be exactly what the worker confirmed.

``tests/vectors/seal_v2.json`` has fixed vectors (fixed ephemeral key and iv)
that the browser's ``static/js/seal.js`` reproduces byte for byte.

Key check (pairing)
-------------------
A pairing code is 8 characters the server makes; the supervisor's *browser*
adds 8 more computed from the key its password unlocks, and reads out all 16
(``K7QM-4XPD-R2TA-9QWF``). The phone sends the first 8 to the server and checks
the last 8 against the key the server answers with, so a server that hands out
another key is caught::

    n = first 8 bytes, big-endian, of SHA-256(UTF-8 of
        "alongside-key-check:v1:" + CODE8 + ":" + thumbprint(jwk))
    check = 8 characters: CODE_ALPHABET[n % 31], then n //= 31, eight times

``CODE8`` is the code in capitals without dashes; ``CODE_ALPHABET`` is
``23456789ABCDEFGHJKMNPQRSTUVWXYZ``. About 40 bits: finding another key with the
same check takes some 10^12 key pairs, for one code, before it expires.

Envelope v1 (before phase 2)
----------------------------
The same members without ``did``, ``"v": 1``, ``kid`` naming one of the
server's keys, ``INFO = "alongside-summary-key:v1:" + kid`` and
``AAD = "alongside-summary:v1:" + kid``; the plaintext has ``"v": 1``. The server
no longer accepts v1 from phones; ``tests/vectors/seal_v1.json`` keeps its
vectors.
"""
from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from filelock import FileLock
from flask import current_app

from .store import CODE_ALPHABET  # the pairing codes' letters: the key check is written in them too

VERSION = 2  # what phones seal now; v1 is opened only to re-seal it (Keyring.reseal)
VERSIONS = (1, 2)
SALT = bytes(32)
IV_BYTES = 12
TAG_BYTES = 16
TEXT_MAX_CHARS = 8000
DISPLAY_NAME_MAX_CHARS = 40
ENVELOPE_MEMBERS = {1: {"v", "kid", "epk", "iv", "ct"}, 2: {"v", "kid", "did", "epk", "iv", "ct"}}
SUMMARY_MEMBERS = {"v", "display_name", "text", "created"}
KEY_FOLDER = "summary-keys"
KEY_CHECK_LENGTH = 8
SUPERVISOR_KEY_ITERATIONS = 600_000  # PBKDF2-SHA256 rounds, as the journal's

_B64URL = re.compile(r"[A-Za-z0-9_-]*")  # matched whole (fullmatch): "$" would let a final newline through
_B64 = re.compile(r"[A-Za-z0-9+/]+={0,2}")
_KID = re.compile(r"[A-Za-z0-9_-]{43}")
_DID = re.compile(r"[0-9a-f]{16}")
# Letters that draw nothing (Hangul fillers, the blank braille pattern): a name of only these looks empty.
BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")


class SealError(ValueError):
    """A sealed summary that cannot be opened, with a reason a person can act on."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason, self.message = reason, message


def b64url(data: bytes) -> str:
    """Encode bytes as base64url without padding."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str, what: str) -> bytes:
    """Decode base64url without padding, refusing anything else."""
    if not isinstance(text, str) or not _B64URL.fullmatch(text) or len(text) % 4 == 1:
        raise SealError("bad_envelope", f"'{what}' must be base64url text without padding.")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def public_jwk(public_key: ec.EllipticCurvePublicKey) -> dict:
    """Return a P-256 public key as a JWK with only kty, crv, x and y."""
    numbers = public_key.public_numbers()
    return {"kty": "EC", "crv": "P-256",
            "x": b64url(numbers.x.to_bytes(32, "big")), "y": b64url(numbers.y.to_bytes(32, "big"))}


def thumbprint(jwk: dict) -> str:
    """Return the RFC 7638 SHA-256 thumbprint of a P-256 JWK (used as the key id)."""
    canonical = json.dumps({"crv": jwk["crv"], "kty": jwk["kty"], "x": jwk["x"], "y": jwk["y"]},
                           separators=(",", ":"))
    return b64url(hashlib.sha256(canonical.encode()).digest())


def public_key_from_jwk(jwk) -> ec.EllipticCurvePublicKey:
    """Load a P-256 public JWK, checking that the point is on the curve."""
    if not isinstance(jwk, dict):
        raise SealError("bad_envelope", "'epk' must be a JWK object with kty, crv, x and y.")
    if jwk.get("kty") != "EC" or jwk.get("crv") != "P-256":
        raise SealError("bad_envelope", "'epk' must be a P-256 key: kty \"EC\", crv \"P-256\".")
    x, y = b64url_decode(jwk.get("x"), "epk.x"), b64url_decode(jwk.get("y"), "epk.y")
    if len(x) != 32 or len(y) != 32:
        raise SealError("bad_envelope", "'epk.x' and 'epk.y' must be 32 bytes each.")
    try:
        return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b"\x04" + x + y)
    except ValueError:
        raise SealError("bad_envelope", "'epk' is not a point on the P-256 curve.") from None


def info_for(kid: str, version: int = 1) -> bytes:
    """Return the HKDF info for an envelope of ``version`` to ``kid``."""
    return f"alongside-summary-key:v{version}:{kid}".encode()


def aad_for(kid: str, version: int = 1, device_id: str | None = None) -> bytes:
    """Return the additional authenticated data: v2 also names the sending phone."""
    return (f"alongside-summary:v{version}:{kid}" + (f":{device_id}" if version >= 2 else "")).encode("utf-8")


def derive_key(shared: bytes, kid: str, version: int = 1) -> bytes:
    """Derive the AES-256-GCM key from the ECDH shared secret (HKDF-SHA256)."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=SALT, info=info_for(kid, version)).derive(shared)


def _seal(recipient_jwk: dict, kid: str, version: int, device_id, plaintext: bytes, ephemeral_key, iv) -> dict:
    recipient = public_key_from_jwk(recipient_jwk)
    ephemeral_key = ephemeral_key or ec.generate_private_key(ec.SECP256R1())
    iv = os.urandom(IV_BYTES) if iv is None else iv
    shared = ephemeral_key.exchange(ec.ECDH(), recipient)
    ct = AESGCM(derive_key(shared, kid, version)).encrypt(iv, plaintext, aad_for(kid, version, device_id))
    return {"v": version, "kid": kid, **({"did": device_id} if version >= 2 else {}),
            "epk": public_jwk(ephemeral_key.public_key()), "iv": b64url(iv), "ct": b64url(ct)}


def seal_summary(recipient_jwk: dict, kid: str, plaintext: bytes, *,
                 ephemeral_key: ec.EllipticCurvePrivateKey | None = None, iv: bytes | None = None) -> dict:
    """Seal ``plaintext`` to one of the server's keys as a v1 envelope (tests and migration only).

    ``ephemeral_key`` and ``iv`` are only for fixed test vectors; leave them out.
    """
    return _seal(recipient_jwk, kid, 1, None, plaintext, ephemeral_key, iv)


def seal_v2(recipient_jwk: dict, device_id: str, plaintext: bytes, *,
            ephemeral_key: ec.EllipticCurvePrivateKey | None = None, iv: bytes | None = None) -> dict:
    """Seal ``plaintext`` to a supervisor's public key from phone ``device_id``: a v2 envelope."""
    return _seal(recipient_jwk, thumbprint(recipient_jwk), 2, device_id, plaintext, ephemeral_key, iv)


def parse_envelope(envelope, versions=VERSIONS) -> dict:
    """Check an envelope's shape and return it with only the members it may keep."""
    if not isinstance(envelope, dict):
        raise SealError("bad_envelope", "The sealed summary must be a JSON object {v, kid, did, epk, iv, ct}.")
    version = envelope.get("v")
    if isinstance(version, bool) or version not in versions:
        if version == 1 and not isinstance(version, bool):
            raise SealError("pair_again", "This phone was paired before summaries were sealed to your supervisor's "
                            "own key. Pair again with a new code from your supervisor; the summary is sent "
                            "when you do.")
        raise SealError("bad_version", "This server takes sealed summaries of version "
                        f"{' or '.join(map(str, versions))} only.")
    members = ENVELOPE_MEMBERS[version]
    extra = sorted(set(envelope) - members)
    if extra:
        raise SealError("bad_envelope", f"Unknown member(s) in the sealed summary: {', '.join(extra)}.")
    missing = sorted(members - set(envelope))
    if missing:
        raise SealError("bad_envelope", f"The sealed summary lacks: {', '.join(missing)}.")
    if not isinstance(envelope["kid"], str) or not _KID.fullmatch(envelope["kid"]):
        raise SealError("bad_envelope", "'kid' must be the 43-character key id given at pairing.")
    if version >= 2 and (not isinstance(envelope["did"], str) or not _DID.fullmatch(envelope["did"])):
        raise SealError("bad_envelope", "'did' must be the 16-character device id given at pairing.")
    epk = envelope["epk"]
    public_key_from_jwk(epk)
    if len(b64url_decode(envelope["iv"], "iv")) != IV_BYTES:
        raise SealError("bad_envelope", f"'iv' must be {IV_BYTES} bytes.")
    if len(b64url_decode(envelope["ct"], "ct")) < TAG_BYTES:
        raise SealError("bad_envelope", "'ct' is too short to hold a sealed summary.")
    return {"v": version, "kid": envelope["kid"], **({"did": envelope["did"]} if version >= 2 else {}),
            "epk": {"kty": "EC", "crv": "P-256", "x": epk["x"], "y": epk["y"]},
            "iv": envelope["iv"], "ct": envelope["ct"]}


def open_with(private_key: ec.EllipticCurvePrivateKey, envelope: dict, device_id: str | None = None) -> bytes:
    """Open a checked envelope with the recipient's private key; return the plaintext bytes.

    For v2, ``device_id`` is the phone the opener believes sent it (by default the envelope's own ``did``).
    """
    kid, version = envelope["kid"], envelope["v"]
    shared = private_key.exchange(ec.ECDH(), public_key_from_jwk(envelope["epk"]))
    iv, ct = b64url_decode(envelope["iv"], "iv"), b64url_decode(envelope["ct"], "ct")
    try:
        return AESGCM(derive_key(shared, kid, version)).decrypt(
            iv, ct, aad_for(kid, version, device_id or envelope.get("did")))
    except InvalidTag:
        raise SealError("cannot_open", "The sealed summary could not be opened: it was not sealed to this "
                        "key from this phone, or it was changed on the way. Seal it again and resend.") from None


def key_check(code: str, jwk: dict) -> str:
    """The 8 characters a pairing code gains from the supervisor's key (see "Key check" above)."""
    text = f"alongside-key-check:v1:{code}:{thumbprint(jwk)}"
    n = int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "big")
    check = ""
    for _ in range(KEY_CHECK_LENGTH):
        n, digit = divmod(n, len(CODE_ALPHABET))
        check += CODE_ALPHABET[digit]
    return check


def parse_supervisor_key(data) -> dict:
    """Check what a supervisor's browser sends as their key and return it in canonical form.

    ``{"v": 1, "jwk": public JWK, "kid": its thumbprint, "vault": {...}, "sealed": {...}}``: ``vault`` is
    static/js/vault.js's record (a random AES key wrapped under PBKDF2-SHA256 of the password in one slot
    and of a recovery code in another), ``sealed`` the private JWK sealed under that key
    (``sealEntry``). The server checks the shape only; it cannot unwrap either slot.
    """
    def refuse(what: str):
        raise SealError("bad_key", f"The key sent is not one this server can keep: {what}. Reload the page "
                        "and try again.")

    if not isinstance(data, dict) or data.get("v") != 1 or set(data) != {"v", "jwk", "kid", "vault", "sealed"}:
        refuse("it must be {v: 1, jwk, kid, vault, sealed}")
    try:
        public_key_from_jwk(data["jwk"])
    except SealError as exc:
        refuse(exc.message.replace("'epk'", "the public key"))
    jwk = {k: data["jwk"][k] for k in ("kty", "crv", "x", "y")}
    if data["kid"] != thumbprint(jwk):
        refuse("its key id is not the public key's thumbprint")
    vault, sealed = data["vault"], data["sealed"]
    text = lambda v, most=200: isinstance(v, str) and 0 < len(v) <= most and _B64.fullmatch(v)  # noqa: E731

    def kdf_ok(kdf) -> bool:
        return (isinstance(kdf, dict) and set(kdf) == {"name", "hash", "iterations", "salt"}
                and kdf["name"] == "PBKDF2" and kdf["hash"] == "SHA-256" and type(kdf["iterations"]) is int
                and SUPERVISOR_KEY_ITERATIONS <= kdf["iterations"] <= 10_000_000 and text(kdf["salt"]))

    if not isinstance(vault, dict) or vault.get("v") != 1 or not kdf_ok(vault.get("kdf")):
        refuse(f"its password slot must use PBKDF2-SHA256 with at least {SUPERVISOR_KEY_ITERATIONS:,} rounds")
    slots = vault.get("slots")
    if (set(vault) != {"v", "kdf", "slots"} or not isinstance(slots, list)
            or sorted(s.get("kind") for s in slots if isinstance(s, dict)) != ["passphrase", "recovery"]):
        refuse("it must have one password slot and one recovery-code slot")
    for slot in slots:
        if not set(slot) <= {"kind", "iv", "wrapped", "kdf"} or not text(slot.get("iv")) \
                or not text(slot.get("wrapped")) or ("kdf" in slot and not kdf_ok(slot["kdf"])):
            refuse(f"its {slot['kind']} slot is not whole")
    if (not isinstance(sealed, dict) or set(sealed) != {"id", "iv", "data"} or not isinstance(sealed["id"], str)
            or not 0 < len(sealed["id"]) <= 64 or not text(sealed["iv"]) or not text(sealed["data"], 2000)):
        refuse("its sealed private key is not whole")
    return {"v": 1, "jwk": jwk, "kid": data["kid"], "vault": vault, "sealed": sealed}


def parse_summary(plaintext: bytes, version: int = 1) -> dict:
    """Check an opened summary against the plaintext contract of envelope ``version`` and return it."""
    try:
        summary = json.loads(plaintext.decode("utf-8"))
    except (ValueError, RecursionError):
        raise SealError("bad_summary", "The opened summary is not UTF-8 JSON.") from None
    if not isinstance(summary, dict):
        raise SealError("bad_summary", "The opened summary must be a JSON object {v, text, created}.")
    extra = sorted(set(summary) - SUMMARY_MEMBERS)
    if extra:
        raise SealError("bad_summary", f"Unknown member(s) in the summary: {', '.join(extra)}.")
    if summary.get("v") != version or isinstance(summary.get("v"), bool):
        raise SealError("bad_summary", f"The summary must have \"v\": {version}.")
    text = summary.get("text")
    if not isinstance(text, str) or not text.strip() or not _is_utf8(text):
        raise SealError("bad_summary", "The summary's 'text' must be non-empty text.")
    if len(text) > TEXT_MAX_CHARS:
        raise SealError("bad_summary", f"The summary's text is longer than {TEXT_MAX_CHARS:,} characters.")
    created = summary.get("created")
    if not isinstance(created, str) or not _is_iso_utc(created):
        raise SealError("bad_summary", "The summary's 'created' must be a UTC time like "
                        "2025-05-01T09:30:00.000Z.")
    name = summary.get("display_name")
    if name is not None and (not isinstance(name, str) or not 1 <= len(name.strip()) <= DISPLAY_NAME_MAX_CHARS
                             or not _is_utf8(name)):
        raise SealError("bad_summary", f"The summary's 'display_name' must be 1 to {DISPLAY_NAME_MAX_CHARS} "
                        "characters.")
    if name is not None and (problem := display_name_problem(name)):
        raise SealError("bad_summary", f"The summary's 'display_name' {problem}.")
    return summary


def display_name_problem(name: str) -> str | None:
    """Return why a name cannot be shown plainly to a supervisor, or None.

    A name a person reads must not reorder or hide text (bidi controls, zero-width
    characters: Unicode category Cf), break lines, or show nothing at all.
    """
    categories = [unicodedata.category(c) for c in name]
    if any(cat in ("Cc", "Cs") for cat in categories):
        return "may not hold control characters"
    if any(cat == "Cf" for cat in categories):
        return "may not hold invisible formatting characters (direction marks, zero-width spaces)"
    if any(cat in ("Zl", "Zp") for cat in categories):
        return "may not hold line or paragraph breaks"
    if not any(cat[0] not in "ZCM" and c not in BLANK_LETTERS for c, cat in zip(name, categories, strict=True)):
        return "must have at least one visible character"
    return None


def _is_utf8(text: str) -> bool:
    """True if ``text`` encodes as UTF-8 (JSON escapes can smuggle in lone surrogates)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _is_iso_utc(text: str) -> bool:
    if not text.endswith("Z") or len(text) > 40:
        return False
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class RecipientKey:
    """One of the server's key pairs, named by its key id."""

    kid: str
    private_key: ec.EllipticCurvePrivateKey

    @property
    def jwk(self) -> dict:
        return public_jwk(self.private_key.public_key())


class Keyring:
    """The server's own recipient keys of envelope v1, in ``<instance>/summary-keys/``: one PEM file (0600)
    per key id, and ``current`` naming the newest.

    Since envelope v2 the server makes no keys: an instance from before keeps them only until every
    v1 summary it holds is re-sealed to its supervisor's key (``reseal``), then ``forget_all``.
    """

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.keys: dict[str, RecipientKey] = {}
        self.current_kid = ""

    @classmethod
    def open(cls, folder: Path, create: bool = False) -> Keyring:
        """Load the keys in ``folder``; with ``create`` (tests of v1), make the first key pair if there is none."""
        keyring = cls(folder)
        if not create and not keyring.folder.is_dir():
            return keyring
        keyring.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        with FileLock(str(keyring.folder / ".lock")):
            keyring.reload()
            if create and not keyring.current_kid:
                keyring._add_key()
        return keyring

    def reload(self) -> None:
        """Read every key file and the name of the current key."""
        keys = {}
        for path in sorted(self.folder.glob("*.pem")):
            private_key = serialization.load_pem_private_key(path.read_bytes(), password=None)
            kid = thumbprint(public_jwk(private_key.public_key()))
            keys[kid] = RecipientKey(kid, private_key)
        current = self.folder / "current"
        self.keys = keys
        self.current_kid = current.read_text().strip() if current.exists() else ""
        if self.current_kid not in keys:
            self.current_kid = next(iter(keys), "")

    def rotate(self) -> str:
        """Make a new current key; older keys stay so their summaries still open. Return the new key id."""
        with FileLock(str(self.folder / ".lock")):
            return self._add_key()

    def _add_key(self) -> str:
        private_key = ec.generate_private_key(ec.SECP256R1())
        kid = thumbprint(public_jwk(private_key.public_key()))
        pem = private_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                        serialization.NoEncryption())
        _write_private(self.folder / f"{kid}.pem", pem)
        _write_private(self.folder / "current", kid.encode())
        self.keys[kid] = RecipientKey(kid, private_key)
        self.current_kid = kid
        return kid

    def current(self) -> RecipientKey:
        """Return the newest key (tests seal v1 summaries to it)."""
        return self.keys[self.current_kid]

    def recipient(self) -> dict:
        """Return what a v1 phone sealed to: ``{jwk, kid}``."""
        key = self.current()
        return {"jwk": key.jwk, "kid": key.kid}

    def unseal(self, envelope, checked: bool = False) -> dict:
        """Check and open a v1 envelope; return the summary (a dict) or raise SealError.

        ``checked`` says the envelope already came from ``parse_envelope``. A v2 envelope is refused:
        it is sealed to a supervisor's own key, which the server never holds.
        """
        if not checked:
            envelope = parse_envelope(envelope)
        if envelope["v"] != 1:
            raise SealError("not_server_key", "This summary is sealed to the supervisor's own key: only their "
                            "browser can open it.")
        key = self.keys.get(envelope["kid"])
        if key is None and self.folder.is_dir():
            self.reload()  # another process may have rotated the keys
            key = self.keys.get(envelope["kid"])
        if key is None:
            raise SealError("unknown_key", "This summary was sealed to a key the server does not hold. "
                            "Pair this phone again to get the current key, then resend.")
        return parse_summary(open_with(key.private_key, envelope))

    def reseal(self, envelope, recipient_jwk: dict, device_id: str) -> dict:
        """Open a v1 envelope and seal the same summary (as v2) to a supervisor's key from ``device_id``."""
        summary = self.unseal(envelope)
        plaintext = json.dumps({**summary, "v": 2}, ensure_ascii=False, separators=(",", ":")).encode()
        return seal_v2(recipient_jwk, device_id, plaintext)

    def forget_all(self) -> None:
        """Delete every key file: nothing sealed to the server is left to open."""
        if not self.folder.is_dir():
            return
        with FileLock(str(self.folder / ".lock")):
            for path in [*self.folder.glob("*.pem"), *self.folder.glob("*.tmp"), self.folder / "current"]:
                path.unlink(missing_ok=True)
        (self.folder / ".lock").unlink(missing_ok=True)
        try:
            self.folder.rmdir()
        except OSError:
            pass
        self.keys, self.current_kid = {}, ""


def _write_private(path: Path, data: bytes) -> None:
    """Write a secret file readable by the owner only, replacing it atomically."""
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def get_keyring() -> Keyring:
    """Return the current app's keyring."""
    return current_app.extensions["keyring"]


def init_app(app) -> None:
    """Open the server's v1 keys in the instance folder, if it still has any (it makes none)."""
    app.extensions["keyring"] = Keyring.open(Path(app.instance_path) / KEY_FOLDER)
