// The /journal page: set up, recovery code, unlock, change passphrase, backup, durability, idle lock.
import * as session from "./session.js";
import { busy, readIdleSetting } from "./lock.js";
import { downloadBackup, restoreBackup } from "./backup.js";
import { describeDurability, isIOSBrowserTab } from "./durability.js";

const $ = (selector) => document.querySelector(selector);
const panels = document.querySelectorAll(".jp");
const when = (date) => new Date(date).toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "short" });

function show(state, focus = $("h1")) {
  panels.forEach((p) => { p.hidden = !p.dataset.show.split(" ").includes(state); });
  focus?.focus();
}

/** Wire a form: run(values) may throw a readable Error; the message shows in its role=alert line. */
function handle(id, run) {
  const form = $(`#${id}`);
  const [error, done] = [form.querySelector(".error"), form.querySelector(".done")];
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    error.textContent = "";
    if (done) done.textContent = "";
    const values = Object.fromEntries(new FormData(form));
    if (values.again !== undefined && values.again !== values.new) {
      error.textContent = "The two passphrases are not the same. Type them again.";
      return;
    }
    busy(form, Promise.resolve().then(() => run(values, form)).then((message) => {
      form.reset();
      if (done && message) done.textContent = message;
    }, (e) => { error.textContent = e.message; }));
  });
}

handle("setup", async (v) => {
  $("#code").textContent = await session.createJournal(v.new);
  show("code", $("#h-code"));
});
$("#code-done").onclick = () => { $("#code").textContent = ""; opened(); };
handle("unlock", (v) => session.unlock(v.secret));
handle("change", async (v) => {
  await session.changePassphrase(v.new, session.unlockedWith() === "recovery" ? undefined : v.old);
  $("#after-recovery").hidden = true;
  $("#change-current").hidden = false;
  $("#change-old").required = true;
  return "Passphrase changed. Use the new one from now on.";
});
handle("restore", (v) => restoreBackup(v.file, v.secret));
$("#export").onclick = async () => { $("#last-backup").textContent = when(await downloadBackup()); };
$("#idle").onchange = async (event) => { await session.setSetting("idleMinutes", Number(event.target.value)); readIdleSetting(); };

async function opened() {
  if (!$("#code").textContent) show("open");
  const recovered = session.unlockedWith() === "recovery";
  $("#after-recovery").hidden = !recovered;
  $("#change-current").hidden = recovered;
  $("#change-old").required = !recovered;
  if (recovered) $("#h-pass").focus();
  const last = await session.getSetting("lastBackup");
  $("#last-backup").textContent = last ? when(last) : "never";
  $("#idle").value = String(await session.getSetting("idleMinutes", 5));
  $("#durable").textContent = await describeDurability();
  $("#ios-hint").hidden = !isIOSBrowserTab();
}

addEventListener("alongside:unlock", opened);
addEventListener("alongside:lock", () => show("locked"));
show(session.isUnlocked() ? "open" : (await session.hasJournal()) ? "locked" : "none", null);
