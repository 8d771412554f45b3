"""The test suite's time and the CPU it takes, for one or more checkouts, run in turn.

    python bench/suite.py [CHECKOUT ...] [--rounds N] [-- PYTEST ARGS]

Runs the README's test command (`python -m pytest`, with `-q -p no:cacheprovider`) in each checkout
(default: this one) and prints its wall time, the CPU the whole machine spent meanwhile (busy time in
/proc/stat: the browsers and servers the tests start are counted too) and the load average. With
several checkouts and rounds they alternate (A B A B ...), so a machine that slows down during the
runs slows both. Each checkout is installed (`pip install --no-deps -e`) before it runs; this one is
installed again at the end.
"""
import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]


def busy_seconds() -> float:
    """CPU time the machine has spent on anything but idling and waiting for disks, in seconds."""
    fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return (sum(fields) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


def install(checkout: Path) -> None:
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "-e", str(checkout)], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def run(checkout: Path, pytest_args: list[str]) -> dict:
    install(checkout)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=checkout, capture_output=True,
                            text=True).stdout.strip()
    cpu, start = busy_seconds(), time.monotonic()
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *pytest_args],
                            cwd=checkout, capture_output=True, text=True)
    wall, cpu = time.monotonic() - start, busy_seconds() - cpu
    summary = (result.stdout.strip().splitlines() or ["(no output)"])[-1].strip("= ")
    return {"commit": commit, "wall": wall, "cpu": cpu, "load": os.getloadavg()[0], "summary": summary}


def main() -> None:
    argv = sys.argv[1:]
    pytest_args = argv[argv.index("--") + 1:] if "--" in argv else []
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkouts", nargs="*", type=Path, default=[HERE])
    parser.add_argument("--rounds", type=int, default=1)
    options = parser.parse_args(argv[:argv.index("--")] if "--" in argv else argv)
    try:
        for round_number in range(1, options.rounds + 1):
            for checkout in options.checkouts:
                r = run(checkout.resolve(), pytest_args)
                print(f"round {round_number}  {r['commit']}  wall {r['wall']:6.1f} s  machine CPU {r['cpu']:6.1f} s  "
                      f"load {r['load']:4.1f}  {r['summary']}", flush=True)
    finally:
        install(HERE)


if __name__ == "__main__":
    main()
