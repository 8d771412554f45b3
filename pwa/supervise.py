"""Supervisor pages under /supervise: sign in, read shared summaries, pair and revoke phones.

Server-rendered and usable without JavaScript. Every form carries a CSRF token
(flask-wtf); sign-in and password set-up are rate-limited. Summaries stay sealed
in the store and are opened only here, to show them to their supervisor.
"""
import functools
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_wtf.csrf import CSRFError, CSRFProtect

from . import sync
from .errors import AppError, render_error
from .limits import limiter
from .seal import SealError, get_keyring
from .store import StoreError, format_code, get_store, parse_time, password_problem, timestamp

bp = Blueprint("supervise", __name__, url_prefix="/supervise")
SESSION_HOURS = 12  # sign in again after a working day
TIME_ZONE = "Europe/London"  # supervisors read times in UK time
csrf = CSRFProtect()

CSRF_MESSAGE = ("This form had expired or did not come from this site, so nothing was changed. "
                "Go back, reload the page and try again.")
LINK_REFUSALS = {
    "link_unknown": (404, "This set-up link is not valid, or has been used. Ask your administrator for a new one."),
    "link_expired": (410, "This set-up link has expired. Ask your administrator for a new one."),
}


def init_app(app) -> None:
    """Add the supervisor pages, CSRF protection for every form, and the /api exemption."""
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # a token lasts as long as the sign-in
    # Referrer-Policy: no-referrer (shell.py) means browsers send no Referer (and Origin: null), so
    # flask-wtf's HTTPS Referer check would refuse every form; the token and SameSite=Lax guard them.
    app.config.setdefault("WTF_CSRF_SSL_STRICT", False)
    csrf.init_app(app)
    csrf.exempt(sync.bp)  # the API authenticates with bearer tokens, not cookies
    app.register_blueprint(bp)

    @app.errorhandler(CSRFError)
    def csrf_refused(exc):
        return render_error(400, "csrf", CSRF_MESSAGE)


@bp.before_request
def load_signed_in_supervisor():
    """Put the signed-in supervisor in ``g.supervisor`` (None when signed out or timed out)."""
    g.supervisor = None
    supervisor_id, signed_in = session.get("supervisor_id"), session.get("signed_in")
    if not supervisor_id or not signed_in:
        return
    if parse_time(signed_in) + timedelta(hours=SESSION_HOURS) < datetime.now(UTC):
        session.clear()
        return
    g.supervisor = get_store().get_supervisor(supervisor_id)


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
    session["signed_in"] = timestamp(datetime.now(UTC))


@bp.app_template_filter("local_time")
def local_time(value) -> str:
    """Format a stored UTC time for a supervisor: 'Thu 1 May 2025, 10:30'."""
    moment = parse_time(value) if isinstance(value, str) else value
    try:
        zone = ZoneInfo(TIME_ZONE)
    except ZoneInfoNotFoundError:  # no tz database on this machine
        zone = UTC
    local = moment.astimezone(zone)
    return f"{local:%a} {local.day} {local:%B %Y, %H:%M}"


@bp.route("/login", methods=("GET", "POST"))
@limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN"], methods=["POST"])
def login():
    """Sign in with email and password."""
    if request.method == "GET":
        if g.supervisor is not None:
            return redirect(url_for("supervise.dashboard"))
        return render_template("supervise/login.html")
    email = request.form.get("email", "")
    supervisor = get_store().check_login(email, request.form.get("password", ""))
    if supervisor is None:
        return render_template("supervise/login.html", email=email,
                               error="That email and password do not match an account. Check both and try again."), 401
    start_session(supervisor)
    return redirect(url_for("supervise.dashboard"))


@bp.post("/logout")
def logout():
    """Sign out."""
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
        return render_template("supervise/setup.html", supervisor=supervisor, token=token)
    password, again = request.form.get("password", ""), request.form.get("confirm", "")
    error = password_problem(password) or (None if password == again else "The two passwords do not match.")
    if error:
        return render_template("supervise/setup.html", supervisor=supervisor, token=token, error=error), 400
    try:
        supervisor = store.redeem_setup_link(token, password)
    except StoreError as exc:
        raise link_refused(exc.reason) from None
    start_session(supervisor)
    flash("Your password is set. You are signed in.")
    return redirect(url_for("supervise.dashboard"))


def link_refused(reason: str) -> AppError:
    status, message = LINK_REFUSALS[reason]
    return AppError(status, reason, message)


def open_summary(stored: dict) -> dict:
    """Open a stored summary for display; ``text`` is None if it can no longer be opened."""
    shown = {"id": stored["id"], "received": stored["received"], "discussed": stored["discussed"],
             "text": None, "created": None, "display_name": None}
    try:
        summary = get_keyring().unseal(stored["envelope"])
    except SealError:
        return shown
    shown.update(text=summary["text"], created=summary["created"], display_name=summary.get("display_name"))
    return shown


@bp.get("/")
@login_required
def dashboard():
    """Every supervisee with their summaries, newest first."""
    store = get_store()
    supervisor_id = g.supervisor["id"]
    people = {d["id"]: {"device": d, "summaries": []} for d in store.devices_for_supervisor(supervisor_id)}
    for stored in store.summaries_for_supervisor(supervisor_id):
        if stored["device_id"] in people:
            people[stored["device_id"]]["summaries"].append(open_summary(stored))
    ordered = sorted(people.values(), key=lambda p: p["device"]["display_name"].casefold())
    ordered.sort(key=lambda p: p["summaries"][0]["received"] if p["summaries"] else "", reverse=True)
    return render_template("supervise/dashboard.html", people=ordered,
                           codes=store.open_pairing_codes(supervisor_id),
                           code_hours=current_app.config["PAIRING_CODE_HOURS"])


@bp.post("/codes")
@login_required
def new_code():
    """Make a single-use pairing code and show it once."""
    hours = current_app.config["PAIRING_CODE_HOURS"]
    code, expires = get_store().create_pairing_code(g.supervisor["id"], hours)
    return render_template("supervise/code.html", code=format_code(code), expires=expires, hours=hours)


@bp.post("/summaries/<summary_id>/discussed")
@login_required
def mark_discussed(summary_id: str):
    """Mark a summary as discussed, or as not yet discussed."""
    discussed = request.form.get("discussed") == "1"
    if not get_store().mark_discussed(g.supervisor["id"], summary_id, discussed):
        raise summary_gone()
    flash("Marked as discussed." if discussed else "Marked as not yet discussed.")
    return redirect(url_for("supervise.dashboard") + f"#summary-{summary_id}")


@bp.post("/summaries/<summary_id>/delete")
@login_required
def delete_summary(summary_id: str):
    """Delete a summary from the server (the supervisee keeps their own journal)."""
    if not get_store().delete_summary(g.supervisor["id"], summary_id):
        raise summary_gone()
    flash("Summary deleted.")
    return redirect(url_for("supervise.dashboard"))


def summary_gone() -> AppError:
    return AppError(404, "summary_gone", "That summary is not here: it may have been withdrawn or deleted. "
                    "Go back to your summaries.")


@bp.route("/devices/<device_id>/revoke", methods=("GET", "POST"))
@login_required
def revoke(device_id: str):
    """Stop sharing with a supervisee: confirm, then their phone's token stops working."""
    store = get_store()
    device = next((d for d in store.devices_for_supervisor(g.supervisor["id"]) if d["id"] == device_id), None)
    if device is None:
        raise AppError(404, "device_gone", "That supervisee is not paired with you. Go back to your summaries.")
    if request.method == "GET":
        held = sum(1 for s in store.summaries_for_supervisor(g.supervisor["id"]) if s["device_id"] == device_id)
        return render_template("supervise/revoke.html", device=device, held=held)
    store.revoke_device(g.supervisor["id"], device_id)
    flash(f"You have stopped sharing with {device['display_name']}. Their summaries are deleted.")
    return redirect(url_for("supervise.dashboard"))
