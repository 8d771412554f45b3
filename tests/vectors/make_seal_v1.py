"""Write seal_v1.json: fixed test vectors for the v1 summary envelope (see pwa/seal.py).

Everything is derived from fixed labels, so running this again writes the same
file: ``python tests/vectors/make_seal_v1.py``. The browser's seal.js imports
``ephemeral_private_jwk`` and ``recipient_public_jwk``, seals ``plaintext`` with
``iv`` and must produce ``envelope`` exactly.
"""
import hashlib
import json
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import ec

from pwa import seal

HERE = Path(__file__).parent
ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551  # of the P-256 group


def fixed_key(label: str) -> ec.EllipticCurvePrivateKey:
    scalar = int.from_bytes(hashlib.sha256(label.encode()).digest(), "big") % (ORDER - 1) + 1
    return ec.derive_private_key(scalar, ec.SECP256R1())


def private_jwk(key: ec.EllipticCurvePrivateKey) -> dict:
    d = key.private_numbers().private_value.to_bytes(32, "big")
    return {**seal.public_jwk(key.public_key()), "d": seal.b64url(d)}


def summary_json(summary: dict) -> str:
    """The plaintext as JavaScript's JSON.stringify writes it: compact, non-ASCII kept."""
    return json.dumps(summary, ensure_ascii=False, separators=(",", ":"))


CASES = [
    ("short ASCII summary", "recipient 1", "ephemeral 1", "iv 1",
     {"v": 1, "text": "Read 2.3 and did activity 2.4. Would like to talk about boundaries.",
      "created": "2025-05-01T09:30:00.000Z"}),
    ("display name, line breaks and non-ASCII", "recipient 1", "ephemeral 2", "iv 2",
     {"v": 1, "display_name": "Sìne M", "text": "For supervision:\n• hope — “what helps”\n• 2.13 scale: 4/7 🌱",
      "created": "2025-05-02T14:05:09.123Z"}),
    ("long summary, second recipient key", "recipient 2", "ephemeral 3", "iv 3",
     {"v": 1, "display_name": "JT", "text": "Progress: sections 1 to 6 read.\n" + "A reflection that runs on. " * 40,
      "created": "2025-06-30T23:59:59.999Z"}),
]


def make_vector(name, recipient_label, ephemeral_label, iv_label, summary, device_id=None) -> dict:
    """One vector: of envelope v1, or of v2 sent from ``device_id``."""
    version = 2 if device_id else 1
    recipient, ephemeral = fixed_key(recipient_label), fixed_key(ephemeral_label)
    recipient_jwk = seal.public_jwk(recipient.public_key())
    kid = seal.thumbprint(recipient_jwk)
    iv = hashlib.sha256(iv_label.encode()).digest()[:seal.IV_BYTES]
    plaintext = summary_json(summary)
    shared = ephemeral.exchange(ec.ECDH(), recipient.public_key())
    envelope = (seal.seal_v2(recipient_jwk, device_id, plaintext.encode(), ephemeral_key=ephemeral, iv=iv) if device_id
                else seal.seal_summary(recipient_jwk, kid, plaintext.encode(), ephemeral_key=ephemeral, iv=iv))
    return {
        "name": name,
        "recipient_private_jwk": private_jwk(recipient),
        "recipient_public_jwk": recipient_jwk,
        "kid": kid,
        **({"device_id": device_id} if device_id else {}),
        "ephemeral_private_jwk": private_jwk(ephemeral),
        "iv": seal.b64url(iv),
        "plaintext": plaintext,
        "shared_secret": seal.b64url(shared),
        "hkdf_info": seal.info_for(kid, version).decode(),
        "aes_key": seal.b64url(seal.derive_key(shared, kid, version)),
        "aad": seal.aad_for(kid, version, device_id).decode(),
        "envelope": envelope,
    }


def build() -> dict:
    vectors = [make_vector(*case) for case in CASES]
    good = vectors[0]["envelope"]
    flipped = seal.b64url(bytes([seal.b64url_decode(good["ct"], "ct")[0] ^ 1])
                          + seal.b64url_decode(good["ct"], "ct")[1:])
    other_kid = vectors[2]["kid"]
    return {
        "about": "Alongside summary envelope v1 test vectors; the spec is the docstring of pwa/seal.py. "
                 "Binary values are base64url without padding. Regenerate with "
                 "tests/vectors/make_seal_v1.py.",
        "hkdf": {"hash": "SHA-256", "salt": seal.b64url(seal.SALT), "info": "UTF-8 of 'alongside-summary-key:v1:' + kid",
                 "length": 32},
        "aead": {"name": "AES-GCM", "key_bits": 256, "iv_bytes": 12, "tag_bits": 128,
                 "aad": "UTF-8 of 'alongside-summary:v1:' + kid"},
        "vectors": vectors,
        "must_not_open": [
            {"name": "ciphertext changed", "recipient": 0, "reason": "cannot_open",
             "envelope": {**good, "ct": flipped}},
            {"name": "kid of another recipient (AAD and key differ)", "recipient": 0, "reason": "cannot_open",
             "envelope": {**good, "kid": other_kid}},
        ],
    }


if __name__ == "__main__":
    (HERE / "seal_v1.json").write_text(json.dumps(build(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
