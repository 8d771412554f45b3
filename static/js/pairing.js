// The /api client and the pairing record {v:2, token, deviceId, jwk, kid, pairedAt} (clear, for the
// service worker; names are in the journal). Pairing checks the key against the supervisor's code.
import * as session from "./session.js";
import { keyCheck, thumbprint } from "./seal.js";

export const SHARED = "__share"; // journal "activity": names (field "pairing"), each summary's text (by outbox id)
export const OFFLINE = "You are offline. Pairing needs a connection: try again when you have signal.";
const ALPHABET = /^[23456789ABCDEFGHJKMNPQRSTUVWXYZ]+$/;
export const MISMATCH = "The key the server gave does not match your supervisor's code. Nothing was paired. "
  + "Tell your supervisor, and check the code with them: if it is right, someone may have changed the server to read what you send.";

export async function api(method, path, body, token) {
  let response;
  try {
    response = await fetch(path, {
      method, cache: "no-store", credentials: "omit",
      headers: { "Content-Type": "application/json", ...(token ? { Authorization: `Bearer ${token}` } : {}) },
      body: body && JSON.stringify(body),
    });
  } catch (error) {
    throw new Error(navigator.onLine ? "The server could not be reached. Try again in a moment." : OFFLINE);
  }
  const data = response.status === 204 ? {} : await response.json().catch(() => ({}));
  if (!response.ok) throw Object.assign(new Error(data.message || `The server said ${response.status}.`), { status: response.status });
  return data;
}

export const record = () => session.getSetting("pairing", null);
/** One from before envelope v2 (no device id, key unchecked) must pair again. */
export const isCurrent = (pairing) => pairing?.v === 2 && Boolean(pairing.deviceId);

export const names = () => (session.isUnlocked() && session.answer(SHARED, "pairing")?.value) || null;

/** Move names an older record held in clear into the journal. */
export async function moveNamesIntoJournal(pairing) {
  if (!pairing?.supervisorName || !session.isUnlocked()) return pairing;
  const { supervisorName, displayName, ...kept } = pairing;
  await session.saveAnswer({ activity: SHARED, field: "pairing", value: { supervisorName, displayName } });
  await session.setSetting("pairing", kept);
  return kept;
}

/** The typed code's halves (any case, spaces, dashes), or throws saying what is wrong. */
export function splitCode(typed) {
  const code = typed.toUpperCase().replace(/[^0-9A-Z]/g, "");
  if (!code) throw new Error("Enter the pairing code your supervisor gave you.");
  if (code.length !== 16) {
    throw new Error(`${code.length === 8 ? "That is only the first half of a code." : `That code has ${code.length} characters.`}`
      + " Type all 16, like K7QM-4XPD-R2TA-9QWF: the last 8 check your supervisor's key.");
  }
  if (!ALPHABET.test(code)) throw new Error("Codes have no 0, 1, I, L or O: check yours with your supervisor.");
  return { code: code.slice(0, 8), check: code.slice(8) };
}

/** Pair; resolves with the record, or throws (nothing paired) saying why. */
export async function pair(typed, displayName) {
  const { code, check } = splitCode(typed);
  if (!displayName) throw new Error("Enter a first name or initials for your supervisor to see.");
  if (!navigator.onLine) throw new Error(OFFLINE);
  const made = await api("POST", "/api/pair", { code, display_name: displayName });
  const jwk = made.recipient_key?.jwk;
  const matches = await (async () => jwk && /^[0-9a-f]{16}$/.test(made.device_id)
    && made.recipient_key.kid === await thumbprint(jwk) && await keyCheck(code, jwk) === check)().catch(() => false);
  if (!matches) {
    await api("DELETE", "/api/device", null, made.device_token).catch(() => {}); // leave no half pairing
    throw new Error(MISMATCH);
  }
  await session.saveAnswer({ activity: SHARED, field: "pairing", value: { supervisorName: made.supervisor_name, displayName } });
  const pairing = { v: 2, token: made.device_token, deviceId: made.device_id, jwk: { kty: "EC", crv: "P-256", x: jwk.x, y: jwk.y },
    kid: made.recipient_key.kid, pairedAt: new Date().toISOString() };
  await session.setSetting("pairing", pairing);
  return pairing;
}

/** Unpair these device tokens (the server deletes what each sent). */
export async function unpair(tokens) {
  for (const token of new Set(tokens)) {
    await api("DELETE", "/api/device", null, token).catch((failure) => { if (failure.status !== 401) throw failure; });
  }
  await session.setSetting("pairing", null);
  if (session.isUnlocked()) await session.saveAnswer({ activity: SHARED, field: "pairing", value: null });
}
