"""Fixtures for Flask-client tests: an app on the small test pack, its client and CLI runner."""
from pathlib import Path

import pytest

from pwa import create_app

TESTS = Path(__file__).parent
MINI_PACK = TESTS / "packs" / "mini"


@pytest.fixture
def app(tmp_path):
    return create_app({"TESTING": True, "CONTENT": str(MINI_PACK), "WTF_CSRF_ENABLED": True},
                      instance_path=tmp_path / "instance")


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()
