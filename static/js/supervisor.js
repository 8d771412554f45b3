// The supervisor's side of envelope v2 (pwa/seal.py): make their key pair in this browser, keep it wrapped under
// their password and a recovery code (vault.js, as the journal does), unlock it for this tab, open summaries with
// it, and add the key check to pairing codes. The server sees only the public key and the wrapped private key.
// Supervisor pages only: not part of the worker's offline install.
import { b64, createVault, newRecoveryCode, openEntry, openVault, rewrap, sealEntry, unb64 } from "./vault.js";
import { keyCheck, summaryGcm, summaryKey, thumbprint } from "./seal.js";

const S = crypto.subtle;
const utf8 = new TextEncoder();
const EC = { name: "ECDH", namedCurve: "P-256" };
const STASH = "alongside-supervisor-key"; // sessionStorage: the private key sealed under the session's unlock key
const $ = (selector, root = document) => root.querySelector(selector);
const holder = () => $("#supervisor-key")?.dataset;
const keyRecord = () => (holder()?.key ? JSON.parse(holder().key) : null);
const publicOf = (jwk) => ({ kty: "EC", crv: "P-256", x: jwk.x, y: jwk.y });

/** A new key pair, wrapped under the password and a new recovery code: {record (for the server), priv, code}. */
async function makeKey(password) {
  const pair = await S.generateKey(EC, true, ["deriveBits"]);
  const { x, y, d } = await S.exportKey("jwk", pair.privateKey);
  const priv = { kty: "EC", crv: "P-256", x, y, d };
  const code = newRecoveryCode();
  const { record: vault, key } = await createVault(password, code);
  const jwk = publicOf(priv);
  return { record: { v: 1, jwk, kid: await thumbprint(jwk), vault, sealed: await sealEntry(key, "supervisor-key", priv) }, priv, code };
}

/** The private JWK from a key record, with the password or recovery code (throws code "wrong-secret"). */
async function unwrap(record, secret) {
  const { key, held } = await openVault(record.vault, secret);
  return { priv: await openEntry(key, record.sealed), held };
}

async function stashKey(unlock) {
  return S.importKey("raw", unb64(unlock), "AES-GCM", false, ["encrypt", "decrypt"]);
}

/** Keep the private key for this tab, sealed under the session's unlock key (which only the cookie holds). */
async function stash(priv, unlock, kid) {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ct = await S.encrypt({ name: "AES-GCM", iv }, await stashKey(unlock), utf8.encode(JSON.stringify(priv)));
  sessionStorage.setItem(STASH, JSON.stringify({ kid, iv: b64(iv), ct: b64(ct) }));
}

async function unstash(unlock, kid) {
  try {
    const kept = JSON.parse(sessionStorage.getItem(STASH) || "null");
    if (!kept || kept.kid !== kid || !unlock) return null;
    const plain = await S.decrypt({ name: "AES-GCM", iv: unb64(kept.iv) }, await stashKey(unlock), unb64(kept.ct));
    return JSON.parse(new TextDecoder().decode(plain));
  } catch {
    sessionStorage.removeItem(STASH); // another session's: of no use now
    return null;
  }
}

/** Open a v2 envelope filed under `deviceId` and check the summary inside; throws if it does not open or parse. */
export async function openSummary(privateKey, envelope, deviceId) {
  const epk = await S.importKey("jwk", publicOf(envelope.epk), EC, false, []);
  const key = await summaryKey(privateKey, epk, envelope.kid, "decrypt");
  const plain = await S.decrypt(summaryGcm(unb64(envelope.iv), envelope.kid, deviceId), key, unb64(envelope.ct));
  let summary;
  try { summary = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(plain)); } catch { summary = null; }
  const fits = summary && typeof summary === "object" && !Array.isArray(summary) && summary.v === 2
    && Object.keys(summary).every((k) => ["v", "display_name", "text", "created"].includes(k))
    && typeof summary.text === "string" && summary.text.trim() && summary.text.length <= 8000
    && typeof summary.created === "string" && !Number.isNaN(Date.parse(summary.created))
    && (summary.display_name === undefined || (typeof summary.display_name === "string" && summary.display_name.length <= 40));
  if (!fits) throw Object.assign(new Error("not a summary"), { opened: true });
  return summary;
}

/** "Thu 1 May 2025, 10:30" in UK time, as the server writes times. */
function ukTime(iso) {
  const parts = Object.fromEntries(new Intl.DateTimeFormat("en-GB", { timeZone: "Europe/London", weekday: "short", day: "numeric",
    month: "long", year: "numeric", hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).formatToParts(new Date(iso)).map((p) => [p.type, p.value]));
  return `${parts.weekday} ${parts.day} ${parts.month} ${parts.year}, ${parts.hour}:${parts.minute}`;
}

// A name a person reads must not hide or reorder text, or be blank.
const plainName = (name) => typeof name === "string" && /\S/u.test(name) && !/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u.test(name);

async function showSummaries(privateKey) {
  for (const item of document.querySelectorAll("[data-envelope]")) {
    const text = $("[data-text]", item);
    try {
      const summary = await openSummary(privateKey, JSON.parse(item.dataset.envelope), item.dataset.device);
      $("[data-heading]", item).textContent = `Written ${ukTime(summary.created)}`;
      text.textContent = summary.text;
      const name = summary.display_name?.trim().normalize("NFC");
      const signed = $("[data-signed]", item);
      if (plainName(name) && name !== item.dataset.deviceName) { signed.textContent = `Signed ${name}`; signed.hidden = false; }
    } catch (failure) {
      text.hidden = true;
      const problem = $("[data-problem]", item);
      problem.textContent = (failure.opened
        ? "This summary opened with your key but is not in a form Alongside can show (it may come from a newer or a broken app). "
        : "This summary could not be opened with your key: it was changed on the way, or it was sent on from another phone. ")
        + "You can delete it; your supervisee still has their own copy.";
      problem.hidden = false;
    }
  }
}

async function ready(priv) {
  $("[data-key-panel]").hidden = true;
  const privateKey = await S.importKey("jwk", priv, EC, false, ["deriveBits"]);
  const code = $("[data-code]");
  if (code) {
    const groups = (code.dataset.code + await keyCheck(code.dataset.code, priv)).match(/.{4}/g);
    const half = (from) => Object.assign(document.createElement("span"), { textContent: groups.slice(from, from + 2).join("-") });
    code.replaceChildren(half(0), "-", half(2)); // two halves that wrap whole on a phone
  }
  await showSummaries(privateKey);
}

function showRecovery(code) {
  const panel = $("[data-recovery]");
  $("[data-recovery-code]", panel).textContent = code;
  panel.hidden = false;
  panel.focus();
  panel.scrollIntoView({ block: "start" });
  return new Promise((resolve) => $("[data-recovery-done]", panel).addEventListener("click", resolve, { once: true }));
}

function sending(form, on) {
  for (const button of form.querySelectorAll("button")) button.disabled = on;
  form.setAttribute("aria-busy", String(on));
}

/** Post a form with fetch, asking for JSON; answer the parsed body, or null when the answer is not JSON (then the form is sent plainly). */
async function postForm(form, extra = {}) {
  const body = new FormData(form);
  for (const [name, value] of Object.entries(extra)) body.set(name, value);
  const response = await fetch(form.action, { method: "POST", body, headers: { Accept: "application/json" }, credentials: "same-origin" });
  if (!(response.headers.get("Content-Type") || "").includes("application/json")) return null;
  return { ok: response.ok, ...(await response.json()) };
}

/** Give the server a key made at the first sign-in after the upgrade; the summaries it holds are re-sealed to it. */
async function giveKey(record, password, csrf) {
  const response = await fetch("/supervise/key", { method: "POST", body: JSON.stringify({ key: record, password }), credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, Accept: "application/json" } });
  if (!response.ok) throw new Error((await response.json().catch(() => ({}))).message || `The server said ${response.status}.`);
}

/** An account from before envelope v2: make its key under `password`, give it to the server (which re-seals
 * older summaries to it), keep it for this tab, and show the recovery code once in place of `replaced`. */
async function firstKey(password, unlock, csrf, replaced) {
  const made = await makeKey(password);
  await giveKey(made.record, password, csrf);
  await stash(made.priv, unlock, made.record.kid);
  replaced.hidden = true;
  await showRecovery(made.code);
}

/** Sign in: the password also opens the key, so it is typed once. */
function signIn(form) {
  const error = $("#login-error");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const password = form.elements.password.value;
    sending(form, true);
    try {
      const answer = await postForm(form);
      if (!answer) { form.submit(); return; }
      if (!answer.ok) { error.textContent = answer.message; return; }
      if (answer.key) {
        await unwrap(answer.key, password).then(({ priv }) => stash(priv, answer.unlock, answer.key.kid))
          .catch(() => {}); // wrapped under an older password: the next page asks for it or the recovery code
      } else {
        await firstKey(password, answer.unlock, answer.csrf, form);
      }
      location.assign(answer.next);
    } catch (failure) {
      error.textContent = `Signing in did not finish: ${failure.message} Try again.`;
    } finally {
      sending(form, false);
    }
  });
}

/** Set a password: keep the key with the recovery code, or make a new one. */
function setUp(form) {
  const error = $("[data-setup-error]");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const password = form.elements.password.value;
    if (password !== form.elements.confirm.value) { error.textContent = "The two passwords do not match."; return; }
    const old = keyRecord();
    const recovery = $("#recovery")?.value.trim();
    sending(form, true);
    try {
      let made;
      if (old && recovery) {
        let opened;
        try { opened = await unwrap(old, recovery); } catch {
          error.textContent = "That recovery code does not open your key. Check it, or leave it empty to make a new key.";
          return;
        }
        const { record: vault } = await rewrap(old.vault, opened.held, password);
        made = { record: { ...old, vault }, priv: opened.priv, code: null };
      } else {
        made = await makeKey(password);
      }
      const answer = await postForm(form, { key: JSON.stringify(made.record) });
      if (!answer) { error.textContent = "The server's answer could not be read. Reload the page and try again."; return; }
      if (!answer.ok) { error.textContent = answer.message; return; }
      await stash(made.priv, answer.unlock, made.record.kid);
      if (made.code) { form.hidden = true; await showRecovery(made.code); }
      location.assign(answer.next);
    } catch (failure) {
      error.textContent = `Your password could not be set: ${failure.message} Try again.`;
    } finally {
      sending(form, false);
    }
  });
}

/** Any page with summaries or a code: open the key from this tab, or ask for the password once. */
async function unlockHere() {
  const record = keyRecord();
  const { unlock, csrf } = holder();
  const kept = record && await unstash(unlock, record.kid);
  if (kept) return ready(kept);
  const panel = $("[data-key-panel]");
  const form = $("[data-key-form]", panel);
  const error = $("#key-error");
  panel.hidden = false;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const secret = $("#key-password").value;
    sending(form, true);
    error.textContent = "";
    try {
      if (record) {
        const { priv } = await unwrap(record, secret);
        await stash(priv, unlock, record.kid);
        await ready(priv);
      } else {
        await firstKey(secret, unlock, csrf, panel);
        location.reload(); // the server re-sealed older summaries to the new key
      }
    } catch (failure) {
      error.textContent = failure.code === "wrong-secret"
        ? "That password does not open your key. If an administrator changed your password, enter your old one or your recovery code."
        : `That did not work: ${failure.message}`;
    } finally {
      sending(form, false);
    }
  });
}

const login = $("form[action$='/supervise/login']");
const setup = $("form[action*='/supervise/setup/']");
if (login) signIn(login);
else if (setup) setUp(setup);
else if (holder()?.unlock !== undefined) unlockHere();
$("form[action$='/supervise/logout']")?.addEventListener("submit", () => sessionStorage.removeItem(STASH));
