// /support: the three people named in activity 2.0 (while unlocked) and a one-minute breather.
import * as session from "./session.js";

const $ = (id) => document.getElementById(id);
let off = null;
let timer = null;

async function showPeople() {
  const open = session.isUnlocked();
  const answer = open && (await session.loadAnswers()).find((a) => a.activity === "2.0" && a.field === "people");
  if (!off || off.signal.aborted) return; // left the page meanwhile
  const names = [].concat(answer?.value ?? []).filter((n) => n?.trim?.());
  $("people").replaceChildren(...names.map((n) => Object.assign(document.createElement("li"), { textContent: n })));
  $("no-people").hidden = !open || names.length > 0;
}

// Paced breathing, six times 4 s in and 6 s out. The circle is CSS, shown only without reduced motion.
function breathe({ target }) {
  const [cue, count, circle] = [$("cue"), $("count"), $("circle")];
  let second = 0;
  const stop = (text = "") => {
    clearInterval(timer);
    timer = null;
    circle.className = "breath-circle";
    count.textContent = "";
    cue.textContent = text;
    target.textContent = "Start one minute";
  };
  if (timer) return stop();
  const tick = () => {
    if (second === 60) return stop("That was one minute. Take your time before you go back.");
    const t = second++ % 10;
    const phase = t < 4 ? "in" : "out";
    if (t % 4 === 0) cue.textContent = `Breathe ${phase}`;
    circle.className = `breath-circle ${phase}`;
    count.textContent = t < 4 ? 4 - t : 10 - t;
  };
  target.textContent = "Stop";
  tick();
  timer = setInterval(tick, 1000);
}

export function mount() {
  off = new AbortController();
  addEventListener("alongside:unlock", showPeople, { signal: off.signal });
  addEventListener("alongside:lock", showPeople, { signal: off.signal });
  $("breathe").addEventListener("click", breathe, { signal: off.signal });
  return showPeople();
}

export function unmount() {
  off.abort();
  clearInterval(timer);
  timer = null;
}
