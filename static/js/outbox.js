// Send sealed summaries. Runs in the page (on load, on `online`, and again when a retry is due while
// the page stays open) and in the service worker (Background Sync, or when the page asks); PUT is
// idempotent, so both sending at once is safe.
import { getSetting, outboxAll, outboxSwap } from "./store.js";

const MAX_WAIT_MS = 60 * 60 * 1000;
const channel = "BroadcastChannel" in self ? new BroadcastChannel("alongside-outbox") : null;
const listeners = new Set();
let retry = 0;
const hhmm = (ms) => new Date(ms).toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit", hourCycle: "h23" });

const REFUSED = {
  401: "Your supervisor has ended the pairing, or this phone was unpaired. Pair again to send.",
  409: "The server already holds a different summary under this id. Write it again as a new summary.",
  413: "This summary is too long for the server. Shorten it and send it again.",
  422: "The server could not open this summary. Pair again, then send it again.",
};

async function reasonFrom(response) {
  try {
    const body = await response.json();
    if (body && body.message) return body.message;
  } catch (error) { /* not JSON: use our own words */ }
  return REFUSED[response.status] || `The server refused this summary (${response.status}).`;
}

/** Try one item; return it updated (sent, refused, withdrawn, or still queued with a later retry). */
async function attempt(item, pairing, now) {
  const withdrawing = item.status === "withdrawing";
  let response;
  try {
    response = await fetch(`/api/summaries/${item.id}`, {
      method: withdrawing ? "DELETE" : "PUT",
      headers: { Authorization: `Bearer ${pairing.token}`, "Content-Type": "application/json" },
      body: withdrawing ? undefined : JSON.stringify(item.envelope),
      credentials: "omit",
      cache: "no-store",
    });
  } catch (error) {
    return retryLater(item, now, (at) => (navigator.onLine
      ? `Could not reach the server; trying again at ${hhmm(at)}.` : "No connection yet. It will be sent when there is one."));
  }
  if (withdrawing) {
    if (response.ok || response.status === 404 || response.status === 410) return { ...item, status: "withdrawn" };
  } else if (response.ok) {
    return { ...item, status: "sent", sentAt: new Date(now).toISOString(), error: "" };
  }
  if (response.status >= 500 || response.status === 429) {
    return retryLater(item, now, (at) => `The server is busy; trying again at ${hhmm(at)}.`);
  }
  const error = await reasonFrom(response);
  return withdrawing ? { ...item, status: "sent", error } : { ...item, status: "refused", error };
}

function retryLater(item, now, note) {
  const attempts = (item.attempts || 0) + 1;
  const nextAttempt = now + Math.min(MAX_WAIT_MS, 15_000 * 2 ** (attempts - 1));
  return { ...item, attempts, nextAttempt, note: note(nextAttempt) };
}

/** In a page, try again when the next waiting item is due (the service worker has Background Sync). */
function schedule(items) {
  if (!self.document) return;
  clearTimeout(retry);
  const due = Math.min(...items.filter((i) => i.status === "queued" || i.status === "withdrawing").map((i) => i.nextAttempt || 0));
  if (due < Infinity) retry = setTimeout(() => sendOutbox().catch(() => {}), Math.max(1000, due - Date.now()));
}

/** Send every due item; resolve with the number still waiting. */
export async function sendOutbox({ force = false } = {}) {
  const pairing = await getSetting("pairing", null);
  if (!pairing) return 0;
  const now = Date.now();
  let waiting = 0;
  let changed = false;
  const items = await outboxAll();
  for (const [i, item] of items.entries()) {
    if (item.status !== "queued" && item.status !== "withdrawing") continue;
    if (!force && item.nextAttempt && item.nextAttempt > now) { waiting += 1; continue; }
    const next = (items[i] = await attempt(item, pairing, now));
    await outboxSwap(item, next.status !== "withdrawn" && next);
    if (next.status === "queued" || next.status === "withdrawing") waiting += 1;
    changed = true;
  }
  if (changed) {
    channel?.postMessage("changed");
    listeners.forEach((callback) => callback());
  }
  schedule(items);
  return waiting;
}

/** Ask to be told when the outbox changes (from this page, other tabs or the service worker). */
export function onOutboxChange(callback) {
  channel?.addEventListener("message", callback);
  listeners.add(callback);
}
