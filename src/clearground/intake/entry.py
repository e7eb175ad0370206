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
import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Date

from clearground.domain.dates import known_with
from clearground.domain.geometry import area_m2
from clearground.intake import checks
from clearground.intake.importer import _context
from clearground.intake.report import Issue
from clearground.store import kinds
from clearground.store.record_reads import hazards_by_id
from clearground.store.repository import Registry, columns_of, table_of
from clearground.store.spatial import ids_intersecting


def check_record(registry: Registry, kind: str, values: Mapping[str, Any]) -> list[Issue]:
    """Geometry and date problems of one record's ``values`` (model field names).

    ``values["geometry"]`` is a Shapely geometry in lon/lat degrees, or absent. Errors and
    warnings are returned with ``row`` 1; nothing is written.
    """
    spec = kinds.get(kind).rules
    context = _context(registry.session)
    row = {k: v for k, v in values.items() if k != "form"} | {"_row": 1}
    for name in spec.known_dates:  # "2004" or "2004-06": checked as the span it names
        key = f"{name}_precision"
        if isinstance(row.get(name), str) and (found := known_with(row[name], row.get(key))):
            row[name], row[key] = found
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
    geometry = values.get("geometry")
    if kind == "hazards" and isinstance(geometry, BaseGeometry) and not geometry.is_empty:
        issues += _area_against_estimate(geometry, values.get("estimated_area_m2"))
        issues += _overlapping(registry, geometry, values.get("local_id"))
    for issue in issues:
        issue.record = str(values.get("local_id")) if values.get("local_id") else None
    return issues


AREA_RATIO = 10.0
"""A drawn hazard more than this many times its typed estimate (or less than its inverse)
is warned about: one of the two is likely wrong (hectares typed as m², a slip of the mouse)."""


def _area_against_estimate(geometry: BaseGeometry, estimate: Any) -> list[Issue]:
    """A warning when the drawn area and the estimated area (m²) differ tenfold or more."""
    try:
        typed = float(estimate)
    except (TypeError, ValueError):
        return []
    if not typed > 0 or geometry.area == 0:
        return []
    drawn = area_m2(geometry)
    ratio = drawn / typed
    if 1 / AREA_RATIO < ratio < AREA_RATIO:
        return []
    return [
        Issue(
            1,
            "estimated_area_m2",
            f"the drawn area ({drawn / 1e4:,.2f} ha) is {ratio:,.1f} times the estimated area "
            f"({typed / 1e4:,.2f} ha)",
            "area_against_estimate",
            estimate,
            "Check the outline, or the estimate's unit (m², not hectares)",
            severity="warning",
        )
    ]


def _overlapping(registry: Registry, geometry: BaseGeometry, local_id: Any) -> list[Issue]:
    """Warnings for the existing hazards the new outline overlaps (found through the spatial
    index), by share of the smaller."""
    ids = ids_intersecting(registry.session, "hazards", tuple(geometry.bounds))
    out = []
    for _, other_lid, other in hazards_by_id(registry.session, ids):
        if other is None or str(other_lid) == str(local_id):
            continue
        try:  # the rule an import row is warned by
            warning = checks.overlap_warning(1, geometry, other, other_lid)
        except shapely.errors.GEOSException:
            continue
        if warning is not None:
            out.append(warning)
    return out
