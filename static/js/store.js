// The only code that touches indexedDB: one open promise, one upgrade switch, transactions that
// resolve on complete (the idb pattern).
let opening;

export function upgrade(db, oldVersion) {
  switch (oldVersion) {
    case 0:
      db.createObjectStore("vault");
      db.createObjectStore("entries", { keyPath: "id" });
      db.createObjectStore("outbox", { keyPath: "id" });
      db.createObjectStore("settings");
  }
}

const result = (request) => new Promise((resolve, reject) => {
  request.onsuccess = () => resolve(request.result);
  request.onerror = () => reject(request.error);
});

function open() {
  if (!opening) {
    const request = indexedDB.open("alongside", 1);
    request.onupgradeneeded = (event) => upgrade(request.result, event.oldVersion);
    opening = result(request).then((db) => {
      db.onversionchange = () => { db.close(); opening = null; };
      return db;
    }, (error) => { opening = null; throw error; });
  }
  return opening;
}

/** Run fn(tx) over the named stores; resolve with its result (a request's result) once committed. */
async function run(names, mode, fn) {
  const tx = (await open()).transaction(names, mode, { durability: "strict" });
  const done = new Promise((resolve, reject) => {
    tx.oncomplete = resolve;
    tx.onabort = () => reject(tx.error || new Error("the browser did not store it"));
  });
  const out = fn(tx);
  await done;
  return out instanceof IDBRequest ? out.result : out;
}

/** fn(store) in one transaction on one store. */
export const withStore = (name, mode, fn) => run(name, mode, (tx) => fn(tx.objectStore(name)));
const read = (name, fn) => withStore(name, "readonly", fn);
const write = (name, fn) => withStore(name, "readwrite", fn);

export const getVault = () => read("vault", (s) => s.get("vault"));
export const putVault = (record) => write("vault", (s) => s.put(record, "vault"));
export const allEntries = () => read("entries", (s) => s.getAll());
export const putEntry = (entry) => write("entries", (s) => s.put(entry));
export const deleteEntry = (id) => write("entries", (s) => s.delete(id));
export const getSetting = async (name, fallback) => (await read("settings", (s) => s.get(name))) ?? fallback;
export const setSetting = (name, value) => write("settings", (s) => s.put(value, name));
// Sealed summaries waiting to be sent (filled by a later issue).
export const outboxPut = (item) => write("outbox", (s) => s.put(item));
export const outboxAll = () => read("outbox", (s) => s.getAll());
export const outboxDelete = (id) => write("outbox", (s) => s.delete(id));

/** Make a restored backup the journal, in one transaction. */
export const replaceJournal = (vault, entries) => run(["vault", "entries"], "readwrite", (tx) => {
  const store = tx.objectStore("entries");
  store.clear();
  entries.forEach((e) => store.put(e));
  tx.objectStore("vault").put(vault, "vault");
});
