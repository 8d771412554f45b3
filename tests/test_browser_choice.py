"""Which Chromium the end-to-end tests drive: the order README.md gives, and a failure that says what to install."""
from types import SimpleNamespace

import pytest

from tests.e2e import live


def playwright_with(own: str) -> SimpleNamespace:
    return SimpleNamespace(chromium=SimpleNamespace(executable_path=own))


@pytest.fixture
def machine(tmp_path, monkeypatch):
    """A machine whose Debian Chromium and headless shell are files in tmp_path (made by the test)."""
    monkeypatch.delenv("ALONGSIDE_CHROMIUM", raising=False)
    monkeypatch.setattr(live, "DEBIAN_HEADLESS_SHELL", str(tmp_path / "chromium-headless-shell"))
    monkeypatch.setattr(live, "DEBIAN_CHROMIUM", str(tmp_path / "chromium"))
    return tmp_path


def test_the_order_is_explicit_then_playwrights_own_then_debians_headless_shell_then_debians_chromium(
        machine, monkeypatch):
    nothing = playwright_with(str(machine / "not-installed"))
    (machine / "chromium").touch()
    assert live.chromium_path(nothing) == str(machine / "chromium")
    (machine / "chromium-headless-shell").touch()
    assert live.chromium_path(nothing) == str(machine / "chromium-headless-shell")
    assert live.chromium_path(nothing, headless_shell=False) == str(machine / "chromium")  # the benches
    (machine / "own").touch()
    assert live.chromium_path(playwright_with(str(machine / "own"))) == str(machine / "own")
    (machine / "mine").touch()
    monkeypatch.setenv("ALONGSIDE_CHROMIUM", str(machine / "mine"))
    assert live.chromium_path(playwright_with(str(machine / "own"))) == str(machine / "mine")


def test_with_no_chromium_the_failure_gives_the_command_that_installs_one(machine, monkeypatch):
    with pytest.raises(live.NoBrowser, match="apt-get update && apt-get install -y chromium"):
        live.chromium_path(playwright_with(""))
    monkeypatch.setenv("ALONGSIDE_CHROMIUM", str(machine / "missing"))
    with pytest.raises(live.NoBrowser, match="ALONGSIDE_CHROMIUM=.*missing does not exist"):
        live.chromium_path(playwright_with(""))
