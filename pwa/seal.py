"""Sealed summaries: the server's recipient keys and the v1 envelope.

A worker's phone seals a summary to a recipient public key; only the holder of
the private key can open it. Today the recipient is the server (its keys live in
the instance folder); phase 2 makes it the supervisor's own key without changing
the envelope.

Envelope v1
-----------
A JSON object with exactly these members (binary values are base64url without
padding, RFC 4648 section 5)::

    {"v": 1,
     "kid": KID,                                   # which recipient key
     "epk": {"kty": "EC", "crv": "P-256", "x": X, "y": Y},   # ephemeral public key (JWK)
     "iv":  IV,                                    # 12 random bytes
     "ct":  CT}                                    # AES-256-GCM ciphertext || 16-byte tag

``kid`` is the RFC 7638 JWK thumbprint of the recipient public key: base64url of
SHA-256 over ``{"crv":"P-256","kty":"EC","x":X,"y":Y}`` (no spaces, in that order).
``epk`` may carry other members (WebCrypto's exported JWK adds ``ext`` and
``key_ops``); they are ignored. ``x`` and ``y`` are 32 bytes each.

Sealing, with a fresh ephemeral P-256 key pair for every summary:

1. ``shared = ECDH(ephemeral_private, recipient_public)``: the 32-byte
   x-coordinate (WebCrypto ``deriveBits({name: "ECDH", public}, key, 256)``).
2. ``key = HKDF-SHA256(ikm=shared, salt=SALT, info=INFO, length=32)`` where
   ``SALT`` is 32 zero bytes and ``INFO`` is the UTF-8 of
   ``"alongside-summary-key:v1:" + kid``.
3. ``ct = AES-256-GCM(key, iv, plaintext, aad=AAD)`` with a 128-bit tag appended,
   where ``AAD`` is the UTF-8 of ``"alongside-summary:v1:" + kid``.

The plaintext is the UTF-8 of a JSON object (the summary)::

    {"v": 1, "display_name": "Sam", "text": "...", "created": "2025-05-01T09:30:00.000Z"}

``v`` must be 1; ``text`` (required) is exactly what the worker saw and
confirmed, 1 to 8,000 characters; ``created`` (required) is when it was sealed,
ISO 8601 with a UTC ``Z`` (``Date.prototype.toISOString()``); ``display_name``
(optional) is 1 to 40 characters. No other members are allowed: what the
supervisor is shown must be exactly what the worker confirmed.

Opening reverses the steps with the recipient private key named by ``kid``;
the server keeps every key it has made, so keys can rotate and older summaries
still open. ``tests/vectors/seal_v1.json`` has fixed vectors (fixed ephemeral
key and iv) for the browser's implementation.
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

VERSION = 1
SALT = bytes(32)
INFO_PREFIX = "alongside-summary-key:v1:"
AAD_PREFIX = "alongside-summary:v1:"
IV_BYTES = 12
TAG_BYTES = 16
TEXT_MAX_CHARS = 8000
DISPLAY_NAME_MAX_CHARS = 40
ENVELOPE_MEMBERS = {"v", "kid", "epk", "iv", "ct"}
SUMMARY_MEMBERS = {"v", "display_name", "text", "created"}
KEY_FOLDER = "summary-keys"

_B64URL = re.compile(r"[A-Za-z0-9_-]*")  # matched whole (fullmatch): "$" would let a final newline through
_KID = re.compile(r"[A-Za-z0-9_-]{43}")
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


def derive_key(shared: bytes, kid: str) -> bytes:
    """Derive the AES-256-GCM key from the ECDH shared secret (HKDF-SHA256)."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=SALT,
                info=(INFO_PREFIX + kid).encode("utf-8")).derive(shared)


def aad_for(kid: str) -> bytes:
    """Return the additional authenticated data for an envelope to ``kid``."""
    return (AAD_PREFIX + kid).encode("utf-8")


def seal_summary(recipient_jwk: dict, kid: str, plaintext: bytes, *,
                 ephemeral_key: ec.EllipticCurvePrivateKey | None = None, iv: bytes | None = None) -> dict:
    """Seal ``plaintext`` to a recipient's public key and return a v1 envelope.

    ``ephemeral_key`` and ``iv`` are only for fixed test vectors; leave them out.
    """
    recipient = public_key_from_jwk(recipient_jwk)
    ephemeral_key = ephemeral_key or ec.generate_private_key(ec.SECP256R1())
    iv = os.urandom(IV_BYTES) if iv is None else iv
    shared = ephemeral_key.exchange(ec.ECDH(), recipient)
    ct = AESGCM(derive_key(shared, kid)).encrypt(iv, plaintext, aad_for(kid))
    return {"v": VERSION, "kid": kid, "epk": public_jwk(ephemeral_key.public_key()),
            "iv": b64url(iv), "ct": b64url(ct)}


def parse_envelope(envelope) -> dict:
    """Check an envelope's shape and return it with only the members it may keep."""
    if not isinstance(envelope, dict):
        raise SealError("bad_envelope", "The sealed summary must be a JSON object {v, kid, epk, iv, ct}.")
    extra = sorted(set(envelope) - ENVELOPE_MEMBERS)
    if extra:
        raise SealError("bad_envelope", f"Unknown member(s) in the sealed summary: {', '.join(extra)}.")
    missing = sorted(ENVELOPE_MEMBERS - set(envelope))
    if missing:
        raise SealError("bad_envelope", f"The sealed summary lacks: {', '.join(missing)}.")
    if envelope["v"] != VERSION or isinstance(envelope["v"], bool):
        raise SealError("bad_version", f"This server opens sealed summaries of version {VERSION} only.")
    if not isinstance(envelope["kid"], str) or not _KID.fullmatch(envelope["kid"]):
        raise SealError("bad_envelope", "'kid' must be the 43-character key id the server gave at pairing.")
    epk = envelope["epk"]
    public_key_from_jwk(epk)
    if len(b64url_decode(envelope["iv"], "iv")) != IV_BYTES:
        raise SealError("bad_envelope", f"'iv' must be {IV_BYTES} bytes.")
    if len(b64url_decode(envelope["ct"], "ct")) < TAG_BYTES:
        raise SealError("bad_envelope", "'ct' is too short to hold a sealed summary.")
    return {"v": VERSION, "kid": envelope["kid"],
            "epk": {"kty": "EC", "crv": "P-256", "x": epk["x"], "y": epk["y"]},
            "iv": envelope["iv"], "ct": envelope["ct"]}


def open_with(private_key: ec.EllipticCurvePrivateKey, envelope: dict) -> bytes:
    """Open a checked envelope with the recipient's private key; return the plaintext bytes."""
    kid = envelope["kid"]
    shared = private_key.exchange(ec.ECDH(), public_key_from_jwk(envelope["epk"]))
    iv, ct = b64url_decode(envelope["iv"], "iv"), b64url_decode(envelope["ct"], "ct")
    try:
        return AESGCM(derive_key(shared, kid)).decrypt(iv, ct, aad_for(kid))
    except InvalidTag:
        raise SealError("cannot_open", "The sealed summary could not be opened: it was not sealed to this "
                        "server's key, or it was changed on the way. Seal it again and resend.") from None


def parse_summary(plaintext: bytes) -> dict:
    """Check an opened summary against the v1 plaintext contract and return it."""
    try:
        summary = json.loads(plaintext.decode("utf-8"))
    except (ValueError, RecursionError):
        raise SealError("bad_summary", "The opened summary is not UTF-8 JSON.") from None
    if not isinstance(summary, dict):
        raise SealError("bad_summary", "The opened summary must be a JSON object {v, text, created}.")
    extra = sorted(set(summary) - SUMMARY_MEMBERS)
    if extra:
        raise SealError("bad_summary", f"Unknown member(s) in the summary: {', '.join(extra)}.")
    if summary.get("v") != VERSION or isinstance(summary.get("v"), bool):
        raise SealError("bad_summary", f"The summary must have \"v\": {VERSION}.")
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
    """The server's recipient keys in ``<instance>/summary-keys/``: one PEM file (0600) per key id.

    The file ``current`` names the key new pairings are given; every other key
    is kept so summaries sealed to it still open.
    """

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.keys: dict[str, RecipientKey] = {}
        self.current_kid = ""

    @classmethod
    def open(cls, folder: Path) -> Keyring:
        """Load the keys in ``folder``, making the first key pair if there is none."""
        keyring = cls(folder)
        keyring.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        with FileLock(str(keyring.folder / ".lock")):
            keyring.reload()
            if not keyring.current_kid:
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
            self.current_kid = ""

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
        """Return the key new pairings seal to."""
        return self.keys[self.current_kid]

    def recipient(self) -> dict:
        """Return what a phone needs to seal to this server: ``{jwk, kid}``."""
        key = self.current()
        return {"jwk": key.jwk, "kid": key.kid}

    def unseal(self, envelope, checked: bool = False) -> dict:
        """Check and open an envelope; return the summary (a dict) or raise SealError.

        ``checked`` says the envelope already came from ``parse_envelope``.
        """
        if not checked:
            envelope = parse_envelope(envelope)
        key = self.keys.get(envelope["kid"])
        if key is None:
            self.reload()  # another process may have rotated the keys
            key = self.keys.get(envelope["kid"])
        if key is None:
            raise SealError("unknown_key", "This summary was sealed to a key the server does not hold. "
                            "Pair this phone again to get the current key, then resend.")
        return parse_summary(open_with(key.private_key, envelope))


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
    """Open (or make) the server's recipient keys in the instance folder."""
    app.extensions["keyring"] = Keyring.open(Path(app.instance_path) / KEY_FOLDER)
