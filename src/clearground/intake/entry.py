"""Data entry from a form: the checks an import applies, run on one record.

A record typed into the web form is checked exactly as a file row would be: the geometry
checks (valid polygon, inside the country, latitude/longitude not swapped, plausible vertex
spacing) and the date checks (not in the future, not before the conflict began), then the
registry's own field checks when it is written. Problems come back as ``Issue`` objects with
the field and the fix, never as a partial write.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import pandas as pd
from sqlalchemy import Date

from clearground.domain.dates import coarser, read_known_date
from clearground.intake import checks
from clearground.intake.importer import _context
from clearground.intake.report import Issue
from clearground.store import kinds
from clearground.store.repository import Registry, columns_of, table_of


def check_record(registry: Registry, kind: str, values: Mapping[str, Any]) -> list[Issue]:
    """Geometry and date problems of one record's ``values`` (model field names).

    ``values["geometry"]`` is a Shapely geometry in lon/lat degrees, or absent. Errors and
    warnings are returned with ``row`` 1; nothing is written.
    """
    spec = kinds.get(kind).rules
    context = _context(registry.session)
    row = {k: v for k, v in values.items() if k != "form"} | {"_row": 1}
    for name in spec.known_dates:  # "2004" or "2004-06": checked as the span it names
        if isinstance(row.get(name), str) and (known := read_known_date(row[name])):
            row[name], precision = known
            row[f"{name}_precision"] = coarser(precision, row.get(f"{name}_precision"))
    frame = pd.DataFrame([row])
    if "geometry" in values:
        frame["geometry"] = pd.Series([values["geometry"]], dtype=object)
    issues = checks.check_geometries(
        frame,
        spec.geometry,
        spec.geometry_required and "geometry" in values,
        context["country"],
        False,
        False,
    )
    dates = [
        name
        for name, col in columns_of(table_of(kind)).items()
        if isinstance(col.type, Date) and isinstance(row.get(name), dt.date)
    ]
    issues += checks.check_dates(frame, dates, context["conflict_start"], dt.date.today())
    for issue in issues:
        issue.record = str(values.get("local_id")) if values.get("local_id") else None
    return issues
