"""Row checks that look at many rows at once: geometry plausibility, dates, duplicates.

Each check returns ``Issue`` objects naming the row (line or feature number), the field, the
value, the reason and the fix. Geometries are lon/lat (EPSG:4326); distances are measured on
the ellipsoid in metres.
"""

from __future__ import annotations

import datetime as dt
import hashlib

import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from clearground.domain.dates import last_day
from clearground.domain.geometry import WGS84
from clearground.intake.border import Border, describe_m
from clearground.intake.report import Issue
from clearground.intake.safety import max_vertices

MAX_EDGE_M = 25_000.0
"""Consecutive vertices further apart than this are taken as a typing or CRS error."""


def _swap(geom: BaseGeometry) -> BaseGeometry:
    return shapely.transform(geom, lambda xy: xy[:, ::-1])


def check_geometries(
    frame: pd.DataFrame,
    shape: str | None,
    required: bool,
    border: Border | None,
    fix_geometry: bool,
    fix_swapped: bool,
) -> list[Issue]:
    """Check (and, where asked, fix in place) the ``geometry`` column of ``frame``.

    ``shape`` is "polygon", "point", "any" or None (the kind has no geometry); ``border``
    the country outline with its tolerance and warning band (None: no country check).
    """
    issues: list[Issue] = []
    if shape is None or "geometry" not in frame.columns:
        return issues
    rows = frame["_row"].to_numpy()
    geoms = np.array(frame["geometry"].tolist() + [None], dtype=object)[:-1]  # writable
    area = border.area if border is not None else None
    suspects: list[int] | range = range(len(geoms))
    with_z = np.flatnonzero(shapely.has_z(geoms)) if len(geoms) else np.zeros(0, dtype=int)
    if len(with_z):  # positions are kept in 2D: heights would fail a PostGIS column
        geoms[with_z] = shapely.force_2d(geoms[with_z])
        for i in with_z.tolist():
            issues.append(
                Issue(
                    int(rows[i]),
                    "geometry",
                    "the geometry has heights (Z); only longitude and latitude are kept",
                    "heights_dropped",
                    severity="warning",
                )
            )
    cap = max_vertices()
    counts = shapely.get_num_coordinates(geoms) if len(geoms) else np.zeros(0, dtype=int)
    too_many = set(np.flatnonzero(counts > cap).tolist())
    for i in sorted(too_many):
        issues.append(
            Issue(
                int(rows[i]),
                "geometry",
                f"the geometry has {int(counts[i]):,} vertices, more than the {cap:,} allowed",
                "too_many_vertices",
                fix="Simplify the outline (e.g. QGIS Simplify, 1 m tolerance) "
                "or ask the administrator to raise CLEARGROUND_MAX_VERTICES",
            )
        )
    coords, owner = shapely.get_coordinates(geoms, return_index=True)
    not_finite = set(np.unique(owner[~np.isfinite(coords).all(axis=1)]).tolist())
    if shape == "point" and len(geoms):
        # the common bulk case, vectorised: only rows that fail a check are looked at again
        ok = (shapely.get_type_id(geoms) == 0) & ~shapely.is_empty(geoms)
        ok[list(not_finite)] = False
        if area is not None:
            ok[ok] = shapely.contains(area, geoms[ok])
        suspects = np.flatnonzero(~ok).tolist()
    for i in suspects:
        if i in too_many:
            continue
        geom = geoms[i]
        row = int(rows[i])
        if geom is None or geom.is_empty:
            if required:
                issues.append(
                    Issue(
                        row,
                        "geometry",
                        "the geometry is missing",
                        "missing",
                        fix="Give a polygon or point for this record",
                    )
                )
            continue
        if i in not_finite:
            issues.append(
                Issue(
                    row,
                    "geometry",
                    "the geometry has coordinates that are not numbers (NaN or infinite)",
                    "unparseable",
                    fix="Check the coordinates: every vertex needs a longitude and a latitude",
                )
            )
            continue
        if shape == "polygon" and geom.geom_type not in ("Polygon", "MultiPolygon"):
            issues.append(
                Issue(
                    row,
                    "geometry",
                    f"expected a polygon, got a {geom.geom_type}",
                    "wrong_geometry_type",
                    fix="Give the area as a polygon",
                )
            )
            continue
        if shape == "point" and geom.geom_type != "Point":
            issues.append(
                Issue(
                    row,
                    "geometry",
                    f"expected a point, got a {geom.geom_type}",
                    "wrong_geometry_type",
                    fix="Give the position as a point",
                )
            )
            continue
        x0, y0, x1, y1 = geom.bounds
        if not (-180 <= x0 <= x1 <= 180 and -90 <= y0 <= y1 <= 90):  # NaN fails it too
            issues.append(
                Issue(
                    row,
                    "geometry",
                    "coordinates beyond longitude -180..180 or latitude -90..90",
                    "coordinates_out_of_range",
                    f"{x0:.6g}, {y0:.6g} .. {x1:.6g}, {y1:.6g}",
                    "Give longitude and latitude in degrees, or name the file's coordinate "
                    "system with --crs",
                )
            )
            continue
        where, distance = border.verdict(geom) if border is not None else ("inside", 0.0)
        if where == "near" and not (area is not None and area.contains(_swap(geom))):
            issues.append(
                Issue(
                    row,
                    "geometry",
                    f"the feature lies {describe_m(distance)} outside the country outline; "
                    "accepted",
                    "near_border",
                    shapely.to_wkt(geom, rounding_precision=4),
                    "Check the coordinates if the place is not on the coast or a border "
                    f"(features within {describe_m(border.warning_m)} of the outline are "
                    "accepted with this warning)"
                    if border is not None
                    else None,
                    severity="warning",
                )
            )
        elif where != "inside" and area is not None:
            swapped = _swap(geom)
            if area.contains(swapped):
                if fix_swapped:
                    geoms[i] = geom = swapped
                    issues.append(
                        Issue(
                            row,
                            "geometry",
                            "latitude and longitude were swapped; swapped back (--fix-swapped)",
                            "swapped",
                            severity="warning",
                        )
                    )
                else:
                    issues.append(
                        Issue(
                            row,
                            "geometry",
                            "latitude and longitude look swapped",
                            "swapped",
                            shapely.to_wkt(geom, rounding_precision=5),
                            "Swap the columns, or import with --fix-swapped",
                        )
                    )
                    continue
            else:
                issues.append(
                    Issue(
                        row,
                        "geometry",
                        f"the feature lies outside the country, {describe_m(distance)} from "
                        "its outline",
                        "outside_country",
                        shapely.to_wkt(geom, rounding_precision=4),
                        "Check the coordinates and the coordinate system (--crs); features "
                        f"up to {describe_m(border.warning_m if border else 0)} out are "
                        "accepted with a warning (clearground init --border-warning)",
                    )
                )
                continue
        if shape == "polygon":
            problem = _polygon_problem(geom)
            if problem == "invalid" and fix_geometry:
                fixed = shapely.make_valid(geom)
                fixed = shapely.union_all(
                    [
                        g
                        for g in getattr(fixed, "geoms", [fixed])
                        if g.geom_type in ("Polygon", "MultiPolygon")
                    ]
                )
                if not fixed.is_empty:
                    geoms[i] = geom = fixed
                    issues.append(
                        Issue(
                            row,
                            "geometry",
                            "the polygon was invalid ("
                            f"{shapely.is_valid_reason(frame['geometry'].iloc[i])});"
                            " repaired (--fix-geometry)",
                            "invalid_polygon",
                            severity="warning",
                        )
                    )
                    problem = None
            if problem == "invalid":
                issues.append(
                    Issue(
                        row,
                        "geometry",
                        "the polygon is invalid: " + shapely.is_valid_reason(geom),
                        "invalid_polygon",
                        fix="Correct the self-intersection, or import with "
                        "--fix-geometry to repair it",
                    )
                )
                continue
            if problem == "few_vertices":
                issues.append(
                    Issue(
                        row,
                        "geometry",
                        "the polygon has fewer than 3 distinct vertices",
                        "few_vertices",
                        fix="Check the vertices",
                    )
                )
                continue
        edge = _longest_edge_m(geom)
        if edge > MAX_EDGE_M:
            issues.append(
                Issue(
                    row,
                    "geometry",
                    f"two consecutive vertices lie {edge / 1000:,.0f} km apart",
                    "far_vertices",
                    round(edge),
                    f"Check for a mistyped vertex (limit {MAX_EDGE_M / 1000:.0f} km)",
                )
            )
    frame["geometry"] = geoms
    return issues


def _polygon_problem(geom: BaseGeometry) -> str | None:
    for part in getattr(geom, "geoms", [geom]):
        coords = np.round(np.asarray(part.exterior.coords), 9)
        if len({tuple(c) for c in coords}) < 3:
            return "few_vertices"
    return None if geom.is_valid else "invalid"


def _longest_edge_m(geom: BaseGeometry) -> float:
    best = 0.0
    parts = getattr(geom, "geoms", [geom])
    for part in parts:
        rings = [part.exterior, *part.interiors] if part.geom_type == "Polygon" else [part]
        for ring in rings:
            xy = np.asarray(ring.coords)
            if len(xy) < 2:
                continue
            _, _, d = WGS84.inv(xy[:-1, 0], xy[:-1, 1], xy[1:, 0], xy[1:, 1])
            best = max(best, float(np.max(d)))
    return best


OVERLAP_SHARE = 0.01
"""A hazard overlapping another by more than this share of the smaller is warned about."""


def overlap_warning(
    row: int | None, a: BaseGeometry, b: BaseGeometry, other: str, record: str | None = None
) -> Issue | None:
    """The warning that hazard ``a`` (of ``row``) overlaps hazard ``other`` (``b``) by more
    than :data:`OVERLAP_SHARE` of the smaller of the two; None if it does not."""
    share = a.intersection(b).area / max(min(a.area, b.area), 1e-18)
    if not share > OVERLAP_SHARE:  # NaN too
        return None
    return Issue(
        row,
        "geometry",
        f"overlaps hazard {other} by {share:.0%} of the smaller",
        "overlapping_hazards",
        fix="Merge or reshape the hazards if they are the same ground",
        severity="warning",
        record=record,
    )


def check_dates(
    frame: pd.DataFrame, date_fields: list[str], conflict_start: dt.date | None, today: dt.date
) -> list[Issue]:
    """Dates in the future, or before the conflict began, are refused. A date known only
    to its month or year (a ``{field}_precision`` column) is before the conflict only when
    the whole month or year is."""
    issues = []
    for name in date_fields:
        if name not in frame.columns:
            continue
        key = f"{name}_precision"
        precisions = frame[key] if key in frame.columns else [None] * len(frame)
        for row, value, precision in zip(frame["_row"], frame[name], precisions, strict=True):
            if not isinstance(value, dt.date):
                continue
            if value > today:
                issues.append(
                    Issue(
                        int(row),
                        name,
                        "the date is in the future",
                        "future_date",
                        value.isoformat(),
                        "Check the year and the date format",
                    )
                )
            elif conflict_start and last_day(value, precision) < conflict_start:
                issues.append(
                    Issue(
                        int(row),
                        name,
                        f"the date is before the conflict began ({conflict_start.isoformat()})",
                        "date_before_conflict",
                        value.isoformat(),
                        "Check the year and the date format",
                    )
                )
    return issues


def content_key(values: dict[str, object]) -> str:
    """A stable key from a row's content, for files without local ids.

    Any geometry gives a key, valid or not: an invalid polygon (self-intersecting, NaN
    coordinates...) is keyed by its coordinates rounded to 1e-9, as they are, so that the
    row reaches its own reason (``invalid_polygon``) instead of an internal error.
    """
    parts = []
    for k in sorted(values):
        v = values[k]
        if isinstance(v, BaseGeometry):
            v = _geometry_key(v)
        parts.append(f"{k}={v!r}")
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


def _geometry_key(geom: BaseGeometry) -> str:
    try:
        if geom.is_valid:  # the key of valid geometries is kept as it always was
            return str(shapely.to_wkb(shapely.set_precision(geom, 1e-9), hex=True))
    except (shapely.errors.GEOSException, ValueError, TypeError):
        pass
    try:
        with np.errstate(all="ignore"):  # NaN and huge numbers are refused by row elsewhere
            rounded = shapely.transform(geom, lambda xy: np.round(xy, 9), include_z=None)
        return "raw:" + str(shapely.to_wkb(rounded, hex=True))
    except (shapely.errors.GEOSException, ValueError, TypeError):
        return "wkt:" + shapely.to_wkt(geom, rounding_precision=-1)


def check_duplicates(frame: pd.DataFrame) -> list[Issue]:
    """The same local id twice, or the same record (content) twice, in one file."""
    issues = []
    if "local_id" in frame.columns:
        first: dict[str, int] = {}
        for row, lid in zip(frame["_row"], frame["local_id"], strict=True):
            if lid is None:
                continue
            if lid in first:
                issues.append(
                    Issue(
                        int(row),
                        "local_id",
                        f"the local id also stands on row {first[lid]}",
                        "duplicate_local_id",
                        lid,
                        "Give each record its own local id",
                        record=str(lid),
                    )
                )
            else:
                first[lid] = int(row)
    return issues
