// The support page: the three people named in activity 2.0 (while unlocked) and a one-minute breather.
import * as session from "./session.js";

const $ = (id) => document.getElementById(id);

async function showPeople() {
  const answer = session.isUnlocked() && (await session.loadAnswers()).find((a) => a.activity === "2.0" && a.field === "people");
  const names = [].concat(answer?.value ?? []).filter((n) => typeof n === "string" && n.trim());
  $("people").replaceChildren(...names.map((n) => Object.assign(document.createElement("li"), { textContent: n })));
  $("people").hidden = !names.length;
  $("no-people").hidden = !session.isUnlocked() || names.length > 0;
}
addEventListener("alongside:unlock", showPeople);
addEventListener("alongside:lock", showPeople);

// Paced breathing: 4 s in, 6 s out, six times. The circle is CSS (only without reduced motion); text always.
let timer = null;
function breathe(button) {
  clearInterval(timer);
  const [cue, count, circle] = [$("cue"), $("count"), $("circle")];
  if (timer !== null) {
    timer = null;
    circle.className = "breath-circle";
    cue.textContent = count.textContent = "";
    button.textContent = "Start one minute";
    return;
  }
  let second = 0;
  const tick = () => {
    if (second === 60) {
      breathe(button);
      cue.textContent = "That was one minute. Take your time before you go back.";
      return;
    }
    const t = second++ % 10;
    const phase = t < 4 ? "in" : "out";
    if (t === 0 || t === 4) cue.textContent = `Breathe ${phase}`;
    circle.className = `breath-circle ${phase}`;
    count.textContent = t < 4 ? 4 - t : 10 - t;
  };
  button.textContent = "Stop";
  tick();
  timer = setInterval(tick, 1000);
}
$("breathe").onclick = (event) => breathe(event.target);
