"""The one cache of the web app: values kept while the data they were computed from is unchanged.

Every committed write to the data, whatever made it (the web, ``clearground import``, field
forms, a restore), bumps the data version in its own transaction (``store/data_version.py``).
A cached value remembers the version it was computed at and is served only while that version
is current. The version lives in the database, so every server process sees every write.

One class serves every cached thing (the public figures, the dashboard's parts, shared OGC
answers, the map's layer indexes); what differs between them is said by its settings:

- ``check_s``: how long a value is served without asking the version (seconds; 0: asked at
  every use, one read of one row).
- ``entries`` and ``max_bytes``: the bounds; the least recently used value goes first, and a
  value larger than a quarter of ``max_bytes`` is not kept at all.
- ``stale_ok`` (per call): a value whose data changed is served at once while it is recomputed
  in the background (``refreshing(key)`` says so).
- ``wait=False`` (per call): while another request recomputes a value, the one in hand is
  served rather than waited for.

One computation per key at a time; a computation that fails raises (in the background: leaves
the old value) and caches nothing.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, TypeVar

from clearground.store.data_version import data_version
from clearground.store.database import Store

T = TypeVar("T")
logger = logging.getLogger(__name__)


@dataclass
class _Entry:
    value: Any
    version: Hashable
    checked: float  # clock time the version was last found current (s)
    size: int = 0  # bytes, as the caller's ``size`` measured them
    refreshing: bool = False


def in_thread(work: Callable[[], None]) -> None:
    """Run ``work`` in a daemon thread (the default way of background recomputation)."""
    threading.Thread(target=work, name="cache-refresh", daemon=True).start()


def store_version(store: Store) -> Callable[[], str]:
    """A function that reads the data version of ``store`` (in a session of its own)."""

    def read() -> str:
        with store.session() as session:
            return data_version(session)

    return read


class Cache:
    """Values by key, recomputed when the data version they were computed at is no longer
    current; see the module's docstring for the settings. ``hits`` and ``misses`` count the
    lookups answered from the cache and those that computed."""

    def __init__(
        self,
        *,
        check_s: float = 0.0,
        entries: int = 64,
        max_bytes: int | None = None,
        clock: Callable[[], float] = time.monotonic,
        spawn: Callable[[Callable[[], None]], None] = in_thread,
    ) -> None:
        self.check_s = check_s
        self.entries = entries
        self.max_bytes = max_bytes
        self.clock = clock
        self.spawn = spawn
        self.hits = 0
        self.misses = 0
        self._items: OrderedDict[Hashable, _Entry] = OrderedDict()
        self._bytes = 0
        self._locks: dict[Hashable, threading.Lock] = {}
        self._guard = threading.Lock()

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: Hashable) -> bool:
        return key in self._items

    @property
    def bytes(self) -> int:
        """The sizes of the kept values together, as their ``size`` functions measured them."""
        return self._bytes

    def refreshing(self, key: Hashable) -> bool:
        """Whether the value of ``key`` is being recomputed in the background."""
        with self._guard:
            entry = self._items.get(key)
            return bool(entry and entry.refreshing)

    def get(
        self,
        key: Hashable,
        compute: Callable[[], T],
        version: Callable[[], Hashable],
        *,
        size: Callable[[T], int] | None = None,
        stale_ok: bool = False,
        wait: bool = True,
    ) -> T:
        """The value of ``key``: cached, or computed by ``compute`` when missing or computed
        from other data than the current (``version()``, read before computing)."""
        entry = self._served(key, stale_ok)
        if entry is not None:
            return entry.value  # type: ignore[no-any-return]
        lock = self._lock(key)
        if not lock.acquire(blocking=wait or key not in self._items):
            with self._guard:  # being recomputed by another request: the value in hand
                entry = self._items.get(key)
                if entry is not None:
                    self.hits += 1
                    return entry.value  # type: ignore[no-any-return]
            lock.acquire()  # dropped meanwhile: wait for the computation
        try:
            entry = self._served(key, stale_ok)  # computed meanwhile by another request
            if entry is not None:
                return entry.value  # type: ignore[no-any-return]
            now = version()
            with self._guard:
                old = self._items.get(key)
                if old is not None and old.version == now:
                    old.checked = self.clock()
                    self._items.move_to_end(key)
                    self.hits += 1
                    return old.value  # type: ignore[no-any-return]
                self.misses += 1
                stale = old is not None and stale_ok
                if old is not None and stale:
                    old.refreshing = True
                    stale_value: Any = old.value
            if not stale:
                value = compute()
                self._keep(key, value, now, size)
                return value
        finally:
            lock.release()
        # outside the key's lock, which the refresh takes
        self.spawn(lambda: self._refresh(key, compute, now, size))
        return stale_value  # type: ignore[no-any-return]

    def _served(self, key: Hashable, stale_ok: bool) -> _Entry | None:
        """The entry of ``key`` if it can be served without asking the version: checked
        within ``check_s``, or (with ``stale_ok``) being recomputed in the background."""
        with self._guard:
            entry = self._items.get(key)
            if entry is None:
                return None
            fresh = self.check_s > 0 and self.clock() - entry.checked < self.check_s
            if fresh or (stale_ok and entry.refreshing):
                self._items.move_to_end(key)
                self.hits += 1
                return entry
        return None

    def _lock(self, key: Hashable) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(key, threading.Lock())

    def _keep(
        self, key: Hashable, value: Any, version: Hashable, size: Callable[[Any], int] | None
    ) -> None:
        n = size(value) if size is not None else 0
        with self._guard:
            old = self._items.pop(key, None)
            if old is not None:
                self._bytes -= old.size
            if self.max_bytes is not None and n > self.max_bytes // 4:
                return  # too large to keep
            self._items[key] = _Entry(value, version, self.clock(), n)
            self._bytes += n
            while len(self._items) > self.entries or (
                self.max_bytes is not None and self._bytes > self.max_bytes
            ):
                gone_key, gone = self._items.popitem(last=False)
                self._bytes -= gone.size
                lock = self._locks.get(gone_key)
                if lock is not None and not lock.locked():
                    del self._locks[gone_key]

    def _refresh(
        self,
        key: Hashable,
        compute: Callable[[], Any],
        version: Hashable,
        size: Callable[[Any], int] | None,
    ) -> None:
        with self._lock(key):
            try:
                value = compute()
            except Exception:  # noqa: BLE001 - a background failure keeps the old value
                logger.exception("cache: recomputing %s failed", key)
                with self._guard:
                    entry = self._items.get(key)
                    if entry is not None:
                        entry.refreshing = False
                return
            self._keep(key, value, version, size)


_STATE_LOCK = threading.Lock()


def cache_of(app: Any, name: str, make: Callable[[], Cache]) -> Cache:
    """The cache ``name`` of ``app`` (kept in ``app.state``), made by ``make`` on first use."""
    with _STATE_LOCK:
        found = getattr(app.state, name, None)
        if found is None:
            found = make()
            setattr(app.state, name, found)
    assert isinstance(found, Cache)
    return found
