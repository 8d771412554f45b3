"""One error type and one handler: JSON for /api, a page elsewhere."""
from flask import jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from .storefile import StoreUnavailable

MESSAGES = {
    400: "The request could not be understood. Check what was sent and try again.",
    401: "You need to sign in (or pair this phone again) to do that.",
    403: "You are not allowed to do that.",
    404: "There is nothing at this address. Check the link, or go back to the contents.",
    405: "That action is not supported here.",
    409: "That conflicts with something already stored.",
    410: "That has expired.",
    413: "What was sent is too large. Make it shorter and try again.",
    415: "Send the request as JSON (Content-Type: application/json).",
    422: "What was sent could not be used.",
    429: "Too many attempts. Wait a minute, then try again.",
    500: "Something went wrong on the server. Your answers on your phone are safe; try again later.",
    503: ("The server cannot save anything just now. Nothing was changed: your phone keeps what it was "
          "sending and tries again later."),
}
UNAVAILABLE_RETRY_SECONDS = 300


class StartupError(Exception):
    """The server cannot start; the message says what to fix, in one line."""


class AppError(Exception):
    """An error a person can act on: status, short code and message."""

    def __init__(self, status: int, error: str, message: str):
        super().__init__(message)
        self.status, self.error, self.message = status, error, message


JSON_PATHS = ("/api/", "/precache")  # read by code (the app, the service worker), not people


def wants_json() -> bool:
    """True for the API, and for a page's script that asked for JSON (supervisor.js sends forms with fetch)."""
    return request.path.startswith(JSON_PATHS) or request.accept_mimetypes.best == "application/json"


def render_error(status: int, error: str, message: str):
    if wants_json():
        return jsonify(error=error, message=message), status
    return render_template("error.html", status=status, message=message), status


def init_app(app):
    @app.errorhandler(AppError)
    def app_error(exc: AppError):
        return render_error(exc.status, exc.error, exc.message)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        code = exc.code or 500
        message = MESSAGES.get(code, exc.description or "Something went wrong.")
        limit = getattr(exc, "limit", None)  # flask-limiter's refusal, with a message of its own if given
        if limit is not None and isinstance(limit.error_message, str):
            message = limit.error_message
        if code >= 500:  # the server's fault, raised as an HTTP error (by a library too): the operator must see it
            app.logger.error("%s %s on %s %s: %s", code, exc.name, request.method, request.path, exc.description)
        return render_error(code, exc.name.lower().replace(" ", "_"), message)

    @app.errorhandler(StoreUnavailable)
    def store_unavailable(exc: StoreUnavailable):
        app.logger.error("could not save on %s %s: %s%s", request.method, request.path, exc,
                         " (the disk is full)" if exc.full else "")
        response, status = render_error(503, "unavailable", MESSAGES[503])
        response = app.make_response((response, status))
        response.headers["Retry-After"] = str(UNAVAILABLE_RETRY_SECONDS)
        return response

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        app.logger.exception("unexpected error on %s %s", request.method, request.path)
        return render_error(500, "server_error", MESSAGES[500])
