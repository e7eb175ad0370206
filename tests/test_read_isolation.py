"""Read isolation: a role with a row filter never gets another organisation's records.

The authorisation table (test_authorisation.py) checks that an operator gets its own
records; this file checks that it does not get the others', on every read path: the list
(``/api/records/KIND``, also searched by the other's local id), the item, its history and
diff (404, so ids cannot be probed), the review queue, the export, OGC API Features (items
and single items), the map layers and the record pages (HTML).

Role filters checked (``store/access.py`` ``row_filter``, formerly ``web/records.py``
``read_filter``; ``web/ogc.py`` ``_filters``,
``web/maps.py`` ``select_mask``, ``store/queries.py`` for exports):

- operator (of Alpha): activities, tasks and assets by ``organisation_id``; finds by their
  activity's organisation;
- donor (Alpha): funding by ``donor_id``, approved only.

Mutations of today's code that these tests were run against, and fail on (each applied by
hand, then reverted):

- ``read_filter``: the operator's branch for finds returns ``[]`` (no condition): fails
  the finds cases of ``test_operator_list_item_and_pages`` and ``test_review_queue``;
- ``read_filter``: the ``ORG_OWNED`` branch returns ``[]``: fails the activities, tasks and
  assets cases;
- ``read_filter``: the donor branch drops ``donor_id == org`` or ``review_status ==
  "approved"``: fails ``test_donor_reads_only_its_approved_funding``;
- ``features.filters`` (``store/features.py``): the operator's branch removed: fails
  ``test_operator_ogc``;
- ``maps.select_mask``: the operator's mask removed: fails ``test_operator_map_clusters``
  (the features themselves are filtered again in SQL by ``map_layers.feature_rows``;
  clusters are not);
- ``transfer.export``: both of its operator filters dropped (``organisation = own`` and
  ``organisation_id=exact``): fails ``test_operator_export`` (either one alone still holds
  the file to Alpha's records here, Alpha having no subordinate units).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from clearground.store import access
from clearground.store import tables as t
from clearground.store.database import Store
from clearground.store.repository import Registry
from clearground.store.users import add_user, new_token
from clearground.web import maps
from clearground.web.app import create_app
from tests.test_ogc import fill

# Azerbaijan's test area (every fixture's geometry lies inside)
EVERYWHERE = "44,38,51,42"

# kind -> (Alpha's local id, Bravo's local id); the first two come from test_ogc.fill
OWN_OTHER = {
    "activities": ("A1", "A2"),
    "finds": ("FA1", "FA2"),
    "tasks": ("TASK-ALPHA", "TASK-BRAVO"),
    "assets": ("TEAM-ALPHA", "TEAM-BRAVO"),
}


@pytest.fixture
def world(store: Store, monkeypatch: pytest.MonkeyPatch) -> tuple[TestClient, dict[str, Any]]:
    """``fill`` (Alpha and Bravo with A1/A2, FA1/FA2, tokens per role; the operator and the
    donor are Alpha's) plus a task and an asset of each organisation, and funding: Alpha's
    approved, Alpha's draft, Bravo's approved."""
    monkeypatch.setattr(maps, "REFRESH_S", 0.0)  # map indexes see every write at once
    ids = fill(store)
    ok = "approved"
    with store.session() as s:
        reg = Registry(s)
        for org, suffix in ((ids["org_a"], "ALPHA"), (ids["org_b"], "BRAVO")):
            ids[f"TEAM-{suffix}"] = reg.add(
                "assets",
                {
                    "local_id": f"TEAM-{suffix}",
                    "name": f"Manual team {suffix.title()}",
                    "kind": "manual_team",
                    "method": "manual",
                    "organisation_id": org,
                },
                status=ok,
            )
            ids[f"TASK-{suffix}"] = reg.add(
                "tasks",
                {
                    "local_id": f"TASK-{suffix}",
                    "kind": "clearance",
                    "organisation_id": org,
                    "planned_start": dt.date(2024, 5, 1),
                },
                status=ok,
            )
        for lid, donor, status in (
            ("FUND-ALPHA", ids["org_a"], ok),
            ("FUND-ALPHA-DRAFT", ids["org_a"], "draft"),
            ("FUND-BRAVO", ids["org_b"], ok),
        ):
            ids[lid] = reg.add(
                "funding",
                {
                    "local_id": lid,
                    "donor_id": donor,
                    "amount": 1000,
                    "currency": "GBP",
                    "funding_date": dt.date(2022, 2, 1),
                },
                status=status,
            )
    return TestClient(create_app(store.url)), ids


def auth(ids: dict[str, Any], role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {ids['tokens'][role]}"}


def listed(client: TestClient, headers: dict[str, str], kind: str, **params: Any) -> set[str]:
    r = client.get(f"/api/records/{kind}", params={"limit": 1000, **params}, headers=headers)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["total"] == len(body["items"])
    return {i["local_id"] for i in body["items"]}


def words(html: str) -> set[str]:
    """The text tokens of a page (local ids are whole tokens there)."""
    return set(re.findall(r"[A-Za-z0-9_-]+", html))


@pytest.mark.parametrize("kind", sorted(OWN_OTHER))
def test_operator_list_item_and_pages(world: tuple[TestClient, dict[str, Any]], kind: str) -> None:
    """Mutation: ``read_filter`` returning ``[]`` for the operator's ``kind`` (for finds: its
    ``activity_id IN (Alpha's activities)`` condition dropped) fails this test."""
    client, ids = world
    op, admin = auth(ids, "operator"), auth(ids, "admin")
    own, other = OWN_OTHER[kind]
    # the fixture is as meant: an administrator sees both
    assert {own, other} <= listed(client, admin, kind)
    # the list, and a search by the other's local id
    assert listed(client, op, kind) == {own}
    assert listed(client, op, kind, q=other) == set()
    assert listed(client, op, kind, review_status="approved") == {own}
    # the item and its history and diff: 404, as for an id that does not exist
    assert client.get(f"/api/records/{kind}/{ids[own]}", headers=op).status_code == 200
    for path in ("", "/history", "/diff?from=1"):
        r = client.get(f"/api/records/{kind}/{ids[other]}{path}", headers=op)
        assert r.status_code == 404, (path, r.text)
        assert other not in r.text
        assert client.get(f"/api/records/{kind}/{ids[other]}{path}", headers=admin).is_success
    # the record pages: the list page and the record's page
    page = client.get("/records", params={"kind": kind}, headers=op)
    assert page.status_code == 200
    assert own in words(page.text) and other not in words(page.text)
    assert f"/records/{kind}/{ids[other]}" not in page.text
    assert client.get(f"/records/{kind}/{ids[own]}", headers=op).status_code == 200
    r = client.get(f"/records/{kind}/{ids[other]}", headers=op)
    assert r.status_code == 404 and other not in words(r.text)
    assert client.get(f"/records/{kind}/{ids[other]}/edit", headers=op).status_code in (403, 404)


@pytest.mark.parametrize("kind", sorted(OWN_OTHER))
def test_operator_export(world: tuple[TestClient, dict[str, Any]], kind: str) -> None:
    """The export file holds Alpha's records only, and naming Bravo is refused."""
    client, ids = world
    op = auth(ids, "operator")
    own, other = OWN_OTHER[kind]
    admin_file = client.get(f"/api/export/{kind}?format=csv", headers=auth(ids, "admin"))
    assert {own, other} <= {r["local_id"] for r in csv.DictReader(io.StringIO(admin_file.text))}
    r = client.get(f"/api/export/{kind}?format=csv", headers=op)
    assert r.status_code == 200, r.text
    assert {row["local_id"] for row in csv.DictReader(io.StringIO(r.text))} == {own}
    r = client.get(f"/api/export/{kind}?format=geojson", headers=op)
    assert r.status_code == 200, r.text
    assert {f["properties"]["local_id"] for f in r.json()["features"]} == {own}
    refused = client.get(f"/api/export/{kind}?format=csv&organisation=Bravo", headers=op)
    assert refused.status_code == 403
    assert other not in refused.text


def test_review_queue(world: tuple[TestClient, dict[str, Any]]) -> None:
    """The operator's queue of approved records holds none of Bravo's activities, finds or
    tasks. Mutation: ``read_filter`` returning ``[]`` for finds (or for ``ORG_OWNED``) fails
    this test."""
    client, ids = world
    r = client.get("/api/review", params={"status": "approved"}, headers=auth(ids, "operator"))
    assert r.status_code == 200, r.text
    seen = {(i["kind"], i["local_id"]) for i in r.json()}
    for kind in ("activities", "finds", "tasks"):
        own, other = OWN_OTHER[kind]
        assert (kind, own) in seen
        assert (kind, other) not in seen
    page = client.get("/review", params={"status": "approved"}, headers=auth(ids, "operator"))
    assert page.status_code == 200
    assert "FA1" in words(page.text)
    assert not {"A2", "FA2", "TASK-BRAVO"} & words(page.text)


@pytest.mark.parametrize("kind", ["activities", "finds"])
def test_operator_ogc(world: tuple[TestClient, dict[str, Any]], kind: str) -> None:
    """OGC API Features: the operator's collection, its extent and single items are Alpha's."""
    client, ids = world
    op = auth(ids, "operator")
    own, other = OWN_OTHER[kind]
    admin_items = client.get(f"/ogc/collections/{kind}/items", headers=auth(ids, "admin")).json()
    assert {ids[own], ids[other]} <= {f["id"] for f in admin_items["features"]}
    body = client.get(f"/ogc/collections/{kind}/items", params={"limit": 1000}, headers=op).json()
    assert [f["id"] for f in body["features"]] == [ids[own]]
    assert body["numberMatched"] == 1
    # a bbox around the other's record only
    near = client.get(
        f"/ogc/collections/{kind}/items", params={"bbox": "47.4,40.1,47.6,40.3"}, headers=op
    ).json()
    assert near["features"] == [] and near["numberMatched"] == 0
    assert client.get(f"/ogc/collections/{kind}/items/{ids[own]}", headers=op).status_code == 200
    r = client.get(f"/ogc/collections/{kind}/items/{ids[other]}", headers=op)
    assert r.status_code == 404
    assert other not in r.text
    # the extent is that of Alpha's records (H1, near 46.9, 39.9), not Bravo's (47.5, 40.2)
    extent = client.get(f"/ogc/collections/{kind}", headers=op).json()["extent"]
    west, south, east, north = extent["spatial"]["bbox"][0]
    assert east < 47.0 and north < 40.0
    # tasks and assets are not OGC collections at all
    for hidden in ("tasks", "assets", "funding"):
        assert client.get(f"/ogc/collections/{hidden}/items", headers=op).status_code == 404


@pytest.mark.parametrize("kind", ["activities", "finds"])
def test_operator_map(world: tuple[TestClient, dict[str, Any]], kind: str) -> None:
    """The map layer: exact features of Alpha only, at every zoom (features or clusters)."""
    client, ids = world
    op = auth(ids, "operator")
    own, other = OWN_OTHER[kind]

    def layer(headers: dict[str, str], zoom: int, **params: Any) -> dict[str, Any]:
        r = client.get(
            f"/api/map/{kind}", params={"bbox": EVERYWHERE, "zoom": zoom, **params}, headers=headers
        )
        assert r.status_code == 200, r.text
        body: dict[str, Any] = r.json()
        return body

    everyone = layer(auth(ids, "admin"), 14)
    assert {ids[own], ids[other]} <= {f["id"] for f in everyone["features"]}
    for zoom in (6, 14):
        body = layer(op, zoom)
        assert body["exact"] is True and body["numberMatched"] == 1
        assert [f["id"] for f in body["features"]] == [ids[own]]
    # asking for Bravo by name gives nothing, not Bravo's records
    body = layer(op, 14, organisation="Bravo")
    assert body["features"] == [] and body["numberMatched"] == 0


@pytest.mark.parametrize("kind", ["activities", "finds"])
def test_operator_map_clusters(
    world: tuple[TestClient, dict[str, Any]], kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Above ``MAX_FEATURES`` the layer answers grid clusters (count and the members' bounding
    box, read from the index, not through SQL): they count Alpha's record only, and no cluster
    lies at Bravo's (47.5, 40.2). Mutation: the operator's mask in ``maps.select_mask``
    removed fails this test (the features path is guarded again in SQL, the clusters not)."""
    client, ids = world
    monkeypatch.setattr(maps, "MAX_FEATURES", 0)
    r = client.get(
        f"/api/map/{kind}", params={"bbox": EVERYWHERE, "zoom": 10}, headers=auth(ids, "operator")
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["clustered"] is True
    assert body["numberMatched"] == 1
    assert [c["properties"]["count"] for c in body["features"]] == [1]
    west, south, east, north = body["features"][0]["properties"]["bbox"]
    assert east < 47.0 and north < 40.0
    admin = client.get(
        f"/api/map/{kind}", params={"bbox": EVERYWHERE, "zoom": 10}, headers=auth(ids, "admin")
    ).json()
    assert sum(c["properties"]["count"] for c in admin["features"]) >= 2


def test_donor_reads_only_its_approved_funding(world: tuple[TestClient, dict[str, Any]]) -> None:
    """A donor (Alpha) reads Alpha's approved funding: not Bravo's, not Alpha's draft.

    Mutation: the donor's ``read_filter`` without ``donor_id == org`` (or without
    ``review_status == "approved"``) fails this test."""
    client, ids = world
    donor, admin = auth(ids, "donor"), auth(ids, "admin")
    everything = {"FUND-ALPHA", "FUND-ALPHA-DRAFT", "FUND-BRAVO"}
    assert everything <= listed(client, admin, "funding")
    assert listed(client, donor, "funding") == {"FUND-ALPHA"}
    assert listed(client, donor, "funding", q="BRAVO") == set()
    assert listed(client, donor, "funding", review_status="draft") == set()
    assert client.get(f"/api/records/funding/{ids['FUND-ALPHA']}", headers=donor).is_success
    for lid in ("FUND-BRAVO", "FUND-ALPHA-DRAFT"):
        for path in ("", "/history", "/diff?from=1"):
            r = client.get(f"/api/records/funding/{ids[lid]}{path}", headers=donor)
            assert r.status_code == 404, (lid, path, r.text)
        r = client.get(f"/records/funding/{ids[lid]}", headers=donor)
        assert r.status_code == 404 and lid not in words(r.text)
    page = client.get("/records", params={"kind": "funding"}, headers=donor)
    assert page.status_code == 200
    assert words(page.text) & everything == {"FUND-ALPHA"}
    # no other path gives funding to a donor: no export, no OGC collection, no map layer
    assert client.get("/api/export/funding?format=csv", headers=donor).status_code == 403
    assert client.get("/ogc/collections/funding/items", headers=donor).status_code == 404
    r = client.get("/api/map/funding", params={"bbox": EVERYWHERE}, headers=donor)
    assert 400 <= r.status_code < 500 and "FUND" not in r.text  # no such layer
    # and a donor reads no other kind with a filter here
    for kind in OWN_OTHER:
        assert client.get(f"/api/records/{kind}", headers=donor).status_code == 403


def test_users_without_an_organisation_read_no_owned_rows(
    world: tuple[TestClient, dict[str, Any]], store: Store
) -> None:
    """An operator or a donor whose user has lost its organisation (``add_user`` refuses an
    operator without one; here the link is cleared in the database) reads none of the rows
    its filter would give an organisation (not everyone's), and the operator may not write.
    Mutation: ``[false()]`` -> ``[]`` for a user without an organisation in ``read_filter``
    fails this test."""
    client, ids = world
    with store.session() as s:
        tokens = {}
        for role in ("operator", "donor"):
            user = add_user(s, f"orphan_{role}", role, organisation="Alpha", password="pw-o-1")
            tokens[role] = new_token(s, user.id)
            user.organisation_id = None
    op = {"Authorization": f"Bearer {tokens['operator']}"}
    donor = {"Authorization": f"Bearer {tokens['donor']}"}
    for kind, (own, _other) in OWN_OTHER.items():
        assert listed(client, op, kind) == set(), kind
        assert client.get(f"/api/records/{kind}/{ids[own]}", headers=op).status_code == 404
    assert listed(client, op, "hazards")  # a kind without a row filter: read as usual
    assert listed(client, donor, "funding") == set()
    assert client.get(f"/api/records/funding/{ids['FUND-ALPHA']}", headers=donor).status_code == 404
    body = client.get("/ogc/collections/finds/items", headers=op).json()
    assert body["features"] == []
    r = client.post(
        "/api/records/hazards",
        json={"values": {"local_id": "H-ORPHAN", "kind": "SHA"}},
        headers=op,
    )
    assert r.status_code == 403 and "organisation" in r.json()["error"]["message"]


def test_review_rights(world: tuple[TestClient, dict[str, Any]], store: Store) -> None:
    """Only reviewers approve; a manager approves tasks only; an operator approves nothing
    (not even tasks). Mutation: ``who.role == "manager"`` -> ``!=`` in ``check_may_review``
    (every other role approving tasks) fails this test."""
    client, ids = world
    with store.session() as s:
        ids["TASK-WAITING"] = Registry(s).add(
            "tasks",
            {"local_id": "TASK-WAITING", "kind": "clearance", "organisation_id": ids["org_a"]},
            status="submitted",
        )

    def approve(role: str, kind: str, lid: str) -> int:
        r = client.post(
            f"/api/records/{kind}/{ids[lid]}/approve", json={"version": 1}, headers=auth(ids, role)
        )
        return r.status_code

    assert approve("operator", "tasks", "TASK-ALPHA") == 403
    assert approve("manager", "activities", "A1") == 403
    assert approve("donor", "funding", "FUND-ALPHA") == 403
    assert approve("operator", "tasks", "TASK-WAITING") == 403
    assert approve("manager", "tasks", "TASK-WAITING") == 200
    anonymous = client.post(f"/api/records/tasks/{ids['TASK-ALPHA']}/approve", json={})
    assert anonymous.status_code in (401, 403)


def test_an_unknown_kind_is_not_found(world: tuple[TestClient, dict[str, Any]]) -> None:
    """An unknown kind is 404 ``not_found`` for everyone (not 403: nothing to hide)."""
    client, ids = world
    for role in ("admin", "operator", "donor"):
        for path in ("/api/records/nonsense", "/api/records/nonsense/1"):
            r = client.get(path, headers=auth(ids, role))
            assert r.status_code == 404, (role, path)
            assert r.json()["error"]["code"] == "not_found"
            assert r.json()["error"]["field"] == "kind"


def test_edit_rights(world: tuple[TestClient, dict[str, Any]], store: Store) -> None:
    """An operator edits its own drafts; its approved record is 409 ``locked``; another
    organisation's record is 404 (not readable); a manager may not edit at all (403)."""
    client, ids = world
    op = auth(ids, "operator")
    with store.session() as s:
        draft = Registry(s).add(
            "tasks",
            {"local_id": "TASK-ALPHA-DRAFT", "kind": "clearance", "organisation_id": ids["org_a"]},
        )

    def put(headers: dict[str, str], kind: str, rid: int) -> Any:
        return client.put(
            f"/api/records/{kind}/{rid}",
            json={"version": 1, "values": {"description": "edited"}},
            headers=headers,
        )

    assert put(op, "tasks", draft).status_code == 200
    locked = put(op, "tasks", ids["TASK-ALPHA"])
    assert locked.status_code == 409 and locked.json()["error"]["code"] == "locked"
    assert put(op, "tasks", ids["TASK-BRAVO"]).status_code == 404
    assert put(auth(ids, "manager"), "tasks", ids["TASK-ALPHA"]).status_code == 403
    assert put(auth(ids, "im_officer"), "tasks", ids["TASK-BRAVO"]).status_code == 200


def test_an_operators_queue_of_kinds_without_an_organisation_column(
    world: tuple[TestClient, dict[str, Any]],
) -> None:
    """Hazards and accidents belong to the organisation of the user who created them
    (``access.created_by_organisation``): an operator's queue holds its own drafts (version
    1) and its own records edited since (their first version in the history), and no other
    kind's history counts. Mutations: ``table.version == 2`` loses the unedited drafts;
    ``RecordVersion.kind != kind`` lets an edited accident of the operator's bring in the
    centre's hazard that has the same id."""
    client, ids = world
    op, officer = auth(ids, "operator"), auth(ids, "im_officer")
    made = client.post(
        "/api/records/accidents",
        json={
            "values": {
                "local_id": "X-OP",
                "kind": "accident",
                "accident_date": "2023-04-02",
                "geometry": {"type": "Point", "coordinates": [47.31, 40.41]},
            }
        },
        headers=op,
    )
    assert made.status_code == 201, made.text
    accident = made.json()["id"]
    assert accident == ids["H2"], "the scenario needs an accident id equal to a hazard's"
    edited = client.put(
        f"/api/records/accidents/{accident}",
        json={"version": 1, "values": {"description": "checked by the officer"}},
        headers=officer,
    )
    assert edited.status_code == 200, edited.text
    draft = client.post(
        "/api/records/hazards",
        json={
            "values": {
                "local_id": "H-OP",
                "kind": "SHA",
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [[[47.6, 40.6], [47.61, 40.6], [47.61, 40.605], [47.6, 40.6]]],
                },
            }
        },
        headers=op,
    )
    assert draft.status_code == 201, draft.text

    def queue(status: str) -> set[tuple[str, str]]:
        r = client.get("/api/review", params={"status": status}, headers=op)
        assert r.status_code == 200, r.text
        return {(i["kind"], i["local_id"]) for i in r.json()}

    drafts = queue("draft")
    assert ("hazards", "H-OP") in drafts and ("accidents", "X-OP") in drafts  # v1 and edited
    assert ("hazards", "HD") not in drafts  # the centre's draft
    assert ("hazards", "H2") not in queue("approved")  # same id as X-OP, not the operator's


def test_the_authors_of_many_edited_records_are_all_found(store: Store) -> None:
    """``access.author_organisations`` reads the history 500 ids at a time: for 1,201 edited
    records (three chunks, the last of one) every author's organisation is found. Mutation:
    a step of 501 over slices of 500 skips one id per chunk."""
    with store.session() as s:
        reg = Registry(s)
        org = reg.add("organisations", {"local_id": "OC", "name": "Charlie", "kind": "ngo"})
        add_user(s, "charlie_op", "operator", organisation="Charlie")
        s.add_all(
            t.RecordVersion(
                kind="hazards", record_id=i, version=1, data={}, changed_by="charlie_op"
            )
            for i in range(1, 1202)
        )
    with store.session() as s:
        found = access.author_organisations(s, "hazards", list(range(1, 1202)))
    assert found == {i: org for i in range(1, 1202)}
