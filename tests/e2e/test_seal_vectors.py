"""static/js/seal.js and pwa/seal.py agree: the browser reproduces Python's vectors byte for byte."""
import json
from pathlib import Path

import pytest

from pwa import seal

VECTORS = json.loads((Path(__file__).resolve().parents[1] / "vectors" / "seal_v1.json").read_text())["vectors"]


@pytest.mark.parametrize("vector", VECTORS, ids=[v["name"] for v in VECTORS])
def test_browser_seals_python_test_vectors_identically(live_server, page, vector):
    page.goto(live_server.url + "/offline")
    envelope = page.evaluate("""async (v) => {
        const main = document.querySelector("script[type=module][src*='/js/main.js']").src;
        const { sealSummary } = await import(main.replace("/js/main.js", "/js/seal.js"));
        return sealSummary(v.recipient_public_jwk, v.kid, JSON.parse(v.plaintext),
                           { epk: v.ephemeral_private_jwk, iv: v.iv });
    }""", vector)
    # seal.js serialises with JSON.stringify, so the vectors' plaintexts are compact JSON.
    assert json.dumps(json.loads(vector["plaintext"]), separators=(",", ":"), ensure_ascii=False) == vector["plaintext"]
    assert envelope == vector["envelope"]


def test_browser_sealed_envelope_opens_in_python(live_server, page, tmp_path):
    keyring = seal.Keyring.open(tmp_path / "keys")
    recipient = keyring.recipient()
    page.goto(live_server.url + "/offline")
    envelope = page.evaluate("""async (r) => {
        const main = document.querySelector("script[type=module][src*='/js/main.js']").src;
        const { sealSummary } = await import(main.replace("/js/main.js", "/js/seal.js"));
        return sealSummary(r.jwk, r.kid, { v: 1, display_name: "SJ", text: "Ça va — 2.4 🌱", created: "2026-11-27T10:00:00.000Z" });
    }""", recipient)
    assert keyring.unseal(envelope)["text"] == "Ça va — 2.4 🌱"
