"""The ordnance catalogue seeded by ``clearground init``.

Each entry: code, name, category (a ``DeviceCategory``), subcategory, origin. Categories
follow the IMAS glossary: AP and AT mines, UXO, AXO, IED, submunitions.
"""

from __future__ import annotations

ORDNANCE: list[tuple[str, str, str, str, str]] = [
    ("E-001 M", "E-001 M anti-personnel blast mine", "ap_mine", "blast", "Armenia"),
    ("PMN", "PMN anti-personnel blast mine", "ap_mine", "blast", "USSR"),
    ("PMN-2", "PMN-2 anti-personnel blast mine", "ap_mine", "blast", "USSR"),
    ("PMN-4", "PMN-4 anti-personnel blast mine", "ap_mine", "blast", "Russia"),
    ("PFM-1", "PFM-1 scatterable anti-personnel blast mine", "ap_mine", "blast", "USSR"),
    (
        "POMZ-2M",
        "POMZ-2M anti-personnel stake fragmentation mine",
        "ap_mine",
        "fragmentation",
        "USSR",
    ),
    ("OZM-72", "OZM-72 anti-personnel bounding fragmentation mine", "ap_mine", "bounding", "USSR"),
    (
        "MON-50",
        "MON-50 anti-personnel directional fragmentation mine",
        "ap_mine",
        "directional",
        "USSR",
    ),
    (
        "MON-100",
        "MON-100 anti-personnel directional fragmentation mine",
        "ap_mine",
        "directional",
        "USSR",
    ),
    ("TM-57", "TM-57 anti-tank blast mine", "at_mine", "blast", "USSR"),
    ("TM-62M", "TM-62M anti-tank blast mine (metal case)", "at_mine", "blast", "USSR"),
    ("TM-62P3", "TM-62P3 anti-tank blast mine (plastic case)", "at_mine", "blast", "USSR"),
    ("TM-83", "TM-83 anti-tank side-attack mine", "at_mine", "off-route", "USSR"),
    ("UXO-PROJECTILE", "Artillery projectile (unexploded)", "uxo", "projectile", "various"),
    ("UXO-MORTAR", "Mortar bomb (unexploded)", "uxo", "mortar", "various"),
    ("UXO-ROCKET", "Rocket or missile (unexploded)", "uxo", "rocket", "various"),
    ("UXO-GRENADE", "Hand or rifle grenade (unexploded)", "uxo", "grenade", "various"),
    ("UXO-RPG", "Rocket-propelled grenade (unexploded)", "uxo", "rocket", "various"),
    ("AXO-AMMUNITION", "Abandoned ammunition (stockpile or cache)", "axo", "ammunition", "various"),
    (
        "SUB-DPICM",
        "Cluster submunition, DPICM type (unexploded)",
        "submunition",
        "DPICM",
        "various",
    ),
    (
        "SUB-9N235",
        "9N235 fragmentation submunition (unexploded)",
        "submunition",
        "fragmentation",
        "USSR",
    ),
    (
        "IED-BOOBYTRAP",
        "Booby trap / victim-operated improvised device",
        "ied",
        "victim-operated",
        "improvised",
    ),
]
