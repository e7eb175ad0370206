"""Figures computed from the database, kept until the data change or a time passes.

Every write made through the web (entry, edits, review actions, imports) bumps the
``data_version`` setting in the same transaction; a cached value is used only while that
version is unchanged and it is younger than ``ttl`` seconds (writes made outside the web, by
``clearground import`` for example, show after at most ``ttl``). The version lives in the
database, so every server process sees it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from clearground.store import tables as t
from clearground.store.database import Store

T = TypeVar("T")
KEY = "data_version"


def bump(session: Session) -> None:
    """Mark the data as changed (call inside the transaction that changes it)."""
    setting = session.get(t.Setting, KEY, with_for_update=True)
    if setting is None:
        session.add(t.Setting(key=KEY, value="1"))
    else:
        setting.value = str(int(setting.value) + 1)


def version(session: Session) -> str:
    setting = session.get(t.Setting, KEY)
    return setting.value if setting is not None else "0"


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
            now_version = version(session)
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
