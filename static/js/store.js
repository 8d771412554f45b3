// The only code that touches indexedDB (the idb pattern: one open promise,
// withStore resolving on transaction complete, one upgrade switch).
const NAME = "alongside";
const VERSION = 1;
let opening;

/** Create or migrate the stores; each case falls through to the next version. */
export function upgrade(db, oldVersion) {
  switch (oldVersion) {
    case 0:
      db.createObjectStore("vault");
      db.createObjectStore("entries", { keyPath: "id" });
      db.createObjectStore("outbox", { keyPath: "id" });
      db.createObjectStore("settings");
  }
}

const done = (request) => new Promise((resolve, reject) => {
  request.onsuccess = () => resolve(request.result);
  request.onerror = () => reject(request.error);
});

function open() {
  if (!opening) {
    const request = indexedDB.open(NAME, VERSION);
    request.onupgradeneeded = (event) => upgrade(request.result, event.oldVersion);
    opening = done(request).then((db) => {
      db.onversionchange = () => { db.close(); opening = null; };
      return db;
    }, (error) => { opening = null; throw error; });
  }
  return opening;
}

/** Run fn(tx) over the named stores; resolve with fn's result (a request's result) once it commits. */
async function run(names, mode, fn) {
  const tx = (await open()).transaction(names, mode, { durability: "strict" });
  const finished = new Promise((resolve, reject) => {
    tx.oncomplete = resolve;
    tx.onerror = tx.onabort = () => reject(tx.error || new Error("The browser could not store this. Try again."));
  });
  let out;
  try { out = fn(tx); } catch (error) { tx.abort(); throw error; }
  await finished;
  return out instanceof IDBRequest ? out.result : out;
}

/** Run fn(store) in one transaction on one store; resolve once it commits. */
export const withStore = (name, mode, fn) => run(name, mode, (tx) => fn(tx.objectStore(name)));

const get = (name, key) => withStore(name, "readonly", (s) => s.get(key));
const all = (name) => withStore(name, "readonly", (s) => s.getAll());

export const getVault = () => get("vault", "vault");
export const putVault = (record) => withStore("vault", "readwrite", (s) => s.put(record, "vault"));
export const allEntries = () => all("entries");
export const putEntry = (entry) => withStore("entries", "readwrite", (s) => s.put(entry));
export const putEntries = (entries) => withStore("entries", "readwrite", (s) => entries.forEach((e) => s.put(e)));
/** Replace the whole journal (restoring a backup on a phone with none) in one transaction. */
export const replaceJournal = (vault, entries) => run(["vault", "entries"], "readwrite", (tx) => {
  const store = tx.objectStore("entries");
  store.clear();
  entries.forEach((e) => store.put(e));
  tx.objectStore("vault").put(vault, "vault");
});
export const deleteEntry = (id) => withStore("entries", "readwrite", (s) => s.delete(id));
export const getSetting = async (name, fallback) => (await get("settings", name)) ?? fallback;
export const setSetting = (name, value) => withStore("settings", "readwrite", (s) => s.put(value, name));
// Summaries waiting to be sent, already sealed (a later issue fills this store).
export const outboxPut = (item) => withStore("outbox", "readwrite", (s) => s.put(item));
export const outboxAll = () => all("outbox");
export const outboxDelete = (id) => withStore("outbox", "readwrite", (s) => s.delete(id));
