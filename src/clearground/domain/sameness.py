"""When two values of a field are the same: the one definition used by a re-import (is this
row unchanged?) and by the history (what changed from one version to the next), so that the
two can never disagree.

- geometries: the same shape, every vertex within :data:`GEOMETRY_TOLERANCE_DEG` degrees
  (about 0.1 mm) of the other's, whatever the ring's start and direction or the order of
  parts: what a file format's round trip changes is not a change; a moved vertex is;
- numbers: within a relative :data:`RELATIVE_TOLERANCE` (a float through text and back);
  text that reads as the number counts as it;
- dates and times: by their ISO 8601 text (a date from a file and a date from the database);
- lists and mappings (a minefield record's form): by their JSON, keys sorted;
- anything else: equal, or equal as text; None only equals None.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import shapely
from shapely.geometry.base import BaseGeometry

GEOMETRY_TOLERANCE_DEG = 1e-9
"""Coordinates closer than this (degrees; about 0.1 mm) are the same."""
RELATIVE_TOLERANCE = 1e-9
"""Numbers closer than this share of the larger (at least 1) are the same."""


HAUSDORFF_VERTICES = 20_000
"""Above this many vertices two geometries must match vertex by vertex (the looser test's
cost grows with the product of the vertex counts)."""


def same_geometry(a: BaseGeometry, b: BaseGeometry) -> bool:
    """The same shape within :data:`GEOMETRY_TOLERANCE_DEG`: vertex by vertex as given or once
    normalised, or else every vertex of each within the tolerance of the other (the start of a
    ring may move when a vertex moves by less than the tolerance)."""
    tol = GEOMETRY_TOLERANCE_DEG
    if a.geom_type != b.geom_type or a.is_empty != b.is_empty:
        return False
    if shapely.equals_exact(a, b, tol):
        return True
    if shapely.equals_exact(shapely.normalize(a), shapely.normalize(b), tol):
        return True
    n, m = shapely.get_num_coordinates(a), shapely.get_num_coordinates(b)
    if n != m or n > HAUSDORFF_VERTICES:
        return False
    return bool(shapely.hausdorff_distance(a, b) <= tol)


def _text(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def same_value(a: Any, b: Any) -> bool:
    """Whether ``a`` and ``b`` are the same value of a field (see the module)."""
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, BaseGeometry) or isinstance(b, BaseGeometry):
        if not (isinstance(a, BaseGeometry) and isinstance(b, BaseGeometry)):
            return False
        return same_geometry(a, b)
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b or str(a).lower() == str(b).lower()
    if isinstance(a, float | Decimal) or isinstance(b, float | Decimal):
        try:
            x, y = float(a), float(b)
        except (TypeError, ValueError):
            return False
        return abs(x - y) <= RELATIVE_TOLERANCE * max(1.0, abs(x), abs(y))
    if isinstance(a, dict | list) or isinstance(b, dict | list):
        return json.dumps(a, sort_keys=True, default=str) == json.dumps(
            b, sort_keys=True, default=str
        )
    a, b = _text(a), _text(b)
    return bool(a == b) or str(a) == str(b)
