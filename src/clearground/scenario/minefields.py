"""Minefield patterns, the record forms written about them, and how records go wrong.

A pattern is a set of parallel rows of mines in metric coordinates. ``record_form`` writes it
as the party that laid it would: a reference point, a traverse of magnetic bearings and
distances round the perimeter, and rows tied to the first turning point. ``deviate`` makes the
"true" minefield from a record by the errors reported for handed-over records.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from shapely.geometry import MultiPoint

from clearground.domain.geometry import WGS84
from clearground.scenario.layout import xy_to_lonlat

AP_TYPES = ["PMN-2", "PMN", "POMZ-2M", "OZM-72", "PMN-4", "MON-50"]
AP_WEIGHTS = [0.4, 0.2, 0.15, 0.12, 0.08, 0.05]
AT_TYPES = ["TM-62M", "TM-57", "TM-62P3"]
AT_WEIGHTS = [0.55, 0.3, 0.15]

DECLINATION_DEG = 6.3
"""Magnetic declination used in the scenario's record forms (east positive, Karabakh 2021)."""


@dataclass
class Pattern:
    """Rows of mines in metric coordinates (LAEA of ``layout``)."""

    rows: list[np.ndarray]  # each (n, 2)
    ordnance: list[str]  # one code per row
    category: list[str]  # "ap_mine" / "at_mine" per row
    spacing: list[float] = field(default_factory=list)

    @property
    def mines(self) -> np.ndarray:
        return np.vstack(self.rows) if self.rows else np.empty((0, 2))

    @property
    def mine_ordnance(self) -> list[str]:
        return [o for r, o in zip(self.rows, self.ordnance, strict=True) for _ in range(len(r))]

    @property
    def mine_category(self) -> list[str]:
        return [c for r, c in zip(self.rows, self.category, strict=True) for _ in range(len(r))]


def make_pattern(
    rng: np.random.Generator,
    centre: tuple[float, float],
    count: int,
    kind: str,
    max_row_m: float = 320.0,
) -> Pattern:
    """A minefield of about ``count`` mines of ``kind`` ("ap", "at" or "mixed") at ``centre``."""
    angle = rng.uniform(0, np.pi)
    u = np.array([np.cos(angle), np.sin(angle)])  # along the rows
    v = np.array([-u[1], u[0]])  # across the rows
    kinds = ["at", "ap"] if kind == "mixed" else [kind]
    spacing_of = {
        "ap": float(rng.choice([1.5, 2.0, 2.5, 3.0])),
        "at": float(rng.choice([4.0, 4.5, 5.0, 6.0])),
    }
    per_kind = np.full(len(kinds), count // len(kinds))
    per_kind[0] += count - per_kind.sum()
    row_specs: list[tuple[str, int]] = []
    for k, n in zip(kinds, per_kind, strict=True):
        per_row_max = int(max_row_m // spacing_of[k]) + 1
        n_rows = max(1, int(np.ceil(n / per_row_max)))
        base = n // n_rows
        for r in range(n_rows):
            row_specs.append((k, base + (1 if r < n - base * n_rows else 0)))
    gap = float(rng.uniform(8, 20))
    rows, ordn, cats, spac = [], [], [], []
    offset0 = -(len(row_specs) - 1) * gap / 2
    for i, (k, n) in enumerate(row_specs):
        s = spacing_of[k]
        length = (n - 1) * s
        start = np.asarray(centre) + v * (offset0 + i * gap) - u * length / 2
        start = start + u * rng.uniform(-3, 3)
        pts = start + np.outer(np.arange(n) * s, u)
        rows.append(pts)
        if k == "ap":
            ordn.append(str(rng.choice(AP_TYPES, p=AP_WEIGHTS)))
            cats.append("ap_mine")
        else:
            ordn.append(str(rng.choice(AT_TYPES, p=AT_WEIGHTS)))
            cats.append("at_mine")
        spac.append(s)
    return Pattern(rows, ordn, cats, spac)


def _inv(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    az, _, dist = WGS84.inv(a[0], a[1], b[0], b[1])
    return float(az) % 360.0, float(dist)


def record_form(rng: np.random.Generator, pattern: Pattern, margin: float = 12.0) -> dict[str, Any]:
    """The record form of a pattern: reference point, magnetic traverse, rows (CCW APII)."""
    pts = pattern.mines
    hull = MultiPoint([tuple(p) for p in pts]).convex_hull.buffer(margin, quad_segs=1)
    ring = np.asarray(hull.exterior.coords)[:-1]
    # keep 5-8 turning points of the buffered hull, in order
    keep = np.linspace(0, len(ring), min(len(ring), int(rng.integers(5, 9))), endpoint=False)
    turning_xy = ring[keep.astype(int)]
    direction = rng.uniform(0, 2 * np.pi)
    ref_xy = turning_xy[0] + np.array([np.cos(direction), np.sin(direction)]) * rng.uniform(40, 150)
    ll = xy_to_lonlat(np.vstack([ref_xy[None, :], turning_xy]))
    ref_ll, tp_ll = ll[0], ll[1:]

    def magnetic(true_az: float) -> float:
        return round((true_az - DECLINATION_DEG) % 360.0, 6)

    legs = []
    prev = ref_ll
    for p in [*tp_ll, tp_ll[0]]:
        az, dist = _inv(prev, p)
        legs.append({"bearing": magnetic(az), "distance": round(dist, 3)})
        prev = p
    rows = []
    for i, (row, code, s) in enumerate(
        zip(pattern.rows, pattern.ordnance, pattern.spacing, strict=True)
    ):
        row_ll = xy_to_lonlat(row)
        az0, d0 = _inv(tp_ll[0], row_ll[0])
        direction_az = _inv(row_ll[0], row_ll[-1])[0] if len(row_ll) > 1 else 0.0
        geod_spacing = _inv(row_ll[0], row_ll[-1])[1] / (len(row_ll) - 1) if len(row_ll) > 1 else s
        rows.append(
            {
                "label": chr(ord("A") + i) if i < 26 else f"R{i + 1}",
                "from": "TP1",
                "bearing": magnetic(az0),
                "distance": round(d0, 3),
                "direction": magnetic(direction_az),
                "spacing": round(geod_spacing, 4),
                "count": int(len(row)),
                "ordnance": code,
            }
        )
    return {
        "bearing_type": "magnetic",
        "declination_deg": DECLINATION_DEG,
        "reference_points": [
            {
                "name": "RP1",
                "lon": round(float(ref_ll[0]), 8),
                "lat": round(float(ref_ll[1]), 8),
                "description": "benchmark (concrete post)",
            }
        ],
        "traverse": {"from": "RP1", "legs": legs},
        "rows": rows,
    }


ERRORS = ("accurate", "incomplete", "shifted", "rotated", "fictitious")
ERROR_SHARES = (0.19, 0.20, 0.25, 0.11, 0.25)
"""Shares of record kinds. With ~95 % of an accurate and ~45 % of an incomplete record's
mines where written, mine-level precision comes to about 25 %, as reported."""


@dataclass
class Deviation:
    kind: str
    shift_m: tuple[float, float] = (0.0, 0.0)
    rotation_deg: float = 0.0
    kept_share: float = 1.0


def draw_deviation(rng: np.random.Generator, max_shift: float) -> Deviation:
    kind = str(rng.choice(ERRORS, p=ERROR_SHARES))
    if kind == "shifted":
        dist = rng.uniform(60, max_shift)
        ang = rng.uniform(0, 2 * np.pi)
        return Deviation(kind, (float(dist * np.cos(ang)), float(dist * np.sin(ang))))
    if kind == "rotated":
        return Deviation(kind, rotation_deg=float(rng.choice([-1, 1]) * rng.uniform(8, 30)))
    if kind == "incomplete":
        return Deviation(kind, kept_share=float(rng.uniform(0.3, 0.6)))
    return Deviation(kind)


def deviate(
    rng: np.random.Generator,
    recorded: np.ndarray,
    pivot: np.ndarray,
    dev: Deviation,
    noise_m: float = 0.7,
) -> tuple[np.ndarray, np.ndarray]:
    """True mine positions (metric) for recorded ones, and which recorded mine each came from.

    Returns ``(true_xy, source_index)``; a fictitious record yields no mines.
    """
    n = len(recorded)
    if dev.kind == "fictitious" or n == 0:
        return np.empty((0, 2)), np.empty(0, dtype=int)
    idx = np.arange(n)
    if dev.kind == "accurate":
        idx = idx[rng.random(n) < 0.95]
    elif dev.kind == "incomplete":
        # whole stretches of rows never laid or already lifted
        keep = np.zeros(n, bool)
        start = int(rng.integers(0, max(1, n)))
        length = int(round(n * dev.kept_share))
        keep[(start + np.arange(length)) % n] = True
        idx = idx[keep]
    xy = recorded[idx].copy()
    if dev.kind == "rotated":
        a = np.deg2rad(-dev.rotation_deg)  # clockwise bearing rotation
        rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
        xy = (xy - pivot) @ rot.T + pivot
    if dev.kind == "shifted":
        xy = xy + np.asarray(dev.shift_m)
    xy = xy + rng.normal(0, noise_m, xy.shape)
    return xy, idx
