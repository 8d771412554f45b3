// Service worker registration and the two messages a worker needs to see:
// "Ready to work offline" after the first install, "Update available" when a new version waits.
// Nothing reloads until the worker taps the button (no silent skipWaiting).

const CHECK_EVERY_MS = 30 * 60 * 1000;
const READ_FOR_MS = 10 * 1000;

/** Show a message in the status toast, with an optional button. */
export function showStatus(toast, text, action) {
  toast.replaceChildren();
  const message = document.createElement("span");
  message.textContent = text;
  toast.append(message);
  if (action) {
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = action.label;
    button.addEventListener("click", action.onClick);
    toast.append(button);
  }
  const close = document.createElement("button");
  close.type = "button";
  close.className = "secondary";
  close.setAttribute("aria-label", "Dismiss");
  close.textContent = "×";
  close.addEventListener("click", () => { toast.hidden = true; });
  toast.append(close);
  toast.hidden = false;
  toast.dataset.state = action ? "update" : "ready";
  clearTimeout(toast.timer);
  // A plain message goes by itself after a while, so it does not sit over the page; an offer stays.
  if (!action) toast.timer = setTimeout(() => { toast.hidden = true; }, READ_FOR_MS);
}

function offerUpdate(toast, worker) {
  showStatus(toast, "Update available", {
    label: "Reload",
    onClick() {
      // Another tab applied this update already: the worker is active and this page just needs reloading.
      if (worker.state !== "installed") return window.location.reload();
      navigator.serviceWorker.addEventListener("controllerchange", () => window.location.reload(), { once: true });
      worker.postMessage({ type: "SKIP_WAITING" });
    },
  });
}

function whenInstalled(worker) {
  return new Promise((resolve) => {
    if (worker.state === "installed" || worker.state === "activated") return resolve(worker);
    worker.addEventListener("statechange", () => {
      if (worker.state === "installed" || worker.state === "activated") resolve(worker);
    });
  });
}

/** Register /sw.js and keep the worker told about its offline copy. */
export async function watchServiceWorker(toast) {
  if (!("serviceWorker" in navigator) || !toast) {
    startApp();
    return null;
  }
  const firstInstall = !navigator.serviceWorker.controller;
  let registration;
  try {
    registration = await navigator.serviceWorker.register("/sw.js", { scope: "/", type: "module" });
  } catch (error) {
    registration = null;
  }
  if (!registration) {
    startApp();
    showStatus(toast, "This browser could not store the module for offline use. Reading still works online.");
    return null;
  }
  // The first visit: the worker takes the page once installed (clients.claim). A worker that is already
  // active without controlling the page (a hard reload) will not, and one that fails to install never does.
  if (!firstInstall || registration.active) startApp();
  else registration.installing?.addEventListener("statechange", (event) => {
    if (event.target.state === "redundant") startApp();
  });
  if (firstInstall) {
    navigator.serviceWorker.ready.then(() => {
      showStatus(toast, "Ready to work offline");
      performance.mark("alongside:offline-ready"); // when the worker was told: bench/first_load.py reads it
    });
  }
  if (registration.waiting && navigator.serviceWorker.controller) offerUpdate(toast, registration.waiting);
  registration.addEventListener("updatefound", async () => {
    const worker = await whenInstalled(registration.installing);
    if (navigator.serviceWorker.controller && registration.waiting === worker) offerUpdate(toast, worker);
  });
  const check = () => registration.update().catch(() => {});
  window.addEventListener("online", check);
  setInterval(check, CHECK_EVERY_MS);
  return registration;
}

const START_ANYWAY_MS = 10 * 1000;
let started = false;

/** Start the app (main.js and the page's modules), once. */
export function startApp() {
  if (started) return;
  started = true;
  const names = document.querySelector("script[data-modules]")?.dataset.modules.split(" ") ?? [];
  for (const name of names) { // fetched together, not one import level at a time
    const link = document.createElement("link");
    link.rel = "modulepreload";
    link.href = new URL(`./${name}.js`, import.meta.url).href;
    document.head.append(link);
  }
  import("./main.js");
}

// On the first visit the app's scripts wait for the service worker's install, which brings them with the
// pages (one compressed response instead of a dozen): the page is readable meanwhile and nothing is set
// up yet to unlock. Once installed, every page starts them at once, from the worker's copy.
if (!("serviceWorker" in navigator) || !window.isSecureContext || navigator.serviceWorker.controller) startApp();
else {
  navigator.serviceWorker.addEventListener("controllerchange", startApp, { once: true });
  setTimeout(startApp, START_ANYWAY_MS); // a slow line: start from the network rather than wait on
}
watchServiceWorker(document.getElementById("sw-status"));
