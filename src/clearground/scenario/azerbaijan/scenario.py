"""The scenario as a whole: the steps of the build in order, and the truth they leave behind."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from sqlalchemy import select

from clearground.scenario import layout as lay
from clearground.scenario.azerbaijan.accidents import Accidents
from clearground.scenario.azerbaijan.facts import AS_OF
from clearground.scenario.azerbaijan.ground import Ground
from clearground.scenario.azerbaijan.reference import ReferenceData
from clearground.scenario.azerbaijan.schedule import Schedule
from clearground.scenario.azerbaijan.writing import Writing
from clearground.scenario.truth import TOLERANCE_M
from clearground.store import tables as t
from clearground.store.repository import Registry


class Scenario(ReferenceData, Ground, Schedule, Accidents, Writing):
    """Builds the demo into a store session. Use ``build``."""

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
    s.write_accidents(accidents)
    s.write_funding()
    s.planned_tasks()
    return s.truth_frames()
