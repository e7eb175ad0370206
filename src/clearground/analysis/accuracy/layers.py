"""The input layers as metric arrays: points and polygons in the UTM zone of the data.

Everything metric is done in the UTM zone of the data (``clearground.domain.geometry.utm_epsg``,
chosen by :func:`metric_crs`), never in degrees. Missing, empty and wrongly typed geometries
are refused naming their row.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Geod, Transformer

from clearground.analysis.accuracy.matching import _EMPTY_I
from clearground.domain.errors import BadInput
from clearground.domain.geometry import utm_epsg

_GEOD = Geod(ellps="WGS84")


def _geometry_array(frame: gpd.GeoDataFrame | gpd.GeoSeries, what: str) -> np.ndarray:
    if frame.crs is None:
        raise BadInput(
            f"the {what} have no coordinate system",
            field="crs",
            fix="Give the layer a CRS (e.g. EPSG:4326)",
        )
    geom = frame.geometry if isinstance(frame, gpd.GeoDataFrame) else frame
    return np.asarray(geom.values, dtype=object)


def _point_coords(frame: gpd.GeoDataFrame, what: str, crs: CRS) -> tuple[np.ndarray, np.ndarray]:
    """Metric coordinates of a point layer (multi-points split) and each point's row.

    Refuses missing and non-point geometries, naming the row."""
    geoms = _geometry_array(frame, what)
    if not len(geoms):
        return np.empty((0, 2)), _EMPTY_I
    missing = np.flatnonzero(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    if len(missing):
        raise BadInput(
            f"a row of the {what} has no position",
            row=int(missing[0]) + 1,
            field="geometry",
            fix="Give every row a point, or remove the row",
        )
    kinds = shapely.get_type_id(geoms)
    wrong = np.flatnonzero((kinds != 0) & (kinds != 4))
    if len(wrong):
        raise BadInput(
            f"the {what} must be points, not {shapely.get_type_id(geoms[wrong[0]])} "
            f"({geoms[wrong[0]].geom_type}, row {wrong[0] + 1})",
            row=int(wrong[0]) + 1,
            field="geometry",
            fix="Give one point per mine or device",
        )
    rows = np.arange(len(geoms))
    if (kinds == 4).any():
        geoms, rows = shapely.get_parts(geoms, return_index=True)
    xy = shapely.get_coordinates(geoms)
    return _to_metric(xy, frame.crs, crs), rows


def _to_metric(xy: np.ndarray, source: Any, crs: CRS) -> np.ndarray:
    if not len(xy):
        return np.empty((0, 2))
    if CRS.from_user_input(source) == crs:
        return np.asarray(xy, dtype=float)
    tr = Transformer.from_crs(source, crs, always_xy=True)
    x, y = tr.transform(xy[:, 0], xy[:, 1])
    return np.column_stack([x, y])


def _polygon_array(
    frame: gpd.GeoDataFrame | gpd.GeoSeries, what: str, crs: CRS
) -> tuple[np.ndarray, np.ndarray]:
    """Metric polygons of a layer (empty rows left out) and each one's row."""
    geoms = _geometry_array(frame, what)
    keep = np.flatnonzero(~(shapely.is_missing(geoms) | shapely.is_empty(geoms)))
    kinds = shapely.get_type_id(geoms[keep])
    wrong = np.flatnonzero((kinds != 3) & (kinds != 6))
    if len(wrong):
        raise BadInput(
            f"the {what} must be polygons, not {geoms[keep[wrong[0]]].geom_type} "
            f"(row {keep[wrong[0]] + 1})",
            row=int(keep[wrong[0]]) + 1,
            field="geometry",
            fix="Give the areas as polygons",
        )
    series = gpd.GeoSeries(geoms[keep], crs=frame.crs).to_crs(crs)
    return np.asarray(shapely.make_valid(series.values), dtype=object), keep


def metric_crs(*layers: gpd.GeoDataFrame | gpd.GeoSeries | None) -> CRS:
    """The UTM zone (WGS84) of the median position of the given layers (a sample of them)."""
    lonlat = []
    for layer in layers:
        if layer is None or not len(layer) or layer.crs is None:
            continue
        geoms = np.asarray(layer.geometry.values, dtype=object)
        sample = geoms[:: max(1, len(geoms) // 5000)]
        sample = sample[~(shapely.is_missing(sample) | shapely.is_empty(sample))]
        if not len(sample):
            continue
        xy = shapely.get_coordinates(shapely.point_on_surface(sample))
        tr = Transformer.from_crs(layer.crs, 4326, always_xy=True)
        lonlat.append(np.column_stack(tr.transform(xy[:, 0], xy[:, 1])))
    if not lonlat:
        return CRS.from_epsg(utm_epsg(45.0, 40.0))
    allxy = np.vstack(lonlat)
    return CRS.from_epsg(utm_epsg(float(np.median(allxy[:, 0])), float(np.median(allxy[:, 1]))))


def _true_north_grid_bearing(crs: CRS, lonlat: np.ndarray) -> np.ndarray:
    """Grid bearing (degrees clockwise from grid north) of true north at each point."""
    n = len(lonlat)
    if not n:
        return np.empty(0)
    lon2, lat2, _ = _GEOD.fwd(lonlat[:, 0], lonlat[:, 1], np.zeros(n), np.full(n, 1000.0))
    tr = Transformer.from_crs(4326, crs, always_xy=True)
    x1, y1 = tr.transform(lonlat[:, 0], lonlat[:, 1])
    x2, y2 = tr.transform(lon2, lat2)
    return np.degrees(np.arctan2(np.asarray(x2) - x1, np.asarray(y2) - y1))


def _values(frame: pd.DataFrame | None, name: str, rows: np.ndarray) -> np.ndarray | None:
    """A column's values (object, None for missing) at the given rows, or None."""
    if frame is None or name not in frame.columns:
        return None
    col = frame[name]
    values = np.asarray(col.astype(object).where(col.notna(), None).to_numpy(), dtype=object)
    return values[rows]
