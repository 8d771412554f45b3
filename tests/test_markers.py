"""The declared `e2e` marker is on every browser test and on nothing else."""
import subprocess
import sys

from tests.conftest import TESTS


def collected(*args):
    result = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", "-n", "0",
                             *args], cwd=TESTS.parent, capture_output=True, text=True, timeout=120)
    return [line for line in result.stdout.splitlines() if "::" in line]


def test_the_e2e_marker_is_on_every_end_to_end_test_and_nothing_else():
    paths = ("tests/e2e", "tests/test_docs.py")  # the browser tests, and some Flask-client tests
    every = collected(*paths)
    browser = [test for test in every if test.startswith("tests/e2e/")]
    assert browser and len(browser) < len(every)
    assert collected("-m", "e2e", *paths) == browser
