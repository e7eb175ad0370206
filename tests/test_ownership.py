"""An operator writes its own organisation's records only, on every path (issue 23, items 2,
7 and 11): imports, API creates and edits; and it reads the same records on every path (API,
OGC, exports).

On the code before: an operator's import naming another organisation's ``local_id`` updated
its approved hazards and accidents and sent them back to ``submitted``; a find could be
attached to another organisation's activity by a string ``activity_id`` or by a PUT on one's
own find; an engineer unit's export held its battalions' activities while the API and OGC gave
none. Each test here failed there.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from shapely.geometry import box, mapping

from clearground.store import kinds
from clearground.store import tables as t
from clearground.store.database import Store
from clearground.store.repository import Registry
from clearground.store.users import add_user, new_token
from clearground.web.app import create_app
from tests.test_ogc import ACCIDENT, FIND_A, H3, H_DRAFT, fill

BRAVO_HAZARD = box(47.40, 40.20, 47.41, 40.205)
ALPHA_HAZARD = box(47.50, 40.20, 47.51, 40.205)


@pytest.fixture
def api(store: Store) -> tuple[TestClient, dict[str, Any]]:
    """The OGC test data, a Bravo operator, and a battalion under Alpha with an activity."""
    ids = fill(store)
    with store.session() as s:
        bravo = add_user(s, "u_bravo", "operator", organisation="Bravo", password="pw-bravo-1")
        ids["tokens"]["bravo"] = new_token(s, bravo.id)
        reg = Registry(s)
        ids["unit"] = reg.add(
            "organisations",
            {
                "local_id": "OA1",
                "name": "Alpha 1st Battalion",
                "kind": "military_unit",
                "parent": "Alpha",
            },
        )
        reg.add(
            "activities",
            {
                "local_id": "A-UNIT",
                "hazard": "H3",
                "kind": "clearance",
                "result": "cleared",
                "method": "manual",
                "organisation_id": ids["unit"],
                "start_date": "2021-05-01",
                "end_date": "2021-06-01",
                "geometry": H3,
            },
            status="approved",
        )
    return TestClient(create_app(store.url)), ids


def as_(ids: dict[str, Any], who: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {ids['tokens'][who]}"}


def _upload(client: TestClient, kind: str, who: dict[str, str], *features: Any) -> Any:
    body = json.dumps({"type": "FeatureCollection", "features": list(features)}).encode()
    return client.post(
        f"/api/import/{kind}",
        files={"file": (f"{kind}.geojson", io.BytesIO(body), "application/geo+json")},
        headers=who,
    )


def _feature(geom: Any, **props: Any) -> dict[str, Any]:
    return {"type": "Feature", "geometry": mapping(geom), "properties": props}


def _hazard(lid: str, geom: Any, name: str = "") -> dict[str, Any]:
    return _feature(geom, local_id=lid, kind="CHA", info_date="2022-04-01", name=name)


def _row(store: Store, kind: str, record_id: int) -> dict[str, Any]:
    with store.session() as s:
        return Registry(s).get(kind, record_id)


def _approve(client: TestClient, ids: dict[str, Any], kind: str, record_id: int) -> None:
    officer = as_(ids, "im_officer")
    current = client.get(f"/api/records/{kind}/{record_id}", headers=officer).json()
    if current["review_status"] == "draft":
        submitted = client.post(
            f"/api/records/{kind}/{record_id}/submit",
            json={"version": current["version"]},
            headers=officer,
        )
        assert submitted.status_code == 200, submitted.text
        current = client.get(f"/api/records/{kind}/{record_id}", headers=officer).json()
    r = client.post(
        f"/api/records/{kind}/{record_id}/approve",
        json={"version": current["version"]},
        headers=officer,
    )
    assert r.status_code == 200, r.text


def _created(client: TestClient, who: dict[str, str], kind: str, values: dict[str, Any]) -> int:
    r = client.post(f"/api/records/{kind}", json={"values": values}, headers=who)
    assert r.status_code == 201 or r.status_code == 200, r.text
    return int(r.json()["id"])


def test_an_import_cannot_overwrite_another_organisations_approved_hazard(
    api: Any, store: Store
) -> None:
    client, ids = api
    bravo_id = _created(
        client,
        as_(ids, "bravo"),
        "hazards",
        {"local_id": "HB-1", "kind": "CHA", "info_date": "2022-04-01", **_geo(BRAVO_HAZARD)},
    )
    _approve(client, ids, "hazards", bravo_id)
    before = _row(store, "hazards", bravo_id)
    r = _upload(client, "hazards", as_(ids, "operator"), _hazard("HB-1", BRAVO_HAZARD, "mine"))
    assert r.status_code == 400, r.text
    err = r.json()["error"]
    assert err["code"] == "import_refused" or err["code"] == "bad_input"
    assert "another organisation" in err["message"] and "HB-1" in err["message"]
    after = _row(store, "hazards", bravo_id)
    assert (after["version"], after["review_status"], after["name"]) == (
        before["version"],
        "approved",
        before["name"],
    )


def test_an_import_cannot_overwrite_records_loaded_by_the_centre(api: Any, store: Store) -> None:
    """H1 and the accident X1 were loaded by the centre (no operator's organisation)."""
    client, ids = api
    accident = _feature(
        ACCIDENT,
        local_id="X1",
        kind="accident",
        accident_date="2022-10-01",
        description="rewritten by an operator",
    )
    r = _upload(client, "accidents", as_(ids, "operator"), accident)
    assert r.status_code == 400, r.text
    assert "X1" in r.json()["error"]["message"]
    x1 = _row(store, "accidents", ids["X1"])
    assert (x1["review_status"], x1["description"]) == (
        "approved",
        "AP mine, two civilians injured",
    )
    h1 = _row(store, "hazards", ids["H1"])
    r = _upload(client, "hazards", as_(ids, "operator"), _hazard("H1", BRAVO_HAZARD))
    assert r.status_code == 400 and _row(store, "hazards", ids["H1"])["version"] == h1["version"]


def test_an_operator_reimports_its_drafts_but_not_its_approved_records(
    api: Any, store: Store
) -> None:
    client, ids = api
    alpha = as_(ids, "operator")
    first = _upload(
        client,
        "hazards",
        alpha,
        _hazard("HA-1", ALPHA_HAZARD, "first"),
        _hazard("HA-2", box(47.60, 40.20, 47.61, 40.205), "first"),
    )
    assert first.status_code == 200 and first.json()["created"] == 2, first.text
    listed = client.get("/api/records/hazards?q=HA-", headers=alpha).json()["items"]
    by_lid = {i["local_id"]: i["id"] for i in listed}
    # a corrected file of records still under the operator's hand: taken
    # (the import submits them, so the IM officer rejects one to give it back)
    officer = as_(ids, "im_officer")
    current = client.get(f"/api/records/hazards/{by_lid['HA-2']}", headers=officer).json()
    rejected = client.post(
        f"/api/records/hazards/{by_lid['HA-2']}/reject",
        json={"version": current["version"], "reason": "wrong outline"},
        headers=officer,
    )
    assert rejected.status_code == 200, rejected.text
    again = _upload(
        client, "hazards", alpha, _hazard("HA-2", box(47.60, 40.20, 47.612, 40.205), "fixed")
    )
    assert again.status_code == 200 and again.json()["updated"] == 1, again.text
    assert _row(store, "hazards", by_lid["HA-2"])["review_status"] == "submitted"
    # an approved one is the centre's now: a changed re-import is refused, nothing written
    _approve(client, ids, "hazards", by_lid["HA-1"])
    before = _row(store, "hazards", by_lid["HA-1"])
    refused = _upload(
        client,
        "hazards",
        alpha,
        _hazard("HA-1", ALPHA_HAZARD, "changed after approval"),
        _hazard("HA-3", box(47.70, 40.20, 47.71, 40.205)),
    )
    assert refused.status_code == 400, refused.text
    assert "HA-1 (approved)" in refused.json()["error"]["message"]
    after = _row(store, "hazards", by_lid["HA-1"])
    assert (after["version"], after["review_status"], after["name"]) == (
        before["version"],
        "approved",
        "first",
    )
    assert client.get("/api/records/hazards?q=HA-3", headers=alpha).json()["total"] == 0
    # the API says the same for the same record
    put = client.put(
        f"/api/records/hazards/{by_lid['HA-1']}",
        json={"version": after["version"], "values": {"name": "changed"}},
        headers=alpha,
    )
    assert put.status_code == 409 and put.json()["error"]["code"] == "locked"


def _geo(geom: Any) -> dict[str, Any]:
    return {"geometry": mapping(geom)}


def _find(lid: str, **values: Any) -> dict[str, Any]:
    return {
        "local_id": lid,
        "ordnance": "TM-62M",
        "found_date": "2021-03-20",
        "geometry": mapping(FIND_A),
        **values,
    }


def test_a_find_cannot_be_attached_to_another_organisations_activity(
    api: Any, store: Store
) -> None:
    client, ids = api
    alpha = as_(ids, "operator")
    for given in ({"activity_id": str(ids["A2"])}, {"activity_id": ids["A2"]}, {"activity": "A2"}):
        r = client.post("/api/records/finds", json={"values": _find("FX", **given)}, headers=alpha)
        assert r.status_code == 403, (given, r.text)
    with store.session() as s:
        assert s.query(t.Find).filter(t.Find.local_id == "FX").count() == 0
    own = _created(client, alpha, "finds", _find("F-OWN", activity="A1"))
    for given in ({"activity_id": str(ids["A2"])}, {"activity": "A2"}):
        r = client.put(
            f"/api/records/finds/{own}", json={"version": 1, "values": given}, headers=alpha
        )
        assert r.status_code == 403, (given, r.text)
    row = _row(store, "finds", own)
    assert (row["activity_id"], row["version"]) == (ids["A1"], 1)
    # and through an import
    imported = _upload(
        client,
        "finds",
        alpha,
        _feature(
            FIND_A,
            local_id="F-IMP",
            activity_id=str(ids["A2"]),
            ordnance="TM-62M",
            found_date="2021-03-21",
        ),
    )
    assert imported.status_code == 400, imported.text
    with store.session() as s:
        assert s.query(t.Find).filter(t.Find.local_id == "F-IMP").count() == 0


def test_an_activity_of_another_organisation_cannot_be_entered_or_moved(api: Any) -> None:
    client, ids = api
    alpha = as_(ids, "operator")
    values = {
        "local_id": "A-MOVE",
        "hazard": "HD",
        "kind": "clearance",
        "result": "cleared",
        "method": "manual",
        "start_date": "2021-03-01",
        "end_date": "2021-04-01",
        "geometry": mapping(H_DRAFT),
    }
    r = client.post(
        "/api/records/activities",
        json={"values": {**values, "organisation": "Bravo"}},
        headers=alpha,
    )
    assert r.status_code == 403, r.text
    own = _created(client, alpha, "activities", values)
    moved = client.put(
        f"/api/records/activities/{own}",
        json={"version": 1, "values": {"organisation": "Bravo"}},
        headers=alpha,
    )
    assert moved.status_code == 403, moved.text


def _local_ids_everywhere(client: TestClient, who: dict[str, str], kind: str) -> list[set[str]]:
    api = client.get(f"/api/records/{kind}?limit=1000", headers=who).json()["items"]
    ogc = client.get(f"/ogc/collections/{kind}/items?limit=1000", headers=who).json()["features"]
    exported = client.get(f"/api/export/{kind}?format=csv", headers=who)
    assert exported.status_code == 200, exported.text
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    return [
        {i["local_id"] for i in api},
        {f["properties"]["local_id"] for f in ogc},
        {r["local_id"] for r in rows},
    ]


@pytest.mark.parametrize("kind", ["activities", "finds"])
def test_an_operator_reads_the_same_records_on_every_path(api: Any, kind: str) -> None:
    """Alpha's battalion's activity A-UNIT is the battalion's: not in Alpha's API answer, OGC
    layer or export (one rule), while an IM officer sees it on each."""
    client, ids = api
    expected = {"activities": {"A1"}, "finds": {"FA1"}}[kind]
    assert _local_ids_everywhere(client, as_(ids, "operator"), kind) == [expected] * 3
    if kind == "activities":
        seen = _local_ids_everywhere(client, as_(ids, "im_officer"), kind)
        assert all("A-UNIT" in s and "A2" in s for s in seen)


def test_whose_a_record_is_one_rule_for_one_row_and_many(store: Store) -> None:
    """``access.owners_of`` (the import guard's, many rows) and ``owner_of`` (the API's, one
    row) are one rule. The expected owners are read off how each record was made, here.

    On the code before, the import guard had its own bulk copy, which differed from
    ``owner_of`` on a find without an activity (see the next test)."""
    from clearground.store import access

    ids = fill(store)
    with store.session() as s:
        add_user(s, "op_alpha", "operator", organisation="Alpha")
        add_user(s, "op_bravo", "operator", organisation="Bravo")
        s.commit()
    with store.session() as s:
        alpha = Registry(s, user="op_alpha")
        own = alpha.add("hazards", {"local_id": "HA", "kind": "SHA", "geometry": H3})
        loose = alpha.add(
            "finds",
            {
                "local_id": "FL",
                "ordnance": "TM-62M",
                "found_date": "2021-05-01",
                "geometry": FIND_A,
            },
        )
        centre = Registry(s, user="system").add(
            "hazards", {"local_id": "HC", "kind": "SHA", "geometry": H3}
        )
        alpha.edit("hazards", centre, 1, {"name": "edited by an operator"})
        bravo_edit = Registry(s, user="op_bravo")
        bravo_edit.edit("hazards", own, 1, {"name": "edited by Bravo"})
        s.commit()
    org_a, org_b = ids["org_a"], ids["org_b"]
    expected = {
        ("hazards", own): org_a,  # created by Alpha's operator; a later editor changes nothing
        ("hazards", centre): None,  # created by the command line: the centre's
        ("finds", loose): None,  # no activity: the centre's (operators read finds by activity)
        ("finds", ids["FA1"]): org_a,  # through activity A1 (Alpha's)
        ("finds", ids["FA2"]): org_b,  # through activity A2 (Bravo's)
        ("activities", ids["A2"]): org_b,  # its organisation column
    }
    with store.session() as s:
        for kind in ("hazards", "finds", "activities"):
            table: Any = kinds.TABLES[kind]
            wanted = [rid for k, rid in expected if k == kind]
            rows = [
                dict(r)
                for r in s.execute(table.__table__.select().where(table.id.in_(wanted))).mappings()
            ]
            many = access.owners_of(s, kind, rows)
            for row in rows:
                assert many[row["id"]] == expected[(kind, row["id"])], (kind, row["local_id"])
                one = access.owner_of(s, kind, row["id"], row)
                assert one == expected[(kind, row["id"])], (kind, row["local_id"])


def test_an_operators_find_must_name_its_activity_on_every_path(api: Any, store: Store) -> None:
    """Operators read finds through their activity (``access.row_filter``), so a find without
    one is the centre's, and an operator may not enter it: neither through the API nor by an
    import. On the code before, the API's rule (``owner_of``) counted such a find as its
    author's and took it, while the import guard's copy refused it; the operator could then
    not even read the find it had entered."""
    client, ids = api
    alpha = as_(ids, "operator")
    r = client.post("/api/records/finds", json={"values": _find("F-LOOSE-API")}, headers=alpha)
    assert r.status_code == 403, r.text
    assert r.json()["error"]["field"] == "activity"
    imported = _upload(
        client,
        "finds",
        alpha,
        _feature(FIND_A, local_id="F-LOOSE-IMP", ordnance="TM-62M", found_date="2021-03-22"),
    )
    assert imported.status_code == 400, imported.text
    with store.session() as s:
        assert s.query(t.Find).filter(t.Find.local_id.like("F-LOOSE%")).count() == 0
    # with its activity it is the operator's, and it reads it back
    _created(client, alpha, "finds", _find("F-LOOSE-API", activity="A1"))
    listed = client.get("/api/records/finds?q=F-LOOSE", headers=alpha).json()
    assert [i["local_id"] for i in listed["items"]] == ["F-LOOSE-API"]
    # an IM officer may record a find without an activity (the centre's)
    officer = as_(ids, "im_officer")
    _created(client, officer, "finds", _find("F-CENTRE"))
