"""The app's rate limiter, shared by the pairing API, the summaries API and the supervisor log-in."""
import threading
import time

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from limits.storage import MemoryStorage

# Counts per client address. Behind a reverse proxy, set TRUSTED_PROXY (see cli.serve) so waitress
# puts the worker's address from X-Forwarded-For in REMOTE_ADDR, not the proxy's.
limiter = Limiter(get_remote_address)
DEFAULT_RETRY_SECONDS = 60


class LockedMemoryStorage(MemoryStorage):
    """limits' in-memory counters, counted one call at a time.

    limits 5.8.0 (the newest release) restarts MemoryStorage's expiry timer without a lock. When two
    threads count at the same moment after the timer has ended, both can start the one new timer, and the
    second gets "RuntimeError: threads can only be started once": a 500 for its request, about 1 PUT in
    10,000 under bench/sync.py. Fixed upstream (alisaifee/limits#352) after that release; until then
    `memory://` means this. A count takes microseconds, so one lock costs nothing measurable.
    """

    STORAGE_SCHEME = ["alongside-memory"]

    def __init__(self, *args, **kwargs):
        self._one_at_a_time = threading.RLock()
        super().__init__(*args, **kwargs)


def _one_at_a_time(name: str):
    """MemoryStorage's method ``name``, called under the storage's lock."""
    def call(self, *args, **kwargs):
        with self._one_at_a_time:
            return getattr(MemoryStorage, name)(self, *args, **kwargs)
    call.__name__ = name
    return call


# Every MemoryStorage method that counts (and so may restart the expiry timer).
for _name in ("incr", "decr", "acquire_entry", "acquire_sliding_window_entry"):
    setattr(LockedMemoryStorage, _name, _one_at_a_time(_name))


def init_app(app) -> None:
    """Rate-limit the routes marked with ``@limiter.limit`` (storage: RATELIMIT_STORAGE_URI)."""
    if app.config.get("RATELIMIT_STORAGE_URI", "memory://") == "memory://":
        app.config["RATELIMIT_STORAGE_URI"] = "alongside-memory://"
    limiter.init_app(app)
    app.after_request(say_when_to_retry)


def say_when_to_retry(response):
    """Tell every refused client when to try again (Retry-After, in seconds)."""
    if response.status_code == 429 and "Retry-After" not in response.headers:
        limit = limiter.current_limit
        seconds = limit.reset_at - int(time.time()) if limit is not None else DEFAULT_RETRY_SECONDS
        response.headers["Retry-After"] = str(max(1, seconds))
    return response
