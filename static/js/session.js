// The journal API. Keys live only in this module's memory, so every page load starts locked.
// Window events: alongside:unlock {merged?}, alongside:lock {reason}, alongside:saved {activity, field},
// alongside:changed {activity, field} (another tab or a merge changed it), alongside:flush {waits} (a lock
// is coming: push a promise of your pending saves), alongside:storage {rebuilt} (site data was cleared).
// Order: each answer carries seq, a Lamport counter; "newer" never means a later wall clock.
import * as store from "./store.js";
import * as vault from "./vault.js";

const COMMON = ["password123", "password12", "1234567890", "0123456789", "qwertyuiop", "iloveyou12", "qwerty1234",
  "1q2w3e4r5t", "letmein123", "abcdefghij"];
const channel = self.BroadcastChannel && new BroadcastChannel("alongside");
let key = null; // non-extractable CryptoKey
let held = null; // {kek, slot} that unlocked it: a new passphrase needs no second PBKDF2 prompt
let record = null; // the vault record (ciphertext only): rebuilds a journal whose storage was cleared
let answers = new Map(); // "activity|field" -> {id, iv, data (its ciphertext), here (this tab wrote it), ...plain}
const known = new Set(); // ivs this tab wrote or read: a stored iv outside it came from another tab
let clock = 0; // Lamport clock, above every seq seen
let writes = Promise.resolve(); // puts land in call order
let locking = null;
let checking = null;
let asked = false;
const settings = new Map(); // settings read or written here, put back if storage is cleared

const fire = (name, detail) => dispatchEvent(new CustomEvent(name, { detail }));
const post = (t, id) => channel?.postMessage({ t, id });
const slot = (a) => `${a.activity}|${a.field}`;
const strip = ({ id, iv, data, here, pending, ...plain }) => plain;
const time = (a) => Date.parse(a.updated) || 0;
/** > 0 when a is newer than b: by seq; answers from before seq by time, unless a time is in the future. */
const order = (a, b) => (a.seq || 0) - (b.seq || 0)
  || (!a.seq && !b.seq && Math.max(time(a), time(b)) <= Date.now() ? time(a) - time(b) : 0);
const changed = (a) => fire("alongside:changed", { activity: a.activity, field: a.field });
const lockedError = () => vault.failure("locked", "Your journal is locked. Unlock it to see and save your answers.");
channel && (channel.onmessage = ({ data }) => {
  if (data?.t === "lock") lock("other-tab", true);
  else if (data?.t === "saved") key && refresh(data.id);
  else if (data?.t === "all") key && sync();
  else if (data?.t === "rebuilt") fire("alongside:storage", { rebuilt: true });
});
addEventListener("pageshow", (event) => event.persisted && key && sync()); // back from the back-forward cache

export const getSetting = async (name, fallback) => {
  const value = await store.getSetting(name);
  if (value !== undefined && name !== "lost") settings.set(name, value);
  return value ?? fallback;
};
export const setSetting = (name, value) => { settings.set(name, value); return store.setSetting(name, value); };
/** True when a value holds nothing the worker wrote (empty strings, lists of them, no strokes...). */
export const isEmpty = (value) => value == null || value === ""
  || (typeof value === "object" && Object.values(value).every(isEmpty));
export const hasJournal = async () => {
  const found = await store.getVault();
  if (found) record = found;
  return Boolean(found);
};
/** True when this phone had a journal that went with its site data (tell the worker how to restore). */
export const journalWasLost = async () => !(await hasJournal()) && Boolean(await store.getSetting("lost"));
export const isUnlocked = () => Boolean(key);
export const unlockedWith = () => held?.slot.kind;

function check(passphrase) {
  if (passphrase.length < 10) throw vault.failure("weak-passphrase", "Use at least 10 characters: a few words you will remember.");
  const plain = passphrase.toLowerCase().replace(/\s/g, "");
  if (COMMON.includes(plain) || /^(.)\1*$/.test(plain)) {
    throw vault.failure("weak-passphrase", "That passphrase is one of the first anyone would guess. Choose another.");
  }
}

/** Every entry, decrypted; where one field has two entries, the newer wins. */
async function readAll(reading = store.allEntries()) {
  const entries = await reading;
  const plains = await Promise.all(entries.map((e) => vault.openEntry(key, e).catch(() => null)));
  const all = new Map();
  plains.forEach((plain, i) => {
    if (!plain) return;
    known.add(entries[i].iv);
    clock = Math.max(clock, plain.seq || 0);
    const mine = all.get(slot(plain));
    if (!mine || order(plain, mine) > 0) all.set(slot(plain), { ...entries[i], ...plain });
  });
  return all;
}

/** Read everything again and say what changed (after a merge elsewhere, or back from the cache). */
async function sync() {
  const all = await readAll();
  if (!key) return;
  const before = answers;
  for (const [s, mine] of before) if (mine.pending) all.set(s, mine);
  answers = all;
  for (const s of new Set([...before.keys(), ...all.keys()])) {
    if (before.get(s)?.iv !== all.get(s)?.iv) changed(all.get(s) || before.get(s));
  }
}

/** Another tab stored entry `id`: take it in, unless this tab is writing that field itself. */
async function refresh(id) {
  const entry = await store.getEntry(id).catch(() => null);
  if (!key || !entry || known.has(entry.iv)) return;
  const plain = await vault.openEntry(key, entry).catch(() => null);
  const mine = plain && answers.get(slot(plain));
  if (!plain || !key || mine?.pending || (mine && mine.id !== id && order(mine, plain) > 0)) return;
  known.add(entry.iv);
  clock = Math.max(clock, plain.seq || 0);
  answers.set(slot(plain), { ...entry, ...plain });
  changed(plain);
}

async function begin(opened, reading, vaultRecord) {
  ({ key, held } = await opened);
  record = vaultRecord;
  answers = await readAll(reading);
  fire("alongside:unlock", {});
}

/** Returns the recovery code, to show once. */
export async function createJournal(passphrase, iterations) {
  check(passphrase);
  if (await hasJournal()) throw vault.failure("exists", "This phone already has a journal. Unlock it instead.");
  const code = vault.newRecoveryCode();
  const made = await vault.createVault(passphrase, code, iterations);
  await store.putVault(made.record);
  store.setSetting("lost", null).catch(() => {});
  await begin(made, undefined, made.record);
  return code;
}

export async function unlock(secret) {
  const found = await store.getVault();
  if (!found) throw vault.failure("no-journal", "There is no journal on this phone yet.");
  await begin(vault.openVault(found, secret), store.allEntries(), found); // read entries while PBKDF2 runs
  return true;
}

/** Lock every tab. Each first saves what is typed (alongside:flush), then drops the key and the answers. */
export function lock(reason = "manual", fromOtherTab = false) {
  if (!fromOtherTab) post("lock");
  if (!key) return Promise.resolve();
  return (locking ||= (async () => {
    const waits = [writes];
    fire("alongside:flush", { waits });
    await Promise.race([Promise.allSettled(waits), new Promise((done) => setTimeout(done, 5000))]);
    key = held = null;
    answers = new Map();
    known.clear();
    fire("alongside:lock", { reason });
  })().finally(() => { locking = null; }));
}

/** Re-wraps the key only; current secret optional just after unlocking. */
export async function changePassphrase(passphrase, current) {
  if (!key) throw lockedError();
  check(passphrase);
  const found = await store.getVault();
  const made = await vault.rewrap(found, current === undefined ? held : (await vault.openVault(found, current)).held, passphrase);
  await store.putVault(made.record);
  ({ held, record } = made);
}

/** Seal and store plain under its field; resolves once committed. With check, a stored copy this tab
 * has not seen (another tab's) stops it: rejects with code "conflict" after taking that copy in. */
function write(plain, check = true) {
  const s = slot(plain);
  const before = answers.get(s);
  const id = before?.id || vault.newId();
  const mine = { id, iv: vault.b64(vault.random(12)), here: true, pending: true, ...plain };
  known.add(mine.iv);
  answers.set(s, mine);
  const sealed = vault.sealEntry(key, id, plain, mine.iv);
  const job = (writes = writes.catch(() => {}).then(async () => {
    mine.data = (await sealed).data;
    await store.putEntry(await sealed, check && known);
  }));
  return job.then(() => {
    mine.pending = false;
    post("saved", id);
  }, async (error) => {
    mine.pending = false;
    if (answers.get(s) === mine) before ? answers.set(s, before) : answers.delete(s);
    if (error.code === "conflict") await refresh(id);
    throw error;
  });
}

const conflict = (theirs) => Object.assign(vault.failure("conflict",
  "Not saved: this answer was changed in another window. Choose which to keep."), { theirs: strip(theirs) });

async function commit(plain, base) {
  try {
    await write(plain);
  } catch (error) {
    if (error.code !== "conflict") throw vault.failure("not-saved", `Not saved (${error.message}). Your text is still here: try again.`);
    if (base !== undefined) throw conflict(answers.get(slot(plain)));
    return saveAnswer(plain); // not from a form: the last save wins, as it always did
  }
  fire("alongside:saved", { activity: plain.activity, field: plain.field });
  if (!asked) { asked = true; navigator.storage?.persist?.(); } // now it holds something: ask not to be evicted
  return plain.updated;
}

/** Resolves once IndexedDB has committed the encrypted answer. From a form, base is the tag (see answer())
 * of the copy its edit started from: if another tab has saved a different one since, it rejects with
 * code "conflict" and `theirs`, and saves nothing. */
export function saveAnswer({ activity, field, value, revision = null }, base) {
  if (!key) return Promise.reject(lockedError());
  const mine = answers.get(slot({ activity, field }));
  if (base !== undefined && mine && !mine.here && mine.iv !== base) return Promise.reject(conflict(mine));
  clock = Math.max(clock, mine?.seq || 0) + 1;
  return commit({ activity, field, value, updated: new Date().toISOString(), revision, seq: clock,
    ...(mine?.was && { was: mine.was }) }, base);
}

/** One answer as this tab has it, with `tag` (its version) and `was` (what a restore replaced), or undefined. */
export function answer(activity, field) {
  const found = answers.get(slot({ activity, field }));
  return found && { ...structuredClone(strip(found)), tag: found.iv };
}

export async function loadAnswers() {
  if (!key) throw lockedError();
  return [...answers.values()].map((a) => structuredClone(strip(a)));
}

/** After a restore replaced an answer: keep the restored one (true), or go back to the one it replaced. */
export function settle(activity, field, keepRestored) {
  const found = answers.get(slot({ activity, field }));
  if (!key || !found?.was) return Promise.resolve();
  const { was, ...restored } = strip(found);
  clock += 1;
  return commit({ ...(keepRestored ? restored : was), updated: new Date().toISOString(), seq: clock });
}

/** A backup becomes the journal on a phone with none, else merges: the newer copy (by seq) of each answer
 * wins; an answer replaced keeps its old text as `was` until the worker settles it. All entries must decrypt.
 * Returns counts and `replaced` [{activity, field}]. */
export async function importBackup(backup, secret) {
  const opened = await vault.openVault(backup.vault, secret);
  const plains = await Promise.all(backup.entries.map((e) => vault.openEntry(opened.key, e))).catch(() => {
    throw vault.failure("bad-file", "The backup file is damaged. Nothing was restored.");
  });
  const counts = { added: 0, updated: 0, kept: 0, same: 0, replaced: [] };
  if (!(await hasJournal())) {
    await store.replaceJournal(backup.vault, backup.entries);
    store.setSetting("lost", null).catch(() => {});
    await begin(opened, undefined, backup.vault);
    counts.added = answers.size;
  } else {
    if (!key) throw lockedError();
    const jobs = [];
    for (const { was: _, ...plain } of plains) {
      clock = Math.max(clock, plain.seq || 0);
      const mine = answers.get(slot(plain));
      const verdict = !mine ? "added" : JSON.stringify(mine.value) === JSON.stringify(plain.value) ? "same"
        : order(plain, mine) > 0 ? "updated" : "kept";
      counts[verdict]++;
      if (verdict !== "added" && verdict !== "updated") continue;
      const was = mine && !isEmpty(mine.value) && (mine.was || strip(mine));
      if (was) counts.replaced.push({ activity: plain.activity, field: plain.field });
      jobs.push(write({ ...plain, ...(was && { was }) }, false));
    }
    await Promise.all(jobs).catch((error) => {
      throw vault.failure("not-saved", `The restore did not finish (${error.message}). Try again: nothing is lost.`);
    });
    post("all");
    fire("alongside:unlock", { merged: true });
  }
  return counts;
}

export const sealedJournal = async () => ({ vault: await store.getVault(), entries: await store.allEntries() });

// Site data cleared (or evicted) under an open page: rebuild from this page if it is unlocked (key, vault
// and every answer's ciphertext are in memory), else remember the loss so the set-up page can say so.
store.onClose(() => { checking ||= checkStorage().finally(() => { checking = null; }); });
// (An open made as the connection closes may fail once; an error that persists, e.g. a newer app's
// database, means "cannot tell": nothing is done.)
const vaultNow = (tries = 3) => store.getVault().catch(() => tries > 1 ? vaultNow(tries - 1) : true);
async function checkStorage() {
  if (!record || (await vaultNow())) return;
  let rebuilt = false;
  if (key) {
    const job = (writes = writes.catch(() => {}).then(async () => {
      const entries = [...answers.values()].filter((a) => a.data).map(({ id, iv, data }) => ({ id, iv, data }));
      await store.replaceJournal(record, entries);
      for (const [name, value] of settings) await store.setSetting(name, value);
      await store.setSetting("lost", null);
    }));
    rebuilt = await job.then(() => true, () => false);
  }
  if (rebuilt) post("rebuilt");
  else {
    record = null;
    await store.setSetting("lost", new Date().toISOString()).catch(() => {});
  }
  fire("alongside:storage", { rebuilt, unlocked: Boolean(key) });
}
