"""Alongside: Realising Recovery Module 2 as an offline, private PWA."""
import os
import secrets
from pathlib import Path

from flask import Flask

from . import settings


def create_app(test_config=None, instance_path=None):
    """Create and configure the Alongside app."""
    app = Flask(__name__, instance_path=instance_path and os.path.abspath(instance_path),
                instance_relative_config=True, static_folder=None)
    app.config.from_mapping(settings.defaults())
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.update(settings.from_environment())
    else:
        app.config.update(test_config)
    _check_writable(Path(app.instance_path))
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(Path(app.instance_path) / "secret_key")
    if app.debug or app.testing:
        app.config["SECURE_COOKIES"] = app.config.get("SECURE_COOKIES_IN_TESTS", False)
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
                      SESSION_COOKIE_SECURE=app.config["SECURE_COOKIES"])

    from . import errors, reader, shell
    reader.init_app(app)
    shell.PWA(app)
    errors.init_app(app)

    from . import limits, seal, store, supervise, sync
    store.init_app(app)
    seal.init_app(app)
    limits.init_app(app)
    sync.init_app(app)
    supervise.init_app(app)
    return app


def _check_writable(folder: Path) -> None:
    """Make the instance folder if need be and prove it and its folders take files; else raise StartupError."""
    from .errors import StartupError
    inner = folder
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        for inner in [folder, *(p for p in folder.rglob("*") if p.is_dir())]:
            probe = inner / f".write-test-{secrets.token_hex(4)}"
            probe.write_bytes(b"")
            probe.unlink()
    except OSError as exc:
        raise StartupError(f"Alongside cannot write to the folder {exc.filename or inner} ({exc.strerror}): "
                           "give the user that runs the server write access to it, or choose another "
                           "instance folder with --instance.") from None


def _instance_secret(path: Path) -> str:
    """Read the instance's secret key, making one (mode 0600) on first start."""
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
    return path.read_text().strip()
