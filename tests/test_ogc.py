"""OGC API Features at /ogc: paging, bbox, datetime, roles and coarsening; GDAL reads it."""

from __future__ import annotations

import datetime as dt
import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import pyogrio
import pytest
import shapely
from fastapi.testclient import TestClient
from shapely.geometry import Point, box, shape

from clearground.store.database import Store
from clearground.store.repository import Registry
from clearground.store.users import add_user, new_token
from clearground.web.app import create_app

ROLES = ("admin", "im_officer", "operator", "manager", "donor", "public")

# Three approved hazards far apart, one draft; their centroids and the 0.1° cells they fall in.
H1 = box(46.9012, 39.9013, 46.9112, 39.9063)  # centroid 46.9062, 39.9038 -> cell 46.9, 39.9
H2 = box(47.5310, 40.2210, 47.5410, 40.2260)  # centroid 47.536, 40.2235 -> cell 47.5, 40.2
H3 = box(48.2020, 40.6020, 48.2120, 40.6070)  # centroid 48.207, 40.6045 -> cell 48.2, 40.6
H_DRAFT = box(46.6000, 39.6000, 46.6100, 39.6050)
FIND_A = Point(46.9051, 39.9021)  # cell 46.9, 39.9
FIND_B = Point(47.5333, 40.2222)  # cell 47.5, 40.2
ACCIDENT = Point(46.9071, 39.9047)
VICTIM_NAME = "Ramil Testname"


def record_form() -> dict[str, Any]:
    """A 200 m x 100 m minefield 50 m east of RP1 at 47.013, 40.012 (true bearings)."""
    return {
        "bearing_type": "true",
        "reference_points": [{"name": "RP1", "lon": 47.013, "lat": 40.012}],
        "traverse": {
            "from": "RP1",
            "legs": [
                {"bearing": 90, "distance": 50},
                {"bearing": 0, "distance": 100},
                {"bearing": 90, "distance": 200},
                {"bearing": 180, "distance": 100},
                {"bearing": 270, "distance": 200},
            ],
        },
        "rows": [],
    }


def fill(store: Store) -> dict[str, Any]:
    """Organisations A and B, hazards, a minefield record, activities, finds, an accident."""
    ok = "approved"
    with store.session() as s:
        reg = Registry(s)
        org_a = reg.add("organisations", {"local_id": "OA", "name": "Alpha", "kind": "operator"})
        org_b = reg.add("organisations", {"local_id": "OB", "name": "Bravo", "kind": "operator"})
        ids = {"org_a": org_a, "org_b": org_b}
        for lid, geom, day in (
            ("H1", H1, dt.date(2021, 1, 10)),
            ("H2", H2, dt.date(2022, 3, 5)),
            ("H3", H3, dt.date(2023, 7, 1)),
        ):
            ids[lid] = reg.add(
                "hazards",
                {"local_id": lid, "kind": "CHA", "geometry": geom, "info_date": day},
                status=ok,
            )
        ids["H_DRAFT"] = reg.add(
            "hazards",
            {
                "local_id": "HD",
                "kind": "SHA",
                "geometry": H_DRAFT,
                "info_date": dt.date(2022, 1, 1),
            },
        )
        ids["R1"] = reg.add(
            "records",
            {"local_id": "R1", "form": record_form(), "laid_date": dt.date(1993, 5, 1)},
            status=ok,
        )
        for lid, hazard, org, geom, found in (
            ("A1", "H1", org_a, H1, FIND_A),
            ("A2", "H2", org_b, H2, FIND_B),
        ):
            ids[lid] = reg.add(
                "activities",
                {
                    "local_id": lid,
                    "hazard": hazard,
                    "kind": "clearance",
                    "result": "cleared",
                    "method": "manual",
                    "organisation_id": org,
                    "start_date": dt.date(2021, 3, 1),
                    "end_date": dt.date(2021, 4, 1),
                    "geometry": geom,
                },
                status=ok,
            )
            ids["F" + lid] = reg.add(
                "finds",
                {
                    "local_id": "F" + lid,
                    "activity": lid,
                    "ordnance": "TM-62M",
                    "found_date": dt.date(2021, 3, 15),
                    "geometry": found,
                },
                status=ok,
            )
        ids["X1"] = reg.add(
            "accidents",
            {
                "local_id": "X1",
                "kind": "incident",
                "accident_date": dt.date(2022, 10, 1),
                "geometry": ACCIDENT,
                "description": "AP mine, two civilians injured",
            },
            status=ok,
        )
        reg.add(
            "victims",
            {
                "local_id": "V1",
                "accident": "X1",
                "name": VICTIM_NAME,
                "status": "civilian",
                "outcome": "injured",
            },
            status=ok,
        )
        tokens = {}
        for role in ROLES:
            org = "Alpha" if role in ("operator", "donor") else None
            user = add_user(s, f"u_{role}", role, organisation=org, password=f"pw-{role}-1")
            tokens[role] = new_token(s, user.id)
    ids["tokens"] = tokens
    return ids


@pytest.fixture
def filled(store: Store) -> tuple[TestClient, dict[str, Any]]:
    ids = fill(store)
    return TestClient(create_app(store.url)), ids


def get(client: TestClient, path: str, token: str | None = None, **params: Any) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    r = client.get(path, params=params, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


def test_landing_conformance_collections(filled: tuple[TestClient, dict[str, Any]]) -> None:
    client, _ = filled
    landing = get(client, "/ogc")
    rels = {link["rel"]: link["href"] for link in landing["links"]}
    assert rels["conformance"].endswith("/ogc/conformance")
    assert rels["data"].endswith("/ogc/collections")
    assert (
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson"
        in get(client, "/ogc/conformance")["conformsTo"]
    )
    ids = [c["id"] for c in get(client, "/ogc/collections")["collections"]]
    assert ids == ["hazards", "records", "activities", "finds", "accidents", "districts"]
    hazards = get(client, "/ogc/collections/hazards")
    assert any(link["rel"] == "items" for link in hazards["links"])
    r = client.get("/ogc/collections/victims/items")
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "not_found"


def test_items_limit_offset_and_next_links(filled: tuple[TestClient, dict[str, Any]]) -> None:
    client, ids = filled
    tok = ids["tokens"]["im_officer"]
    page = client.get(
        "/ogc/collections/hazards/items?limit=2", headers={"Authorization": f"Bearer {tok}"}
    )
    assert page.headers["content-type"].startswith("application/geo+json")
    first = page.json()
    # three approved hazards and one draft: an IM officer sees all four
    assert first["numberMatched"] == 4 and first["numberReturned"] == 2
    assert [f["id"] for f in first["features"]] == [ids["H1"], ids["H2"]]
    nxt = next(link["href"] for link in first["links"] if link["rel"] == "next")
    second = client.get(nxt, headers={"Authorization": f"Bearer {tok}"}).json()
    assert [f["id"] for f in second["features"]] == [ids["H3"], ids["H_DRAFT"]]
    assert not any(link["rel"] == "next" for link in second["links"])
    third = get(client, "/ogc/collections/hazards/items", tok, limit=2, offset=3)
    assert [f["id"] for f in third["features"]] == [ids["H_DRAFT"]]
    # above the maximum the limit is clamped, not refused
    assert get(client, "/ogc/collections/hazards/items", tok, limit=50000)["numberReturned"] == 4
    bad = client.get("/ogc/collections/hazards/items?limit=0")
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "limit"


def test_items_bbox_and_datetime(filled: tuple[TestClient, dict[str, Any]]) -> None:
    client, ids = filled
    tok = ids["tokens"]["manager"]

    def hazard_ids(**params: Any) -> list[int]:
        return [
            f["id"]
            for f in get(client, "/ogc/collections/hazards/items", tok, **params)["features"]
        ]

    assert hazard_ids(bbox="47.0,40.0,48.0,40.5") == [ids["H2"]]
    assert hazard_ids(bbox="46.0,39.0,49.0,41.0") == [
        ids["H1"],
        ids["H2"],
        ids["H3"],
        ids["H_DRAFT"],
    ]
    assert hazard_ids(bbox="44.0,38.0,45.0,38.5") == []
    # touching H1's corner only by bounding box would not be enough: this box is beside it
    assert hazard_ids(bbox="46.9113,39.9013,46.95,39.95") == []
    assert hazard_ids(datetime="2022-01-01/..") == [ids["H2"], ids["H3"], ids["H_DRAFT"]]
    assert hazard_ids(datetime="../2021-12-31") == [ids["H1"]]
    assert hazard_ids(datetime="2022-03-05") == [ids["H2"]]
    assert hazard_ids(datetime="2022-03-01T00:00:00Z/2023-12-31T00:00:00Z") == [
        ids["H2"],
        ids["H3"],
    ]
    assert hazard_ids(
        datetime="2021-01-01/2024-01-01", bbox="47.0,40.0,49.0,41.0", limit=1, offset=1
    ) == [ids["H3"]]
    for bad, field in (("bbox", "1,2,3"), ("bbox", "50,40,40,45"), ("datetime", "yesterday")):
        r = client.get("/ogc/collections/hazards/items", params={bad: field})
        assert r.status_code == 400, (bad, field)
        assert r.json()["error"]["field"] == bad
        assert set(r.json()["error"]) >= {"code", "message", "field"}


def test_public_gets_coarse_positions_readers_exact(
    filled: tuple[TestClient, dict[str, Any]],
) -> None:
    client, ids = filled
    officer = get(
        client, f"/ogc/collections/hazards/items/{ids['H1']}", ids["tokens"]["im_officer"]
    )
    assert shape(officer["geometry"]).equals_exact(H1, 1e-9)
    for token in (None, ids["tokens"]["public"], ids["tokens"]["donor"]):
        public = get(client, "/ogc/collections/hazards/items", token)
        # approved hazards only, each a point on the 0.1° grid cell of its centroid
        assert [f["id"] for f in public["features"]] == [ids["H1"], ids["H2"], ids["H3"]]
        points = [tuple(f["geometry"]["coordinates"]) for f in public["features"]]
        assert points == [(46.9, 39.9), (47.5, 40.2), (48.2, 40.6)]
        assert "review_status" not in public["features"][0]["properties"]
        finds = get(client, "/ogc/collections/finds/items", token)
        assert [tuple(f["geometry"]["coordinates"]) for f in finds["features"]] == [
            (46.9, 39.9),
            (47.5, 40.2),
        ]
        records = get(client, "/ogc/collections/records/items", token)
        assert [tuple(f["geometry"]["coordinates"]) for f in records["features"]] == [(47.0, 40.0)]
        accident = get(client, f"/ogc/collections/accidents/items/{ids['X1']}", token)
        assert accident["geometry"]["coordinates"] == [46.9, 39.9]
        assert "description" not in accident["properties"]
        # a draft is not public, even by its id
        r = client.get(f"/ogc/collections/hazards/items/{ids['H_DRAFT']}")
        assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    # bbox cannot probe exact positions: this box holds H1 but not its coarse point
    probe = "46.905,39.902,46.91,39.905"
    assert get(client, "/ogc/collections/hazards/items", bbox=probe)["numberMatched"] == 0
    assert (
        get(client, "/ogc/collections/hazards/items", ids["tokens"]["admin"], bbox=probe)[
            "numberMatched"
        ]
        == 1
    )
    assert (
        get(client, "/ogc/collections/hazards/items", bbox="46.85,39.85,46.95,39.95")[
            "numberMatched"
        ]
        == 1
    )
    # districts are public boundaries, given whole
    district = get(client, "/ogc/collections/districts/items", limit=1)["features"][0]
    assert district["geometry"]["type"] in ("Polygon", "MultiPolygon")


def test_operator_sees_only_its_organisations_work(
    filled: tuple[TestClient, dict[str, Any]],
) -> None:
    client, ids = filled
    tok = ids["tokens"]["operator"]  # of Alpha
    acts = get(client, "/ogc/collections/activities/items", tok)
    assert [f["id"] for f in acts["features"]] == [ids["A1"]]
    assert shape(acts["features"][0]["geometry"]).equals_exact(H1, 1e-9)
    finds = get(client, "/ogc/collections/finds/items", tok)
    assert [f["id"] for f in finds["features"]] == [ids["FA1"]]
    assert shape(finds["features"][0]["geometry"]).equals_exact(FIND_A, 1e-9)
    r = client.get(
        f"/ogc/collections/finds/items/{ids['FA2']}", headers={"Authorization": f"Bearer {tok}"}
    )
    assert r.status_code == 404
    # a manager reads everything
    assert (
        len(get(client, "/ogc/collections/finds/items", ids["tokens"]["manager"])["features"]) == 2
    )


def test_no_victim_data_through_ogc(filled: tuple[TestClient, dict[str, Any]]) -> None:
    client, ids = filled
    for token in (None, *ids["tokens"].values()):
        for col in ("hazards", "records", "activities", "finds", "accidents"):
            text = json.dumps(get(client, f"/ogc/collections/{col}/items", token))
            assert VICTIM_NAME not in text and "Testname" not in text


@pytest.fixture
def server(store: Store) -> Iterator[tuple[str, dict[str, Any]]]:
    """A real server (``clearground serve``) on a free loopback port, in a subprocess.

    Not a thread: GDAL holds the GIL while it fetches, so an in-process server would wait.
    """
    ids = fill(store)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "clearground", "serve", "--db", store.url, "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, (
                f"the server stopped: {proc.stderr.read() if proc.stderr else ''}"
            )
            assert time.monotonic() < deadline, "the server did not start"
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}/ogc", ids
    finally:
        proc.terminate()
        proc.wait(10)


def _gdal_auth(token: str | None) -> None:
    pyogrio.set_gdal_config_options(
        {
            "GDAL_HTTP_AUTH": "BEARER" if token else None,
            "GDAL_HTTP_BEARER": token,
            "GDAL_HTTP_TIMEOUT": "60",
        }
    )


def test_gdal_reads_the_collections(server: tuple[str, dict[str, Any]]) -> None:
    url, ids = server
    try:
        _gdal_auth(ids["tokens"]["im_officer"])
        layers = [str(name) for name, _ in pyogrio.list_layers(f"OAPIF:{url}")]
        assert layers == ["hazards", "records", "activities", "finds", "accidents", "districts"]
        hazards = pyogrio.read_dataframe(f"OAPIF:{url}", layer="hazards")
        assert sorted(hazards["local_id"]) == ["H1", "H2", "H3", "HD"]
        h1 = hazards.geometry[hazards["local_id"] == "H1"].iloc[0]
        assert h1.equals_exact(H1, 1e-9)
        finds = pyogrio.read_dataframe(f"OAPIF:{url}", layer="finds")
        assert sorted((g.x, g.y) for g in finds.geometry) == [
            (FIND_A.x, FIND_A.y),
            (FIND_B.x, FIND_B.y),
        ]

        _gdal_auth(None)
        exact = {"hazards": [H1, H2, H3], "finds": [FIND_A, FIND_B]}
        for layer in ("hazards", "records", "finds", "accidents"):
            frame = pyogrio.read_dataframe(f"OAPIF:{url}", layer=layer)
            assert len(frame) > 0, layer
            for geom in frame.geometry:
                assert geom.geom_type == "Point", layer
                # every coordinate on the 0.1° grid: nothing finer comes back
                assert round(geom.x, 1) == geom.x and round(geom.y, 1) == geom.y, (layer, geom)
                assert not any(shapely.equals(geom, g) for g in exact.get(layer, []))
        public = pyogrio.read_dataframe(f"OAPIF:{url}", layer="hazards")
        assert sorted(public["local_id"]) == ["H1", "H2", "H3"]  # the draft is not public
    finally:
        _gdal_auth(None)


OAS30 = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30"


def test_api_definition_is_openapi_30_of_the_ogc_paths(
    filled: tuple[TestClient, dict[str, Any]],
) -> None:
    from openapi_spec_validator import validate
    from openapi_spec_validator.validation import OpenAPIV30SpecValidator

    client, ids = filled
    links = {link["rel"]: link for link in get(client, "/ogc")["links"]}
    desc = links["service-desc"]
    assert desc["href"] == "http://testserver/ogc/api"
    assert desc["type"] == "application/vnd.oai.openapi+json;version=3.0"
    assert OAS30 in get(client, "/ogc/conformance")["conformsTo"]
    r = client.get("/ogc/api")
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/vnd.oai.openapi+json;version=3.0"
    doc = r.json()
    assert doc["openapi"] == "3.0.3"
    validate(doc, cls=OpenAPIV30SpecValidator)  # raises if it is not valid OpenAPI 3.0
    assert set(doc["paths"]) == {
        "/ogc",
        "/ogc/api",
        "/ogc/conformance",
        "/ogc/collections",
        "/ogc/collections/{collection_id}",
        "/ogc/collections/{collection_id}/items",
        "/ogc/collections/{collection_id}/items/{feature_id}",
    }
    items = doc["paths"]["/ogc/collections/{collection_id}/items"]["get"]
    params = {p["name"]: p["schema"] for p in items["parameters"]}
    assert params["bbox"]["type"] == "string" and params["bbox"]["nullable"] is True
    assert "anyOf" not in params["bbox"]
    assert params["limit"]["minimum"] == 1
    assert set(items["responses"]) == {"200", "400", "401", "404"}
    assert "application/geo+json" in items["responses"]["200"]["content"]
    error = doc["components"]["schemas"]["Error"]
    assert error["properties"]["error"]["required"] == ["code", "message", "field"]
    assert "null" not in json.dumps(doc).replace("nullable", "")  # no 3.1 null type is left
    # the same for every caller, and a token does not change it
    assert (
        client.get("/ogc/api", headers={"Authorization": f"Bearer {ids['tokens']['admin']}"}).json()
        == doc
    )
    # FastAPI's own document is 3.1: as 3.0 it would not pass, so the check above means something
    raw = client.get("/openapi.json").json()
    ogc_only = {p: v for p, v in raw["paths"].items() if p.startswith("/ogc")}
    with pytest.raises(Exception, match="null"):
        validate(
            {"openapi": "3.0.3", "info": raw["info"], "paths": ogc_only, **{"components": {}}},
            cls=OpenAPIV30SpecValidator,
        )


def test_schema_30_rewrites_what_openapi_30_lacks() -> None:
    from clearground.web.ogc_openapi import schema_30

    assert schema_30({"anyOf": [{"type": "integer", "minimum": 1}, {"type": "null"}]}) == {
        "type": "integer",
        "minimum": 1,
        "nullable": True,
    }
    assert schema_30({"type": ["string", "null"], "title": "T"}) == {
        "type": "string",
        "title": "T",
        "nullable": True,
    }
    assert schema_30({"type": ["string", "integer"]}) == {
        "anyOf": [{"type": "string"}, {"type": "integer"}]
    }
    assert schema_30({"const": "a"}) == {"enum": ["a"]}
    assert schema_30({"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 5}) == {
        "type": "number",
        "minimum": 0,
        "exclusiveMinimum": True,
        "maximum": 5,
        "exclusiveMaximum": True,
    }
    assert schema_30({"type": "string", "examples": ["x", "y"], "contentMediaType": "a/b"}) == {
        "type": "string",
        "example": "x",
    }
    ref = "#/components/schemas/Error"
    assert schema_30({"anyOf": [{"$ref": ref}, {"type": "null"}]}) == {
        "nullable": True,
        "allOf": [{"$ref": ref}],
    }
    nested = {
        "type": "object",
        "properties": {
            "a": {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "null"}]}}
        },
        "additionalProperties": {"type": ["integer", "null"]},
    }
    assert schema_30(nested) == {
        "type": "object",
        "properties": {"a": {"type": "array", "items": {"type": "string", "nullable": True}}},
        "additionalProperties": {"type": "integer", "nullable": True},
    }
