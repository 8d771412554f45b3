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
    assert commands[0] == "pip install . && alongside serve"
    assert commands[1] == "pip install -e '.[test]' && python -m pytest"


def test_ci_runs_the_readme_test_command():
    ci = (Path(__file__).resolve().parents[1] / ".ci" / "run").read_text()
    assert "pip install -e '.[test]' && python -m pytest" in ci.replace("python -m pip install -q", "pip install")
