"""The ground: the true contamination planted cell by cell, and the records handed over.

The handed-over minefield records deviate from the truth as reported (shifted, rotated,
incomplete and fictitious records); besides them lie minefields nobody recorded, battle areas
with UXO, suspected but clean land, the September 2022 new laying and booby traps.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np

from clearground.scenario import layout as lay
from clearground.scenario import minefields as mf
from clearground.scenario.azerbaijan.facts import FRONTLINE, LIBERATED
from clearground.scenario.azerbaijan.state import CellPlan, ScenarioState, lay_short
from clearground.scenario.truth import TOLERANCE_M


def _claim_sizes(rng: np.random.Generator, total: int) -> list[int]:
    sizes: list[int] = []
    while sum(sizes) < total:
        sizes.append(int(np.clip(rng.lognormal(np.log(360), 0.45), 60, 1100)))
    sizes[-1] -= sum(sizes) - total
    if sizes[-1] < 40:
        last = sizes.pop()
        sizes[-1] += last
    return sizes


class Ground(ScenarioState):
    """Plants the truth and the handed-over records into ``plans`` and ``devices``."""

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
        self.new_laying = []
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
