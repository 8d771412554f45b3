// /print: the answers under their activities and questions, in module order. Titles and labels come
// from the section pages (precached, so this works offline); answers go in with textContent only.
import * as session from "./session.js";

let body = null; // #print on the page on show
export function make(tag, text, ...children) {
  const el = document.createElement(tag);
  el.textContent = text;
  el.append(...children);
  return el;
}
let runs = 0;
let off = null;

/** An answer as lines of text; pwa/backup.py renders the same way. */
export function lines(value, max) {
  if (value == null || value === "" || value === false) return [];
  if (typeof value === "number") return [max ? `${value} / ${max}` : `${value}`];
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap((v) => (v?.from !== undefined ? (v.from || v.to ? [`${v.from} → ${v.to}`] : []) : lines(v)));
  if ("strokes" in value) return [`${value.alt || ""} (drawing not included)`.trim()];
  return [JSON.stringify(value)];
}

/** The answers to the activities on the pages `srcs` (precached, so this works offline), each an <article>
 * with its title and a list of questions and answers; only activities `keep(id)` wants. /revalidation uses it too. */
export async function articles(srcs, answers, keep = () => true) {
  const pages = await Promise.all(srcs.map(async (src) => (await fetch(src)).text()));
  const out = [];
  for (const form of pages.flatMap((html) => [...new DOMParser().parseFromString(html, "text/html").querySelectorAll("form[data-activity]")])) {
    const id = form.dataset.activity;
    if (!keep(id)) continue;
    const list = make("dl", "");
    if (answers.get(`${id}|__status`)) list.append(make("dt", "Progress"), make("dd", "Marked done"));
    for (const field of form.querySelectorAll(".field[data-field]")) {
      const value = answers.get(`${id}|${field.dataset.field}`);
      const text = lines(value, field.dataset.max);
      if (!text.length) continue;
      list.append(make("dt", field.querySelector("label, legend").textContent),
        Array.isArray(value) ? make("dd", "", make("ul", "", ...text.map((t) => make("li", t)))) : make("dd", text[0]));
    }
    if (list.children.length) out.push(make("article", "", make("h3", form.closest(".activity").querySelector("h2").textContent.replace(/\s+/g, " ").replace(/^(Activity [\d.]+) /, "$1: ")), list));
  }
  return out;
}

/** Every answer by "activity|field". */
export const answerMap = async () => new Map((await session.loadAnswers()).map((a) => [`${a.activity}|${a.field}`, a.value]));

async function fill() {
  const run = ++runs;
  body.querySelectorAll("article").forEach((a) => a.remove());
  body.hidden = !session.isUnlocked();
  if (body.hidden) return;
  const answers = await answerMap();
  for (const part of body.querySelectorAll("[data-src]")) {
    const found = await articles(part.dataset.src.trim().split(/\s+/), answers);
    if (run !== runs) return;
    part.append(...found);
    part.hidden = !found.length;
  }
  document.getElementById("print-empty").textContent = body.querySelector("article") ? "" : "You have not written anything yet.";
}
export function mount() {
  off = new AbortController();
  body = document.getElementById("print");
  addEventListener("alongside:unlock", fill, { signal: off.signal });
  addEventListener("alongside:lock", fill, { signal: off.signal });
  document.getElementById("print-now").addEventListener("click", () => print(), { signal: off.signal });
  return fill();
}

export function unmount() {
  off.abort();
  runs++; // a fill still fetching pages stops
}
