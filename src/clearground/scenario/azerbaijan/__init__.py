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

One idea a module: ``facts`` (dates, districts, organisations, release milestones), ``state``
(what the build carries: planned cells, planted devices), ``reference`` (organisations and
assets), ``ground`` (the truth and the records handed over), ``schedule`` (who works what,
when), ``accidents`` (accidents and victims), ``writing`` (hazards, tasks, activities, finds,
funding), ``scenario`` (the steps in order: :func:`build`, and the truth they leave).
"""

from clearground.scenario.azerbaijan.facts import (
    ANAMA,
    ARMY,
    ARMY_CLEARED_TARGET_HA,
    AS_OF,
    BATTALIONS,
    CONTRACTORS,
    FRONTLINE,
    LIBERATED,
    MES,
    NEW_BATTALIONS,
    NOV_2023,
    OCT_2022,
    RELEASED_BY_AS_OF_HA,
    RELEASED_BY_NOV_2023_HA,
    RELEASED_BY_OCT_2022_HA,
    START,
)
from clearground.scenario.azerbaijan.scenario import Scenario, build
from clearground.scenario.azerbaijan.state import CellPlan, Devices, lay_short

__all__ = [
    "ANAMA",
    "ARMY",
    "ARMY_CLEARED_TARGET_HA",
    "AS_OF",
    "BATTALIONS",
    "CONTRACTORS",
    "FRONTLINE",
    "LIBERATED",
    "MES",
    "NEW_BATTALIONS",
    "NOV_2023",
    "OCT_2022",
    "RELEASED_BY_AS_OF_HA",
    "RELEASED_BY_NOV_2023_HA",
    "RELEASED_BY_OCT_2022_HA",
    "START",
    "CellPlan",
    "Devices",
    "Scenario",
    "build",
    "lay_short",
]
