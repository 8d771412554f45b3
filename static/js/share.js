// The share page: compose a summary, check it, preview it, and show the pairing and the outbox.
// pairing.js owns the /api client and the pairing record; outbox.js owns the outbox's states, their
// words and sending; seal.js seals. Plaintext summaries stay in the encrypted journal.
import * as session from "./session.js";
import { findIdentifiers } from "./deidentify.js";
import { sealSummary } from "./seal.js";
import * as pairing from "./pairing.js";
import * as outbox from "./outbox.js";

const { SHARED } = pairing;
const $ = (selector) => document.querySelector(selector);
const all = (selector) => [...document.querySelectorAll(selector)];
const show = (el, on = true) => { if (el) el.hidden = !on; };
let paired = null; // the pairing record
let stale = ""; // why this pairing must be renewed: "old" (before envelope v2), "key" (supervisor's key changed), or ""
let draft = "";
let off = null; // aborts this page's window listeners when the navigator leaves it
const here = () => off && !off.signal.aborted;
let listening = false;

async function showPairing() {
  const record = await pairing.record();
  paired = await pairing.moveNamesIntoJournal(record).catch(() => record);
  const keyGone = (await outbox.items()).some((i) => i.status === "refused" && i.reason === "key_changed"
    && i.envelope?.did === paired?.deviceId); // refused for this pairing's key, not an earlier one's
  stale = !paired ? "" : !pairing.isCurrent(paired) ? "old" : keyGone ? "key" : "";
  const open = session.isUnlocked();
  const asks = !paired || Boolean(stale); // the pairing form is wanted
  show($("[data-pair-again]"), Boolean(stale));
  show($("[data-pair-again-old]"), stale === "old");
  show($("[data-pair-again-key]"), stale === "key");
  show($("[data-unpaired]"), asks && open);
  show($("[data-pair-locked]"), asks && !open);
  show($("[data-paired]"), Boolean(paired));
  show($("[data-compose]"), Boolean(paired) && !stale);
  const who = pairing.names();
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
  const button = $("#pair-form button[type=submit]");
  error.textContent = "";
  button.disabled = true;
  try {
    if (paired) await outbox.retire(paired.token); // what the old pairing sent can still be withdrawn
    await pairing.pair($("#pair-code").value, $("#pair-name").value.trim());
    $("#pair-form").reset();
    await showPairing();
    await showComposer();
    await showOutbox();
    $("#pair-title").focus?.();
  } catch (failure) {
    error.textContent = failure.message;
  } finally {
    button.disabled = false;
  }
}

async function unpair() {
  const error = $("[data-unpair-error]");
  error.textContent = "";
  try {
    await pairing.unpair([paired.token, ...await outbox.senders()]);
  } catch (failure) {
    error.textContent = failure.message;
    return;
  }
  await outbox.clear();
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

/** Seal `text` for the current pairing and queue it under `id`; its text goes in the journal. */
async function sealAndQueue(id, text) {
  const created = new Date().toISOString();
  const who = pairing.names();
  const envelope = await sealSummary(paired.jwk, paired.deviceId,
    { v: 2, ...(who?.displayName && { display_name: who.displayName }), text, created });
  await session.saveAnswer({ activity: SHARED, field: id, value: { text, created } });
  await outbox.queue(id, envelope, created);
}

async function seal() {
  const button = $("[data-seal]");
  button.disabled = true;
  try {
    const id = crypto.randomUUID();
    await sealAndQueue(id, draft);
    draft = "";
    $("#compose-form").reset();
    stage("compose");
    await send();
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
  const item = (await outbox.items()).find((i) => i.id === id);
  const note = $("[data-sent-note]");
  if (!note || !item) return;
  note.textContent = item.status === "sent" ? `Sent to ${pairing.names()?.supervisorName ?? "your supervisor"}. It is the first of your summaries below.`
    : item.status === "refused" ? outbox.describe(item)
    : "Saved on this phone, ready to go. It will be sent as soon as there is a connection.";
  note.dataset.status = item.status;
  note.hidden = false;
  note.scrollIntoView({ block: "start" });
  note.focus({ preventScroll: true });
}

async function send() {
  await outbox.sendSoon();
  await showOutbox();
}

function button(label, onClick, secondary = true) {
  const b = document.createElement("button");
  b.type = "button";
  if (secondary) b.className = "secondary";
  b.textContent = label;
  b.addEventListener("click", () => { b.disabled = true; Promise.resolve(onClick()).finally(() => { b.disabled = false; }); });
  return b;
}

async function showOutbox() {
  if (!here()) return;
  const items = await outbox.items();
  const texts = new Map(session.isUnlocked()
    ? (await session.loadAnswers()).filter((a) => a.activity === SHARED && a.value?.text).map((a) => [a.field, a.value.text]) : []);
  const canReseal = Boolean(paired) && !stale && session.isUnlocked();
  show($("[data-outbox-empty]"), !items.length);
  $("[data-outbox]").replaceChildren(...items.map((item) => {
    const li = document.createElement("li");
    li.className = "outbox-item";
    li.dataset.status = item.status;
    const status = document.createElement("p");
    status.className = "outbox-status";
    const again = item.status === "refused" && outbox.RESEAL.has(item.reason) && canReseal && texts.has(item.id);
    status.textContent = outbox.describe(item, again);
    const text = document.createElement("p");
    text.className = "preview-text";
    text.textContent = texts.get(item.id) || (session.isUnlocked() ? "The text of this summary is not on this phone."
      : "Unlock your journal to see what this summary said.");
    li.append(status, text);
    if (again) {
      li.append(button(`Send again to ${pairing.names()?.supervisorName ?? "your supervisor"}`, () => sendAgain(item.id, texts.get(item.id)), false));
    }
    li.append(button(outbox.ACTION[item.status], () => outbox.withdraw(item.id).then(send)));
    return li;
  }));
}

/** A summary refused because the pairing changed: sealed again for the supervisor's current key, same id. */
async function sendAgain(id, text) {
  try {
    await sealAndQueue(id, text);
  } catch (failure) {
    $("[data-compose-error]").textContent = `Not sent: ${failure.message}`;
  }
  await send();
  confirmSent(id);
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
  // Once per document (showOutbox does nothing off this page); a refusal may mean the key changed.
  if (!listening) onChange();
  listening = true;
  addEventListener("online", send, { signal });
  await showComposer();
  await showOutbox();
  if (paired) await send();
}

function onChange() {
  outbox.onOutboxChange(() => { if (here()) showPairing().then(showOutbox); });
}

export function unmount() {
  off.abort();
  draft = "";
}
