"""static/js/seal.js and pwa/seal.py agree: the browser reproduces Python's v2 vectors and key checks byte for
byte, and what the browser seals opens in Python. (Phones seal v1 no more: Python's own v1 vectors stay in
tests/test_seal.py, for the migration.)"""
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from pwa import seal

V2 = json.loads((Path(__file__).resolve().parents[1] / "vectors" / "seal_v2.json").read_text())
SEAL_JS = """async ([name, args]) => {
    const main = document.querySelector("script[type=module][src*='/js/offline.js']").src;
    const seal = await import(main.replace("/js/offline.js", "/js/seal.js"));
    return seal[name](...args);
}"""


def seal_js(page, name, *args):
    """Call an export of static/js/seal.js in the page."""
    return page.evaluate(SEAL_JS, [name, list(args)])


@pytest.fixture(scope="module")
def sealer(browser, live_server):
    context = browser.new_context(service_workers="block")
    page = context.new_page()
    page.goto(live_server.url + "/offline")
    yield page
    context.close()


@pytest.mark.parametrize("vector", V2["vectors"], ids=[v["name"] for v in V2["vectors"]])
def test_browser_seals_python_v2_vectors_identically(sealer, vector):
    # seal.js serialises with JSON.stringify, so the vectors' plaintexts are compact JSON.
    assert json.dumps(json.loads(vector["plaintext"]), separators=(",", ":"), ensure_ascii=False) == vector["plaintext"]
    assert seal_js(sealer, "thumbprint", vector["recipient_public_jwk"]) == vector["kid"]
    envelope = seal_js(sealer, "sealSummary", vector["recipient_public_jwk"], vector["device_id"],
                       json.loads(vector["plaintext"]), {"epk": vector["ephemeral_private_jwk"], "iv": vector["iv"]})
    assert envelope == vector["envelope"]


@pytest.mark.parametrize("case", V2["key_checks"], ids=[f"{c['code']}-{c['check']}" for c in V2["key_checks"]])
def test_browser_computes_every_key_check(sealer, case):
    assert seal_js(sealer, "keyCheck", case["code"], case["jwk"]) == case["check"] == seal.key_check(case["code"], case["jwk"])


def test_browser_sealed_v2_envelope_opens_in_python_only_for_its_phone(sealer):
    private = ec.generate_private_key(ec.SECP256R1())
    jwk = seal.public_jwk(private.public_key())
    # WebCrypto's exported JWKs carry ext and key_ops: the thumbprint ignores them.
    envelope = seal_js(sealer, "sealSummary", {**jwk, "ext": True, "key_ops": []}, "0123456789abcdef",
                       {"v": 2, "display_name": "SJ", "text": "Ça va — 2.4 🌱", "created": "2026-11-27T10:00:00.000Z"})
    assert envelope["kid"] == seal.thumbprint(jwk) and envelope["did"] == "0123456789abcdef"
    parsed = seal.parse_envelope(envelope, versions=(2,))
    summary = seal.parse_summary(seal.open_with(private, parsed, "0123456789abcdef"), 2)
    assert summary["text"] == "Ça va — 2.4 🌱" and summary["display_name"] == "SJ"
    with pytest.raises(seal.SealError):
        seal.open_with(private, parsed, "fedcba9876543210")  # the same envelope, said to come from another phone
