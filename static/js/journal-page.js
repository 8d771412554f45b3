// /journal: set up, recovery code, unlock, the next step, backup, restore, durability, idle lock, passphrase.
// (Durability: session.js asks for persistent storage after a save; this page shows the answer.)
import * as session from "./session.js";
import { busy, readIdleSetting } from "./lock.js";
import { downloadBackup, restoreBackup } from "./backup.js";

const $ = (id) => document.getElementById(id);
// Safari on iOS, outside the home screen, deletes a site's data after 7 days unused.
const ios = /iPhone|iPad|iPod/.test(navigator.userAgent) || (navigator.platform === "MacIntel" && navigator.maxTouchPoints > 1);
const when = (iso) => new Date(iso).toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "short" });
let off = null; // aborts this page's listeners when the navigator leaves it

/** The journal needs WebCrypto, which browsers give only to https pages (and localhost). */
export const secure = () => Boolean(globalThis.isSecureContext && crypto?.subtle);

/** Where to go back to: ?next= names a path on this site (never another site). */
export function nextPath(search = location.search) {
  const next = new URLSearchParams(search).get("next");
  return next && /^\/(?![/\\])/.test(next) ? next : null;
}

/** A short name for a page to go back to: "Activity 2.4", "Share", or "the page you were on". */
export function pageName(path) {
  const activity = /#activity-(\d+)-(\d+)$/.exec(path);
  if (activity) return `Activity ${activity[1]}.${activity[2]}`;
  const name = { "/": "the contents", "/share": "Share", "/support": "Support", "/print": "Print" }[path.split(/[?#]/)[0]];
  return name ?? "the page you were on";
}

function show(state, focus = document.querySelector("h1")) {
  document.querySelectorAll(".jp").forEach((p) => { p.hidden = !p.dataset.show.split(" ").includes(state); });
  focus?.focus();
}

/** On submit, run(values); a thrown Error's message goes in the form's alert, a returned text in its status. */
function handle(id, run) {
  const form = $(id);
  const [error, done] = [form.querySelector(".error"), form.querySelector(".done")];
  form.addEventListener("submit", (event) => {
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
      if (done && typeof message === "string") done.textContent = message;
    }, (e) => { error.textContent = e.message; }));
  }, { signal: off.signal });
}

/** The next step: back to where the worker came from, else on to the first activity. */
function offerNext(justMade) {
  const back = nextPath();
  const [go, other] = [$("go-next"), $("go-back")];
  $("h-ready").textContent = justMade ? "Your journal is ready" : "Your journal is open";
  go.textContent = back ? `Back to ${pageName(back)}` : go.dataset.firstLabel;
  go.href = back ?? go.dataset.first;
  other.hidden = !back;
  other.textContent = go.dataset.firstLabel;
  other.href = go.dataset.first;
}

async function opened(justMade = false, focus = true) {
  if ($("code").textContent) return;
  const recovered = session.unlockedWith() === "recovery";
  offerNext(justMade);
  show("open", !focus ? null : recovered ? $("h-pass") : $("h-ready"));
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

export async function mount() {
  off = new AbortController();
  const { signal } = off;
  if (!secure()) {
    $("insecure-origin").textContent = location.origin;
    return show("insecure", null);
  }
  handle("setup", async (v) => {
    $("code").textContent = await session.createJournal(v.new);
    show("code", $("h-code"));
  });
  $("code-done").addEventListener("click", () => { $("code").textContent = ""; opened(true); }, { signal });
  handle("unlock", (v) => session.unlock(v.secret));
  handle("change", async (v) => {
    await session.changePassphrase(v.new, $("current").hidden ? undefined : v.old);
    $("recovered").hidden = true;
    $("current").hidden = false;
    $("c-old").required = true;
    return "Passphrase changed. Use the new one from now on.";
  });
  handle("restore", (v) => restoreBackup(v.file, v.secret));
  $("export").addEventListener("click", async () => { $("last").textContent = when(await downloadBackup()); }, { signal });
  $("idle").addEventListener("change", async (event) => {
    await session.setSetting("idleMinutes", +event.target.value);
    readIdleSetting();
  }, { signal });
  addEventListener("alongside:unlock", () => opened(), { signal });
  addEventListener("alongside:lock", () => show("locked"), { signal });
  if (session.isUnlocked()) return opened(false, false); // the navigator focuses the page's heading
  const exists = await session.hasJournal();
  $("lost").hidden = exists || !(await session.journalWasLost?.());
  show(exists ? "locked" : "none", null);
}

export function unmount() {
  off?.abort();
}
