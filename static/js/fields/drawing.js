// A drawing (finger, pen or mouse) plus its text alternative -> {strokes, alt}.
// A stroke is a flat [x0, y0, x1, y1, ...] list in 0..1 of the canvas (3 decimals), so it redraws at
// any size. The canvas is an image to assistive technology; the textarea is the accessible answer.
const unit = (n) => Math.round(Math.min(1, Math.max(0, n)) * 1000) / 1000;

export function mount(field) {
  const pad = field.querySelector("[data-drawing-pad]");
  const alt = field.querySelector("textarea");
  const canvas = document.createElement("canvas");
  const pen = canvas.getContext("2d");
  const tools = document.createElement("div");
  let strokes = [];
  let cleared = []; // what Clear took away, so Undo can bring it back
  let current = null;

  canvas.setAttribute("role", "img");
  canvas.setAttribute("aria-label", `Drawing area: ${field.querySelector("legend").textContent.trim()}. `
    + "You can describe it in words below instead.");
  tools.className = "drawing-tools";
  const undo = () => { if (strokes.length) strokes.pop(); else [strokes, cleared] = [cleared, []]; };
  for (const [label, act] of [["Undo", undo], ["Clear drawing", () => { [cleared, strokes] = [strokes, []]; }]]) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "secondary";
    button.textContent = label;
    button.addEventListener("click", () => { if (strokes.length || cleared.length) { act(); changed(); } });
    tools.append(button);
  }
  pad.append(canvas, tools);
  pad.hidden = false;

  function line(points) {
    const { width, height } = canvas;
    pen.lineWidth = 3 * devicePixelRatio;
    pen.lineCap = pen.lineJoin = "round";
    pen.strokeStyle = "#1f2528";
    pen.beginPath();
    pen.moveTo(points[0] * width, points[1] * height);
    for (let i = 0; i < points.length; i += 2) pen.lineTo(points[i] * width, points[i + 1] * height);
    pen.stroke();
  }
  function draw() {
    pen.clearRect(0, 0, canvas.width, canvas.height);
    strokes.forEach(line);
    pad.dataset.strokes = strokes.length;
  }
  function changed() {
    draw();
    field.dispatchEvent(new Event("input", { bubbles: true }));
  }
  function at(event) {
    const box = canvas.getBoundingClientRect();
    return [unit((event.clientX - box.left) / box.width), unit((event.clientY - box.top) / box.height)];
  }

  new ResizeObserver(() => {
    canvas.width = Math.round(canvas.clientWidth * devicePixelRatio);
    canvas.height = Math.round(canvas.clientHeight * devicePixelRatio);
    draw();
  }).observe(canvas);
  canvas.addEventListener("pointerdown", (event) => {
    if (!event.isPrimary || field.matches(":disabled")) return;
    canvas.setPointerCapture(event.pointerId);
    current = at(event);
    current.push(...current);
    strokes.push(current);
    cleared = [];
    line(current);
  });
  canvas.addEventListener("pointermove", (event) => {
    if (!current) return;
    const [x, y] = at(event);
    if (x === current.at(-2) && y === current.at(-1)) return;
    current.push(x, y);
    line(current.slice(-4));
  });
  const end = () => { if (current) { current = null; changed(); } };
  canvas.addEventListener("pointerup", end);
  canvas.addEventListener("pointercancel", end);

  return {
    read: () => ({ strokes: strokes.map((s) => [...s]), alt: alt.value }),
    write(value) {
      strokes = (value?.strokes ?? []).map((s) => [...s]);
      cleared = [];
      alt.value = value?.alt ?? "";
      current = null;
      draw();
    },
    clear() { this.write(); },
  };
}
