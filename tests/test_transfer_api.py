"""Exports and browser imports through the API, with the role rules."""

from __future__ import annotations

import io
import json
from typing import Any

import geopandas as gpd
import pytest
from fastapi.testclient import TestClient
from shapely.geometry import box, mapping, shape

from clearground.store.database import Store
from clearground.web.app import create_app
from tests.test_ogc import H1, H2, H3, H_DRAFT, fill


@pytest.fixture
def api(store: Store) -> tuple[TestClient, dict[str, Any]]:
    ids = fill(store)
    return TestClient(create_app(store.url)), ids


def as_(ids: dict[str, Any], role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {ids['tokens'][role]}"}


def test_export_geojson_and_gpkg_with_exact_geometry(api: Any, tmp_path: Any) -> None:
    client, ids = api
    r = client.get("/api/export/hazards?format=geojson", headers=as_(ids, "im_officer"))
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/geo+json")
    doc = r.json()
    got = {f["properties"]["local_id"]: shape(f["geometry"]) for f in doc["features"]}
    assert set(got) == {"H1", "H2", "H3", "HD"}  # every review status, drafts included
    assert got["H2"].equals_exact(H2, 1e-9) and got["HD"].equals_exact(H_DRAFT, 1e-9)
    g = client.get("/api/export/hazards?format=gpkg", headers=as_(ids, "manager"))
    path = tmp_path / "h.gpkg"
    path.write_bytes(g.content)
    frame = gpd.read_file(path)
    assert sorted(frame["local_id"]) == ["H1", "H2", "H3", "HD"]
    assert frame.set_index("local_id").geometry["H3"].equals_exact(H3, 1e-9)
    assert frame.set_index("local_id").geometry["H1"].equals_exact(H1, 1e-9)


def test_export_rules(api: Any) -> None:
    client, ids = api
    assert client.get("/api/export/hazards").status_code == 401
    assert client.get("/api/export/hazards", headers=as_(ids, "donor")).status_code == 403
    assert client.get("/api/export/hazards", headers=as_(ids, "public")).status_code == 403
    assert client.get("/api/export/victims", headers=as_(ids, "operator")).status_code == 403
    csv = client.get("/api/export/activities?format=csv", headers=as_(ids, "operator"))
    assert csv.status_code == 200
    lines = csv.text.strip().splitlines()
    assert len(lines) == 2 and "A1" in lines[1]  # Alpha's activity only, not Bravo's A2
    other = client.get(
        "/api/export/activities?format=csv&organisation=Bravo", headers=as_(ids, "operator")
    )
    assert other.status_code == 403
    bad = client.get("/api/export/hazards?format=shp", headers=as_(ids, "admin"))
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "format"


def _collection(*features: dict[str, Any]) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": list(features)}).encode()


def _hazard(lid: str, geom: Any) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": mapping(geom),
        "properties": {"local_id": lid, "kind": "CHA", "info_date": "2022-04-01"},
    }


def test_import_from_the_browser_reports_and_writes_all_or_none(api: Any) -> None:
    client, ids = api
    good = _collection(
        _hazard("IMP-1", box(47.10, 40.10, 47.11, 40.105)),
        _hazard("IMP-2", box(47.20, 40.10, 47.21, 40.105)),
    )
    h = as_(ids, "operator")
    dry = client.post(
        "/api/import/hazards",
        files={"file": ("h.geojson", io.BytesIO(good), "application/geo+json")},
        data={"dry_run": "true"},
        headers=h,
    )
    assert dry.status_code == 200, dry.text
    assert (dry.json()["rows"], dry.json()["accepted"], dry.json()["written"]) == (2, 2, False)
    done = client.post(
        "/api/import/hazards",
        files={"file": ("h.geojson", io.BytesIO(good), "application/geo+json")},
        headers=h,
    )
    assert done.json()["created"] == 2 and done.json()["written"] is True
    listed = client.get("/api/records/hazards?q=IMP-", headers=h).json()
    assert {i["local_id"]: i["review_status"] for i in listed["items"]} == {
        "IMP-1": "submitted",
        "IMP-2": "submitted",
    }
    # one bad row (outside the country): nothing of the file is written
    bad = _collection(
        _hazard("IMP-3", box(47.30, 40.10, 47.31, 40.105)),
        _hazard("IMP-4", box(44.50, 40.17, 44.51, 40.175)),
    )
    refused = client.post(
        "/api/import/hazards",
        files={"file": ("bad.geojson", io.BytesIO(bad), "application/geo+json")},
        headers=h,
    )
    assert refused.status_code == 400
    err = refused.json()["error"]
    assert err["code"] == "import_refused" and err["field"] == "geometry"
    assert "bad.geojson" in err["message"]
    assert [i["row"] for i in err["report"]["issues"] if i["severity"] == "error"] == [2]
    assert client.get("/api/records/hazards?q=IMP-3", headers=h).json()["total"] == 0


def test_operator_import_of_another_organisation_is_rolled_back(api: Any) -> None:
    client, ids = api
    activity = {
        "type": "Feature",
        "geometry": mapping(box(46.9012, 39.9013, 46.905, 39.904)),
        "properties": {
            "local_id": "ACT-B",
            "hazard": "H1",
            "kind": "clearance",
            "method": "manual",
            "organisation": "Bravo",
            "start_date": "2022-01-01",
        },
    }
    r = client.post(
        "/api/import/activities",
        files={"file": ("a.geojson", io.BytesIO(_collection(activity)), "application/geo+json")},
        headers=as_(ids, "operator"),
    )
    assert r.status_code == 400 and r.json()["error"]["field"] == "organisation"
    admin = client.get("/api/records/activities?q=ACT-B", headers=as_(ids, "admin")).json()
    assert admin["total"] == 0
    denied = client.post(
        "/api/import/hazards",
        files={"file": ("a.geojson", io.BytesIO(b"{}"), "application/geo+json")},
        headers=as_(ids, "donor"),
    )
    assert denied.status_code == 403
