"""Accidents and victims: drawn at true devices before those are cleared, then written.

About 55 % happen outside every recorded perimeter (people keep away from marked areas and
the records are wrong); deminers are hurt at their workplaces (drawn with the activities);
the 1 October 2022 Tartar incident is among them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import shapely
from shapely.geometry import Point

from clearground.scenario import layout as lay
from clearground.scenario.azerbaijan.facts import AS_OF, OCT_2022, START
from clearground.scenario.azerbaijan.state import ScenarioState


class Accidents(ScenarioState):
    """Plants the accidents and incidents and writes them with their victims."""

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


def _casualty_text(accident: dict[str, Any]) -> str:
    n = len(accident["victims"])
    return f"{n} casualt{'y' if n == 1 else 'ies'} while {accident['activity']}"
