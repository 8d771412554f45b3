// /journal: set up, recovery code, unlock, change passphrase, backup, restore, durability, idle lock.
// (Durability: session.js asks for persistent storage after a save; this page shows the answer.)
import * as session from "./session.js";
import { busy, readIdleSetting } from "./lock.js";
import { downloadBackup, restoreBackup } from "./backup.js";

const $ = (id) => document.getElementById(id);
// Safari on iOS, outside the home screen, deletes a site's data after 7 days unused.
const ios = /iPhone|iPad|iPod/.test(navigator.userAgent) || (navigator.platform === "MacIntel" && navigator.maxTouchPoints > 1);
const when = (iso) => new Date(iso).toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "short" });

function show(state, focus = document.querySelector("h1")) {
  document.querySelectorAll(".jp").forEach((p) => { p.hidden = !p.dataset.show.split(" ").includes(state); });
  focus?.focus();
}

/** On submit, run(values); a thrown Error's message goes in the form's alert, a returned one in its status. */
function handle(id, run) {
  const form = $(id);
  const [error, done] = [form.querySelector(".error"), form.querySelector(".done")];
  form.onsubmit = (event) => {
    event.preventDefault();
    const values = Object.fromEntries(new FormData(form));
    error.textContent = "";
    if (done) done.textContent = "";
    if (values.again !== undefined && values.again !== values.new) {
      error.textContent = "The two passphrases are not the same.";
      return;
    }
    busy(form, (async () => run(values))().then((message) => {
      form.reset();
      if (message) done.textContent = message;
    }, (e) => { error.textContent = e.message; }));
  };
}

handle("setup", async (v) => {
  $("code").textContent = await session.createJournal(v.new);
  show("code", $("h-code"));
});
$("code-done").onclick = () => { $("code").textContent = ""; opened(); };
handle("unlock", (v) => session.unlock(v.secret));
handle("change", async (v) => {
  await session.changePassphrase(v.new, $("current").hidden ? undefined : v.old);
  opened();
  return "Passphrase changed. Use the new one from now on.";
});
handle("restore", (v) => restoreBackup(v.file, v.secret));
$("export").onclick = async () => { $("last").textContent = when(await downloadBackup()); };
$("idle").onchange = async (event) => { await session.setSetting("idleMinutes", +event.target.value); readIdleSetting(); };

async function opened() {
  if ($("code").textContent) return;
  const recovered = session.unlockedWith() === "recovery";
  show("open", recovered ? $("h-pass") : undefined);
  $("recovered").hidden = !recovered;
  $("current").hidden = recovered;
  $("c-old").required = !recovered;
  const last = await session.getSetting("lastBackup");
  $("last").textContent = last ? when(last) : "never";
  $("idle").value = await session.getSetting("idleMinutes", 5);
  $("durable").textContent = (await navigator.storage?.persisted?.())
    ? "This browser has agreed to keep your journal, even when the phone is short of space."
    : "This browser may delete your journal if the phone runs short of space. Keep a backup file elsewhere.";
  $("ios").hidden = !ios || navigator.standalone || matchMedia("(display-mode: standalone)").matches;
}

addEventListener("alongside:unlock", opened);
addEventListener("alongside:lock", () => show("locked"));
show((await session.hasJournal()) ? "locked" : "none", null);
