"""Snapshots of records as JSON, as ``record_version`` keeps each version whole, and back."""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Date, DateTime, Numeric

from clearground.store import tables as t
from clearground.store.repository.columns import columns_of
from clearground.store.types import GeometryType


def to_json_value(value: Any) -> Any:
    """A column value as JSON: dates ISO 8601, decimals as strings, geometries as hex WKB."""
    if isinstance(value, BaseGeometry):
        return {"wkb": shapely.to_wkb(value, hex=True)}
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return {"b64": base64.b64encode(value).decode()}
    return value


def from_json_value(column: Any, value: Any) -> Any:
    """Inverse of ``to_json_value`` for one column."""
    if value is None:
        return None
    ctype = column.type
    if isinstance(ctype, GeometryType):
        return shapely.from_wkb(value["wkb"])
    if isinstance(ctype, DateTime):
        return dt.datetime.fromisoformat(value)
    if isinstance(ctype, Date):
        return dt.date.fromisoformat(value)
    if isinstance(ctype, Numeric):
        return Decimal(value)
    return value


def snapshot(row: Mapping[str, Any], table: type[t.Base]) -> dict[str, Any]:
    return {name: to_json_value(row.get(name)) for name in columns_of(table) if name != "id"}
