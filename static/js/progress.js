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
  const link = Object.assign(document.createElement("a"), {
    href: item.querySelector("a").href, textContent: `Continue: ${item.querySelector("a").textContent.trim()}` });
  resume.replaceChildren(link);
  resume.hidden = false;
}

/** Show progress on the contents page (nav.js mounts it on show). */
export function mount() {
  badges = [...document.querySelectorAll("[data-progress-for]")];
  const resume = document.getElementById("resume");
  if (badges.length && session.isUnlocked()) showProgress();
  if (resume) showResume(resume).catch(() => {});
}

export function unmount() {
  badges = [];
}

addEventListener("alongside:unlock", () => badges.length && showProgress());
addEventListener("alongside:lock", hideProgress);
