"""Pure geometry of mine action records, on the WGS84 ellipsoid (EPSG:4326).

Coordinates are (longitude, latitude) in degrees. Areas are in square metres, distances in
metres, bearings in degrees clockwise from true north. Nothing is ever measured in degrees.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import shapely
from pyproj import CRS, Geod, Transformer
from shapely.geometry import MultiPoint, Point, Polygon
from shapely.geometry.base import BaseGeometry

from clearground.domain.enums import BearingType
from clearground.domain.errors import BadInput

WGS84 = Geod(ellps="WGS84")


@lru_cache(maxsize=256)
def _to_equal_area(lon0: int, lat0: int) -> Transformer:
    laea = CRS.from_proj4(f"+proj=laea +lat_0={lat0} +lon_0={lon0} +datum=WGS84 +units=m")
    return Transformer.from_crs(4326, laea, always_xy=True)


def areas_m2(geometries: Sequence[BaseGeometry | None] | np.ndarray) -> np.ndarray:
    """Ellipsoidal areas in m² of lon/lat geometries, as a float array (NaN for None).

    Each geometry is projected to a Lambert azimuthal equal-area projection centred on the
    whole degree nearest its centroid, so the result is the area on the WGS84 ellipsoid
    wherever the geometry lies. Edges are taken as straight in that projection: for polygons
    a few kilometres across this agrees with geodesic-edge areas (``pyproj.Geod``) to better
    than one part in a million.
    """
    geoms = np.asarray(geometries, dtype=object)
    out = np.full(len(geoms), np.nan)
    present = ~shapely.is_missing(geoms) if len(geoms) else np.zeros(0, bool)
    if not present.any():
        return out
    idx = np.flatnonzero(present)
    cents = shapely.get_coordinates(shapely.centroid(geoms[idx]))
    keys = np.round(cents).astype(int)
    for key in {(int(a), int(b)) for a, b in keys}:
        sel = idx[(keys[:, 0] == key[0]) & (keys[:, 1] == key[1])]
        tr = _to_equal_area(*key)
        projected = shapely.transform(
            geoms[sel], lambda xy, tr=tr: np.column_stack(tr.transform(xy[:, 0], xy[:, 1]))
        )
        out[sel] = shapely.area(projected)
    return out


def area_m2(geometry: BaseGeometry) -> float:
    """Ellipsoidal area of one lon/lat geometry in m²."""
    return float(areas_m2([geometry])[0])


def utm_epsg(lon: float, lat: float) -> int:
    """EPSG code of the UTM zone (WGS84) that contains the point."""
    zone = int((lon + 180) // 6) + 1
    return (32600 if lat >= 0 else 32700) + zone


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Geodesic distance in metres between two points."""
    return float(WGS84.inv(lon1, lat1, lon2, lat2)[2])


def true_bearing(
    bearing_deg: float,
    bearing_type: BearingType | str,
    declination_deg: float = 0.0,
    convergence_deg: float = 0.0,
) -> float:
    """Convert a bearing as written to a true bearing in degrees [0, 360).

    Magnetic bearings add the magnetic declination (east positive); grid bearings add the
    grid convergence (the angle from true north to grid north, east positive).
    """
    kind = BearingType(bearing_type)
    if kind is BearingType.MAGNETIC:
        bearing_deg += declination_deg
    elif kind is BearingType.GRID:
        bearing_deg += convergence_deg
    return bearing_deg % 360.0


@dataclass(frozen=True)
class Leg:
    """One leg of a traverse: true bearing in degrees and distance in metres."""

    bearing_deg: float
    distance_m: float


def traverse(start: tuple[float, float], legs: Iterable[Leg]) -> list[tuple[float, float]]:
    """Turning points (lon, lat) reached from ``start`` by walking ``legs`` along geodesics.

    The first point returned is ``start`` itself.
    """
    points = [start]
    lon, lat = start
    for leg in legs:
        if leg.distance_m < 0 or not math.isfinite(leg.distance_m):
            raise BadInput(
                "a traverse distance must be a positive number of metres",
                field="distance_m",
                value=leg.distance_m,
            )
        lon, lat, _ = WGS84.fwd(lon, lat, leg.bearing_deg, leg.distance_m)
        points.append((float(lon), float(lat)))
    return points


def closure_error_m(points: Sequence[tuple[float, float]]) -> float:
    """Distance in metres between the last and the first turning point of a traverse."""
    (lon1, lat1), (lon2, lat2) = points[0], points[-1]
    return distance_m(lon1, lat1, lon2, lat2)


def perimeter(points: Sequence[tuple[float, float]]) -> Polygon:
    """The perimeter polygon through turning points (closed back to the first)."""
    polygon = Polygon(list(points))
    check_polygon(polygon, "perimeter")
    return polygon


def row_positions(
    start: tuple[float, float], direction_deg: float, spacing_m: float, count: int
) -> np.ndarray:
    """Positions (lon, lat) of ``count`` mines laid from ``start`` every ``spacing_m`` metres.

    Returns an array of shape (count, 2).
    """
    if count < 0:
        raise BadInput("a mine count cannot be negative", field="count", value=count)
    if count == 0:
        return np.empty((0, 2))
    dist = np.arange(count, dtype=float) * spacing_m
    lons = np.full(count, start[0])
    lats = np.full(count, start[1])
    az = np.full(count, direction_deg)
    x, y, _ = WGS84.fwd(lons, lats, az, dist)
    return np.column_stack([x, y])


def forward(start: tuple[float, float], bearing_deg: float, distance: float) -> tuple[float, float]:
    """The point reached from ``start`` along a geodesic at a true bearing (degrees, metres)."""
    lon, lat, _ = WGS84.fwd(start[0], start[1], bearing_deg, distance)
    return float(lon), float(lat)


def check_polygon(geometry: BaseGeometry | None, field: str = "geometry") -> None:
    """Refuse a polygon that is missing, invalid, self-intersecting or degenerate."""
    if geometry is None or geometry.is_empty:
        raise BadInput(
            "a polygon is required", field=field, fix="Draw or import the area worked as a polygon"
        )
    if geometry.geom_type not in ("Polygon", "MultiPolygon"):
        raise BadInput(
            f"expected a polygon, got a {geometry.geom_type}",
            field=field,
            fix="Give the area as a polygon",
        )
    check_lonlat(geometry, field)
    parts = getattr(geometry, "geoms", [geometry])
    for part in parts:
        distinct = {tuple(c) for c in np.round(np.asarray(part.exterior.coords), 9)}
        if len(distinct) < 3:
            raise BadInput(
                "a polygon needs at least 3 distinct vertices",
                field=field,
                fix="Check the vertices of the polygon",
            )
    if not geometry.is_valid:
        reason = shapely.is_valid_reason(geometry)
        raise BadInput(
            f"invalid polygon: {reason}",
            field=field,
            fix="Correct the self-intersection or overlapping rings and submit again",
        )


def check_lonlat(geometry: BaseGeometry, field: str = "geometry") -> None:
    """Refuse coordinates that are not longitude/latitude degrees."""
    coords = shapely.get_coordinates(geometry)
    if len(coords) and (
        not np.isfinite(coords).all()
        or (np.abs(coords[:, 0]) > 180).any()
        or (np.abs(coords[:, 1]) > 90).any()
    ):
        raise BadInput(
            "coordinates are not longitude/latitude in degrees (EPSG:4326)",
            field=field,
            fix="Reproject the data to WGS84 (EPSG:4326)",
        )


def points(coords: np.ndarray) -> MultiPoint:
    """A MultiPoint from an (n, 2) array of lon/lat."""
    return MultiPoint([Point(x, y) for x, y in coords]) if len(coords) else MultiPoint()
