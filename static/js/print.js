// The print page: fill the server-rendered slots with the answers (textContent only) while unlocked.
import * as session from "./session.js";

const body = document.getElementById("print");
const slots = () => body.querySelectorAll("[data-field]");

/** An answer as lines of text (the Python backup decrypter renders the same way). */
export function lines(value, max) {
  if (value == null || value === "" || value === false) return [];
  if (typeof value === "number") return [max ? `${value} / ${max}` : String(value)];
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap((v) => (v && typeof v === "object" && "from" in v
    ? (v.from || v.to ? [`${v.from} → ${v.to}`] : []) : lines(v)));
  if ("strokes" in value || "alt" in value) return [`${value.alt || ""} (drawing not included)`.trim()];
  return [JSON.stringify(value)];
}

async function fill() {
  slots().forEach((slot) => { slot.hidden = true; slot.querySelector("dd").replaceChildren(); });
  body.hidden = !session.isUnlocked();
  if (body.hidden) return;
  for (const a of await session.loadAnswers()) {
    const slot = body.querySelector(`[data-activity="${CSS.escape(a.activity)}"] [data-field="${CSS.escape(a.field)}"]`);
    const text = a.field === "__status" ? (a.value ? ["Marked done"] : []) : lines(a.value, slot?.dataset.max);
    if (!slot || !text.length) continue;
    const dd = slot.querySelector("dd");
    if (Array.isArray(a.value)) {
      const list = document.createElement("ul");
      list.append(...text.map((t) => Object.assign(document.createElement("li"), { textContent: t })));
      dd.replaceChildren(list);
    } else dd.textContent = text[0];
    slot.hidden = false;
  }
  body.querySelectorAll(".print-activity, .print-section").forEach((el) => {
    el.hidden = !el.querySelector("[data-field]:not([hidden])");
  });
  document.getElementById("print-empty").hidden = Boolean(body.querySelector("[data-field]:not([hidden])"));
}
addEventListener("alongside:unlock", fill);
addEventListener("alongside:lock", fill);
document.getElementById("print-now").onclick = () => print();
