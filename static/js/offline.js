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
  if (!("serviceWorker" in navigator) || !toast) return null;
  const firstInstall = !navigator.serviceWorker.controller;
  let registration;
  try {
    registration = await navigator.serviceWorker.register("/sw.js", { scope: "/", type: "module" });
  } catch (error) {
    registration = null;
  }
  if (!registration) {
    showStatus(toast, "This browser could not store the module for offline use. Reading still works online.");
    return null;
  }
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

// Register at once: by the time the worker has fetched its own imports and starts installing, the
// page's files are in the HTTP cache, and the install reuses them (bench/first_load.py -v shows it).
watchServiceWorker(document.getElementById("sw-status"));
