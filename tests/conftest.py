"""Fixtures for Flask-client tests: an app on the small test pack, its client and CLI runner.

The app keeps its data in TinyDB files unless a test module overrides ``backend`` (test_sync.py runs on
both): for "postgresql" it uses one throwaway cluster per test process (or ``ALONGSIDE_TEST_DATABASE_URL``),
emptied before each test.
"""
import os
import shutil
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
import yaml

from pwa import create_app

TESTS = Path(__file__).parent
MINI_PACK = TESTS / "packs" / "mini"


def copy_pack(tmp_path: Path, source: Path = MINI_PACK) -> Path:
    """A copy of a content pack in tmp_path/pack, for a test to break."""
    target = tmp_path / "pack"
    shutil.copytree(source, target)
    return target


def edit_yaml(path: Path, change):
    """Apply change(data) to a pack file's YAML and write it back."""
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
E2E = TESTS / "e2e"


def pytest_collection_modifyitems(config, items):
    """Mark every test under tests/e2e with the declared ``e2e`` marker, so ``-m "not e2e"`` leaves the browser out."""
    for item in items:
        if E2E in item.path.parents:
            item.add_marker(pytest.mark.e2e)


BACKENDS = ["tinydb", "postgresql"]

# Supervisors' passwords hashed with scrypt at N=2**10 in this process (the Flask tests): a millisecond a
# hash instead of 0.1 s, hundreds of times over. The app's own strength (N=2**15) is what servers in a
# subprocess use, and tests/test_store.py checks it there.
CHEAP_PASSWORD_METHOD = "scrypt:1024:8:1"


@pytest.fixture(autouse=True)
def cheap_password_hashes(monkeypatch):
    from pwa import store
    monkeypatch.setattr(store, "PASSWORD_METHOD", CHEAP_PASSWORD_METHOD)


@pytest.fixture(scope="session")
def pg_server():
    """A PostgreSQL server URL: ``ALONGSIDE_TEST_DATABASE_URL``, or a throwaway cluster on 127.0.0.1."""
    from tests.pgcluster import ClusterFailed, NoPostgreSQL, cluster
    given = os.environ.get("ALONGSIDE_TEST_DATABASE_URL")
    if given:
        yield given
        return
    try:
        with cluster() as url:
            yield url
    except NoPostgreSQL as exc:
        if os.environ.get("CI"):
            pytest.fail(str(exc))
        pytest.skip(str(exc))
    except ClusterFailed as exc:
        pytest.fail(str(exc))


@pytest.fixture(scope="session")
def pg_database(pg_server):
    """A database of this test process's own on the server, with the schema made: (URL, admin connection)."""
    import psycopg

    from pwa.store_pg import upgrade
    name = f"alongside_test_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
    with psycopg.connect(pg_server, autocommit=True) as server:
        server.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        server.execute(f"CREATE DATABASE {name}")
    url = urlunsplit(urlsplit(pg_server)._replace(path=f"/{name}"))
    upgrade(url)
    with psycopg.connect(url, autocommit=True) as admin:
        yield url, admin
    with psycopg.connect(pg_server, autocommit=True) as server:  # leave a given server as it was
        server.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def pg_url(pg_database):
    """The URL of an empty Alongside database (the token key is kept between tests)."""
    url, admin = pg_database
    admin.execute("DELETE FROM supervisors")  # devices, codes and summaries go with them (cascade)
    return url


@pytest.fixture
def backend():
    """Where the app keeps its data; a module may parametrise it over BACKENDS."""
    return "tinydb"


def app_settings(request, backend: str) -> dict:
    """The settings that put an app's data on ``backend``."""
    return {"DATABASE_URL": request.getfixturevalue("pg_url")} if backend == "postgresql" else {}


def close_store(app) -> None:
    close = getattr(app.extensions.get("store"), "close", None)
    if close:
        close()


@pytest.fixture
def app(tmp_path, request, backend):
    app = create_app({"TESTING": True, "CONTENT": str(MINI_PACK), "WTF_CSRF_ENABLED": True,
                      **app_settings(request, backend)}, instance_path=tmp_path / "instance")
    yield app
    close_store(app)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def supervisor_key(label: str | None = None):
    """A supervisor key pair made in Python: (private key, the record a browser would send).

    The record's vault and sealed private key are stand-ins of the right shape: the server only ever checks
    their shape, and tests open summaries with the private key directly. ``label`` makes the key fixed.
    """
    from cryptography.hazmat.primitives.asymmetric import ec

    from pwa import seal
    if label is None:
        private = ec.generate_private_key(ec.SECP256R1())
    else:
        from tests.vectors.make_seal_v1 import fixed_key
        private = fixed_key(label)
    jwk = seal.public_jwk(private.public_key())
    kdf = {"name": "PBKDF2", "hash": "SHA-256", "iterations": 600000, "salt": "c2FsdHNhbHRzYWx0c2FsdA=="}
    record = {"v": 1, "jwk": jwk, "kid": seal.thumbprint(jwk),
              "vault": {"v": 1, "kdf": kdf, "slots": [{"kind": "passphrase", "iv": "aXZpdml2aXZpdml2", "wrapped": "d3JhcA=="},
                                                      {"kind": "recovery", "iv": "aXZpdml2aXZpdml2", "wrapped": "d3JhcA=="}]},
              "sealed": {"id": "supervisor-key", "iv": "aXZpdml2aXZpdml2", "data": "c2VhbGVk"}}
    return private, seal.parse_supervisor_key(record)


class AuthActions:
    """Supervisor accounts and sign-in for tests: ``auth.login()``, ``auth.form_token()``.

    Supervisors are made with a key pair (as their browser makes at set-up); ``auth.private_keys`` holds
    the private halves by supervisor id, to open what phones sealed to them.
    """

    def __init__(self, app, client):
        self._app, self._client = app, client
        self.private_keys = {}

    def create(self, email="ann@example.org", name="Ann", password="a long enough password", key=True):
        """Add a supervisor straight into the store (with a key pair unless ``key`` is False); return their record."""
        from pwa.store import get_store
        with self._app.app_context():
            store = get_store()
            person = store.create_supervisor(email, name, password)
            if key:
                private, record = supervisor_key()
                store.set_supervisor_key(person["id"], record)
                self.private_keys[person["id"]] = private
                person = store.get_supervisor(person["id"])
            return person

    def form_token(self, path="/supervise/login"):
        """Return the CSRF token of the form on ``path``."""
        import re
        page = self._client.get(path).get_data(as_text=True)
        return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)

    def login(self, email="ann@example.org", password="a long enough password"):
        return self._client.post("/supervise/login", data={
            "email": email, "password": password, "csrf_token": self.form_token()})

    def post(self, path, data=None, **kwargs):
        """POST a supervisor form with a fresh CSRF token from the dashboard."""
        data = dict(data or {}, csrf_token=self.form_token("/supervise/"))
        return self._client.post(path, data=data, **kwargs)

    def logout(self):
        return self.post("/supervise/logout")


@pytest.fixture
def auth(app, client):
    return AuthActions(app, client)


class PairedDevice:
    """A phone paired with a supervisor: its token, device id, the key it seals to, and helpers to send."""

    def __init__(self, client, pairing: dict, supervisor: dict):
        self.client, self.supervisor = client, supervisor
        self.token = pairing["device_token"]
        self.device_id = pairing["device_id"]
        self.recipient = pairing["recipient_key"]
        self.headers = {"Authorization": f"Bearer {self.token}"}

    def seal(self, text="Talked about boundaries on the ward.", device_id=None, **fields):
        """Seal a v2 summary to the supervisor's key from this phone and return the envelope."""
        import json as _json

        from pwa.seal import seal_v2
        summary = {"v": 2, "text": text, "created": "2025-05-01T09:30:00.000Z", **fields}
        return seal_v2(self.recipient["jwk"], device_id or self.device_id, _json.dumps(summary).encode())

    def put(self, summary_id, envelope=None, **kwargs):
        envelope = self.seal() if envelope is None else envelope
        return self.client.put(f"/api/summaries/{summary_id}", json=envelope, headers=self.headers, **kwargs)

    def delete(self, summary_id):
        return self.client.delete(f"/api/summaries/{summary_id}", headers=self.headers)

    def status(self):
        return self.client.get("/api/device", headers=self.headers)


def pair_device(app, client, supervisor: dict, display_name="Sam") -> PairedDevice:
    """Pair a new phone with ``supervisor`` through the API."""
    from pwa.store import get_store
    with app.app_context():
        code, _ = get_store().create_pairing_code(supervisor["id"], 24)
    response = client.post("/api/pair", json={"code": code, "display_name": display_name})
    assert response.status_code == 201, response.get_json()
    return PairedDevice(client, response.get_json(), supervisor)


@pytest.fixture
def paired_device(app, client, auth):
    """A phone paired with supervisor Ann (ann@example.org)."""
    return pair_device(app, client, auth.create())
