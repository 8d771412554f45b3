"""The README stays true: every setting documented, the two commands first."""
import re
from pathlib import Path

import pytest

from pwa.settings import SETTINGS

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


@pytest.mark.parametrize("name", [s[0] for s in SETTINGS])
def test_every_setting_is_documented_in_the_readme(name):
    assert re.search(rf"^\| `{name}` \|", README, re.M), f"{name} is missing from the README's settings table"


def test_readme_opens_with_serve_then_test_commands():
    commands = re.findall(r"```sh\n(.+?)\n```", README, re.S)
    assert commands[0].splitlines()[-1] == "pip install . && alongside serve"  # after making a venv
    assert commands[1] == "pip install -e '.[test]' && python -m pytest"


def test_ci_runs_the_readme_test_command():
    ci = (Path(__file__).resolve().parents[1] / ".ci" / "run").read_text()
    assert "pip install -e '.[test]' && python -m pytest" in ci.replace("python -m pip install -q", "pip install")


def section(title):
    return README.split(f"## {title}\n", 1)[1].split("\n## ", 1)[0]


def test_every_serve_option_is_in_running_a_server():
    from pwa.cli import serve
    running = section("Running a server")
    for option in serve.params:
        assert f"--{option.name.replace('_', '-')}" in running, option.name


def test_running_a_server_shows_a_proxy_that_sets_the_forwarded_headers():
    running = section("Running a server")
    nginx = re.search(r"```nginx\n(.+?)```", running, re.S).group(1)
    assert "X-Forwarded-Proto $scheme" in nginx and "X-Forwarded-For $remote_addr" in nginx
    assert "proxy_pass http://127.0.0.1:8000" in nginx and "--trusted-proxy 127.0.0.1" in running
    assert "reverse_proxy 127.0.0.1:8000" in running  # Caddy
    assert "includeSubDomains" in running
