"""Reading a source file into a data frame of rows with lon/lat geometries.

Formats: GeoPackage, GeoJSON, Shapefile (also zipped), KML, FlatGeobuf (through GDAL), CSV and
XLSX (coordinates from lat/lon columns, a WKT column or an MGRS column). Files are checked by
``intake.safety`` first (allowed formats only, content matching the name, zips unpacked by us
within limits). Every row keeps its
number in the source (``_row``): the line for CSV and XLSX (the header is line 1), the
feature number for vector files.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError

from clearground.domain.errors import BadInput, TooLarge
from clearground.intake import safety
from clearground.intake.mapping import Mapping
from clearground.intake.report import Issue

LAT_DEGREE_NAMES = ("lat", "latitude", "enlik", "широта")
LON_DEGREE_NAMES = ("lon", "lng", "long", "longitude", "uzunluq", "долгота")
"""Column names that say the coordinates are degrees (WGS84 unless a CRS is given)."""
LAT_NAMES = (*LAT_DEGREE_NAMES, "y", "northing")
LON_NAMES = (*LON_DEGREE_NAMES, "x", "easting")
"""Coordinate columns of a table, first found first (case-insensitive): one list for every
reader of tables (imports and the accuracy command)."""
WKT_NAMES = ("wkt", "geometry", "geom", "the_geom")


@dataclass
class Source:
    """Rows of a file: attributes as text, ``geometry`` (lon/lat or None), ``_row``."""

    frame: pd.DataFrame
    unit: str  # "line" or "feature"
    issues: list[Issue] = field(default_factory=list)
    raw: pd.DataFrame | None = None  # the rows as they came (with ``_row``), for reject files


def read_source(
    path: Path, mapping: Mapping, crs: str | None = None, limits: safety.Limits | None = None
) -> Source:
    """Read ``path`` into rows; refuses unreadable, disallowed or disguised files and wrong or
    missing CRSs. With ``limits`` (uploads), more rows than ``limits.rows`` are refused."""
    if not path.exists():
        raise BadInput("the file does not exist", source=str(path), fix="Check the path")
    suffix = safety.check_name(path, safety.TABLE_SUFFIXES | safety.VECTOR_SUFFIXES)
    safety.check_content(path, suffix)
    declared = crs or mapping.crs
    if declared:
        _check_crs(declared, from_mapping=not crs, mapping=mapping)
    bounds = limits or safety.Limits.from_env()
    if suffix in safety.TABLE_SUFFIXES:
        if suffix in (".xlsx", ".xlsm"):
            safety.check_xlsx(path, bounds)
        source = _read_table(path, mapping, declared)
    elif suffix in (".zip", ".kmz"):
        with tempfile.TemporaryDirectory(prefix="unpacked-", dir=path.parent) as tmp:
            unpack = safety.vector_in_zip if suffix == ".zip" else safety.kml_in_kmz
            target = unpack(path, Path(tmp), bounds)
            source = _read_vector(target, mapping, declared, limits, shown=path)
    else:
        source = _read_vector(path, mapping, declared, limits)
    if limits is not None:
        _check_rows(path, len(source.frame), limits)
    return source


def _check_crs(declared: str, *, from_mapping: bool, mapping: Mapping) -> None:
    """A CRS given by ``--crs`` or the mapping must be one PROJ knows."""
    try:
        CRS.from_user_input(declared)
    except CRSError:
        raise BadInput(
            f"cannot understand the coordinate system '{declared}'",
            source=mapping.path if from_mapping else None,
            field="crs" if from_mapping else "--crs",
            value=declared,
            fix="Give an EPSG code, e.g. EPSG:4326 (longitude/latitude) or EPSG:32638 (UTM 38N)",
        ) from None


def _check_rows(path: Path, n: int, limits: safety.Limits) -> None:
    if n > limits.rows:
        raise TooLarge(
            f"the file holds {n:,} rows, more than the {limits.rows:,} allowed in one import",
            source=path.name,
            field="file",
            fix="Split the file, or import it with the command line (clearground import)",
        )


def _read_vector(
    path: Path,
    mapping: Mapping,
    declared: str | None,
    limits: safety.Limits | None = None,
    shown: Path | None = None,
) -> Source:
    try:
        if limits is not None:
            info = pyogrio.read_info(path, layer=mapping.layer)
            _check_rows(shown or path, int(info.get("features") or 0), limits)
        frame = pyogrio.read_dataframe(path, layer=mapping.layer)
    except BadInput:
        raise
    except Exception as exc:  # noqa: BLE001 - GDAL errors are all unreadable input here
        raise BadInput(
            f"cannot read the file: {exc}",
            source=str(shown or path),
            fix="Check that it opens in QGIS; give --mapping layer: for a multi-layer file",
        ) from exc
    issues: list[Issue] = []
    if not isinstance(frame, gpd.GeoDataFrame):
        frame = gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries([None] * len(frame)))
    geoms = frame.geometry.values
    if frame.crs is None:
        if declared:
            frame = frame.set_crs(declared)
        elif _degrees_like(geoms):
            issues.append(
                Issue(
                    None,
                    "crs",
                    "the file states no coordinate system; taken as "
                    "WGS84 longitude/latitude (EPSG:4326)",
                    "crs_missing",
                    fix="Give --crs if that is wrong",
                    severity="warning",
                )
            )
            frame = frame.set_crs(4326)
        else:
            raise BadInput(
                "the file states no coordinate system and its numbers are not degrees",
                source=str(shown or path),
                field="crs",
                fix="Give the CRS with --crs EPSG:NNNN (e.g. a UTM zone 32638)",
            )
    elif frame.crs.is_geographic and not _degrees_like(geoms):
        raise BadInput(
            f"the file says {frame.crs.to_string()} (degrees) but holds projected numbers",
            source=str(shown or path),
            field="crs",
            fix="Correct the .prj / CRS of the file, or give --crs EPSG:NNNN",
        )
    frame = frame.to_crs(4326)
    attrs = pd.DataFrame(frame.drop(columns=frame.geometry.name))
    attrs = attrs.astype(object).where(attrs.notna(), None)
    attrs["geometry"] = frame.geometry.values
    attrs["_row"] = np.arange(1, len(attrs) + 1)
    attrs = attrs.reset_index(drop=True)
    return Source(attrs, "feature", issues, attrs.copy())


def _read_table(path: Path, mapping: Mapping, declared: str | None) -> Source:
    try:
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            sheet = mapping.sheet if mapping.sheet is not None else 0
            raw = pd.read_excel(path, sheet_name=sheet, dtype=str, keep_default_na=False)
        else:
            sep = "\t" if path.suffix.lower() == ".tsv" else None
            raw = pd.read_csv(
                path,
                dtype=str,
                keep_default_na=False,
                sep=sep,
                engine="python",
                encoding="utf-8-sig",
            )
    except Exception as exc:  # noqa: BLE001 - parser errors are all unreadable input
        raise BadInput(
            f"cannot read the table: {exc}",
            source=str(path),
            fix="Save it as UTF-8 CSV or XLSX with one header row",
        ) from exc
    raw.columns = [str(c).strip() for c in raw.columns]
    frame = raw.astype(object).where(raw != "", None)
    as_read = frame.copy()
    as_read["_row"] = np.arange(2, len(frame) + 2)
    geometry, issues = _table_geometry(frame, mapping, declared, path)
    frame["geometry"] = geometry
    frame["_row"] = np.arange(2, len(frame) + 2)
    return Source(frame.reset_index(drop=True), "line", issues, as_read)


def _find(frame: pd.DataFrame, given: str | None, names: tuple[str, ...]) -> str | None:
    if given:
        if given not in frame.columns:
            raise BadInput(
                f"the mapping names column '{given}', which the file lacks",
                field=given,
                fix=f"Columns are: {', '.join(frame.columns)}",
            )
        return given
    lower = {c.lower(): c for c in frame.columns}
    return next((lower[n] for n in names if n in lower), None)


def _table_geometry(
    frame: pd.DataFrame, mapping: Mapping, declared: str | None, path: Path
) -> tuple[np.ndarray, list[Issue]]:
    n = len(frame)
    out = np.full(n, None, dtype=object)
    issues: list[Issue] = []
    wkt = _find(frame, mapping.wkt, WKT_NAMES)
    mgrs_col = _find(frame, mapping.mgrs, ("mgrs",))
    lat = _find(frame, mapping.lat, LAT_NAMES)
    lon = _find(frame, mapping.lon, LON_NAMES)
    if wkt:
        text = frame.pop(wkt)
        for i, value in enumerate(text):
            if value is None:
                continue
            try:
                with np.errstate(invalid="ignore"):  # NaN coordinates: checked later, by row
                    out[i] = shapely.from_wkt(value)
            except shapely.errors.GEOSException:
                issues.append(
                    Issue(
                        i + 2,
                        wkt,
                        "cannot read the geometry as WKT",
                        "unparseable",
                        value,
                        "Write e.g. POINT (46.9 39.9)",
                    )
                )
    elif mgrs_col:
        import mgrs

        conv = mgrs.MGRS()
        for i, value in enumerate(frame.pop(mgrs_col)):
            if value is None:
                continue
            try:
                la, lo = conv.toLatLon(str(value).replace(" ", ""))
                out[i] = shapely.Point(lo, la)
            except Exception:  # noqa: BLE001 - the mgrs library raises plain exceptions
                issues.append(
                    Issue(
                        i + 2,
                        mgrs_col,
                        "cannot read the MGRS reference",
                        "unparseable",
                        value,
                        "Write e.g. 38S NJ 12345 67890",
                    )
                )
    elif lat and lon:
        ys = pd.to_numeric(frame.pop(lat).str.replace(",", ".", regex=False), errors="coerce")
        xs = pd.to_numeric(frame.pop(lon).str.replace(",", ".", regex=False), errors="coerce")
        bad = (ys.isna() | xs.isna()).to_numpy()
        for j in np.flatnonzero(bad):
            i = int(j)
            issues.append(
                Issue(
                    i + 2,
                    lat,
                    "cannot read the coordinates as numbers",
                    "unparseable",
                    f"{ys.iloc[i]}, {xs.iloc[i]}",
                    "Write decimal degrees, e.g. 39.91 and 46.92",
                )
            )
        xv, yv = xs.to_numpy(dtype=float), ys.to_numpy(dtype=float)
        if declared and not CRS.from_user_input(declared).is_geographic:
            tr = Transformer.from_crs(declared, 4326, always_xy=True)
            xv, yv = tr.transform(xv, yv)
        elif ((np.abs(xv[~bad]) > 180) | (np.abs(yv[~bad]) > 90)).any():
            raise BadInput(
                "the coordinate columns hold projected numbers, not degrees",
                source=str(path),
                field=lat,
                fix="Give their CRS with --crs EPSG:NNNN (e.g. 32638)",
            )
        pts = shapely.points(xv, yv)
        out[~bad] = pts[~bad]
    return out, issues


def _degrees_like(geoms: np.ndarray) -> bool:
    present = geoms[~shapely.is_missing(geoms)] if len(geoms) else geoms
    if not len(present):
        return True
    xmin, ymin, xmax, ymax = shapely.total_bounds(present)
    return bool(xmin >= -180 and xmax <= 180 and ymin >= -90 and ymax <= 90)
