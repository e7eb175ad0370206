"""Record kinds, their tables and columns: what only the registry sets, what is derived, and
the references a record names by a human-readable value."""

from __future__ import annotations

from functools import cache
from typing import Any

from clearground.domain.errors import BadInput
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

# (kind, name given) -> (field set, target table, column looked up)
REFERENCES: dict[str, dict[str, tuple[str, type[t.Base], str]]] = {
    "locations": {"parent": ("parent_id", t.Location, "name")},
    "organisations": {"parent": ("parent_id", t.Organisation, "name")},
    "assets": {"organisation": ("organisation_id", t.Organisation, "name")},
    "records": {
        "handover": ("handover_id", t.Handover, "local_id"),
        "location": ("location_id", t.Location, "name"),
    },
    "hazards": {
        "location": ("location_id", t.Location, "name"),
        "record": ("minefield_record_id", t.MinefieldRecord, "local_id"),
    },
    "activities": {
        "hazard": ("hazard_id", t.Hazard, "local_id"),
        "organisation": ("organisation_id", t.Organisation, "name"),
        "asset": ("asset_id", t.Asset, "local_id"),
        "task": ("task_id", t.Task, "local_id"),
    },
    "finds": {
        "activity": ("activity_id", t.Activity, "local_id"),
        "ordnance": ("ordnance_id", t.Ordnance, "code"),
        "location": ("location_id", t.Location, "name"),
    },
    "accidents": {
        "location": ("location_id", t.Location, "name"),
        "activity": ("activity_id", t.Activity, "local_id"),
        "ordnance": ("ordnance_id", t.Ordnance, "code"),
    },
    "victims": {
        "accident": ("accident_id", t.Accident, "local_id"),
        "home_location": ("home_location_id", t.Location, "name"),
    },
    "funding": {
        "donor": ("donor_id", t.Organisation, "name"),
        "recipient": ("recipient_id", t.Organisation, "name"),
    },
    "exchange_rates": {},
    "handovers": {},
    "ordnance": {},
    "tasks": {
        "hazard": ("hazard_id", t.Hazard, "local_id"),
        "organisation": ("organisation_id", t.Organisation, "name"),
        "asset": ("asset_id", t.Asset, "local_id"),
    },
}


def table_of(kind: str) -> type[t.Base]:
    try:
        return t.RECORD_TABLES[kind]
    except KeyError:
        raise BadInput(
            f"unknown record kind '{kind}'",
            field="kind",
            value=kind,
            fix=f"Use one of: {', '.join(t.RECORD_TABLES)}",
        ) from None


def kind_of(table: type[t.Base]) -> str:
    return next(k for k, v in t.RECORD_TABLES.items() if v is table)


@cache
def columns_of(table: type[t.Base]) -> dict[str, Any]:
    """The table's columns by name (do not modify the returned dict)."""
    return {c.key: c for c in table.__table__.columns}  # type: ignore[attr-defined]
