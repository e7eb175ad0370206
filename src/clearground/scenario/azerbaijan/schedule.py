"""The schedule: what each strip of a hazard becomes, who works each cell and when.

Released area grows linearly between the milestones of ``facts``, so that the published
figures come out of the records; until 31 Oct 2022 the army's battalions work the cells until
they have cleared ``ARMY_CLEARED_TARGET_HA``.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from clearground.scenario import layout as lay
from clearground.scenario.azerbaijan.facts import (
    ANAMA,
    ARMY_CLEARED_TARGET_HA,
    AS_OF,
    BATTALIONS,
    CONTRACTORS,
    MES,
    NEW_BATTALIONS,
    NOV_2023,
    OCT_2022,
    RELEASED_BY_AS_OF_HA,
    RELEASED_BY_NOV_2023_HA,
    RELEASED_BY_OCT_2022_HA,
    START,
)
from clearground.scenario.azerbaijan.state import ScenarioState, _in_box


def _date_at(fraction: float, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=int(round(fraction * (end - start).days)))


class Schedule(ScenarioState):
    """Splits the hazards into strips and gives each cell an organisation and a date."""

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
