"""The app's rate limiter, shared by the pairing API, the summaries API and the supervisor log-in."""
import time

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

# Counts per client address. Behind a reverse proxy, set TRUSTED_PROXY (see cli.serve) so waitress
# puts the worker's address from X-Forwarded-For in REMOTE_ADDR, not the proxy's.
limiter = Limiter(get_remote_address)
DEFAULT_RETRY_SECONDS = 60


def init_app(app) -> None:
    """Rate-limit the routes marked with ``@limiter.limit`` (storage: RATELIMIT_STORAGE_URI)."""
    limiter.init_app(app)
    app.after_request(say_when_to_retry)


def say_when_to_retry(response):
    """Tell every refused client when to try again (Retry-After, in seconds)."""
    if response.status_code == 429 and "Retry-After" not in response.headers:
        limit = limiter.current_limit
        seconds = limit.reset_at - int(time.time()) if limit is not None else DEFAULT_RETRY_SECONDS
        response.headers["Retry-After"] = str(max(1, seconds))
    return response
