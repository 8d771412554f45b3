// Every page: "Lock now", the idle lock and its warning, the privacy curtain, and the unlock dialog.
import * as session from "./session.js";

let idleMs = 300000;
let lastUse = Date.now();
let timers = [];
let exists = false; // a journal is set up on this phone
const make = (tag, props) => Object.assign(document.createElement(tag), props);
const lockButton = make("button", { type: "button", hidden: true, textContent: "Lock now", onclick: () => session.lock() });
const warning = make("div", { className: "toast", hidden: true });
const curtain = make("div", { className: "curtain", hidden: true, textContent: "Alongside" });
warning.setAttribute("role", "alert");
document.getElementById("app-controls")?.append(lockButton);
document.body.append(warning, curtain);

/** Idle time: setting idleMinutes (1-30, default 5). TEST ONLY: a number idleSeconds overrides it. */
export async function readIdleSetting() {
  const seconds = await session.getSetting("idleSeconds");
  idleMs = seconds > 0 ? seconds * 1000 : Math.min(30, Math.max(1, await session.getSetting("idleMinutes", 5))) * 60000;
  armIdle();
}

function armIdle() {
  timers.forEach(clearTimeout);
  warning.hidden = true;
  if (!session.isUnlocked()) return;
  const warnFor = Math.min(30000, idleMs / 2);
  timers = [setTimeout(() => {
    warning.textContent = `Your journal locks in ${warnFor / 1000} seconds. Tap anywhere to keep it open.`;
    warning.hidden = false;
  }, idleMs - warnFor), setTimeout(() => session.lock("idle"), idleMs)];
}

function used() {
  if (!session.isUnlocked()) return;
  if (Date.now() - lastUse >= idleMs) return session.lock("idle"); // timers sleep in background tabs
  if (!warning.hidden || Date.now() - lastUse > 1000) { lastUse = Date.now(); armIdle(); }
}
for (const type of ["pointerdown", "keydown", "input", "wheel"]) addEventListener(type, used, { capture: true, passive: true });
document.addEventListener("visibilitychange", () => {
  const hidden = document.visibilityState === "hidden";
  if (!hidden) used();
  curtain.hidden = !hidden;
});

let dialog;
function askToUnlock() {
  if (!dialog) {
    dialog = make("dialog", { className: "unlock-dialog" });
    dialog.setAttribute("aria-labelledby", "unlock-h");
    dialog.innerHTML = `<form><h2 id="unlock-h">Unlock your journal</h2><label for="unlock-in">Passphrase or recovery code</label>
<input type="password" id="unlock-in" autocomplete="current-password" required><p class="error" role="alert"></p>
<button>Unlock</button> <button type="button" class="secondary">Cancel</button></form>`;
    const [form, input, error, cancel] = ["form", "input", ".error", ".secondary"].map((s) => dialog.querySelector(s));
    dialog.onclose = () => { input.value = error.textContent = ""; };
    cancel.onclick = () => dialog.close();
    form.onsubmit = (event) => {
      event.preventDefault();
      busy(form, session.unlock(input.value).then(() => dialog.close(), (e) => { error.textContent = e.message; }));
    };
    document.body.append(dialog);
  }
  dialog.showModal();
}

/** Disable a form's buttons while PBKDF2 runs. */
export function busy(form, promise) {
  const buttons = form.querySelectorAll("button");
  buttons.forEach((b) => { b.disabled = true; });
  return promise.finally(() => buttons.forEach((b) => { b.disabled = false; }));
}

// Locked notes outside activity forms get Unlock (journal.js words those in forms; its /journal link opens the dialog).
async function showState() {
  const open = session.isUnlocked();
  exists = open || (await session.hasJournal());
  lockButton.hidden = !open;
  for (const note of document.querySelectorAll("[data-locked-note]")) {
    note.hidden = open;
    if (note.closest("form")) continue;
    note.querySelector(".unlock")?.remove();
    note.append(make(exists ? "button" : "a", exists
      ? { type: "button", className: "unlock", textContent: "Unlock" }
      : { href: "/journal", className: "unlock", textContent: "Set up your journal" }));
  }
}

document.addEventListener("click", (event) => {
  if (exists && event.target.closest("[data-locked-note] button, [data-locked-note] a[href^='/journal'], [data-unlock]")) {
    event.preventDefault();
    askToUnlock();
  }
});
addEventListener("alongside:unlock", () => { lastUse = Date.now(); showState(); readIdleSetting(); });
addEventListener("alongside:navigated", showState); // softnav.js swapped in a page with its own locked notes
addEventListener("alongside:lock", () => {
  armIdle();
  showState();
  document.querySelectorAll("[data-plain]").forEach((el) => el.replaceChildren());
  dialog?.close();
  setTimeout(() => document.activeElement.matches(":disabled, body") && document.getElementById("main").focus());
});
showState();
