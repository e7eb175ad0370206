"""The facts the demo is built to: its dates, districts, organisations and release milestones.

The milestones are what the published figures say was released by each date; the schedule
spreads the work so that the statistics computed from the records come out at them.
"""

from __future__ import annotations

import datetime as dt

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
