"""The record pages: lists, a record with its history and actions, the entry form, the review
queue and the import page, in each language and for each role."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from shapely.geometry import box, mapping

from clearground.store.database import Store
from clearground.web.app import create_app
from clearground.web.i18n import LANGUAGES, catalogue
from tests.test_ogc import fill


@pytest.fixture
def web(store: Store) -> tuple[TestClient, dict[str, Any]]:
    ids = fill(store)
    return TestClient(create_app(store.url)), ids


def signed_in(client: TestClient, role: str) -> TestClient:
    csrf = client.get("/login").json()["csrf_token"]
    r = client.post(
        "/login",
        json={"name": f"u_{role}", "password": f"pw-{role}-1"},
        headers={"X-CSRF-Token": csrf},
    )
    assert r.status_code == 200
    return client


def test_every_message_is_in_every_language() -> None:
    for key, texts in catalogue().items():
        assert set(texts) == set(LANGUAGES), key
        assert all(t.strip() for t in texts.values()), key


def test_anonymous_is_sent_to_sign_in_and_donors_are_refused(web: Any) -> None:
    client, _ = web
    for path in ("/records", "/review", "/import", "/records/hazards/new"):
        r = client.get(path, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == f"/signin?next={path}"
    donor = signed_in(client, "donor")
    page = donor.get("/records?kind=hazards")
    assert page.status_code == 403 and 'id="denied"' in page.text
    assert "H1" not in page.text


def test_list_and_record_page_with_history(web: Any) -> None:
    client, ids = web
    officer = signed_in(client, "im_officer")
    token = officer.get("/login").json()["csrf_token"]
    h = {"X-CSRF-Token": token}
    officer.put(
        f"/api/records/hazards/{ids['H1']}",
        json={"version": 1, "values": {"name": "Orchard"}, "note": "named by the team"},
        headers=h,
    )
    listing = officer.get("/records?kind=hazards").text
    for lid in ("H1", "H2", "H3", "HD"):
        assert f'data-local-id="{lid}"' in listing
    page = officer.get(f"/records/hazards/{ids['H1']}").text
    assert 'id="record-status"' in page and 'data-status="approved"' in page
    assert "Orchard" in page and "named by the team" in page
    assert 'id="btn-revert-1"' in page  # reviewers may revert to version 1
    assert 'id="btn-reject"' in page and 'id="btn-approve"' not in page  # already approved


def test_operator_sees_own_organisation_and_its_form(web: Any) -> None:
    client, ids = web
    op = signed_in(client, "operator")
    acts = op.get("/records?kind=activities").text
    assert 'data-local-id="A1"' in acts and 'data-local-id="A2"' not in acts
    form = op.get("/records/hazards/new").text
    for element in ('id="record-form"', 'id="draw-map"', 'id="f-local_id"', 'id="f-kind"'):
        assert element in form
    assert '<option value="CHA"' in form  # the hazard kinds come from the vocabulary
    assert op.get("/records/victims/new").status_code == 403
    # a record made by the operator can be edited by it while a draft
    token = op.get("/login").json()["csrf_token"]
    made = op.post(
        "/api/records/hazards",
        json={
            "values": {
                "local_id": "OP-1",
                "kind": "SHA",
                "geometry": mapping(box(46.95, 40.0, 46.96, 40.005)),
            }
        },
        headers={"X-CSRF-Token": token},
    ).json()
    edit = op.get(f"/records/hazards/{made['id']}/edit").text
    assert 'data-version="1"' in edit and 'value="OP-1"' in edit
    page = op.get(f"/records/hazards/{made['id']}").text
    assert 'id="btn-submit"' in page and 'id="btn-approve"' not in page


def test_review_queue_and_import_page(web: Any) -> None:
    client, ids = web
    officer = signed_in(client, "im_officer")
    queue = officer.get("/review?status=draft").text
    assert 'data-local-id="HD"' in queue and 'data-local-id="H1"' not in queue
    page = officer.get("/import").text
    assert 'id="import-form"' in page and '<option value="victims"' in page
    op = signed_in(TestClient(client.app), "operator")
    assert '<option value="victims"' not in op.get("/import").text


@pytest.mark.parametrize(
    ("lang", "word"), [("en", "History"), ("az", "Tarixçə"), ("ru", "История")]
)
def test_record_page_in_each_language(web: Any, lang: str, word: str) -> None:
    client, ids = web
    officer = signed_in(client, "im_officer")
    page = officer.get(f"/records/hazards/{ids['H2']}?lang={lang}")
    assert page.status_code == 200 and f"<h2>{word}</h2>" in page.text
    assert f'<html lang="{lang}">' in page.text
    # the choice is remembered
    assert f'<html lang="{lang}">' in officer.get("/review").text


def test_the_proposed_local_id_is_free_and_named_by_district(store: Store) -> None:
    """``GET /api/local-id/{kind}``: the kind's letters, the district's (named in any
    spelling, or holding the position given), one more than the highest number taken."""
    from fastapi.testclient import TestClient
    from shapely.geometry import box

    from clearground.store.repository import Registry
    from clearground.web.app import create_app
    from tests.test_ogc import fill

    ids = fill(store)
    with store.session() as s:
        reg = Registry(s, user="u_im_officer")
        for lid in ("HAZ-FUZ-00007", "HAZ-FUZ-00012", "HAZ-FUZ-NOTE"):
            reg.add(
                "hazards",
                {"local_id": lid, "kind": "SHA", "geometry": box(47.1, 39.55, 47.11, 39.56)},
            )
    client = TestClient(create_app(store.url))
    h = {"Authorization": f"Bearer {ids['tokens']['operator']}"}

    def proposed(**params: object) -> dict:
        r = client.get("/api/local-id/hazards", params=params, headers=h)
        assert r.status_code == 200, r.text
        return r.json()

    assert proposed(district="Füzuli")["local_id"] == "HAZ-FUZ-00013"
    at = proposed(lon=47.15, lat=39.60)  # a point in Fuzuli district
    assert (at["local_id"], at["district"]) == ("HAZ-FUZ-00013", "Fuzuli District")
    assert proposed(district="Atlantis")["local_id"] == "HAZ-00001"  # unknown: no district part
    assert proposed()["local_id"] == "HAZ-00001"
    donor = {"Authorization": f"Bearer {ids['tokens']['donor']}"}
    assert client.get("/api/local-id/hazards", headers=donor).status_code == 403


def test_the_form_is_warned_before_saving(store: Store) -> None:
    """Issue 25 item 7: the drawn area 100 times the typed estimate, and an outline over a
    hazard already held, were told only after saving. ``POST /api/records/{kind}/check``
    answers them before, writing nothing."""
    from fastapi.testclient import TestClient
    from shapely.geometry import box, mapping
    from sqlalchemy import func, select

    from clearground.domain.geometry import area_m2
    from clearground.store import tables as t
    from clearground.web.app import create_app
    from tests.test_ogc import H1, fill

    ids = fill(store)
    client = TestClient(create_app(store.url))
    h = {"Authorization": f"Bearer {ids['tokens']['operator']}"}
    over = box(46.905, 39.902, 46.915, 39.905)  # half of it on H1

    def checks(geometry: object, estimate: float | None) -> set[str]:
        values = {"local_id": "HZ-CHK", "kind": "SHA", "geometry": mapping(geometry)}
        if estimate is not None:
            values["estimated_area_m2"] = estimate
        r = client.post("/api/records/hazards/check", json={"values": values}, headers=h)
        assert r.status_code == 200, r.text
        return {i["check"] for i in r.json()["issues"] if i["severity"] == "warning"}

    with store.session() as s:
        before = s.execute(select(func.count()).select_from(t.Hazard)).scalar_one()
    drawn = area_m2(over)
    assert checks(over, drawn / 100) == {"area_against_estimate", "overlapping_hazards"}
    apart = box(47.2, 40.1, 47.21, 40.105)  # far from every hazard of fill()
    assert checks(apart, area_m2(apart) * 2) == set()  # twice the estimate: plausible
    assert checks(apart, area_m2(apart) * 12) == {"area_against_estimate"}
    assert checks(apart, None) == set()
    assert not over.intersection(H1).is_empty
    with store.session() as s:
        assert s.execute(select(func.count()).select_from(t.Hazard)).scalar_one() == before


def test_a_record_page_shows_words_not_codes(store: Store) -> None:
    """Issue 25 item 9: the record page showed stored codes (``destroyed_in_situ``,
    ``mined_area``), a minefield form as a Python dict and timestamps to the microsecond."""
    import re

    from fastapi.testclient import TestClient

    from clearground.store.repository import Registry
    from clearground.web.app import create_app
    from tests.test_ogc import fill

    ids = fill(store)
    client = TestClient(create_app(store.url))
    h = {"Authorization": f"Bearer {ids['tokens']['im_officer']}"}
    with store.session() as s:
        reg = Registry(s, user="u_im_officer")
        hid = reg.add(
            "hazards",
            {
                "local_id": "HZ-WORDS",
                "kind": "SHA",
                "contamination": "mined_area",
                "blockages": ["road", "water"],
                "geometry": box(47.2, 40.1, 47.21, 40.105),
            },
        )
    page = client.get(f"/records/hazards/{hid}", headers=h).text
    cells = dict(re.findall(r'<td data-field="(\w+)">(.*?)</td>', page, flags=re.S))
    assert cells["contamination"] == "mined area"
    assert cells["blockages"] == "road, water"
    assert cells["kind"] == "SHA"
    assert cells["evidence"] == "—"
    stamp = re.search(r">(\d{4}-\d\d-\d\d \d\d:\d\d)</time>", cells["updated_at"])
    assert stamp is not None and "." not in cells["updated_at"].split(">", 1)[1], cells[
        "updated_at"
    ]
