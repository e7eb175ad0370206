"""How far outside the country outline a feature may lie: a tolerance and a warning band.

The outline is the union of the country's districts, as simplified as the boundary file it
came from: a coastal town or a point on a river border can fall just outside it. Features
within ``tolerance_m`` of the outline are accepted as they are; up to ``warning_m`` they are
accepted with a warning naming the distance; further out they are refused. Both are settings
of the database (``clearground init --border-tolerance/--border-warning``), in metres.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import shapely
from shapely.geometry.base import BaseGeometry
from shapely.ops import nearest_points

from clearground.domain.geometry import WGS84

TOLERANCE_M = 2_000.0
"""Default distance (metres) beyond the outline that is accepted without a word."""
WARNING_M = 30_000.0
"""Default distance (metres) beyond the outline up to which a feature is accepted with a
warning: an offshore settlement (Neft Daşları lies 25 km out in the Caspian) or a survey point
across a simplified river border."""
METRES_PER_DEGREE = 111_320.0
"""Ground length of one degree of latitude (and at most of one of longitude), metres."""


@dataclass(frozen=True)
class Border:
    """The country outline (lon/lat) with the two distances, metres."""

    outline: BaseGeometry
    tolerance_m: float = TOLERANCE_M
    warning_m: float = WARNING_M

    @cached_property
    def area(self) -> BaseGeometry:
        """The outline grown by the tolerance taken as degrees of latitude: everything in it
        is within ``tolerance_m`` on the ground (a degree of longitude is never longer), so
        only what falls outside needs its distance measured."""
        grown = shapely.buffer(self.outline, self.tolerance_m / METRES_PER_DEGREE)
        shapely.prepare(grown)
        return grown

    def distance_m(self, geom: BaseGeometry) -> float:
        """Ground distance (metres, on the WGS84 ellipsoid) from ``geom`` to the outline;
        0 for a geometry touching it."""
        if self.outline.intersects(geom):
            return 0.0
        on_outline, on_geom = nearest_points(self.outline, geom)
        return float(WGS84.inv(on_outline.x, on_outline.y, on_geom.x, on_geom.y)[2])

    def verdict(self, geom: BaseGeometry) -> tuple[str, float]:
        """``("inside" | "near" | "outside", distance in metres)``: near is within the
        warning band, accepted with a warning."""
        if self.area.contains(geom):
            return "inside", 0.0
        d = self.distance_m(geom)
        if d <= self.tolerance_m:
            return "inside", d
        return ("near" if d <= self.warning_m else "outside"), d


def describe_m(metres: float) -> str:
    """``1234.5`` -> ``"1.2 km"``; ``850`` -> ``"850 m"``."""
    return f"{metres / 1000:.1f} km" if metres >= 1000 else f"{metres:.0f} m"
