"""The map: /api/map/{layer} (bbox, filters, simplification, clusters, roles) and /map."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient
from shapely.geometry import Point, Polygon, shape

from clearground.store.database import Store
from clearground.store.repository import Registry
from clearground.web import maps
from clearground.web.app import create_app
from clearground.web.i18n import LANGUAGES, catalogue
from tests.test_ogc import H1, fill

# A round hazard of 128 sides (radius 0.01°, ~1 km), closed, in Fuzuli, approved.
BIG = Point(47.20, 40.00).buffer(0.01, quad_segs=32)
# A triangle whose bounding box reaches further than itself (in work, Zangilan, approved).
TRIANGLE = Polygon([(47.05, 39.55), (47.07, 39.55), (47.05, 39.57)])
# Ten finds on a diagonal 0.001° apart from 47.300, 40.100: six of Alpha's activity A1,
# four of Bravo's A2.
GRID = [Point(47.300 + 0.001 * i, 40.100 + 0.001 * i) for i in range(10)]
EVERYWHERE = "46,39,49,41"


def record_with_rows() -> dict[str, Any]:
    """A 200 m x 100 m field from RP1 at 47.10, 39.70 with one row of 10 mines 5 m apart."""
    return {
        "bearing_type": "true",
        "reference_points": [{"name": "RP1", "lon": 47.10, "lat": 39.70}],
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
        "rows": [
            {
                "label": "1",
                "from": "TP1",
                "bearing": 0,
                "distance": 20,
                "direction": 90,
                "spacing": 5,
                "count": 10,
                "ordnance": "PMN-2",
            }
        ],
    }


def map_data(store: Store) -> dict[str, Any]:
    """``tests.test_ogc.fill`` (users, H1-H3, a draft, R1, A1/A2, FA1/FA2, X1) and more."""
    ids = fill(store)
    ok = "approved"
    with store.session() as s:
        reg = Registry(s)
        ids["BIG"] = reg.add(
            "hazards",
            {
                "local_id": "HBIG",
                "kind": "CHA",
                "status": "closed",
                "location": "Fuzuli District",
                "geometry": BIG,
                "info_date": dt.date(2023, 5, 1),
            },
            status=ok,
        )
        ids["TRI"] = reg.add(
            "hazards",
            {
                "local_id": "HTRI",
                "kind": "SHA",
                "status": "in_work",
                "location": "Zangilan District",
                "geometry": TRIANGLE,
                "info_date": dt.date(2020, 12, 1),
            },
            status=ok,
        )
        ids["R2"] = reg.add(
            "records",
            {
                "local_id": "R2",
                "form": record_with_rows(),
                "laid_date": dt.date(1994, 1, 1),
                "location": "Fuzuli District",
            },
            status=ok,
        )
        ids["GRID"] = [
            reg.add(
                "finds",
                {
                    "local_id": f"FG{i}",
                    "activity": "A1" if i < 6 else "A2",
                    "ordnance": "TM-62M",
                    "found_date": dt.date(2021, 3, 20),
                    "geometry": point,
                },
                status=ok,
            )
            for i, point in enumerate(GRID)
        ]
    return ids


@pytest.fixture
def setup(store: Store, monkeypatch: pytest.MonkeyPatch) -> tuple[TestClient, dict[str, Any]]:
    monkeypatch.setattr(maps, "REFRESH_S", 0.0)  # every request sees the latest writes
    ids = map_data(store)
    return TestClient(create_app(store.url)), ids


def layer(
    client: TestClient, ids: dict[str, Any], name: str, role: str | None = "admin", **params: Any
) -> Any:
    headers = {"Authorization": f"Bearer {ids['tokens'][role]}"} if role else {}
    params.setdefault("bbox", EVERYWHERE)
    params.setdefault("zoom", 14)
    given = {k: v for k, v in params.items() if v is not None}
    r = client.get(f"/api/map/{name}", params=given, headers=headers)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/geo+json")
    body = r.json()
    assert body["type"] == "FeatureCollection"
    assert body["numberReturned"] == len(body["features"])
    return body


def feature_ids(body: Any) -> list[int]:
    assert body["clustered"] is False
    return [f["id"] for f in body["features"]]


def test_bbox_selects_features_by_exact_intersection(
    setup: tuple[TestClient, dict[str, Any]],
) -> None:
    client, ids = setup
    everything = layer(client, ids, "hazards")
    assert everything["exact"] is True
    assert feature_ids(everything) == sorted(
        [ids["H1"], ids["H2"], ids["H3"], ids["H_DRAFT"], ids["BIG"], ids["TRI"]]
    )
    # at zoom 14 a pixel is ~2e-5°: H1's rectangle keeps its 5 corners, coordinates unchanged
    first = next(f for f in everything["features"] if f["id"] == ids["H1"])
    assert shape(first["geometry"]).equals_exact(H1, 1e-6)
    assert first["properties"]["local_id"] == "H1" and everything["kind"] == "hazards"
    assert feature_ids(layer(client, ids, "hazards", bbox="46.90,39.90,46.92,39.91")) == [ids["H1"]]
    # this box meets the triangle's bounding box but not the triangle (x + y > 86.62)
    assert feature_ids(layer(client, ids, "hazards", bbox="47.065,39.565,47.08,39.58")) == []
    assert feature_ids(layer(client, ids, "hazards", bbox="47.055,39.555,47.08,39.58")) == [
        ids["TRI"]
    ]
    assert feature_ids(layer(client, ids, "hazards", bbox="44.0,38.0,45.0,38.5")) == []
    finds = layer(client, ids, "finds", bbox="47.2995,40.0995,47.3025,40.1025")
    assert feature_ids(finds) == ids["GRID"][:3]
    assert [f["geometry"]["type"] for f in finds["features"]] == ["Point"] * 3
    assert finds["features"][0]["properties"]["ordnance"] == "TM-62M"


def test_filters(setup: tuple[TestClient, dict[str, Any]]) -> None:
    client, ids = setup

    def hazards(**params: Any) -> list[int]:
        return feature_ids(layer(client, ids, "hazards", **params))

    # info_date: H1 2021-01-10, H2 2022-03-05, H3 2023-07-01, draft 2022-01-01, BIG
    # 2023-05-01, TRI 2020-12-01
    assert hazards(**{"from": "2022-01-01", "until": "2022-12-31"}) == [ids["H2"], ids["H_DRAFT"]]
    assert hazards(until="2021-01-10") == [ids["H1"], ids["TRI"]]
    assert hazards(**{"from": "2023-05-01"}) == [ids["H3"], ids["BIG"]]
    assert hazards(district="Fizuli") == [ids["BIG"]]  # an alternate spelling
    assert hazards(district="Zangilan District") == [ids["TRI"]]
    assert hazards(status="closed") == [ids["BIG"]]
    assert hazards(status="in_work") == [ids["TRI"]]
    assert hazards(review_status="draft") == [ids["H_DRAFT"]]
    # hazards of an organisation: those its activities worked on (A1 of Alpha on H1)
    assert hazards(organisation="Alpha") == [ids["H1"]]
    assert hazards(organisation=str(ids["org_b"])) == [ids["H2"]]
    activities = layer(client, ids, "activities", organisation="OA")  # by local id
    assert feature_ids(activities) == [ids["A1"]]
    assert activities["features"][0]["properties"]["organisation"] == "Alpha"
    assert feature_ids(layer(client, ids, "finds", organisation="Bravo")) == [
        ids["FA2"],
        *ids["GRID"][6:],
    ]
    # a filter that does not apply is named, not refused
    records = layer(client, ids, "records", organisation="Alpha", status="open")
    assert feature_ids(records) == [ids["R1"], ids["R2"]]
    assert sorted(records["ignored"]) == ["organisation", "status"]
    assert feature_ids(layer(client, ids, "records", district="Fuzuli")) == [ids["R2"]]
    assert feature_ids(layer(client, ids, "records", until="1993-12-31")) == [ids["R1"]]
    assert feature_ids(layer(client, ids, "accidents", **{"from": "2022-10-01"})) == [ids["X1"]]
    assert feature_ids(layer(client, ids, "accidents", until="2022-09-30")) == []


def test_record_rows(setup: tuple[TestClient, dict[str, Any]]) -> None:
    client, ids = setup
    rows = layer(client, ids, "record_rows", zoom=18)
    assert rows["kind"] == "records"
    assert feature_ids(rows) == [ids["R2"]]  # R1 has no rows
    line = shape(rows["features"][0]["geometry"])
    assert line.geom_type == "MultiLineString" and len(line.geoms) == 1
    # ten mines 5 m apart: the row is 45 m long, drawn eastwards (bearing 90)
    (x0, y0), (x1, y1) = line.geoms[0].coords
    assert x1 > x0 and abs(y1 - y0) < 1e-6
    assert abs((x1 - x0) * 111_320 * 0.7660 - 45) < 0.5  # cos(39.7°) = 0.766
    assert rows["features"][0]["properties"]["local_id"] == "R2"


def test_simplification_by_zoom(setup: tuple[TestClient, dict[str, Any]]) -> None:
    client, ids = setup
    box_ = "47.18,39.98,47.22,40.02"

    def big(zoom: int) -> tuple[Any, Any]:
        body = layer(client, ids, "hazards", bbox=box_, zoom=zoom)
        assert feature_ids(body) == [ids["BIG"]]
        return shape(body["features"][0]["geometry"]), body["tolerance_deg"]

    assert len(BIG.exterior.coords) == 129
    low, tol_low = big(6)
    mid, tol_mid = big(12)
    exact, tol_exact = big(18)
    assert tol_low == pytest.approx(360 / (256 * 2**6))  # one pixel, ~0.022°
    assert tol_mid == pytest.approx(360 / (256 * 2**12))
    assert tol_exact is None
    assert len(low.exterior.coords) < len(mid.exterior.coords) < 129
    # within a pixel of the stored shape (plus the rounding to an eighth of a pixel)
    assert low.hausdorff_distance(BIG) <= tol_low * 1.2
    assert mid.hausdorff_distance(BIG) <= tol_mid * 1.2
    # at high zoom: the stored geometry itself, every vertex as stored
    stored = shape(
        client.get(
            f"/ogc/collections/hazards/items/{ids['BIG']}",
            headers={"Authorization": f"Bearer {ids['tokens']['admin']}"},
        ).json()["geometry"]
    )
    assert len(exact.exterior.coords) == 129
    assert exact.equals_exact(stored, 0.0)


def test_clusters_above_the_threshold(
    setup: tuple[TestClient, dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    client, ids = setup
    # 12 finds: FA1 (46.9051, 39.9021), FA2 (47.5333, 40.2222) and the ten of GRID
    assert len(feature_ids(layer(client, ids, "finds", zoom=10))) == 12
    monkeypatch.setattr(maps, "MAX_FEATURES", 3)
    body = layer(client, ids, "finds", zoom=10)
    assert body["clustered"] is True and body["numberMatched"] == 12
    # zoom 10: cells of 64 px = 90 / 2**10 = 0.087890625°; GRID spans x 538.17..538.27 and
    # y 456.25..456.35 cells, so it is one cluster; FA1 and FA2 are far from it and apart
    assert body["cell_deg"] == pytest.approx(0.087890625)
    clusters = sorted(body["features"], key=lambda f: f["properties"]["count"])
    assert [c["properties"]["count"] for c in clusters] == [1, 1, 10]
    grid = clusters[2]
    assert grid["geometry"]["coordinates"] == pytest.approx([47.3045, 40.1045])
    assert grid["properties"]["bbox"] == pytest.approx([47.300, 40.100, 47.309, 40.109])
    singles = {tuple(c["geometry"]["coordinates"]) for c in clusters[:2]}
    assert singles == {(46.9051, 39.9021), (47.5333, 40.2222)}
    # fewer clusters allowed: the cells widen, the counts still add up
    monkeypatch.setattr(maps, "MAX_CLUSTERS", 2)
    wide = layer(client, ids, "finds", zoom=10)
    assert len(wide["features"]) <= 2 and wide["cell_deg"] > body["cell_deg"]
    assert sum(f["properties"]["count"] for f in wide["features"]) == 12
    # an operator of Alpha: only Alpha's finds, FA1 and the first six of GRID
    monkeypatch.setattr(maps, "MAX_CLUSTERS", 3000)
    own = layer(client, ids, "finds", "operator", zoom=10)
    assert own["clustered"] is True
    counts = sorted(c["properties"]["count"] for c in own["features"])
    assert counts == [1, 6]
    six = next(c for c in own["features"] if c["properties"]["count"] == 6)
    assert six["geometry"]["coordinates"] == pytest.approx([47.3025, 40.1025])
    # hazard clusters say how many of each status they hold
    monkeypatch.setattr(maps, "MAX_FEATURES", 1)
    hazards = layer(client, ids, "hazards", zoom=3)
    assert sum(f["properties"]["count"] for f in hazards["features"]) == 6
    total = Counter[str]()
    for f in hazards["features"]:
        total.update(f["properties"]["status_counts"])
    assert total == {"open": 4, "closed": 1, "in_work": 1}


def test_public_and_donors_get_counts_on_the_grid_only(
    setup: tuple[TestClient, dict[str, Any]],
) -> None:
    client, ids = setup
    for role in (None, "public", "donor"):
        for name in ("hazards", "records", "activities", "finds", "accidents"):
            body = layer(client, ids, name, role, zoom=12)
            assert body["exact"] is False and body["clustered"] is True
            for f in body["features"]:
                assert "id" not in f
                assert set(f["properties"]) <= {"cluster", "count", "position", "status_counts"}
                x, y = f["geometry"]["coordinates"]
                assert f["geometry"]["type"] == "Point"
                assert round(x, 1) == x and round(y, 1) == y
        # hand-computed nodes (centroid / 0.1, rounded): approved finds only
        finds = layer(client, ids, "finds", role, zoom=12)
        nodes = {
            tuple(f["geometry"]["coordinates"]): f["properties"]["count"] for f in finds["features"]
        }
        assert nodes == {(46.9, 39.9): 1, (47.5, 40.2): 1, (47.3, 40.1): 10}
        assert finds["numberMatched"] == 12
        # the draft hazard is not counted; TRI's centroid (47.0567, 39.5567) -> (47.1, 39.6)
        hazards = layer(client, ids, "hazards", role, zoom=12)
        nodes = {
            tuple(f["geometry"]["coordinates"]): f["properties"]["count"]
            for f in hazards["features"]
        }
        assert nodes == {
            (46.9, 39.9): 1,
            (47.5, 40.2): 1,
            (48.2, 40.6): 1,
            (47.2, 40.0): 1,
            (47.1, 39.6): 1,
        }
        # the same nodes as the coarse points of /ogc
        headers = {"Authorization": f"Bearer {ids['tokens'][role]}"} if role else {}
        ogc = client.get("/ogc/collections/hazards/items?limit=100", headers=headers).json()
        assert Counter(tuple(f["geometry"]["coordinates"]) for f in ogc["features"]) == nodes
        # a box around H1 that leaves out its grid node shows nothing: no probing
        probe = layer(client, ids, "hazards", role, bbox="46.901,39.901,46.912,39.907", zoom=16)
        assert probe["features"] == [] and probe["numberMatched"] == 0
        # at a low zoom the nodes are added up, still on the grid
        low = layer(client, ids, "finds", role, zoom=5)
        assert sum(f["properties"]["count"] for f in low["features"]) == 12
        assert len(low["features"]) < 3
        # a draft asked for is not there
        assert layer(client, ids, "hazards", role, review_status="draft")["features"] == []
        r = client.get(
            "/api/map/record_rows", params={"bbox": EVERYWHERE, "zoom": 14}, headers=headers
        )
        assert r.status_code == 403
        assert r.json()["error"]["code"] == "forbidden" and r.json()["error"]["field"] == "layer"


def test_operators_see_their_own_activities_and_finds_only(
    setup: tuple[TestClient, dict[str, Any]],
) -> None:
    client, ids = setup
    assert feature_ids(layer(client, ids, "activities", "operator")) == [ids["A1"]]
    assert feature_ids(layer(client, ids, "finds", "operator")) == [
        ids["FA1"],
        *ids["GRID"][:6],
    ]
    # asking for another organisation's finds gives nothing, not theirs
    assert feature_ids(layer(client, ids, "finds", "operator", organisation="Bravo")) == []
    # hazards, records and accidents: everything, exact, drafts included
    assert len(feature_ids(layer(client, ids, "hazards", "operator"))) == 6
    assert feature_ids(layer(client, ids, "accidents", "operator")) == [ids["X1"]]
    assert feature_ids(layer(client, ids, "record_rows", "operator")) == [ids["R2"]]
    for role in ("im_officer", "manager"):
        assert feature_ids(layer(client, ids, "activities", role)) == [ids["A1"], ids["A2"]]


def test_the_index_follows_writes(setup: tuple[TestClient, dict[str, Any]], store: Store) -> None:
    client, ids = setup
    assert len(feature_ids(layer(client, ids, "hazards", status="closed"))) == 1
    with store.session() as s:
        reg = Registry(s)
        new = reg.add(
            "hazards",
            {"local_id": "HNEW", "kind": "SHA", "geometry": TRIANGLE.buffer(0.001)},
        )
        reg.edit("hazards", ids["H1"], 1, {"status": "closed"})
    assert feature_ids(layer(client, ids, "hazards", status="closed")) == [ids["H1"], ids["BIG"]]
    assert new in feature_ids(layer(client, ids, "hazards"))
    # the public does not see the new draft until it is approved
    nodes = layer(client, ids, "hazards", None, zoom=12)
    assert sum(f["properties"]["count"] for f in nodes["features"]) == 5
    with store.session() as s:
        reg = Registry(s)  # the review steps: submitted, then approved
        reg.set_review_status(
            "hazards", new, reg.set_review_status("hazards", new, 1, "submitted"), "approved"
        )
    nodes = layer(client, ids, "hazards", None, zoom=12)
    assert sum(f["properties"]["count"] for f in nodes["features"]) == 6


def test_bad_parameters_answer_400_with_the_field(
    setup: tuple[TestClient, dict[str, Any]],
) -> None:
    client, _ = setup
    cases: list[tuple[str, dict[str, Any], str]] = [
        ("/api/map/hazards", {"zoom": 10}, "bbox"),
        ("/api/map/hazards", {"bbox": "1,2,3"}, "bbox"),
        ("/api/map/hazards", {"bbox": "a,b,c,d"}, "bbox"),
        ("/api/map/hazards", {"bbox": "48,40,47,41"}, "bbox"),
        ("/api/map/hazards", {"bbox": "46,39,49,95"}, "bbox"),
        ("/api/map/hazards", {"bbox": EVERYWHERE, "zoom": 23}, "zoom"),
        ("/api/map/hazards", {"bbox": EVERYWHERE, "zoom": -1}, "zoom"),
        ("/api/map/hazards", {"bbox": EVERYWHERE, "zoom": "near"}, "zoom"),
        ("/api/map/hazards", {"bbox": EVERYWHERE, "from": "2021-13-01"}, "from"),
        (
            "/api/map/hazards",
            {"bbox": EVERYWHERE, "from": "2022-01-02", "until": "2022-01-01"},
            "until",
        ),
        ("/api/map/hazards", {"bbox": EVERYWHERE, "status": "burning"}, "status"),
        ("/api/map/hazards", {"bbox": EVERYWHERE, "review_status": "maybe"}, "review_status"),
        ("/api/map/hazards", {"bbox": EVERYWHERE, "district": "Atlantis"}, "district"),
        ("/api/map/hazards", {"bbox": EVERYWHERE, "organisation": "Nobody Ltd"}, "organisation"),
        ("/api/map/hazards", {"bbox": EVERYWHERE, "organisation": "999999"}, "organisation"),
        ("/api/map/victims", {"bbox": EVERYWHERE}, "layer"),
    ]
    for path, params, field in cases:
        r = client.get(path, params=params)
        assert r.status_code == 400, (params, r.text)
        error = r.json()["error"]
        assert set(r.json()) == {"error"}
        assert error["field"] == field, (params, error)
        assert error["code"] == "bad_request" and error["message"]
    # a near miss is suggested
    r = client.get("/api/map/hazards", params={"bbox": EVERYWHERE, "district": "Fuzulli"})
    assert "Fuzuli District" in r.json()["error"]["message"]


def test_zoom_defaults_from_the_box(setup: tuple[TestClient, dict[str, Any]]) -> None:
    client, ids = setup
    # 3° across at ~1024 px: log2(1440 / 3) = 8.9 -> zoom 8
    body = layer(client, ids, "hazards", zoom=None)
    assert body["zoom"] == 8
    assert maps.zoom_for((47.0, 40.0, 47.0, 40.0)) == 22


def test_openapi_documents_the_layer_route(setup: tuple[TestClient, dict[str, Any]]) -> None:
    client, _ = setup
    doc = client.get("/openapi.json").json()
    assert "/map" not in doc["paths"]
    op = doc["paths"]["/api/map/{layer}"]["get"]
    params = {p["name"]: p for p in op["parameters"]}
    assert set(params) == {
        "layer",
        "bbox",
        "zoom",
        "district",
        "from",
        "until",
        "status",
        "organisation",
        "review_status",
    }
    assert params["bbox"]["required"] is True
    assert params["zoom"]["schema"]["anyOf"][0]["maximum"] == 22
    assert "application/geo+json" in op["responses"]["200"]["content"]


def test_page_renders_in_every_language(setup: tuple[TestClient, dict[str, Any]]) -> None:
    client, ids = setup
    messages = catalogue()
    own = yaml.safe_load((Path(maps.__file__).parent / "locale" / "map.yaml").read_text("utf-8"))
    for key, texts in own.items():
        assert set(texts) == set(LANGUAGES), key
        assert all(str(v).strip() for v in texts.values()), key
    for lang in LANGUAGES:
        r = client.get(f"/map?lang={lang}")
        assert r.status_code == 200
        page = r.text
        for element in ('id="map"', 'id="filter-form"', 'id="layer-hazards"', 'id="layer-finds"'):
            assert element in page
        assert messages["map.title"][lang] in page
        assert messages["map.layer.hazards"][lang] in page
        assert messages["map.public_note"][lang] in page
        # the anonymous public has no review filter and no mine rows
        assert 'id="filter-review"' not in page and 'id="layer-record_rows"' not in page
        found = re.search(
            r'<script id="map-text" type="application/json">(.*?)</script>', page, re.S
        )
        assert found is not None
        texts = json.loads(found.group(1))
        assert set(texts) == set(maps.map_text_keys())
        assert texts["map.open_record"] == messages["map.open_record"][lang]
        assert texts["map.layer.finds"] == messages["map.layer.finds"][lang]
    admin = client.get(
        "/map?lang=ru", headers={"Authorization": f"Bearer {ids['tokens']['admin']}"}
    ).text
    assert 'id="filter-review"' in admin and 'id="layer-record_rows"' in admin
    assert "Fuzuli District" in admin and ">Alpha<" in admin
    assert messages["map.exact_note"]["ru"] in admin
