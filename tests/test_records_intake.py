"""Minefield record forms: SK-42 coordinates, bearing types, flags, as-written kept."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pytest
import yaml
from pyproj import Geod, Transformer

from tests.conftest import run_cli

DATA = Path(__file__).parent / "data"
GEOD = Geod(ellps="WGS84")


def imp(url: str, path: Path, check: bool = True) -> tuple[int, dict]:
    proc = run_cli("import", "records", str(path), "--db", url, "--json", check=check)
    return proc.returncode, json.loads(proc.stdout)


def exported(url: str, tmp_path: Path) -> gpd.GeoDataFrame:
    out = tmp_path / "records.gpkg"
    run_cli("export", "records", "--db", url, "-o", str(out))
    return gpd.read_file(out).set_index("local_id")


def test_sk42_form_with_magnetic_bearings(db_url: str, tmp_path: Path) -> None:
    _, report = imp(db_url, DATA / "record_sk42.yaml")
    assert report["created"] == 1
    flags = [(i["check"], i["field"]) for i in report["issues"]]
    assert flags == [("count_mismatch", "rows[1].count")]  # row B: 40 m at 5 m holds 9
    rec = exported(db_url, tmp_path).loc["MR-SK42-1"]
    # the benchmark was written in SK-42 from WGS84 46.95 E, 39.95 N; magnetic 84 + 6 = 90 true
    tp1 = GEOD.fwd(46.95, 39.95, 90, 50)[:2]
    tp2 = GEOD.fwd(*tp1, 0, 100)[:2]
    corners = list(rec.geometry.exterior.coords)
    assert GEOD.inv(*corners[0], *tp1)[2] < 0.5
    assert GEOD.inv(*corners[1], *tp2)[2] < 0.5
    assert abs(GEOD.geometry_area_perimeter(rec.geometry)[0]) == pytest.approx(20_000, rel=3e-3)
    assert (rec["claimed_at"], rec["claimed_ap"], rec["claimed_total"]) == (20, 0, 20)
    assert rec["crs_as_written"] == "EPSG:28408"
    as_written = json.loads(rec["form"])["as_written"]
    original = yaml.safe_load((DATA / "record_sk42.yaml").read_text())
    assert as_written["reference_points"] == original["reference_points"]
    assert as_written["traverse"] == original["traverse"]


def test_csv_tables_with_grid_bearings(db_url: str, tmp_path: Path) -> None:
    _, report = imp(db_url, DATA / "record_tables")
    assert report["created"] == 1 and report["warned"] == 0
    rec = exported(db_url, tmp_path).loc["MR-GRID-1"]
    to_grid = Transformer.from_crs(4326, 28408, always_xy=True)
    rp_e, rp_n = 8662594.77, 4420244.41  # as written in records.csv (y, x)
    e1, n1 = to_grid.transform(*rec.geometry.exterior.coords[0])
    # first leg: grid bearing 0, 100 m, so TP1 is 100 m grid-north of the benchmark
    assert e1 == pytest.approx(rp_e, abs=0.1)
    assert n1 - rp_n == pytest.approx(100, abs=0.1)
    e2, n2 = to_grid.transform(*rec.geometry.exterior.coords[1])
    assert e2 - e1 == pytest.approx(60, abs=0.1) and n2 == pytest.approx(n1, abs=0.1)
    # γ ≈ Δλ·sin φ east of the central meridian (45° E) of zone 8
    form = json.loads(rec["form"])
    assert form["convergence_deg"] == pytest.approx(1.9 * 0.6414, abs=0.02)


def test_open_traverse_and_far_reference_are_flagged(db_url: str, tmp_path: Path) -> None:
    form = yaml.safe_load((DATA / "record_sk42.yaml").read_text())
    form["traverse"]["legs"][-1]["distance"] = 150  # stops 50 m short of TP1
    form["traverse"]["legs"][0]["distance"] = 2000  # benchmark 2 km away
    form["rows"][1]["length"] = 45
    path = tmp_path / "form.json"
    path.write_text(json.dumps(form))
    _, report = imp(db_url, path)
    checks = {i["check"]: i for i in report["issues"]}
    assert set(checks) == {"traverse_not_closed", "reference_far"}
    assert checks["traverse_not_closed"]["value"] == pytest.approx(50, abs=0.5)
    assert checks["reference_far"]["value"] == pytest.approx(2000, abs=5)


def test_same_form_twice_is_unchanged(db_url: str) -> None:
    imp(db_url, DATA / "record_sk42.yaml")
    _, report = imp(db_url, DATA / "record_sk42.yaml")
    assert (report["created"], report["updated"], report["unchanged"]) == (0, 0, 1)


def test_bad_forms_are_refused_naming_form_and_field(db_url: str, tmp_path: Path) -> None:
    good = yaml.safe_load((DATA / "record_sk42.yaml").read_text())
    bad = dict(good, local_id="MR-BAD", crs="EPSG:999999")
    path = tmp_path / "forms.yaml"
    path.write_text(yaml.safe_dump({"records": [good, bad]}))
    code, report = imp(db_url, path, check=False)
    assert code == 2 and not report["written"]
    [error] = [i for i in report["issues"] if i["severity"] == "error"]
    assert (error["row"], error["field"]) == (2, "crs")
    assert "form 2" in error["message"]
    assert (
        run_cli(
            "export", "records", "--db", db_url, "--format", "csv", "-o", str(tmp_path / "r.csv")
        ).returncode
        == 0
    )
    assert (tmp_path / "r.csv").read_text().count("MR-SK42-1") == 0
