// /support: the three people named in activity 2.0 (while unlocked) and a one-minute breather.
import * as session from "./session.js";

const $ = (id) => document.getElementById(id);

async function showPeople() {
  const open = session.isUnlocked();
  const answer = open && (await session.loadAnswers()).find((a) => a.activity === "2.0" && a.field === "people");
  const names = [].concat(answer?.value ?? []).filter((n) => n?.trim?.());
  $("people").replaceChildren(...names.map((n) => Object.assign(document.createElement("li"), { textContent: n })));
  $("no-people").hidden = !open || names.length > 0;
}
addEventListener("alongside:unlock", showPeople);
addEventListener("alongside:lock", showPeople);

// Paced breathing, six times 4 s in and 6 s out. The circle is CSS, shown only without reduced motion.
let timer = null;
$("breathe").onclick = ({ target }) => {
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
};
