"""The first page: public, aggregated figures and district map data."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from shapely.geometry import Point, box

from clearground.store.database import Store
from clearground.store.repository import Registry
from clearground.web.app import create_app


def test_first_page_shows_headline_figures(store: Store) -> None:
    with store.session() as s:
        reg = Registry(s)
        org = reg.add("organisations", {"local_id": "O", "name": "Op", "kind": "operator"})
        reg.add(
            "hazards",
            {
                "local_id": "H",
                "kind": "CHA",
                "geometry": box(46.90, 39.90, 46.91, 39.905),
                "location": "Agdam District",
            },
            status="approved",
        )
        reg.add(
            "activities",
            {
                "local_id": "A",
                "hazard": "H",
                "kind": "clearance",
                "result": "cleared",
                "method": "manual",
                "organisation_id": org,
                "start_date": dt.date(2021, 1, 1),
                "end_date": dt.date(2021, 2, 1),
                "geometry": box(46.90, 39.90, 46.91, 39.905),
            },
            status="approved",
        )
        reg.add(
            "finds",
            {
                "local_id": "F",
                "activity": "A",
                "ordnance": "TM-62M",
                "found_date": dt.date(2021, 1, 5),
                "geometry": Point(46.905, 39.902),
                "location": "Agdam District",
            },
            status="approved",
        )
    client = TestClient(create_app(store.url))
    page = client.get("/")
    assert page.status_code == 200
    assert "Land cleared" in page.text and "/static/vendor/leaflet/leaflet.js" in page.text
    summary = client.get("/api/summary").json()
    assert summary["devices"]["at_mine"] == 1
    # 0.01° of longitude (~854 m) x 0.005° of latitude (~555 m) at 39.9° N: ~47.4 ha
    assert summary["released_ha"]["cleared"] == pytest.approx(47.4, rel=0.01)
    districts = client.get("/api/districts").json()
    agdam = next(f for f in districts["features"] if f["properties"]["name"] == "Agdam District")
    assert agdam["properties"]["devices"] == 1
    # aggregates only: district outlines and figures, no point of any record
    assert len(districts["features"]) == 79
    assert {f["geometry"]["type"] for f in districts["features"]} <= {"Polygon", "MultiPolygon"}
    assert {k for f in districts["features"] for k in f["properties"]} == {
        "name",
        "cleared_ha",
        "released_ha",
        "devices",
        "casualties",
    }
    assert client.get("/static/vendor/leaflet/leaflet.js").status_code == 200
