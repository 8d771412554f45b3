// Activity forms: unlocking fills them, typing saves them (encrypted, through session.js), locking
// empties them. "Saved" appears only once the save has committed; a failed save keeps the text.
// Saves run 300 ms after typing stops and at least every 800 ms while it goes on, and at once on
// pagehide, on hiding, on leaving and before any lock (alongside:flush). A field another window
// changed updates in place, or offers a choice if this one has unsaved text in it; so does an answer
// a restored backup replaced. Page navigator contract: mount() / unmount().
import * as session from "./session.js";
import { isEmpty, mount as widget } from "./fields/index.js";

const SAVE_AFTER_MS = 300;
const SAVE_AT_LEAST_MS = 800;
const STATUS = "__status"; // "done" once the worker marks the activity done
const CHANGED = "This question has changed since you answered it — check your answer still fits.";
const FAILED = "Not saved: this phone would not store your answer. Your text is still here; check the phone has free space, then try again.";
let section = ""; // the section on show (ids only, for "Continue where you left off")
let forms = [];

const make = (tag, props) => Object.assign(document.createElement(tag), props);
const button = (textContent, onclick, className = "secondary") => make("button", { type: "button", className, textContent, onclick });
const hhmm = () => new Date().toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
const same = (a, b) => JSON.stringify(a ?? "") === JSON.stringify(b ?? "");
/** A stored value in words, for a choice between two copies. */
const describe = (v) => (isEmpty(v) ? "(nothing)" : typeof v !== "object" ? String(v)
  : Array.isArray(v) ? v.filter((x) => !isEmpty(x)).map(describe).join("; ")
    : "strokes" in v ? `a drawing${v.alt ? `: ${v.alt}` : ""}` : "from" in v ? `${v.from} → ${v.to}`
      : Object.values(v).map(describe).join("; "));

function enhance(form) {
  const f = {
    form,
    activity: form.dataset.activity,
    revision: Number(form.dataset.revision),
    answers: form.querySelector("fieldset.answers"),
    status: form.querySelector("[data-save-status]"),
    note: form.querySelector("[data-locked-note]"),
    example: form.closest(".activity")?.querySelector("[data-example]"),
    widgets: new Map([...form.querySelectorAll("[data-field]")].map((el) => [el.dataset.field, widget(el)])),
    row: form.querySelector("[data-done-row]"), // in the page already (pwa/templates/_fields.html)
    notice: make("p", { className: "notice", hidden: true, textContent: CHANGED }),
    dirty: new Set(), // fields changed since their last save began
    flying: new Map(), // field -> saves in flight
    base: new Map(), // field -> tag of the stored copy this form shows
    choices: new Map(), // field -> its choice box
    jobs: new Set(),
    timer: 0,
    since: 0, // when the oldest unsaved change was made (performance.now)
    isDone: false,
  };
  [f.toggle, f.badge] = [f.row.querySelector("button"), f.row.querySelector(".badge")];
  f.answers.before(f.notice);
  f.toggle.onclick = () => { showDone(f, !f.isDone); edited(f, STATUS); save(f); };
  form.addEventListener("input", (event) => {
    const field = event.target.closest("[data-field]")?.dataset.field;
    if (!f.widgets.has(field)) return;
    edited(f, field);
    if (f.example && !isEmpty(f.widgets.get(field).read())) f.example.open = true;
  });
  form.addEventListener("change", () => save(f));
  form.addEventListener("submit", (event) => { event.preventDefault(); save(f); });
  showDone(f, false);
  return f;
}

function showDone(f, done) {
  f.isDone = done;
  f.toggle.setAttribute("aria-pressed", done);
  f.badge.hidden = !done;
}

const read = (f, field) => (field === STATUS ? (f.isDone ? "done" : "") : f.widgets.get(field).read());

function edited(f, field) {
  f.dirty.add(field);
  f.form.dataset.pending = "";
  if (!f.status.classList.contains("error")) f.status.textContent = "";
  const now = performance.now();
  f.since ||= now;
  clearTimeout(f.timer);
  f.timer = setTimeout(() => save(f), Math.min(SAVE_AFTER_MS, f.since + SAVE_AT_LEAST_MS - now));
}

/** Save every changed field of a form now; an answer to a changed question is saved whole again.
 * Resolves once every save has committed or failed visibly. */
function save(f) {
  clearTimeout(f.timer);
  f.since = 0;
  if (!f.dirty.size || !session.isUnlocked()) return Promise.resolve();
  const stale = !f.notice.hidden;
  const fields = stale ? [...new Set([...f.dirty, ...f.widgets.keys()])] : [...f.dirty];
  f.dirty.clear();
  fields.forEach((field) => f.flying.set(field, (f.flying.get(field) || 0) + 1));
  const job = Promise.allSettled(fields.map((field) => session.saveAnswer(
    { activity: f.activity, field, value: read(f, field), revision: f.revision }, f.base.get(field) ?? null)))
    .then((results) => saved(f, fields, results, stale));
  f.jobs.add(job);
  job.finally(() => f.jobs.delete(job));
  return job;
}

function saved(f, fields, results, stale) {
  for (const field of fields) {
    const n = f.flying.get(field) - 1;
    if (n) f.flying.set(field, n);
    else f.flying.delete(field);
  }
  if (!session.isUnlocked()) return; // locked meanwhile: the form is empty now
  let failure = null;
  results.forEach(({ status, reason }, i) => {
    if (status === "fulfilled") return;
    if (reason.code !== "conflict") f.dirty.add(fields[i]);
    if (reason.code !== "conflict" || offer(f, fields[i], "tab")) failure = reason;
  });
  if (failure) {
    say(f, failure.code === "not-saved" || failure.code === "conflict" ? failure.message : FAILED, true);
    if (failure.code !== "conflict") f.status.append(" ", button("Try again", () => save(f)));
    return;
  }
  if (stale) f.notice.hidden = true;
  remember(f.activity);
  if (!f.flying.size && !f.dirty.size) {
    delete f.form.dataset.pending;
    say(f, f.choices.size ? "" : `Saved at ${hhmm()}`);
  }
}

function say(f, text, failed = false) {
  f.status.classList.toggle("error", failed);
  f.status.setAttribute("role", failed ? "alert" : "status");
  if (f.status.textContent !== text) f.status.textContent = text;
}

/** Show a stored copy in a field (or clear it), and remember which copy the form now shows. */
function put(f, field, a) {
  f.base.set(field, a?.tag ?? null);
  if (field === STATUS) showDone(f, a?.value === "done");
  else if (a && !isEmpty(a.value)) f.widgets.get(field).write(a.value);
  else f.widgets.get(field).clear();
}

/** A choice beside a field: another window's copy ("tab"), or the answer a restore replaced ("restored").
 * Returns false when there is nothing to choose (the other copy says the same). */
function offer(f, field, kind) {
  const a = session.answer(f.activity, field);
  const tab = kind === "tab";
  if (!a || (tab && same(a.value, read(f, field)))) {
    f.base.set(field, a?.tag ?? null);
    return false;
  }
  const other = tab ? a.value : a.was.value;
  const text = field === STATUS ? (other === "done" ? "Done" : "Not done") : describe(other);
  let box = f.choices.get(field);
  if (box?.dataset.kind === kind) { // update in place: a box replaced under a finger loses the tap
    box.querySelector(".conflict-text").textContent = text;
    return true;
  }
  box?.remove();
  box = make("div", { className: "notice conflict" });
  box.dataset.kind = kind;
  box.append(
    make("p", { textContent: tab ? "Changed in another window, which has:" : "A restored backup replaced this answer. Before, it said:" }),
    make("p", { className: "conflict-text", textContent: text }),
    button(tab ? "Keep this" : "Keep the restored answer", () => choose(f, field, kind, true)), " ",
    button(tab ? "Use that" : "Go back to it", () => choose(f, field, kind, false)));
  (field === STATUS ? f.row : f.form.querySelector(`[data-field="${CSS.escape(field)}"]`)).append(box);
  f.choices.set(field, box);
  return true;
}

async function choose(f, field, kind, keep) {
  f.choices.get(field)?.remove();
  f.choices.delete(field);
  if (kind === "restored") {
    try {
      await session.settle(f.activity, field, keep);
      put(f, field, session.answer(f.activity, field));
      say(f, `Saved at ${hhmm()}`);
    } catch (error) {
      say(f, error.message, true);
    }
    return;
  }
  const theirs = session.answer(f.activity, field);
  if (keep) {
    f.base.set(field, theirs?.tag ?? null);
    edited(f, field);
    return save(f);
  }
  f.dirty.delete(field);
  put(f, field, theirs);
  if (!f.dirty.size && !f.flying.size) delete f.form.dataset.pending;
  say(f, f.choices.size ? f.status.textContent : "");
}

let last = "";
/** Remember where the worker left off: ids only, never text (a non-secret setting). */
function remember(activity) {
  if (!section || last === activity) return;
  last = activity;
  session.setSetting("resume", { section, activity }).catch(() => { last = ""; });
}

/** Save now and wait for every save in flight (committed, or failed on screen). */
const flush = (list = forms) => Promise.allSettled(list.map((f) => { save(f); return Promise.allSettled([...f.jobs]); }));

/** Fill a form from the journal and let the worker write. */
function fill(f) {
  let written = false;
  let stale = false;
  for (const field of [...f.widgets.keys(), STATUS]) {
    const a = session.answer(f.activity, field);
    put(f, field, a);
    if (a?.was) offer(f, field, "restored");
    if (!a || field === STATUS || isEmpty(a.value)) continue;
    written = true;
    stale ||= Number(a.revision) !== f.revision;
  }
  if (written && f.example) f.example.open = true;
  f.notice.hidden = !stale;
  f.note.hidden = true;
  f.answers.disabled = false;
}

/** Take every answer out of a form and close it. */
function empty(f) {
  clearTimeout(f.timer);
  f.since = 0;
  f.dirty.clear();
  f.base.clear();
  f.choices.forEach((box) => box.remove());
  f.choices.clear();
  f.widgets.forEach((w) => w.clear());
  showDone(f, false);
  f.answers.disabled = true;
  f.notice.hidden = true;
  f.note.hidden = false;
  delete f.form.dataset.pending;
  say(f, "");
}

/** Point the locked note at the journal page: unlock, or set a journal up first. */
async function offerUnlock(list = forms) {
  const exists = await session.hasJournal().catch(() => false);
  for (const f of list) {
    const back = encodeURIComponent(`${location.pathname}#${f.form.closest(".activity")?.id ?? ""}`);
    const link = make("a", exists
      ? { href: `/journal?next=${back}`, textContent: "Unlock your journal to write" }
      : { href: "/journal", textContent: "Set up your private journal to write" });
    f.note.replaceChildren(exists ? "Your answers are kept encrypted on this phone. " : "Your answers stay private, encrypted on this phone. ", link);
  }
}

/** Enhance the activity forms now in #main (at load, and after the navigator swaps a page in). */
export function mount() {
  section = document.querySelector("#main article[data-section]")?.dataset.section ?? "";
  forms = forms.filter((f) => f.form.isConnected);
  const added = [...document.querySelectorAll("#main form.activity-form")]
    .filter((form) => !forms.some((f) => f.form === form)).map(enhance);
  forms.push(...added);
  if (!added.length) return;
  if (session.isUnlocked()) added.forEach(fill);
  else offerUnlock(added);
}

/** Save what the forms on show hold, wait until it has committed (or failed visibly), then forget them. */
export async function unmount() {
  const leaving = forms;
  await flush(leaving);
  leaving.forEach((f) => clearTimeout(f.timer));
  forms = forms.filter((f) => !leaving.includes(f));
}

addEventListener("alongside:unlock", () => forms.forEach(fill));
addEventListener("alongside:lock", () => { forms.forEach(empty); offerUnlock(); });
addEventListener("alongside:flush", (event) => event.detail.waits.push(flush()));
addEventListener("alongside:changed", ({ detail: { activity, field } }) => {
  for (const f of forms) {
    if (f.activity !== activity || (field !== STATUS && !f.widgets.has(field))) continue;
    if (f.dirty.has(field) || f.flying.has(field)) offer(f, field, "tab");
    else {
      const a = session.answer(activity, field);
      f.choices.get(field)?.remove();
      f.choices.delete(field);
      put(f, field, a);
      if (a?.was) offer(f, field, "restored");
    }
  }
});
// Storage rebuilt after it was cleared: save again what could not be saved meanwhile.
addEventListener("alongside:storage", ({ detail }) => detail.rebuilt && forms.forEach(save));
addEventListener("alongside:leave", () => flush());
addEventListener("pagehide", () => forms.forEach(save));
document.addEventListener("visibilitychange", () => document.visibilityState === "hidden" && forms.forEach(save));
