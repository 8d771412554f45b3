// Activity forms: unlocking fills them, typing saves them (encrypted, through session.js), locking
// empties them. "Saved" appears only once the save has committed; a failed save keeps the text.
import * as session from "./session.js";
import { isEmpty, mount } from "./fields/index.js";

const SAVE_AFTER_MS = 300;
const STATUS = "__status"; // "done" once the worker marks the activity done
const CHANGED = "This question has changed since you answered it — check your answer still fits.";
let section = ""; // the section on show (ids only, for "Continue where you left off")

const make = (tag, props) => Object.assign(document.createElement(tag), props);

function enhance(form) {
  const f = {
    form,
    activity: form.dataset.activity,
    revision: Number(form.dataset.revision),
    answers: form.querySelector("fieldset.answers"),
    status: form.querySelector("[data-save-status]"),
    note: form.querySelector("[data-locked-note]"),
    example: form.closest(".activity")?.querySelector("[data-example]"),
    widgets: new Map([...form.querySelectorAll("[data-field]")].map((el) => [el.dataset.field, mount(el)])),
    done: make("button", { type: "button", className: "secondary done-toggle" }),
    notice: make("p", { className: "notice", hidden: true, textContent: CHANGED }),
    dirty: new Set(),
    saving: 0,
    timer: 0,
    isDone: false,
  };
  f.answers.append(f.done);
  f.answers.before(f.notice);
  f.done.addEventListener("click", () => {
    showDone(f, !f.isDone);
    f.dirty.add(STATUS);
    save(f);
  });
  form.addEventListener("input", (event) => {
    const field = event.target.closest("[data-field]")?.dataset.field;
    if (!field) return;
    f.dirty.add(field);
    form.dataset.pending = "";
    if (!f.status.classList.contains("error")) f.status.textContent = "";
    if (f.example && !isEmpty(f.widgets.get(field).read())) f.example.open = true;
    clearTimeout(f.timer);
    f.timer = setTimeout(() => save(f), SAVE_AFTER_MS);
  });
  form.addEventListener("change", () => save(f));
  form.addEventListener("submit", (event) => { event.preventDefault(); save(f); });
  showDone(f, false);
  return f;
}

function showDone(f, done) {
  f.isDone = done;
  f.done.textContent = done ? "Mark as not done" : "Mark as done";
}

const read = (f, field) => (field === STATUS ? (f.isDone ? "done" : "") : f.widgets.get(field).read());

/** Save every changed field of a form now; an answer to a changed question is saved whole again. */
async function save(f) {
  clearTimeout(f.timer);
  if (!f.dirty.size || !session.isUnlocked()) return;
  const stale = !f.notice.hidden;
  const fields = stale ? new Set([...f.dirty, ...f.widgets.keys()]) : new Set(f.dirty);
  const values = [...fields].map((field) => ({ activity: f.activity, field, value: read(f, field), revision: f.revision }));
  f.dirty.clear();
  f.saving++;
  try {
    await Promise.all(values.map(session.saveAnswer));
    if (stale) f.notice.hidden = true;
    if (!--f.saving && !f.dirty.size) {
      delete f.form.dataset.pending;
      say(f, `Saved at ${new Date().toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })}`);
    }
    remember(f.activity);
  } catch (error) {
    f.saving--;
    if (!session.isUnlocked()) return;
    fields.forEach((field) => f.dirty.add(field));
    say(f, error.code === "not-saved" ? error.message
      : "Not saved: this phone would not store your answer. Your text is still here; check the phone has free space, then try again.", true);
    f.status.append(" ", make("button", { type: "button", className: "secondary", textContent: "Try again", onclick: () => save(f) }));
  }
}

function say(f, text, failed = false) {
  f.status.classList.toggle("error", failed);
  f.status.setAttribute("role", failed ? "alert" : "status");
  if (f.status.textContent !== text) f.status.textContent = text;
}

let last = "";
/** Remember where the worker left off: ids only, never text (a non-secret setting). */
function remember(activity) {
  if (!section || last === activity) return;
  last = activity;
  session.setSetting("resume", { section, activity }).catch(() => { last = ""; });
}

function saveAll() {
  forms.forEach(save);
}

/** Fill the forms from the journal and let the worker write. */
async function unlocked() {
  const answers = await session.loadAnswers();
  for (const f of forms) {
    let written = false;
    let stale = false;
    for (const { activity, field, value, revision } of answers) {
      if (activity !== f.activity) continue;
      if (field === STATUS) showDone(f, value === "done");
      const widget = f.widgets.get(field);
      if (!widget || isEmpty(value)) continue;
      widget.write(value);
      written = true;
      stale ||= Number(revision) !== f.revision;
    }
    if (written && f.example) f.example.open = true;
    f.notice.hidden = !stale;
    f.note.hidden = true;
    f.answers.disabled = false;
  }
}

/** Take every answer out of the page and close the forms. */
function locked() {
  for (const f of forms) {
    clearTimeout(f.timer);
    f.dirty.clear();
    f.widgets.forEach((widget) => widget.clear());
    showDone(f, false);
    f.answers.disabled = true;
    f.notice.hidden = true;
    f.note.hidden = false;
    delete f.form.dataset.pending;
    say(f, "");
  }
  offerUnlock();
}

/** Point the locked note at the journal page: unlock, or set a journal up first. */
async function offerUnlock() {
  const exists = await session.hasJournal().catch(() => false);
  for (const f of forms) {
    const back = encodeURIComponent(`${location.pathname}#${f.form.closest(".activity")?.id ?? ""}`);
    const link = make("a", exists
      ? { href: `/journal?next=${back}`, textContent: "Unlock your journal to write" }
      : { href: "/journal", textContent: "Set up your private journal to write" });
    f.note.replaceChildren(exists ? "Your answers are kept encrypted on this phone. " : "Your answers stay private, encrypted on this phone. ", link);
  }
}

let forms = [];

/** Enhance the activity forms on show (at load, and after softnav.js swaps the page in). */
export function start() {
  section = document.querySelector("article[data-section]")?.dataset.section ?? "";
  forms = [...document.querySelectorAll("form.activity-form")].map(enhance);
  if (!forms.length) return;
  if (session.isUnlocked()) unlocked();
  else offerUnlock();
}

addEventListener("alongside:unlock", unlocked);
addEventListener("alongside:lock", locked);
addEventListener("alongside:leave", saveAll);
addEventListener("pagehide", saveAll);
document.addEventListener("visibilitychange", () => document.hidden && saveAll());
