// Encrypted backup files: {format: "alongside-backup", v: 1, created, vault, entries: [{id, iv, data}]},
// exactly what IndexedDB holds, so making one needs no key.
import * as session from "./session.js";

/** Offer the backup file as a download and remember when; returns the time. */
export async function downloadBackup() {
  const created = new Date().toISOString();
  const text = JSON.stringify({ format: "alongside-backup", v: 1, created, ...(await session.sealedJournal()) });
  const a = document.createElement("a");
  a.href = URL.createObjectURL(new Blob([text], { type: "application/json" }));
  a.download = `alongside-backup-${created.slice(0, 10)}.json`;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 9000);
  await session.setSetting("lastBackup", created);
  return created;
}

/** Check a backup file's text; throws code "bad-file". */
export function readBackup(text) {
  let b;
  try { b = JSON.parse(text); } catch { /* checked below */ }
  if (b?.format !== "alongside-backup" || b.v !== 1 || !b.vault?.slots || !b.vault.kdf || !Array.isArray(b.entries)
    || !b.entries.every((e) => [e?.id, e?.iv, e?.data].every((s) => typeof s === "string"))) {
    throw Object.assign(new Error("That file is not an Alongside backup, or it is damaged."), { code: "bad-file" });
  }
  return b;
}

/** Restore a file with its passphrase or recovery code; returns what happened, in words. Newer means a
 * later revision of the answer, never a later clock; an answer it replaces stays recoverable on its form. */
export async function restoreBackup(file, secret) {
  const c = await session.importBackup(readBackup(await file.text()), secret);
  const replaced = [...new Set(c.replaced.map((r) => (r.activity.startsWith("__") ? "a shared summary" : `activity ${r.activity}`)))];
  return `Restored: ${c.added} added, ${c.updated} updated${c.kept ? `, ${c.kept} kept because this phone's copy is newer` : ""}${c.same ? `, ${c.same} already the same` : ""}.`
    + (replaced.length ? ` Replaced on this phone: ${replaced.join(", ")}. Each keeps your earlier answer beside it until you choose which to keep.` : "");
}
