"""Supervisor pages under /supervise: sign in, read shared summaries, pair and revoke phones.

Server-rendered forms; every form carries a CSRF token (flask-wtf); sign-in and
password set-up are rate-limited. A session carries its supervisor's session
version: signing out, a new password or removing the account moves the version
on, which ends every session at once.

Summaries are sealed to the supervisor's own key (envelope v2, pwa/seal.py) and
opened only in their browser (static/js/supervisor.js): the pages carry each
envelope as data, with the supervisor's wrapped key. The browser makes that key
at set-up (or at the first sign-in after the upgrade), wraps it under the
password and a recovery code, and unwraps it at sign-in. To read on every page
without the password again, it keeps the private key in the tab's
sessionStorage, sealed under ``session["unlock"]``: a random key that lives only
in the signed session cookie, so neither the stored copy nor the server alone
opens anything. v1 summaries (sealed to the server's key) are re-sealed to the
supervisor's key as soon as the server knows it (``migrate_v1``).
"""
import functools
import ipaddress
import json
import logging
import secrets
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    has_request_context,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import CSRFError, CSRFProtect, generate_csrf

from . import sync
from .errors import AppError, render_error, wants_json
from .limits import limiter
from .seal import SealError, get_keyring, parse_supervisor_key
from .store import StoreError, format_code, get_store, parse_time, password_problem, timestamp

bp = Blueprint("supervise", __name__, url_prefix="/supervise")
log = logging.getLogger(__name__)
SESSION_HOURS = 12  # sign in again after a working day
TIME_ZONE = "Europe/London"  # supervisors read times in UK time
PAGE_SIZE = 10  # summaries per supervisee on the dashboard, and per page of their history
csrf = CSRFProtect()

CSRF_MESSAGE = ("This form had expired or did not come from this site, so nothing was changed. "
                "Go back, reload the page and try again.")
INSECURE_MESSAGE = ("This page was opened over plain http://, so your browser will not keep you signed in. "
                    "Supervisor pages need the server's secure address, beginning https://. Ask the team that "
                    "runs Alongside (your IT or training team) for it.")
LINK_REFUSALS = {
    "link_unknown": (404, "This set-up link is not valid, or has been used. Ask your administrator for a new one."),
    "link_expired": (410, "This set-up link has expired. Ask your administrator for a new one."),
}
PREVIOUS_KEY = ("This summary was sealed to your previous key, before your password was reset without your "
                "recovery code, so it cannot be opened. Your supervisee still has it on their phone.")
WAITING = ("This summary was sent before summaries were sealed to your own key. It is re-sealed to your key "
           "when you next sign in.")
KEY_MAX_BYTES = 8 * 1024
NOT_SHOWN = ("This summary could not be shown: what the server holds for it is damaged. "
             "You can delete it; your supervisee still has their own copy on their phone.")


def init_app(app) -> None:
    """Add the supervisor pages, CSRF protection for every form, and the /api exemption."""
    app.session_interface = SessionInterface()
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # a token lasts as long as the sign-in
    # Referrer-Policy: no-referrer (shell.py) means browsers send no Referer (and Origin: null), so
    # flask-wtf's HTTPS Referer check would refuse every form; the token and SameSite=Lax guard them.
    app.config.setdefault("WTF_CSRF_SSL_STRICT", False)
    csrf.init_app(app)
    csrf.exempt(sync.bp)  # the API authenticates with bearer tokens, not cookies
    app.register_blueprint(bp)

    @app.errorhandler(CSRFError)
    def csrf_refused(exc):
        if insecure_context():  # the session cookie was never kept: say why, not "expired"
            return render_error(400, "insecure", INSECURE_MESSAGE)
        return render_error(400, "csrf", CSRF_MESSAGE)


def on_this_computer(host: str) -> bool:
    """True for localhost and loopback addresses, where a browser treats plain http as secure."""
    name = urlsplit("//" + host).hostname or ""
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def insecure_context() -> bool:
    """True when a browser will drop the Secure session cookie: plain http to an address not this computer."""
    if request.scheme != "http" or not current_app.config["SESSION_COOKIE_SECURE"]:
        return False
    return not on_this_computer(request.host)


class SessionInterface(SecureCookieSessionInterface):
    """Secure session cookies, except over plain http to this computer: Chromium keeps a Secure cookie
    there but Safari (WebKit) drops it, and trying Alongside at http://127.0.0.1 must work in both."""

    def get_cookie_secure(self, app) -> bool:
        plain_local = has_request_context() and request.scheme == "http" and on_this_computer(request.host)
        return super().get_cookie_secure(app) and not plain_local


@bp.before_request
def load_signed_in_supervisor():
    """Put the signed-in supervisor in ``g.supervisor`` (None when signed out, timed out or ended)."""
    g.supervisor = None
    supervisor_id, signed_in = session.get("supervisor_id"), session.get("signed_in")
    if not supervisor_id or not signed_in:
        return
    if parse_time(signed_in) + timedelta(hours=SESSION_HOURS) < datetime.now(UTC):
        session.clear()
        return
    supervisor = get_store().get_supervisor(supervisor_id)
    if supervisor is None or session.get("version") != supervisor["session_version"]:
        session.clear()  # removed, signed out elsewhere, or the password changed
        return
    g.supervisor = supervisor


@bp.after_request
def keep_out_of_caches(response):
    """Pages with opened summaries must not stay in a browser's cache."""
    response.headers["Cache-Control"] = "no-store"
    return response


def login_required(view):
    @functools.wraps(view)
    def wrapped(**kwargs):
        if g.supervisor is None:
            return redirect(url_for("supervise.login"))
        return view(**kwargs)
    return wrapped


def start_session(supervisor: dict) -> None:
    """Begin a fresh session for a supervisor, dropping whatever the old one held."""
    session.clear()
    session["supervisor_id"] = supervisor["id"]
    session["version"] = supervisor["session_version"]
    session["signed_in"] = timestamp(datetime.now(UTC))
    session["unlock"] = secrets.token_urlsafe(32)  # seals the private key in this tab's sessionStorage


def signed_in_answer(supervisor: dict, next_url: str):
    """After sign-in or set-up: a redirect, or for supervisor.js what it needs to open the key in this tab."""
    if wants_json():
        return jsonify(next=next_url, key=supervisor.get("key"), unlock=session["unlock"], csrf=generate_csrf())
    return redirect(next_url)


@bp.app_template_filter("local_time")
def local_time(value) -> str:
    """Format a stored UTC time for a supervisor: 'Thu 1 May 2025, 10:30' ('an unknown time' if it is not one)."""
    return readable_time(value) or "an unknown time"


def readable_time(value) -> str | None:
    """Format a UTC time (text or datetime) in UK time, or return None if it cannot be shown."""
    try:
        moment = parse_time(value) if isinstance(value, str) else value
        try:
            zone = ZoneInfo(TIME_ZONE)
        except ZoneInfoNotFoundError:  # no tz database on this machine
            zone = UTC
        local = moment.astimezone(zone)
    except (TypeError, ValueError, AttributeError, OverflowError):  # 0001-01-01 overflows a zone
        return None
    return f"{local:%a} {local.day} {local:%B %Y, %H:%M}"


@bp.route("/login", methods=("GET", "POST"))
@limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN"], methods=["POST"])
def login():
    """Sign in with email and password."""
    if request.method == "GET":
        if g.supervisor is not None:
            return redirect(url_for("supervise.dashboard"))
        return render_template("supervise/login.html", insecure=insecure_context())
    email = request.form.get("email", "")
    supervisor = get_store().check_login(email, request.form.get("password", ""))
    if supervisor is None:
        error = "That email and password do not match an account. Check both and try again."
        if wants_json():
            return jsonify(error="wrong_password", message=error), 401
        return render_template("supervise/login.html", email=email, error=error), 401
    start_session(supervisor)
    migrate_v1(supervisor)
    return signed_in_answer(supervisor, url_for("supervise.dashboard"))


@bp.post("/logout")
def logout():
    """Sign out, here and in every other browser this supervisor is signed in on."""
    if g.supervisor is not None:
        try:
            get_store().end_sessions(g.supervisor["id"])
        except StoreError:  # removed meanwhile: nothing left to end
            pass
    session.clear()
    flash("You are signed out.")
    return redirect(url_for("supervise.login"))


@bp.route("/setup/<token>", methods=("GET", "POST"))
@limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN"], methods=["POST"])
def setup(token: str):
    """Set a password through the one-time link the administrator gave."""
    store = get_store()
    try:
        supervisor = store.supervisor_for_setup(token)
    except StoreError as exc:
        raise link_refused(exc.reason) from None
    if request.method == "GET":
        return render_template("supervise/setup.html", supervisor=supervisor, token=token,
                               insecure=insecure_context())
    password, again = request.form.get("password", ""), request.form.get("confirm", "")
    error = password_problem(password) or (None if password == again else "The two passwords do not match.")
    key = None
    if not error:
        try:
            key = parse_supervisor_key(json.loads(request.form.get("key") or "null"))
        except (ValueError, RecursionError):
            error = ("Your browser did not send your key. This page makes it with JavaScript: turn JavaScript on, "
                     "reload the page and try again.")
    if error:
        if wants_json():
            return jsonify(error="bad_setup", message=error), 400
        return render_template("supervise/setup.html", supervisor=supervisor, token=token, error=error), 400
    try:
        supervisor = store.redeem_setup_link(token, password, key)
    except StoreError as exc:
        raise link_refused(exc.reason) from None
    start_session(supervisor)
    migrate_v1(supervisor)
    flash("Your password is set. You are signed in.")
    return signed_in_answer(supervisor, url_for("supervise.dashboard"))


@bp.post("/key")
@login_required
def give_key():
    """Keep the key a supervisor's browser made at their first sign-in after the upgrade (JSON, from supervisor.js)."""
    body = sync.read_json(KEY_MAX_BYTES)
    try:
        key = parse_supervisor_key(body.get("key"))
    except SealError as exc:
        raise AppError(400, exc.reason, exc.message) from None
    # The key is wrapped under the password typed here: it must be the one that signs in, or it would not unlock.
    if get_store().check_login(g.supervisor["email"], str(body.get("password", ""))) is None:
        raise AppError(403, "wrong_password", "That is not your password. Type the password you sign in with.")
    if not get_store().set_supervisor_key(g.supervisor["id"], key):
        raise AppError(409, "has_key", "You already have a key: sign out and in again to use it.")
    moved = migrate_v1(get_store().get_supervisor(g.supervisor["id"]))
    return jsonify(kid=key["kid"], resealed=moved), 201


def migrate_v1(supervisor: dict) -> int:
    """Re-seal the supervisor's v1 summaries (sealed to the server's key) to their own key; return how many.

    Once no v1 summary is left on the server, its own keys are deleted: nothing it holds can then open one.
    """
    keyring = get_keyring()
    key = supervisor.get("key")
    if not key or not keyring.keys:
        return 0
    store, moved = get_store(), 0
    for stored in store.summaries_for_supervisor(supervisor["id"]):
        envelope = stored.get("envelope")
        if stored.get("damaged") or not isinstance(envelope, dict) or envelope.get("v") != 1:
            continue
        try:
            resealed = keyring.reseal(envelope, key["jwk"], stored["device_id"])
        except SealError as exc:
            log.warning("summary %r could not be re-sealed: %s", stored["id"], exc.reason)
            continue
        moved += store.replace_envelope(supervisor["id"], stored["id"], envelope, resealed)
    if not any(isinstance(s.get("envelope"), dict) and s["envelope"].get("v") == 1
               for person in store.list_supervisors() for s in store.summaries_for_supervisor(person["id"])):
        keyring.forget_all()
        log.info("no summary sealed to the server's own keys is left: those keys are deleted")
    return moved


def link_refused(reason: str) -> AppError:
    status, message = LINK_REFUSALS[reason]
    return AppError(status, reason, message)


def open_summary(stored: dict) -> dict:
    """What the page shows of a stored summary before the browser opens it; ``problem`` says why it cannot be.

    The server cannot open a v2 envelope: it hands it to the page (``envelope``) with the device id it was
    filed under, and supervisor.js opens it with the supervisor's key. Never fails on what is stored: one bad
    summary must not take the page (and its Delete button) down.
    """
    received = readable_time(stored.get("received"))
    shown = {"id": stored["id"], "device_id": stored.get("device_id"), "discussed": stored.get("discussed") is True,
             "envelope": None, "problem": None, "when": received or "a time not known",
             "heading": f"Received {received}" if received else "A shared summary"}
    envelope, key = stored.get("envelope"), (g.supervisor or {}).get("key")
    if stored.get("damaged") or not isinstance(envelope, dict):
        shown["problem"] = NOT_SHOWN
    elif envelope.get("v") == 1:
        shown["problem"] = WAITING
    elif key and envelope.get("kid") != key["kid"]:
        shown["problem"] = PREVIOUS_KEY
    else:
        shown["envelope"] = envelope
    return shown


def summaries_by_device(supervisor_id: str) -> dict[str | None, list[dict]]:
    """The supervisor's stored summaries (still sealed) by device id, newest first."""
    by_device: dict[str | None, list[dict]] = {}
    for stored in get_store().summaries_for_supervisor(supervisor_id):
        by_device.setdefault(stored["device_id"], []).append(stored)
    return by_device


def person(device: dict, summaries: list[dict], page: int = 1) -> dict:
    """A supervisee with one page of their summaries opened."""
    pages = max(1, -(-len(summaries) // PAGE_SIZE))
    shown = summaries[(page - 1) * PAGE_SIZE:page * PAGE_SIZE]
    return {"device": device, "summaries": [open_summary(s) for s in shown], "count": len(summaries),
            "waiting": sum(1 for s in summaries if not s["discussed"]), "page": page, "pages": pages}


@bp.get("/")
@login_required
def dashboard():
    """Every supervisee with their newest summaries, the supervisee with the newest first."""
    store = get_store()
    supervisor_id = g.supervisor["id"]
    by_device = summaries_by_device(supervisor_id)
    devices = store.devices_for_supervisor(supervisor_id)
    people = [person(d, by_device.get(d["id"], [])) for d in devices]
    people.sort(key=lambda p: p["device"]["display_name"].casefold())
    people.sort(key=lambda p: max((s["received"] for s in by_device.get(p["device"]["id"], [])), default=""),
                reverse=True)
    paired = {d["id"] for d in devices}
    # Damaged summaries no paired supervisee can be named for: still listed, so they can be deleted.
    stray = [open_summary(s) for device_id, held in by_device.items() if device_id not in paired
             for s in held if s["damaged"]]
    return render_template("supervise/dashboard.html", people=people, stray=stray,
                           codes=store.open_pairing_codes(supervisor_id),
                           code_hours=current_app.config["PAIRING_CODE_HOURS"])


@bp.get("/devices/<device_id>")
@login_required
def history(device_id: str):
    """One supervisee's summaries, a page at a time (``?page=2`` is the second newest ten)."""
    device = paired_device(device_id)
    summaries = summaries_by_device(g.supervisor["id"]).get(device_id, [])
    page = request.args.get("page", "1")
    if not page.isdigit() or not 1 <= int(page) <= max(1, -(-len(summaries) // PAGE_SIZE)):
        raise AppError(404, "no_such_page", "There is no such page of summaries. Go back to your summaries.")
    return render_template("supervise/history.html", person=person(device, summaries, int(page)))


def paired_device(device_id: str) -> dict:
    """Return one of the signed-in supervisor's paired devices, or refuse with 404."""
    device = next((d for d in get_store().devices_for_supervisor(g.supervisor["id"]) if d["id"] == device_id), None)
    if device is None:
        raise AppError(404, "device_gone", "That supervisee is not paired with you. Go back to your summaries.")
    return device


def summary_url(summary_id: str, device_id: str | None, held: list[dict]) -> str:
    """The address that shows a summary: the dashboard, or the page of its supervisee's history that holds it."""
    position = next((i for i, s in enumerate(held) if s["id"] == summary_id), 0)
    page = position // PAGE_SIZE + 1
    if page == 1 or device_id is None:
        return url_for("supervise.dashboard", _anchor=f"summary-{summary_id}")
    return url_for("supervise.history", device_id=device_id, page=page, _anchor=f"summary-{summary_id}")


def find_summary(summary_id: str) -> tuple[dict, list[dict]]:
    """Return one of the signed-in supervisor's stored summaries and its device's others, or refuse with 404."""
    for held in summaries_by_device(g.supervisor["id"]).values():
        for stored in held:
            if stored["id"] == summary_id:
                return stored, held
    raise summary_gone()


@bp.post("/codes")
@login_required
def new_code():
    """Make a single-use pairing code and show it once."""
    if not g.supervisor.get("key"):
        flash("Make your key first (below): phones seal summaries to it, so a code without it cannot pair.")
        return redirect(url_for("supervise.dashboard"))
    hours = current_app.config["PAIRING_CODE_HOURS"]
    code, expires = get_store().create_pairing_code(g.supervisor["id"], hours)
    return render_template("supervise/code.html", code=code, shown=format_code(code + "•" * 8), expires=expires,
                           hours=hours)


@bp.post("/summaries/<summary_id>/discussed")
@login_required
def mark_discussed(summary_id: str):
    """Mark a summary as discussed, or as not yet discussed, and go back to it."""
    discussed = request.form.get("discussed") == "1"
    if not get_store().mark_discussed(g.supervisor["id"], summary_id, discussed):
        raise summary_gone()
    flash("Marked as discussed." if discussed else "Marked as not yet discussed.")
    stored, held = find_summary(summary_id)
    return redirect(summary_url(summary_id, stored["device_id"], held))


@bp.route("/summaries/<summary_id>/delete", methods=("GET", "POST"))
@login_required
def delete_summary(summary_id: str):
    """Delete a summary from the server after confirming (the supervisee keeps their own journal)."""
    stored, _ = find_summary(summary_id)
    devices = {d["id"]: d for d in get_store().devices_for_supervisor(g.supervisor["id"])}
    device = devices.get(stored["device_id"])
    back = (url_for("supervise.dashboard", _anchor=f"person-{device['id']}") if device
            else url_for("supervise.dashboard"))
    if request.method == "GET":
        return render_template("supervise/delete.html", summary=open_summary(stored), device=device, back=back)
    if not get_store().delete_summary(g.supervisor["id"], summary_id):
        raise summary_gone()
    flash("Summary deleted.")
    return redirect(back)


def summary_gone() -> AppError:
    return AppError(404, "summary_gone", "That summary is not here: it may have been withdrawn or deleted. "
                    "Go back to your summaries.")


@bp.route("/devices/<device_id>/revoke", methods=("GET", "POST"))
@login_required
def revoke(device_id: str):
    """Stop sharing with a supervisee: confirm, then their phone's token stops working."""
    store = get_store()
    device = paired_device(device_id)
    if request.method == "GET":
        held = len(summaries_by_device(g.supervisor["id"]).get(device_id, []))
        return render_template("supervise/revoke.html", device=device, held=held)
    store.revoke_device(g.supervisor["id"], device_id)
    flash(f"You have stopped sharing with {device['display_name']}. Their summaries are deleted.")
    return redirect(url_for("supervise.dashboard"))
