// The only code that touches indexedDB: one open promise, one upgrade switch, transactions that
// resolve on complete (the idb pattern). A connection the browser closes under us (site data
// cleared, eviction, another tab deleting or upgrading the database) is reopened on the next use,
// and onClose listeners are told, so session.js can check the journal is still there.
let opening;
const closeListeners = new Set();

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

/** Call fn() whenever the browser closes our connection. */
export const onClose = (fn) => closeListeners.add(fn);

function closed(which) {
  if (opening !== which) return;
  opening = null;
  closeListeners.forEach((fn) => fn());
}

function open() {
  if (!opening) {
    const request = indexedDB.open("alongside", 1);
    request.onupgradeneeded = (event) => upgrade(request.result, event.oldVersion);
    const mine = (opening = result(request).then((db) => {
      db.onclose = () => closed(mine); // closed by the browser: data cleared or evicted
      db.onversionchange = () => { db.close(); closed(mine); };
      return db;
    }, (error) => { opening = null; throw error; }));
  }
  return opening;
}

async function transaction(names, mode) {
  const was = open();
  try {
    return (await was).transaction(names, mode, { durability: "strict" });
  } catch (error) {
    if (error.name !== "InvalidStateError") throw error;
    closed(was); // "The database connection is closing": open a new one
    return (await open()).transaction(names, mode, { durability: "strict" });
  }
}

/** Run fn(tx) over the named stores; resolve with its result (a request's result) once committed. */
async function run(names, mode, fn) {
  const tx = await transaction(names, mode);
  const done = new Promise((resolve, reject) => {
    tx.oncomplete = resolve;
    tx.onabort = () => reject(tx.error || Object.assign(new Error("it was changed elsewhere"), { code: "conflict" }));
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
export const getEntry = (id) => read("entries", (s) => s.get(id));
/** Put an entry only if the stored copy is absent or its iv is one of `known` (else reject, code "conflict"). */
export const putEntry = (entry, known) => write("entries", (s) => {
  if (!known) return s.put(entry);
  s.get(entry.id).onsuccess = ({ target }) => {
    if (!target.result || known.has(target.result.iv)) s.put(entry);
    else target.transaction.abort();
  };
});
export const getSetting = async (name, fallback) => (await read("settings", (s) => s.get(name))) ?? fallback;
export const setSetting = (name, value) => write("settings", (s) => s.put(value, name));
// Sealed summaries waiting to be sent.
export const outboxPut = (item) => write("outbox", (s) => s.put(item));
export const outboxAll = () => read("outbox", (s) => s.getAll());
export const outboxDelete = (id) => write("outbox", (s) => s.delete(id));
/** Replace (or, with no next, delete) an outbox item unless another sender (tab, service worker) changed it since:
 * the server's answer (`final`) only needs it still in the same state, a retry the same attempt too. Resolve with what is stored. */
export const outboxSwap = async (was, next, final) => {
  let now;
  await write("outbox", (s) => {
    s.get(was.id).onsuccess = ({ target: { result } }) => {
      now = result;
      if (result?.status !== was.status || (!final && result.attempts !== was.attempts)) return;
      now = next || undefined;
      next ? s.put(next) : s.delete(was.id);
    };
  });
  return now;
};

/** Make a journal (a restored backup, or one rebuilt from page memory) the journal, in one transaction. */
export const replaceJournal = (vault, entries) => run(["vault", "entries"], "readwrite", (tx) => {
  const store = tx.objectStore("entries");
  store.clear();
  entries.forEach((e) => store.put(e));
  tx.objectStore("vault").put(vault, "vault");
});
