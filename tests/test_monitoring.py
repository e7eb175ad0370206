"""Monitoring visits (IMAS 07.40; issue 13, item 3, in part): the first kind added through the
kind registry. Its rules (``domain/monitoring.py``): finding counts are not negative, a
critical finding means the work was suspended, a major one that the visit was not
satisfactory. Its descriptor: the authority's IM staff write and review visits; an operator
reads the visits to its own organisation's tasks only; the public sees none.
"""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from fastapi.testclient import TestClient

from clearground.domain.errors import BadInput
from clearground.domain.monitoring import check_visit
from clearground.store import kinds
from clearground.store.database import Store
from clearground.store.repository import Registry
from clearground.web.app import create_app
from tests.test_ogc import fill


@pytest.mark.parametrize(
    ("counts", "result", "field"),
    [
        ({"critical_findings": 1}, "corrective_action", "result"),
        ({"critical_findings": 2, "major_findings": 1}, "satisfactory", "result"),
        ({"major_findings": 1}, "satisfactory", "result"),
        ({"minor_findings": -1}, "satisfactory", "minor_findings"),
        ({"critical_findings": -3}, "work_suspended", "critical_findings"),
    ],
)
def test_findings_limit_the_result(counts: dict[str, int], result: str, field: str) -> None:
    with pytest.raises(BadInput) as err:
        check_visit({**counts, "result": result}, "MV-1")
    assert err.value.field == field and err.value.record == "MV-1"


@pytest.mark.parametrize(
    ("counts", "result"),
    [
        ({}, "satisfactory"),
        ({"minor_findings": 4}, "satisfactory"),
        ({"major_findings": 1}, "corrective_action"),
        ({"major_findings": 1, "minor_findings": 2}, "work_suspended"),
        ({"critical_findings": 1}, "work_suspended"),
        ({"critical_findings": None, "major_findings": 0}, "satisfactory"),
    ],
)
def test_results_the_findings_allow(counts: dict[str, Any], result: str) -> None:
    check_visit({**counts, "result": result})  # raises nothing


def _task(store: Store, ids: dict[str, Any], lid: str, organisation: int) -> int:
    with store.session() as s:
        return Registry(s).add(
            "tasks",
            {"local_id": lid, "hazard": "H3", "organisation_id": organisation, "kind": "clearance"},
            status="approved",
        )


def _visit(lid: str, task: str, **values: Any) -> dict[str, Any]:
    return {
        "local_id": lid,
        "task": task,
        "visit_date": "2023-09-12",
        "kind": "routine",
        "result": "satisfactory",
        **values,
    }


def test_visits_through_the_registry_and_the_api(store: Store) -> None:
    ids = fill(store)
    _task(store, ids, "T-A", ids["org_a"])
    _task(store, ids, "T-B", ids["org_b"])
    client = TestClient(create_app(store.url))
    officer = {"Authorization": f"Bearer {ids['tokens']['im_officer']}"}
    operator = {"Authorization": f"Bearer {ids['tokens']['operator']}"}  # Alpha's

    made = client.post(
        "/api/records/monitoring_visits",
        json={"values": _visit("MV-A", "T-A", minor_findings=2, monitor="QA team 3")},
        headers=officer,
    )
    assert made.status_code == 201, made.text
    refused = client.post(
        "/api/records/monitoring_visits",
        json={"values": _visit("MV-X", "T-A", critical_findings=1)},
        headers=officer,
    )
    assert refused.status_code == 400 and refused.json()["error"]["field"] == "result"
    with store.session() as s:
        Registry(s).add(
            "monitoring_visits",
            {**_visit("MV-B", "T-B", major_findings=1, result="corrective_action")},
            status="approved",
        )
        with pytest.raises(BadInput):  # the registry itself refuses it, whatever the path
            Registry(s).add("monitoring_visits", _visit("MV-Y", "T-B", major_findings=2))

    # the descriptor's rules: operators read their own tasks' visits and write none
    seen = client.get("/api/records/monitoring_visits", headers=operator).json()
    assert [i["local_id"] for i in seen["items"]] == ["MV-A"]
    write = client.post(
        "/api/records/monitoring_visits", json={"values": _visit("MV-O", "T-A")}, headers=operator
    )
    assert write.status_code == 403
    every = client.get("/api/records/monitoring_visits", headers=officer).json()
    assert {i["local_id"] for i in every["items"]} == {"MV-A", "MV-B"}
    assert client.get("/api/records/monitoring_visits").status_code == 401
    assert client.get("/ogc/collections/monitoring_visits/items").status_code == 404

    visit = client.get(f"/api/records/monitoring_visits/{made.json()['id']}", headers=officer)
    assert visit.json()["visit_date"] == "2023-09-12" and visit.json()["minor_findings"] == 2

    page = client.get(f"/records/monitoring_visits/{made.json()['id']}?lang=az", headers=officer)
    assert page.status_code == 200
    assert "Monitorinq səfərləri" in page.text and "Səfər tarixi" in page.text  # its labels

    # a period filters on the visit's date (both visits are of 2023-09-12)
    def exported(**period: str) -> set[str]:
        got = client.get(
            "/api/export/monitoring_visits", params={"format": "csv", **period}, headers=officer
        )
        assert got.status_code == 200, got.text
        return {r["local_id"] for r in csv.DictReader(io.StringIO(got.text))}

    assert kinds.get("monitoring_visits").date == "visit_date"
    assert exported(until="2023-09-12") == {"MV-A", "MV-B"}
    assert exported(**{"from": "2023-09-13"}) == set()
