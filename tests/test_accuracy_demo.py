"""``clearground accuracy`` on the demo, checked against the scenario's truth file.

The truth says, for every planted device, which recorded mine it is (``record``,
``recorded_index``) and, for every record, how it was displaced. The figures are recomputed
here with independent code (geodesic distances with pyproj.Geod, GeoPandas joins).
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from pyproj import CRS, Geod, Transformer

from clearground.scenario.truth import TOLERANCE_M, read_truth
from tests.conftest import run_cli

GEOD = Geod(ellps="WGS84")


def accuracy(demo: dict, *args: str) -> dict:
    return json.loads(run_cli("accuracy", "--db", str(demo["db"]), "--json", *args).stdout)


def export(demo: dict, kind: str) -> gpd.GeoDataFrame:
    out = Path(demo["folder"]) / f"accuracy-{kind}.gpkg"
    if not out.exists():
        run_cli("export", kind, "--db", str(demo["db"]), "--format", "gpkg", "-o", str(out))
    return gpd.read_file(out)


@pytest.fixture(scope="module")
def doc(demo: dict) -> dict:
    return accuracy(demo)


@pytest.fixture(scope="module")
def truth(demo: dict) -> dict:
    devices, records, summary = read_truth(Path(demo["truth"]))
    return {"devices": devices, "records": records.set_index("record"), "summary": summary}


@pytest.fixture(scope="module")
def mines(demo: dict, truth: dict) -> pd.DataFrame:
    """Each recorded mine: searched or not, and whether its true mine is within 5 m."""
    rec = export(demo, "recorded_mines")
    cleared = export(demo, "activities")
    cleared = cleared[cleared["result"] == "cleared"]
    hit = gpd.sjoin(rec[["geometry"]], cleared[["geometry"]], predicate="intersects")
    rec["searched"] = rec.index.isin(hit.index)
    dev = truth["devices"]
    dev = dev[dev["source"] == "record"]
    true_pos = pd.DataFrame(
        {"tx": dev.geometry.x.to_numpy(), "ty": dev.geometry.y.to_numpy()},
        index=pd.MultiIndex.from_arrays([dev["record"], dev["recorded_index"]]),
    )
    key = pd.MultiIndex.from_arrays([rec["record"], rec["mine_index"]])
    tp = true_pos.reindex(key)
    x, y = rec.geometry.x.to_numpy(), rec.geometry.y.to_numpy()
    present = tp["tx"].notna().to_numpy()
    dist = np.full(len(rec), np.inf)
    _a, _b, d = GEOD.inv(
        x[present], y[present], tp["tx"].to_numpy()[present], tp["ty"].to_numpy()[present]
    )
    dist[present] = d
    rec["true_ok"] = dist <= TOLERANCE_M
    return rec


def test_record_accuracy_recovers_the_planted_figure(
    doc: dict, truth: dict, mines: pd.DataFrame
) -> None:
    planted = float(truth["summary"]["record_accuracy"])  # over all records
    searched = mines[mines["searched"]]
    over_searched = float(searched["true_ok"].mean())  # over the ground searched so far
    assert abs(doc["recorded"] - len(searched)) <= 0.001 * len(searched)
    assert doc["recorded_total"] == len(mines)
    assert abs(doc["precision"] - over_searched) <= 0.03
    assert abs(doc["precision"] - planted) <= 0.03
    assert doc["record_accuracy"] == doc["precision"]
    # the naive join claims more than there is
    assert doc["nearest_neighbour_precision"] > over_searched + 0.03


def _found(truth: dict) -> pd.Series:
    dev = truth["devices"]
    return dev[(dev["source"] == "record") & (dev["fate"] == "found")].groupby("record").size()


def test_each_planted_shift_is_found_within_10_m(doc: dict, truth: dict) -> None:
    rows = {r["record"]: r for r in doc["records"]}
    found = _found(truth)
    recs = truth["records"]
    shifted = recs[(recs["error"] == "shifted") & (found.reindex(recs.index).fillna(0) >= 20)]
    assert len(shifted) >= 10
    for rid, t in shifted.iterrows():
        r = rows[rid]
        assert r["verdict"] == "misplaced", rid
        err = np.hypot(
            r["shift_east_m"] - t["shift_east_m"], r["shift_north_m"] - t["shift_north_m"]
        )
        assert err <= 10.0, (
            rid,
            r["shift_east_m"],
            r["shift_north_m"],
            t["shift_east_m"],
            t["shift_north_m"],
        )
        assert r["precision"] == 0.0
        assert r["precision_corrected"] >= 0.9


def test_each_rotated_record_is_turned_back(doc: dict, truth: dict, mines: pd.DataFrame) -> None:
    rows = {r["record"]: r for r in doc["records"]}
    found = _found(truth)
    recs = truth["records"]
    rotated = recs[(recs["error"] == "rotated") & (found.reindex(recs.index).fillna(0) >= 20)]
    assert len(rotated) >= 5
    for rid, t in rotated.iterrows():
        r = rows[rid]
        assert r["rotation_deg"] == pytest.approx(t["rotation_deg"], abs=1.0), rid
        # the planted rotation turned the record about its first mine: where did its centre go?
        rec = mines[mines["record"] == rid].sort_values("mine_index")
        lon, lat = rec.geometry.x.to_numpy(), rec.geometry.y.to_numpy()
        local = CRS.from_proj4(f"+proj=aeqd +lat_0={lat[0]} +lon_0={lon[0]} +datum=WGS84 +units=m")
        x, y = Transformer.from_crs(4326, local, always_xy=True).transform(lon, lat)
        xy = np.column_stack([x, y])
        pivot, centre = xy[0], xy.mean(0)
        a = np.radians(t["rotation_deg"])
        turn = np.array([[np.cos(a), np.sin(a)], [-np.sin(a), np.cos(a)]])  # clockwise
        moved = pivot + turn @ (centre - pivot) - centre
        err = np.hypot(r["shift_east_m"] - moved[0], r["shift_north_m"] - moved[1])
        assert err <= 10.0, (rid, r["shift_east_m"], r["shift_north_m"], moved)
        assert r["verdict"] == "misplaced"


def test_accurate_records_are_right_and_fictitious_ones_not_found(doc: dict, truth: dict) -> None:
    rows = {r["record"]: r for r in doc["records"] if r["recorded"]}
    recs = truth["records"]
    accurate = [rid for rid in recs.index[recs["error"] == "accurate"] if rid in rows]
    fictitious = [rid for rid in recs.index[recs["error"] == "fictitious"] if rid in rows]
    assert len(accurate) >= 10 and len(fictitious) >= 10
    for rid in accurate:
        assert rows[rid]["verdict"] == "right", rid
        assert rows[rid]["shift_m"] < 2.0
    for rid in fictitious:
        assert rows[rid]["matched"] == 0, rid
        assert rows[rid]["verdict"] == "not found"


def test_finds_and_accidents_outside_the_records_recomputed(demo: dict, doc: dict) -> None:
    assert doc["metric_crs"] == "EPSG:32638"
    perimeters = export(demo, "records").to_crs(32638)
    zone = perimeters[["geometry"]].assign(geometry=perimeters.buffer(doc["buffer_m"]))
    finds = export(demo, "finds").to_crs(32638)
    inside = gpd.sjoin(finds[["geometry"]], zone, predicate="intersects").index.unique()
    assert doc["finds_outside_records"] == len(finds) - len(inside)
    accidents = export(demo, "accidents").to_crs(32638)
    inside = gpd.sjoin(accidents[["geometry"]], zone, predicate="intersects").index.unique()
    share = 1 - len(inside) / len(accidents)
    assert doc["accidents_outside_share"] == pytest.approx(share)
    assert abs(share - 0.55) <= 0.1  # "55 % of explosions outside the mapped areas"


def test_files_give_the_same_answer_as_the_database(demo: dict, doc: dict) -> None:
    folder = Path(demo["folder"])
    export(demo, "recorded_mines")
    export(demo, "finds")
    export(demo, "accidents")
    acts = export(demo, "activities")
    acts[acts["result"] == "cleared"][["geometry"]].to_file(folder / "searched.gpkg")
    recs = export(demo, "records")
    recs.rename(columns={"local_id": "record"})[
        ["record", "handover", "district", "geometry"]
    ].to_file(folder / "perimeters.gpkg")
    proc = run_cli(
        "accuracy",
        "--records",
        str(folder / "accuracy-recorded_mines.gpkg"),
        "--finds",
        str(folder / "accuracy-finds.gpkg"),
        "--searched",
        str(folder / "searched.gpkg"),
        "--perimeters",
        str(folder / "perimeters.gpkg"),
        "--accidents",
        str(folder / "accuracy-accidents.gpkg"),
        "--json",
    )
    files = json.loads(proc.stdout)
    for key in (
        "recorded",
        "found",
        "matched",
        "precision",
        "recall",
        "finds_outside_records",
        "accidents_outside_share",
        "records_misplaced",
    ):
        assert files[key] == pytest.approx(doc[key]), key


def test_the_district_filter_keeps_that_district(demo: dict, doc: dict) -> None:
    agdam = accuracy(demo, "--district", "Ağdam")
    row = next(r for r in doc["by_district"] if r["district"] == "Agdam District")
    assert agdam["recorded"] == row["recorded"]
    assert {r["district"] for r in agdam["records"]} == {"Agdam District"}
    assert agdam["precision"] == pytest.approx(row["precision"], abs=0.01)
    assert agdam["source"]["district"] == "Ağdam"
