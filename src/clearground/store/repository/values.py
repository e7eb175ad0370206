"""Input values as column values: text from forms and files read as dates, numbers and
geometries, or refused naming the field."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Date, Numeric

from clearground.domain.errors import BadInput


def _coerce(column: Any, value: Any, name: str, record: str | None) -> Any:
    """Turn text from forms and files into the column's Python type, or refuse it."""
    if value is None or value == "":
        return None
    ctype = column.type
    try:
        if isinstance(ctype, Date) and not isinstance(value, dt.date):
            return dt.date.fromisoformat(str(value)[:10])
        if isinstance(ctype, Numeric) and not isinstance(value, Decimal):
            return Decimal(str(value))
        if column.type.python_type is int and not isinstance(value, int):
            as_float = float(value)
            if not as_float.is_integer():
                raise ValueError("not a whole number")
            return int(as_float)
        if column.type.python_type is float and not isinstance(value, float):
            return float(value)
    except (ValueError, InvalidOperation, NotImplementedError):
        pass
    else:
        return value
    raise BadInput(
        f"cannot read '{value}' as {ctype}",
        field=name,
        value=value,
        record=record,
        fix="Dates as YYYY-MM-DD, numbers with a dot as decimal separator",
    )


def _parse_geometry(value: Any, record: str | None) -> BaseGeometry:
    try:
        if isinstance(value, bytes):
            return shapely.from_wkb(value)
        if isinstance(value, dict):
            return shapely.geometry.shape(value)
        return shapely.from_wkt(str(value))
    except Exception as exc:  # noqa: BLE001 - any parse failure is bad input
        raise BadInput(
            "cannot read the geometry",
            field="geometry",
            value=value,
            record=record,
            fix="Give WKT, GeoJSON or WKB in longitude/latitude",
        ) from exc
