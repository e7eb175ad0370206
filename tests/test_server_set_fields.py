"""What the server sets is never taken from input (issue 16, item 1): every writing operation
of the OpenAPI document, sent every server-set field with a forged value.

On the code before, ``POST /api/records/hazards`` as an operator with ``"review_status":
"approved"`` in ``values`` created the record already approved (served at once to anonymous
users through OGC), and a forged rejection was stored as given: the create tests here failed.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from shapely.geometry import box, mapping

from clearground.store.database import Store
from clearground.store.repository import SERVER_SET
from clearground.web.app import create_app
from tests.test_ogc import fill

FORGED: dict[str, Any] = {
    "id": 424242,
    "version": 99,
    "review_status": "approved",
    "rejection_reason": "forged review",
    "updated_by": "someone_else",
    "updated_at": "2001-01-01T00:00:00",
}
assert set(FORGED) == set(SERVER_SET)

COVERED = {
    ("post", "/api/records/{kind}"),
    ("put", "/api/records/{kind}/{record_id}"),
    ("post", "/api/records/{kind}/{record_id}/submit"),
    ("post", "/api/records/{kind}/{record_id}/approve"),
    ("post", "/api/records/{kind}/{record_id}/reject"),
    ("post", "/api/records/{kind}/{record_id}/revert"),
    ("post", "/api/import/{kind}"),
    ("post", "/api/review/{kind}/{step}"),
}
NOT_RECORD_WRITES = {
    ("post", "/login"),
    ("post", "/logout"),
    ("post", "/api/records/{kind}/check"),  # checks values, writes nothing (test_record_pages)
}
"""Operations by POST that write no record (sign-in writes a session; the form's check
writes nothing)."""


@pytest.fixture
def api(store: Store) -> tuple[TestClient, dict[str, Any]]:
    ids = fill(store)
    return TestClient(create_app(store.url)), ids


def _as(ids: dict[str, Any], role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {ids['tokens'][role]}"}


def _values(n: int) -> dict[str, Any]:
    return {
        "local_id": f"SRV-{n}",
        "kind": "SHA",
        "info_date": "2022-05-01",
        "geometry": mapping(box(47.2 + n * 0.01, 40.1, 47.205 + n * 0.01, 40.105)),
    }


def test_every_writing_operation_is_covered_here(api: Any) -> None:
    client, _ = api
    doc = client.get("/openapi.json").json()
    writes = {
        (method, path)
        for path, ops in doc["paths"].items()
        for method in ops
        if method in ("post", "put", "patch", "delete")
    }
    assert writes - NOT_RECORD_WRITES == COVERED, "a new writing route: add it to this test"


@pytest.mark.parametrize("field", SERVER_SET)
@pytest.mark.parametrize("role", ["operator", "im_officer"])
def test_create_refuses_every_server_set_field(api: Any, field: str, role: str) -> None:
    client, ids = api
    values = {**_values(1), field: FORGED[field]}
    r = client.post("/api/records/hazards", json={"values": values}, headers=_as(ids, role))
    assert r.status_code == 400, r.text
    assert r.json()["error"]["field"] == field
    listed = client.get("/api/records/hazards?q=SRV-1", headers=_as(ids, "admin")).json()
    assert listed["total"] == 0
    # the public never sees it (the self-approved record was served through OGC)
    public = client.get("/ogc/collections/hazards/items").json()
    assert all(f["properties"].get("local_id") != "SRV-1" for f in public["features"])


def test_a_new_record_starts_as_a_draft_or_submitted(api: Any) -> None:
    client, ids = api
    h = _as(ids, "operator")
    draft = client.post("/api/records/hazards", json={"values": _values(2)}, headers=h).json()
    sent = client.post(
        "/api/records/hazards", json={"values": _values(3), "submit": True}, headers=h
    ).json()
    assert (draft["review_status"], sent["review_status"]) == ("draft", "submitted")
    for made in (draft, sent):
        row = client.get(f"/api/records/hazards/{made['id']}", headers=h).json()
        assert row["version"] == 1 and row["updated_by"] == "u_operator"


@pytest.mark.parametrize("field", SERVER_SET)
def test_edit_refuses_every_server_set_field(api: Any, field: str) -> None:
    client, ids = api
    h = _as(ids, "im_officer")
    made = client.post("/api/records/hazards", json={"values": _values(4)}, headers=h).json()
    url = f"/api/records/hazards/{made['id']}"
    r = client.put(url, json={"version": 1, "values": {field: FORGED[field]}}, headers=h)
    assert r.status_code == 400, r.text
    assert r.json()["error"]["field"] == field
    row = client.get(url, headers=h).json()
    assert (row["version"], row["review_status"], row["updated_by"]) == (1, "draft", "u_im_officer")


@pytest.mark.parametrize(
    ("action", "start", "end"),
    [
        ("submit", "draft", "submitted"),
        ("approve", "submitted", "approved"),
        ("reject", "submitted", "rejected"),
    ],
)
def test_review_actions_take_no_server_set_field_from_the_body(
    api: Any, action: str, start: str, end: str
) -> None:
    client, ids = api
    h = _as(ids, "im_officer")
    made = client.post(
        "/api/records/hazards",
        json={"values": _values(5), "submit": start == "submitted"},
        headers=h,
    ).json()
    url = f"/api/records/hazards/{made['id']}"
    body = {**FORGED, "version": 1, "reason": "redraw", "review_status": "approved"}
    if action == "approve":
        body["review_status"] = "rejected"
    r = client.post(f"{url}/{action}", json=body, headers=h)
    assert r.status_code == 200, r.text
    row = client.get(url, headers=h).json()
    assert row["review_status"] == end
    assert row["version"] == 2 and row["updated_by"] == "u_im_officer" and row["id"] == made["id"]
    assert row["rejection_reason"] == ("redraw" if end == "rejected" else None)
    stamped = dt.datetime.fromisoformat(row["updated_at"])
    assert stamped.year >= 2026


def test_revert_brings_content_back_not_the_review_status(api: Any) -> None:
    client, ids = api
    h = _as(ids, "im_officer")
    made = client.post("/api/records/hazards", json={"values": _values(6)}, headers=h).json()
    url = f"/api/records/hazards/{made['id']}"
    assert (
        client.put(url, json={"version": 1, "values": {"name": "B"}}, headers=h).status_code == 200
    )
    assert client.post(f"{url}/submit", json={"version": 2}, headers=h).status_code == 200
    assert client.post(f"{url}/approve", json={"version": 3}, headers=h).status_code == 200
    r = client.post(f"{url}/revert", json={**FORGED, "version": 4, "to_version": 1}, headers=h)
    assert r.status_code == 200, r.text
    row = client.get(url, headers=h).json()
    assert row["name"] in (None, "") and row["review_status"] == "approved" and row["version"] == 5


def test_an_import_ignores_server_set_columns_with_a_warning(api: Any) -> None:
    client, ids = api
    h = _as(ids, "operator")
    values = _values(7)
    feature = {
        "type": "Feature",
        "geometry": values.pop("geometry"),
        "properties": {**values, **FORGED},
    }
    doc = json.dumps({"type": "FeatureCollection", "features": [feature]}).encode()
    r = client.post(
        "/api/import/hazards", files={"file": ("h.geojson", io.BytesIO(doc))}, headers=h
    )
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["created"] == 1
    assert "ignored_columns" in report["warned_by_reason"]
    listed = client.get("/api/records/hazards?q=SRV-7", headers=h).json()["items"]
    assert len(listed) == 1
    row = client.get(f"/api/records/hazards/{listed[0]['id']}", headers=h).json()
    assert row["id"] != FORGED["id"]
    assert (row["version"], row["review_status"], row["updated_by"]) == (
        1,
        "submitted",
        "u_operator",
    )
    assert row["rejection_reason"] is None
    assert dt.datetime.fromisoformat(row["updated_at"]).year >= 2026


@pytest.mark.parametrize("field", SERVER_SET)
def test_review_by_selection_takes_no_server_set_field(api: Any, field: str) -> None:
    """The selection's body names filters and a count only: a forged field is refused (400,
    naming it) and nothing moves."""
    client, ids = api
    h = _as(ids, "im_officer")
    made = client.post(
        "/api/records/hazards", json={"values": _values(6), "submit": True}, headers=h
    ).json()
    body = {"expect": 1, field: FORGED[field]}
    r = client.post("/api/review/hazards/approve", json=body, headers=h)
    assert r.status_code == 400 and r.json()["error"]["field"] == field, r.text
    row = client.get(f"/api/records/hazards/{made['id']}", headers=h).json()
    assert (row["version"], row["review_status"]) == (1, "submitted")
