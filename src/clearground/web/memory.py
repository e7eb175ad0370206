"""Keeping the server's memory level over weeks: glibc's allocator told to hand back what the
app freed.

A request that builds a 10,000-feature page, an export or the dashboard's record accuracy
allocates hundreds of MiB in Python, NumPy and GEOS, and frees it. glibc keeps freed memory in
the heap it came from, and it makes one heap ("arena") per handler thread that allocates at the
same time (up to 8 per core), so the resident memory of a long-running server ratchets up with
the peaks of every thread. Two remedies, both from glibc's own interface (``mallopt(3)``,
``malloc_trim(3)``), applied when the app starts:

- the number of arenas is capped (``CLEARGROUND_MALLOC_ARENAS``, default 2; 0 leaves glibc's
  default): freed memory is then reused by the next request of any thread;
- a background thread calls ``malloc_trim(0)`` every ``CLEARGROUND_MALLOC_TRIM_SECONDS``
  (default 30; 0: never), which gives the free pages of every arena back to the system.

On a C library other than glibc (musl, macOS) neither exists and nothing is done.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass

from clearground.domain.errors import BadInput

logger = logging.getLogger(__name__)

ARENAS_ENV = "CLEARGROUND_MALLOC_ARENAS"
TRIM_ENV = "CLEARGROUND_MALLOC_TRIM_SECONDS"
M_ARENA_MAX = -8
"""``mallopt``'s parameter number for the arena cap (glibc's malloc.h)."""


@dataclass(frozen=True)
class MemorySettings:
    """``arenas``: glibc malloc arenas at most (0: glibc's default); ``trim_s``: seconds
    between returns of free memory to the system (0: never)."""

    arenas: int = 2
    trim_s: float = 30.0

    @classmethod
    def from_env(cls) -> MemorySettings:
        """The settings from the environment; a value that is not a number >= 0 is refused."""
        return cls(
            arenas=int(_number(ARENAS_ENV, cls.arenas)),
            trim_s=_number(TRIM_ENV, cls.trim_s),
        )


def _number(name: str, default: float) -> float:
    text = os.environ.get(name)
    if text is None or not text.strip():
        return default
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value >= 0:  # also NaN
        raise BadInput(
            "the setting must be a number of 0 or more",
            field=name,
            value=text,
            fix=f"Set {name} to e.g. {default:g}, or unset it",
        )
    return value


def _glibc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        libc = ctypes.CDLL(name)
    except OSError:
        return None
    if not hasattr(libc, "malloc_trim") or not hasattr(libc, "mallopt"):
        return None
    return libc


def cap_arenas(arenas: int, libc: ctypes.CDLL | None = None) -> bool:
    """Cap glibc's malloc arenas at ``arenas`` (before the handler threads start); whether
    it was done."""
    libc = libc if libc is not None else _glibc()
    if libc is None or arenas <= 0:
        return False
    return bool(libc.mallopt(M_ARENA_MAX, int(arenas)))


def trim(libc: ctypes.CDLL | None = None) -> bool:
    """Give the free memory of every arena back to the system; whether any was."""
    libc = libc if libc is not None else _glibc()
    if libc is None:
        return False
    return bool(libc.malloc_trim(0))


class Trimmer:
    """A daemon thread calling ``work`` every ``every_s`` seconds until ``stop()``."""

    def __init__(self, every_s: float, work: Callable[[], object] = trim) -> None:
        self.every_s = every_s
        self.work = work
        self.runs = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="malloc-trim", daemon=True)

    def start(self) -> Trimmer:
        self._thread.start()
        return self

    def _loop(self) -> None:
        while not self._stop.wait(self.every_s):
            try:
                self.work()
            except Exception:  # noqa: BLE001 - trimming must never stop the server
                logger.exception("memory: trimming failed")
            self.runs += 1

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(5)


def keep_level(settings: MemorySettings | None = None) -> Trimmer | None:
    """Apply ``settings`` (default: from the environment) to this process: cap the arenas and
    start the trimming thread (returned, to be stopped at shutdown; None when not trimming)."""
    settings = settings or MemorySettings.from_env()
    if cap_arenas(settings.arenas):
        logger.info("memory: malloc arenas capped at %d", settings.arenas)
    if settings.trim_s <= 0 or _glibc() is None:
        return None
    return Trimmer(settings.trim_s).start()
