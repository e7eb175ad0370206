"""The whole analysis and its report: records, handovers, districts, areas and accidents.

:func:`analyse` gives, per record, handover and district, the recorded mines confirmed one to
one by finds over searched ground (and after correcting each record's systematic error), the
finds inside the record's perimeter buffered by ``buffer_m``, mines found per mine recorded,
finds outside every record, and the share of accidents outside all recorded areas.
:class:`AccuracyReport` holds the figures and tables and writes them as the JSON document of
``clearground accuracy --json``.

Only searched ground counts: a recorded mine outside it is unknown, not missing, and a find
outside it is left out of the comparison (and counted as such).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Transformer
from scipy.spatial import cKDTree

from clearground.analysis.accuracy.layers import (
    _point_coords,
    _polygon_array,
    _true_north_grid_bearing,
    _values,
    metric_crs,
)
from clearground.analysis.accuracy.matching import _EMPTY_I, match_points
from clearground.analysis.accuracy.options import AccuracyOptions
from clearground.analysis.accuracy.search import align_record
from clearground.domain.errors import BadInput
from clearground.domain.plain import plain


@dataclass
class AccuracyReport:
    """Results of :func:`analyse`: headline figures and tables (plain values, NaN = unknown)."""

    summary: dict[str, Any]
    records: pd.DataFrame
    by_handover: pd.DataFrame
    by_district: pd.DataFrame
    accidents: dict[str, Any] | None
    options: AccuracyOptions
    crs: str
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The JSON document of ``clearground accuracy --json`` (DESIGN.md keys first)."""
        s = self.summary
        doc: dict[str, Any] = {
            "tolerance_m": self.options.tolerance_m,
            "recorded": s["recorded"],
            "found": s["found"],
            "matched": s["matched"],
            "precision": s["precision"],
            "recall": s["recall"],
            "f1": s["f1"],
            "records": _rows(self.records),
            "record_accuracy": s["precision"],
        }
        doc.update({k: v for k, v in s.items() if k not in doc})
        doc.update(
            {
                "max_shift_m": self.options.max_shift_m,
                "max_rotation_deg": self.options.max_rotation_deg,
                "buffer_m": self.options.buffer_m,
                "transform": "similarity" if self.options.similarity else "rigid",
                "metric_crs": self.crs,
                "by_handover": _rows(self.by_handover),
                "by_district": _rows(self.by_district),
                "accidents": self.accidents,
                "accidents_outside_share": (self.accidents or {}).get("outside_share"),
                "notes": self.notes,
            }
        )
        return plain(doc)


def _rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [plain(r) for r in frame.to_dict(orient="records")]


def _share(part: float, whole: float) -> float:
    return float(part) / float(whole) if whole else math.nan


def _first_per(codes: np.ndarray, values: np.ndarray | None, n: int) -> list[Any]:
    """The first non-missing value per code 0..n-1 (None where there is none)."""
    out: list[Any] = [None] * n
    if values is None or not len(codes):
        return out
    present = np.flatnonzero(pd.notna(values))
    if len(present):
        first = pd.Series(present).groupby(codes[present]).first()
        for code, row in zip(first.index.tolist(), first.tolist(), strict=True):
            out[int(code)] = values[int(row)]
    return out


def _verdict(
    recorded: int,
    recorded_total: int,
    precision: float,
    corrected: float,
    shift_m: float,
    rotation_deg: float,
    tolerance: float,
) -> str:
    """A word for each record: unsearched, right, misplaced, partly right, not found."""
    if not recorded:
        return "unsearched" if recorded_total else "perimeter only"
    moved = np.nan_to_num(shift_m) > tolerance or abs(np.nan_to_num(rotation_deg)) >= 1.0
    if moved and np.isfinite(corrected) and corrected >= 0.5 and corrected >= precision + 0.25:
        return "misplaced"
    if precision >= 0.8:
        return "right"
    if precision >= 0.1:
        return "partly right"
    return "not found"


def _within(area: Any, distance: float, xy: np.ndarray, tree: cKDTree) -> np.ndarray:
    """Indices (sorted) of the points within ``distance`` metres of ``area``."""
    x0, y0, x1, y1 = shapely.bounds(area)
    centre = ((x0 + x1) / 2, (y0 + y1) / 2)
    radius = math.hypot(x1 - x0, y1 - y0) / 2 + distance
    cand = np.sort(np.asarray(tree.query_ball_point(centre, radius), dtype=np.int64))
    if not len(cand):
        return cand
    zone = shapely.buffer(area, distance) if distance > 0 else area
    shapely.prepare(zone)
    return cand[shapely.intersects_xy(zone, xy[cand, 0], xy[cand, 1])]


def analyse(
    recorded: gpd.GeoDataFrame,
    finds: gpd.GeoDataFrame,
    *,
    searched: gpd.GeoSeries | gpd.GeoDataFrame | None = None,
    perimeters: gpd.GeoDataFrame | None = None,
    accidents: gpd.GeoDataFrame | None = None,
    options: AccuracyOptions | None = None,
) -> AccuracyReport:
    """How accurate the minefield records are, against the devices found.

    ``recorded``: one point per recorded mine, optional columns ``record`` (its record),
    ``handover`` and ``district``. ``finds``: one point per device found (optional
    ``district``). ``searched``: polygons of ground searched for mines (None: all ground
    counts). ``perimeters``: record perimeters (column ``record``; optional ``handover``,
    ``district``); without them a record's area is the convex hull of its mines.
    ``accidents``: points (optional ``kind``). Any CRS; metric work in the data's UTM zone.
    """
    opt = options or AccuracyOptions()
    opt.check()
    notes: list[str] = []
    crs = metric_crs(recorded, finds, perimeters)
    rec_xy, rec_rows = _point_coords(recorded, "recorded mines", crs)
    find_xy, find_rows = _point_coords(finds, "finds", crs)

    # records: codes 0..n-1, in order of first appearance, then perimeter-only ones
    rec_names = _values(recorded, "record", rec_rows)
    if rec_names is None:
        codes = np.zeros(len(rec_xy), dtype=np.int64)
        ids: list[str] = ["(all)"] if len(rec_xy) else []
    else:
        labels = np.array(
            [("(no record)" if v is None else str(v)) for v in rec_names], dtype=object
        )
        codes, uniques = pd.factorize(labels)
        ids = [str(u) for u in uniques]
    n_mined = len(ids)
    handover = _first_per(codes, _values(recorded, "handover", rec_rows), n_mined)
    district = _first_per(codes, _values(recorded, "district", rec_rows), n_mined)

    # record areas: the given perimeters, else the convex hull of the record's mines
    if perimeters is not None:
        if "record" not in perimeters.columns:
            raise BadInput(
                "the perimeters have no 'record' column",
                field="record",
                fix="Name each perimeter's record in a 'record' column",
            )
        polys, prow = _polygon_array(perimeters, "perimeters", crs)
        pid = [str(v) for v in _values(perimeters, "record", prow)]  # type: ignore[union-attr]
        index = {r: k for k, r in enumerate(ids)}
        for r in pid:
            if r not in index:
                index[r] = len(ids)
                ids.append(r)
                handover.append(None)
                district.append(None)
        area_of: list[Any] = [None] * len(ids)
        for r, g in zip(pid, polys, strict=True):
            k = index[r]
            area_of[k] = g if area_of[k] is None else shapely.union(area_of[k], g)
        for name, target in (("handover", handover), ("district", district)):
            vals = _values(perimeters, name, prow)
            if vals is not None:
                for r, v in zip(pid, vals, strict=True):
                    if v is not None and target[index[r]] is None:
                        target[index[r]] = v
        areas = np.array(area_of, dtype=object)
    else:
        areas = np.full(len(ids), None, dtype=object)
        if len(rec_xy):
            order = np.argsort(codes, kind="stable")
            hulls = shapely.convex_hull(shapely.multipoints(rec_xy[order], indices=codes[order]))
            areas[: len(hulls)] = hulls
        notes.append("Record areas are the convex hulls of their mines (no perimeters given).")
    n_rec = len(ids)

    # searched ground
    area = None
    if searched is not None:
        polys, _rows = _polygon_array(searched, "searched areas", crs)
        area = shapely.union_all(polys)
        shapely.prepare(area)
    else:
        notes.append("No searched areas were given: every recorded mine counts as searched.")

    def in_searched(xy: np.ndarray) -> np.ndarray:
        if area is None:
            return np.ones(len(xy), bool)
        if not len(xy):
            return np.zeros(0, bool)
        return np.asarray(shapely.intersects_xy(area, xy[:, 0], xy[:, 1]), dtype=bool)

    rec_in = in_searched(rec_xy)
    find_in = in_searched(find_xy)
    fxy = find_xy[find_in]
    fdistrict = _values(finds, "district", find_rows)
    fdistrict = fdistrict[find_in] if fdistrict is not None else None

    # one-to-one matching over searched ground
    rec_idx = np.flatnonzero(rec_in)
    m = match_points(rec_xy[rec_idx], fxy, opt.tolerance_m)
    matched_rec = np.zeros(len(rec_xy), bool)
    matched_rec[rec_idx[m.a]] = True
    find_of = np.full(len(rec_xy), -1, dtype=np.int64)  # the find paired with each mine
    find_of[rec_idx[m.a]] = m.b
    find_tree = cKDTree(fxy) if len(fxy) else None
    naive = 0
    if len(rec_idx) and find_tree is not None:
        dist, _ = find_tree.query(rec_xy[rec_idx], distance_upper_bound=opt.tolerance_m)
        naive = int(np.isfinite(dist).sum())

    # finds inside each record's area (within buffer_m of it) and near it (max_shift_m)
    have_area = np.flatnonzero(~shapely.is_missing(areas)) if n_rec else _EMPTY_I
    inside: list[np.ndarray] = [_EMPTY_I] * n_rec
    near_area: list[np.ndarray] = [_EMPTY_I] * n_rec
    outside = np.ones(len(fxy), bool)
    if len(have_area) and find_tree is not None:
        for k in have_area.tolist():
            inside[k] = _within(areas[k], opt.buffer_m, fxy, find_tree)
            near_area[k] = _within(areas[k], opt.buffer_m + opt.max_shift_m, fxy, find_tree)
        outside[np.concatenate(inside)] = False

    # each record: counts, and its systematic error
    n_total = np.bincount(codes, minlength=n_rec)
    n_searched = np.bincount(codes, weights=rec_in, minlength=n_rec).astype(int)
    groups = np.split(np.argsort(codes, kind="stable"), np.cumsum(n_total)[:-1])
    centres = np.full((n_rec, 2), np.nan)
    for k in range(n_mined):
        centres[k] = rec_xy[groups[k]].mean(0)
    to_ll = Transformer.from_crs(crs, 4326, always_xy=True)
    centre_ll = np.full((n_rec, 2), np.nan)
    if n_mined:
        centre_ll[:n_mined] = np.column_stack(
            to_ll.transform(centres[:n_mined, 0], centres[:n_mined, 1])
        )
    north = np.zeros(n_rec)
    north[:n_mined] = _true_north_grid_bearing(crs, centre_ll[:n_mined])
    coincidental = np.zeros(len(rec_xy), bool)
    fit = {
        name: np.full(n_rec, np.nan)
        for name in ("shift_m", "rotation_deg", "scale", "east", "north", "mc", "rc")
    }
    search_on = opt.max_shift_m > 0 or opt.max_rotation_deg > 0
    for k in range(n_mined if search_on else 0):
        if find_tree is None:
            break
        idx = groups[k]
        mines = rec_xy[idx]
        reach = float(np.hypot(*(mines - centres[k]).T).max())
        near = np.asarray(
            find_tree.query_ball_point(centres[k], reach + opt.max_shift_m + 2 * opt.tolerance_m),
            dtype=np.int64,
        )
        local = fxy[near]
        al = align_record(
            mines, local, opt.tolerance_m, opt.max_shift_m, opt.max_rotation_deg, opt.similarity
        )
        if al is None:
            continue
        t = al.transform
        moved = t.apply(mines)
        ok = in_searched(moved)
        corrected = match_points(moved, local, opt.tolerance_m)
        g = math.radians(north[k])
        sx, sy = t.shift
        fit["shift_m"][k] = t.shift_m
        fit["rotation_deg"][k] = t.rotation_deg
        fit["scale"][k] = t.scale
        # grid -> true: a bearing on the ground is the grid bearing less that of true north
        fit["east"][k] = sx * math.cos(g) - sy * math.sin(g)
        fit["north"][k] = sx * math.sin(g) + sy * math.cos(g)
        fit["mc"][k] = int(ok[corrected.a].sum())
        fit["rc"][k] = int(ok.sum())
        # A find that the record's systematic error explains as another of its mines does
        # not confirm the recorded mine it happens to lie near.
        moves = float(np.hypot(*(moved - mines).T).mean())
        if moves > opt.tolerance_m and corrected.count > int(matched_rec[idx].sum()):
            explained = np.full(len(fxy), -1, dtype=np.int64)
            explained[near[corrected.b]] = corrected.a
            mine_k = np.flatnonzero(matched_rec[idx])
            other = explained[find_of[idx[mine_k]]]
            drop = idx[mine_k[(other >= 0) & (other != mine_k)]]
            matched_rec[drop] = False
            coincidental[drop] = True

    n_matched = np.bincount(codes, weights=matched_rec, minlength=n_rec).astype(int)
    n_coinc = np.bincount(codes, weights=coincidental, minlength=n_rec).astype(int)
    has_fit = np.isfinite(fit["mc"])
    mc = np.where(has_fit, fit["mc"], n_matched).astype(int)
    rc = np.where(has_fit, fit["rc"], n_searched).astype(int)
    with np.errstate(invalid="ignore", divide="ignore"):
        precision = np.where(n_searched > 0, n_matched / np.maximum(n_searched, 1), np.nan)
        prec_corr = np.where(rc > 0, mc / np.maximum(rc, 1), np.nan)
    finds_inside = np.array([len(x) for x in inside], dtype=int)
    finds_near = np.array([len(x) for x in near_area], dtype=int)
    records = pd.DataFrame(
        {
            "record": ids,
            "handover": handover,
            "district": district,
            "recorded": n_searched,
            "matched": n_matched,
            "precision": precision,
            "shift_m": fit["shift_m"],
            "rotation_deg": fit["rotation_deg"],
            "precision_corrected": prec_corr,
            "verdict": [
                _verdict(
                    int(n_searched[k]),
                    int(n_total[k]),
                    float(precision[k]),
                    float(prec_corr[k]),
                    float(fit["shift_m"][k]),
                    float(fit["rotation_deg"][k]),
                    opt.tolerance_m,
                )
                for k in range(n_rec)
            ],
            "recorded_total": n_total,
            "coincidental": n_coinc,
            "matched_corrected": mc,
            "recorded_corrected": rc,
            "shift_east_m": fit["east"],
            "shift_north_m": fit["north"],
            "scale": fit["scale"],
            "centre_lon": centre_ll[:, 0],
            "centre_lat": centre_ll[:, 1],
            "finds_inside": finds_inside,
            "finds_near": finds_near,
            "inside_share": np.where(
                finds_near > 0, finds_inside / np.maximum(finds_near, 1), np.nan
            ),
            "found_per_recorded": np.where(
                n_searched > 0, finds_inside / np.maximum(n_searched, 1), np.nan
            ),
        }
    )

    matched = int(matched_rec.sum())
    n_found = len(fxy)
    p_all = _share(matched, len(rec_idx))
    r_all = _share(matched, n_found)
    if np.isfinite(p_all) and np.isfinite(r_all):
        f1 = 2 * p_all * r_all / (p_all + r_all) if p_all + r_all > 0 else 0.0
    else:
        f1 = math.nan
    summary = {
        "recorded": int(len(rec_idx)),
        "found": int(n_found),
        "matched": matched,
        "precision": p_all,
        "recall": r_all,
        "f1": f1,
        "recorded_total": int(len(rec_xy)),
        "recorded_unsearched": int(len(rec_xy) - len(rec_idx)),
        "finds_total": int(len(find_xy)),
        "finds_outside_searched": int(len(find_xy) - n_found),
        "pairs_within_tolerance": int(m.count),
        "coincidental": int(coincidental.sum()),
        "mean_distance_m": float(m.distance[matched_rec[rec_idx[m.a]]].mean())
        if matched
        else math.nan,
        "nearest_neighbour_matched": naive,
        "nearest_neighbour_precision": _share(naive, len(rec_idx)),
        "matched_corrected": int(mc.sum()),
        "recorded_corrected": int(rc.sum()),
        "precision_corrected": _share(int(mc.sum()), int(rc.sum())),
        "records_total": int(n_rec),
        "records_searched": int((n_searched > 0).sum()),
        "records_misplaced": int((records["verdict"] == "misplaced").sum()),
        "finds_inside_records": int(n_found - outside.sum()),
        "finds_outside_records": int(outside.sum()),
        "finds_outside_records_share": _share(int(outside.sum()), n_found),
        "searched_ground": "given" if area is not None else "all (no searched areas given)",
    }
    by_handover = _group_table(records, "handover", inside, near_area, None, outside)
    by_district = _group_table(records, "district", inside, near_area, fdistrict, outside)
    acc = (
        _accidents(accidents, crs, areas[have_area], opt.buffer_m)
        if accidents is not None
        else None
    )
    return AccuracyReport(
        summary, records, by_handover, by_district, acc, opt, crs.to_string(), notes
    )


def _group_table(
    records: pd.DataFrame,
    key: str,
    inside: list[np.ndarray],
    near: list[np.ndarray],
    find_key: np.ndarray | None,
    outside: np.ndarray,
) -> pd.DataFrame:
    """Figures per handover or district: sums over its records, each find counted once."""
    cols = [
        key,
        "records",
        "recorded",
        "matched",
        "precision",
        "precision_corrected",
        "records_misplaced",
        "recorded_total",
        "finds_inside",
        "finds_near",
        "inside_share",
        "found_per_recorded",
    ]
    if find_key is not None:
        cols += ["finds", "finds_outside_records", "finds_outside_records_share"]
    keys = list(dict.fromkeys(v for v in records[key].tolist() if v is not None))
    if find_key is not None:
        keys += [v for v in dict.fromkeys(find_key.tolist()) if v is not None and v not in keys]
    out = []
    for value in keys:
        sel = np.flatnonzero((records[key] == value).to_numpy())
        part = records.iloc[sel]
        n_in = len(np.unique(np.concatenate([inside[k] for k in sel]))) if len(sel) else 0
        n_near = len(np.unique(np.concatenate([near[k] for k in sel]))) if len(sel) else 0
        row: dict[str, Any] = {
            key: value,
            "records": len(part),
            "recorded": int(part["recorded"].sum()),
            "matched": int(part["matched"].sum()),
            "precision": _share(part["matched"].sum(), part["recorded"].sum()),
            "precision_corrected": _share(
                part["matched_corrected"].sum(), part["recorded_corrected"].sum()
            ),
            "records_misplaced": int((part["verdict"] == "misplaced").sum()),
            "recorded_total": int(part["recorded_total"].sum()),
            "finds_inside": n_in,
            "finds_near": n_near,
            "inside_share": _share(n_in, n_near),
            "found_per_recorded": _share(n_in, part["recorded"].sum()),
        }
        if find_key is not None:
            mine = find_key == value
            row["finds"] = int(mine.sum())
            row["finds_outside_records"] = int((outside & mine).sum())
            row["finds_outside_records_share"] = _share(row["finds_outside_records"], row["finds"])
        out.append(row)
    return pd.DataFrame(out, columns=cols)


def _accidents(
    frame: gpd.GeoDataFrame, crs: CRS, areas: np.ndarray, buffer_m: float
) -> dict[str, Any]:
    """How many accidents happened outside every recorded area (within ``buffer_m`` counts
    as inside), in all and by kind."""
    xy, rows = _point_coords(frame, "accidents", crs)
    inside = np.zeros(len(xy), bool)
    if len(areas) and len(xy):
        pp, _pa = shapely.STRtree(areas).query(
            shapely.points(xy), predicate="dwithin", distance=max(buffer_m, 1e-9)
        )
        inside[pp] = True
    out: dict[str, Any] = {
        "total": int(len(xy)),
        "outside_records": int((~inside).sum()),
        "outside_share": _share(int((~inside).sum()), len(xy)),
    }
    kind = _values(frame, "kind", rows)
    if kind is not None:
        by_kind = {}
        for value in dict.fromkeys(v for v in kind.tolist() if v is not None):
            sel = kind == value
            n_out = int((sel & ~inside).sum())
            by_kind[str(value)] = {
                "total": int(sel.sum()),
                "outside_records": n_out,
                "outside_share": _share(n_out, int(sel.sum())),
            }
        out["by_kind"] = by_kind
    return out
