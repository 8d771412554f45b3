// The only journal code that touches crypto.subtle. Formats (all binary as standard base64):
//   vault  {v:1, kdf:{name:"PBKDF2", hash:"SHA-256", iterations, salt}, slots:[{kind, iv, wrapped, kdf?}]}
//          wrapped = AES-256-GCM(KEK, iv, raw 32-byte journal key, AAD "alongside-slot:v1:<kind>"),
//          KEK = PBKDF2-SHA256(secret, salt, iterations) -> 256 bits; a slot's own kdf overrides the vault's.
//          secret = UTF-8 of the NFC passphrase, or of the recovery code's 24 characters (no dashes).
//   entry  {id, iv, data}: data = AES-256-GCM(journal key, iv, UTF-8 JSON {activity, field, value,
//          updated, revision}, AAD "alongside-entry:v1:<id>"); id is 16 random bytes, base64url.
const subtle = crypto.subtle;
const utf8 = new TextEncoder();
const GCM = "AES-GCM";
export const ITERATIONS = 600000;
const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"; // Crockford base32: no I, L, O, U

export const random = (n) => crypto.getRandomValues(new Uint8Array(n));
export function b64(bytes) {
  let s = "";
  bytes = new Uint8Array(bytes);
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}
export const unb64 = (text) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
export const newId = () => b64(random(16)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

export function failure(code, message) {
  return Object.assign(new Error(message), { code });
}

/** A recovery code: 24 base32 characters (120 bits) in 6 groups of 4. */
export function newRecoveryCode() {
  const chars = Array.from(random(24), (b) => ALPHABET[b & 31]).join("");
  return chars.match(/.{4}/g).join("-");
}

/** The recovery code's 24 characters, forgiving case, spaces, dashes, O/0 and I/L/1; else null. */
export function recoveryChars(text) {
  const s = text.toUpperCase().replace(/[\s-]/g, "").replace(/O/g, "0").replace(/[IL]/g, "1");
  return /^[0-9A-HJKMNP-TV-Z]{24}$/.test(s) ? s : null;
}

function secretBytes(kind, secret) {
  return utf8.encode(kind === "recovery" ? recoveryChars(secret) || "" : secret.normalize("NFC"));
}

const newKdf = (iterations = ITERATIONS) => ({ name: "PBKDF2", hash: "SHA-256", iterations, salt: b64(random(16)) });

async function kekFor(kind, secret, kdf) {
  const base = await subtle.importKey("raw", secretBytes(kind, secret), "PBKDF2", false, ["deriveKey"]);
  return subtle.deriveKey({ name: "PBKDF2", hash: kdf.hash, iterations: kdf.iterations, salt: unb64(kdf.salt) },
    base, { name: GCM, length: 256 }, false, ["encrypt", "decrypt", "unwrapKey"]);
}

const slotParams = (slot) => ({ name: GCM, iv: unb64(slot.iv), additionalData: utf8.encode(`alongside-slot:v1:${slot.kind}`) });

async function seal(kind, raw, kek, kdf) {
  const slot = { kind, iv: b64(random(12)) };
  if (kdf) slot.kdf = kdf;
  slot.wrapped = b64(await subtle.encrypt(slotParams(slot), kek, raw));
  return slot;
}

const importJournalKey = (raw) => subtle.importKey("raw", raw, GCM, false, ["encrypt", "decrypt"]);

/** Make a vault: a fresh journal key wrapped for the passphrase and for the recovery code. */
export async function createVault(passphrase, recoveryCode, iterations) {
  const raw = random(32);
  const kdf = newKdf(iterations);
  const kek = await kekFor("passphrase", passphrase, kdf);
  const record = { v: 1, kdf, slots: [
    await seal("passphrase", raw, kek),
    await seal("recovery", raw, await kekFor("recovery", recoveryCode, kdf)),
  ] };
  const key = await importJournalKey(raw);
  raw.fill(0);
  return { record, key, held: { kek, slot: record.slots[0] } };
}

/** Unwrap the journal key with a passphrase or recovery code; throws code 'wrong-secret'. */
export async function openVault(record, secret) {
  const slots = [...record.slots];
  if (recoveryChars(secret)) slots.reverse(); // looks like a recovery code: try that slot first
  for (const slot of slots) {
    if (slot.kind === "recovery" && !recoveryChars(secret)) continue;
    const kek = await kekFor(slot.kind, secret, slot.kdf || record.kdf);
    try {
      const key = await subtle.unwrapKey("raw", unb64(slot.wrapped), kek, slotParams(slot), GCM, false, ["encrypt", "decrypt"]);
      return { key, held: { kek, slot } };
    } catch { /* not this slot */ }
  }
  throw failure("wrong-secret", "That passphrase or recovery code is not right. Nothing has changed; try again.");
}

/** Re-wrap the journal key for a new passphrase (fresh salt); entries are untouched. */
export async function rewrap(record, held, passphrase) {
  const raw = new Uint8Array(await subtle.decrypt(slotParams(held.slot), held.kek, unb64(held.slot.wrapped)));
  const kdf = newKdf(Math.max(ITERATIONS, record.kdf.iterations));
  const kek = await kekFor("passphrase", passphrase, kdf);
  const slot = await seal("passphrase", raw, kek, kdf);
  raw.fill(0);
  return { record: { ...record, slots: [slot, ...record.slots.filter((s) => s.kind !== "passphrase")] },
    held: { kek, slot } };
}

const entryParams = (id, iv) => ({ name: GCM, iv, additionalData: utf8.encode(`alongside-entry:v1:${id}`) });

/** Encrypt one answer under its entry id with a fresh 96-bit IV. */
export async function sealEntry(key, id, plain) {
  const iv = random(12);
  const data = await subtle.encrypt(entryParams(id, iv), key, utf8.encode(JSON.stringify(plain)));
  return { id, iv: b64(iv), data: b64(data) };
}

/** Decrypt one entry; throws if it was altered or moved to another id. */
export async function openEntry(key, entry) {
  const plain = await subtle.decrypt(entryParams(entry.id, unb64(entry.iv)), key, unb64(entry.data));
  return JSON.parse(new TextDecoder().decode(plain));
}
