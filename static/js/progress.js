// The contents page: each activity's progress while unlocked (as text), and "Continue" where the
// worker left off (a non-secret setting holding ids only, so it shows while locked too).
import * as session from "./session.js";

const { isEmpty } = session;

const LABELS = { new: "Not started", started: "In progress", done: "Done" };
let badges = [];

/** Return {activity id: "started" | "done"} from the journal's answers. */
export function progressOf(answers) {
  const state = {};
  for (const { activity, field, value } of answers) {
    if (field === "__status") { if (value === "done") state[activity] = "done"; } else if (!isEmpty(value)) state[activity] ??= "started";
  }
  return state;
}

async function showProgress() {
  const state = progressOf(await session.loadAnswers());
  badges.forEach((badge) => { badge.dataset.state = state[badge.dataset.progressFor] ?? "new"; badge.textContent = LABELS[badge.dataset.state]; });
}

function hideProgress() {
  badges.forEach((badge) => { badge.textContent = ""; delete badge.dataset.state; });
}

async function showResume(resume) {
  const spot = await session.getSetting("resume", null);
  const item = spot && document.querySelector(`li[data-activity="${CSS.escape(spot.activity)}"]`);
  if (!item) return;
  const title = item.closest(".section-item").querySelector(".section-link").lastChild.textContent.trim();
  const link = Object.assign(document.createElement("a"), {
    href: item.querySelector("a").href, textContent: `Continue: ${title} — Activity ${spot.activity}` });
  resume.replaceChildren(link);
  resume.hidden = false;
}

/** Show progress on the contents page (at load, and after softnav.js swaps it in). */
export function start() {
  badges = [...document.querySelectorAll("[data-progress-for]")];
  const resume = document.getElementById("resume");
  if (badges.length && session.isUnlocked()) showProgress();
  if (resume) showResume(resume).catch(() => {});
}

addEventListener("alongside:unlock", () => badges.length && showProgress());
addEventListener("alongside:lock", hideProgress);
