"""`alongside serve`: the next step after the address, the trusted proxy, and a folder it cannot write."""
import errno
import pathlib

import pytest
import waitress
from click.testing import CliRunner

from pwa.cli import main
from tests.conftest import MINI_PACK


@pytest.fixture
def serve(tmp_path, monkeypatch):
    """Run `alongside serve ...` without listening; return (result, the options waitress was given)."""
    given = {}
    monkeypatch.setattr(waitress, "serve", lambda app, **options: given.update(options))

    def run(*args, env=None):
        result = CliRunner().invoke(main, ["serve", "--instance", str(tmp_path / "instance"), *args],
                                    env={"ALONGSIDE_CONTENT": str(MINI_PACK), **(env or {})})
        return result, given
    return run


def test_serve_prints_the_address_then_what_to_do_next(serve):
    result, options = serve("--host", "0.0.0.0")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    address = next(i for i, line in enumerate(lines) if "http://0.0.0.0:8000/" in line)
    after = "\n".join(lines[address + 1:])
    assert "Open http://127.0.0.1:8000/ on this computer" in after
    assert "https://" in after and "Running a server" in after
    assert "alongside supervisor add EMAIL --name NAME" in after
    assert "trusted_proxy" not in options and options["clear_untrusted_proxy_headers"] is True


@pytest.mark.parametrize("args, env", [(["--trusted-proxy", "127.0.0.1"], {}),
                                       ([], {"ALONGSIDE_TRUSTED_PROXY": "127.0.0.1"})],
                         ids=["option", "setting"])
def test_serve_gives_waitress_the_trusted_proxy(serve, args, env):
    result, options = serve(*args, env=env)
    assert result.exit_code == 0, result.output
    assert options["trusted_proxy"] == "127.0.0.1" and options["trusted_proxy_count"] == 1
    assert options["trusted_proxy_headers"] == {"x-forwarded-for", "x-forwarded-proto", "x-forwarded-host"}
    assert "proxy at 127.0.0.1" in result.output


@pytest.fixture
def alongside(monkeypatch):
    """Run `alongside ...`; serve never listens."""
    monkeypatch.setattr(waitress, "serve", lambda app, **options: None)
    return lambda *args: CliRunner().invoke(main, list(args), env={"ALONGSIDE_CONTENT": str(MINI_PACK)})


@pytest.mark.parametrize("command", [["serve"], ["supervisor", "list"]])
def test_a_folder_that_cannot_be_written_is_named_in_one_line(alongside, tmp_path, command):
    (tmp_path / "a-file").write_text("not a folder")
    instance = tmp_path / "a-file" / "instance"
    result = alongside(*command, "--instance", str(instance))
    assert result.exit_code == 1
    assert result.output.strip().count("\n") == 0 and "Traceback" not in result.output
    assert str(instance) in result.output and "cannot write" in result.output
    assert not isinstance(result.exception, OSError)


def test_a_read_only_instance_folder_is_named_in_one_line(alongside, tmp_path, monkeypatch):
    instance = tmp_path / "instance"
    instance.mkdir()

    def read_only(self, data):
        raise OSError(errno.EROFS, "Read-only file system", str(self))
    monkeypatch.setattr(pathlib.Path, "write_bytes", read_only)
    result = alongside("serve", "--instance", str(instance))
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.output.strip().count("\n") == 0
    assert str(instance) in result.output and "Read-only file system" in result.output
