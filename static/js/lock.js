// Every page: "Lock now", the idle lock and its warning, the privacy curtain, the unlock dialog, and
// word of storage the browser cleared. Idle time is shared by every tab of the app (a tab in use keeps
// them all open) and measured on the monotonic clock, so a changed wall clock neither locks nor keeps open.
import * as session from "./session.js";

let idleMs = 300000;
let last = performance.now(); // last use, in this tab or another
let hiddenAt = null; // [wall, monotonic] times when hidden: a sleeping phone may stop the monotonic clock
let timer = 0;
let exists = false; // a journal is set up on this phone
const channel = self.BroadcastChannel && new BroadcastChannel("alongside-idle");
const make = (tag, props) => Object.assign(document.createElement(tag), props);
const lockButton = make("button", { type: "button", hidden: true, textContent: "Lock now", onclick: () => session.lock() });
const warning = make("div", { className: "toast", hidden: true });
const notice = make("div", { className: "toast", hidden: true });
const curtain = make("div", { className: "curtain", hidden: true, textContent: "Alongside" });
warning.setAttribute("role", "alert");
notice.setAttribute("role", "alert");
document.getElementById("app-controls")?.append(lockButton);
document.body.append(warning, notice, curtain);

/** Show a toast under the sticky header; if that would cover the focused field, low in the visible area. */
function place(toast) {
  toast.hidden = false;
  const field = document.activeElement?.closest("input, textarea, select")?.getBoundingClientRect();
  const height = toast.offsetHeight;
  let top = Math.max(0, document.querySelector("header.bar")?.getBoundingClientRect().bottom ?? 0) + 8;
  if (field && field.top < top + height && field.bottom > top) {
    const view = self.visualViewport || { offsetTop: 0, height: innerHeight };
    top = view.offsetTop + view.height - height - 8;
  }
  Object.assign(toast.style, { top: `${top}px`, bottom: "auto" });
}

/** Idle time: the setting idleMinutes, 1 to 30 (default 5). */
export async function readIdleSetting() {
  idleMs = Math.min(30, Math.max(1, Number(await session.getSetting("idleMinutes", 5)) || 5)) * 60000;
  arm();
}

function arm() {
  clearTimeout(timer);
  const left = idleMs - (performance.now() - last);
  const warnFor = Math.min(30000, idleMs / 2);
  if (!session.isUnlocked() || left > warnFor) warning.hidden = true;
  if (!session.isUnlocked()) return;
  if (left <= 0) return session.lock("idle");
  if (left <= warnFor) {
    warning.textContent = `Your journal locks in ${Math.ceil(left / 1000)} seconds. Tap anywhere to keep it open.`;
    if (warning.hidden) place(warning);
  }
  timer = setTimeout(arm, left > warnFor ? left - warnFor : left);
}

function used() {
  if (!session.isUnlocked()) return;
  const now = performance.now();
  if (now - last >= idleMs) return session.lock("idle"); // timers sleep in background tabs
  if (!warning.hidden || now - last > 1000) {
    last = now;
    channel?.postMessage("used");
    arm();
  }
}
channel && (channel.onmessage = () => { last = performance.now(); arm(); });
for (const type of ["pointerdown", "keydown", "input", "wheel"]) addEventListener(type, used, { capture: true, passive: true });
document.addEventListener("visibilitychange", () => {
  const hidden = document.visibilityState === "hidden";
  curtain.hidden = !hidden;
  if (hidden) { hiddenAt = [Date.now(), performance.now()]; return; }
  const slept = hiddenAt ? Date.now() - hiddenAt[0] - (performance.now() - hiddenAt[1]) : 0;
  if (slept > 0) last -= slept; // the phone slept: count that time too
  hiddenAt = null;
  used();
});

addEventListener("alongside:storage", ({ detail }) => {
  const close = make("button", { type: "button", className: "secondary", textContent: "OK", onclick: () => { notice.hidden = true; } });
  notice.replaceChildren(make("span", { textContent: detail.rebuilt
    ? "This browser deleted Alongside's stored data while your journal was open. Your journal has been rebuilt from this page: nothing is lost. Save a backup file soon, on the Journal page."
    : "This browser deleted Alongside's stored data, and the journal on this phone with it. If you have a backup file, restore it on the Journal page." }), close);
  place(notice);
  showState();
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
    if (!note.hasAttribute("data-page-shows")) note.hidden = open; // else the page's module decides when it shows
    if (note.closest("form")) continue;
    const kind = exists ? "button" : "a";
    if (note.querySelector(".unlock")?.localName === kind) continue; // kept: a control being tapped must not be swapped
    note.querySelector(".unlock")?.remove();
    note.append(make(kind, exists
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
addEventListener("alongside:unlock", () => { last = performance.now(); showState(); readIdleSetting(); });
addEventListener("alongside:navigated", showState); // softnav.js swapped in a page with its own locked notes
addEventListener("alongside:lock", () => {
  arm();
  showState();
  document.querySelectorAll("[data-plain]").forEach((el) => el.replaceChildren());
  dialog?.close();
  setTimeout(() => document.activeElement.matches(":disabled, body") && document.getElementById("main").focus());
});
showState();
