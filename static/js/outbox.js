// The outbox: its states, their words, and sending, in the page and in the service worker (PUT is
// idempotent, so both at once is safe). Once sent, an item keeps {id, status, createdAt, sentAt}, and
// `token` if an earlier pairing sent it (to withdraw it); queued and refused ones keep the envelope.
import { getSetting, outboxAll, outboxDelete, outboxPut, outboxSwap } from "./store.js";

const MAX_WAIT_MS = 60 * 60 * 1000;
const channel = "BroadcastChannel" in self ? new BroadcastChannel("alongside-outbox") : null;
const listeners = new Set();
let retry = 0;
// A page being left writes no more (WebKit can cache it with a transaction open, blocking the next page);
// main.js sends again on the next page, pageshow on a cached one.
let leaving = false;
if (self.document) {
  addEventListener("pagehide", () => { leaving = true; clearTimeout(retry); });
  addEventListener("pageshow", (event) => { leaving = false; event.persisted && sendOutbox({ force: true }).catch(() => {}); });
}
const hhmm = (ms) => new Date(ms).toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
const AGAIN = "Not sent: this phone must pair again first, then press “Send again”.";
/** Refusals that "Send again" (sealed again for the current pairing) answers. */
export const RESEAL = new Set(["pair_again", "key_changed", "wrong_device"]);

const REFUSED = {
  pair_again: AGAIN,
  wrong_device: AGAIN,
  key_changed: "Not sent: your supervisor's key has changed. Pair again with a new code from them, then press “Send again”.",
  413: "This summary is too long for the server. Shorten it and send it again.", // a proxy's, not JSON
};

export const ACTION = { queued: "Remove", refused: "Remove", sent: "Withdraw", withdrawing: "Try again now" };
const STATUS = {
  queued: (item) => `Waiting to send. ${item.note || "It goes as soon as there is a connection."}`,
  sent: (item) => `Sent ${new Date(item.sentAt).toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "short" })}.${item.error ? ` Withdrawing failed: ${item.error}` : ""}`,
  refused: (item, ready) => (ready && RESEAL.has(item.reason) ? "Not sent: it was sealed for your earlier pairing. Press “Send again” to send it now."
    : REFUSED[item.reason] || `Not accepted: ${item.error}`),
  withdrawing: () => "Withdrawing: it is removed from the server as soon as there is a connection.",
};
/** What a worker is told about an item (`ready`: paired now, so "Send again" is offered). */
export const describe = (item, ready) => STATUS[item.status](item, ready);

/** Every item, newest first (older items said `created`). */
export const items = async () => (await outboxAll()).map((i) => ({ ...i, createdAt: i.createdAt || i.created }))
  .sort((a, b) => b.createdAt.localeCompare(a.createdAt));

export const queue = (id, envelope, createdAt) => outboxPut({ id, status: "queued", createdAt, envelope, attempts: 0 });

const sentRecord = ({ id, createdAt, created, sentAt, token }, error) =>
  ({ id, status: "sent", createdAt: createdAt || created, sentAt, ...(token && { token }), ...(error && { error }) });

/** Withdraw a sent summary; one not sent is just removed. */
export async function withdraw(id) {
  const item = (await outboxAll()).find((i) => i.id === id);
  if (!item) return;
  if (item.status === "queued" || item.status === "refused") await outboxDelete(id);
  else await outboxPut({ ...sentRecord(item), status: "withdrawing", attempts: 0, nextAttempt: 0 });
}

/** Before a new pairing replaces `token`, note it on what it sent (to withdraw those). */
export async function retire(token) {
  for (const item of await outboxAll()) {
    if ((item.status === "sent" || item.status === "withdrawing") && !item.token) await outboxPut({ ...item, token });
  }
}

/** Earlier pairings' tokens (unpairing ends them too). */
export const senders = async () => (await outboxAll()).map((i) => i.token).filter(Boolean);

export async function clear() {
  for (const item of await outboxAll()) await outboxDelete(item.id);
  changed();
}

/** Sealed for this pairing? One from before v2 can send nothing. */
const fits = (envelope, pairing) => pairing.v === 2 && envelope?.v === 2 && envelope.kid === pairing.kid && envelope.did === pairing.deviceId;

/** Try one item; return it updated. */
async function attempt(item, pairing, now) {
  const withdrawing = item.status === "withdrawing";
  if (!withdrawing && !fits(item.envelope, pairing)) return { ...item, status: "refused", reason: "pair_again", error: "" };
  let response;
  const sealed = withdrawing ? undefined : JSON.stringify(item.envelope);
  try {
    response = await fetch(`/api/summaries/${item.id}`, {
      method: withdrawing ? "DELETE" : "PUT",
      headers: { Authorization: `Bearer ${item.token || pairing.token}`, "Content-Type": "application/json" },
      body: sealed,
      credentials: "omit",
      cache: "no-store",
      keepalive: !sealed || sealed.length < 60_000, // leaving the page (WebKit: opening the next) does not cut it off
    });
  } catch (error) {
    return retryLater(item, now, (at) => (navigator.onLine
      ? `Could not reach the server; trying again at ${hhmm(at)}.` : "No connection yet. It will be sent when there is one."));
  }
  if (withdrawing) {
    if (response.ok || response.status === 404 || response.status === 410) return { ...item, status: "withdrawn" };
  } else if (response.ok) {
    return sentRecord({ ...item, sentAt: new Date(now).toISOString() });
  }
  if (response.status >= 500 || response.status === 429) {
    return retryLater(item, now, (at) => `The server is busy; trying again at ${hhmm(at)}.`);
  }
  const body = (await response.json().catch(() => null)) || {}; // the server's {error, message}
  const reason = body.error || response.status;
  const error = body.message || REFUSED[reason] || `The server refused this summary (${reason}).`;
  return withdrawing ? sentRecord(item, error) : { ...item, status: "refused", reason, error };
}

function retryLater(item, now, note) {
  const attempts = (item.attempts || 0) + 1;
  const nextAttempt = now + Math.min(MAX_WAIT_MS, 15_000 * 2 ** (attempts - 1));
  return { ...item, attempts, nextAttempt, note: note(nextAttempt) };
}

/** In a page, try again when the next waiting item is due (the service worker has Background Sync). */
function schedule(list) {
  if (!self.document || leaving) return;
  clearTimeout(retry);
  const due = Math.min(...list.filter((i) => i?.status === "queued" || i?.status === "withdrawing").map((i) => i.nextAttempt || 0));
  if (due < Infinity) retry = setTimeout(() => sendOutbox().catch(() => {}), Math.max(1000, due - Date.now()));
}

function changed() {
  channel?.postMessage("changed");
  listeners.forEach((callback) => callback());
}

/** Send every due item; resolve with the number still waiting. */
export async function sendOutbox({ force = false } = {}) {
  const pairing = await getSetting("pairing", null);
  if (!pairing) return 0;
  const now = Date.now();
  let waiting = 0;
  let moved = false;
  const list = await outboxAll();
  for (const [i, item] of list.entries()) {
    if (leaving) break;
    if (item.status === "sent" && item.envelope) await outboxSwap(item, sentRecord(item)); // from an older release
    if (item.status !== "queued" && item.status !== "withdrawing") continue;
    if (!force && item.nextAttempt && item.nextAttempt > now) { waiting += 1; continue; }
    const next = await attempt(item, pairing, now);
    if (leaving) break;
    // A 2xx here wins over another sender's retry meanwhile (PUT is idempotent); the list keeps what is stored.
    const stored = (list[i] = await outboxSwap(item, next.status !== "withdrawn" && next, next.status !== item.status));
    if (stored?.status === "queued" || stored?.status === "withdrawing") waiting += 1;
    moved = true;
  }
  if (moved) changed();
  schedule(list);
  return waiting;
}

/** Send now, and ask the service worker to send later (Background Sync). */
export async function sendSoon() {
  const registration = await self.navigator.serviceWorker?.getRegistration();
  await registration?.sync?.register("outbox").catch(() => {});
  return sendOutbox({ force: true });
}

/** Be told when the outbox changes (here, in other tabs or in the service worker). */
export function onOutboxChange(callback) {
  channel?.addEventListener("message", callback);
  listeners.add(callback);
}
