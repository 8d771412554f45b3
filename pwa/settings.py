"""Every setting in one table: name, default, and what it is for.

Set them in ``instance/config.py`` or as environment variables prefixed
``ALONGSIDE_`` (``ALONGSIDE_CONTENT=/path/to/pack``).
"""
import os

SETTINGS = (
    ("CONTENT", None, "Folder of the content pack to serve; defaults to the bundled Module 2 pack."),
    ("SECRET_KEY", None, "Signs supervisor sessions and CSRF tokens; generated into the instance folder if unset."),
    ("MAX_CONTENT_LENGTH", 64 * 1024, "Largest request body the server accepts, in bytes."),
    ("HSTS_SECONDS", 31536000, "Strict-Transport-Security max-age (with includeSubDomains), sent on HTTPS requests."),
    ("SECURE_COOKIES", True, "Mark cookies Secure; turned off automatically in development and tests."),
    ("COMPRESS_MIN_BYTES", 512, "Smallest text response worth compressing with brotli or gzip."),
    ("PAIRING_CODE_HOURS", 24, "How long a supervisor's pairing code stays valid."),
    ("RATELIMIT_LOGIN", "10 per minute", "Rate limit for supervisor log-in attempts per address."),
    ("RATELIMIT_PAIR", "10 per minute", "Rate limit for pairing attempts per address."),
    ("RATELIMIT_SUMMARIES", "30 per minute", "Rate limit for summaries sent by one paired phone."),
    ("SUMMARIES_PER_PHONE", 200, "Most summaries the server holds from one phone; more are refused until some go."),
    ("RATELIMIT_STORAGE_URI", "memory://", "Where flask-limiter keeps its counters."),
    ("DATABASE_URL", None, "PostgreSQL to keep the server's data in (postgresql://USER:PASSWORD@HOST:PORT/DATABASE); "
                           "unset: TinyDB files in the instance folder."),
    ("TRUSTED_PROXY", None, "Address of the TLS proxy in front of `alongside serve` (e.g. 127.0.0.1): only its "
                            "X-Forwarded-For/-Proto/-Host are believed. Unset: those headers are ignored."),
)


def defaults() -> dict:
    """Return the defaults of every setting, as config keys."""
    return {name: default for name, default, _ in SETTINGS}


def from_environment() -> dict:
    """Return settings given as ALONGSIDE_* environment variables."""
    found = {}
    for name, default, _ in SETTINGS:
        raw = os.environ.get(f"ALONGSIDE_{name}")
        if raw is None:
            continue
        if isinstance(default, bool):
            found[name] = raw.lower() in ("1", "true", "yes", "on")
        elif isinstance(default, int):
            found[name] = int(raw)
        else:
            found[name] = raw
    return found
