"""What a scenario carries while it is built: the planned cells, the planted devices, the ids.

``ScenarioState`` holds the random generator, the truth planted so far and the ids of what has
been written; each step of the build (``reference``, ``ground``, ``schedule``, ``accidents``,
``writing``) is a mixin on it, and ``scenario.Scenario`` puts them together.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from shapely.geometry import Polygon

from clearground.scenario import layout as lay
from clearground.store.repository import Registry


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


class ScenarioState:
    """The state the steps of the build share (see ``scenario.Scenario``)."""

    handover_ids: dict[str, int]
    """Handover local id -> id (written by ``plant_records``)."""
    new_laying: list[tuple[CellPlan, dt.date]]
    """The cells of the September 2022 laying and the date each was found."""
    act_ids: list[int]
    """Ids of the activities written, in order (for the accidents at work)."""

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


def _in_box(xy: np.ndarray, x0: float, y0: float, x1: float, y1: float) -> np.ndarray:
    """Which metric points lie in the half-open box [x0, x1) x [y0, y1)."""
    return (xy[:, 0] >= x0) & (xy[:, 0] < x1) & (xy[:, 1] >= y0) & (xy[:, 1] < y1)


def lay_short(name: str) -> str:
    return name.replace(" District", "").replace(" City", "")
