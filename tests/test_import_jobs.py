"""Imports from the browser as background jobs (issue 23, item 6): the answer is 202 at once,
the server answers other requests meanwhile, and the job ends with the same report or error
a plain import gives; a job is its starter's."""

from __future__ import annotations

import io
import json
import time
from typing import Any

import pytest
from fastapi.testclient import TestClient
from shapely.geometry import box, mapping

from clearground.store.database import Store
from clearground.web.app import create_app
from tests.test_ogc import fill
from tests.test_upload_safety import HOSTILE


@pytest.fixture
def api(store: Store) -> tuple[TestClient, dict[str, Any]]:
    ids = fill(store)
    return TestClient(create_app(store.url)), ids


def _as(ids: dict[str, Any], role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {ids['tokens'][role]}"}


def _hazards(*features: tuple[str, Any]) -> bytes:
    return json.dumps(
        {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "geometry": mapping(g),
                    "properties": {"local_id": lid, "kind": "CHA", "info_date": "2022-04-01"},
                }
                for lid, g in features
            ],
        }
    ).encode()


def _start(client: TestClient, h: dict[str, str], name: str, body: bytes, **data: str) -> Any:
    r = client.post(
        "/api/import/hazards",
        files={"file": (name, io.BytesIO(body), "application/octet-stream")},
        data={"background": "true", **data},
        headers=h,
    )
    assert r.status_code == 202, r.text
    doc = r.json()
    assert doc["href"] == f"/api/import/jobs/{doc['job']}"
    return doc


def _wait(client: TestClient, h: dict[str, str], href: str) -> dict[str, Any]:
    seen = set()
    for _ in range(600):  # at most 2 minutes
        job = client.get(href, headers=h)
        assert job.status_code == 200, job.text
        doc = job.json()
        seen.add(doc["state"])
        if doc["state"] in ("done", "failed"):
            doc["seen"] = seen
            return doc
        time.sleep(0.2)
    raise AssertionError("the job did not end")


def test_a_background_import_ends_with_the_report_a_plain_import_gives(api: Any) -> None:
    client, ids = api
    h = _as(ids, "operator")
    body = _hazards(
        ("BG-1", box(47.10, 40.10, 47.11, 40.105)), ("BG-2", box(47.2, 40.1, 47.21, 40.105))
    )
    plain = client.post(
        "/api/import/hazards",
        files={"file": ("h.geojson", io.BytesIO(body))},
        data={"dry_run": "true"},
        headers=h,
    ).json()
    started = _start(client, h, "h.geojson", body)
    job = _wait(client, h, started["href"])
    assert job["state"] == "done" and job["status_code"] == 200 and job["error"] is None
    report = job["report"]
    assert (report["rows"], report["accepted"], report["created"], report["written"]) == (
        2,
        2,
        2,
        True,
    )
    assert {k: plain[k] for k in ("rows", "accepted", "rejected", "source")} == {
        k: report[k] for k in ("rows", "accepted", "rejected", "source")
    }
    listed = client.get("/api/records/hazards?q=BG-", headers=h).json()
    assert sorted(i["local_id"] for i in listed["items"]) == ["BG-1", "BG-2"]


def test_a_refused_background_import_fails_with_the_error_and_writes_nothing(api: Any) -> None:
    client, ids = api
    h = _as(ids, "operator")
    bad = _hazards(
        ("BG-3", box(47.3, 40.1, 47.31, 40.105)), ("BG-4", box(44.5, 40.17, 44.51, 40.175))
    )
    job = _wait(client, h, _start(client, h, "bad.geojson", bad)["href"])
    assert job["state"] == "failed" and job["status_code"] == 400 and job["report"] is None
    err = job["error"]["error"]
    assert err["code"] == "import_refused" and "bad.geojson" in err["message"]
    assert [i["row"] for i in err["report"]["issues"] if i["severity"] == "error"] == [2]
    assert client.get("/api/records/hazards?q=BG-3", headers=h).json()["total"] == 0
    hostile = (HOSTILE / "vrt-as.gml").read_bytes()
    job = _wait(client, h, _start(client, h, "x.gml", hostile)["href"])
    assert job["status_code"] == 400 and job["error"]["error"]["code"] == "bad_input"
    assert "/tmp/" not in json.dumps(job["error"])  # the file's own name, not the server's path


def test_a_job_is_its_starters_and_admins(api: Any) -> None:
    client, ids = api
    h = _as(ids, "operator")
    href = _start(client, h, "h.geojson", _hazards(("BG-5", box(47.1, 40.2, 47.11, 40.205))))[
        "href"
    ]
    _wait(client, h, href)
    assert client.get(href).status_code == 401
    assert client.get(href, headers=_as(ids, "im_officer")).status_code == 403
    assert client.get(href, headers=_as(ids, "admin")).status_code == 200
    assert client.get("/api/import/jobs/999999", headers=h).status_code == 404
    assert client.get("/api/import/jobs/99999999999", headers=h).status_code in (400, 404)


def test_the_server_answers_while_a_large_import_runs(api: Any) -> None:
    client, ids = api
    h = _as(ids, "im_officer")
    n = 20_000
    rows = "".join(
        f"BGF-{i},TM-62M,2022-05-0{1 + i % 9},{46.9 + i % 100 * 1e-4},{39.9 + i // 100 * 1e-4}\n"
        for i in range(n)
    )
    csv = ("local_id,ordnance,found_date,lon,lat\n" + rows).encode()
    r = client.post(
        "/api/import/finds",
        files={"file": ("finds.csv", io.BytesIO(csv), "text/csv")},
        data={"background": "true", "dry_run": "true"},
        headers=h,
    )
    assert r.status_code == 202, r.text
    href = r.json()["href"]
    me = client.get("/api/me", headers=h)
    assert me.status_code == 200
    first = client.get(href, headers=h).json()
    assert first["state"] in ("queued", "running")  # answered while the import still runs
    job = _wait(client, h, href)
    assert job["state"] in ("done", "failed"), job
    report = job["report"] or job["error"]["error"]["report"]
    assert report["rows"] == n
