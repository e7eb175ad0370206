"""Writing the demo's records: handed-over records, hazards, tasks, activities, finds, funding.

The finds are drawn from the truth inside the strips cleared; land is only released where no
device is left.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import numpy as np
import shapely
from shapely.geometry import Point

from clearground.scenario import layout as lay
from clearground.scenario.azerbaijan.facts import (
    ANAMA,
    AS_OF,
    BATTALIONS,
    CONTRACTORS,
    START,
)
from clearground.scenario.azerbaijan.state import ScenarioState, _in_box, lay_short


class Writing(ScenarioState):
    """Writes the planned ground and its work through the registry."""

    def write_records_and_hazards(self) -> None:
        self.say("minefield records")
        rec_rows = [
            {k: v for k, v in r.items() if k != "handover"}
            | {"handover_id": self.handover_ids[r["handover"]]}
            for r in self.records
        ]
        rec_ids = self.reg.add_many("records", rec_rows, status="approved")
        self.say("hazards")
        rows = []
        for i, plan in enumerate(self.plans):
            district = plan.cell.district
            status = "closed" if plan.done else "open"
            contamination = {
                "record": "mined_area",
                "unrecorded": "mined_area",
                "battle": "battle_area",
                "empty": "battle_area",
                "new_laying": "mined_area",
            }[plan.kind]
            kind = "CHA" if plan.kind in ("record", "new_laying") else "SHA"
            info = dt.date(2021, 6, 20) if plan.kind == "record" else START
            if plan.kind == "new_laying":
                info = dt.date(2022, 9, 14)
            blockages = list(
                self.rng.choice(
                    ["road", "agriculture", "housing", "water", "infrastructure"],
                    int(self.rng.integers(0, 3)),
                    replace=False,
                )
            )
            rows.append(
                {
                    "local_id": f"HAZ-{lay_short(district)[:3].upper()}-{i + 1:05d}",
                    "kind": kind,
                    "status": status,
                    "contamination": contamination,
                    "name": f"{lay_short(district)} {kind} {i + 1}",
                    "location_id": self.district_ids[district],
                    "minefield_record_id": rec_ids[plan.record]
                    if plan.record is not None
                    else None,
                    "evidence": {
                        "record": "handed-over minefield record",
                        "unrecorded": "accidents and local informants",
                        "battle": "former front line, shelling reported",
                        "empty": "former front line, no direct evidence",
                        "new_laying": "mines found after September 2022",
                    }[plan.kind],
                    "blockages": blockages,
                    "info_date": info,
                    "reported_by": "ANAMA non-technical survey",
                    # the union of the strips' lon/lat polygons, so every strip lies inside it
                    "geometry": shapely.union_all([lay.to_lonlat(p) for p, _k, _r in plan.pieces]),
                }
            )
        ids = self.reg.add_many("hazards", rows, status="approved")
        for plan, hid in zip(self.plans, ids, strict=True):
            plan.hazard_id = hid

    def write_activities_and_finds(self, accidents: list[dict[str, Any]]) -> None:
        """Activities (strips of each worked cell) and the finds inside the cleared ones."""
        dev_xy = np.column_stack([self.devices.cols["x"], self.devices.cols["y"]])
        ords = self.devices.cols["ordnance"]
        acts: list[dict[str, Any]] = []
        finds: list[dict[str, Any]] = []
        tasks: list[dict[str, Any]] = []
        task_of: list[int] = []
        demining_accidents = 0
        for plan in self.plans:
            if plan.done is None or plan.org is None:
                continue
            district = plan.cell.district
            pieces = plan.pieces
            devs = np.asarray(plan.devices, dtype=int)
            devs = devs[self.fate[devs] == "remaining"] if len(devs) else devs
            start_all = plan.start or plan.done - dt.timedelta(days=int(self.rng.integers(10, 60)))
            tasks.append(
                {
                    "local_id": f"TSK-{plan.hazard_id:05d}",
                    "hazard_id": plan.hazard_id,
                    "organisation_id": self.org_ids[plan.org],
                    "kind": "clearance" if plan.kind != "empty" else "nts",
                    "status": "done",
                    "planned_start": start_all,
                    "planned_end": plan.done,
                    "planned_area_m2": round(plan.outline.area, 0),
                }
            )
            span = max(1, (plan.done - start_all).days)
            for k, (strip, kind, result) in enumerate(pieces):
                x0, y0, x1, y1 = strip.bounds
                sel = devs[_in_box(dev_xy[devs], x0, y0, x1, y1)] if len(devs) else devs
                if kind == "bac":
                    method = str(self.rng.choice(["mechanical", "manual"], p=[0.6, 0.4]))
                elif kind == "clearance":
                    method = str(
                        self.rng.choice(["manual", "mechanical", "mdd"], p=[0.45, 0.4, 0.15])
                    )
                else:
                    method = "survey"
                asset = self._asset(plan.org, method)
                a_end = start_all + dt.timedelta(days=int(round(span * (k + 1) / len(pieces))))
                a_start = start_all + dt.timedelta(days=int(round(span * k / len(pieces))))
                area = strip.area
                team_days = round(area / (asset[3] if asset else 2000.0), 1)
                act_index = len(acts)
                acts.append(
                    {
                        "local_id": f"ACT-{plan.hazard_id:05d}-{k + 1}",
                        "hazard_id": plan.hazard_id,
                        "kind": kind,
                        "result": result,
                        "method": method if method != "survey" else "survey",
                        "organisation_id": self.org_ids[plan.org],
                        "asset_id": asset[0] if asset else None,
                        "start_date": a_start,
                        "end_date": a_end,
                        "depth_cm": 20 if result == "cleared" else None,
                        "team_days": team_days,
                        "info_date": a_end,
                        "reported_by": plan.org,
                        "geometry": lay.to_lonlat(strip),
                    }
                )
                task_of.append(len(tasks) - 1)
                if not len(sel):
                    continue
                if result != "cleared":
                    raise AssertionError("devices left in land released without clearance")
                # a demining accident now and then at the workplace
                if (
                    plan.kind in ("record", "unrecorded")
                    and self.rng.random() < 0.04 * len(sel) / 100
                ):
                    dev = int(sel[0])
                    self.fate[dev] = "detonated"
                    self.fate_date[dev] = a_start
                    sel = sel[1:]
                    demining_accidents += 1
                    accidents.append(
                        {
                            "kind": "accident",
                            "date": a_start,
                            "device": dev,
                            "victims": [
                                (
                                    "deminer" if plan.org in (ANAMA, *CONTRACTORS) else "military",
                                    "injured",
                                    "male",
                                    29,
                                )
                            ],
                            "district": None,
                            "activity": "demining",
                            "injuries": None,
                            "description": None,
                            "activity_index": act_index,
                        }
                    )
                offs = self.rng.integers(0, max(1, (a_end - a_start).days) + 1, len(sel))
                for dev, off in zip(sel, offs, strict=True):
                    date = a_start + dt.timedelta(days=int(off))
                    self.fate[dev] = "found"
                    self.fate_date[dev] = date
                    finds.append(
                        {
                            "local_id": f"F-{len(finds) + 1:07d}",
                            "activity_index": act_index,
                            "ordnance_id": self.ordnance_ids[ords[dev]],
                            "quantity": 1,
                            "found_date": date,
                            "disposal": "destroyed_in_situ",
                            "location_id": self.district_ids[district],
                            "info_date": date,
                            "reported_by": plan.org,
                            "xy": (dev_xy[dev, 0], dev_xy[dev, 1]),
                        }
                    )
        self.say(f"{len(tasks)} tasks")
        task_ids = self.reg.add_many("tasks", tasks, status="approved")
        self.say(f"{len(acts)} activities")
        for a, ti in zip(acts, task_of, strict=True):
            a["task_id"] = task_ids[ti]
        act_ids = self.reg.add_many("activities", acts, status="approved")
        self.say(f"{len(finds)} finds")
        find_xy = np.array([f.pop("xy") for f in finds]) if finds else np.empty((0, 2))
        find_ll = lay.xy_to_lonlat(find_xy)
        for f, (lon, lat) in zip(finds, find_ll, strict=True):
            f["activity_id"] = act_ids[f.pop("activity_index")]
            f["geometry"] = Point(lon, lat)
        for start in range(0, len(finds), 20_000):
            self.reg.add_many("finds", finds[start : start + 20_000], status="approved")
        self.act_ids = act_ids

    def _asset(self, org: str, method: str) -> tuple[int, str, str, float] | None:
        pool = [a for a in self.assets.get(org, []) if a[1] == method]
        if not pool:
            pool = [a for a in self.assets.get(org, []) if a[1] == "manual"]
        if not pool:
            return None
        return pool[int(self.rng.integers(0, len(pool)))]

    def write_funding(self) -> None:
        """UK £500,000 and France €400,000, with the exchange rates of their dates."""
        rates = [
            ("2021-03-15", "GBP", "USD", "1.3886", "demo rate"),
            ("2021-03-15", "USD", "AZN", "1.7000", "Central Bank of Azerbaijan (peg)"),
            ("2021-03-15", "GBP", "AZN", "2.3606", "demo rate"),
            ("2021-06-01", "EUR", "USD", "1.18188", "implied by the published USD figure"),
            ("2021-06-01", "EUR", "AZN", "2.00818", "implied by the published AZN figure"),
            ("2021-06-01", "USD", "AZN", "1.6991", "implied by the published figures"),
        ]
        self.reg.add_many(
            "exchange_rates",
            [
                {
                    "local_id": f"FX-{d}-{c}{q}",
                    "rate_date": d,
                    "currency": c,
                    "quote_currency": q,
                    "rate": r,
                    "source": s,
                }
                for d, c, q, r, s in rates
            ],
            status="approved",
        )
        self.reg.add_many(
            "funding",
            [
                {
                    "local_id": "FUND-UK-2021",
                    "donor_id": self.org_ids["United Kingdom Government"],
                    "recipient_id": self.org_ids[ANAMA],
                    "amount": Decimal("500000"),
                    "currency": "GBP",
                    "funding_date": dt.date(2021, 3, 15),
                    "purpose": "Mine clearance and capacity building for ANAMA",
                },
                {
                    "local_id": "FUND-FR-2021",
                    "donor_id": self.org_ids["Government of France"],
                    "recipient_id": self.org_ids[ANAMA],
                    "amount": Decimal("400000"),
                    "currency": "EUR",
                    "funding_date": dt.date(2021, 6, 1),
                    "purpose": "Humanitarian demining (via UNDP)",
                },
            ],
            status="approved",
        )

    def planned_tasks(self) -> None:
        open_plans = [p for p in self.plans if p.done is None][: int(round(40 * self.scale))]
        orgs = [ANAMA, *CONTRACTORS, *BATTALIONS]
        self.reg.add_many(
            "tasks",
            [
                {
                    "local_id": f"TSK-PLAN-{p.hazard_id:05d}",
                    "hazard_id": p.hazard_id,
                    "organisation_id": self.org_ids[orgs[i % len(orgs)]],
                    "kind": "clearance",
                    "status": "planned",
                    "planned_start": AS_OF + dt.timedelta(days=15 + 7 * (i % 20)),
                    "planned_end": AS_OF + dt.timedelta(days=60 + 7 * (i % 20)),
                    "planned_area_m2": round(p.outline.area, 0),
                }
                for i, p in enumerate(open_plans)
            ],
            status="approved",
        )
