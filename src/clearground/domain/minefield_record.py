"""The geometry of a minefield record form (CCW Amended Protocol II, Technical Annex).

A record ties the minefield to a reference point; a traverse of legs (bearing, distance) leads
from the reference point to the first turning point and then round the perimeter; mine rows
start at a bearing and distance from a named point and run in a direction at a spacing.

The form is kept as written (a plain dict, see ``RecordForm``); this module derives what can be
drawn: turning points, perimeter, rows and expected mine positions, all in EPSG:4326.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from shapely.geometry import LineString, MultiLineString, Polygon

from clearground.domain.enums import BearingType
from clearground.domain.errors import BadInput
from clearground.domain.geometry import (
    Leg,
    closure_error_m,
    forward,
    perimeter,
    row_positions,
    traverse,
    true_bearing,
)

CLOSURE_TOLERANCE_M = 1.0
"""A traverse whose last point lies this close to TP1 (or within 1 % of its length) closes."""

RecordForm = dict[str, Any]
"""A record as written: ``bearing_type``, ``declination_deg``, ``convergence_deg``,
``reference_points`` ([{name, lon, lat, description}]), ``traverse`` ({from, legs: [{bearing,
distance}]}) and ``rows`` ([{label, from, bearing, distance, direction, spacing, count,
ordnance}]). Bearings are in degrees of the form's ``bearing_type``; distances in metres."""


@dataclass
class RecordGeometry:
    """What a record form draws, in lon/lat (EPSG:4326)."""

    turning_points: list[tuple[float, float]]
    perimeter: Polygon
    closure_error_m: float
    rows: MultiLineString
    mines: np.ndarray  # (n, 2) lon/lat of expected mine positions
    mine_ordnance: list[str] = field(default_factory=list)  # ordnance code per mine
    row_counts: list[int] = field(default_factory=list)


def _number(item: dict[str, Any], key: str, where: str) -> float:
    try:
        return float(item[key])
    except (KeyError, TypeError, ValueError) as exc:
        raise BadInput(
            f"{where} needs a number for '{key}'",
            field=key,
            value=item.get(key),
            fix="Write the value in degrees or metres",
        ) from exc


def build_record(form: RecordForm) -> RecordGeometry:
    """Derive the turning points, perimeter, rows and mine positions of a record form.

    Raises ``BadInput`` naming the field when the form is incomplete or draws no polygon.
    """
    bearing_type = BearingType(form.get("bearing_type", "true"))
    decl = float(form.get("declination_deg", 0.0) or 0.0)
    conv = float(form.get("convergence_deg", 0.0) or 0.0)

    def to_true(b: float) -> float:
        return true_bearing(b, bearing_type, decl, conv)

    named: dict[str, tuple[float, float]] = {}
    for i, rp in enumerate(form.get("reference_points") or []):
        name = str(rp.get("name") or f"RP{i + 1}")
        named[name] = (
            _number(rp, "lon", f"reference point {name}"),
            _number(rp, "lat", f"reference point {name}"),
        )
    if not named:
        raise BadInput(
            "a record needs at least one reference point",
            field="reference_points",
            fix="Give the landmark or benchmark the traverse starts from",
        )
    trav = form.get("traverse") or {}
    start_name = str(trav.get("from") or next(iter(named)))
    if start_name not in named:
        raise BadInput(
            f"the traverse starts from unknown point '{start_name}'",
            field="traverse.from",
            fix=f"Use one of {sorted(named)}",
        )
    legs = [
        Leg(
            to_true(_number(leg, "bearing", f"traverse leg {i + 1}")),
            _number(leg, "distance", f"traverse leg {i + 1}"),
        )
        for i, leg in enumerate(trav.get("legs") or [])
    ]
    if len(legs) < 4:
        raise BadInput(
            "a traverse needs a leg to the first turning point and at least three perimeter legs",
            field="traverse.legs",
            value=len(legs),
        )
    walked = traverse(named[start_name], legs)
    turning = walked[1:]
    for i, pt in enumerate(turning):
        named[f"TP{i + 1}"] = pt
    closure = closure_error_m(turning)
    length = sum(leg.distance_m for leg in legs[1:])
    if closure <= max(CLOSURE_TOLERANCE_M, 0.01 * length):
        turning = turning[:-1]  # the last leg returns to TP1: a closed traverse
    poly = perimeter(turning)

    lines: list[LineString] = []
    chunks: list[np.ndarray] = []
    ordnance: list[str] = []
    counts: list[int] = []
    for i, row in enumerate(form.get("rows") or []):
        label = str(row.get("label") or i + 1)
        origin_name = str(row.get("from") or "TP1")
        if origin_name not in named:
            raise BadInput(
                f"row {label} starts from unknown point '{origin_name}'",
                field=f"rows[{i}].from",
                fix=f"Use one of {sorted(named)}",
            )
        start = forward(
            named[origin_name],
            to_true(_number(row, "bearing", f"row {label}")),
            _number(row, "distance", f"row {label}"),
        )
        count = int(_number(row, "count", f"row {label}"))
        spacing = _number(row, "spacing", f"row {label}")
        pos = row_positions(
            start, to_true(_number(row, "direction", f"row {label}")), spacing, count
        )
        if count >= 2:
            lines.append(LineString([tuple(pos[0]), tuple(pos[-1])]))
        chunks.append(pos)
        ordnance.extend([str(row.get("ordnance", ""))] * count)
        counts.append(count)
    mines = np.vstack(chunks) if chunks else np.empty((0, 2))
    return RecordGeometry(turning, poly, closure, MultiLineString(lines), mines, ordnance, counts)
