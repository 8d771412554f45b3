// The journal session: the one API other code uses to reach the encrypted journal.
// Keys live only in this module's memory while unlocked; lock() drops them. So a journal unlocked on
// one page is locked again on the next page load: unlock in place. lock.js opens an unlock dialog for
// any [data-unlock] button and any link to /journal inside a [data-locked-note] (when a journal exists).
// Events on window: 'alongside:unlock' (after unlock, and after a backup is merged: reload answers),
// 'alongside:lock' {reason}, 'alongside:saved' {activity, field}.
import * as store from "./store.js";
import * as vault from "./vault.js";

const COMMON = ["password123", "password1234", "1234567890", "12345678910", "0123456789", "qwertyuiop",
  "iloveyou12", "qwerty1234", "1q2w3e4r5t", "letmein123", "abcdefghij", "passw0rd123", "welcome123",
  "0987654321", "1111111111", "football12", "princess12", "nhsscotland"];

let key = null; // the journal key (non-extractable CryptoKey)
let held = null; // {kek, slot}: the slot that unlocked, so a new passphrase can be set without asking again
let answers = new Map(); // "activity|field" -> {id, activity, field, value, updated, revision}
let stale = false; // another tab changed the journal since we read it
const queues = new Map(); // "activity|field" -> last pending save, so saves of one field land in order
const channel = "BroadcastChannel" in self ? new BroadcastChannel("alongside-journal") : null;
channel?.addEventListener("message", ({ data }) => {
  if (data === "lock") lock("other-tab", true);
  else stale = true;
});
const tell = (message) => channel?.postMessage(message);
const fire = (name, detail) => dispatchEvent(new CustomEvent(name, { detail }));
const slotOf = (activity, field) => `${activity}|${field}`;
const newer = (a, b) => Date.parse(a.updated) > Date.parse(b.updated);
const locked = () => vault.failure("locked", "Your journal is locked. Unlock it to see and save your answers.");

export const getSetting = store.getSetting;
export const setSetting = store.setSetting;
export const hasJournal = async () => Boolean(await store.getVault());
export const isUnlocked = () => key !== null;
/** 'passphrase' or 'recovery': which secret unlocked the journal (offer a new passphrase after recovery). */
export const unlockedWith = () => held?.slot.kind;

/** Why a passphrase is not good enough, or "" when it is. */
export function passphraseProblem(passphrase) {
  if (passphrase.length < 10) return "Use at least 10 characters. A few words you will remember is easiest.";
  const plain = passphrase.toLowerCase().replace(/\s/g, "");
  if (COMMON.includes(plain) || /^(.)\1+$/.test(plain)) return "That passphrase is one of the first that anyone would guess. Choose another.";
  return "";
}

function checkPassphrase(passphrase) {
  const problem = passphraseProblem(passphrase);
  if (problem) throw vault.failure("weak-passphrase", problem);
}

/** Decrypt every entry into memory; the newest copy of a field wins (two tabs may both have written it). */
async function readAll() {
  const entries = await store.allEntries();
  const opened = await Promise.all(entries.map((e) => vault.openEntry(key, e).catch(() => null)));
  answers = new Map();
  opened.forEach((plain, i) => {
    if (!plain) return console.warn("Alongside: one journal entry could not be decrypted and was skipped.");
    const k = slotOf(plain.activity, plain.field);
    const other = answers.get(k);
    if (!other || newer(plain, other)) answers.set(k, { id: entries[i].id, ...plain });
  });
  stale = false;
}

async function begin(opened) {
  ({ key, held } = opened);
  await readAll();
  fire("alongside:unlock", {});
}

/** Make a new journal on this device; returns the recovery code (show it once). */
export async function createJournal(passphrase, iterations) {
  checkPassphrase(passphrase);
  if (await hasJournal()) throw vault.failure("exists", "This phone already has a journal. Unlock it instead.");
  const recoveryCode = vault.newRecoveryCode();
  const made = await vault.createVault(passphrase, recoveryCode, iterations);
  await store.putVault(made.record);
  await begin(made);
  return recoveryCode;
}

/** Unlock with the passphrase or the recovery code; a wrong one throws code 'wrong-secret'. */
export async function unlock(secret) {
  const record = await store.getVault();
  if (!record) throw vault.failure("no-journal", "There is no journal on this phone yet. Set one up first.");
  await begin(await vault.openVault(record, secret));
  return true;
}

/** Drop the keys and the decrypted answers; fires 'alongside:lock' (other tabs lock too). */
export function lock(reason = "manual", quiet = false) {
  const was = key !== null;
  key = held = null;
  answers = new Map();
  if (!quiet) tell("lock");
  if (was) fire("alongside:lock", { reason });
}

/** Set a new passphrase: re-wraps the journal key only. Give the current secret, or none right after unlocking. */
export async function changePassphrase(passphrase, current) {
  if (!key) throw locked();
  checkPassphrase(passphrase);
  const record = await store.getVault();
  const from = current === undefined ? held : (await vault.openVault(record, current)).held;
  const made = await vault.rewrap(record, from, passphrase);
  await store.putVault(made.record);
  held = made.held;
}

function queued(k, job) {
  const next = (queues.get(k) || Promise.resolve()).catch(() => {}).then(job);
  queues.set(k, next);
  next.finally(() => queues.get(k) === next && queues.delete(k)).catch(() => {});
  return next;
}

async function write(plain) {
  const k = slotOf(plain.activity, plain.field);
  const id = answers.get(k)?.id || vault.newId();
  answers.set(k, { id, ...plain });
  await store.putEntry(await vault.sealEntry(key, id, plain));
}

/** Encrypt and store one answer; resolves only once IndexedDB has committed it. */
export function saveAnswer({ activity, field, value, revision = null }) {
  if (!key) return Promise.reject(locked());
  const k = slotOf(activity, field);
  return queued(k, async () => {
    if (!key) throw locked();
    if (stale) await readAll();
    const plain = { activity, field, value, updated: new Date().toISOString(), revision };
    try {
      await write(plain);
    } catch (error) {
      throw vault.failure("not-saved", `Not saved: ${error.message || "the browser refused to store it"}. Your text is still on screen; try again.`);
    }
    tell("changed");
    fire("alongside:saved", { activity, field });
    return plain.updated;
  });
}

const copy = ({ activity, field, value, updated, revision }) =>
  ({ activity, field, value: structuredClone(value), updated, revision });

/** Every answer, decrypted: [{activity, field, value, updated, revision}]. */
export async function loadAnswers() {
  if (!key) throw locked();
  if (stale) await readAll();
  return [...answers.values()].map(copy);
}

export async function deleteAnswer(activity, field) {
  if (!key) throw locked();
  const k = slotOf(activity, field);
  return queued(k, async () => {
    if (stale) await readAll();
    const found = answers.get(k);
    if (!found) return;
    await store.deleteEntry(found.id);
    answers.delete(k);
    tell("changed");
  });
}

/** Restore a backup: adopt its vault if this phone has none, else merge (the newer copy of each answer wins).
 *  Returns counts {added, updated, kept, same}; nothing is written unless every entry decrypts. */
export async function importBackup(backup, secret) {
  const opened = await vault.openVault(backup.vault, secret);
  const plains = await Promise.all(backup.entries.map((e) => vault.openEntry(opened.key, e))).catch(() => {
    throw vault.failure("bad-file", "The backup file is damaged: some answers in it cannot be read. Nothing was restored.");
  });
  const counts = { added: 0, updated: 0, kept: 0, same: 0 };
  if (!(await hasJournal())) {
    await store.replaceJournal(backup.vault, backup.entries);
    await begin(opened);
    counts.added = answers.size;
  } else {
    if (!key) throw locked();
    if (stale) await readAll();
    for (const plain of plains) {
      const mine = answers.get(slotOf(plain.activity, plain.field));
      const verdict = !mine ? "added" : newer(plain, mine) ? "updated" : newer(mine, plain) ? "kept" : "same";
      counts[verdict]++;
      if (verdict === "added" || verdict === "updated") await write(plain);
    }
    fire("alongside:unlock", { imported: true });
  }
  tell("changed");
  return counts;
}

/** The encrypted journal as stored (no key needed): {vault, entries}. */
export async function sealedJournal() {
  return { vault: await store.getVault(), entries: await store.allEntries() };
}
