// Seal a summary to the recipient's public key (envelope v1, specified in pwa/seal.py):
// ephemeral ECDH P-256 -> HKDF-SHA256 (32 zero-byte salt, info "alongside-summary-key:v1:"+kid)
// -> AES-256-GCM with AAD "alongside-summary:v1:"+kid. Only the recipient's private key opens it.
import { b64url, unb64 } from "./vault.js";

const subtle = crypto.subtle;
const utf8 = new TextEncoder();

/** Seal `summary` ({v:1, display_name?, text, created}); `fixed` ({epk: private JWK, iv}) is for test vectors only. */
export async function sealSummary(recipientJwk, kid, summary, fixed) {
  const ec = { name: "ECDH", namedCurve: "P-256" };
  const recipient = await subtle.importKey("jwk", { kty: "EC", crv: "P-256", x: recipientJwk.x, y: recipientJwk.y },
    ec, false, []);
  const ephemeral = fixed
    ? { privateKey: await subtle.importKey("jwk", fixed.epk, ec, false, ["deriveBits"]),
        publicKey: await subtle.importKey("jwk", { kty: "EC", crv: "P-256", x: fixed.epk.x, y: fixed.epk.y }, ec, true, []) }
    : await subtle.generateKey(ec, true, ["deriveBits"]);
  const shared = await subtle.deriveBits({ name: "ECDH", public: recipient }, ephemeral.privateKey, 256);
  const hkdf = await subtle.importKey("raw", shared, "HKDF", false, ["deriveKey"]);
  const key = await subtle.deriveKey(
    { name: "HKDF", hash: "SHA-256", salt: new Uint8Array(32), info: utf8.encode(`alongside-summary-key:v1:${kid}`) },
    hkdf, { name: "AES-GCM", length: 256 }, false, ["encrypt"]);
  const iv = fixed ? unb64(fixed.iv) : crypto.getRandomValues(new Uint8Array(12));
  const ct = await subtle.encrypt({ name: "AES-GCM", iv, additionalData: utf8.encode(`alongside-summary:v1:${kid}`) },
    key, utf8.encode(JSON.stringify(summary)));
  const { x, y } = await subtle.exportKey("jwk", ephemeral.publicKey);
  return { v: 1, kid, epk: { kty: "EC", crv: "P-256", x, y }, iv: b64url(iv), ct: b64url(ct) };
}
