"""The server hands freed memory back to the system (``web/memory.py``, issue 16, item 7): the
arena cap and the trimming thread, their settings, and that the app starts and stops the
thread with the server. Whether the memory then levels off over an hour is what
``bench/soak.py`` measures (timings and memory do not belong in tests)."""

from __future__ import annotations

import ctypes
import threading
import time

import pytest
from fastapi.testclient import TestClient

from clearground.domain.errors import BadInput
from clearground.store.database import Store
from clearground.web import memory
from clearground.web.app import create_app


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert memory.MemorySettings.from_env() == memory.MemorySettings(arenas=2, trim_s=30.0)
    monkeypatch.setenv(memory.ARENAS_ENV, "0")
    monkeypatch.setenv(memory.TRIM_ENV, "2.5")
    assert memory.MemorySettings.from_env() == memory.MemorySettings(arenas=0, trim_s=2.5)
    for bad in ("-1", "many", "nan"):
        monkeypatch.setenv(memory.TRIM_ENV, bad)
        with pytest.raises(BadInput) as caught:
            memory.MemorySettings.from_env()
        assert caught.value.field == memory.TRIM_ENV and caught.value.fix


def test_glibc_takes_the_arena_cap_and_trims() -> None:
    """On this machine's C library (glibc, Debian) both calls exist and succeed."""
    libc = memory._glibc()
    assert libc is not None, "glibc's mallopt and malloc_trim were not found"
    assert memory.cap_arenas(2, libc) is True
    assert memory.cap_arenas(0, libc) is False  # 0: left as glibc has it
    blocks = [ctypes.create_string_buffer(1 << 16) for _ in range(2000)]  # ~128 MiB
    del blocks
    memory.trim(libc)  # whether anything was free to give back depends on the heap's state


def test_the_trimmer_runs_until_stopped() -> None:
    calls: list[float] = []
    trimmer = memory.Trimmer(0.01, lambda: calls.append(time.monotonic())).start()
    deadline = time.monotonic() + 5
    while len(calls) < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    trimmer.stop()
    assert len(calls) >= 3
    after = len(calls)
    time.sleep(0.05)
    assert len(calls) == after, "no trimming after stop()"


def test_a_failing_trim_does_not_stop_the_thread() -> None:
    runs = threading.Event()
    seen = [0]

    def fails() -> None:
        seen[0] += 1
        if seen[0] >= 2:
            runs.set()
        raise OSError("no such function")

    trimmer = memory.Trimmer(0.01, fails).start()
    assert runs.wait(5)
    trimmer.stop()


def test_the_app_trims_while_it_serves(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(memory.TRIM_ENV, "0.01")
    made: list[memory.Trimmer] = []
    real = memory.Trimmer

    def recording(every_s: float, work: object = memory.trim) -> memory.Trimmer:
        made.append(real(every_s))
        return made[-1]

    monkeypatch.setattr(memory, "Trimmer", recording)
    app = create_app(store.url)
    with TestClient(app) as client:
        assert client.get("/api/summary").status_code == 200
        assert len(made) == 1 and made[0].every_s == 0.01
        deadline = time.monotonic() + 5
        while made[0].runs < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert made[0].runs >= 2
    assert not made[0]._thread.is_alive(), "the thread ends with the server"


def test_trimming_can_be_turned_off(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(memory.TRIM_ENV, "0")
    started: list[object] = []
    monkeypatch.setattr(memory, "Trimmer", lambda *a: started.append(a))
    with TestClient(create_app(store.url)) as client:
        assert client.get("/api/summary").status_code == 200
    assert started == []
