"""The kind registry (issue 18, items 1 and 6): every registered kind goes the whole way —
imported from a file through the web, exported, read through REST and (if it has a
collection) OGC API Features, shown on its record page, and approved — and a throwaway kind,
added as docs/ARCHITECTURE.md "How to add a record kind" says (a table, a descriptor, its
rules; nothing else), is served by import, export, REST, OGC and the record page with the
role rules its descriptor names.

Each test runs on the backend of the run (SQLite or PostGIS).
"""

from __future__ import annotations

import csv
import io
import json
from enum import StrEnum
from typing import Any

import pytest
from fastapi.testclient import TestClient
from shapely.geometry import Point, shape
from sqlalchemy import Integer, MetaData, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from clearground.domain.records import KindSpec
from clearground.store import kinds
from clearground.store import tables as t
from clearground.store.database import Store
from clearground.store.repository import Registry
from clearground.store.types import GeometryType
from clearground.web.app import create_app
from tests.test_ogc import H3, fill, record_form

# One new record of every built-in kind, as a row of a CSV file (geometries as WKT), naming
# the records fill() made (organisation Alpha, hazard H3 untouched by any activity, accident
# X1) and the catalogue's ordnance type TM-62M. Minefield records come as a form file.
ROWS: dict[str, dict[str, Any]] = {
    "locations": {"name": "Kindtown", "kind": "settlement", "wkt": "POINT (47.2 40.3)"},
    "organisations": {"name": "Kind Relief", "kind": "ngo"},
    "assets": {
        "name": "Kind team 1",
        "kind": "manual_team",
        "method": "manual",
        "organisation": "Alpha",
    },
    "ordnance": {"code": "KIND-1", "name": "Kind test mine", "category": "ap_mine"},
    "handovers": {"handover_date": "2021-01-15", "handed_over_by": "Kind handing party"},
    "hazards": {"kind": "SHA", "wkt": "POLYGON ((47.6 40.6, 47.61 40.6, 47.61 40.605, 47.6 40.6))"},
    "activities": {
        "hazard": "H3",
        "kind": "ts",
        "result": "none",
        "method": "manual",
        "organisation": "Alpha",
        "start_date": "2023-08-01",
        "end_date": "2023-08-02",
        "wkt": H3.wkt,
    },
    "finds": {
        "activity": "A1",
        "ordnance": "TM-62M",
        "found_date": "2021-03-20",
        "quantity": "3",
        "wkt": "POINT (46.906 39.903)",
    },
    "accidents": {
        "kind": "accident",
        "accident_date": "2022-11-05",
        "wkt": "POINT (47.312345678 40.412345678)",  # finer than 1e-6 degrees (0.1 m)
    },
    "victims": {"accident": "X1", "status": "civilian", "outcome": "injured", "sex": "female"},
    "funding": {
        "donor": "Alpha",
        "recipient": "Bravo",
        "amount": "1000",
        "currency": "USD",
        "funding_date": "2022-02-01",
    },
    "exchange_rates": {
        "rate_date": "2022-02-01",
        "currency": "GBP",
        "quote_currency": "USD",
        "rate": "1.35",
    },
    "tasks": {"hazard": "H3", "organisation": "Alpha", "kind": "clearance"},
    "monitoring_visits": {  # of the task this test imported just before
        "task": "KIND-tasks",
        "visit_date": "2023-09-12",
        "kind": "routine",
        "result": "satisfactory",
        "minor_findings": "1",
    },
}
REVIEWERS = ("admin", "im_officer")


def _csv(rows: list[dict[str, Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def _file(kind: str, local_id: str) -> tuple[str, bytes, str]:
    if kind == "records":
        form = {"local_id": local_id, "laid_date": "1994-05-01", **record_form()}
        return "form.json", json.dumps({"records": [form]}).encode(), "application/json"
    return f"{kind}.csv", _csv([{"local_id": local_id, **ROWS[kind]}]), "text/csv"


def _auth(ids: dict[str, Any], role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {ids['tokens'][role]}"}


def _through_the_web(
    client: TestClient, ids: dict[str, Any], kind: str, local_id: str, role: str = "im_officer"
) -> dict[str, Any]:
    """Import one record of ``kind`` as ``role``; export, REST, page, approve; its REST form."""
    h = _auth(ids, role)
    name, body, media = _file(kind, local_id)
    done = client.post(f"/api/import/{kind}", files={"file": (name, body, media)}, headers=h)
    assert done.status_code == 200, (kind, done.text)
    assert done.json()["created"] == 1 and done.json()["written"] is True, (kind, done.json())

    exported = client.get(f"/api/export/{kind}", params={"format": "csv"}, headers=h)
    assert exported.status_code == 200, (kind, exported.text)
    assert local_id in {r["local_id"] for r in csv.DictReader(io.StringIO(exported.text))}, kind

    listed = client.get(f"/api/records/{kind}", params={"q": local_id}, headers=h).json()
    assert [i["local_id"] for i in listed["items"]] == [local_id], kind
    item = listed["items"][0]
    assert item["review_status"] == "submitted", kind  # an import arrives for review
    record = client.get(f"/api/records/{kind}/{item['id']}", headers=h).json()
    assert record["local_id"] == local_id and record["id"] == item["id"], kind

    page = client.get(f"/records/{kind}/{item['id']}", headers=h)
    assert page.status_code == 200 and local_id in page.text, kind

    approved = client.post(
        f"/api/records/{kind}/{item['id']}/approve",
        json={"version": record["version"]},
        headers=_auth(ids, "admin"),
    )
    assert approved.status_code == 200, (kind, approved.text)
    again = client.get(f"/api/records/{kind}/{item['id']}", headers=h).json()
    assert again["review_status"] == "approved" and again["version"] == record["version"] + 1
    return again


def _public_points(client: TestClient, collection: str) -> list[dict[str, Any]]:
    return client.get(f"/ogc/collections/{collection}/items", params={"limit": 1000}).json()[
        "features"
    ]


def test_every_registered_kind_goes_the_whole_way(store: Store) -> None:
    """Import, export, REST, OGC (for the kinds with a collection), record page, approval:
    every kind of the registry, so a kind the registry lists and one of these paths misses
    fails here. The CSV rows above are written by hand for each built-in kind; a kind added
    to the registry without a row here fails at once (the key lookup)."""
    ids = fill(store)
    client = TestClient(create_app(store.url))
    assert set(kinds.KINDS) == set(ROWS) | {"records"}, "a kind without a row in this test"
    for kind in kinds.KINDS:
        lid = f"KIND-{kind}"
        record = _through_the_web(client, ids, kind, lid)
        descriptor = kinds.get(kind)
        if descriptor.collection is None:
            assert client.get(f"/ogc/collections/{kind}/items").status_code == 404, kind
            continue
        exact = client.get(
            f"/ogc/collections/{kind}/items/{record['id']}", headers=_auth(ids, "im_officer")
        )
        assert exact.status_code == 200, (kind, exact.text)
        assert exact.json()["properties"]["local_id"] == lid
        # approved: the public sees it, as a point on the 0.1 degree grid, no finer
        public = [f for f in _public_points(client, kind) if f["properties"]["local_id"] == lid]
        assert len(public) == 1, kind
        x, y = public[0]["geometry"]["coordinates"]
        assert (round(x * 10, 9) % 1, round(y * 10, 9) % 1) == (0, 0), (kind, x, y)


def test_a_csv_export_of_every_kind_imports_again_as_unchanged(store: Store) -> None:
    """Clearground's own CSV export, imported again, changes nothing (issue 24, item 6): no
    value is rounded or reshaped on the way out. Before, coordinates were written to 6
    decimals (about 0.1 m), so the accident above, placed to 1e-9 degrees, came back as a
    change. Every kind, its records made by fill() and by the import of its row above."""
    ids = fill(store)
    client = TestClient(create_app(store.url))
    h = _auth(ids, "im_officer")
    for kind in kinds.KINDS:
        name, body, media = _file(kind, f"KIND-{kind}")
        first = client.post(f"/api/import/{kind}", files={"file": (name, body, media)}, headers=h)
        assert first.status_code == 200, (kind, first.text)
    failures = []
    # locations too: the country's own places, seeded by init from geoBoundaries, include
    # two districts named "Lankaran District" (exports give each place's code beside its
    # name) and an offshore settlement 25 km from the outline (accepted with a warning)
    for kind in kinds.KINDS:
        exported = client.get(f"/api/export/{kind}", params={"format": "csv"}, headers=h)
        assert exported.status_code == 200, (kind, exported.text)
        rows = list(csv.DictReader(io.StringIO(exported.text)))
        again = client.post(
            f"/api/import/{kind}",
            files={"file": (f"{kind}-export.csv", exported.content, "text/csv")},
            headers=h,
        )
        if again.status_code != 200:
            failures.append((kind, again.text[:1500]))
            continue
        report = again.json()
        if (report["created"], report["updated"], report["unchanged"]) != (0, 0, len(rows)):
            failures.append((kind, report))
    assert failures == []


def test_victims_are_never_public_and_read_by_reviewers_only(store: Store) -> None:
    """The descriptor's ``public = NEVER`` and ``readers``: no OGC collection, no REST read
    for a manager or an operator, none for anonymous users."""
    ids = fill(store)
    client = TestClient(create_app(store.url))
    assert kinds.get("victims").public is kinds.Public.NEVER
    assert client.get("/ogc/collections/victims/items").status_code == 404
    assert client.get("/api/records/victims").status_code == 401
    for role in ("manager", "operator", "donor", "public"):
        assert client.get("/api/records/victims", headers=_auth(ids, role)).status_code == 403
    assert client.get("/api/records/victims", headers=_auth(ids, "im_officer")).status_code == 200


# --- a throwaway kind, added the way docs/ARCHITECTURE.md says ------------------------------


class Signal(StrEnum):
    """The domain rules of the throwaway kind: its one controlled field."""

    SIGN = "sign"
    FENCE = "fence"


class _ThrowawayBase(DeclarativeBase):
    metadata = MetaData(naming_convention=t.NAMING)


class MarkingSign(t.RecordColumns, t.SpatialColumns, _ThrowawayBase):
    """A hazard marking sign (the throwaway kind): a point, kept by an organisation."""

    __tablename__ = "marking_sign"
    name: Mapped[str] = mapped_column(String(100))
    signal: Mapped[str] = mapped_column(String(20))
    organisation_id: Mapped[int | None] = mapped_column(Integer)
    height_m: Mapped[float | None] = mapped_column()
    geometry: Mapped[Any] = mapped_column(GeometryType, nullable=True)


SIGNS = kinds.Kind(
    "marking_signs",
    "marking sign",
    MarkingSign,  # type: ignore[arg-type]
    KindSpec({"signal": Signal}, "point", True, ("name", "signal", "organisation_id")),
    {"en": "Marking signs", "az": "Nişan lövhələri", "ru": "Предупреждающие знаки"},
    (kinds.Reference("organisation", "organisation_id", "organisations", "name"),),
    owner=kinds.Owner(column="organisation_id"),
    writers=kinds.REVIEWERS | {"operator"},
    public=kinds.Public.COARSE,
    collection=kinds.Collection(
        "Hazard marking signs",
        ("local_id", "name", "signal", "height_m", "review_status"),
        ("local_id", "signal"),
    ),
    units={"height_m": "m"},
    field_labels={"height_m": {"en": "Height (m)", "az": "Hündürlük (m)", "ru": "Высота (м)"}},
    map_layers=(
        kinds.MapLayer("marking_signs", "#00aa88", district=None, organisation="organisation_id"),
    ),
)


@pytest.fixture
def with_signs(store: Store) -> Any:
    """The registry with the throwaway kind, and its table in the test's database."""
    _ThrowawayBase.metadata.create_all(store.engine)
    with kinds.registered(SIGNS):
        yield store


def _sign(local_id: str, organisation: str, lon: float, lat: float) -> dict[str, Any]:
    return {
        "local_id": local_id,
        "name": f"Sign {local_id}",
        "signal": "sign",
        "organisation": organisation,
        "height_m": "1.5",
        "wkt": Point(lon, lat).wkt,
    }


def test_a_kind_added_by_its_descriptor_is_served_everywhere(with_signs: Store) -> None:
    store = with_signs
    ids = fill(store)
    client = TestClient(create_app(store.url))
    a, b = (46.9062, 39.9038), (47.5362, 40.2238)
    assert "marking_signs" not in ROWS  # no row above: the descriptor alone serves it
    ROWS["marking_signs"] = {k: v for k, v in _sign("x", "Alpha", *a).items() if k != "local_id"}
    try:
        mine = _through_the_web(client, ids, "marking_signs", "SIGN-A", role="operator")
    finally:
        del ROWS["marking_signs"]
    assert shape(mine["geometry"]).equals(Point(*a))
    assert mine["organisation_id"] == ids["org_a"] and mine["height_m"] == 1.5

    # the rules of its descriptor: the controlled field is checked, the owner rule holds
    with store.session() as s:
        reg = Registry(s)
        other = reg.add(
            "marking_signs",
            {
                "local_id": "SIGN-B",
                "name": "Bravo's sign",
                "signal": "fence",
                "organisation_id": ids["org_b"],
                "geometry": Point(*b),
            },
            status="approved",
        )
    operator = _auth(ids, "operator")  # an operator of Alpha
    listed = client.get("/api/records/marking_signs", headers=operator).json()
    assert [i["local_id"] for i in listed["items"]] == ["SIGN-A"]
    assert client.get(f"/api/records/marking_signs/{other}", headers=operator).status_code == 404
    staff = client.get("/api/records/marking_signs", headers=_auth(ids, "manager")).json()
    assert {i["local_id"] for i in staff["items"]} == {"SIGN-A", "SIGN-B"}
    bad = client.post(
        "/api/import/marking_signs",
        files={"file": ("s.csv", _csv([{**_sign("SIGN-C", "Alpha", *a), "signal": "flag"}]))},
        headers=_auth(ids, "im_officer"),
    )
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "signal", bad.text

    # OGC: listed among the collections; the public sees approved signs as grid points only
    ids_listed = [c["id"] for c in client.get("/ogc/collections").json()["collections"]]
    assert "marking_signs" in ids_listed
    public = {f["properties"]["local_id"]: f for f in _public_points(client, "marking_signs")}
    assert set(public) == {"SIGN-A", "SIGN-B"}
    assert public["SIGN-A"]["geometry"]["coordinates"] == [46.9, 39.9]
    assert set(public["SIGN-A"]["properties"]) == {"local_id", "signal", "position"}

    # the map: a layer of its own, listed on the page; an operator sees its own signs only
    everywhere = {"bbox": "44,38,51,42", "zoom": 14}
    layer = client.get("/api/map/marking_signs", params=everywhere, headers=operator).json()
    assert [f["properties"]["local_id"] for f in layer["features"]] == ["SIGN-A"]
    staff_layer = client.get(
        "/api/map/marking_signs", params=everywhere, headers=_auth(ids, "manager")
    )
    assert {f["properties"]["local_id"] for f in staff_layer.json()["features"]} == {
        "SIGN-A",
        "SIGN-B",
    }
    by_org = client.get(
        "/api/map/marking_signs",
        params={**everywhere, "organisation": "Bravo"},
        headers=_auth(ids, "manager"),
    ).json()
    assert [f["properties"]["local_id"] for f in by_org["features"]] == ["SIGN-B"]
    page = client.get("/map?lang=ru", headers=operator)
    assert 'value="marking_signs"' in page.text and 'data-colour="#00aa88"' in page.text
    assert "Предупреждающие знаки" in page.text  # the layer is named by its kind's label

    # the record page names the kind in the interface's languages, from the descriptor
    page = client.get(f"/records/marking_signs/{mine['id']}?lang=ru", headers=operator)
    assert page.status_code == 200 and "Предупреждающие знаки" in page.text
    assert "Высота (м)" in page.text  # its own field's label, from the descriptor


def test_the_registry_forgets_the_throwaway_kind(store: Store) -> None:
    """``registered`` adds a kind for its block only; an unknown kind is a clear error."""
    with kinds.registered(SIGNS):
        assert kinds.get("marking_signs") is SIGNS
        with pytest.raises(ValueError, match="registered already"):
            kinds.register(SIGNS)
    assert "marking_signs" not in kinds.KINDS
    client = TestClient(create_app(store.url))
    ids = fill(store)
    r = client.get("/api/records/marking_signs", headers=_auth(ids, "admin"))
    assert r.status_code == 404 and "hazards" in r.json()["error"]["message"]


@pytest.mark.parametrize("name", list(kinds.KINDS))
def test_each_descriptor_names_what_its_table_has(name: str) -> None:
    """A descriptor naming a column its table lacks (a typo in a reference, a date, a
    collection's properties, an owner or donor column) or a kind the registry lacks, or
    without its label in one of the interface's languages, fails here, not on a user's
    request."""
    kind = kinds.get(name)
    columns = set(kind.table.__table__.columns.keys())  # type: ignore[attr-defined]
    assert set(kind.rules.required) <= columns, kind.rules.required
    assert set(kind.rules.enums) <= columns
    for ref in kind.references:
        assert ref.column in columns and ref.target in kinds.KINDS, ref
        target_columns = set(ref.table.__table__.columns.keys())  # type: ignore[attr-defined]
        assert ref.by in target_columns, ref
    for column in (kind.date, kind.owner.column, kind.owner.through, kind.donor_column):
        assert column is None or column in columns, column
    if kind.owner.through is not None:  # the record named must have an organisation column
        target = next(r for r in kind.references if r.column == kind.owner.through).target
        assert kinds.get(target).owner.column is not None
    if kind.collection is not None:
        assert kind.rules.geometry is not None and "geometry" in columns
        shown = set(kind.collection.properties)
        assert shown <= columns and set(kind.collection.public_properties) <= shown
        assert kind.public is kinds.Public.COARSE or not kind.collection.public_properties
    assert set(kind.label) == {"en", "az", "ru"} and all(kind.label.values())
    assert not kind.map_layers or kind.collection is not None  # a layer serves a collection
    for layer in kind.map_layers:
        assert layer.geometry in columns and set(layer.properties or ()) <= columns, layer
        for path in (layer.district, layer.organisation):
            if path is not None and "." in path:
                ref_column, column = path.split(".")
                ref = next(r for r in kind.references if r.column == ref_column)
                assert column in ref.table.__table__.columns, path  # type: ignore[attr-defined]
            else:
                assert path is None or path in columns, path
        if layer.worked_by is not None:
            worker = kinds.get(layer.worked_by)
            assert any(r.target == name for r in worker.references), layer.worked_by
            assert worker.owner.column is not None
        assert layer.label is None or set(layer.label) == {"en", "az", "ru"}
    assert set(kind.units) <= columns
    assert set(kind.field_labels) <= columns | {r.name for r in kind.references}
    assert all(set(texts) == {"en", "az", "ru"} for texts in kind.field_labels.values())
    assert kind.reviewers >= kinds.REVIEWERS and kind.writers >= kinds.REVIEWERS
