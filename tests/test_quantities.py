"""Devices are counted by ``quantity``, not by find records, from the database to ``stats``.

Finds of several devices each (a cluster of 4 PMN-2, 3 E-001 M, 2 TM-62M) are stored
through the registry on the test backend and read back by ``clearground stats --json``; the
expected figures are added up by hand here. Mutation: ``analysis/statistics.py`` ``devices``
counting rows instead of summing ``quantity`` fails this test (AP would be 2, not 7).
"""

from __future__ import annotations

import datetime as dt
import json

from shapely.geometry import Point, box

from clearground.store.database import Store
from clearground.store.repository import Registry
from tests.conftest import run_cli

HAZARD = box(46.90, 39.90, 46.91, 39.905)


def test_stats_devices_sum_quantities(store: Store) -> None:
    with store.session() as s:
        reg = Registry(s)
        reg.add("organisations", {"local_id": "OQ", "name": "Quanta", "kind": "operator"})
        reg.add(
            "hazards",
            {"local_id": "HQ", "kind": "CHA", "geometry": HAZARD, "info_date": dt.date(2022, 1, 1)},
            status="approved",
        )
        reg.add(
            "activities",
            {
                "local_id": "AQ",
                "hazard": "HQ",
                "kind": "clearance",
                "result": "cleared",
                "method": "manual",
                "organisation": "Quanta",
                "start_date": dt.date(2022, 3, 1),
                "end_date": dt.date(2022, 4, 1),
                "geometry": HAZARD,
            },
            status="approved",
        )
        for lid, code, qty, status in (
            ("FQ1", "PMN-2", 4, "approved"),
            ("FQ2", "E-001 M", 3, "approved"),
            ("FQ3", "TM-62M", 2, "approved"),
            ("FQ4", "PMN-2", 10, "draft"),  # not approved: not counted by default
        ):
            reg.add(
                "finds",
                {
                    "local_id": lid,
                    "activity": "AQ",
                    "ordnance": code,
                    "quantity": qty,
                    "found_date": dt.date(2022, 3, 15),
                    "geometry": Point(46.905, 39.902),
                },
                status=status,
            )
    doc = json.loads(run_cli("stats", "--db", store.url, "--json").stdout)
    assert doc["devices"]["ap_mine"] == 4 + 3
    assert doc["devices"]["at_mine"] == 2
    assert doc["devices_total"] == 9
    by_model = {
        (r["category"], r["ordnance"]): r["quantity"] for r in doc["tables"]["devices_by_model"]
    }
    assert by_model == {
        ("ap_mine", "PMN-2"): 4,
        ("ap_mine", "E-001 M"): 3,
        ("at_mine", "TM-62M"): 2,
    }
    everything = json.loads(
        run_cli("stats", "--db", store.url, "--json", "--include-unapproved").stdout
    )
    assert everything["devices"]["ap_mine"] == 4 + 3 + 10
    assert everything["devices_total"] == 19
