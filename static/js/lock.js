// On every page: "Lock now", the idle lock with its warning, the privacy curtain, and an Unlock
// button (a small dialog) wherever a [data-locked-note] says the journal is locked.
import * as session from "./session.js";
import { keepAfterFirstSave } from "./durability.js";

const WARN_MS = 30000;
let idleMs = 300000;
let lastUse = Date.now();
let timers = [];
let exists = false; // a journal is set up on this phone

function make(tag, props, ...children) {
  const el = Object.assign(document.createElement(tag), props);
  el.append(...children);
  return el;
}

const lockButton = make("button", { type: "button", hidden: true, textContent: "Lock now", onclick: () => session.lock("manual") });
document.getElementById("app-controls")?.append(lockButton);
const warning = make("div", { className: "toast", hidden: true });
warning.setAttribute("role", "alert");
const curtain = make("div", { className: "curtain", hidden: true }, make("p", { textContent: "Alongside" }));
document.body.append(warning, curtain);

/** Minutes without use before the journal locks (setting idleMinutes, 1-30; default 5).
 *  TEST ONLY: a numeric setting idleSeconds overrides it, so tests need not wait minutes. */
export async function readIdleSetting() {
  const seconds = await session.getSetting("idleSeconds");
  const minutes = Math.min(30, Math.max(1, Number(await session.getSetting("idleMinutes", 5)) || 5));
  idleMs = typeof seconds === "number" && seconds > 0 ? seconds * 1000 : minutes * 60000;
  armIdle();
}

function armIdle() {
  timers.forEach(clearTimeout);
  warning.hidden = true;
  if (!session.isUnlocked()) return;
  const warnIn = idleMs - Math.min(WARN_MS, idleMs / 2);
  timers = [
    setTimeout(() => {
      warning.textContent = `Your journal locks in ${Math.round((idleMs - warnIn) / 1000)} seconds. Tap anywhere to keep it open.`;
      warning.hidden = false;
    }, warnIn),
    setTimeout(() => session.lock("idle"), idleMs),
  ];
}

function used() {
  if (!session.isUnlocked()) return;
  if (Date.now() - lastUse >= idleMs) return session.lock("idle"); // timers may have slept in the background
  if (!warning.hidden || Date.now() - lastUse > 1000) { lastUse = Date.now(); armIdle(); }
}
for (const type of ["pointerdown", "keydown", "input", "wheel", "touchstart"]) addEventListener(type, used, { capture: true, passive: true });

document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "hidden") curtain.hidden = false;
  else { used(); curtain.hidden = true; }
});

let dialog;
function askToUnlock() {
  if (!dialog) {
    dialog = make("dialog", { className: "unlock-dialog" });
    dialog.setAttribute("aria-labelledby", "unlock-h");
    dialog.innerHTML = `<form><h2 id="unlock-h">Unlock your journal</h2>
<label for="unlock-in">Passphrase or recovery code</label>
<input type="password" id="unlock-in" autocomplete="current-password" required>
<p class="error" role="alert"></p><button>Unlock</button> <button type="button" class="secondary">Cancel</button></form>`;
    const [form, input, error, cancel] = ["form", "input", ".error", ".secondary"].map((s) => dialog.querySelector(s));
    dialog.addEventListener("close", () => { input.value = error.textContent = ""; });
    cancel.onclick = () => dialog.close();
    form.onsubmit = (event) => {
      event.preventDefault();
      busy(form, session.unlock(input.value).then(() => dialog.close(), (e) => { error.textContent = e.message; input.select(); }));
    };
    document.body.append(dialog);
  }
  dialog.showModal();
}

/** Disable a form's buttons while a promise runs (PBKDF2 takes a moment on a phone). */
export function busy(form, promise) {
  const buttons = form.querySelectorAll("button");
  buttons.forEach((b) => { b.disabled = true; });
  return promise.finally(() => buttons.forEach((b) => { b.disabled = false; }));
}

/** Show "Lock now" while unlocked; give locked notes outside activity forms an Unlock button
 *  (journal.js words the notes in forms; a click on their /journal link opens the dialog instead). */
async function showState() {
  const open = session.isUnlocked();
  exists = open || (await session.hasJournal());
  lockButton.hidden = !open;
  for (const note of document.querySelectorAll("[data-locked-note]")) {
    note.hidden = open;
    if (note.closest("form")) continue;
    if (!note.querySelector(".unlock")) note.append(" ", make("span", { className: "unlock" }));
    note.querySelector(".unlock").replaceChildren(exists
      ? make("button", { type: "button", textContent: "Unlock" })
      : make("a", { href: "/journal", textContent: "Set up your journal" }));
  }
}

document.addEventListener("click", (event) => {
  if (!exists || !event.target.closest("[data-locked-note] button, [data-locked-note] a[href^='/journal'], [data-unlock]")) return;
  event.preventDefault();
  askToUnlock();
});
addEventListener("alongside:unlock", () => { lastUse = Date.now(); showState(); readIdleSetting(); });
addEventListener("alongside:lock", () => {
  armIdle();
  showState();
  document.querySelectorAll("[data-plain]").forEach((el) => el.replaceChildren());
  dialog?.close();
  if (document.activeElement === document.body || document.activeElement?.closest("[disabled]")) document.getElementById("main")?.focus();
});
keepAfterFirstSave();
showState();
