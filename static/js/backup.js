// Encrypted backup files: {format:"alongside-backup", v:1, created, vault, entries:[{id, iv, data}]}.
// The file holds exactly what IndexedDB holds (ciphertext), so making one needs no key.
import * as session from "./session.js";

const bad = () => Object.assign(new Error("That file is not an Alongside backup, or it is damaged."), { code: "bad-file" });

/** The backup file's text. */
export async function makeBackup() {
  const { vault, entries } = await session.sealedJournal();
  return JSON.stringify({ format: "alongside-backup", v: 1, created: new Date().toISOString(), vault, entries });
}

/** Offer the backup as a download, and remember when. */
export async function downloadBackup() {
  const text = await makeBackup();
  const created = JSON.parse(text).created;
  const url = URL.createObjectURL(new Blob([text], { type: "application/json" }));
  const a = Object.assign(document.createElement("a"), { href: url, download: `alongside-backup-${created.slice(0, 10)}.json` });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
  await session.setSetting("lastBackup", created);
  return created;
}

/** Parse and check a backup file's text; throws code 'bad-file'. */
export function readBackup(text) {
  let backup;
  try { backup = JSON.parse(text); } catch { throw bad(); }
  const ok = backup?.format === "alongside-backup" && backup.v === 1 && Array.isArray(backup.entries)
    && Array.isArray(backup.vault?.slots) && backup.vault.kdf?.name === "PBKDF2"
    && backup.entries.every((e) => typeof e?.id === "string" && typeof e.iv === "string" && typeof e.data === "string");
  if (!ok) throw bad();
  return backup;
}

/** Restore a backup file with its passphrase or recovery code; returns a sentence saying what happened. */
export async function restoreBackup(file, secret) {
  const c = await session.importBackup(readBackup(await file.text()), secret);
  const parts = [`${c.added} added`, `${c.updated} updated`];
  if (c.kept) parts.push(`${c.kept} kept because this phone's copy is newer`);
  if (c.same) parts.push(`${c.same} already the same`);
  return `Restored: ${parts.join(", ")}.`;
}
