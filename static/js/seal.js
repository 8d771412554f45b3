// Seal a summary to the supervisor's own public key (envelope v2, specified in pwa/seal.py):
// ephemeral ECDH P-256 -> HKDF-SHA256 (32 zero-byte salt, info "alongside-summary-key:v2:"+kid)
// -> AES-256-GCM with AAD "alongside-summary:v2:"+kid+":"+did. Only the supervisor's private key opens it.
import { b64url, unb64 } from "./vault.js";

const subtle = crypto.subtle;
const utf8 = new TextEncoder();
const EC = { name: "ECDH", namedCurve: "P-256" };
const ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"; // the pairing codes'
const sha256 = (text) => subtle.digest("SHA-256", utf8.encode(text));
const pub = ({ x, y }) => ({ kty: "EC", crv: "P-256", x, y });

/** The RFC 7638 thumbprint of a P-256 JWK: the key id (kid). */
export const thumbprint = async ({ crv, kty, x, y }) => b64url(await sha256(JSON.stringify({ crv, kty, x, y })));

/** The 8 characters a supervisor's browser adds to a pairing code `code8` for its key `jwk`. */
export async function keyCheck(code8, jwk) {
  const digest = new DataView(await sha256(`alongside-key-check:v1:${code8}:${await thumbprint(jwk)}`));
  let n = digest.getBigUint64(0);
  let check = "";
  for (let i = 0; i < 8; i++, n /= 31n) check += ALPHABET[Number(n % 31n)];
  return check;
}

/** The AES-256-GCM key between one side's private key and the other's public key: ECDH, then HKDF-SHA256. */
export async function summaryKey(privateKey, publicKey, kid, use) {
  const shared = await subtle.deriveBits({ name: "ECDH", public: publicKey }, privateKey, 256);
  const hkdf = await subtle.importKey("raw", shared, "HKDF", false, ["deriveKey"]);
  return subtle.deriveKey({ name: "HKDF", hash: "SHA-256", salt: new Uint8Array(32), info: utf8.encode(`alongside-summary-key:v2:${kid}`) },
    hkdf, { name: "AES-GCM", length: 256 }, false, [use]);
}

/** AES-GCM parameters: the additional data binds the envelope to the key and the sending phone. */
export const summaryGcm = (iv, kid, deviceId) => ({ name: "AES-GCM", iv, additionalData: utf8.encode(`alongside-summary:v2:${kid}:${deviceId}`) });

/** Seal `summary` ({v:2, display_name?, text, created}) for the key `recipientJwk`, sent by the phone
 * `deviceId`; `fixed` ({epk: private JWK, iv}) is for test vectors only. */
export async function sealSummary(recipientJwk, deviceId, summary, fixed) {
  const kid = await thumbprint(recipientJwk);
  const recipient = await subtle.importKey("jwk", pub(recipientJwk), EC, false, []);
  const ephemeral = fixed
    ? { privateKey: await subtle.importKey("jwk", fixed.epk, EC, false, ["deriveBits"]),
        publicKey: await subtle.importKey("jwk", pub(fixed.epk), EC, true, []) }
    : await subtle.generateKey(EC, true, ["deriveBits"]);
  const key = await summaryKey(ephemeral.privateKey, recipient, kid, "encrypt");
  const iv = fixed ? unb64(fixed.iv) : crypto.getRandomValues(new Uint8Array(12));
  const ct = await subtle.encrypt(summaryGcm(iv, kid, deviceId), key, utf8.encode(JSON.stringify(summary)));
  return { v: 2, kid, did: deviceId, epk: pub(await subtle.exportKey("jwk", ephemeral.publicKey)), iv: b64url(iv), ct: b64url(ct) };
}
