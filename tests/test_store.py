"""The store on the test backend: writes, refusals, versions, history, spatial filters."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
import shapely
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from shapely.geometry import Point, box
from sqlalchemy import event, func, select

from clearground.domain.errors import BadInput, StaleVersion, WrongStatus
from clearground.store import tables as t
from clearground.store.database import Store, include_object
from clearground.store.repository import REVIEW_STEPS, SERVER_SET, Registry, count
from clearground.store.spatial import ids_intersecting

HAZARD = box(46.90, 39.90, 46.91, 39.905)  # inside Aghdam


def add_org(reg: Registry) -> int:
    return reg.add(
        "organisations", {"local_id": "ORG-T", "name": "Test Operator", "kind": "operator"}
    )


def add_hazard(reg: Registry, local_id: str = "HAZ-1", geom=HAZARD) -> int:
    return reg.add(
        "hazards",
        {"local_id": local_id, "kind": "CHA", "geometry": geom, "location": "Agdam District"},
    )


def add_clearance(reg: Registry, org: int, local_id: str, geometry, start: str = "2021-05-01"):
    return reg.add(
        "activities",
        {
            "local_id": local_id,
            "hazard": "HAZ-1",
            "kind": "clearance",
            "result": "cleared",
            "method": "manual",
            "organisation_id": org,
            "start_date": start,
            "geometry": geometry,
        },
    )


def totals(store: Store) -> dict[str, int]:
    with store.session() as s:
        return {k: count(s, k) for k in ("hazards", "activities", "finds", "organisations")} | {
            "versions": s.execute(select(func.count()).select_from(t.RecordVersion)).scalar_one()
        }


def test_migrations_match_the_models(store: Store) -> None:
    with store.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_object": include_object})
        diff = compare_metadata(context, t.Base.metadata)
    assert diff == []
    assert store.is_current()


def test_init_seeded_catalogue_and_districts(store: Store) -> None:
    with store.session() as s:
        codes = set(s.execute(select(t.Ordnance.code)).scalars())
        cats = dict(s.execute(select(t.Ordnance.code, t.Ordnance.category)).all())
        districts = s.execute(
            select(func.count()).select_from(t.Location).where(t.Location.kind == "district")
        ).scalar_one()
    for code in (
        "E-001 M",
        "PMN",
        "PMN-2",
        "PMN-4",
        "POMZ-2M",
        "OZM-72",
        "MON-50",
        "MON-100",
        "TM-57",
        "TM-62M",
        "TM-62P3",
    ):
        assert code in codes
    assert cats["TM-62M"] == "at_mine" and cats["E-001 M"] == "ap_mine"
    assert {cats[c] for c in codes if c.startswith(("UXO", "SUB"))} == {"uxo", "submunition"}
    assert districts == 79  # geoBoundaries AZE ADM2


def test_hazard_area_is_computed_from_its_polygon(store: Store) -> None:
    with store.session() as s:
        hid = add_hazard(Registry(s))
        area = Registry(s).get("hazards", hid)["area_m2"]
    from pyproj import Geod

    expected = abs(Geod(ellps="WGS84").geometry_area_perimeter(HAZARD)[0])
    assert area == pytest.approx(expected, rel=1e-6)


@pytest.mark.parametrize(
    "values, field",
    [
        (
            {
                "geometry": shapely.Polygon(
                    [(46.9, 39.9), (46.91, 39.91), (46.91, 39.9), (46.9, 39.91)]
                )
            },
            "geometry",
        ),
        ({"geometry": shapely.Polygon([(46.9, 39.9), (46.91, 39.9), (46.9, 39.9)])}, "geometry"),
        ({"kind": "XHA"}, "kind"),
        ({"area_m2": 5.0}, "area_m2"),
        ({"status": "done"}, "status"),
        ({"location": "Atlantis"}, "location"),
    ],
)
def test_bad_hazards_are_refused_and_nothing_is_written(store: Store, values, field) -> None:
    before = totals(store)
    with pytest.raises(BadInput) as info, store.session() as s:
        reg = Registry(s)
        add_hazard(reg, "HAZ-OK")  # written in the same transaction, then rolled back
        reg.add("hazards", {"local_id": "HAZ-BAD", "kind": "CHA", "geometry": HAZARD, **values})
    assert info.value.field == field
    assert totals(store) == before


def test_release_beyond_the_hazard_is_refused(store: Store) -> None:
    with store.session() as s:
        reg = Registry(s)
        org = add_org(reg)
        add_hazard(reg)
        add_clearance(reg, org, "ACT-1", box(46.90, 39.90, 46.905, 39.905))
    before = totals(store)
    for geom, reason in (
        (box(46.904, 39.90, 46.908, 39.905), "overlaps"),
        (box(46.905, 39.90, 46.92, 39.905), "outside its hazard"),
    ):
        with pytest.raises(BadInput, match=reason), store.session() as s:
            add_clearance(Registry(s), org, "ACT-2", geom, "2021-06-01")
    assert totals(store) == before


def test_unknown_ordnance_is_refused_with_a_suggestion(store: Store) -> None:
    with store.session() as s:
        reg = Registry(s)
        org = add_org(reg)
        add_hazard(reg)
        add_clearance(reg, org, "ACT-1", HAZARD)
    before = totals(store)
    with pytest.raises(BadInput, match="no ordnance with code 'PMN-3'"), store.session() as s:
        Registry(s).add_many(
            "finds",
            [
                {
                    "local_id": "F-1",
                    "activity": "ACT-1",
                    "ordnance": "PMN-2",
                    "found_date": "2021-05-02",
                    "geometry": Point(46.901, 39.901),
                },
                {
                    "local_id": "F-2",
                    "activity": "ACT-1",
                    "ordnance": "PMN-3",
                    "found_date": "2021-05-02",
                    "geometry": Point(46.902, 39.901),
                },
            ],
        )
    assert totals(store) == before


def test_duplicate_local_id_is_refused(store: Store) -> None:
    with store.session() as s:
        add_hazard(Registry(s))
    with pytest.raises(BadInput, match="exists already"), store.session() as s:
        add_hazard(Registry(s), "HAZ-1", box(46.92, 39.90, 46.93, 39.905))
    with pytest.raises(BadInput, match="given twice"), store.session() as s:
        Registry(s).add_many(
            "hazards",
            [
                {"local_id": "HAZ-2", "kind": "SHA", "geometry": HAZARD},
                {"local_id": "HAZ-2", "kind": "SHA", "geometry": HAZARD},
            ],
        )


def test_edit_twice_lists_three_versions_and_reverts(store: Store) -> None:
    with store.session() as s:
        hid = add_hazard(Registry(s, user="alice"))
    with store.session() as s:
        v2 = Registry(s, user="bob").edit(
            "hazards",
            hid,
            1,
            {"status": "in_work", "geometry": box(46.90, 39.90, 46.92, 39.905)},
            note="widened",
        )
    with store.session() as s:
        v3 = Registry(s, user="bob").set_review_status("hazards", hid, v2, "submitted")
        v4 = Registry(s, user="carol").set_review_status("hazards", hid, v3, "approved")
    assert (v2, v3, v4) == (2, 3, 4)
    with store.session() as s:
        history = Registry(s).history("hazards", hid)
    assert [h["version"] for h in history] == [1, 2, 3, 4]
    assert [h["changed_by"] for h in history] == ["alice", "bob", "bob", "carol"]
    assert [h["data"]["status"] for h in history] == ["open", "in_work", "in_work", "in_work"]
    statuses = [h["data"]["review_status"] for h in history]
    assert statuses == ["draft", "draft", "submitted", "approved"]
    assert history[1]["note"] == "widened"
    areas = [h["data"]["area_m2"] for h in history]
    assert areas[1] == pytest.approx(2 * areas[0], rel=1e-3) and areas[2] == areas[1]
    assert history[0]["data"]["geometry"].equals(HAZARD)
    with store.session() as s:
        v5 = Registry(s, user="dave").revert("hazards", hid, 4, 1)
        now = Registry(s).get("hazards", hid)
    assert v5 == 5
    assert now["geometry"].equals(HAZARD)
    assert now["area_m2"] == pytest.approx(areas[0])
    # the content comes back; the review status is the registry's, not the old version's
    assert now["status"] == "open" and now["review_status"] == "approved"
    assert now["change_note"] == "reverted to version 1"


def test_edit_of_a_stale_version_is_refused(store: Store) -> None:
    with store.session() as s:
        hid = add_hazard(Registry(s))
    with store.session() as s:
        Registry(s, user="first").edit("hazards", hid, 1, {"status": "in_work"})
    with pytest.raises(StaleVersion, match="changed by first") as info, store.session() as s:
        Registry(s, user="second").edit("hazards", hid, 1, {"status": "closed"})
    assert "Reload" in str(info.value)
    with store.session() as s:
        got = Registry(s).get("hazards", hid)
    assert (got["version"], got["status"]) == (2, "in_work")


def test_rejection_needs_a_reason(store: Store) -> None:
    with store.session() as s:
        hid = add_hazard(Registry(s))
        Registry(s).set_review_status("hazards", hid, 1, "submitted")
    with pytest.raises(BadInput, match="needs a reason"), store.session() as s:
        Registry(s).set_review_status("hazards", hid, 2, "rejected")


# Issue 21 item 5 / issue 16 item 1: the registry owns the review state machine and the
# server-set fields. On the code before, set_review_status moved a record from any status to
# any other, and add() took review_status from the values (an operator could create its
# records already approved): every test below failed there.
FORBIDDEN_STEPS = [
    ("draft", "approved"),
    ("draft", "rejected"),
    ("submitted", "draft"),
    ("approved", "draft"),
    ("rejected", "approved"),
]


def _hazard_in(registry: Registry, status: str) -> int:
    return (
        add_hazard(registry)
        if status == "draft"
        else registry.add(
            "hazards",
            {"local_id": f"HAZ-{status}", "kind": "SHA", "geometry": HAZARD},
            status=status,
        )
    )


@pytest.mark.parametrize(("start", "step"), FORBIDDEN_STEPS)
def test_the_registry_refuses_review_steps_the_state_machine_lacks(
    store: Store, start: str, step: str
) -> None:
    with store.session() as s:
        hid = _hazard_in(Registry(s), start)
    refused = pytest.raises(WrongStatus, match=f"{start} record cannot become {step}")
    with refused, store.session() as s:
        Registry(s).set_review_status("hazards", hid, 1, step, reason="r")
    with store.session() as s:
        assert Registry(s).get("hazards", hid)["review_status"] == start


def test_every_allowed_review_step_in_order(store: Store) -> None:
    """draft -> submitted -> rejected -> draft (corrected) -> submitted -> approved ->
    submitted (changed by a re-import) -> approved -> rejected."""
    path = ["submitted", "rejected", "draft", "submitted", "approved", "submitted", "approved"]
    with store.session() as s:
        reg = Registry(s)
        hid = add_hazard(reg)
        version = 1
        for step in [*path, "rejected"]:
            version = reg.set_review_status("hazards", hid, version, step, reason="why")
            row = reg.get("hazards", hid)
            assert row["review_status"] == step
            assert row["rejection_reason"] == ("why" if step == "rejected" else None)
    assert set(REVIEW_STEPS) == {"draft", "submitted", "approved", "rejected"}


@pytest.mark.parametrize("field", SERVER_SET)
def test_server_set_fields_are_never_taken_from_values(store: Store, field: str) -> None:
    forged = {
        "id": 999,
        "version": 7,
        "review_status": "approved",
        "rejection_reason": "forged",
        "updated_by": "someone-else",
        "updated_at": dt.datetime(2000, 1, 1),
    }[field]
    with store.session() as s:
        reg = Registry(s, user="alice")
        with pytest.raises(BadInput, match=f"{field} is set by Clearground"):
            reg.add(
                "hazards", {"local_id": "HAZ-F", "kind": "SHA", "geometry": HAZARD, field: forged}
            )
        hid = add_hazard(reg)
        with pytest.raises(BadInput, match=f"{field} is set by Clearground"):
            reg.edit("hazards", hid, 1, {field: forged})
        row = reg.get("hazards", hid)
    assert (row["version"], row["review_status"], row["updated_by"]) == (1, "draft", "alice")
    assert row["rejection_reason"] is None


def test_bbox_query_matches_brute_force(store: Store) -> None:
    rng = np.random.default_rng(7)
    x = rng.uniform(46.5, 47.2, 300)
    y = rng.uniform(39.5, 40.1, 300)
    w = rng.uniform(0.001, 0.02, 300)
    polys = [box(a, b, a + c, b + c) for a, b, c in zip(x, y, w, strict=True)]
    with store.session() as s:
        ids = Registry(s).add_many(
            "hazards",
            [{"local_id": f"H{i}", "kind": "SHA", "geometry": p} for i, p in enumerate(polys)],
        )
    query = (46.7, 39.7, 46.9, 39.8)
    expected = sorted(i for i, p in zip(ids, polys, strict=True) if p.intersects(box(*query)))
    statements: list[str] = []

    def capture(conn, cursor, statement, *args) -> None:  # noqa: ANN001
        statements.append(statement)

    event.listen(store.engine, "before_cursor_execute", capture)
    try:
        with store.session() as s:
            got = ids_intersecting(s, "hazards", query)
    finally:
        event.remove(store.engine, "before_cursor_execute", capture)
    assert got == expected and len(expected) > 5
    sql = " ".join(statements)
    if store.dialect == "postgresql":
        assert "&&" in sql and "ST_MakeEnvelope" in sql
    else:
        assert "rtree_hazard" in sql


def test_edit_keeps_the_rtree_in_step(store: Store) -> None:
    with store.session() as s:
        hid = add_hazard(Registry(s))
    far = box(47.1, 40.1, 47.11, 40.105)
    with store.session() as s:
        Registry(s).edit("hazards", hid, 1, {"geometry": far})
    with store.session() as s:
        assert ids_intersecting(s, "hazards", HAZARD.bounds) == []
        assert ids_intersecting(s, "hazards", far.bounds) == [hid]


def test_the_spatial_indexes_stay_in_step_after_every_migration(store: Store) -> None:
    """A migration that copies a table anew (SQLite's batch mode, as 0006 does to accidents)
    drops the triggers that keep its R*Tree in step: every spatial table keeps its index
    (three triggers on SQLite, a GiST index on PostGIS), and an accident written now is found
    by the box search."""
    from sqlalchemy import text

    spatial = ("location", "minefield_record", "hazard", "activity", "find", "accident")
    with store.session() as s:
        if store.dialect == "postgresql":
            names = set(s.execute(text("SELECT indexname FROM pg_indexes")).scalars())
            assert {f"ix_{n}_geometry" for n in spatial} <= names
        else:
            triggers = set(
                s.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")).scalars()
            )
            want = {f"rtree_{n}_{w}" for n in spatial for w in ("insert", "update", "delete")}
            assert want <= triggers, sorted(want - triggers)
    x, y = 47.3137, 40.1713
    with store.session() as s:
        rid = Registry(s).add(
            "accidents", {"local_id": "ACC-IX", "kind": "incident", "geometry": Point(x, y)}
        )
    with store.session() as s:
        assert ids_intersecting(s, "accidents", (x - 1e-4, y - 1e-4, x + 1e-4, y + 1e-4)) == [rid]


def test_funding_and_rates_keep_exact_decimals(store: Store) -> None:
    with store.session() as s:
        reg = Registry(s)
        donor = reg.add("organisations", {"local_id": "D", "name": "Donor", "kind": "donor"})
        fid = reg.add(
            "funding",
            {
                "local_id": "F",
                "donor_id": donor,
                "amount": "400000.00",
                "currency": "EUR",
                "funding_date": dt.date(2021, 6, 1),
            },
        )
        got = reg.get("funding", fid)
    assert str(got["amount"]) == "400000.00"


def test_a_hazards_blockages_are_of_the_vocabulary(store: Store) -> None:
    """Blockages were a free JSON list: 'farmland' or a typo was kept, and the priority
    score, which counts the known ones only, silently lost it. Each item is now checked; text
    with commas is read as a list; repeats are kept once."""
    with store.session() as s:
        reg = Registry(s)
        hid = reg.add(
            "hazards",
            {
                "local_id": "HAZ-BL",
                "kind": "SHA",
                "geometry": HAZARD,
                "blockages": "Road, water; road",
            },
        )
        assert reg.get("hazards", hid)["blockages"] == ["road", "water"]
        with pytest.raises(BadInput) as info:
            reg.add(
                "hazards",
                {
                    "local_id": "HAZ-BL2",
                    "kind": "SHA",
                    "geometry": HAZARD,
                    "blockages": ["road", "farmland"],
                },
            )
    assert info.value.field == "blockages" and info.value.value == "farmland"
    assert "agriculture" in (info.value.fix or "")
