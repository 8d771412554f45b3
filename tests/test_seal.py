"""Sealed summaries: the v1 envelope round-trips, matches its fixed vectors, and refuses tampering."""
import json
import os
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from pwa import seal
from pwa.seal import Keyring, SealError, parse_summary, seal_summary

VECTORS = Path(__file__).parent / "vectors" / "seal_v1.json"
SUMMARY = {"v": 1, "display_name": "Sam", "text": "Line one\nLine two", "created": "2025-05-01T09:30:00.000Z"}


@pytest.fixture
def keyring(tmp_path):
    return Keyring.open(tmp_path / "keys", create=True)


def sealed(keyring, summary=SUMMARY):
    recipient = keyring.recipient()
    return seal_summary(recipient["jwk"], recipient["kid"], json.dumps(summary).encode())


def test_sealed_summary_opens_with_the_server_key(keyring):
    envelope = sealed(keyring)
    assert set(envelope) == {"v", "kid", "epk", "iv", "ct"}
    assert envelope["v"] == 1 and envelope["kid"] == keyring.current_kid
    assert set(envelope["epk"]) == {"kty", "crv", "x", "y"}
    assert len(seal.b64url_decode(envelope["iv"], "iv")) == 12
    assert keyring.unseal(envelope) == SUMMARY


def test_each_seal_uses_a_fresh_ephemeral_key_and_iv(keyring):
    first, second = sealed(keyring), sealed(keyring)
    assert first["epk"] != second["epk"] and first["iv"] != second["iv"] and first["ct"] != second["ct"]


def test_key_files_are_private_and_survive_a_restart(tmp_path):
    keyring = Keyring.open(tmp_path / "keys", create=True)
    envelope = sealed(keyring)
    pem = tmp_path / "keys" / f"{keyring.current_kid}.pem"
    assert stat.S_IMODE(os.stat(pem).st_mode) == 0o600
    again = Keyring.open(tmp_path / "keys", create=True)
    assert again.current_kid == keyring.current_kid
    assert again.unseal(envelope) == SUMMARY


def test_rotated_keys_still_open_older_summaries(keyring):
    old = sealed(keyring)
    old_kid = keyring.current_kid
    new_kid = keyring.rotate()
    assert new_kid != old_kid and keyring.recipient()["kid"] == new_kid
    assert keyring.unseal(old) == SUMMARY
    assert keyring.unseal(sealed(keyring)) == SUMMARY


def test_key_rotated_by_another_process_is_found(tmp_path):
    serving = Keyring.open(tmp_path / "keys", create=True)
    Keyring.open(tmp_path / "keys", create=True).rotate()  # e.g. an admin command
    elsewhere = Keyring.open(tmp_path / "keys", create=True)
    assert serving.unseal(sealed(elsewhere)) == SUMMARY


def test_kid_is_the_rfc7638_thumbprint():
    # RFC 7638 section 3.1 uses an RSA key; this P-256 one is checked against its definition.
    jwk = {"kty": "EC", "crv": "P-256", "x": "MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4",
           "y": "4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM"}
    canonical = b'{"crv":"P-256","kty":"EC","x":"MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4",' \
                b'"y":"4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM"}'
    import hashlib
    assert seal.thumbprint(jwk) == seal.b64url(hashlib.sha256(canonical).digest())


def test_vectors_file_matches_the_spec_and_opens():
    data = json.loads(VECTORS.read_text(encoding="utf-8"))
    assert len(data["vectors"]) >= 3
    for vector in data["vectors"]:
        recipient = _private_key(vector["recipient_private_jwk"])
        ephemeral = _private_key(vector["ephemeral_private_jwk"])
        assert seal.thumbprint(vector["recipient_public_jwk"]) == vector["kid"]
        shared = ephemeral.exchange(ec.ECDH(), recipient.public_key())
        assert seal.b64url(shared) == vector["shared_secret"]
        assert vector["hkdf_info"] == "alongside-summary-key:v1:" + vector["kid"]
        assert vector["aad"] == "alongside-summary:v1:" + vector["kid"]
        assert seal.b64url(seal.derive_key(shared, vector["kid"])) == vector["aes_key"]
        again = seal_summary(vector["recipient_public_jwk"], vector["kid"], vector["plaintext"].encode(),
                             ephemeral_key=ephemeral, iv=seal.b64url_decode(vector["iv"], "iv"))
        assert again == vector["envelope"], vector["name"]
        opened = seal.open_with(recipient, seal.parse_envelope(vector["envelope"]))
        assert opened.decode() == vector["plaintext"]
        assert parse_summary(opened)["v"] == 1


def test_vectors_that_must_not_open_are_refused():
    data = json.loads(VECTORS.read_text(encoding="utf-8"))
    for case in data["must_not_open"]:
        recipient = _private_key(data["vectors"][case["recipient"]]["recipient_private_jwk"])
        with pytest.raises(SealError) as refused:
            seal.open_with(recipient, seal.parse_envelope(case["envelope"]))
        assert refused.value.reason == case["reason"], case["name"]


def test_vectors_file_is_what_the_generator_writes():
    from tests.vectors.make_seal_v1 import build
    assert json.loads(VECTORS.read_text(encoding="utf-8")) == build()


def _private_key(jwk):
    return ec.derive_private_key(int.from_bytes(seal.b64url_decode(jwk["d"], "d"), "big"), ec.SECP256R1())


def test_webcrypto_style_epk_members_are_ignored(keyring):
    envelope = sealed(keyring)
    envelope["epk"] = {**envelope["epk"], "ext": True, "key_ops": []}
    assert keyring.unseal(envelope) == SUMMARY
    assert seal.parse_envelope(envelope)["epk"] == {k: envelope["epk"][k] for k in ("kty", "crv", "x", "y")}


def _tampered_ct(envelope):
    ct = bytearray(seal.b64url_decode(envelope["ct"], "ct"))
    ct[-1] ^= 1
    return {**envelope, "ct": seal.b64url(bytes(ct))}


@pytest.mark.parametrize("change, reason", [
    (_tampered_ct, "cannot_open"),
    (lambda e: {**e, "iv": seal.b64url(bytes(12))}, "cannot_open"),
    (lambda e: {**e, "kid": "A" * 43}, "unknown_key"),
    (lambda e: {**e, "v": 3}, "bad_version"),
    (lambda e: {**e, "v": True}, "bad_version"),
    (lambda e: {k: v for k, v in e.items() if k != "iv"}, "bad_envelope"),
    (lambda e: {**e, "extra": 1}, "bad_envelope"),
    (lambda e: {**e, "iv": seal.b64url(bytes(16))}, "bad_envelope"),
    (lambda e: {**e, "iv": "not base64!"}, "bad_envelope"),
    (lambda e: {**e, "ct": ""}, "bad_envelope"),
    (lambda e: {**e, "kid": 7}, "bad_envelope"),
    (lambda e: {**e, "epk": "key"}, "bad_envelope"),
    (lambda e: {**e, "epk": {**e["epk"], "crv": "P-384"}}, "bad_envelope"),
    (lambda e: {**e, "epk": {**e["epk"], "x": seal.b64url(bytes(32))}}, "bad_envelope"),  # not on the curve
    (lambda e: {**e, "epk": {**e["epk"], "y": 5}}, "bad_envelope"),
    (lambda e: [e], "bad_envelope"),
])
def test_envelope_that_cannot_be_opened_says_why(keyring, change, reason):
    with pytest.raises(SealError) as refused:
        keyring.unseal(change(sealed(keyring)))
    assert refused.value.reason == reason
    assert refused.value.message


@pytest.mark.parametrize("summary, words", [
    ({"v": 1, "created": "2025-05-01T09:30:00.000Z"}, "'text'"),
    ({"v": 1, "text": "  ", "created": "2025-05-01T09:30:00.000Z"}, "'text'"),
    ({"v": 1, "text": "x" * 8001, "created": "2025-05-01T09:30:00.000Z"}, "8,000"),
    ({"v": 1, "text": "hi"}, "'created'"),
    ({"v": 1, "text": "hi", "created": "yesterday"}, "'created'"),
    ({"v": 1, "text": "hi", "created": "2025-05-01T09:30:00+01:00"}, "'created'"),
    ({"v": 2, "text": "hi", "created": "2025-05-01T09:30:00.000Z"}, '"v": 1'),
    ({"v": 1, "text": "hi", "created": "2025-05-01T09:30:00.000Z", "patient": "Mr X"}, "patient"),
    ({"v": 1, "text": "hi", "created": "2025-05-01T09:30:00.000Z", "display_name": "x" * 41}, "display_name"),
    ({"v": 1, "text": "\ud800", "created": "2025-05-01T09:30:00.000Z"}, "'text'"),
    (["not", "an", "object"], "JSON object"),
])
def test_summary_plaintext_contract_is_enforced(keyring, summary, words):
    recipient = keyring.recipient()
    plaintext = json.dumps(summary).encode()
    with pytest.raises(SealError) as refused:
        keyring.unseal(seal_summary(recipient["jwk"], recipient["kid"], plaintext))
    assert refused.value.reason == "bad_summary"
    assert words in refused.value.message


def test_plaintext_that_is_not_utf8_json_is_refused(keyring):
    recipient = keyring.recipient()
    with pytest.raises(SealError, match="not UTF-8 JSON"):
        keyring.unseal(seal_summary(recipient["jwk"], recipient["kid"], b"\xff\xfe"))


# Envelope v2 (to the supervisor's own key) and the pairing key check

VECTORS_V2 = Path(__file__).parent / "vectors" / "seal_v2.json"


def test_v2_vectors_file_matches_the_spec_and_opens():
    data = json.loads(VECTORS_V2.read_text(encoding="utf-8"))
    for vector in data["vectors"]:
        recipient = _private_key(vector["recipient_private_jwk"])
        ephemeral = _private_key(vector["ephemeral_private_jwk"])
        assert seal.thumbprint(vector["recipient_public_jwk"]) == vector["kid"] == vector["envelope"]["kid"]
        shared = ephemeral.exchange(ec.ECDH(), recipient.public_key())
        assert seal.b64url(shared) == vector["shared_secret"]
        assert vector["hkdf_info"] == "alongside-summary-key:v2:" + vector["kid"]
        assert vector["aad"] == f"alongside-summary:v2:{vector['kid']}:{vector['device_id']}"
        assert seal.b64url(seal.derive_key(shared, vector["kid"], 2)) == vector["aes_key"]
        again = seal.seal_v2(vector["recipient_public_jwk"], vector["device_id"], vector["plaintext"].encode(),
                             ephemeral_key=ephemeral, iv=seal.b64url_decode(vector["iv"], "iv"))
        assert again == vector["envelope"], vector["name"]
        opened = seal.open_with(recipient, seal.parse_envelope(vector["envelope"]), vector["device_id"])
        assert parse_summary(opened, 2) == json.loads(vector["plaintext"])


def test_v2_vectors_that_must_not_open_are_refused():
    data = json.loads(VECTORS_V2.read_text(encoding="utf-8"))
    assert {case["name"] for case in data["must_not_open"]} >= {"sent on from another phone (did changed)"}
    for case in data["must_not_open"]:
        vector = data["vectors"][case["recipient"]]
        with pytest.raises(SealError) as refused:
            seal.open_with(_private_key(vector["recipient_private_jwk"]), seal.parse_envelope(case["envelope"]),
                           case["envelope"]["did"])
        assert refused.value.reason == case["reason"], case["name"]


def test_v2_vectors_file_is_what_the_generator_writes():
    from tests.vectors.make_seal_v2 import build
    assert json.loads(VECTORS_V2.read_text(encoding="utf-8")) == build()


def test_no_server_key_opens_a_v2_envelope(keyring):
    vector = json.loads(VECTORS_V2.read_text(encoding="utf-8"))["vectors"][0]
    with pytest.raises(SealError) as refused:
        keyring.unseal(vector["envelope"])
    assert refused.value.reason == "not_server_key"


def test_a_v1_summary_is_resealed_to_the_supervisors_key_for_its_phone(keyring):
    supervisor = ec.generate_private_key(ec.SECP256R1())
    v2 = keyring.reseal(sealed(keyring), seal.public_jwk(supervisor.public_key()), "0123456789abcdef")
    assert v2["v"] == 2 and v2["did"] == "0123456789abcdef"
    opened = parse_summary(seal.open_with(supervisor, seal.parse_envelope(v2), "0123456789abcdef"), 2)
    assert opened == {**SUMMARY, "v": 2}
    keyring.forget_all()
    assert not keyring.folder.exists() and not keyring.keys


def test_key_check_is_eight_code_letters_that_change_with_the_key_and_the_code():
    data = json.loads(VECTORS_V2.read_text(encoding="utf-8"))
    checks = {(c["code"], c["jwk"]["x"]): c["check"] for c in data["key_checks"]}
    assert len(set(checks.values())) == len(checks)
    for case in data["key_checks"]:
        assert len(case["check"]) == 8 and set(case["check"]) <= set(seal.CODE_ALPHABET)
        assert seal.key_check(case["code"], case["jwk"]) == case["check"]


@pytest.mark.parametrize("change, words", [
    (lambda k: {**k, "kid": "A" * 43}, "thumbprint"),
    (lambda k: {**k, "jwk": {**k["jwk"], "x": seal.b64url(bytes(32))}}, "curve"),
    (lambda k: {**k, "vault": {**k["vault"], "kdf": {**k["vault"]["kdf"], "iterations": 1000}}}, "600,000"),
    (lambda k: {**k, "vault": {**k["vault"], "slots": k["vault"]["slots"][:1]}}, "recovery-code slot"),
    (lambda k: {**k, "sealed": {**k["sealed"], "data": "x" * 3000}}, "sealed private key"),
    (lambda k: {**k, "extra": 1}, "{v: 1"),
])
def test_a_supervisor_key_of_the_wrong_shape_is_refused(change, words):
    from tests.conftest import supervisor_key
    _, good = supervisor_key()
    assert seal.parse_supervisor_key(good) == good
    with pytest.raises(SealError) as refused:
        seal.parse_supervisor_key(change(good))
    assert refused.value.reason == "bad_key" and words in refused.value.message
