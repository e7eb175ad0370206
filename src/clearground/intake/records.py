"""Digitising minefield record forms: YAML/JSON forms and CSV tables into records.

A form is kept as written (coordinates in their CRS, bearings of their type) under
``form["as_written"]``; what the registry draws from is the same form converted to WGS84
longitude/latitude with true, magnetic or grid bearings and the declination and grid
convergence that turn them true (``domain.minefield_record``).

Coordinates may be written in WGS84 (``lon``/``lat``) or in a projected CRS such as SK-42
(Pulkovo 1942) Gauss-Krüger (EPSG:28404-28432; for Azerbaijan zones 8 and 9, EPSG:28408 and
28409) as Soviet and post-Soviet forces write them: ``x`` is the northing and ``y`` the
easting with the zone number in front (e.g. x 4 420 244, y 8 662 595).

Form (YAML or JSON; one record, or several under ``records:``)::

    local_id: MR-AGD-0101
    handover: HO-2021-06-12          # local id of the handover (optional)
    location: Aghdam                 # district
    record_number: "AGD/1993/101"
    laid_date: 1993-05-01
    crs: EPSG:28408                  # default EPSG:4326 (then lon/lat)
    bearing_type: magnetic           # true, magnetic or grid
    declination_deg: 6.3             # magnetic declination, east positive
    convergence_deg: 1.2             # grid convergence; computed from the CRS if omitted
    reference_points:
      - {name: RP1, x: 4420244.4, y: 8662594.8, description: concrete post}
    traverse: {from: RP1, legs: [{bearing: 84, distance: 50}, ...]}   # degrees, metres
    rows:
      - {label: A, from: TP1, bearing: 354, distance: 30, direction: 84, spacing: 5,
         count: 10, ordnance: TM-62M, length: 45}   # length (m) optional, checked
    claimed: {ap: 0, at: 20}         # optional; default: counted from the rows
    reliability: 4                   # 1 confirmed ... 6 not evaluated
    source_grade: C

CSV tables (a folder or .zip): ``records.csv`` (one row per record: the scalar keys above,
plus ``rp_name``, ``rp_x``/``rp_y`` or ``rp_lon``/``rp_lat``), ``legs.csv`` (``record``,
``seq``, ``bearing``, ``distance``) and ``rows.csv`` (``record``, ``label``, ``from``,
``bearing``, ``distance``, ``direction``, ``spacing``, ``count``, ``ordnance``, ``length``).
"""

from __future__ import annotations

import copy
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from pyproj import CRS, Transformer
from shapely.geometry import Point

from clearground.domain.errors import BadInput
from clearground.domain.geometry import WGS84
from clearground.domain.minefield_record import CLOSURE_TOLERANCE_M, build_record
from clearground.intake.report import Issue

REFERENCE_FAR_M = 1000.0
"""A reference point further than this from the perimeter is flagged."""
SCALARS = (
    "local_id",
    "handover",
    "location",
    "record_number",
    "laid_date",
    "crs",
    "bearing_type",
    "declination_deg",
    "convergence_deg",
    "reliability",
    "source_grade",
    "info_date",
    "reported_by",
)


def is_record_form(path: Path) -> bool:
    """Whether ``path`` holds record forms (YAML/JSON forms or CSV tables), not features."""
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        return True
    if suffix == ".json":
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return True  # let the form reader report it
        return not (isinstance(doc, dict) and doc.get("type") == "FeatureCollection")
    if path.is_dir():
        return (path / "records.csv").exists()
    if suffix == ".zip":
        with zipfile.ZipFile(path) as z:
            return any(Path(n).name == "records.csv" for n in z.namelist())
    return False


def read_forms(path: Path) -> list[dict[str, Any]]:
    """The record forms in ``path``, as written, in order."""
    suffix = path.suffix.lower()
    try:
        if suffix in (".yaml", ".yml", ".json"):
            text = path.read_text(encoding="utf-8")
            doc = yaml.safe_load(text) if suffix != ".json" else json.loads(text)
            forms = doc.get("records", [doc]) if isinstance(doc, dict) else doc
            if not isinstance(forms, list) or not all(isinstance(f, dict) for f in forms):
                raise BadInput(
                    "a record form file holds a mapping, or a list under records:",
                    source=str(path),
                    fix="See docs/INTAKE.md, minefield records",
                )
            return forms
        return _read_tables(path)
    except (OSError, yaml.YAMLError, ValueError) as exc:
        raise BadInput(
            f"cannot read the record forms: {exc}",
            source=str(path),
            fix="See docs/INTAKE.md for the form layout",
        ) from exc


def _read_tables(path: Path) -> list[dict[str, Any]]:
    def table(name: str) -> pd.DataFrame:
        if path.is_dir():
            p = path / name
            return (
                pd.read_csv(p, dtype=str, keep_default_na=False) if p.exists() else pd.DataFrame()
            )
        with zipfile.ZipFile(path) as z:
            match = [n for n in z.namelist() if Path(n).name == name]
            if not match:
                return pd.DataFrame()
            return pd.read_csv(io.BytesIO(z.read(match[0])), dtype=str, keep_default_na=False)

    records, legs, rows = table("records.csv"), table("legs.csv"), table("rows.csv")
    forms = []
    for rec in records.to_dict("records"):
        lid = rec.get("local_id", "")
        form: dict[str, Any] = {k: v for k, v in rec.items() if k in SCALARS and v != ""}
        rp: dict[str, Any] = {"name": rec.get("rp_name") or "RP1"}
        for k in ("x", "y", "lon", "lat"):
            if rec.get(f"rp_{k}"):
                rp[k] = rec[f"rp_{k}"]
        form["reference_points"] = [rp]
        mine = legs[legs["record"] == lid] if len(legs) else legs
        if len(mine):
            mine = mine.assign(_seq=pd.to_numeric(mine["seq"])).sort_values("_seq")
        form["traverse"] = {
            "from": rp["name"],
            "legs": [
                {"bearing": r["bearing"], "distance": r["distance"]}
                for r in mine.to_dict("records")
            ],
        }
        its = rows[rows["record"] == lid] if len(rows) else rows
        form["rows"] = [
            {k: v for k, v in r.items() if k != "record" and v != ""}
            for r in its.to_dict("records")
        ]
        if rec.get("claimed_ap") or rec.get("claimed_at"):
            form["claimed"] = {"ap": rec.get("claimed_ap") or 0, "at": rec.get("claimed_at") or 0}
        forms.append(form)
    return forms


def _convergence_deg(crs: CRS, lon: float, lat: float) -> float:
    """Angle (degrees, clockwise) from true north to grid north at a point."""
    fwd = Transformer.from_crs(4326, crs, always_xy=True)
    lon2, lat2, _ = WGS84.fwd(lon, lat, 0.0, 1000.0)  # 1 km due (true) north
    (e1, n1), (e2, n2) = fwd.transform(lon, lat), fwd.transform(lon2, lat2)
    true_north_on_grid = np.degrees(np.arctan2(e2 - e1, n2 - n1))
    return float(-true_north_on_grid)


def to_record(form: dict[str, Any], row: int) -> tuple[dict[str, Any], list[Issue]]:
    """Registry values for one form as written, and the flags raised about it."""
    issues: list[Issue] = []
    lid = str(form.get("local_id") or "")
    written = copy.deepcopy(form)
    crs_text = str(form.get("crs") or "EPSG:4326")
    try:
        crs = CRS.from_user_input(crs_text)
    except Exception as exc:  # noqa: BLE001 - pyproj raises CRSError subclasses of Exception
        raise BadInput(
            f"unknown coordinate system '{crs_text}'",
            field="crs",
            row=row,
            record=lid,
            fix="Write e.g. EPSG:28408 (SK-42 Gauss-Krüger zone 8)",
        ) from exc
    to_wgs = Transformer.from_crs(crs, 4326, always_xy=True)
    points = []
    for i, rp in enumerate(form.get("reference_points") or []):
        name = str(rp.get("name") or f"RP{i + 1}")
        try:
            if crs.is_geographic:
                lon, lat = float(rp["lon"]), float(rp["lat"])
            else:  # Soviet convention: x northing, y easting (with the zone in front)
                lon, lat = to_wgs.transform(float(rp["y"]), float(rp["x"]))
        except (KeyError, TypeError, ValueError) as exc:
            need = "lon and lat" if crs.is_geographic else "x (northing) and y (easting)"
            raise BadInput(
                f"reference point {name} needs {need} in {crs_text}",
                field="reference_points",
                row=row,
                record=lid,
                fix="Write the coordinates as on the form",
            ) from exc
        points.append({"name": name, "lon": lon, "lat": lat, "description": rp.get("description")})
    drawn_form: dict[str, Any] = {
        "bearing_type": form.get("bearing_type", "true"),
        "declination_deg": float(form.get("declination_deg") or 0.0),
        "reference_points": points,
        "traverse": form.get("traverse") or {},
        "rows": form.get("rows") or [],
    }
    if form.get("convergence_deg") not in (None, "", "auto"):
        drawn_form["convergence_deg"] = float(form["convergence_deg"])
    elif drawn_form["bearing_type"] == "grid" and points:
        if crs.is_geographic:
            raise BadInput(
                "grid bearings need a projected CRS or convergence_deg",
                field="convergence_deg",
                row=row,
                record=lid,
                fix="Give the grid's CRS (e.g. EPSG:28408) or the convergence",
            )
        drawn_form["convergence_deg"] = _convergence_deg(crs, points[0]["lon"], points[0]["lat"])
    try:
        drawn = build_record(drawn_form)
    except BadInput as exc:
        exc.row, exc.record = row, lid
        raise
    issues += _flags(drawn_form, drawn, row, lid)
    counts = drawn.row_counts
    ordnance = [str(r.get("ordnance", "")) for r in drawn_form["rows"]]
    claimed = form.get("claimed") or {}
    values: dict[str, Any] = {
        k: form[k]
        for k in (
            "local_id",
            "handover",
            "location",
            "record_number",
            "laid_date",
            "reliability",
            "source_grade",
            "info_date",
            "reported_by",
        )
        if form.get(k) not in (None, "")
    }
    values.update(
        form={**drawn_form, "as_written": written},
        crs_as_written=crs_text,
        geometry=drawn.perimeter,
    )
    values["claimed_ap"], values["claimed_at"] = _claims(claimed, counts, ordnance)
    values["claimed_total"] = values["claimed_ap"] + values["claimed_at"]
    row_total = sum(counts)
    if claimed and row_total != values["claimed_total"]:
        issues.append(
            Issue(
                row,
                "claimed",
                f"the form claims {values['claimed_total']} mines but its rows hold {row_total}",
                "claimed_count_mismatch",
                severity="warning",
                record=lid,
                fix="Check the counts against the rows",
            )
        )
    return values, issues


def _claims(claimed: dict[str, Any], counts: list[int], ordnance: list[str]) -> tuple[int, int]:
    if claimed:
        return int(float(claimed.get("ap") or 0)), int(float(claimed.get("at") or 0))
    from clearground.domain.catalogue import ORDNANCE

    category = {code: cat for code, _n, cat, _s, _o in ORDNANCE}
    ap = sum(c for c, o in zip(counts, ordnance, strict=True) if category.get(o) == "ap_mine")
    at = sum(c for c, o in zip(counts, ordnance, strict=True) if category.get(o) == "at_mine")
    return ap, at


def _flags(form: dict[str, Any], drawn: Any, row: int, lid: str) -> list[Issue]:
    issues = []
    legs = (form.get("traverse") or {}).get("legs") or []
    length = sum(float(leg.get("distance", 0)) for leg in legs[1:])
    if drawn.closure_error_m > max(CLOSURE_TOLERANCE_M, 0.01 * length):
        issues.append(
            Issue(
                row,
                "traverse",
                f"the traverse does not close: it ends {drawn.closure_error_m:,.1f} m from TP1",
                "traverse_not_closed",
                round(drawn.closure_error_m, 1),
                "Check the bearings and distances of the legs",
                severity="warning",
                record=lid,
            )
        )
    for i, r in enumerate(form.get("rows") or []):
        if r.get("length") in (None, ""):
            continue
        spacing, count, stated = float(r["spacing"]), int(float(r["count"])), float(r["length"])
        expected = int(np.floor(stated / spacing + 1e-9)) + 1 if spacing > 0 else count
        if expected != count:
            issues.append(
                Issue(
                    row,
                    f"rows[{i}].count",
                    f"row {r.get('label', i + 1)} is "
                    f"{stated:g} m long at {spacing:g} m spacing, room for "
                    f"{expected} mines, but says {count}",
                    "count_mismatch",
                    count,
                    "Check the count, length and spacing of the row",
                    severity="warning",
                    record=lid,
                )
            )
    perimeter = drawn.perimeter
    for rp in form.get("reference_points") or []:
        d = _distance_to_polygon_m(rp["lon"], rp["lat"], perimeter)
        if d > REFERENCE_FAR_M:
            issues.append(
                Issue(
                    row,
                    "reference_points",
                    f"reference point {rp['name']} lies {d:,.0f} m from the perimeter",
                    "reference_far",
                    round(d),
                    "Check its coordinates and CRS",
                    severity="warning",
                    record=lid,
                )
            )
    return issues


def _distance_to_polygon_m(lon: float, lat: float, polygon: Any) -> float:
    if polygon.contains(Point(lon, lat)):
        return 0.0
    xy = np.asarray(polygon.exterior.coords)
    dense = np.vstack(
        [np.linspace(a, b, 20, endpoint=False) for a, b in zip(xy[:-1], xy[1:], strict=True)]
    )
    _, _, d = WGS84.inv(
        np.full(len(dense), lon), np.full(len(dense), lat), dense[:, 0], dense[:, 1]
    )
    return float(np.min(d))


def forms_frame(path: Path) -> tuple[pd.DataFrame, list[Issue], int]:
    """Rows for ``check_and_write`` (one per form, ``_row`` its 1-based position), the
    issues found while drawing them, and the number of forms read."""
    rows, issues = [], []
    forms = read_forms(path)
    for i, form in enumerate(forms, start=1):
        try:
            values, flags = to_record(form, i)
        except BadInput as exc:
            issues.append(
                Issue(
                    i,
                    exc.field,
                    exc.reason,
                    "invalid_record_form",
                    exc.value,
                    exc.fix,
                    record=exc.record,
                )
            )
            continue
        issues += flags
        rows.append({**values, "_row": i})
    frame = pd.DataFrame(rows)
    if "geometry" not in frame.columns:
        frame["geometry"] = pd.Series(dtype=object)
    if "_row" not in frame.columns:
        frame["_row"] = pd.Series(dtype=int)
    return frame, issues, len(forms)
