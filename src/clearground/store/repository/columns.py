"""Record kinds, their tables and columns: what only the registry sets, what is derived, and
the references a record names by a human-readable value."""

from __future__ import annotations

from functools import cache
from typing import Any

from clearground.store import kinds
from clearground.store import tables as t

SERVER_SET = ("id", "version", "review_status", "rejection_reason", "updated_by", "updated_at")
"""Columns only the registry sets, on every path that writes: never taken from input."""
BBOX = ("min_x", "min_y", "max_x", "max_y")
"""A record's bounding box in degrees, kept for the spatial index (SQLite R*Tree)."""
DERIVED = ("area_m2", *BBOX, "closure_error_m", "rows_geometry", "mines_geometry")
"""Columns computed from a record's other values (areas in m², the box, a minefield record's
traverse): refused in input, never brought back by a revert."""
SYSTEM_COLUMNS = frozenset({*SERVER_SET, "change_note", *DERIVED})
"""Everything in a row that is not the user's content: the one list the importer (ignored
with a warning), revert, the API (not editable) and the record pages (not in the form) use."""

REFERENCES = kinds.REFERENCES
"""``{kind: {name given: (column set, target table, column looked up)}}``, from the kinds'
descriptors."""


def table_of(kind: str) -> type[t.Base]:
    return kinds.get(kind).table


def kind_of(table: type[t.Base]) -> str:
    return kinds.of_table(table).name


@cache
def columns_of(table: type[t.Base]) -> dict[str, Any]:
    """The table's columns by name (do not modify the returned dict)."""
    return {c.key: c for c in table.__table__.columns}  # type: ignore[attr-defined]
