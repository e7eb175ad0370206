"""Figures computed from the database, kept until the data change or a time passes.

Every committed write to the data, whatever made it (the web, ``clearground import``, field
forms), bumps the data version in its own transaction (``store/data_version.py``); a cached
value is used only while that version is unchanged and it is younger than ``ttl`` seconds.
The version lives in the database, so every server process sees it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, TypeVar

from clearground.store.data_version import data_version
from clearground.store.database import Store

T = TypeVar("T")


@dataclass
class _Entry:
    value: Any
    version: str
    at: float


class Cache:
    """Values by key, recomputed when the data version changes or after ``ttl`` seconds."""

    def __init__(self, store: Store, ttl: float = 30.0, size: int = 64) -> None:
        self.store = store
        self.ttl = ttl
        self.size = size
        self._items: dict[Hashable, _Entry] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        with self.store.session() as session:
            now_version = data_version(session)
        with self._lock:
            hit = self._items.get(key)
        if hit and hit.version == now_version and time.monotonic() - hit.at < self.ttl:
            value: T = hit.value
            return value
        fresh = compute()
        with self._lock:
            if len(self._items) >= self.size:
                self._items.pop(next(iter(self._items)))
            self._items[key] = _Entry(fresh, now_version, time.monotonic())
        return fresh
