// The share page: pair with a supervisor, compose a summary, check it, preview it, seal it into
// the outbox, and follow what happens to it. Plaintext summaries stay in the encrypted journal.
import * as session from "./session.js";
import { outboxAll, outboxDelete, outboxPut } from "./store.js";
import { findIdentifiers } from "./deidentify.js";
import { sealSummary } from "./seal.js";
import { onOutboxChange, sendOutbox } from "./outbox.js";

const SHARED = "__share"; // journal "activity" holding the text of each summary, by outbox id
const $ = (selector) => document.querySelector(selector);
const all = (selector) => [...document.querySelectorAll(selector)];
const show = (el, on = true) => { if (el) el.hidden = !on; };
const OFFLINE = "You are offline. Pairing needs a connection: try again when you have signal.";
let pairing = null;
let draft = "";
let off = null; // aborts this page's window listeners when the navigator leaves it
const here = () => off && !off.signal.aborted;
let listening = false;

async function api(method, path, body) {
  let response;
  try {
    response = await fetch(path, {
      method, cache: "no-store", credentials: "omit",
      headers: { "Content-Type": "application/json", ...(pairing ? { Authorization: `Bearer ${pairing.token}` } : {}) },
      body: body && JSON.stringify(body),
    });
  } catch (error) {
    throw new Error(navigator.onLine ? "The server could not be reached. Try again in a moment." : OFFLINE);
  }
  const data = response.status === 204 ? {} : await response.json().catch(() => ({}));
  if (!response.ok) throw Object.assign(new Error(data.message || `The server said ${response.status}.`), { status: response.status });
  return data;
}

/** Who the phone is paired with: names live in the encrypted journal, never in the clear pairing record
 * (which keeps only what the service worker needs to send: the token and the key). */
const names = () => (session.isUnlocked() && session.answer(SHARED, "pairing")?.value) || null;

/** Move names a pairing record from before this release held in clear into the journal. */
async function moveNamesIntoJournal() {
  if (!pairing?.supervisorName || !session.isUnlocked()) return;
  const { supervisorName, displayName, ...kept } = pairing;
  await session.saveAnswer({ activity: SHARED, field: "pairing", value: { supervisorName, displayName } });
  await session.setSetting("pairing", (pairing = kept));
}

async function showPairing() {
  pairing = await session.getSetting("pairing", null);
  await moveNamesIntoJournal().catch(() => {});
  const open = session.isUnlocked();
  show($("[data-unpaired]"), !pairing && open);
  show($("[data-pair-locked]"), !pairing && !open);
  show($("[data-paired]"), Boolean(pairing));
  show($("[data-compose]"), Boolean(pairing));
  const who = names();
  show($("[data-paired-names]"), Boolean(who));
  show($("[data-paired-locked]"), !who);
  if (who) {
    $("[data-supervisor-name]").textContent = who.supervisorName;
    $("[data-display-name]").textContent = who.displayName;
  }
}

async function pair(event) {
  event.preventDefault();
  const error = $("[data-pair-error]");
  const code = $("#pair-code").value.trim();
  const displayName = $("#pair-name").value.trim();
  error.textContent = !code ? "Enter the pairing code your supervisor gave you."
    : !displayName ? "Enter a first name or initials for your supervisor to see." : "";
  if (error.textContent) return;
  if (!navigator.onLine) { error.textContent = OFFLINE; return; }
  try {
    const made = await api("POST", "/api/pair", { code, display_name: displayName });
    await session.saveAnswer({ activity: SHARED, field: "pairing", value: { supervisorName: made.supervisor_name, displayName } });
    await session.setSetting("pairing", { token: made.device_token, jwk: made.recipient_key.jwk,
      kid: made.recipient_key.kid, pairedAt: new Date().toISOString() });
    $("#pair-form").reset();
    await showPairing();
    await showComposer();
    $("#pair-title").focus?.();
  } catch (failure) {
    error.textContent = failure.message;
  }
}

async function unpair() {
  const error = $("[data-unpair-error]");
  error.textContent = "";
  try {
    await api("DELETE", "/api/device");
  } catch (failure) {
    if (failure.status !== 401) { error.textContent = failure.message; return; }
  }
  for (const item of await outboxAll()) await outboxDelete(item.id);
  await session.setSetting("pairing", null);
  if (session.isUnlocked()) await session.saveAnswer({ activity: SHARED, field: "pairing", value: null });
  show($("[data-unpair-confirm]"), false);
  await showPairing();
  await showOutbox();
}

/** Fill the composer from the journal: notes for supervision and the 2.13 scale answer. */
async function showComposer() {
  const unlocked = session.isUnlocked();
  show($("[data-compose-locked]"), !unlocked);
  show($("#compose-form"), unlocked);
  const answers = unlocked ? await session.loadAnswers() : [];
  const value = (activity, field) => answers.find((a) => a.activity === activity && a.field === field)?.value;
  let notes = 0;
  for (const el of all("[data-note-for]")) {
    const note = (value(el.dataset.noteFor, "__supervision") || "").trim();
    el.querySelector("[data-note-text]").textContent = note;
    el.dataset.note = note;
    show(el, Boolean(note));
    notes += Boolean(note);
  }
  show($("[data-no-notes]"), !notes);
  show($("#compose-form"), unlocked);
  const scale = $("[data-scale]");
  if (scale) {
    const answer = value(scale.dataset.scale, scale.dataset.scaleField);
    scale.dataset.value = answer ?? "";
    scale.querySelector("[data-scale-value]").textContent = answer ?? "";
    show(scale, answer !== undefined && answer !== null && answer !== "");
  }
}

async function progressLine() {
  const answers = await session.loadAnswers();
  const ids = all("[data-note-for]").map((el) => el.dataset.noteFor);
  const done = ids.filter((id) => answers.some((a) => a.activity === id && a.field === "__status" && a.value === "done"));
  const started = ids.filter((id) => !done.includes(id)
    && answers.some((a) => a.activity === id && a.field !== "__status" && !session.isEmpty(a.value)));
  return `Progress: ${done.length} of ${ids.length} activities done${done.length ? ` (${done.join(", ")})` : ""}.`
    + (started.length ? ` In progress: ${started.join(", ")}.` : "");
}

/** The exact text that will be sent. */
async function composeText() {
  const parts = [];
  if ($("#inc-progress").checked) parts.push(await progressLine());
  const notes = all("[data-note-for]").filter((el) => !el.hidden && el.querySelector("input").checked);
  if (notes.length) {
    parts.push(["For supervision:", ...notes.map((el) => `- Activity ${el.dataset.noteFor}, ${el.dataset.title}: ${el.dataset.note}`)].join("\n"));
  }
  const scale = $("[data-scale]");
  if (scale && !scale.hidden && $("#inc-scale").checked) {
    parts.push(`Activity ${scale.dataset.scale}, ${scale.dataset.scaleText}: ${scale.dataset.value}`);
  }
  const cover = $("#cover-note").value.trim();
  if (cover) parts.push(cover);
  return parts.join("\n\n");
}

function stage(name) {
  show($("#compose-form"), name === "compose");
  show($("[data-check]"), name === "check");
  show($("[data-preview]"), name === "preview");
  const focus = { check: "#check-title", preview: "#preview-title", compose: "#compose-title" }[name];
  $(focus)?.focus();
}

async function check(event) {
  event.preventDefault();
  draft = await composeText();
  const error = $("[data-compose-error]");
  error.textContent = draft ? "" : "Choose something to include, or write a note, first.";
  if (!draft) return;
  const found = findIdentifiers(draft);
  if (!found.length) return preview();
  $("[data-check-list]").replaceChildren(...found.map((f) => {
    const li = document.createElement("li");
    li.textContent = `“${f.text}”: ${f.why}`;
    return li;
  }));
  stage("check");
}

function preview() {
  $("[data-preview-text]").textContent = draft;
  stage("preview");
}

async function seal() {
  const button = $("[data-seal]");
  button.disabled = true;
  try {
    const created = new Date().toISOString();
    const id = crypto.randomUUID();
    const envelope = await sealSummary(pairing.jwk, pairing.kid, { v: 1, display_name: names().displayName, text: draft, created });
    await session.saveAnswer({ activity: SHARED, field: id, value: { text: draft, created } });
    await outboxPut({ id, envelope, status: "queued", created, attempts: 0 });
    draft = "";
    $("#compose-form").reset();
    stage("compose");
    await showOutbox();
    await requestSend();
    confirmSent(id);
  } catch (failure) {
    $("[data-compose-error]").textContent = `Not sent: ${failure.message}`;
    stage("compose");
  } finally {
    button.disabled = false;
  }
}

/** Say what became of the summary just sealed, where the worker will see it. */
async function confirmSent(id) {
  const item = (await outboxAll()).find((i) => i.id === id);
  const note = $("[data-sent-note]");
  if (!note || !item) return;
  note.textContent = item.status === "sent" ? `Sent to ${names()?.supervisorName ?? "your supervisor"}. It is the first of your summaries below.`
    : item.status === "refused" ? `Not accepted: ${item.error}`
    : "Saved on this phone, ready to go. It will be sent as soon as there is a connection.";
  note.hidden = false;
  note.scrollIntoView({ block: "start" });
  note.focus({ preventScroll: true });
}

/** Ask the service worker to send later (Background Sync), and try now from the page. */
async function requestSend() {
  const registration = await navigator.serviceWorker?.getRegistration();
  await registration?.sync?.register("outbox").catch(() => {});
  await sendOutbox({ force: true });
  await showOutbox();
}

const STATUS = {
  queued: (item) => `Waiting to send. ${item.note || "It goes as soon as there is a connection."}`,
  sent: (item) => `Sent ${new Date(item.sentAt).toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "short" })}.${item.error ? ` Withdrawing failed: ${item.error}` : ""}`,
  refused: (item) => `Not accepted: ${item.error}`,
  withdrawing: () => "Withdrawing: it is removed from the server as soon as there is a connection.",
};

async function showOutbox() {
  if (!here()) return;
  const items = (await outboxAll()).sort((a, b) => b.created.localeCompare(a.created));
  const texts = new Map(session.isUnlocked()
    ? (await session.loadAnswers()).filter((a) => a.activity === SHARED && a.value?.text).map((a) => [a.field, a.value.text]) : []);
  show($("[data-outbox-empty]"), !items.length);
  $("[data-outbox]").replaceChildren(...items.map((item) => {
    const li = document.createElement("li");
    li.className = "outbox-item";
    li.dataset.status = item.status;
    const status = document.createElement("p");
    status.className = "outbox-status";
    status.textContent = STATUS[item.status](item);
    const text = document.createElement("p");
    text.className = "preview-text";
    text.textContent = texts.get(item.id) || "Unlock your journal to see what this summary said.";
    const button = document.createElement("button");
    button.type = "button";
    button.className = "secondary";
    button.textContent = item.status === "sent" ? "Withdraw" : item.status === "withdrawing" ? "Try again now" : "Remove";
    button.addEventListener("click", () => withdraw(item));
    li.append(status, text, button);
    return li;
  }));
}

async function withdraw(item) {
  if (item.status === "queued" || item.status === "refused") await outboxDelete(item.id);
  else await outboxPut({ ...item, status: "withdrawing", nextAttempt: 0 });
  await requestSend();
}

export async function mount() {
  off = new AbortController();
  const { signal } = off;
  if (!(globalThis.isSecureContext && crypto?.subtle)) {
    $("[data-insecure-origin]").textContent = location.origin;
    show($("[data-insecure]"));
    return all(".share-part").forEach((part) => show(part, false));
  }
  await showPairing();
  $("#pair-form").addEventListener("submit", pair);
  $("[data-unpair]").addEventListener("click", () => show($("[data-unpair-confirm]")));
  $("[data-unpair-no]").addEventListener("click", () => show($("[data-unpair-confirm]"), false));
  $("[data-unpair-yes]").addEventListener("click", unpair);
  $("#compose-form").addEventListener("submit", check);
  $("#compose-form").addEventListener("input", () => show($("[data-sent-note]"), false));
  $("[data-check-edit]").addEventListener("click", () => stage("compose"));
  $("[data-check-continue]").addEventListener("click", preview);
  $("[data-preview-edit]").addEventListener("click", () => stage("compose"));
  $("[data-seal]").addEventListener("click", seal);
  addEventListener("alongside:unlock", () => { showPairing(); showComposer(); showOutbox(); }, { signal });
  addEventListener("alongside:lock", () => {
    draft = "";
    $("#compose-form").reset();
    $("[data-preview-text]").textContent = "";
    $("[data-check-list]").replaceChildren();
    show($("[data-sent-note]"), false);
    stage("compose");
    showPairing();
    showComposer();
    showOutbox();
  }, { signal });
  if (!listening) onOutboxChange(showOutbox); // once per document: showOutbox does nothing off this page
  listening = true;
  addEventListener("online", requestSend, { signal });
  await showComposer();
  await showOutbox();
  if (pairing) await requestSend();
}

export function unmount() {
  off.abort();
  draft = "";
}
