"""The REST API for records: entry checked by the intake layer, review workflow, history,
diff, revert and optimistic locking, with who may do what."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from shapely.geometry import box, mapping, shape

from clearground.store.database import Store
from clearground.web.app import create_app
from tests.test_ogc import fill

# 1 km x 0.5 km in Aghdam district (inside Azerbaijan), and the same box in Armenia's Yerevan
INSIDE = box(46.95, 40.00, 46.962, 40.0045)
OUTSIDE = box(44.50, 40.17, 44.51, 40.175)


@pytest.fixture
def api(store: Store) -> tuple[TestClient, dict[str, Any]]:
    ids = fill(store)
    return TestClient(create_app(store.url)), ids


def as_(ids: dict[str, Any], role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {ids['tokens'][role]}"}


def new_hazard(client: TestClient, ids: dict[str, Any], role: str, lid: str) -> Any:
    body = {
        "values": {
            "local_id": lid,
            "kind": "SHA",
            "name": "Field by the road",
            "info_date": "2022-05-01",
            "geometry": mapping(INSIDE),
        }
    }
    return client.post("/api/records/hazards", json=body, headers=as_(ids, role))


def test_draft_submit_reject_correct_resubmit_approve(api: Any) -> None:
    client, ids = api
    made = new_hazard(client, ids, "operator", "HAZ-NEW-1")
    assert made.status_code == 201, made.text
    rid = made.json()["id"]
    assert made.json()["review_status"] == "draft"
    url = f"/api/records/hazards/{rid}"

    # the draft is not public: anonymous and donors get no record API at all
    assert client.get(url).status_code == 401
    assert client.get(url, headers=as_(ids, "donor")).status_code == 403
    got = client.get(url, headers=as_(ids, "im_officer")).json()
    assert got["local_id"] == "HAZ-NEW-1" and got["updated_by"] == "u_operator"
    assert shape(got["geometry"]).equals_exact(INSIDE, 1e-9)
    # area computed from the polygon: ~1.02 km x 0.5 km (cos 40° ≈ 0.766 → 0.012° ≈ 1024 m)
    assert 480_000 < got["area_m2"] < 540_000

    # only the author's organisation submits; the operator may not approve its own work
    sub = client.post(f"{url}/submit", json={"version": 1}, headers=as_(ids, "operator"))
    assert sub.status_code == 200 and sub.json() == {
        "kind": "hazards",
        "id": rid,
        "version": 2,
        "review_status": "submitted",
        "warnings": [],
    }
    no = client.post(f"{url}/approve", json={"version": 2}, headers=as_(ids, "operator"))
    assert no.status_code == 403
    # a submitted record is locked for the operator
    locked = client.put(
        url, json={"version": 2, "values": {"name": "x"}}, headers=as_(ids, "operator")
    )
    assert locked.status_code == 409 and locked.json()["error"]["code"] == "locked"

    # rejection needs a reason
    bare = client.post(f"{url}/reject", json={"version": 2}, headers=as_(ids, "im_officer"))
    assert bare.status_code == 400 and bare.json()["error"]["field"] == "reason"
    rej = client.post(
        f"{url}/reject",
        json={"version": 2, "reason": "the polygon cuts the village; redraw it"},
        headers=as_(ids, "im_officer"),
    )
    assert rej.json()["review_status"] == "rejected"
    queue = client.get("/api/review?status=rejected", headers=as_(ids, "operator")).json()
    assert [(q["local_id"], q["rejection_reason"]) for q in queue] == [
        ("HAZ-NEW-1", "the polygon cuts the village; redraw it")
    ]

    # corrected by the operator: back to draft, then resubmitted, then approved
    smaller = box(46.95, 40.00, 46.956, 40.0045)
    fix = client.put(
        url,
        json={"version": 3, "values": {"geometry": mapping(smaller)}, "note": "redrawn"},
        headers=as_(ids, "operator"),
    )
    assert fix.status_code == 200, fix.text
    assert fix.json()["review_status"] == "draft" and fix.json()["version"] == 4
    client.post(f"{url}/submit", json={"version": 4}, headers=as_(ids, "operator"))
    ok = client.post(f"{url}/approve", json={"version": 5}, headers=as_(ids, "im_officer"))
    assert ok.json()["review_status"] == "approved"

    # the approved hazard now reaches the public OGC layer (coarsened)
    public = client.get("/ogc/collections/hazards/items?limit=100").json()
    assert "HAZ-NEW-1" in [f["properties"]["local_id"] for f in public["features"]]

    history = client.get(f"{url}/history", headers=as_(ids, "im_officer")).json()
    assert [(h["version"], h["changed_by"], h["review_status"]) for h in history] == [
        (1, "u_operator", "draft"),
        (2, "u_operator", "submitted"),
        (3, "u_im_officer", "rejected"),
        (4, "u_operator", "draft"),
        (5, "u_operator", "submitted"),
        (6, "u_im_officer", "approved"),
    ]
    v4 = {c["field"] for c in history[3]["changes"]}
    assert {"geometry", "area_m2", "review_status"} <= v4
    assert history[3]["note"] == "redrawn"
    diff = client.get(f"{url}/diff?from=1&to=4", headers=as_(ids, "im_officer")).json()
    geometry = next(c for c in diff["changes"] if c["field"] == "geometry")
    assert shape(geometry["old"]).equals_exact(INSIDE, 1e-9)
    assert shape(geometry["new"]).equals_exact(smaller, 1e-9)


def test_second_save_on_the_same_version_is_refused_with_the_other_change(api: Any) -> None:
    client, ids = api
    rid = ids["H1"]
    url = f"/api/records/hazards/{rid}"
    first = client.put(
        url,
        json={"version": 1, "values": {"name": "North field"}},
        headers=as_(ids, "im_officer"),
    )
    assert first.status_code == 200 and first.json()["version"] == 2
    second = client.put(
        url,
        json={"version": 1, "values": {"name": "South field", "expected_devices": 12}},
        headers=as_(ids, "admin"),
    )
    assert second.status_code == 409
    err = second.json()["error"]
    assert err["code"] == "stale_version" and err["changed_by"] == "u_im_officer"
    assert err["their_changes"] == [{"field": "name", "old": None, "new": "North field"}]
    assert err["current"]["name"] == "North field" and err["current"]["version"] == 2
    # nothing of the refused save was written
    now = client.get(url, headers=as_(ids, "admin")).json()
    assert (now["name"], now["expected_devices"], now["version"]) == ("North field", None, 2)


def test_revert_makes_an_old_version_current_as_a_new_version(api: Any) -> None:
    client, ids = api
    url = f"/api/records/hazards/{ids['H2']}"
    h = as_(ids, "im_officer")
    client.put(url, json={"version": 1, "values": {"name": "A"}}, headers=h)
    client.put(url, json={"version": 2, "values": {"name": "B"}}, headers=h)
    denied = client.post(
        f"{url}/revert", json={"version": 3, "to_version": 2}, headers=as_(ids, "operator")
    )
    assert denied.status_code == 403
    back = client.post(f"{url}/revert", json={"version": 3, "to_version": 2}, headers=h)
    assert back.status_code == 200 and back.json()["version"] == 4
    assert client.get(url, headers=h).json()["name"] == "A"
    history = client.get(f"{url}/history", headers=h).json()
    assert history[-1]["note"] == "reverted to version 2"
    assert history[-1]["changes"] == [{"field": "name", "old": "B", "new": "A"}]


def test_entry_is_checked_by_the_intake_layer(api: Any) -> None:
    client, ids = api
    h = as_(ids, "im_officer")
    outside = client.post(
        "/api/records/hazards",
        json={"values": {"local_id": "HX", "kind": "SHA", "geometry": mapping(OUTSIDE)}},
        headers=h,
    )
    assert outside.status_code == 400
    assert outside.json()["error"]["field"] == "geometry"
    assert "country" in outside.json()["error"]["message"]
    future = client.post(
        "/api/records/hazards",
        json={
            "values": {
                "local_id": "HF",
                "kind": "SHA",
                "info_date": "2099-01-01",
                "geometry": mapping(INSIDE),
            }
        },
        headers=h,
    )
    assert future.status_code == 400 and future.json()["error"]["field"] == "info_date"
    bad_kind = client.post(
        "/api/records/hazards",
        json={"values": {"local_id": "HK", "kind": "CHAA", "geometry": mapping(INSIDE)}},
        headers=h,
    )
    assert bad_kind.status_code == 400 and bad_kind.json()["error"]["field"] == "kind"
    assert "CHA" in bad_kind.json()["error"]["fix"]
    dup = client.post(
        "/api/records/hazards",
        json={"values": {"local_id": "H1", "kind": "SHA", "geometry": mapping(INSIDE)}},
        headers=h,
    )
    assert dup.status_code == 409
    listed = client.get("/api/records/hazards", headers=h).json()
    assert listed["total"] == 4  # the four of fill(); none of the refused ones


def test_operators_write_only_their_organisation(api: Any) -> None:
    client, ids = api
    op = as_(ids, "operator")  # organisation Alpha: activity A1 is its, A2 is Bravo's
    theirs = client.put(
        f"/api/records/activities/{ids['A2']}",
        json={"version": 1, "values": {"method": "mechanical"}},
        headers=op,
    )
    assert theirs.status_code == 404  # not even visible
    listed = client.get("/api/records/activities", headers=op).json()
    assert [i["local_id"] for i in listed["items"]] == ["A1"]
    approved = client.put(
        f"/api/records/activities/{ids['A1']}",
        json={"version": 1, "values": {"method": "mechanical"}},
        headers=op,
    )
    assert approved.status_code == 409  # approved records are locked for operators
    other = client.post(
        "/api/records/activities",
        json={
            "values": {
                "local_id": "A9",
                "hazard": "H1",
                "kind": "clearance",
                "method": "manual",
                "organisation_id": ids["org_b"],
                "start_date": "2022-01-01",
                "geometry": mapping(box(46.9012, 39.9013, 46.905, 39.904)),
            }
        },
        headers=op,
    )
    assert other.status_code == 403
    assert client.get("/api/records/victims", headers=op).status_code == 403
    assert client.get("/api/records/victims", headers=as_(ids, "manager")).status_code == 403
    victims = client.get("/api/records/victims", headers=as_(ids, "im_officer")).json()
    assert victims["total"] == 1


def test_session_writes_need_the_csrf_token(api: Any) -> None:
    client, ids = api
    csrf = client.get("/login").json()["csrf_token"]
    signed = client.post(
        "/login",
        json={"name": "u_im_officer", "password": "pw-im_officer-1"},
        headers={"X-CSRF-Token": csrf},
    )
    token = signed.json()["csrf_token"]
    url = f"/api/records/hazards/{ids['H3']}"
    body = {"version": 1, "values": {"name": "Hill"}}
    assert client.put(url, json=body).status_code == 403
    assert client.put(url, json=body, headers={"X-CSRF-Token": token}).status_code == 200


def test_an_approval_shows_in_the_public_totals_at_once(api: Any) -> None:
    client, ids = api
    before = client.get("/api/summary").json()["hazards"]
    # fill(): three approved open hazards (H1-H3, each 0.01° x 0.005°) and one draft
    assert (before["recorded"], before["remaining"]) == (3, 3)
    made = new_hazard(client, ids, "im_officer", "HAZ-TOTAL").json()
    url = f"/api/records/hazards/{made['id']}"
    h = as_(ids, "im_officer")
    client.post(f"{url}/submit", json={"version": 1}, headers=h)
    assert client.get("/api/summary").json()["hazards"]["remaining"] == 3  # not yet approved
    client.post(f"{url}/approve", json={"version": 2}, headers=h)
    after = client.get("/api/summary").json()["hazards"]
    assert (after["recorded"], after["remaining"]) == (4, 4)
    added = client.get(url, headers=h).json()["area_m2"]
    assert after["remaining_m2"] == pytest.approx(before["remaining_m2"] + added, abs=0.2)
    page = client.get("/").text
    assert 'id="hazards-remaining">4<' in page


def test_a_minefield_record_entered_as_its_form(api: Any) -> None:
    """The record form (reference point + traverse) is entered; the perimeter is worked out."""
    from tests.test_ogc import record_form

    client, ids = api
    h = as_(ids, "im_officer")
    made = client.post(
        "/api/records/records",
        json={"values": {"local_id": "MR-WEB-1", "laid_date": "1993-06-01", "form": record_form()}},
        headers=h,
    )
    assert made.status_code == 201, made.text
    got = client.get(f"/api/records/records/{made.json()['id']}", headers=h).json()
    # the traverse closes a 200 m x 100 m rectangle: 20,000 m², closed to within centimetres
    assert got["area_m2"] == pytest.approx(20_000, rel=1e-3)
    assert got["closure_error_m"] < 0.05
    assert shape(got["geometry"]).geom_type == "Polygon"
    page = client.get("/records/records/new", headers=h)  # the entry form takes the form too
    assert page.status_code == 200 and 'id="f-form" rows="6" data-json="true"' in page.text
    broken = {**record_form(), "traverse": {"from": "RP9", "legs": []}}
    bad = client.post(
        "/api/records/records",
        json={"values": {"local_id": "MR-WEB-2", "form": broken}},
        headers=h,
    )
    assert bad.status_code == 400 and bad.json()["error"]["record"] == "MR-WEB-2"


def test_a_review_action_on_a_version_that_moved_on_is_stale(api: Any) -> None:
    client, ids = api
    made = new_hazard(client, ids, "operator", "HAZ-STALE").json()
    url = f"/api/records/hazards/{made['id']}"
    op = as_(ids, "operator")
    client.post(f"{url}/submit", json={"version": 1}, headers=op)
    # the officer looked at version 1 (a draft); it is now version 2 (submitted)
    late = client.post(f"{url}/approve", json={"version": 1}, headers=as_(ids, "im_officer"))
    assert late.status_code == 409
    err = late.json()["error"]
    assert err["code"] == "stale_version" and err["changed_by"] == "u_operator"
    assert err["their_changes"] == [{"field": "review_status", "old": "draft", "new": "submitted"}]
    # on the current version, approving a draft is the wrong status, not a stale one
    draft = new_hazard(client, ids, "operator", "HAZ-DRAFT").json()
    wrong = client.post(
        f"/api/records/hazards/{draft['id']}/approve",
        json={"version": 1},
        headers=as_(ids, "im_officer"),
    )
    assert wrong.status_code == 409 and wrong.json()["error"]["code"] == "wrong_status"
