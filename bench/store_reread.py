"""What one TinyDB store file costs a server process to read again after another process wrote it.

    python bench/store_reread.py [--reps 200]

Two StoreFile objects on one file stand for two server processes. For each file size, the first process
appends one summary (a realistic 1.1 KB envelope) or changes one in the middle, and the second then reads
the file (StoreFile.load, as it does under the lock before each write). Prints the median time of that read.
"""
import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tinydb.table import Document  # noqa: E402

from pwa.storefile import StoreFile  # noqa: E402

ENVELOPE = {"v": 2, "kid": "k" * 43, "epk": {"kty": "EC", "crv": "P-256", "x": "x" * 43, "y": "y" * 43},
            "iv": "i" * 16, "ct": "c" * 900}


def summary(n: int) -> Document:
    return Document({"device_id": "d" * 36, "envelope": ENVELOPE, "created": "2026-11-29T10:00:00Z",
                     "discussed": False}, doc_id=f"{n:036d}")


def median_read_ms(size: int, reps: int, middle: bool) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "summaries.json"
        writer, reader = StoreFile(path), StoreFile(path)
        writer.change(lambda db: db.table("summaries").insert_multiple(summary(n) for n in range(size)))
        reader.load()
        times = []
        for rep in range(reps):
            if middle:
                writer.change(lambda db, rep=rep: db.table("summaries").update({"discussed": rep % 2 == 0},
                                                                      doc_ids=[f"{size // 2:036d}"]))
            else:
                writer.change(lambda db, rep=rep: db.table("summaries").insert(summary(size + rep)))
            start = time.perf_counter()
            reader.load()
            times.append(time.perf_counter() - start)
        return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=200)
    args = parser.parse_args()
    print(f"store_reread: median of {args.reps} reads by a second process, after the first wrote")
    for size in (100, 2_000, 20_000):
        appended = median_read_ms(size, args.reps, middle=False)
        changed = median_read_ms(size, max(10, args.reps // 10), middle=True)
        print(f"  {size:6,} summaries: one appended {appended:7.2f} ms   one in the middle changed {changed:7.2f} ms")


if __name__ == "__main__":
    main()
