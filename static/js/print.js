// /print: the answers under their activities and questions, in module order. Titles and labels come
// from the section pages (precached, so this works offline); answers go in with textContent only.
import * as session from "./session.js";

const body = document.getElementById("print");
function make(tag, text, ...children) {
  const el = document.createElement(tag);
  el.textContent = text;
  el.append(...children);
  return el;
}
let runs = 0;

/** An answer as lines of text; pwa/backup.py renders the same way. */
export function lines(value, max) {
  if (value == null || value === "" || value === false) return [];
  if (typeof value === "number") return [max ? `${value} / ${max}` : `${value}`];
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap((v) => (v?.from !== undefined ? (v.from || v.to ? [`${v.from} → ${v.to}`] : []) : lines(v)));
  if ("strokes" in value) return [`${value.alt || ""} (drawing not included)`.trim()];
  return [JSON.stringify(value)];
}

async function fill() {
  const run = ++runs;
  body.querySelectorAll("article").forEach((a) => a.remove());
  body.hidden = !session.isUnlocked();
  if (body.hidden) return;
  const answers = new Map((await session.loadAnswers()).map((a) => [`${a.activity}|${a.field}`, a.value]));
  for (const part of body.querySelectorAll("[data-src]")) {
    const page = new DOMParser().parseFromString(await (await fetch(part.dataset.src)).text(), "text/html");
    if (run !== runs) return;
    for (const form of page.querySelectorAll("form[data-activity]")) {
      const id = form.dataset.activity;
      const list = make("dl", "");
      if (answers.get(`${id}|__status`)) list.append(make("dt", "Progress"), make("dd", "Marked done"));
      for (const field of form.querySelectorAll(".field[data-field]")) {
        const value = answers.get(`${id}|${field.dataset.field}`);
        const text = lines(value, field.dataset.max);
        if (!text.length) continue;
        list.append(make("dt", field.querySelector("label, legend").textContent),
          Array.isArray(value) ? make("dd", "", make("ul", "", ...text.map((t) => make("li", t)))) : make("dd", text[0]));
      }
      if (!list.children.length) continue;
      part.append(make("article", "", make("h3", form.closest(".activity").querySelector("h2").textContent.replace(/\s+/g, " ").replace(/^(Activity [\d.]+) /, "$1: ")), list));
    }
    part.hidden = !part.querySelector("article");
  }
  document.getElementById("print-empty").textContent = body.querySelector("article") ? "" : "You have not written anything yet.";
}
addEventListener("alongside:unlock", fill);
addEventListener("alongside:lock", fill);
document.getElementById("print-now").onclick = () => print();
