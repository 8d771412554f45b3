"""The app's rate limiter, shared by the pairing API and the supervisor log-in."""
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

# Counts per client address. Behind a reverse proxy, wrap the app in werkzeug's
# ProxyFix so this is the worker's address, not the proxy's.
limiter = Limiter(get_remote_address)


def init_app(app) -> None:
    """Rate-limit the routes marked with ``@limiter.limit`` (storage: RATELIMIT_STORAGE_URI)."""
    limiter.init_app(app)
