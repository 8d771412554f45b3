"""Write seal_v2.json: fixed test vectors for the v2 summary envelope and the pairing key check (pwa/seal.py).

Everything is derived from fixed labels, so running this again writes the same file:
``python -m tests.vectors.make_seal_v2``. The browser's seal.js imports ``ephemeral_private_jwk`` and
``recipient_public_jwk``, seals ``plaintext`` from ``device_id`` with ``iv`` and must produce ``envelope``
exactly; it must compute each ``key_checks`` entry's ``check`` too.
"""
import json
from pathlib import Path

from pwa import seal
from tests.vectors.make_seal_v1 import make_vector

HERE = Path(__file__).parent

CASES = [
    ("short ASCII summary", "supervisor 1", "0123456789abcdef", "v2 ephemeral 1", "v2 iv 1",
     {"v": 2, "text": "Read 2.3 and did activity 2.4. Would like to talk about boundaries.",
      "created": "2026-05-01T09:30:00.000Z"}),
    ("display name, line breaks and non-ASCII", "supervisor 1", "fedcba9876543210", "v2 ephemeral 2", "v2 iv 2",
     {"v": 2, "display_name": "Sìne M", "text": "For supervision:\n• hope — “what helps”\n• 2.13 scale: 4/7 🌱",
      "created": "2026-05-02T14:05:09.123Z"}),
    ("long summary, second supervisor", "supervisor 2", "00000000000000ff", "v2 ephemeral 3", "v2 iv 3",
     {"v": 2, "display_name": "JT", "text": "Progress: sections 1 to 6 read.\n" + "A reflection that runs on. " * 40,
      "created": "2026-06-30T23:59:59.999Z"}),
]


def build() -> dict:
    vectors = [make_vector(name, recipient, ephemeral, iv, summary, device_id)
               for name, recipient, device_id, ephemeral, iv, summary in CASES]
    good = vectors[0]["envelope"]
    ct = seal.b64url_decode(good["ct"], "ct")
    checks = [{"code": code, "jwk": vectors[i]["recipient_public_jwk"],
               "check": seal.key_check(code, vectors[i]["recipient_public_jwk"])}
              for code, i in (("K7QM4XPD", 0), ("K7QM4XPD", 2), ("22222222", 0), ("ZZZZZZZZ", 1))]
    return {
        "about": "Alongside summary envelope v2 test vectors; the spec is the docstring of pwa/seal.py. "
                 "Binary values are base64url without padding. Regenerate with "
                 "python -m tests.vectors.make_seal_v2.",
        "hkdf": {"hash": "SHA-256", "salt": seal.b64url(seal.SALT), "info": "UTF-8 of 'alongside-summary-key:v2:' + kid",
                 "length": 32},
        "aead": {"name": "AES-GCM", "key_bits": 256, "iv_bytes": 12, "tag_bits": 128,
                 "aad": "UTF-8 of 'alongside-summary:v2:' + kid + ':' + did"},
        "vectors": vectors,
        "key_checks": checks,
        "must_not_open": [
            {"name": "ciphertext changed", "recipient": 0, "reason": "cannot_open",
             "envelope": {**good, "ct": seal.b64url(bytes([ct[0] ^ 1]) + ct[1:])}},
            {"name": "sent on from another phone (did changed)", "recipient": 0, "reason": "cannot_open",
             "envelope": {**good, "did": "aaaaaaaaaaaaaaaa"}},
            {"name": "kid of another recipient (AAD and key differ)", "recipient": 0, "reason": "cannot_open",
             "envelope": {**good, "kid": vectors[2]["kid"]}},
        ],
    }


if __name__ == "__main__":
    (HERE / "seal_v2.json").write_text(json.dumps(build(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
