"""The rate limiter's in-memory counters under many threads at once (pwa/limits.py)."""
import sys
import threading
import time

from pwa.limits import LockedMemoryStorage, limiter

THREADS, ROUNDS = 24, 100


def count_at_once(storage) -> list[str]:
    """Every round, THREADS threads count at the same moment, just after the expiry timer has ended (it
    runs 10 ms): the moment limits' own MemoryStorage can start one timer twice. Thread switches are
    made as frequent as Python allows, so the race shows within a few rounds (with MemoryStorage here:
    "RuntimeError: threads can only be started once", a few times in 100 rounds)."""
    errors: list[str] = []
    together = threading.Barrier(THREADS)

    def phone(n):
        for _ in range(ROUNDS):
            together.wait()
            try:
                storage.incr(f"phone-{n % 4}", 60)
            except Exception as exc:  # noqa: BLE001 -- every failure is the finding
                errors.append(repr(exc))
            time.sleep(0.015)

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        threads = [threading.Thread(target=phone, args=(n,)) for n in range(THREADS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(interval)
    return errors


def test_counting_from_many_threads_at_once_never_fails_and_counts_every_hit():
    storage = LockedMemoryStorage()
    assert count_at_once(storage) == []
    assert sum(storage.get(f"phone-{n}") for n in range(4)) == THREADS * ROUNDS


def test_the_app_counts_in_the_locked_storage_unless_told_otherwise(app):
    assert app.config["RATELIMIT_STORAGE_URI"] == "alongside-memory://"
    assert isinstance(limiter.storage, LockedMemoryStorage)
