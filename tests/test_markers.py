"""The declared `e2e` marker is on every browser test and on nothing else."""
import subprocess
import sys

from tests.conftest import TESTS


def collected(*args):
    result = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", "-n", "0",
                             *args],
                            cwd=TESTS.parent, capture_output=True, text=True, timeout=120)
    return [line for line in result.stdout.splitlines() if "::" in line]


def test_every_end_to_end_test_carries_the_e2e_marker():
    every = collected("tests/e2e")
    assert every and collected("-m", "e2e", "tests/e2e") == every
    assert collected("-m", "not e2e", "tests/e2e") == []


def test_flask_client_tests_do_not_carry_it():
    assert collected("-m", "e2e", "tests/test_docs.py") == []
    assert collected("-m", "not e2e", "tests/test_docs.py")
