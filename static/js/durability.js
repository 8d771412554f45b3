// Keeping the journal on this phone: ask the browser not to evict it, and say what it answered.
const storage = navigator.storage;

/** After the first answer saved on a page, ask for persistent storage (Chrome decides without a prompt). */
export function keepAfterFirstSave() {
  addEventListener("alongside:saved", async () => {
    if (storage?.persist && !(await storage.persisted())) await storage.persist();
  }, { once: true });
}

export const isIOSBrowserTab = () => (/iP(hone|ad|od)/.test(navigator.userAgent)
  || (navigator.platform === "MacIntel" && navigator.maxTouchPoints > 1))
  && !(navigator.standalone || matchMedia("(display-mode: standalone)").matches);

/** Describe in words whether the browser has promised to keep the journal. */
export async function describeDurability() {
  if (!storage?.persisted) return "This browser does not say whether it will keep your journal. Keep a backup file.";
  return (await storage.persisted())
    ? "This browser has agreed to keep your journal, even when the phone is short of space."
    : "This browser may delete your journal if the phone runs short of space. Keep a backup file somewhere else.";
}
