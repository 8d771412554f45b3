// The journal API. Keys live only in this module's memory, so every page load starts locked.
// Window events: alongside:unlock (also after a backup merge), alongside:lock {reason}, alongside:saved.
import * as store from "./store.js";
import * as vault from "./vault.js";

const COMMON = ["password123", "password12", "1234567890", "0123456789", "qwertyuiop", "iloveyou12", "qwerty1234",
  "1q2w3e4r5t", "letmein123", "abcdefghij"];
const channel = self.BroadcastChannel && new BroadcastChannel("alongside");
let key = null; // non-extractable CryptoKey
let held = null; // {kek, slot} that unlocked it: a new passphrase needs no second PBKDF2 prompt
let answers = new Map(); // "activity|field" -> {id, ...plain}
let stale = false; // another tab wrote since we read
let writes = Promise.resolve(); // puts land in call order
let asked = false;

const fire = (name, detail) => dispatchEvent(new CustomEvent(name, { detail }));
const slot = (a) => `${a.activity}|${a.field}`;
const newer = (a, b) => Date.parse(a.updated) > Date.parse(b.updated);
const open = () => {
  if (!key) throw vault.failure("locked", "Your journal is locked. Unlock it to see and save your answers.");
  return stale && readAll();
};
channel && (channel.onmessage = (event) => (event.data === "lock" ? lock("other-tab", true) : (stale = true)));

export const { getSetting, setSetting } = store;
/** True when a value holds nothing the worker wrote (empty strings, lists of them, no strokes...). */
export const isEmpty = (value) => value == null || value === ""
  || (typeof value === "object" && Object.values(value).every(isEmpty));
export const hasJournal = async () => Boolean(await store.getVault());
export const isUnlocked = () => Boolean(key);
export const unlockedWith = () => held?.slot.kind;

function check(passphrase) {
  if (passphrase.length < 10) throw vault.failure("weak-passphrase", "Use at least 10 characters: a few words you will remember.");
  const plain = passphrase.toLowerCase().replace(/\s/g, "");
  if (COMMON.includes(plain) || /^(.)\1*$/.test(plain)) {
    throw vault.failure("weak-passphrase", "That passphrase is one of the first anyone would guess. Choose another.");
  }
}

// Where two tabs wrote one field, the newer copy wins.
async function readAll(reading = store.allEntries()) {
  stale = false;
  const entries = await reading;
  const plains = await Promise.all(entries.map((e) => vault.openEntry(key, e).catch(() => null)));
  answers = new Map();
  plains.forEach((plain, i) => {
    const mine = plain && answers.get(slot(plain));
    if (plain && (!mine || newer(plain, mine))) answers.set(slot(plain), { id: entries[i].id, ...plain });
  });
}

async function begin(opened, reading) {
  ({ key, held } = await opened);
  await readAll(reading);
  fire("alongside:unlock", {});
}

/** Returns the recovery code, to show once. */
export async function createJournal(passphrase, iterations) {
  check(passphrase);
  if (await hasJournal()) throw vault.failure("exists", "This phone already has a journal. Unlock it instead.");
  const code = vault.newRecoveryCode();
  const made = await vault.createVault(passphrase, code, iterations);
  await store.putVault(made.record);
  await begin(made);
  return code;
}

export async function unlock(secret) {
  const record = await store.getVault();
  if (!record) throw vault.failure("no-journal", "There is no journal on this phone yet.");
  await begin(vault.openVault(record, secret), store.allEntries()); // read entries while PBKDF2 runs
  return true;
}

export function lock(reason = "manual", fromOtherTab = false) {
  const was = key;
  key = held = null;
  answers = new Map();
  if (!fromOtherTab) channel?.postMessage("lock");
  if (was) fire("alongside:lock", { reason });
}

/** Re-wraps the key only; current secret optional just after unlocking. */
export async function changePassphrase(passphrase, current) {
  open();
  check(passphrase);
  const record = await store.getVault();
  const made = await vault.rewrap(record, current === undefined ? held : (await vault.openVault(record, current)).held, passphrase);
  await store.putVault(made.record);
  held = made.held;
}

function write(plain) {
  const id = answers.get(slot(plain))?.id || vault.newId();
  answers.set(slot(plain), { id, ...plain });
  const sealed = vault.sealEntry(key, id, plain);
  return (writes = writes.catch(() => {}).then(async () => store.putEntry(await sealed)));
}

/** Resolves once IndexedDB has committed the encrypted answer. */
export async function saveAnswer({ activity, field, value, revision = null }) {
  await open();
  const plain = { activity, field, value, updated: new Date().toISOString(), revision };
  try {
    await write(plain);
  } catch (error) {
    throw vault.failure("not-saved", `Not saved (${error.message}). Your text is still here: try again.`);
  }
  channel?.postMessage("changed");
  fire("alongside:saved", { activity, field });
  if (!asked) { asked = true; navigator.storage?.persist?.(); } // now it holds something: ask not to be evicted
  return plain.updated;
}

export async function loadAnswers() {
  await open();
  return [...answers.values()].map(({ id, ...plain }) => structuredClone(plain));
}

export async function deleteAnswer(activity, field) {
  await open();
  const found = answers.get(slot({ activity, field }));
  if (!found) return;
  answers.delete(slot(found));
  await (writes = writes.catch(() => {}).then(() => store.deleteEntry(found.id)));
  channel?.postMessage("changed");
}

/** A backup becomes the journal on a phone with none, else merges (newer copy wins); all entries must decrypt. */
export async function importBackup(backup, secret) {
  const opened = await vault.openVault(backup.vault, secret);
  const plains = await Promise.all(backup.entries.map((e) => vault.openEntry(opened.key, e))).catch(() => {
    throw vault.failure("bad-file", "The backup file is damaged. Nothing was restored.");
  });
  const counts = { added: 0, updated: 0, kept: 0, same: 0 };
  if (!(await hasJournal())) {
    await store.replaceJournal(backup.vault, backup.entries);
    await begin(opened);
    counts.added = answers.size;
  } else {
    await open();
    for (const plain of plains) {
      const mine = answers.get(slot(plain));
      const verdict = !mine ? "added" : newer(plain, mine) ? "updated" : newer(mine, plain) ? "kept" : "same";
      counts[verdict]++;
      if (verdict === "added" || verdict === "updated") write(plain);
    }
    await writes;
    fire("alongside:unlock", { merged: true });
  }
  channel?.postMessage("changed");
  return counts;
}

export const sealedJournal = async () => ({ vault: await store.getVault(), entries: await store.allEntries() });
