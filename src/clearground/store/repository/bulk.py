"""Bulk inserts: COPY on PostgreSQL, the driver's executemany on SQLite, and the errors both
raise for a refused unique or foreign key. The PostgreSQL driver is imported only when the
database is PostgreSQL."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

import shapely
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from clearground.store import tables as t
from clearground.store.repository.columns import columns_of
from clearground.store.types import GeometryType


def refusals(session: Session) -> tuple[type[BaseException], ...]:
    """The errors a database raises for a refused unique or foreign key: SQLAlchemy's, and
    the driver's own from the raw paths (PostgreSQL's COPY, SQLite's executemany). The
    PostgreSQL driver is imported only when the database is PostgreSQL."""
    if session.get_bind().dialect.name == "postgresql":
        from psycopg.errors import IntegrityError as PsycopgIntegrityError

        return (IntegrityError, PsycopgIntegrityError)
    return (IntegrityError, sqlite3.IntegrityError)


def sqlite_rows(session: Session, table: type[t.Base], rows: list[dict[str, Any]]) -> list[int]:
    """Bulk insert on SQLite with the driver's executemany, values bound as SQLAlchemy
    binds them. Within one write transaction SQLite gives the rows consecutive rowids,
    so the ids are the last one and the n - 1 before it."""
    connection = session.connection()
    dialect = connection.dialect
    cols = columns_of(table)
    names = [n for n in cols if n != "id"]
    procs = [cols[n].type._cached_bind_processor(dialect) for n in names]
    params = [
        tuple(
            p(r[n]) if p is not None and r[n] is not None else r[n]
            for n, p in zip(names, procs, strict=True)
        )
        for r in rows
    ]
    sql = (
        f"INSERT INTO {table.__tablename__} ({', '.join(names)}) "
        f"VALUES ({', '.join('?' * len(names))})"
    )
    raw = connection.connection.driver_connection
    assert raw is not None
    cur = raw.cursor()
    try:
        cur.executemany(sql, params)
        last = cur.execute("SELECT last_insert_rowid()").fetchone()[0]
    finally:
        cur.close()
    return list(range(int(last) - len(rows) + 1, int(last) + 1))


def copy_rows(session: Session, table: type[t.Base], rows: list[dict[str, Any]]) -> list[int]:
    """Bulk insert on PostgreSQL with COPY; ids are drawn from the table's sequence first."""
    name = table.__tablename__
    conn = session.connection().connection.driver_connection
    assert conn is not None
    cols = columns_of(table)
    names = [n for n in cols if n != "id"]
    with conn.cursor() as cur:
        cur.execute(
            f"SELECT nextval(pg_get_serial_sequence('{name}', 'id')) FROM generate_series(1, %s)",
            (len(rows),),
        )
        ids = [int(r[0]) for r in cur.fetchall()]
        columns = ", ".join(["id", *names])
        with cur.copy(f"COPY {name} ({columns}) FROM STDIN") as copy:
            for rid, row in zip(ids, rows, strict=True):
                copy.write_row([rid, *(_copy_value(cols[n], row.get(n)) for n in names)])
    return ids


def _copy_value(column: Any, value: Any) -> Any:
    """A value as COPY takes it: geometry as hex EWKB (SRID 4326), JSON as text."""
    if value is None:
        return None
    if isinstance(column.type, GeometryType):
        return shapely.to_wkb(shapely.set_srid(value, 4326), hex=True, include_srid=True)
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return value


def _default(column: Any) -> Any:
    if column.default is not None and column.default.is_scalar:
        return column.default.arg
    if column.default is not None and column.default.is_callable:
        return column.default.arg(None)
    return None
