"""The Azerbaijan demo scenario: November 2020 to the end of 2024.

Built on the real district boundaries, it plants a "true" contamination and writes what a
national mine action centre would hold about it: the handed-over minefield records (12 June
2021, Aghdam, 97,000 mines; 3 July 2021, Fuzuli and Zangilan, about 92,000), which deviate from
the truth as reported (about 25 % accurate; shifted, rotated, incomplete and fictitious
records; minefields never recorded); hazards; survey and clearance by the army's
engineer-sapper battalions, the national agency and contractors with manual teams, MEMATT
machines and dogs; the finds, drawn from the truth inside the polygons worked; the September
2022 new laying in Dashkasan and Lachin; accidents and victims (the 1 October 2022 Tartar
incident among them); and funding with dated exchange rates.

Published figures are never stored: they are what the statistics compute from these records.
Everything is deterministic for a given seed and scale.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import Point, Polygon
from sqlalchemy import select

from clearground.scenario import layout as lay
from clearground.scenario import minefields as mf
from clearground.scenario.truth import TOLERANCE_M
from clearground.store import tables as t
from clearground.store.repository import Registry

START = dt.date(2020, 11, 10)
OCT_2022 = dt.date(2022, 10, 31)
NOV_2023 = dt.date(2023, 11, 10)
AS_OF = dt.date(2024, 12, 31)

LIBERATED = [
    "Agdam District",
    "Fuzuli District",
    "Jabrayil District",
    "Zangilan District",
    "Qubadli District",
    "Lachin District",
    "Kalbajar District",
    "Khojaly District",
    "Shusha District",
    "Khojavend District",
]
FRONTLINE = ["Tartar District"]

ARMY = "Azerbaijan Army Engineer-Sapper Units"
ANAMA = "Mine Action Agency of the Republic of Azerbaijan (ANAMA)"
MES = "Ministry of Emergency Situations, Special Risk Rescue Service"
BATTALIONS = [f"{n} Engineer-Sapper Battalion" for n in ("1st", "2nd", "3rd", "4th", "5th")]
NEW_BATTALIONS = [
    "6th Engineering Battalion (formed 2022)",
    "7th Engineering Battalion (formed 2022)",
]
CONTRACTORS = [
    "Caspian Clearance LLC (demo contractor)",
    "Karabakh Demining Group (demo contractor)",
]

ARMY_CLEARED_TARGET_HA = 12_400.0
"""Cleared by the army's units by 31 Oct 2022 in the plan (published: over 11,900 ha)."""
RELEASED_BY_OCT_2022_HA = 18_000.0
"""Released by all organisations by 31 Oct 2022 in the plan."""
RELEASED_BY_NOV_2023_HA = 112_000.0
"""Released (cancelled + reduced + cleared) by 10 Nov 2023 (published: 111,207 ha)."""
RELEASED_BY_AS_OF_HA = 150_000.0


@dataclass
class CellPlan:
    cell: lay.Cell
    kind: str  # record, unrecorded, battle, empty, new_laying
    outline: Polygon  # metric
    devices: list[int] = field(default_factory=list)  # indices into the device table
    record: int | None = None  # index into records
    done: dt.date | None = None
    start: dt.date | None = None  # when work began, if fixed by the facts
    org: str | None = None
    hazard_id: int | None = None
    pieces: list[tuple[Polygon, str, str]] = field(default_factory=list)  # strip, kind, result

    @property
    def cleared_ha(self) -> float:
        return sum(p.area for p, _k, r in self.pieces if r == "cleared") / 1e4


class Devices:
    """The planted devices, as growing columns (metric coordinates)."""

    def __init__(self) -> None:
        self.cols: dict[str, list[Any]] = {
            k: []
            for k in (
                "x",
                "y",
                "category",
                "ordnance",
                "source",
                "record",
                "recorded_index",
                "laid_date",
            )
        }

    def add(
        self,
        xy: np.ndarray,
        category: list[str] | str,
        ordnance: list[str] | str,
        source: str,
        laid: dt.date,
        record: str = "",
        recorded_index: np.ndarray | None = None,
    ) -> list[int]:
        n = len(xy)
        first = len(self.cols["x"])
        self.cols["x"].extend(xy[:, 0].tolist())
        self.cols["y"].extend(xy[:, 1].tolist())
        self.cols["category"].extend(category if isinstance(category, list) else [category] * n)
        self.cols["ordnance"].extend(ordnance if isinstance(ordnance, list) else [ordnance] * n)
        self.cols["source"].extend([source] * n)
        self.cols["record"].extend([record] * n)
        idx = recorded_index if recorded_index is not None else np.full(n, -1)
        self.cols["recorded_index"].extend(np.asarray(idx).tolist())
        self.cols["laid_date"].extend([laid] * n)
        return list(range(first, first + n))

    def __len__(self) -> int:
        return len(self.cols["x"])


def _claim_sizes(rng: np.random.Generator, total: int) -> list[int]:
    sizes: list[int] = []
    while sum(sizes) < total:
        sizes.append(int(np.clip(rng.lognormal(np.log(360), 0.45), 60, 1100)))
    sizes[-1] -= sum(sizes) - total
    if sizes[-1] < 40:
        last = sizes.pop()
        sizes[-1] += last
    return sizes


def _date_at(fraction: float, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=int(round(fraction * (end - start).days)))


class Scenario:
    """Builds the demo into a store session. Use ``build``."""

    def __init__(
        self,
        registry: Registry,
        seed: int,
        scale: float,
        progress: Callable[[str], None] | None = None,
    ) -> None:
        self.reg = registry
        self.session = registry.session
        self.rng = np.random.default_rng(seed)
        self.scale = scale
        self.say = progress or (lambda _m: None)
        self.side = 1000.0 / np.sqrt(max(scale, 1.0))
        self.max_shift = min(250.0, 0.25 * self.side)
        self.devices = Devices()
        self.records: list[dict[str, Any]] = []
        self.truth_records: list[dict[str, Any]] = []
        self.plans: list[CellPlan] = []
        self.district_ids: dict[str, int] = {}
        self.district_geoms: dict[str, Any] = {}
        self.org_ids: dict[str, int] = {}
        self.assets: dict[str, list[tuple[int, str, str, float]]] = {}
        self.ordnance_ids: dict[str, int] = {}
        self.fate: np.ndarray = np.empty(0, dtype=object)
        self.fate_date: list[dt.date | None] = []
        self._record_perimeters: list[Any] = []

    # --- reference data ---------------------------------------------------------------------
    def load_reference(self) -> None:
        rows = self.session.execute(
            select(t.Location.id, t.Location.name, t.Location.geometry).where(
                t.Location.kind == "district"
            )
        ).all()
        for rid, name, geom in rows:
            self.district_ids.setdefault(name, rid)
            self.district_geoms.setdefault(name, geom)
        self.ordnance_ids = dict(self.session.execute(select(t.Ordnance.code, t.Ordnance.id)).all())  # type: ignore[arg-type]

    def organisations(self) -> None:
        reg = self.reg
        top: list[dict[str, Any]] = [
            {
                "local_id": "ORG-ANAMA",
                "name": ANAMA,
                "short_name": "ANAMA",
                "kind": "national_authority",
                "country": "AZE",
            },
            {
                "local_id": "ORG-ARMY",
                "name": ARMY,
                "short_name": "Army ESU",
                "kind": "military_unit",
                "country": "AZE",
            },
            {
                "local_id": "ORG-MES",
                "name": MES,
                "short_name": "MES",
                "kind": "government",
                "country": "AZE",
            },
            {
                "local_id": "ORG-ASFAT",
                "name": "ASFAT (MEMATT manufacturer)",
                "short_name": "ASFAT",
                "kind": "commercial",
                "country": "TUR",
            },
            {
                "local_id": "ORG-UK",
                "name": "United Kingdom Government",
                "short_name": "UK",
                "kind": "donor",
                "country": "GBR",
            },
            {
                "local_id": "ORG-FR",
                "name": "Government of France",
                "short_name": "France",
                "kind": "donor",
                "country": "FRA",
            },
            {
                "local_id": "ORG-UNDP",
                "name": "UNDP Azerbaijan",
                "short_name": "UNDP",
                "kind": "ngo",
                "country": "AZE",
            },
        ]
        top += [
            {
                "local_id": f"ORG-CON{i + 1}",
                "name": n,
                "kind": "commercial",
                "country": "AZE",
                "accredited_from": dt.date(2021, 3, 1),
            }
            for i, n in enumerate(CONTRACTORS)
        ]
        for row, oid in zip(
            top, reg.add_many("organisations", top, status="approved"), strict=True
        ):
            self.org_ids[row["name"]] = oid
        units: list[dict[str, Any]] = [
            {
                "local_id": f"ORG-ESB{i + 1}",
                "name": n,
                "kind": "military_unit",
                "parent_id": self.org_ids[ARMY],
                "country": "AZE",
            }
            for i, n in enumerate(BATTALIONS + NEW_BATTALIONS)
        ]
        for row, oid in zip(
            units, reg.add_many("organisations", units, status="approved"), strict=True
        ):
            self.org_ids[row["name"]] = oid

    def make_assets(self) -> None:
        """Teams, machines and dogs per organisation, with productivity in m² per day."""
        fleet = {  # org: (manual teams, MEMATT machines, dog teams)
            **{b: (10, 3, 2) for b in BATTALIONS},
            **{b: (6, 2, 0) for b in NEW_BATTALIONS},
            ANAMA: (30, 8, 12),
            MES: (8, 2, 0),
            CONTRACTORS[0]: (12, 3, 4),
            CONTRACTORS[1]: (10, 2, 4),
        }
        rows: list[dict[str, Any]] = []
        for org, (manual, machines, dogs) in fleet.items():
            short = "".join(w[0] for w in org.split()[:3]).upper()
            for kind, n, method, model, prod in (
                ("manual_team", manual, "manual", None, 120.0),
                ("machine", machines, "mechanical", "MEMATT", 4000.0),
                ("mdd", dogs, "mdd", None, 1200.0),
            ):
                for i in range(n):
                    rows.append(
                        {
                            "local_id": f"AST-{short}-{kind[:3].upper()}{i + 1:02d}-"
                            f"{self.org_ids[org]}",
                            "organisation_id": self.org_ids[org],
                            "kind": kind,
                            "name": f"{org.split(' (')[0]} {kind.replace('_', ' ')} {i + 1}",
                            "model": model,
                            "method": method,
                            "productivity_m2_per_day": prod,
                            "in_service_from": dt.date(2022, 3, 1)
                            if org in NEW_BATTALIONS
                            else START,
                        }
                    )
        ids = self.reg.add_many("assets", rows, status="approved")
        for row, aid in zip(rows, ids, strict=True):
            org = next(o for o, i in self.org_ids.items() if i == row["organisation_id"])
            self.assets.setdefault(org, []).append(
                (aid, row["method"], row["kind"], row["productivity_m2_per_day"])
            )

    # --- ground ---------------------------------------------------------------------------------
    def cells(self) -> dict[str, list[lay.Cell]]:
        out = {}
        for name in LIBERATED + FRONTLINE + ["Dashkasan District"]:
            cells = lay.district_cells(name, self.district_geoms[name], self.side)
            order = self.rng.permutation(len(cells))
            out[name] = [cells[i] for i in order]
        return out

    def plant_records(self, cells: dict[str, list[lay.Cell]]) -> None:
        """The handed-over records and the true minefields behind them."""
        handovers = [
            (
                "HO-2021-06-12",
                dt.date(2021, 6, 12),
                [("Agdam District", 97_000)],
                "Maps of minefields in Aghdam district",
                "release of 15 detainees",
            ),
            (
                "HO-2021-07-03",
                dt.date(2021, 7, 3),
                [("Fuzuli District", 55_000), ("Zangilan District", 37_000)],
                "Maps of about 92,000 anti-tank and anti-personnel mines in Fuzuli and Zangilan",
                "release of 15 detainees",
            ),
        ]
        ho_rows: list[dict[str, Any]] = []
        for local_id, date, parts, desc, exchange in handovers:
            claimed = int(round(sum(n for _, n in parts) * self.scale))
            ho_rows.append(
                {
                    "local_id": local_id,
                    "handover_date": date,
                    "handed_over_by": "Armenia",
                    "received_by": "Azerbaijan",
                    "exchanged_for": exchange,
                    "description": desc,
                    "districts": [lay_short(n) for n, _ in parts],
                    "claimed_total": claimed,
                    "info_date": date,
                    "reported_by": "Office of the Prosecutor General (demo)",
                }
            )
        # claims by type are filled in after the records are drawn
        max_row = min(320.0, 0.35 * self.side)
        for ho in ho_rows:
            ho["claimed_ap"] = 0
            ho["claimed_at"] = 0
        for h, (local_id, date, parts, _d, _e) in enumerate(handovers):
            for district, total in parts:
                sizes = _claim_sizes(self.rng, int(round(total * self.scale)))
                for size in sizes:
                    cell = cells[district].pop()
                    kind = str(self.rng.choice(["ap", "at", "mixed"], p=[0.5, 0.32, 0.18]))
                    pattern = mf.make_pattern(self.rng, cell.centre, size, kind, max_row)
                    form = mf.record_form(self.rng, pattern)
                    n = len(self.records) + 1
                    rec_id = f"MR-{lay_short(district)[:3].upper()}-{n:04d}"
                    ap = sum(1 for c in pattern.mine_category if c == "ap_mine")
                    laid = dt.date(
                        int(
                            self.rng.choice(
                                [1992, 1993, 1994, 2016, 2020], p=[0.3, 0.35, 0.2, 0.1, 0.05]
                            )
                        ),
                        int(self.rng.integers(1, 13)),
                        1,
                    )
                    self.records.append(
                        {
                            "local_id": rec_id,
                            "handover": local_id,
                            "form": form,
                            "location_id": self.district_ids[district],
                            "record_number": f"{lay_short(district)[:3].upper()}/{laid.year}/"
                            f"{n:04d}",
                            "laid_date": laid,
                            "crs_as_written": "EPSG:4326",
                            "claimed_ap": ap,
                            "claimed_at": size - ap,
                            "claimed_total": size,
                            "reliability": 6,
                            "source_grade": "C",
                            "info_date": date,
                            "reported_by": "Armenia (handed over)",
                        }
                    )
                    ho_rows[h]["claimed_ap"] += ap
                    ho_rows[h]["claimed_at"] += size - ap
                    dev = mf.draw_deviation(self.rng, self.max_shift)
                    pivot = pattern.rows[0][0]
                    true_xy, src = mf.deviate(self.rng, pattern.mines, pivot, dev)
                    cats = [pattern.mine_category[i] for i in src]
                    ords = [pattern.mine_ordnance[i] for i in src]
                    ids = self.devices.add(true_xy, cats, ords, "record", laid, rec_id, src)
                    outline = lay.hazard_outline(cell, self.rng)
                    self.plans.append(CellPlan(cell, "record", outline, ids, len(self.records) - 1))
                    self.truth_records.append(
                        {
                            "record": rec_id,
                            "handover": local_id,
                            "district": district,
                            "error": dev.kind,
                            "shift_east_m": dev.shift_m[0],
                            "shift_north_m": dev.shift_m[1],
                            "rotation_deg": dev.rotation_deg,
                            "recorded": size,
                            "true_mines": len(src),
                            "matched": int(
                                np.sum(np.hypot(*(true_xy - pattern.mines[src]).T) <= TOLERANCE_M)
                            )
                            if len(src)
                            else 0,
                            "recorded_xy": pattern.mines,
                        }
                    )
        ids = self.reg.add_many("handovers", ho_rows, status="approved")
        self.handover_ids = dict(zip([h["local_id"] for h in ho_rows], ids, strict=True))

    def plant_unrecorded(self, cells: dict[str, list[lay.Cell]]) -> None:
        """Minefields nobody recorded, battle areas with UXO, and suspected but clean land."""
        max_row = min(320.0, 0.35 * self.side)
        per_district = {d: int(round(12 * self.scale)) for d in LIBERATED}
        per_district["Tartar District"] = int(round(4 * self.scale))
        for district, n in per_district.items():
            for _ in range(n):
                cell = cells[district].pop()
                size = int(np.clip(self.rng.lognormal(np.log(220), 0.5), 30, 800))
                kind = str(self.rng.choice(["ap", "at", "mixed"], p=[0.6, 0.2, 0.2]))
                pattern = mf.make_pattern(self.rng, cell.centre, size, kind, max_row)
                xy = pattern.mines + self.rng.normal(0, 0.7, pattern.mines.shape)
                ids = self.devices.add(
                    xy,
                    pattern.mine_category,
                    pattern.mine_ordnance,
                    "unrecorded",
                    dt.date(1993, 6, 1),
                )
                self.plans.append(
                    CellPlan(cell, "unrecorded", lay.hazard_outline(cell, self.rng), ids)
                )
        battle = {d: int(round(150 * self.scale)) for d in LIBERATED}
        for district in (
            "Agdam District",
            "Fuzuli District",
            "Jabrayil District",
            "Khojavend District",
        ):
            battle[district] = int(round(230 * self.scale))
        battle["Tartar District"] = int(round(20 * self.scale))
        uxo_codes = [
            "UXO-PROJECTILE",
            "UXO-MORTAR",
            "UXO-ROCKET",
            "UXO-GRENADE",
            "UXO-RPG",
            "SUB-DPICM",
            "SUB-9N235",
            "AXO-AMMUNITION",
        ]
        uxo_p = [0.34, 0.26, 0.1, 0.1, 0.06, 0.07, 0.04, 0.03]
        uxo_cat = {"SUB-DPICM": "submunition", "SUB-9N235": "submunition", "AXO-AMMUNITION": "axo"}
        for district, n in battle.items():
            for _ in range(min(n, len(cells[district]) - 40)):
                cell = cells[district].pop()
                outline = lay.hazard_outline(cell, self.rng)
                count = int(self.rng.poisson(75))
                x0, y0, x1, y1 = outline.bounds
                xy = np.column_stack(
                    [self.rng.uniform(x0, x1, count), self.rng.uniform(y0, y1, count)]
                )
                codes = list(self.rng.choice(uxo_codes, count, p=uxo_p))
                cats = [uxo_cat.get(c, "uxo") for c in codes]
                ids = self.devices.add(xy, cats, codes, "battle_area", dt.date(2020, 10, 15))
                self.plans.append(CellPlan(cell, "battle", outline, ids))
        for district in LIBERATED:
            for _ in range(min(int(round(60 * self.scale)), len(cells[district]) - 20)):
                cell = cells[district].pop()
                self.plans.append(CellPlan(cell, "empty", lay.hazard_outline(cell, self.rng)))

    def plant_new_laying(self, cells: dict[str, list[lay.Cell]]) -> None:
        """September 2022: 452 E-001 M in Dashkasan, 90 on Boyuk Ishigli (Lachin)."""
        self.new_laying: list[tuple[CellPlan, dt.date]] = []
        for district, total, found, fields in (
            ("Dashkasan District", 452, dt.date(2022, 9, 15), 6),
            ("Lachin District", 90, dt.date(2022, 9, 20), 1),
        ):
            total = int(round(total * self.scale))
            west = sorted(cells[district], key=lambda c: c.x)[: max(fields * 3, 12)]
            per = [total // fields + (1 if i < total % fields else 0) for i in range(fields)]
            for n in per:
                cell = west.pop(int(self.rng.integers(0, len(west))))
                cells[district].remove(cell)
                pattern = mf.make_pattern(
                    self.rng, cell.centre, n, "ap", min(120.0, 0.3 * self.side)
                )
                xy = pattern.mines + self.rng.normal(0, 0.5, pattern.mines.shape)
                ids = self.devices.add(xy, "ap_mine", "E-001 M", "new_laying", dt.date(2022, 9, 10))
                plan = CellPlan(cell, "new_laying", lay.hazard_outline(cell, self.rng), ids)
                self.plans.append(plan)
                self.new_laying.append((plan, found))
        # booby traps left in Khojaly and Lachin
        for district in ("Khojaly District", "Lachin District"):
            cell = cells[district].pop()
            outline = lay.hazard_outline(cell, self.rng)
            x0, y0, x1, y1 = outline.bounds
            n = int(round(12 * self.scale))
            xy = np.column_stack([self.rng.uniform(x0, x1, n), self.rng.uniform(y0, y1, n)])
            ids = self.devices.add(xy, "ied", "IED-BOOBYTRAP", "booby_trap", dt.date(2020, 11, 1))
            self.plans.append(CellPlan(cell, "battle", outline, ids))

    # --- schedule -------------------------------------------------------------------------------
    def plan_strips(self) -> None:
        """Split each hazard into strips and decide what each will be: cleared where devices
        are or the record puts mines, reduced by technical survey elsewhere, cancelled by
        non-technical survey where there was never evidence."""
        dev_xy = np.column_stack([self.devices.cols["x"], self.devices.cols["y"]])
        rec_xy = {r["record"]: r["recorded_xy"] for r in self.truth_records}
        for plan in self.plans:
            n = 1 if plan.kind == "empty" else int(self.rng.integers(4, 9))
            devs = np.asarray(plan.devices, dtype=int)
            recorded = (
                rec_xy[self.records[plan.record]["local_id"]]
                if plan.record is not None
                else np.empty((0, 2))
            )
            for strip in lay.strips(plan.outline, n):
                if plan.kind == "empty":
                    plan.pieces.append((strip, "nts", "cancelled"))
                    continue
                x0, y0, x1, y1 = strip.bounds
                has_dev = bool(len(devs) and _in_box(dev_xy[devs], x0, y0, x1, y1).any())
                has_rec = bool(len(recorded) and _in_box(recorded, x0, y0, x1, y1).any())
                if plan.kind == "battle":
                    plan.pieces.append((strip, "bac", "cleared"))
                elif has_dev or has_rec or plan.kind == "new_laying":
                    plan.pieces.append((strip, "clearance", "cleared"))
                else:
                    plan.pieces.append((strip, "ts", "reduced"))

    def schedule(self) -> None:
        """Give each cell an organisation and a completion date, or leave it open.

        Cells are worked in a random order (settlement and road priorities come with the
        prioritisation issue); released area grows linearly between milestones set so that
        the published figures come out of the records. Until 31 Oct 2022 the army's
        battalions work the cells until they have cleared ``ARMY_CLEARED_TARGET_HA``.
        """
        # densely mined record cells tend to come later: they need slow manual clearance
        key = self.rng.random(len(self.plans)) + np.array(
            [0.25 if p.kind == "record" else 0.0 for p in self.plans]
        )
        queue = [self.plans[i] for i in np.argsort(key) if self.plans[i].kind != "new_laying"]
        areas = np.array([p.outline.area for p in queue]) / 1e4  # ha
        cum = np.cumsum(areas)
        others = [ANAMA, CONTRACTORS[0], CONTRACTORS[1], MES]
        army_cleared = 0.0
        milestones = [
            (0.0, START),
            (RELEASED_BY_OCT_2022_HA, OCT_2022),
            (RELEASED_BY_NOV_2023_HA, NOV_2023),
            (RELEASED_BY_AS_OF_HA, AS_OF),
        ]
        for plan, upto in zip(queue, cum, strict=True):
            if upto > RELEASED_BY_AS_OF_HA:
                break
            for (a0, d0), (a1, d1) in zip(milestones, milestones[1:], strict=False):
                if upto <= a1:
                    plan.done = _date_at((upto - a0) / (a1 - a0), d0, d1)
                    break
            assert plan.done is not None
            army_turn = plan.done <= OCT_2022 and army_cleared < ARMY_CLEARED_TARGET_HA
            if army_turn or (plan.done > OCT_2022 and self.rng.random() < 0.45):
                units = BATTALIONS + (NEW_BATTALIONS if plan.done >= dt.date(2022, 3, 1) else [])
                plan.org = str(self.rng.choice(units))
                if plan.done <= OCT_2022:
                    army_cleared += plan.cleared_ha
            else:
                plan.org = str(self.rng.choice(others, p=[0.5, 0.2, 0.15, 0.15]))
        for plan, found in self.new_laying:
            plan.start = found
            plan.done = found + dt.timedelta(days=int(self.rng.integers(2, 20)))
            plan.org = str(self.rng.choice(BATTALIONS))

    # --- writing --------------------------------------------------------------------------------
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

    def plant_accidents(self) -> list[dict[str, Any]]:
        """Accidents and incidents at true devices, before those are cleared.

        About 55 % happen outside every recorded perimeter (people keep away from marked
        areas and the records are wrong); deminers are hurt at their workplaces.
        """
        n_dev = len(self.devices)
        dev_xy = np.column_stack([self.devices.cols["x"], self.devices.cols["y"]])
        src = np.asarray(self.devices.cols["source"])
        self.fate = np.full(n_dev, "remaining", dtype=object)
        self.fate_date = [None] * n_dev
        perimeters = [lay.to_metric(shapely.geometry.shape(r)) for r in self._record_perimeters]
        tree = shapely.STRtree(perimeters)
        pts = shapely.points(dev_xy)
        inside = np.zeros(n_dev, bool)
        hit = tree.query(pts, predicate="within")
        inside[hit[0]] = True
        done_of = np.full(n_dev, np.datetime64("2100-01-01"), dtype="datetime64[D]")
        for plan in self.plans:
            if plan.done and plan.devices:
                done_of[plan.devices] = np.datetime64(plan.done)
        eligible = np.isin(src, ["record", "unrecorded", "battle_area"])
        accidents: list[dict[str, Any]] = []
        # the 1 October 2022 Tartar incident: two civilians, an AP mine, both lost legs
        tartar = self.district_geoms["Tartar District"]
        c = lay.to_metric(tartar.representative_point())
        tid = self.devices.add(
            np.array([[c.x, c.y]]), "ap_mine", "PMN-2", "incident", dt.date(1993, 6, 1)
        )[0]
        self.fate = np.append(self.fate, "detonated")
        self.fate_date.append(dt.date(2022, 10, 1))
        accidents.append(
            {
                "kind": "incident",
                "date": dt.date(2022, 10, 1),
                "device": tid,
                "victims": [
                    ("civilian", "injured", "male", 34),
                    ("civilian", "injured", "male", 41),
                ],
                "district": "Tartar District",
                "activity": "farming",
                "injuries": "traumatic lower-limb amputation",
                "description": "Two residents of Tartar injured by an "
                "anti-personnel mine; both lost legs",
            }
        )
        days = (AS_OF - START).days
        per_year_before = 56 * self.scale
        n_before = int(round(per_year_before * (OCT_2022 - START).days / 365))
        n_after = int(round(40 * self.scale * (AS_OF - OCT_2022).days / 365))
        dates = sorted(
            [
                START + dt.timedelta(days=int(d))
                for d in self.rng.integers(0, (OCT_2022 - START).days, n_before)
            ]
            + [
                OCT_2022 + dt.timedelta(days=int(d))
                for d in self.rng.integers(1, (AS_OF - OCT_2022).days, n_after)
            ]
        )
        del days
        for date in dates:
            if date == dt.date(2022, 10, 1):
                continue
            alive = eligible & (done_of > np.datetime64(date)) & (self.fate[:n_dev] == "remaining")
            outside = self.rng.random() < 0.55
            pool = np.flatnonzero(alive & (inside != outside))
            if len(pool) == 0:
                continue
            dev = int(self.rng.choice(pool))
            self.fate[dev] = "detonated"
            self.fate_date[dev] = date
            n_vict = int(self.rng.choice([1, 2, 3], p=[0.62, 0.28, 0.10]))
            status = str(self.rng.choice(["civilian", "military"], p=[0.65, 0.35]))
            victims = []
            for _ in range(n_vict):
                outcome = "killed" if self.rng.random() < 0.33 else "injured"
                sex = "female" if self.rng.random() < 0.1 else "male"
                age = (
                    int(self.rng.integers(12, 70))
                    if status == "civilian"
                    else int(self.rng.integers(19, 45))
                )
                victims.append((status, outcome, sex, age))
            accidents.append(
                {
                    "kind": "incident",
                    "date": date,
                    "device": dev,
                    "victims": victims,
                    "district": None,
                    "activity": str(
                        self.rng.choice(
                            [
                                "farming",
                                "herding",
                                "travelling",
                                "returning home",
                                "collecting scrap metal",
                                "military duty",
                            ]
                        )
                    ),
                    "injuries": None,
                    "description": None,
                }
            )
        return accidents

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
        self.write_accidents(accidents)

    def _asset(self, org: str, method: str) -> tuple[int, str, str, float] | None:
        pool = [a for a in self.assets.get(org, []) if a[1] == method]
        if not pool:
            pool = [a for a in self.assets.get(org, []) if a[1] == "manual"]
        if not pool:
            return None
        return pool[int(self.rng.integers(0, len(pool)))]

    def write_accidents(self, accidents: list[dict[str, Any]]) -> None:
        dev_xy = np.column_stack([self.devices.cols["x"], self.devices.cols["y"]])
        ll = lay.xy_to_lonlat(dev_xy[[a["device"] for a in accidents]])
        outlines = {name: g for name, g in self.district_geoms.items()}
        rows = []
        victims = []
        given = [
            "Elvin",
            "Rashad",
            "Orkhan",
            "Tural",
            "Farid",
            "Ilkin",
            "Anar",
            "Kamran",
            "Vusal",
            "Samir",
            "Aysel",
            "Leyla",
            "Gunel",
            "Nigar",
        ]
        family = [
            "Aliyev",
            "Mammadov",
            "Hasanov",
            "Huseynov",
            "Guliyev",
            "Ismayilov",
            "Abbasov",
            "Jafarov",
            "Rzayev",
            "Babayev",
        ]
        order = sorted(range(len(accidents)), key=lambda i: accidents[i]["date"])
        for n, i in enumerate(order):
            a = accidents[i]
            lon, lat = ll[i]
            pt = Point(lon, lat)
            district = a["district"] or next(
                (name for name, g in outlines.items() if g.contains(pt)), None
            )
            local = f"ACC-{a['date'].year}-{n + 1:04d}"
            rows.append(
                {
                    "local_id": local,
                    "kind": a["kind"],
                    "accident_date": a["date"],
                    "location_id": self.district_ids.get(district) if district else None,
                    "activity_id": self.act_ids[a["activity_index"]]
                    if "activity_index" in a
                    else None,
                    "ordnance_id": self.ordnance_ids[self.devices.cols["ordnance"][a["device"]]],
                    "description": a["description"] or _casualty_text(a),
                    "info_date": a["date"],
                    "reported_by": "ANAMA victim database (demo)",
                    "geometry": pt,
                }
            )
            for j, (status, outcome, sex, age) in enumerate(a["victims"]):
                name = (
                    f"{given[int(self.rng.integers(0, 10 if sex == 'male' else 14))]} "
                    f"{family[int(self.rng.integers(0, len(family)))]}"
                )
                if sex == "female" and name.split()[0] not in given[10:]:
                    name = f"{given[int(self.rng.integers(10, 14))]} {name.split()[1]}a"
                victims.append(
                    {
                        "local_id": f"VIC-{local[4:]}-{j + 1}",
                        "accident": local,
                        "name": name,
                        "sex": sex,
                        "age": age,
                        "age_group": "child" if age < 18 else "adult",
                        "status": status,
                        "outcome": outcome,
                        "activity_at_time": a["activity"],
                        "injuries": a["injuries"] if outcome == "injured" else None,
                        "info_date": a["date"],
                    }
                )
        self.say(f"{len(rows)} accidents, {len(victims)} victims")
        self.reg.add_many("accidents", rows, status="approved")
        self.reg.add_many("victims", victims, status="approved")

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

    # --- truth -----------------------------------------------------------------------------------
    def truth_frames(self) -> tuple[gpd.GeoDataFrame, pd.DataFrame, dict[str, Any]]:
        cols = self.devices.cols
        ll = lay.xy_to_lonlat(np.column_stack([cols["x"], cols["y"]]))
        devices = gpd.GeoDataFrame(
            {
                "device_id": np.arange(len(ll)),
                "category": cols["category"],
                "ordnance": cols["ordnance"],
                "source": cols["source"],
                "record": cols["record"],
                "recorded_index": cols["recorded_index"],
                "laid_date": pd.to_datetime(cols["laid_date"]).strftime("%Y-%m-%d"),
                "fate": list(self.fate),
                "fate_date": [d.isoformat() if d else "" for d in self.fate_date],
            },
            geometry=gpd.points_from_xy(ll[:, 0], ll[:, 1]),
            crs=4326,
        )
        recs = pd.DataFrame(
            [{k: v for k, v in r.items() if k != "recorded_xy"} for r in self.truth_records]
        )
        recorded = int(recs["recorded"].sum())
        matched = int(recs["matched"].sum())
        summary = {
            "seed_scale": self.scale,
            "recorded_mines": recorded,
            "matched_mines": matched,
            "record_accuracy": round(matched / recorded, 4) if recorded else 0.0,
            "tolerance_m": TOLERANCE_M,
            "as_of": AS_OF.isoformat(),
        }
        return devices, recs, summary


def _casualty_text(accident: dict[str, Any]) -> str:
    n = len(accident["victims"])
    return f"{n} casualt{'y' if n == 1 else 'ies'} while {accident['activity']}"


def _in_box(xy: np.ndarray, x0: float, y0: float, x1: float, y1: float) -> np.ndarray:
    """Which metric points lie in the half-open box [x0, x1) x [y0, y1)."""
    return (xy[:, 0] >= x0) & (xy[:, 0] < x1) & (xy[:, 1] >= y0) & (xy[:, 1] < y1)


def lay_short(name: str) -> str:
    return name.replace(" District", "").replace(" City", "")


def build(
    registry: Registry,
    seed: int = 2020,
    scale: float = 1.0,
    progress: Callable[[str], None] | None = None,
) -> tuple[gpd.GeoDataFrame, pd.DataFrame, dict[str, Any]]:
    """Write the demo scenario through ``registry``; return the truth (devices, records, summary).

    ``scale`` multiplies the number of records, minefields, devices and casualties (scale 1:
    about 190,000 recorded mines).
    """
    s = Scenario(registry, seed, scale, progress)
    s.say("reference data")
    s.load_reference()
    s.organisations()
    s.make_assets()
    cells = s.cells()
    s.say("planting the truth")
    s.plant_records(cells)
    s.plant_unrecorded(cells)
    s.plant_new_laying(cells)
    s.plan_strips()
    s.schedule()
    s.write_records_and_hazards()
    s._record_perimeters = [
        shapely.geometry.mapping(g)
        for g in registry.session.execute(select(t.MinefieldRecord.geometry)).scalars()
    ]
    accidents = s.plant_accidents()
    s.write_activities_and_finds(accidents)
    s.write_funding()
    s.planned_tasks()
    return s.truth_frames()
