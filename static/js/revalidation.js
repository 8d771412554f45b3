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
const accounts = () => get("accounts") || [];
const nth = (id) => `Reflective account ${accounts().findIndex((a) => a.id === id) + 1}`;
const flush = () => { const waits = []; dispatchEvent(new CustomEvent("alongside:flush", { detail: { waits } })); return Promise.allSettled(waits); };
const labelOf = (field) => $("label, legend", field).textContent;
let off, root, dates;

function setKind(kind) {
  kind = root.dataset.kind = kind === "generic" ? kind : "nmc";
  for (const label of all("[data-generic]")) {
    label.dataset.nmc ??= label.textContent;
    label.textContent = label.dataset[kind];
  }
  $(`#kind-${kind}`).checked = true;
}

/** One section per account, in the worker's order, made from the template and given to journal.js. */
async function showAccounts(answers) {
  const list = accounts();
  all("#accounts > *").forEach((s) => list.some((a) => a.id === s.dataset.id) || s.remove());
  for (const { id, from = [] } of list) {
    let section = $(`#accounts > [data-id="${id}"]`);
    if (!section) {
      section = $("#account").content.firstElementChild.cloneNode(true);
      section.dataset.id = id;
      for (const el of [section, ...all("*", section)]) for (const at of el.attributes) at.value = at.value.replaceAll("ID", id);
      const draw = $("details", section);
      draw.hidden = !from.length;
      $("summary", draw).textContent = `Your answers to activity ${from.join(", ")}, to draw on. Copy nothing that names anyone.`;
      $("#accounts").append(section); // in place before the answers come: a second call finds it
      const srcs = [...new Set(from.map((a) => $(`[data-pick="${a}"]`)?.dataset.src))].filter(Boolean);
      for (const article of await articles(srcs, answers, (a) => from.includes(a))) {
        article.firstChild.replaceWith(make("h4", article.firstChild.textContent)); // under the account's heading
        $("div", draw).append(article);
      }
    }
    $("#accounts").append(section);
    $("h3", section).textContent = nth(id);
  }
  setKind(get("kind"));
  journal.mount();
}

/** The tick lists this module saves: accounts talked about, and summaries sent beforehand (Share's outbox
 * keeps their ids and times; their text stays in the journal). */
async function showPicked() {
  const chosen = get("talk.summaries") || [];
  const sent = (await outboxAll().catch(() => [])).filter((i) => i.status === "sent").map((i) => ({ id: i.id, sent: i.sentAt || i.createdAt || i.created }));
  const options = {
    accounts: accounts().map(({ id }) => ({ id, text: nth(id), on: (get("talk.accounts") || []).includes(id) })),
    summaries: [...sent, ...chosen.filter((c) => !sent.some((s) => s.id === c.id))].map((s) => ({ ...s, on: chosen.some((c) => c.id === s.id),
      text: [`Sent ${day(s.sent)}, ref ${s.id.slice(0, 8)}`, session.answer("__share", s.id)?.value?.text?.slice(0, 80)].filter(Boolean).join(": ") })),
  };
  for (const box of all("[data-picked]")) {
    const items = options[box.dataset.picked];
    $("[data-none]", box).hidden = items.length > 0;
    $("div", box).replaceChildren(...items.map((item, i) => {
      const input = Object.assign(make("input", ""), { type: "checkbox", id: `t-${box.dataset.picked}-${i}`, value: item.id, checked: item.on });
      input.dataset.sent = item.sent ?? "";
      return Object.assign(make("div", "", input, Object.assign(make("label", item.text), { htmlFor: input.id })), { className: "choice" });
    }));
  }
}

async function savePicked(box) {
  const ticked = all(":checked", box);
  const status = $("[data-save-status]", box.form);
  try {
    await put(`talk.${box.dataset.picked}`, ticked.map((c) => (c.dataset.sent ? { id: c.value, sent: c.dataset.sent } : c.value)));
    status.textContent = "Saved";
  } catch (error) {
    status.textContent = error.message;
  }
}

const evidence = () => all("[data-pick]").filter((p) => session.answer(p.dataset.pick, "__status")?.value === "done")
  .map((p) => p.textContent).join("; ");

async function show() {
  if (!session.isUnlocked()) return;
  root.hidden = false;
  const mine = (await session.loadAnswers()).filter((a) => a.activity[0] !== "_" && !session.isEmpty(a.value));
  for (const pick of all("[data-pick]")) pick.hidden = !mine.some((a) => a.activity === pick.dataset.pick);
  $("[data-no-picks]").hidden = mine.length > 0;
  const times = mine.map((a) => a.updated).sort();
  dates = times.length && [times[0], times[times.length - 1]];
  $("[data-dates]").hidden = !dates;
  if (dates) $("[data-dates] span").textContent = `${day(dates[0])} and ${day(dates[1])}`;
  $("[data-evidence]").textContent = evidence() || "None yet: mark an activity done at its end.";
  $("#people").replaceChildren(...[session.answer("__share", "pairing")?.value?.supervisorName].filter(Boolean).map((n) => make("option", n)));
  await showAccounts(await answerMap());
  await showPicked();
}

function hide() {
  root.hidden = $("#reval-check").hidden = true;
  all("#accounts > *, [data-picked] .choice, #people > *").forEach((el) => el.remove()); // nothing decrypted stays
}

/** Hours must be numbers, and those spent with others no more than all of them: [[input, message]]. */
function hoursProblems() {
  const [total, part] = all("[data-hours]");
  const n = (el) => +el.value.replace(",", ".");
  const found = [total, part].filter((el) => el.value.trim() && !/^\s*\d{1,4}([.,]\d{1,2})?\s*$/.test(el.value))
    .map((el) => [el, "Write a number of hours, like 6 or 7.5."]);
  if (!found.length && n(part) > n(total) && total.value.trim()) found.push([part, "This is more than the hours spent in all."]);
  for (const el of [total, part]) el.nextElementSibling.textContent = found.find(([e]) => e === el)?.[1] ?? "";
  return found;
}

/** Before printing: likely identifiers in anything the worker wrote (the discussion names the registrant, as it
 * must), and hours that are not numbers. Each names its field; as on Share, the worker may go on. */
async function check() {
  await flush();
  const where = (el) => `${el.closest(".account")?.querySelector("h3").textContent ?? "CPD record"}, “${labelOf(el.closest(".field"))}”`;
  const found = hoursProblems().map(([el, text]) => [el, `${where(el)}: ${text}`]);
  for (const el of all("#reval form:not([aria-labelledby=h-talk]) :is(textarea, [type=text]:not([data-hours]))")) {
    for (const f of findIdentifiers(el.value)) found.push([el, `${where(el)}: “${f.text}”. ${f.why}`]);
  }
  const box = $("#reval-check");
  box.hidden = !found.length;
  if (!found.length) return printNow();
  $("ul", box).replaceChildren(...found.map(([el, text]) => make("li", "", Object.assign(make("a", text),
    { href: `#${el.id}`, onclick: (event) => { event.preventDefault(); el.focus(); } }))));
  $("h3", box).focus();
}

/** The printout in the order of the NMC's forms: the CPD log row, a page per account, the discussion. */
function printNow() {
  $("#reval-check").hidden = true;
  const generic = root.dataset.kind === "generic";
  const rows = (form) => all(".field[data-field]", form).filter((f) => !(generic && f.matches(".nmc-only")))
    .map((f) => [labelOf(f), get(f.dataset.field)]);
  const sheet = (title, pairs, table) => make("section", "", make("h2", title), table
    ? make("table", "", make("tbody", "", ...pairs.map(([k, v]) => make("tr", "", Object.assign(make("th", k), { scope: "row" }), make("td", v)))))
    : make("dl", "", ...pairs.flatMap(([k, v]) => [make("dt", k), make("dd", v)])));
  const text = (pairs) => pairs.map(([k, v]) => [k, (typeof v === "string" && /^\d{4}-\d\d-\d\d$/.test(v) ? [day(v)] : lines(v)).join("\n") || "—"]);
  const ids = new Set(accounts().map((a) => a.id));
  $("#reval-print").replaceChildren(make("h1", generic ? "CPD record" : "Revalidation records"),
    make("p", `Realising Recovery, Module 2, from Alongside. Printed ${day(Date.now())}. Keep it private.`),
    sheet(generic ? "CPD log" : "CPD log (NMC)", text([...rows($("[aria-labelledby=h-cpd]")), [$("#h-evidence").textContent, evidence()]]), true),
    ...all("#accounts form").map((form) => sheet(nth(form.closest("[data-id]").dataset.id), text(rows(form)))),
    sheet("Reflective discussion", text([...rows($("[aria-labelledby=h-talk]")),
      [labelOf($("[data-picked=accounts]")), (get("talk.accounts") || []).filter((id) => ids.has(id)).map(nth)],
      [labelOf($("[data-picked=summaries]")), (get("talk.summaries") || []).map((s) => `Sent ${day(s.sent)} (ref ${s.id.slice(0, 8)})`)]])));
  all("#reval-print section").slice(1).forEach((s) => s.classList.add("reval-page"));
  print();
}

async function startAccount(event) {
  event.preventDefault();
  const id = Math.random().toString(36).slice(2, 10); // a local name for the account (Safari 15.0 lacks randomUUID)
  const error = $("#new-account .form-error");
  try {
    await put("accounts", [...accounts(), { id, from: all("#new-account :checked").map((c) => c.value) }]);
  } catch (failure) {
    error.textContent = failure.message;
    return;
  }
  error.textContent = "";
  $("#new-account").reset();
  await show();
  $(`[data-id="${id}"] h3`).focus();
}

async function remove(section, yes) {
  $("[data-confirm]", section).hidden = yes !== undefined;
  if (!yes) return;
  const { id } = section.dataset;
  section.remove();
  await flush(); // what was typed is saved first, then overwritten with nothing
  await put("accounts", accounts().filter((a) => a.id !== id));
  await Promise.all(["nature", "learned", "changed", "themes", "code"].map((f) => put(`account.${id}.${f}`, null)));
  await show();
  $("#h-accounts").focus();
}

function onClick({ target: t }) {
  const section = t.closest(".account");
  if (t.matches("[data-delete]")) remove(section);
  else if (t.matches("[data-yes], [data-no]")) remove(section, t.matches("[data-yes]"));
  else if (t.id === "reval-print-now") check();
  else if (t.matches("[data-anyway]")) printNow();
  else if (t.matches("[data-use-dates]")) {
    all("[type=date]", t.form).slice(0, 2).forEach((el, i) => {
      el.value = new Date(dates[i]).toLocaleDateString("en-CA"); // YYYY-MM-DD
      el.dispatchEvent(new Event("input", { bubbles: true }));
    });
  }
}

export function mount() {
  off = new AbortController();
  const { signal } = off;
  root = $("#reval");
  root.addEventListener("click", onClick, { signal });
  root.addEventListener("input", ({ target }) => target.matches("[data-hours]") && hoursProblems(), { signal });
  root.addEventListener("change", ({ target }) => {
    if (target.name === "kind") setKind(target.value);
    if (target.closest("[data-picked]")) savePicked(target.closest("[data-picked]"));
  }, { signal });
  $("#new-account").addEventListener("submit", startAccount, { signal });
  addEventListener("alongside:unlock", show, { signal });
  addEventListener("alongside:lock", hide, { signal });
  addEventListener("alongside:changed", ({ detail: d }) => d.activity === ACT && /^(kind|accounts|talk\.\w+s)$/.test(d.field) && show(), { signal });
  addEventListener("afterprint", () => $("#reval-print").replaceChildren(), { signal });
  journal.mount();
  return show();
}

export async function unmount() {
  off.abort();
  await journal.unmount();
}
