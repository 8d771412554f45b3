"""Where the app's shipped files live, installed or in a checkout."""
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent


def shipped_root() -> Path:
    """Return the folder holding static/, service_worker/ and content/.

    A wheel carries them in pwa/_data (see setup.py); a checkout or an editable
    install has them beside the package.
    """
    bundled = PACKAGE / "_data"
    if (bundled / "static").is_dir():
        return bundled
    return PACKAGE.parent


def static_dir() -> Path:
    return shipped_root() / "static"


def service_worker_source() -> Path:
    return shipped_root() / "service_worker" / "sw.js"


def default_content_dir() -> Path:
    return shipped_root() / "content" / "module-2"
