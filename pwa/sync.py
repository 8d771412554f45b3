"""The sharing API under /api: pair a phone, send and withdraw sealed summaries, unpair.

JSON in and out. Every body has a size limit and is checked by hand; every
refusal is ``{error, message}`` (``AppError``) with a message a person can act
on. Phones authenticate with ``Authorization: Bearer <device token>``.

    POST   /api/pair              {code, display_name} -> 201 {device_token, device_id, supervisor_name,
                                  recipient_key}; 409 no_key while the supervisor has no key yet
    PUT    /api/summaries/<uuid>  sealed envelope v2 -> 201 stored, 200 already stored (same envelope);
                                  422 pair_again (v1), key_changed, wrong_device; 409 too_many past
                                  SUMMARIES_PER_PHONE; 429 past RATELIMIT_SUMMARIES
    DELETE /api/summaries/<uuid>  withdraw -> 204, also when already gone (retries are safe);
                                  404 if another phone sent it
    GET    /api/device            -> 200 {paired, device_id, display_name, supervisor_name, paired_at,
                                          summary_ids, recipient_key}
    DELETE /api/device            unpair -> 204; every summary this phone sent is deleted

The server opens no summary: a v2 envelope is sealed to the supervisor's own key
(``recipient_key``: their public JWK and its id) and bound to the sending phone's
``device_id``. The server checks its shape, size, key id and sender.
"""
import hashlib
import json
import re
import unicodedata

from flask import Blueprint, current_app, jsonify, request

from .errors import AppError
from .limits import limiter
from .seal import VERSION, SealError, display_name_problem, parse_envelope
from .store import StoreError, get_store, normalise_code

bp = Blueprint("sync", __name__, url_prefix="/api")

PAIR_MAX_BYTES = 1024
SUMMARY_MAX_BYTES = 16 * 1024  # a sealed summary of the longest text (8,000 characters) fits
DISPLAY_NAME_MAX_CHARS = 40
# Matched whole (fullmatch): with re.match, "$" also matches before a final newline.
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)

PAIRING_REFUSALS = {
    "code_unknown": (404, ("That pairing code was not found. Check it with your supervisor: "
                           "codes look like K7QM-4XPD.")),
    "code_used": (409, "That pairing code has already been used. Ask your supervisor for a new one."),
    "code_expired": (410, "That pairing code has expired. Ask your supervisor for a new one."),
}
NO_KEY = ("Your supervisor has not finished setting up sharing: they need to sign in to Alongside once, "
          "then give you a new code. Nothing was paired.")
KEY_CHANGED = ("Your supervisor's key has changed since this phone paired (their password was reset), so they "
               "could not open this summary. Pair again with a new code from them; it is sent when you do.")
NOT_PAIRED = ("This phone is not paired with a supervisor (or was unpaired). "
              "Pair it again with a new code from your supervisor.")


def init_app(app) -> None:
    app.register_blueprint(bp)


@bp.after_request
def ask_for_bearer(response):
    """Name the scheme a refused phone should use (RFC 6750)."""
    if response.status_code == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="alongside"'
    return response


def read_json(limit: int) -> dict:
    """Return the body as a JSON object, refusing one over ``limit`` bytes or of another shape."""
    if request.content_length is not None and request.content_length > limit:
        raise too_large(limit)
    if request.mimetype != "application/json":
        raise AppError(415, "not_json", "Send the body as JSON, with the header Content-Type: application/json.")
    body = request.stream.read(limit + 1)
    if len(body) > limit:
        raise too_large(limit)
    try:
        data = json.loads(body, parse_constant=_refuse_constant)
    except (ValueError, RecursionError):
        raise AppError(400, "bad_json", "The body is not valid JSON. Send a JSON object.") from None
    if not isinstance(data, dict):
        raise AppError(400, "not_object", "The body must be a JSON object ({...}).")
    return data


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def too_large(limit: int) -> AppError:
    return AppError(413, "too_large", f"What was sent is larger than the {limit:,} bytes allowed here. "
                    "Shorten it and send it again.")


def current_device() -> dict:
    """Return the paired device named by the bearer token, or refuse with 401."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise AppError(401, "no_token", "Send this phone's device token as 'Authorization: Bearer <token>'. "
                       "If the phone is not paired yet, pair it with a code from your supervisor.")
    device = get_store().device_for_token(token)
    if device is None:
        raise AppError(401, "unknown_device", NOT_PAIRED)
    if device["revoked"]:
        raise AppError(401, "device_revoked", "Your supervisor has stopped sharing with this phone. "
                       "To share again, pair with a new code from them.")
    return device


def check_summary_id(summary_id: str) -> str:
    """Return a summary id in lower case, or refuse anything but a whole UUID."""
    if not _UUID.fullmatch(summary_id):
        raise AppError(400, "bad_id", "The summary id in the address must be a UUID, "
                       "like 3b241101-e2bb-4255-8caf-4136c566a962.")
    return summary_id.lower()


def too_many_message() -> str:
    held = current_app.config["SUMMARIES_PER_PHONE"]
    return (f"Your supervisor's server already holds {held} summaries from this phone, the most it keeps. "
            "Withdraw ones you have discussed (or ask your supervisor to delete them), then write this one again.")


def check_display_name(name) -> str:
    """Return a display name stripped and in NFC, or refuse one that is empty, too long or not plain text."""
    problem = (f"Give a display name of 1 to {DISPLAY_NAME_MAX_CHARS} characters as 'display_name': "
               "a first name or initials is enough.")
    if not isinstance(name, str):
        raise AppError(400, "bad_display_name", problem)
    name = name.strip()
    if not 1 <= len(name) <= DISPLAY_NAME_MAX_CHARS:
        raise AppError(400, "bad_display_name", problem)
    unreadable = display_name_problem(name)
    if unreadable:
        raise AppError(400, "bad_display_name", f"The display name {unreadable}. "
                       "Type a first name or initials in plain letters.")
    name = unicodedata.normalize("NFC", name)
    if len(name) > DISPLAY_NAME_MAX_CHARS:
        raise AppError(400, "bad_display_name", problem)
    return name


@bp.post("/pair")
@limiter.limit(lambda: current_app.config["RATELIMIT_PAIR"])
def pair():
    """Pair a phone with a supervisor's code; answer with its token and the key to seal to."""
    body = read_json(PAIR_MAX_BYTES)
    code = body.get("code")
    if not isinstance(code, str) or not normalise_code(code):
        raise AppError(400, "bad_code", "Send the pairing code from your supervisor as 'code', like K7QM-4XPD.")
    display_name = check_display_name(body.get("display_name"))
    store = get_store()
    try:
        device, token, supervisor = store.redeem_pairing_code(code, display_name, needs_key=True)
    except StoreError as exc:
        if exc.reason == "no_key":
            raise AppError(409, "no_key", NO_KEY) from None
        status, message = PAIRING_REFUSALS[exc.reason]
        raise AppError(status, exc.reason, message) from None
    return jsonify(device_token=token, device_id=device["id"], supervisor_name=supervisor["name"],
                   recipient_key=recipient_key(supervisor)), 201


def recipient_key(supervisor: dict) -> dict | None:
    """What a phone seals to: the supervisor's public key and its id."""
    key = supervisor.get("key")
    return key and {"jwk": key["jwk"], "kid": key["kid"]}


def sending_phone() -> str:
    """Rate-limit key for a phone: a hash of its bearer token (never the token itself)."""
    token = request.headers.get("Authorization", "").encode("utf-8", "surrogateescape")
    return "phone:" + hashlib.sha256(token).hexdigest()


@bp.put("/summaries/<summary_id>")
@limiter.limit(lambda: current_app.config["RATELIMIT_SUMMARIES"], key_func=sending_phone,
               error_message="This phone has sent many summaries in a short time. They wait on the phone "
                             "and are sent again in a minute or two.")
def put_summary(summary_id: str):
    """Store a sealed summary; the same id and envelope again is stored once."""
    device = current_device()
    summary_id = check_summary_id(summary_id)
    body = read_json(SUMMARY_MAX_BYTES)
    try:
        envelope = parse_envelope(body, versions=(VERSION,))
    except SealError as exc:
        raise AppError(422, exc.reason, exc.message) from None
    if envelope["did"] != device["id"]:
        raise AppError(422, "wrong_device", "This summary was sealed on another phone, so it cannot be sent from "
                       "this one. Write it again on this phone.")
    supervisor = get_store().get_supervisor(device["supervisor_id"])
    if supervisor is None:
        raise AppError(401, "unknown_device", NOT_PAIRED)
    if not supervisor.get("key") or envelope["kid"] != supervisor["key"]["kid"]:
        raise AppError(422, "key_changed", KEY_CHANGED)
    try:
        created = get_store().put_summary(device, summary_id, envelope,
                                          limit=current_app.config["SUMMARIES_PER_PHONE"])
    except StoreError as exc:
        if exc.reason == "device_gone":
            raise AppError(401, "unknown_device", NOT_PAIRED) from None
        if exc.reason == "too_many":
            raise AppError(409, "too_many", too_many_message()) from None
        raise AppError(409, "id_taken", "A different summary was already sent with this id. "
                       "Seal the summary again with a new id and send that.") from None
    if created:
        return jsonify(id=summary_id, status="stored"), 201
    return jsonify(id=summary_id, status="already_stored"), 200


@bp.delete("/summaries/<summary_id>")
def withdraw_summary(summary_id: str):
    """Withdraw a summary this phone sent; already gone counts as done."""
    device = current_device()
    summary_id = check_summary_id(summary_id)
    try:
        get_store().delete_summary(device["supervisor_id"], summary_id, device_id=device["id"])
    except StoreError:
        raise AppError(404, "not_yours", "This phone did not send a summary with that id.") from None
    return "", 204


@bp.get("/device")
def device_status():
    """Say whom this phone is paired with and which of its summaries the server holds."""
    device = current_device()
    store = get_store()
    supervisor = store.get_supervisor(device["supervisor_id"])
    if supervisor is None:
        raise AppError(401, "unknown_device", NOT_PAIRED)
    return jsonify(paired=True, device_id=device["id"], display_name=device["display_name"],
                   supervisor_name=supervisor["name"], paired_at=device["paired"],
                   summary_ids=store.summary_ids_for_device(device), recipient_key=recipient_key(supervisor))


@bp.delete("/device")
def unpair():
    """Unpair this phone: its token stops working and every summary it sent is deleted."""
    get_store().unpair_device(current_device())
    return "", 204
