"""Reference data of the demo: the districts and ordnance loaded, organisations and assets."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from clearground.scenario.azerbaijan.facts import (
    ANAMA,
    ARMY,
    BATTALIONS,
    CONTRACTORS,
    MES,
    NEW_BATTALIONS,
    START,
)
from clearground.scenario.azerbaijan.state import ScenarioState
from clearground.store import tables as t


class ReferenceData(ScenarioState):
    """The districts and ordnance the database holds, and the organisations and their fleet."""

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
