"""Imports: every format, every check, atomic and idempotent (through the real CLI)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import Polygon, box
from sqlalchemy import select

from clearground.store import tables as t
from clearground.store.database import Store
from clearground.store.repository import Registry, count
from tests.conftest import run_cli

DATA = Path(__file__).parent / "data"
ORIGINAL = {
    "HAZ-T-1": box(46.90, 39.90, 46.91, 39.905),
    "HAZ-T-2": box(46.92, 39.90, 46.93, 39.905),
}


@pytest.fixture
def field_db(store: Store) -> str:
    """A database with an operator, hazard HAZ-T-1 and clearance ACT-T-1 (finds go there)."""
    with store.session() as s:
        reg = Registry(s)
        org = reg.add(
            "organisations", {"local_id": "ORG-T", "name": "Test Operator", "kind": "operator"}
        )
        reg.add(
            "hazards",
            {
                "local_id": "HAZ-T-1",
                "kind": "CHA",
                "geometry": ORIGINAL["HAZ-T-1"],
                "location": "Agdam District",
            },
        )
        reg.add(
            "activities",
            {
                "local_id": "ACT-T-1",
                "hazard": "HAZ-T-1",
                "kind": "clearance",
                "result": "cleared",
                "method": "manual",
                "organisation_id": org,
                "start_date": "2021-05-01",
                "geometry": box(46.90, 39.90, 46.905, 39.905),
            },
        )
    return store.url


def counts(url: str) -> dict[str, int]:
    store = Store(url)
    with store.session() as s:
        out = {k: count(s, k) for k in ("hazards", "activities", "finds")}
    store.dispose()
    return out


def imp(url: str, kind: str, path: Path, *args: str, check: bool = False):
    proc = run_cli("import", kind, str(path), "--db", url, "--json", *args, check=check)
    return proc, (json.loads(proc.stdout) if proc.stdout.strip() else None)


@pytest.mark.parametrize(
    "name", ["hazards_utm38.zip", "hazards.kml", "hazards.fgb", "hazards.gpkg"]
)
def test_vector_formats(db_url: str, name: str, tmp_path: Path) -> None:
    proc, report = imp(db_url, "hazards", DATA / name, check=True)
    assert report["created"] == 3 and report["rejected"] == 0
    out = tmp_path / "back.gpkg"
    run_cli("export", "hazards", "--db", db_url, "-o", str(out))
    back = gpd.read_file(out).set_index("local_id")
    for lid, geom in ORIGINAL.items():
        # a UTM round trip moves vertices by far less than a millimetre
        assert shapely.hausdorff_distance(back.geometry[lid], geom) < 1e-8
    assert set(back["review_status"]) == {"submitted"}  # imports arrive for review
    assert back.loc["HAZ-T-3", "status"] == "in_work"


def test_spreadsheet_with_localised_labels(db_url: str, tmp_path: Path) -> None:
    proc, report = imp(
        db_url,
        "hazards",
        DATA / "hazards_localised.xlsx",
        "--mapping",
        str(DATA / "hazards_localised.yaml"),
        check=True,
    )
    assert report["created"] == 2
    out = tmp_path / "h.csv"
    run_cli("export", "hazards", "--db", db_url, "--format", "csv", "-o", str(out))
    frame = pd.read_csv(out).set_index("local_id")
    assert frame.loc["AZ-101", "kind"] == "CHA" and frame.loc["AZ-102", "kind"] == "SHA"
    assert frame.loc["AZ-101", "info_date"] == "2021-03-01"
    assert frame.loc["AZ-101", "estimated_area_m2"] == 45_000  # "4,5" ha
    assert frame.loc["AZ-102", "district"] == "Fuzuli District"


def test_csv_with_swapped_columns(field_db: str) -> None:
    before = counts(field_db)
    proc, report = imp(field_db, "finds", DATA / "finds_swapped.csv")
    assert proc.returncode == 2 and not report["written"]
    swapped = [i for i in report["issues"] if i["check"] == "swapped"]
    assert [i["row"] for i in swapped] == [2, 3]  # lines 2 and 3 of the CSV
    assert "--fix-swapped" in swapped[0]["fix"]
    assert counts(field_db) == before
    proc, report = imp(field_db, "finds", DATA / "finds_swapped.csv", "--fix-swapped", check=True)
    assert report["created"] == 2 and report["warned"] == 2
    assert counts(field_db)["finds"] == before["finds"] + 2


def test_file_failing_halfway_is_refused_whole(field_db: str, tmp_path: Path) -> None:
    before = counts(field_db)
    proc, report = imp(field_db, "finds", DATA / "finds_fail_halfway.csv")
    assert proc.returncode == 2
    [issue] = [i for i in report["issues"] if i["severity"] == "error"]
    assert (issue["row"], issue["field"], issue["value"]) == (7, "ordnance", "PMN-3")
    assert "line 7" in issue["message"]
    assert counts(field_db) == before
    # --dry-run with --skip-invalid reports and still writes nothing
    proc, report = imp(
        field_db, "finds", DATA / "finds_fail_halfway.csv", "--skip-invalid", "--dry-run"
    )
    assert report["accepted"] == 9 and not report["written"] and counts(field_db) == before
    src = tmp_path / "finds.csv"
    shutil.copy(DATA / "finds_fail_halfway.csv", src)
    proc, report = imp(field_db, "finds", src, "--skip-invalid", check=True)
    assert report["created"] == 9 and report["rejected"] == 1
    rejects = pd.read_csv(report["reject_file"])
    assert list(rejects["local_id"]) == ["F-H-6"] and "PMN-3" in rejects["reject_reason"][0]
    # the reject file, corrected, goes back in; the nine already written stay unchanged
    rejects["ordnance"] = "PMN-2"
    rejects.drop(columns=["source_line", "reject_field", "reject_reason"]).to_csv(src, index=False)
    proc, report = imp(field_db, "finds", src, check=True)
    assert report["created"] == 1
    assert counts(field_db)["finds"] == before["finds"] + 10


def test_mgrs_and_wkt_columns(field_db: str, tmp_path: Path) -> None:
    imp(field_db, "finds", DATA / "finds_mgrs.csv", check=True)
    imp(field_db, "finds", DATA / "finds_wkt.csv", check=True)
    out = tmp_path / "f.gpkg"
    run_cli("export", "finds", "--db", field_db, "-o", str(out))
    finds = gpd.read_file(out).set_index("local_id")
    # 38SPK 62425 18386 is about 39.9 N, 46.9 E (1 m precision)
    assert finds.geometry["F-M-1"].distance(shapely.Point(46.9, 39.9)) < 2e-5
    assert finds.geometry["F-W-1"].equals(shapely.Point(46.9025, 39.9031))


def make_hazards(url: str) -> None:
    store = Store(url)
    with store.session() as s:
        Registry(s).add_many(
            "hazards",
            [
                {
                    "local_id": lid,
                    "kind": "SHA",
                    "geometry": geom,
                    "location": "Agdam District",
                    "blockages": ["road"],
                    "info_date": "2021-02-01",
                    "evidence": "shelling",
                }
                for lid, geom in ORIGINAL.items()
            ],
            status="approved",
        )
    store.dispose()


def test_exported_hazards_reimport_unchanged_twice(
    db_url: str, empty_db_url: str, tmp_path: Path
) -> None:
    make_hazards(db_url)
    first = tmp_path / "hazards.geojson"
    run_cli("export", "hazards", "--db", db_url, "--format", "geojson", "-o", str(first))
    run_cli("init", "--db", empty_db_url)
    proc, report = imp(empty_db_url, "hazards", first, check=True)
    assert report["created"] == 2
    proc, report = imp(empty_db_url, "hazards", first, check=True)
    assert (report["created"], report["updated"], report["unchanged"]) == (0, 0, 2)
    second = tmp_path / "again.geojson"
    run_cli("export", "hazards", "--db", empty_db_url, "--format", "geojson", "-o", str(second))
    a = gpd.read_file(first).set_index("local_id").sort_index()
    b = gpd.read_file(second).set_index("local_id").sort_index()
    for col in ("kind", "status", "district", "blockages", "info_date", "evidence", "area_m2"):
        assert list(a[col]) == list(b[col]), col
    assert all(x.equals_exact(y, 0) for x, y in zip(a.geometry, b.geometry, strict=True))


@pytest.mark.parametrize(
    "damage, check",
    [
        (lambda g: shapely.transform(g, lambda xy: xy[:, ::-1]), "swapped"),
        (
            lambda g: Polygon([(46.90, 39.90), (46.91, 39.905), (46.91, 39.90), (46.90, 39.905)]),
            "invalid_polygon",
        ),
        (
            lambda g: Polygon([(46.90, 39.90), (46.91, 39.90), (48.5, 40.9), (46.90, 39.905)]),
            "far_vertices",
        ),
        (lambda g: shapely.affinity.translate(g, 10, 5), "outside_country"),
    ],
)
def test_one_bad_feature_refuses_the_whole_file(
    db_url: str, empty_db_url: str, tmp_path: Path, damage, check: str
) -> None:
    make_hazards(db_url)
    path = tmp_path / "hazards.geojson"
    run_cli("export", "hazards", "--db", db_url, "--format", "geojson", "-o", str(path))
    doc = json.loads(path.read_text())
    feature = doc["features"][1]
    geom = shapely.geometry.shape(feature["geometry"])
    feature["geometry"] = shapely.geometry.mapping(damage(geom))
    path.write_text(json.dumps(doc))
    run_cli("init", "--db", empty_db_url)
    proc, report = imp(empty_db_url, "hazards", path)
    assert proc.returncode == 2 and not report["written"]
    errors = [i for i in report["issues"] if i["severity"] == "error"]
    assert [(i["row"], i["check"]) for i in errors] == [(2, check)]
    assert "feature 2" in errors[0]["message"]
    assert counts(empty_db_url)["hazards"] == 0


def test_fix_geometry_repairs_and_warns(db_url: str, tmp_path: Path) -> None:
    bow = Polygon([(46.90, 39.90), (46.91, 39.905), (46.91, 39.90), (46.90, 39.905)])
    path = tmp_path / "bow.geojson"
    gpd.GeoDataFrame({"local_id": ["B"], "kind": ["SHA"]}, geometry=[bow], crs=4326).to_file(path)
    proc, report = imp(db_url, "hazards", path, "--fix-geometry", check=True)
    assert report["created"] == 1
    assert [i["check"] for i in report["issues"] if i["severity"] == "warning"] == [
        "invalid_polygon"
    ]


def test_heights_are_dropped_with_a_warning(db_url: str, store: Store, tmp_path: Path) -> None:
    """A polygon with heights (a GPS track's Z) is kept in 2D, with a warning by row. On the
    code before, PostGIS refused it with an internal error ("Geometry has Z dimension but
    column does not"; found by tests/test_import_properties.py) while SQLite kept the Z."""
    ring = [
        (46.90, 39.90, 120.0),
        (46.91, 39.90, 121.0),
        (46.91, 39.91, 122.0),
        (46.90, 39.90, 120.0),
    ]
    doc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Polygon", "coordinates": [ring]},
                "properties": {"local_id": "HZ-Z", "kind": "SHA"},
            }
        ],
    }
    path = tmp_path / "heights.geojson"
    path.write_text(json.dumps(doc))
    proc, report = imp(db_url, "hazards", path, check=True)
    assert report["created"] == 1
    warned = [i for i in report["issues"] if i["check"] == "heights_dropped"]
    assert len(warned) == 1 and warned[0]["severity"] == "warning"
    with store.session() as s:
        hid = s.execute(select(t.Hazard.id).where(t.Hazard.local_id == "HZ-Z")).scalar_one()
        geom = Registry(s).get("hazards", hid)["geometry"]
    assert not shapely.has_z(geom)
    assert shapely.equals_exact(geom, Polygon([p[:2] for p in ring]), 1e-12)
    # the same through the registry directly (the API and field forms write through it)
    with store.session() as s:
        rid = Registry(s).add(
            "hazards", {"local_id": "HZ-Z2", "kind": "SHA", "geometry": Polygon(ring)}
        )
    with store.session() as s:
        assert not shapely.has_z(Registry(s).get("hazards", rid)["geometry"])


def test_projected_numbers_labelled_as_degrees(db_url: str, tmp_path: Path) -> None:
    utm = gpd.GeoDataFrame(
        {"local_id": ["U"], "kind": ["SHA"]}, geometry=[box(46.90, 39.90, 46.91, 39.905)], crs=4326
    ).to_crs(32638)
    path = tmp_path / "mislabelled.gpkg"
    utm.set_crs(4326, allow_override=True).to_file(path)
    proc, _ = imp(db_url, "hazards", path)
    assert proc.returncode == 2 and "projected numbers" in proc.stderr
    no_crs = tmp_path / "nocrs.shp"
    with pytest.warns(UserWarning, match="crs"):  # GDAL warns: no .prj is written
        utm.set_crs(None, allow_override=True).to_file(no_crs)
    proc, _ = imp(db_url, "hazards", no_crs)
    assert proc.returncode == 2 and "--crs" in proc.stderr
    proc, report = imp(db_url, "hazards", no_crs, "--crs", "EPSG:32638", check=True)
    assert report["created"] == 1


def test_dates_enums_and_unknown_references(field_db: str, tmp_path: Path) -> None:
    path = tmp_path / "finds.csv"
    pd.DataFrame(
        {
            "local_id": ["A", "B", "C", "D"],
            "activity": ["ACT-T-1", "ACT-T-1", "ACT-X", "ACT-T-1"],
            "ordnance": ["PMN-2"] * 4,
            "found_date": ["2099-01-01", "1975-06-01", "2021-05-02", "2021-05-02"],
            "disposal": ["destroyed_in_situ", "destroyed_in_situ", "destroyed_in_situ", "blown"],
            "lat": [39.901] * 4,
            "lon": [46.901] * 4,
        }
    ).to_csv(path, index=False)
    proc, report = imp(field_db, "finds", path)
    found = {(i["row"], i["check"]) for i in report["issues"] if i["severity"] == "error"}
    assert found == {
        (2, "future_date"),
        (3, "date_before_conflict"),
        (4, "unknown_reference"),
        (5, "unknown_value"),
    }
    blown = next(i for i in report["issues"] if i["row"] == 5)
    assert "destroyed_in_situ" in blown["fix"] or "detonated" in blown["fix"]


def test_a_district_named_like_its_town_is_the_district_and_a_shared_name_is_refused(
    field_db: str, tmp_path: Path
) -> None:
    """Location names are not unique: Agdam District's main town is named "Aghdam", two
    villages are named "Fuzuli" (one in Fuzuli District), and geoBoundaries has two
    districts named "Lankaran District". A hazard's district typed "Aghdam" or "Fuzuli" is the
    district (not the town, not an internal error); "Guzanli" (one village) is that village;
    "Lankaran District" is refused as ambiguous, by its row, with exit code 2."""
    store = Store(field_db)
    with store.session() as s:
        kinds = dict(s.execute(select(t.Location.name, t.Location.kind)).all())
        by_name = {
            n: sorted(k for (k,) in s.execute(select(t.Location.kind).where(t.Location.name == n)))
            for n in ("Aghdam", "Fuzuli", "Guzanli", "Lankaran District")
        }
    assert by_name == {  # the premise: the names the seed holds
        "Aghdam": ["settlement"],
        "Fuzuli": ["settlement", "settlement"],
        "Guzanli": ["settlement"],
        "Lankaran District": ["district", "district"],
    }
    assert kinds["Agdam District"] == kinds["Fuzuli District"] == "district"
    path = tmp_path / "districts.csv"
    pd.DataFrame(
        {
            "local_id": ["N-1", "N-2", "N-3", "N-4"],
            "kind": ["CHA"] * 4,
            "location": ["Aghdam", "Fuzuli", "Guzanli", "Lankaran District"],
            "wkt": [box(46.93 + i / 50, 39.95, 46.94 + i / 50, 39.955).wkt for i in range(4)],
        }
    ).to_csv(path, index=False)
    proc, report = imp(field_db, "hazards", path)
    assert proc.returncode == 2, proc.stderr
    errors = [(i["row"], i["field"]) for i in report["issues"] if i["severity"] == "error"]
    assert errors == [(5, "location")], report["issues"]
    refused = next(i for i in report["issues"] if i["row"] == 5)
    assert "ambiguous" in refused["reason"] and "leave it out" in refused["fix"]
    proc, report = imp(field_db, "hazards", path, "--skip-invalid", check=True)
    assert report["created"] == 3
    with store.session() as s:
        placed = dict(
            s.execute(
                select(t.Hazard.local_id, t.Location.name)
                .join(t.Location, t.Location.id == t.Hazard.location_id)
                .where(t.Hazard.local_id.in_(["N-1", "N-2", "N-3"]))
            ).all()
        )
        guzanli_kind = s.execute(
            select(t.Location.kind)
            .join(t.Hazard, t.Hazard.location_id == t.Location.id)
            .where(t.Hazard.local_id == "N-3")
        ).scalar_one()
    store.dispose()
    assert placed == {"N-1": "Agdam District", "N-2": "Fuzuli District", "N-3": "Guzanli"}
    assert guzanli_kind == "settlement"


def test_land_release_beyond_the_hazard_is_refused_by_row(field_db: str, tmp_path: Path) -> None:
    path = tmp_path / "acts.geojson"
    gpd.GeoDataFrame(
        {
            "local_id": ["ACT-N-1", "ACT-N-2"],
            "hazard": ["HAZ-T-1", "HAZ-T-1"],
            "kind": ["clearance", "clearance"],
            "result": ["cleared", "cleared"],
            "method": ["manual", "manual"],
            "organisation": ["Test Operator"] * 2,
            "start_date": ["2021-06-01", "2021-06-02"],
        },
        geometry=[box(46.905, 39.90, 46.91, 39.905), box(46.904, 39.90, 46.906, 39.905)],
        crs=4326,
    ).to_file(path)
    before = counts(field_db)
    proc, report = imp(field_db, "activities", path)
    assert proc.returncode == 2
    [issue] = [i for i in report["issues"] if i["severity"] == "error"]
    assert issue["row"] == 2 and issue["check"] == "land_release"
    assert counts(field_db) == before


def test_overlapping_hazards_are_warned(field_db: str, tmp_path: Path) -> None:
    path = tmp_path / "h.geojson"
    gpd.GeoDataFrame(
        {"local_id": ["OV"], "kind": ["SHA"]},
        geometry=[box(46.905, 39.90, 46.915, 39.905)],
        crs=4326,
    ).to_file(path)
    proc, report = imp(field_db, "hazards", path, check=True)
    [warning] = [i for i in report["issues"] if i["check"] == "overlapping_hazards"]
    assert "HAZ-T-1" in warning["reason"] and report["created"] == 1


def test_sigkill_mid_import_leaves_the_database_as_before(field_db: str, tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    n = 150_000
    path = tmp_path / "many.csv"
    pd.DataFrame(
        {
            "local_id": [f"K-{i}" for i in range(n)],
            "activity": "ACT-T-1",
            "ordnance": "PMN-2",
            "found_date": "2021-05-02",
            "lat": rng.uniform(39.9, 39.905, n),
            "lon": rng.uniform(46.90, 46.905, n),
        }
    ).to_csv(path, index=False)
    before = counts(field_db)
    proc = subprocess.Popen(
        [sys.executable, "-m", "clearground", "import", "finds", str(path), "--db", field_db],
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    deadline = time.monotonic() + 600
    for line in proc.stderr:  # wait until it is writing, then kill it without warning
        if line.startswith("Writing") or time.monotonic() > deadline:
            break
    time.sleep(1.0)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert counts(field_db) == before
    store = Store(field_db)
    if store.dialect == "sqlite":
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    store.dispose()


def test_a_dry_run_counts_what_the_import_would_write(field_db: str, tmp_path: Path) -> None:
    """One pass of every check: a file with a row the row checks refuse (an unknown hazard)
    and one only the write-time check refuses (land released twice) reports both, dry run or
    not, and the dry run's accepted count is what --skip-invalid then writes. Before, the
    row refusal stopped the checks, and the dry run counted the second row as accepted."""
    path = tmp_path / "acts.geojson"
    gpd.GeoDataFrame(
        {
            "local_id": ["ACT-P-1", "ACT-P-2", "ACT-P-3"],
            "hazard": ["HAZ-NONE", "HAZ-T-1", "HAZ-T-1"],
            "kind": ["clearance"] * 3,
            "result": ["cleared"] * 3,
            "method": ["manual"] * 3,
            "organisation": ["Test Operator"] * 3,
            "start_date": ["2021-06-01", "2021-06-02", "2021-06-03"],
        },
        geometry=[
            box(46.905, 39.90, 46.906, 39.905),
            box(46.904, 39.90, 46.906, 39.905),  # overlaps ACT-T-1's cleared land
            box(46.907, 39.90, 46.908, 39.905),
        ],
        crs=4326,
    ).to_file(path)
    before = counts(field_db)
    proc, dry = imp(field_db, "activities", path, "--dry-run")
    assert proc.returncode == 2
    errors = sorted((i["row"], i["check"]) for i in dry["issues"] if i["severity"] == "error")
    assert errors == [(1, "unknown_reference"), (2, "land_release")]
    assert dry["accepted"] == 1 and counts(field_db) == before
    proc, real = imp(field_db, "activities", path, "--skip-invalid")
    assert proc.returncode == 0 and real["created"] == dry["accepted"] == 1
    assert counts(field_db)["activities"] == before["activities"] + 1


def test_every_write_time_refusal_is_found_in_one_insert(
    field_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 24 item 7: with --skip-invalid each write-time refusal used to re-run the whole
    insert (quadratic). Now all are found before it: six activities on HAZ-T-1, of which
    three release land ACT-T-1 has cleared already (46.900-46.905 °E) and one releases the
    land of another in the same file, are all named at once, dry run or not; --skip-invalid
    then writes the two others with a single insert."""
    from clearground.intake.importer import import_file
    from clearground.store.repository import Registry as Reg

    west = [46.9005, 46.9020, 46.9035]  # inside the land ACT-T-1 cleared
    boxes = [box(x, 39.90, x + 0.0004, 39.901) for x in west]
    boxes += [box(46.9070, 39.90, 46.9075, 39.901), box(46.9072, 39.90, 46.9078, 39.901)]
    boxes += [box(46.9090, 39.90, 46.9095, 39.901)]
    n = len(boxes)
    path = tmp_path / "acts.geojson"
    gpd.GeoDataFrame(
        {
            "local_id": [f"ACT-Q-{i}" for i in range(n)],
            "hazard": ["HAZ-T-1"] * n,
            "kind": ["clearance"] * n,
            "result": ["cleared"] * n,
            "method": ["manual"] * n,
            "organisation": ["Test Operator"] * n,
            "start_date": ["2021-06-01"] * n,
        },
        geometry=boxes,
        crs=4326,
    ).to_file(path)
    before = counts(field_db)
    proc, dry = imp(field_db, "activities", path, "--dry-run")
    refused = sorted(i["row"] for i in dry["issues"] if i["check"] == "land_release")
    assert proc.returncode == 2 and refused == [1, 2, 3, 5], dry["issues"]
    assert dry["accepted"] == 2

    inserts: list[int] = []
    real = Reg.insert_prepared

    def counted(self, kind, prepared, **kw):  # noqa: ANN001, ANN003, ANN202 - a spy
        inserts.append(len(prepared))
        return real(self, kind, prepared, **kw)

    monkeypatch.setattr(Reg, "insert_prepared", counted)
    store = Store(field_db)
    report = import_file(store, "activities", path, skip_invalid=True)
    store.dispose()
    assert inserts == [2] and report.created == 2
    assert sorted(i.row for i in report.issues if i.check == "land_release") == refused
    assert counts(field_db)["activities"] == before["activities"] + 2
