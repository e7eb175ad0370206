"""Review by selection: ``clearground review approve|reject KIND`` with the selection's
filters, one version and one history entry per record, all or none, the same steps as a
single review."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from clearground.domain.errors import WrongStatus
from clearground.store import tables as t
from clearground.store.database import Store
from clearground.store.repository import Registry
from clearground.store.repository.bulk_review import review_many
from tests.conftest import run_cli

# (local id, latitude, longitude): four in Aghdam district, two in Fuzuli
POINTS = [
    ("ACC-A1", 39.99, 46.93),
    ("ACC-A2", 39.98, 46.92),
    ("ACC-A3", 39.97, 46.91),
    ("ACC-A4", 39.96, 46.90),
    ("ACC-F1", 39.60, 47.15),
    ("ACC-F2", 39.58, 47.10),
]


def _file(folder: Path, name: str, rows: list[tuple[str, float, float]]) -> Path:
    path = folder / name
    path.write_text(
        "local_id,kind,accident_date,latitude,longitude\n"
        + "".join(
            f"{lid},incident,2021-06-0{i + 1},{lat},{lon}\n"
            for i, (lid, lat, lon) in enumerate(rows)
        ),
        encoding="utf-8",
    )
    return path


def _review(db: str, *args: str) -> dict:
    proc = run_cli("review", *args, "--db", db, "--json")
    return json.loads(proc.stdout)


def _state(db: str) -> dict[str, tuple[str, int, str | None, str | None]]:
    store = Store(db)
    with store.session() as s:
        rows = s.execute(
            select(
                t.Accident.local_id,
                t.Accident.review_status,
                t.Accident.version,
                t.Accident.updated_by,
                t.Accident.rejection_reason,
            )
        ).all()
    store.dispose()
    return {lid: (status, v, by, reason) for lid, status, v, by, reason in rows}


def _versions(db: str) -> dict[int, int]:
    store = Store(db)
    with store.session() as s:
        rows = s.execute(
            select(t.RecordVersion.record_id, func.count())
            .where(t.RecordVersion.kind == "accidents")
            .group_by(t.RecordVersion.record_id)
        ).all()
    store.dispose()
    return dict(rows)


def test_approve_an_import_by_its_file_then_reject_by_district(db_url: str, tmp_path: Path) -> None:
    first = _file(tmp_path, "first.csv", POINTS[:4] + POINTS[4:5])
    second = _file(tmp_path, "second.csv", POINTS[5:])
    run_cli("import", "accidents", str(first), "--db", db_url)
    run_cli("import", "accidents", str(second), "--db", db_url)

    dry = _review(db_url, "approve", "accidents", "--import", "first.csv", "--dry-run")
    assert (dry["selected"], dry["moved"]) == (5, 0)
    assert {s for s, *_ in _state(db_url).values()} == {"submitted"}

    done = _review(db_url, "approve", "accidents", "--import", "first.csv", "--by", "chief")
    assert (done["selected"], done["moved"]) == (5, 5)
    state = _state(db_url)
    for lid, *_ in POINTS[:5]:
        assert state[lid] == ("approved", 2, "chief", None), lid
    assert state["ACC-F2"] == ("submitted", 1, "import", None)
    assert sorted(_versions(db_url).values()) == [1] * 5  # the replaced version of each, kept
    # nothing left to approve in that file: approving again selects nothing
    assert _review(db_url, "approve", "accidents", "--import", "first.csv")["selected"] == 0

    store = Store(db_url)
    with store.session() as s:
        rid = s.execute(select(t.Accident.id).where(t.Accident.local_id == "ACC-A1")).scalar_one()
        history = Registry(s).history("accidents", rid)
    store.dispose()
    assert [(h["data"]["review_status"], h["changed_by"], h["note"]) for h in history] == [
        ("submitted", "import", "import first.csv"),
        ("approved", "chief", "review: approved"),
    ]

    # reject the approved ones of Aghdam, with a reason; Fuzuli's stay approved
    out = _review(
        db_url,
        "reject",
        "accidents",
        "--approved",
        "--district",
        "Aghdam",
        "--reason",
        "positions to be checked on site",
    )
    assert out["moved"] == 4
    state = _state(db_url)
    for lid, *_ in POINTS[:4]:
        assert state[lid][0:2] == ("rejected", 3)
        assert state[lid][3] == "positions to be checked on site"
    assert state["ACC-F1"][0] == "approved"


def test_a_rejection_needs_a_reason_and_unknown_kinds_are_named(db_url: str) -> None:
    proc = run_cli("review", "reject", "accidents", "--db", db_url, check=False)
    assert proc.returncode == 2 and "--reason" in proc.stderr
    proc = run_cli("review", "approve", "minefields", "--db", db_url, check=False)
    assert proc.returncode == 2 and "unknown kind 'minefields'" in proc.stderr


def test_one_record_that_may_not_take_the_step_stops_them_all(store: Store) -> None:
    """The same state machine as single reviews: a draft cannot be approved; nothing of the
    selection is written then (the transaction is rolled back)."""
    with store.session() as s:
        reg = Registry(s, user="officer")
        ids = [
            reg.add(
                "organisations",
                {"local_id": f"ORG-{i}", "name": f"Team {i}", "kind": "operator"},
                status="submitted",
            )
            for i in range(3)
        ]
        draft = reg.add(
            "organisations", {"local_id": "ORG-D", "name": "Draft team", "kind": "operator"}
        )
    with (
        pytest.raises(WrongStatus, match="a draft record cannot become approved"),
        store.session() as s,
    ):
        review_many(s, "organisations", [*ids, draft], "approved", user="chief")
    with store.session() as s:
        statuses = s.execute(
            select(t.Organisation.review_status, t.Organisation.version).where(
                t.Organisation.id.in_([*ids, draft])
            )
        ).all()
        kept = s.execute(
            select(func.count()).where(t.RecordVersion.kind == "organisations")
        ).scalar_one()
    assert sorted(statuses) == [("draft", 1), ("submitted", 1), ("submitted", 1), ("submitted", 1)]
    assert kept == 0


def _square(i: int) -> Any:
    from shapely.geometry import box

    return box(46.95 + i / 100, 39.95, 46.955 + i / 100, 39.955)


def _token(ids: dict, role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {ids['tokens'][role]}"}


def test_the_api_approves_a_selection_it_has_counted(store: Store) -> None:
    """Reviewers only; the count of a dry run must come back with the write (what is
    approved is what the reviewer was shown); drafts and other kinds stay as they are."""
    from fastapi.testclient import TestClient

    from clearground.web.app import create_app
    from tests.test_ogc import fill

    ids = fill(store)
    with store.session() as s:
        reg = Registry(s, user="officer")
        for i in range(3):
            reg.add(
                "hazards",
                {"local_id": f"HZ-SEL-{i}", "kind": "SHA", "geometry": _square(i)},
                status="submitted",
            )
        reg.add("hazards", {"local_id": "HZ-SEL-D", "kind": "SHA", "geometry": _square(9)})
        submitted = s.execute(
            select(func.count()).where(t.Hazard.review_status == "submitted")
        ).scalar_one()
    client = TestClient(create_app(store.url))
    url = "/api/review/hazards/approve"
    # signed out: refused before anything is read (the CSRF check comes first, 403)
    assert client.post(url, json={"dry_run": True}).status_code in (401, 403)
    for role in ("operator", "manager", "donor"):
        r = client.post(url, json={"dry_run": True}, headers=_token(ids, role))
        assert r.status_code == 403, (role, r.text)
    h = _token(ids, "im_officer")
    dry = client.post(url, json={"dry_run": True}, headers=h).json()
    assert (dry["selected"], dry["moved"]) == (submitted, 0) and submitted >= 3
    r = client.post(url, json={}, headers=h)  # no count: refused, nothing written
    assert r.status_code == 400 and r.json()["error"]["code"] == "expect_missing", r.text
    r = client.post(url, json={"expect": submitted - 1}, headers=h)
    assert r.status_code == 409 and r.json()["error"]["field"] == "expect"
    done = client.post(url, json={"expect": submitted}, headers=h).json()
    assert done["moved"] == submitted
    with store.session() as s:
        left = dict(
            s.execute(
                select(t.Hazard.review_status, func.count()).group_by(t.Hazard.review_status)
            ).all()
        )
    assert "submitted" not in left and left["draft"] >= 1
    # a rejection needs its reason, and a bad district is named
    r = client.post(
        "/api/review/hazards/reject", json={"dry_run": True, "district": "Nowhere"}, headers=h
    )
    assert r.status_code == 400 and r.json()["error"]["field"] == "district"
