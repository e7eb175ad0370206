"""Opening a database: URLs, engines, migrations, and sessions for reading or writing.

Writes at the same instant: ``Store.session(write=True)`` opens a transaction that takes the
database's write lock first, before it reads anything, so that writers queue instead of
failing, and each one reads what the one before it saved (an edit based on a version someone
saved meanwhile is then refused by the optimistic version check: 409, never a lock error).
On SQLite that is ``BEGIN IMMEDIATE`` with a busy timeout; on PostgreSQL a transaction-level
advisory lock with ``lock_timeout``. Other sessions (``write=False``, the default) read
without waiting for writers (WAL on SQLite, MVCC on PostgreSQL); a read session that writes
a little on the side (the API token's last-used stamp) fails at once, not after a wait, if a
writer holds the lock (a deferred SQLite transaction cannot upgrade while another writes).

A writer that cannot have the database within ``BUSY_TIMEOUT_S`` (a long import holding it)
gets an error that ``is_busy`` recognises: the web API answers it 503 with ``Retry-After``.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from clearground.store import data_version

MIGRATIONS = Path(__file__).parent / "migrations"
DEFAULT_DB = "clearground.db"
BUSY_TIMEOUT_S = 15.0
"""How long a write session waits for the one before it (SQLite busy timeout, PostgreSQL
``lock_timeout`` of write sessions); read when a connection is made or a session begins."""
RETRY_AFTER_S = 2
"""What the web API tells a client refused because the database was busy (``Retry-After``)."""
WRITE_LOCK = 0x436C_6772
"""The PostgreSQL advisory lock that write sessions hold until they end."""
_WRITE = "clearground_write"
_BUSY_SQLSTATES = frozenset({"40001", "40P01", "55P03"})
"""serialization_failure, deadlock_detected, lock_not_available: nothing was written."""


def database_url(db: str | None = None) -> str:
    """The SQLAlchemy URL for ``--db``: a SQLite file path or a URL.

    Falls back to ``CLEARGROUND_DB``, then ``./clearground.db``.
    """
    value = db or os.environ.get("CLEARGROUND_DB") or DEFAULT_DB
    if "://" in value:
        return value
    return f"sqlite:///{Path(value).expanduser().resolve()}"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not the sqlite3 module, decide where transactions begin, so that
    # savepoints and DDL are transactional (SQLAlchemy's documented pysqlite recipe).
    dbapi_connection.isolation_level = None
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")
    cur.close()


def _sqlite_begin(conn: Connection) -> None:
    # a write session takes the write lock before it reads: a deferred transaction that has
    # read cannot wait for the lock (SQLITE_BUSY at once, whatever the busy timeout)
    write = conn.get_execution_options().get(_WRITE, False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def is_busy(exc: BaseException) -> bool:
    """Whether ``exc`` means another transaction was in the way (SQLite's "database is
    locked" after the busy timeout; a PostgreSQL lock timeout, deadlock or serialization
    failure): the transaction was rolled back and the same request may simply be made again."""
    if not isinstance(exc, DBAPIError):
        return False
    orig = exc.orig
    if getattr(orig, "sqlstate", None) in _BUSY_SQLSTATES:
        return True
    if isinstance(orig, sqlite3.OperationalError):
        code = getattr(orig, "sqlite_errorcode", None)
        if code is not None:
            return code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
        return "locked" in str(orig)
    return False


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite connections enforce foreign keys, use WAL and wait up
    to ``BUSY_TIMEOUT_S`` for a lock."""
    if url.startswith("sqlite"):
        engine = create_engine(url)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True)


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """What autogenerate compares: not the spatial indexes the migrations make by hand
    (R*Tree tables on SQLite, GiST indexes on PostGIS) nor PostGIS's own tables."""
    name = name or ""
    if type_ == "table" and (name.startswith("rtree_") or name in POSTGIS_TABLES):
        return False
    return not (type_ == "index" and name.endswith("_geometry"))


POSTGIS_TABLES = {"spatial_ref_sys", "geometry_columns", "geography_columns"}


def alembic_config(connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


class Store:
    """A database of Clearground: its engine and sessions."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        data_version.watch(self._sessions)  # every committed data write bumps the version

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def migrate(self) -> None:
        """Bring the schema to the newest migration (creates it in an empty database)."""
        with self.engine.begin() as conn:
            command.upgrade(alembic_config(conn), "head")

    def is_current(self) -> bool:
        """Whether the schema is at the newest migration."""
        with self.engine.connect() as conn:
            current = MigrationContext.configure(conn).get_current_revision()
        head = ScriptDirectory.from_config(alembic_config()).get_current_head()
        return current is not None and current == head

    @contextmanager
    def session(self, *, write: bool = False) -> Iterator[Session]:
        """A session in one transaction: committed on success, rolled back on any error.

        ``write=True`` for a session that reads and then writes (an edit, a review action, a
        new record): it waits for other write sessions to end before it reads, so that it
        sees what they saved and does not fail on the lock. Read sessions (the default) read
        without waiting for writers; keep them for reading.
        """
        with self._sessions() as session, session.begin():
            if write:
                conn = session.connection(execution_options={_WRITE: True})
                if conn.dialect.name == "postgresql":
                    conn.exec_driver_sql(f"SET LOCAL lock_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
                    conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": WRITE_LOCK})
            yield session

    def dispose(self) -> None:
        self.engine.dispose()


def open_store(db: str | None = None, *, migrate: bool = True) -> Store:
    """Open (and by default migrate) the database named by ``--db``."""
    store = Store(database_url(db))
    if migrate:
        store.migrate()
    return store
