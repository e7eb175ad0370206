"""The demo scenario, built once per session through the real CLI on the test backend.

Figures are recomputed from exported files with independent code (pyproj.Geod areas,
GeoPandas joins), never copied from the program's own output.
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import shapely
from pyproj import Geod

from clearground.scenario.truth import read_truth
from tests.conftest import run_cli

GEOD = Geod(ellps="WGS84")
ARMY = "Army ESU"


def stats(demo: dict, *args: str) -> dict:
    proc = run_cli("stats", "--db", str(demo["db"]), "--json", *args)
    return json.loads(proc.stdout)


def export(demo: dict, kind: str, fmt: str = "gpkg", *args: str) -> Path:
    out = Path(demo["folder"]) / f"{kind}-{abs(hash(args))}.{fmt}"
    run_cli("export", kind, "--db", str(demo["db"]), "--format", fmt, "-o", str(out), *args)
    return out


def test_army_cleared_over_11900_ha_by_october_2022(demo: dict) -> None:
    doc = stats(demo, "--until", "2022-10-31", "--organisation", ARMY)
    assert doc["released_m2"]["cleared"] / 1e4 >= 11_900
    assert doc["filters"]["organisation"] == ARMY


def test_over_16000_devices_by_october_2022(demo: dict) -> None:
    doc = stats(demo, "--until", "2022-10-31")
    assert set(doc["devices"]) >= {"ap_mine", "at_mine", "uxo", "axo", "ied", "submunition"}
    assert sum(doc["devices"].values()) >= 16_000
    assert doc["casualties"]["killed"] + doc["casualties"]["injured"] > 160


def test_cleared_hectares_recomputed_from_the_exported_geopackage(demo: dict) -> None:
    doc = stats(demo, "--until", "2022-10-31", "--organisation", ARMY)
    path = export(demo, "activities", "gpkg", "--until", "2022-10-31", "--organisation", ARMY)
    frame = gpd.read_file(path)
    assert frame.crs.to_epsg() == 4326
    cleared = frame[(frame["result"] == "cleared") & (frame["review_status"] == "approved")]
    geodesic_m2 = sum(abs(GEOD.geometry_area_perimeter(g)[0]) for g in cleared.geometry)
    assert geodesic_m2 == pytest.approx(doc["released_m2"]["cleared"], rel=1e-6)
    assert len(cleared) > 100


def test_export_handovers_shows_the_aghdam_handover(demo: dict) -> None:
    frame = pd.read_csv(export(demo, "handovers", "csv"))
    aghdam = frame[frame["handover_date"] == "2021-06-12"].iloc[0]
    assert aghdam["claimed_total"] == 97_000
    assert "Agdam" in json.loads(aghdam["districts"])
    july = frame[frame["handover_date"] == "2021-07-03"].iloc[0]
    assert july["claimed_total"] == 92_000
    assert set(json.loads(july["districts"])) == {"Fuzuli", "Zangilan"}
    assert (frame["claimed_ap"] + frame["claimed_at"] == frame["claimed_total"]).all()


def test_records_sum_to_their_handover_claims(demo: dict) -> None:
    records = gpd.read_file(export(demo, "records", "gpkg"))
    mines = gpd.read_file(export(demo, "recorded_mines", "gpkg"))
    by_handover = records.groupby("handover")["claimed_total"].sum().to_dict()
    assert by_handover == {"HO-2021-06-12": 97_000, "HO-2021-07-03": 92_000}
    assert len(mines) == 189_000  # every claimed mine has a position from its rows
    counts = mines.groupby("record").size()
    claimed = records.set_index("local_id")["claimed_total"]
    assert (counts.reindex(claimed.index) == claimed).all()
    forms = records["form"].map(json.loads)
    assert forms.map(lambda f: f["bearing_type"] == "magnetic" and len(f["rows"]) > 0).all()


def test_finds_lie_inside_their_activity_polygons(demo: dict) -> None:
    finds = gpd.read_file(export(demo, "finds", "gpkg", "--district", "Fuzuli"))
    acts = gpd.read_file(export(demo, "activities", "gpkg", "--district", "Fuzuli"))
    joined = finds.merge(
        acts[["local_id", "geometry"]],
        left_on="activity",
        right_on="local_id",
        suffixes=("", "_act"),
    )
    assert len(joined) == len(finds) > 1000
    # within 1e-7 degrees (about a centimetre) of the polygon, for points on a strip's edge
    near = shapely.dwithin(joined["geometry_act"].values, joined["geometry"].values, 1e-7)
    assert near.all()


def test_new_laying_in_september_2022(demo: dict) -> None:
    for district, n, first in (("Dashkasan", 452, "2022-09-15"), ("Lachin", 90, "2022-09-20")):
        finds = pd.read_csv(export(demo, "finds", "csv", "--district", district))
        e001 = finds[finds["ordnance"] == "E-001 M"]
        assert e001["quantity"].sum() == n
        assert e001["found_date"].min() >= first
        assert e001["found_date"].max() <= "2022-10-31"


def test_tartar_incident_of_1_october_2022(demo: dict) -> None:
    acc = pd.read_csv(export(demo, "accidents", "csv", "--district", "Tartar"))
    vic = pd.read_csv(
        export(demo, "victims", "csv", "--from", "2022-10-01", "--until", "2022-10-01")
    )
    day = acc[acc["accident_date"] == "2022-10-01"]
    assert len(day) == 1 and day.iloc[0]["category"] == "ap_mine"
    hurt = vic[vic["accident"] == day.iloc[0]["local_id"]]
    assert len(hurt) == 2
    assert set(hurt["status"]) == {"civilian"} and set(hurt["outcome"]) == {"injured"}
    assert hurt["injuries"].str.contains("amputation").all()


def test_most_accidents_happen_outside_recorded_minefields(demo: dict) -> None:
    acc = gpd.read_file(export(demo, "accidents", "gpkg"))
    records = gpd.read_file(export(demo, "records", "gpkg"))
    inside = gpd.sjoin(acc, records[["geometry"]], predicate="within", how="inner")
    share_outside = 1 - inside.index.nunique() / len(acc)
    assert 0.5 < share_outside < 0.75


def test_planted_record_accuracy_is_about_25_percent(demo: dict) -> None:
    devices, records, summary = read_truth(Path(demo["truth"]))
    # recompute from the truth's own per-record table, independent of the summary line
    accuracy = records["matched"].sum() / records["recorded"].sum()
    assert 0.22 <= accuracy <= 0.28
    assert float(summary["record_accuracy"]) == pytest.approx(accuracy, abs=1e-4)
    assert set(records["error"]) == {"accurate", "incomplete", "shifted", "rotated", "fictitious"}
    assert (records.loc[records["error"] == "fictitious", "true_mines"] == 0).all()
    found = devices[devices["fate"] == "found"]
    finds = pyogrio.read_dataframe(export(demo, "finds", "gpkg"), read_geometry=False)
    assert len(found) == finds["quantity"].sum()


def test_funding_in_usd_at_the_rate_of_its_date(demo: dict) -> None:
    doc = stats(demo)
    by = {d["donor"]: d for d in doc["funding"]["by_donor"]}
    france = by["Government of France"]
    assert (france["currency"], france["amount"]) == ("EUR", 400_000)
    assert france["amount_usd"] == pytest.approx(472_752, abs=1)
    rates = pd.read_csv(export(demo, "exchange_rates", "csv"))
    eur_azn = rates[(rates.currency == "EUR") & (rates.quote_currency == "AZN")]
    assert 400_000 * eur_azn["rate"].iloc[0] == pytest.approx(803_272, abs=1)
    gbp_azn = rates[(rates.currency == "GBP") & (rates.quote_currency == "AZN")]
    assert 500_000 * gbp_azn["rate"].iloc[0] > 1_000_000


def test_stats_breakdown_by_district_adds_up(demo: dict) -> None:
    doc = stats(demo, "--by", "district", "--until", "2022-10-31")
    parts = doc["breakdown"]
    assert sum(p["devices_total"] for p in parts) == doc["devices_total"]
    cleared = sum(p["released_m2"]["cleared"] for p in parts)
    assert cleared == pytest.approx(doc["released_m2"]["cleared"], rel=1e-9)


def test_demo_twice_reuses_the_built_database(demo: dict) -> None:
    proc = run_cli("demo", "--db", str(demo["db"]), "--no-serve")
    assert "already built" in proc.stderr
    other = run_cli("demo", "--db", str(demo["db"]), "--no-serve", "--seed", "7", check=False)
    assert other.returncode == 2 and "--rebuild" in other.stderr


def test_the_demo_has_one_user_per_role_to_sign_in_with(demo: dict) -> None:
    from fastapi.testclient import TestClient

    from clearground.store.database import open_store
    from clearground.web.app import create_app

    client = TestClient(create_app(open_store(str(demo["db"])).url))
    roles = {}
    for name in ("admin", "officer", "operator", "manager", "donor"):
        csrf = client.get("/login").json()["csrf_token"]
        r = client.post(
            "/login", json={"name": name, "password": "demo"}, headers={"X-CSRF-Token": csrf}
        )
        assert r.status_code == 200, r.text
        roles[name] = r.json()["role"]
        client.cookies.clear()
    assert roles == {
        "admin": "admin",
        "officer": "im_officer",
        "operator": "operator",
        "manager": "manager",
        "donor": "donor",
    }
    csrf = client.get("/login").json()["csrf_token"]
    wrong = client.post(
        "/login", json={"name": "admin", "password": "admin"}, headers={"X-CSRF-Token": csrf}
    )
    assert wrong.status_code == 401
