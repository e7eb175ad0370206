"""The SQL of SQLite's spatial indexes: an R*Tree per spatial table, kept in step with the
table's bounding-box columns by three triggers. Used by the migrations that make them
(0001) and remake them after SQLite copies a table anew (0006); PostgreSQL uses GiST."""

from __future__ import annotations


def rtree_triggers(table: str) -> list[str]:
    """``CREATE TRIGGER`` statements keeping ``rtree_{table}`` in step with ``table``'s
    ``min_x, max_x, min_y, max_y`` on insert, update and delete."""
    rtree = f"rtree_{table}"
    return [
        f"CREATE TRIGGER {rtree}_insert AFTER INSERT ON {table} "
        f"WHEN new.min_x IS NOT NULL BEGIN "
        f"INSERT INTO {rtree} VALUES (new.id, new.min_x, new.max_x, new.min_y, new.max_y); END",
        f"CREATE TRIGGER {rtree}_update AFTER UPDATE OF min_x, max_x, min_y, max_y "
        f"ON {table} BEGIN DELETE FROM {rtree} WHERE id = old.id; "
        f"INSERT INTO {rtree} SELECT new.id, new.min_x, new.max_x, new.min_y, new.max_y "
        f"WHERE new.min_x IS NOT NULL; END",
        f"CREATE TRIGGER {rtree}_delete AFTER DELETE ON {table} "
        f"BEGIN DELETE FROM {rtree} WHERE id = old.id; END",
    ]
