"""Writing exports: GeoPackage, GeoJSON, CSV and XLSX through GDAL (pyogrio)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

from clearground.domain.errors import BadInput

FORMATS = {"gpkg": "GPKG", "geojson": "GeoJSON", "csv": "CSV", "xlsx": "XLSX"}


def write_export(frame: pd.DataFrame, path: Path, fmt: str, layer: str) -> int:
    """Write ``frame`` to ``path`` in ``fmt``; returns the number of rows written.

    GeoPackage and GeoJSON keep the geometry (EPSG:4326); CSV and XLSX carry it as WKT in a
    ``geometry`` column. Dates are written as ISO 8601 text in CSV and XLSX.
    """
    driver = FORMATS.get(fmt)
    if driver is None:
        raise BadInput(
            f"unknown export format '{fmt}'",
            field="--format",
            value=fmt,
            fix=f"Use one of: {', '.join(FORMATS)}",
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    frame = frame.copy()
    for col in frame.columns:
        if (
            col != "geometry"
            and frame[col].map(lambda v: isinstance(v, dt.date | dt.datetime)).any()
        ):
            frame[col] = frame[col].map(
                lambda v: v.isoformat() if v is not None and not pd.isna(v) else None
            )
        if (
            col != "geometry"
            and frame[col].dtype == object
            and frame[col].map(lambda v: v.__class__.__name__ == "Decimal").any()
        ):
            frame[col] = frame[col].map(lambda v: None if v is None else str(v))
    has_geometry = isinstance(frame, gpd.GeoDataFrame)
    if has_geometry and fmt in ("csv", "xlsx"):
        # every digit as stored (WKT's default rounds to 6 decimals, about 0.1 m): a file
        # exported and imported again is then unchanged
        geometry = frame.geometry.to_wkt(rounding_precision=-1)
        frame = pd.DataFrame(frame.drop(columns=frame.geometry.name))
        frame["geometry"] = geometry
        has_geometry = False
    options = {}
    if fmt == "geojson":
        options["RFC7946"] = "YES"
    pyogrio.write_dataframe(frame, path, layer=layer, driver=driver, **options)
    return len(frame)
