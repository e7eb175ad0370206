"""Where things go in the scenario: a metric working projection, hazard cells and strips.

The scenario works in a Lambert azimuthal equal-area projection centred on the region
(metres), so areas drawn there are true areas; everything stored is converted to lon/lat.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from pyproj import CRS, Transformer
from shapely.geometry import Polygon, box
from shapely.geometry.base import BaseGeometry

CENTRE = (46.8, 39.8)
LAEA = CRS.from_proj4(f"+proj=laea +lat_0={CENTRE[1]} +lon_0={CENTRE[0]} +datum=WGS84 +units=m")
_FWD = Transformer.from_crs(4326, LAEA, always_xy=True)
_INV = Transformer.from_crs(LAEA, 4326, always_xy=True)


def to_metric(geom: BaseGeometry) -> BaseGeometry:
    return shapely.transform(geom, lambda xy: np.column_stack(_FWD.transform(xy[:, 0], xy[:, 1])))


def to_lonlat(geom: BaseGeometry) -> BaseGeometry:
    return shapely.transform(geom, lambda xy: np.column_stack(_INV.transform(xy[:, 0], xy[:, 1])))


def xy_to_lonlat(xy: np.ndarray) -> np.ndarray:
    """(n, 2) metric coordinates to (n, 2) lon/lat."""
    if len(xy) == 0:
        return np.empty((0, 2))
    lon, lat = _INV.transform(xy[:, 0], xy[:, 1])
    return np.column_stack([lon, lat])


def lonlat_to_xy(ll: np.ndarray) -> np.ndarray:
    if len(ll) == 0:
        return np.empty((0, 2))
    x, y = _FWD.transform(ll[:, 0], ll[:, 1])
    return np.column_stack([x, y])


@dataclass
class Cell:
    """A square of ground in one district that may become one hazard (metric coordinates)."""

    district: str
    x: float
    y: float
    side: float

    @property
    def polygon(self) -> Polygon:
        return box(self.x, self.y, self.x + self.side, self.y + self.side)

    @property
    def centre(self) -> tuple[float, float]:
        return self.x + self.side / 2, self.y + self.side / 2


def district_cells(district: str, outline_lonlat: BaseGeometry, side: float) -> list[Cell]:
    """The grid cells of ``side`` metres lying wholly inside a district."""
    outline = to_metric(outline_lonlat)
    x0, y0, x1, y1 = outline.bounds
    xs = np.arange(np.floor(x0 / side) * side, x1, side)
    ys = np.arange(np.floor(y0 / side) * side, y1, side)
    gx, gy = np.meshgrid(xs, ys)
    boxes = shapely.box(gx.ravel(), gy.ravel(), gx.ravel() + side, gy.ravel() + side)
    shapely.prepare(outline)
    inside = shapely.contains(outline, boxes)
    return [
        Cell(district, float(x), float(y), side)
        for x, y, ok in zip(gx.ravel(), gy.ravel(), inside, strict=True)
        if ok
    ]


def hazard_outline(cell: Cell, rng: np.random.Generator) -> Polygon:
    """The hazard polygon of a cell: the cell shrunk by 2-8 % on each side (metric)."""
    m = rng.uniform(0.02, 0.08, 4) * cell.side
    return box(cell.x + m[0], cell.y + m[1], cell.x + cell.side - m[2], cell.y + cell.side - m[3])


def strips(outline: Polygon, n: int) -> list[Polygon]:
    """Split a rectangular outline into ``n`` west-to-east strips of equal width (metric)."""
    x0, y0, x1, y1 = outline.bounds
    edges = np.linspace(x0, x1, n + 1)
    return [box(edges[i], y0, edges[i + 1], y1) for i in range(n)]
