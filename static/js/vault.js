// The only journal code that uses crypto.subtle. Formats (binary as base64) are documented in pwa/backup.py:
// slot = AES-GCM(PBKDF2 KEK, raw key, AAD "alongside-slot:v1:<kind>"); entry AAD "alongside-entry:v1:<id>".
const S = crypto.subtle;
const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();
const GCM = "AES-GCM";
const USE = ["encrypt", "decrypt"];
export const ITERATIONS = 600000;

export const random = (n) => crypto.getRandomValues(new Uint8Array(n));
export function b64(bytes) {
  let s = "";
  bytes = new Uint8Array(bytes);
  for (let i = 0; i < bytes.length; i += 4096) s += String.fromCharCode(...bytes.subarray(i, i + 4096));
  return btoa(s);
}
/** Bytes from base64 or base64url (padding optional). */
export function unb64(text) {
  const s = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  const bytes = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i);
  return bytes;
}
export const b64url = (bytes) => b64(bytes).replace(/\+/g, "-").replace(/\//g, "_").replace(/=/g, "");
export const newId = () => b64url(random(16));
export const failure = (code, message) => Object.assign(new Error(message), { code });

/** 24 characters of Crockford base32 (120 bits) in 6 groups of 4. */
export const newRecoveryCode = () =>
  Array.from(random(24), (b, i) => (i && !(i % 4) ? "-" : "") + "0123456789ABCDEFGHJKMNPQRSTVWXYZ"[b & 31]).join("");

/** A typed recovery code's 24 characters (forgiving case, spaces, dashes, O/0, I/L/1), else "". */
export function recoveryChars(text) {
  const s = text.toUpperCase().replace(/[\s-]/g, "").replace(/O/g, "0").replace(/[IL]/g, "1");
  return /^[0-9A-HJKMNP-TV-Z]{24}$/.test(s) ? s : "";
}

async function kek(kind, secret, { hash, iterations, salt }) {
  const bytes = utf8.encode(kind === "recovery" ? recoveryChars(secret) : secret.normalize("NFC"));
  const base = await S.importKey("raw", bytes, "PBKDF2", false, ["deriveKey"]);
  return S.deriveKey({ name: "PBKDF2", hash, iterations, salt: unb64(salt) }, base, { name: GCM, length: 256 }, false,
    [...USE, "unwrapKey"]);
}

const gcm = (iv, aad) => ({ name: GCM, iv: typeof iv === "string" ? unb64(iv) : iv, additionalData: utf8.encode(aad) });
const slotGcm = (slot) => gcm(slot.iv, `alongside-slot:v1:${slot.kind}`);
const newKdf = (iterations = ITERATIONS) => ({ name: "PBKDF2", hash: "SHA-256", iterations, salt: b64(random(16)) });

async function wrap(kind, raw, key, kdf) {
  const slot = { kind, iv: b64(random(12)), ...(kdf && { kdf }) };
  slot.wrapped = b64(await S.encrypt(slotGcm(slot), key, raw));
  return slot;
}

export async function createVault(passphrase, code, iterations) {
  const raw = random(32);
  const kdf = newKdf(iterations);
  const k = await kek("passphrase", passphrase, kdf);
  const record = { v: 1, kdf, slots: [await wrap("passphrase", raw, k), await wrap("recovery", raw, await kek("recovery", code, kdf))] };
  const key = await S.importKey("raw", raw, GCM, false, USE);
  raw.fill(0);
  return { record, key, held: { kek: k, slot: record.slots[0] } };
}

export async function openVault(record, secret) {
  const code = recoveryChars(secret);
  for (const slot of code ? [...record.slots].reverse() : record.slots) {
    if (slot.kind === "recovery" && !code) continue;
    const k = await kek(slot.kind, secret, slot.kdf || record.kdf);
    try {
      return { key: await S.unwrapKey("raw", unb64(slot.wrapped), k, slotGcm(slot), GCM, false, USE), held: { kek: k, slot } };
    } catch { /* not this slot */ }
  }
  throw failure("wrong-secret", "That passphrase or recovery code is not right. Nothing has changed.");
}

/** Wrap the journal key for a new passphrase (its own fresh salt); entries are untouched. */
export async function rewrap(record, held, passphrase) {
  const raw = new Uint8Array(await S.decrypt(slotGcm(held.slot), held.kek, unb64(held.slot.wrapped)));
  const kdf = newKdf(Math.max(ITERATIONS, record.kdf.iterations));
  const k = await kek("passphrase", passphrase, kdf);
  const slot = await wrap("passphrase", raw, k, kdf);
  raw.fill(0);
  return { record: { ...record, slots: [slot, ...record.slots.filter((s) => s.kind !== "passphrase")] }, held: { kek: k, slot } };
}

const entryGcm = (id, iv) => gcm(iv, `alongside-entry:v1:${id}`);

/** iv (base64) may be chosen by the caller, so it knows the version tag before encryption finishes. */
export async function sealEntry(key, id, plain, iv = b64(random(12))) {
  return { id, iv, data: b64(await S.encrypt(entryGcm(id, iv), key, utf8.encode(JSON.stringify(plain)))) };
}

export const openEntry = async (key, entry) =>
  JSON.parse(fromUtf8.decode(await S.decrypt(entryGcm(entry.id, entry.iv), key, unb64(entry.data))));
