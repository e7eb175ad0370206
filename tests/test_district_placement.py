"""Records whose input names no district get the district holding their geometry, at entry
and on edit (imports: tests/test_real_data_colombia.py); ``stats --json`` gives hazards
(issue 17, items 2 and 5). Expected districts are read from the shipped boundary file with
geopandas, not through Clearground; areas come from ``pyproj.Geod``."""

from __future__ import annotations

import json
from importlib import resources

import geopandas as gpd
import pytest
import shapely
from pyproj import Geod
from shapely.geometry import Point, box

from clearground.store.database import Store
from clearground.store.repository import Registry
from tests.conftest import run_cli

GEOD = Geod(ellps="WGS84")


@pytest.fixture(scope="module")
def districts() -> gpd.GeoDataFrame:
    path = resources.files("clearground") / "data" / "azerbaijan" / "districts-adm2.geojson"
    with resources.as_file(path) as p:
        return gpd.read_file(p).to_crs(4326)


def holding(districts: gpd.GeoDataFrame, geom: shapely.Geometry) -> str:
    """The district the geometry overlaps most (points: contains), by geodesic area."""
    if geom.geom_type == "Point":
        return str(districts[districts.contains(geom)]["shapeName"].iloc[0])
    sizes = {
        name: abs(GEOD.geometry_area_perimeter(shapely.make_valid(d).intersection(geom))[0])
        for name, d in zip(districts["shapeName"], districts.geometry, strict=True)
        if d.intersects(geom)
    }
    return max(sizes, key=lambda n: sizes[n])


def district_of(reg: Registry, kind: str, rid: int) -> str | None:
    from clearground.store import tables as t

    loc = reg.get(kind, rid)["location_id"]
    return None if loc is None else reg.session.get(t.Location, loc).name  # type: ignore[union-attr]


def test_entry_and_edit_place_records(store: Store, districts: gpd.GeoDataFrame) -> None:
    a = box(46.90, 39.90, 46.91, 39.905)
    # straddles a border: most of it in one district, a little in the next
    names = list(districts["shapeName"])
    agdam = districts.geometry[names.index("Agdam District")]
    edge = shapely.make_valid(agdam).boundary.interpolate(0.3, normalized=True)
    across = box(edge.x - 0.004, edge.y - 0.004, edge.x + 0.012, edge.y + 0.004)
    far = box(47.10, 39.40, 47.11, 39.41)
    with store.session() as s:
        reg = Registry(s)
        h1 = reg.add("hazards", {"local_id": "H-1", "kind": "SHA", "geometry": a})
        h2 = reg.add("hazards", {"local_id": "H-2", "kind": "SHA", "geometry": across})
        acc = reg.add(
            "accidents",
            {
                "local_id": "A-1",
                "kind": "incident",
                "accident_date": "2021-04-01",
                "geometry": Point(46.95, 39.95),
            },
        )
        named = reg.add(
            "hazards",
            {"local_id": "H-3", "kind": "SHA", "geometry": a, "location": "Agdam District"},
        )
        assert district_of(reg, "hazards", h1) == holding(districts, a)
        assert district_of(reg, "hazards", h2) == holding(districts, across)
        assert district_of(reg, "accidents", acc) == holding(districts, Point(46.95, 39.95))
        assert district_of(reg, "hazards", named) == "Agdam District"  # as the input said
        # moved into another district: placed again; the named one keeps its own on a
        # change that leaves it inside, and an accident far out of the country has none
        reg.edit("hazards", h1, 1, {"geometry": far})
        assert district_of(reg, "hazards", h1) == holding(districts, far)
        assert holding(districts, far) != holding(districts, a)
        reg.edit("hazards", named, 1, {"name": "by the road"})
        assert district_of(reg, "hazards", named) == "Agdam District"
        # a record that has none gets one on its next edit
        from clearground.store import tables as t

        s.query(t.Hazard).filter(t.Hazard.id == h2).update({"location_id": None})
        reg.edit("hazards", h2, 1, {"name": "ridge"})
        assert district_of(reg, "hazards", h2) == holding(districts, across)
        assert reg.place(Point(10.0, 10.0)) is None


def test_stats_json_gives_hazards_still_to_release(
    db_url: str, districts: gpd.GeoDataFrame
) -> None:
    hazard = box(46.90, 39.90, 46.91, 39.905)
    cleared = box(46.90, 39.90, 46.905, 39.905)
    store = Store(db_url)
    with store.session() as s:
        reg = Registry(s)
        org = reg.add("organisations", {"local_id": "O", "name": "Op", "kind": "operator"})
        reg.add("hazards", {"local_id": "H-1", "kind": "CHA", "status": "open", "geometry": hazard})
        reg.add(
            "hazards",
            {"local_id": "H-2", "kind": "SHA", "status": "in_work", "geometry": hazard},
        )
        reg.add(
            "activities",
            {
                "local_id": "ACT-1",
                "hazard": "H-2",
                "kind": "clearance",
                "result": "cleared",
                "method": "manual",
                "organisation_id": org,
                "start_date": "2021-05-01",
                "end_date": "2021-06-01",
                "geometry": cleared,
            },
        )
    store.dispose()
    whole = abs(GEOD.geometry_area_perimeter(hazard)[0])
    part = abs(GEOD.geometry_area_perimeter(cleared)[0])
    proc = run_cli("stats", "--db", db_url, "--json", "--include-unapproved", "--by", "district")
    doc = json.loads(proc.stdout)
    for key in ("released_m2", "devices", "casualties", "funding", "breakdown"):
        assert key in doc
    h = doc["hazards"]
    assert h["count"] == 2
    assert h["area_m2"] == pytest.approx(2 * whole, rel=1e-5)
    assert h["remaining_m2"] == pytest.approx(2 * whole - part, rel=1e-5)
    assert h["by_status"]["open"]["remaining_m2"] == pytest.approx(whole, rel=1e-5)
    assert h["by_status"]["in_work"]["remaining_m2"] == pytest.approx(whole - part, rel=1e-5)
    assert h["by_kind"]["SHA"]["count"] == 1 and h["by_kind"]["CHA"]["count"] == 1
    assert list(h["by_district"]) == [holding(districts, hazard)]  # where entry placed both
    # before the clearance ended, all of it was still to release; drafts are not counted
    early = json.loads(
        run_cli(
            "stats", "--db", db_url, "--json", "--include-unapproved", "--until", "2021-05-15"
        ).stdout
    )
    assert early["hazards"]["remaining_m2"] == pytest.approx(2 * whole, rel=1e-5)
    assert "by_district" not in early["hazards"]
    approved = json.loads(run_cli("stats", "--db", db_url, "--json").stdout)
    assert approved["hazards"]["count"] == 0
