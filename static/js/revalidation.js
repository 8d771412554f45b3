// /revalidation: a CPD record, reflective accounts and a reflective discussion, kept in the journal under
// __revalidation (fields: pwa/revalidation.py). The forms are journal forms, so journal.js saves them as
// they are typed, on leaving and before a lock, and offers a choice when another window changed one. This
// adds the accounts, suggestions, the summaries sent, the de-identification check and the printout.
import * as session from "./session.js";
import * as journal from "./journal.js";
import { findIdentifiers } from "./deidentify.js";
import { answerMap, articles, lines, make } from "./print.js";
import { outboxAll } from "./store.js";

const ACT = "__revalidation";
const $ = (s, el = document) => el.querySelector(s);
const all = (s, el = document) => [...el.querySelectorAll(s)];
const get = (field) => session.answer(ACT, field)?.value;
const put = (field, value) => session.saveAnswer({ activity: ACT, field, value });
const day = (d) => new Date(d).toLocaleDateString("en-GB", { dateStyle: "medium" });
const hhmm = () => new Date().toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
const numbered = () => new Map((get("accounts") || []).map((a, i) => [a.id, i + 1]));
const flush = async () => { const waits = []; dispatchEvent(new CustomEvent("alongside:flush", { detail: { waits } })); await Promise.allSettled(waits); };
let off = null;
let root = null;
let dates = null;

function setKind(kind) {
  root.dataset.kind = kind === "generic" ? "generic" : "nmc";
  for (const label of all("[data-generic]")) {
    label.dataset.nmc ??= label.textContent;
    label.textContent = label.dataset[kind === "generic" ? "generic" : "nmc"];
  }
  if (!all("[name=kind]").some((r) => r.checked)) $("#kind-nmc").checked = true;
}

/** One section per account, in the worker's order; each new one made from the template and given to journal.js. */
async function showAccounts(answers) {
  const list = get("accounts") || [];
  all("#accounts > .account").forEach((s) => list.some((a) => a.id === s.dataset.id) || s.remove());
  for (const [i, a] of list.entries()) {
    let section = $(`#accounts > [data-id="${CSS.escape(a.id)}"]`);
    if (!section) {
      section = $("#account").content.firstElementChild.cloneNode(true);
      section.dataset.id = a.id;
      for (const el of [section, ...all("*", section)]) {
        for (const at of el.attributes) if (at.value.includes("ID")) at.value = at.value.replaceAll("ID", a.id);
      }
      const ids = a.from || [];
      const draw = $(".draw-on", section);
      draw.hidden = !ids.length;
      $("summary", draw).textContent = `Your answers to ${ids.map((id) => `activity ${id}`).join(", ")}, to draw on. Copy nothing that names anyone.`;
      $("#accounts").append(section); // in place before the answers are fetched: a second call finds it
      const srcs = [...new Set(ids.map((id) => $(`[data-pick="${CSS.escape(id)}"]`)?.dataset.src).filter(Boolean))];
      $("div", draw).append(...(await articles(srcs, answers, (id) => ids.includes(id))));
      all("h3", draw).forEach((h) => h.replaceWith(make("h4", h.textContent))); // under the account's heading
    }
    $("#accounts").append(section);
    $("h3", section).textContent = `Reflective account ${i + 1}`;
  }
  setKind(get("kind"));
  journal.mount();
}

/** Tick lists saved by this module: the accounts talked about, and the summaries sent beforehand. */
async function showPicked() {
  const notes = new Map([...numbered()].map(([id, n]) => [id, `Reflective account ${n}`]));
  const sent = (await outboxAll().catch(() => [])).filter((i) => i.status === "sent")
    .map((i) => ({ id: i.id, sent: i.sentAt || i.created || i.createdAt }));
  const chosen = get("talk.summaries") || [];
  const summaries = [...sent, ...chosen.filter((c) => !sent.some((s) => s.id === c.id))];
  const options = {
    accounts: [...notes].map(([id, text]) => ({ id, text, on: (get("talk.accounts") || []).includes(id) })),
    summaries: summaries.map((s) => ({ id: s.id, sent: s.sent, on: chosen.some((c) => c.id === s.id),
      text: [`Sent ${day(s.sent)}, ref ${s.id.slice(0, 8)}`, session.answer("__share", s.id)?.value?.text?.slice(0, 80)].filter(Boolean).join(": ") })),
  };
  for (const box of all("[data-picked]")) {
    const items = options[box.dataset.picked];
    $("[data-none]", box).hidden = items.length > 0;
    $(".choices", box).replaceChildren(...items.map((item, i) => {
      const input = make("input", "");
      Object.assign(input, { type: "checkbox", id: `t-${box.dataset.picked}-${i}`, value: item.id, checked: item.on });
      input.dataset.sent = item.sent ?? "";
      const label = make("label", item.text);
      label.htmlFor = input.id;
      return make("div", "", input, label);
    }));
    all(".choices > div", box).forEach((d) => { d.className = "choice"; });
  }
}

async function savePicked(box) {
  const checked = all("input:checked", box);
  const value = box.dataset.picked === "accounts" ? checked.map((c) => c.value) : checked.map((c) => ({ id: c.value, sent: c.dataset.sent }));
  const status = $("[data-save-status]", box.closest("form"));
  try {
    await put(`talk.${box.dataset.picked}`, value);
    status.textContent = `Saved at ${hhmm()}`;
  } catch (error) {
    status.textContent = error.message;
  }
}

async function show() {
  if (!session.isUnlocked()) return;
  root.hidden = false;
  const answers = await answerMap();
  const mine = (await session.loadAnswers()).filter((a) => !a.activity.startsWith("__") && !session.isEmpty(a.value));
  for (const pick of all("[data-pick]")) pick.hidden = !mine.some((a) => a.activity === pick.dataset.pick);
  $("[data-no-picks]").hidden = mine.length > 0;
  const times = mine.map((a) => a.updated).filter(Boolean).sort();
  dates = times.length ? [times[0], times.at(-1)] : null;
  $("[data-dates]").hidden = !dates;
  if (dates) $("[data-dates] span").textContent = `${day(dates[0])} to ${day(dates[1])}`;
  $("[data-evidence]").textContent = evidence() || "None yet: mark an activity done at its end.";
  const who = session.answer("__share", "pairing")?.value?.supervisorName;
  $("#people").replaceChildren(...(who ? [make("option", who)] : []));
  await showAccounts(answers);
  await showPicked();
}

const evidence = () => all("[data-pick]").filter((p) => session.answer(p.dataset.pick, "__status")?.value === "done")
  .map((p) => $("label", p).textContent).join("; ");

function hide() {
  root.hidden = true;
  all("#accounts > .account").forEach((s) => s.remove());
  all("[data-picked] .choices, #people").forEach((el) => el.replaceChildren());
  $("#reval-check").hidden = true;
}

/** Hours as a number of hours, participatory no more than the total: [{el, text}] for each that is not. */
function hoursProblems() {
  const [total, part] = all("[data-hours]");
  const n = (el) => Number(el.value.trim().replace(",", "."));
  const problems = [total, part].filter((el) => el.value.trim() && !/^\d{1,4}([.,]\d{1,2})?$/.test(el.value.trim()))
    .map((el) => ({ el, text: "Write a number of hours, like 6 or 7.5." }));
  if (!problems.length && part.value.trim() && total.value.trim() && n(part) > n(total)) problems.push({ el: part, text: "This is more than the hours spent in all." });
  for (const el of [total, part]) el.parentElement.querySelector(".form-error").textContent = problems.find((p) => p.el === el)?.text ?? "";
  return problems;
}

const labelOf = (field) => $("label, legend", field).textContent;
const whereOf = (el) => el.closest(".account")?.querySelector("h3").textContent ?? "CPD record";

/** What stops the printout: likely identifiers in any text the worker wrote, and hours that are not numbers. */
function problems() {
  const found = hoursProblems().map(({ el, text }) => ({ el, text: `${whereOf(el)}, “${labelOf(el.parentElement)}”: ${text}` }));
  for (const el of all("#reval form:not([aria-labelledby=h-talk]) .field textarea, #reval form:not([aria-labelledby=h-talk]) .field input[type=text]:not([data-hours])")) {
    for (const f of findIdentifiers(el.value)) found.push({ el, text: `${whereOf(el)}, “${labelOf(el.closest(".field"))}”: “${f.text}”. ${f.why}` });
  }
  return found;
}

async function check() {
  await flush();
  const found = problems();
  const box = $("#reval-check");
  box.hidden = !found.length;
  if (!found.length) return printNow();
  $("ul", box).replaceChildren(...found.map(({ el, text }) => {
    const link = make("a", text);
    link.href = `#${el.id}`;
    link.onclick = (event) => { event.preventDefault(); el.focus(); };
    return make("li", "", link);
  }));
  $("#reval-check-h").focus();
}

/** The printout, in the order of the NMC's forms: the CPD log row, a page per account, the discussion. */
function printNow() {
  $("#reval-check").hidden = true;
  const kind = root.dataset.kind;
  const rows = (form) => all(".field[data-field]", form).filter((f) => !(kind === "generic" && f.matches(".nmc-only")))
    .map((f) => [labelOf(f), answerLines(get(f.dataset.field))]);
  const dl = (pairs) => make("dl", "", ...pairs.flatMap(([k, v]) => [make("dt", k), make("dd", v.join("\n") || "—")]));
  const sheet = (title, ...body) => make("section", "", make("h2", title), ...body);
  const cpd = $("form[aria-labelledby=h-cpd]");
  const log = rows(cpd).concat([[$("#h-evidence").textContent, [evidence()].filter(Boolean)]]);
  const out = [make("h1", kind === "generic" ? "CPD record" : "Revalidation records"),
    make("p", `Realising Recovery, Module 2, from Alongside. Printed ${day(Date.now())}. Keep it private.`),
    sheet(kind === "generic" ? "CPD log" : "CPD log (NMC)", make("table", "", make("tbody", "", ...log.map(([k, v]) => {
      const th = make("th", k);
      th.scope = "row";
      return make("tr", "", th, make("td", v.join("\n") || "—"));
    }))))];
  const n = numbered();
  for (const section of all("#accounts > .account")) {
    out.push(sheet(`Reflective account ${n.get(section.dataset.id)}`, dl(rows($("form", section)))));
  }
  const talk = $("form[aria-labelledby=h-talk]");
  const picked = [[labelOf($("[data-picked=accounts]")), (get("talk.accounts") || []).filter((id) => n.has(id)).map((id) => `Reflective account ${n.get(id)}`)],
    [labelOf($("[data-picked=summaries]")), (get("talk.summaries") || []).map((s) => `Sent ${day(s.sent)} (ref ${s.id.slice(0, 8)})`)]];
  out.push(sheet("Reflective discussion", dl(rows(talk).concat(picked))));
  out.slice(3).forEach((s) => s.classList.add("reval-page"));
  $("#reval-print").replaceChildren(...out);
  print();
}

/** Dates as the worker reads them; every other answer as print.js and backup.py write it. */
const answerLines = (value) => (typeof value === "string" && /^\d{4}-\d\d-\d\d$/.test(value) ? [day(value)] : lines(value));

async function startAccount(event) {
  event.preventDefault();
  const from = all("#new-account input:checked").map((c) => c.value);
  const id = crypto.randomUUID().slice(0, 8);
  const error = $("#new-account .form-error");
  error.textContent = "";
  try {
    await put("accounts", [...(get("accounts") || []), { id, from }]);
  } catch (failure) {
    error.textContent = failure.message;
    return;
  }
  all("#new-account input").forEach((c) => { c.checked = false; });
  await showAccounts(await answerMap());
  await showPicked();
  $(`[data-id="${id}"] h3`).focus();
}

async function remove(section, yes) {
  $("[data-confirm]", section).hidden = yes !== undefined;
  if (!yes) return;
  const id = section.dataset.id;
  section.remove();
  await flush(); // what was typed is saved first, then overwritten with nothing
  await put("accounts", (get("accounts") || []).filter((a) => a.id !== id));
  await Promise.all(["nature", "learned", "changed", "themes", "code"].map((f) => put(`account.${id}.${f}`, null)));
  await show();
  $("#h-accounts").focus();
}

function onClick({ target }) {
  const section = target.closest(".account");
  if (target.matches("[data-delete]")) remove(section);
  else if (target.matches("[data-yes], [data-no]")) remove(section, target.matches("[data-yes]"));
  else if (target.id === "reval-print-now") check();
  else if (target.matches("[data-anyway]")) printNow();
  else if (target.matches("[data-use-dates]")) {
    all("[data-field^='cpd.'] input[type=date]").forEach((el, i) => {
      el.value = new Date(dates[i]).toLocaleDateString("en-CA");
      el.dispatchEvent(new Event("input", { bubbles: true }));
      el.dispatchEvent(new Event("change", { bubbles: true }));
    });
  }
}

export async function mount() {
  off = new AbortController();
  const { signal } = off;
  root = $("#reval");
  root.addEventListener("click", onClick, { signal });
  root.addEventListener("input", ({ target }) => target.matches("[data-hours]") && hoursProblems(), { signal });
  root.addEventListener("change", ({ target }) => {
    if (target.name === "kind") setKind(target.value);
    const box = target.closest("[data-picked]");
    if (box) savePicked(box);
  }, { signal });
  $("#new-account").addEventListener("submit", startAccount, { signal });
  addEventListener("alongside:unlock", show, { signal });
  addEventListener("alongside:lock", hide, { signal });
  addEventListener("alongside:changed", ({ detail }) => detail.activity === ACT && /^(kind|accounts|talk\.accounts|talk\.summaries)$/.test(detail.field) && show(), { signal });
  addEventListener("afterprint", () => $("#reval-print").replaceChildren(), { signal });
  journal.mount();
  return show();
}

export async function unmount() {
  off.abort();
  await journal.unmount();
}
