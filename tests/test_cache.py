"""The one cache of the web app (``web/cache.py``), beyond what the dashboard's and the OGC
tests show (served within ``check_s``, stale while refreshing, bounded by entries and bytes):
one computation per key at a time, and ``wait=False`` answering from the value in hand while
another request recomputes it (what the map's layer indexes rely on)."""

from __future__ import annotations

import threading

from clearground.web.cache import Cache


def test_one_computation_per_key_at_a_time() -> None:
    cache = Cache()
    started, release = threading.Event(), threading.Event()
    calls: list[int] = []

    def slow() -> int:
        calls.append(1)
        started.set()
        release.wait(5)
        return len(calls)

    answers: list[int] = []
    first = threading.Thread(target=lambda: answers.append(cache.get("k", slow, lambda: "v1")))
    first.start()
    assert started.wait(5)
    second = threading.Thread(target=lambda: answers.append(cache.get("k", slow, lambda: "v1")))
    second.start()
    second.join(0.2)
    assert second.is_alive(), "the second request waits for the first computation"
    release.set()
    first.join(5)
    second.join(5)
    assert answers == [1, 1] and len(calls) == 1
    assert cache.misses == 1 and cache.hits == 1


def test_without_waiting_the_value_in_hand_is_served_during_a_rebuild() -> None:
    cache = Cache()
    version = ["v1"]
    assert cache.get("layer", lambda: "old", lambda: version[0], wait=False) == "old"
    version[0] = "v2"
    started, release = threading.Event(), threading.Event()

    def rebuild() -> str:
        started.set()
        release.wait(5)
        return "new"

    worker = threading.Thread(target=lambda: cache.get("layer", rebuild, lambda: version[0]))
    worker.start()
    assert started.wait(5)
    # meanwhile: answered at once from the index in hand, not blocked, not a second rebuild
    assert cache.get("layer", lambda: "second rebuild", lambda: version[0], wait=False) == "old"
    release.set()
    worker.join(5)
    assert cache.get("layer", lambda: "third", lambda: version[0], wait=False) == "new"


def test_a_failed_computation_caches_nothing() -> None:
    cache = Cache()

    def fails() -> int:
        raise RuntimeError("the database went away")

    for _ in range(2):
        try:
            cache.get("k", fails, lambda: "v1")
        except RuntimeError:
            pass
        else:
            raise AssertionError("the failure must reach the caller")
    assert "k" not in cache and len(cache) == 0
    assert cache.get("k", lambda: 7, lambda: "v1") == 7
