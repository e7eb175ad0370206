"""Which open hazard to clear first: a documented multi-criteria score with its parts.

Each open hazard gets eleven *parts*, each a number in [0, 1] computed from a raw value that is
kept beside it (see docs/PLANNING.md for the formulas and defaults):

========================  ==================================================================
part                      raw value -> part
========================  ==================================================================
``casualties``            victims (killed + injured) of accidents within ``radius_m`` of the
                          hazard in the ``years`` before the as-of date -> min(1, n / cap)
``population``            people in settlements within ``radius_m`` ->
                          min(1, log10(1 + n) / log10(1 + cap))
``road`` ... ``infrastructure``  the hazard blocks it (its ``blockages`` list) -> 1 or 0
``returns``               distance to the nearest planned return or reconstruction site ->
                          max(0, 1 - d / radius_m)
``evidence``              kind (CHA/SHA), linked minefield record, accident within
                          ``accident_within_m`` -> min(1, sum of the points given for each)
``size``                  remaining area in ha -> min(1, log10(1 + ha) / log10(1 + cap_ha))
``effort``                estimated team-days (remaining area / productivity of the method
                          its contamination calls for) -> 1 - min(1, log10(1 + d) /
                          log10(1 + cap)): the less effort, the higher the part
========================  ==================================================================

The score is ``100 * sum(w_i * part_i) / sum(w_i)`` (0 to 100), and each part's *points* are
``100 * w_i * part_i / sum(w_i)``, so the points of a hazard add up to its score and an officer
sees why it ranks where it does.

Distances are in metres, computed in the UTM zone of each hazard (``utm_epsg`` of its centroid),
to the hazard's polygon (0 inside it), never in degrees. Points within a distance are found
with a k-d tree (SciPy ``cKDTree``) around the centroids; only the pairs whose answer the
centroid bounds cannot settle are measured exactly to the polygon with Shapely. Everything is
vectorised; no I/O here.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer
from scipy.spatial import cKDTree

from clearground.domain.errors import BadInput
from clearground.domain.geometry import utm_epsg

BLOCKAGES = ("road", "agriculture", "housing", "water", "infrastructure")
PARTS = (
    "casualties",
    "population",
    *BLOCKAGES,
    "returns",
    "evidence",
    "size",
    "effort",
)
DEFAULT_WEIGHTS: dict[str, float] = {
    "casualties": 3.0,
    "population": 2.0,
    "road": 1.5,
    "agriculture": 1.0,
    "housing": 2.0,
    "water": 1.0,
    "infrastructure": 1.0,
    "returns": 2.0,
    "evidence": 1.5,
    "size": 0.5,
    "effort": 1.0,
}
METHODS = ("manual", "mechanical", "mdd")
DEFAULT_EFFORT_METHOD = {"mined_area": "manual", "battle_area": "mechanical", "mixed": "manual"}
DEFAULT_EFFORT_PRODUCTIVITY = {"manual": 160.0, "mechanical": 5000.0, "mdd": 800.0}
"""m² per asset per working day: the modes of the forecast defaults (docs/PLANNING.md)."""


# --- configuration ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ReturnPoint:
    """A planned return or reconstruction site (a settlement or a point given in the file)."""

    name: str
    lon: float
    lat: float


@dataclass(frozen=True)
class PriorityConfig:
    """Weights and parameters of the score; ``from_mapping`` reads the weights file."""

    weights: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    casualty_radius_m: float = 5000.0
    casualty_years: float = 2.0
    casualty_cap: float = 5.0
    population_radius_m: float = 3000.0
    population_cap: float = 100_000.0
    returns_radius_m: float = 3000.0
    returns_settlements: tuple[str, ...] = ()
    returns_districts: tuple[str, ...] = ()
    returns_points: tuple[ReturnPoint, ...] = ()
    evidence_cha: float = 0.6
    evidence_sha: float = 0.2
    evidence_record: float = 0.2
    evidence_accident: float = 0.2
    evidence_accident_within_m: float = 100.0
    size_cap_ha: float = 1000.0
    effort_cap_team_days: float = 10_000.0
    effort_method: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_EFFORT_METHOD))
    effort_productivity: Mapping[str, float] = field(
        default_factory=lambda: dict(DEFAULT_EFFORT_PRODUCTIVITY)
    )

    @property
    def returns(self) -> tuple[tuple[str, ...], tuple[str, ...], tuple[ReturnPoint, ...]]:
        """The planned return sites: settlements, districts, lon/lat points."""
        return self.returns_settlements, self.returns_districts, self.returns_points

    @classmethod
    def from_mapping(cls, data: Any, source: str | None = None) -> PriorityConfig:
        """The configuration from a parsed weights file (see docs/examples/weights.yaml).

        Anything not given keeps its default. Unknown keys, negative weights, weights that are
        all zero, and numbers that are not numbers are refused with the field and the fix.
        """
        reader = ConfigReader(source)
        data = reader.mapping(data, "(top level)", allow_none=True) or {}
        reader.known(
            data,
            "",
            ("weights", "casualties", "population", "returns", "evidence", "size", "effort"),
        )
        base = cls()
        weights = dict(base.weights)
        given = reader.mapping(data.get("weights"), "weights", allow_none=True) or {}
        reader.known(given, "weights", PARTS)
        for name, value in given.items():
            weights[name] = reader.number(value, f"weights.{name}", minimum=0.0)
        if sum(weights.values()) <= 0:
            raise BadInput(
                "every weight is zero",
                field="weights",
                source=source,
                fix="Give at least one part a positive weight",
            )
        out: dict[str, Any] = {"weights": weights}
        simple = {
            "casualties": {
                "radius_m": "casualty_radius_m",
                "years": "casualty_years",
                "cap": "casualty_cap",
            },
            "population": {"radius_m": "population_radius_m", "cap": "population_cap"},
            "evidence": {
                "CHA": "evidence_cha",
                "SHA": "evidence_sha",
                "record": "evidence_record",
                "accident": "evidence_accident",
                "accident_within_m": "evidence_accident_within_m",
            },
            "size": {"cap_ha": "size_cap_ha"},
        }
        positive = {
            "casualty_radius_m",
            "casualty_years",
            "casualty_cap",
            "population_radius_m",
            "population_cap",
            "size_cap_ha",
        }
        for section, keys in simple.items():
            part = reader.mapping(data.get(section), section, allow_none=True) or {}
            reader.known(part, section, tuple(keys))
            for key, attr in keys.items():
                if key in part:
                    out[attr] = reader.number(
                        part[key], f"{section}.{key}", minimum=0.0, strict=attr in positive
                    )
        ret = reader.mapping(data.get("returns"), "returns", allow_none=True) or {}
        reader.known(ret, "returns", ("radius_m", "settlements", "districts", "points"))
        if "radius_m" in ret:
            out["returns_radius_m"] = reader.number(
                ret["radius_m"], "returns.radius_m", minimum=0.0, strict=True
            )
        out["returns_settlements"] = reader.names(ret.get("settlements"), "returns.settlements")
        out["returns_districts"] = reader.names(ret.get("districts"), "returns.districts")
        points = []
        for i, p in enumerate(reader.sequence(ret.get("points"), "returns.points")):
            where = f"returns.points[{i}]"
            p = reader.mapping(p, where)
            reader.known(p, where, ("name", "lon", "lat"))
            lon = reader.number(p.get("lon"), f"{where}.lon", minimum=-180.0, maximum=180.0)
            lat = reader.number(p.get("lat"), f"{where}.lat", minimum=-90.0, maximum=90.0)
            points.append(ReturnPoint(str(p.get("name") or f"point {i + 1}"), lon, lat))
        out["returns_points"] = tuple(points)
        eff = reader.mapping(data.get("effort"), "effort", allow_none=True) or {}
        reader.known(eff, "effort", ("cap_team_days", "method", "productivity_m2_per_day"))
        if "cap_team_days" in eff:
            out["effort_cap_team_days"] = reader.number(
                eff["cap_team_days"], "effort.cap_team_days", minimum=0.0, strict=True
            )
        methods = dict(base.effort_method)
        given_methods = reader.mapping(eff.get("method"), "effort.method", allow_none=True) or {}
        reader.known(given_methods, "effort.method", tuple(DEFAULT_EFFORT_METHOD))
        for contamination, method in given_methods.items():
            if method not in METHODS:
                raise BadInput(
                    f"unknown method '{method}'",
                    field=f"effort.method.{contamination}",
                    source=source,
                    fix=f"Use one of {', '.join(METHODS)}",
                )
            methods[str(contamination)] = str(method)
        out["effort_method"] = methods
        prod = dict(base.effort_productivity)
        given_prod = (
            reader.mapping(
                eff.get("productivity_m2_per_day"),
                "effort.productivity_m2_per_day",
                allow_none=True,
            )
            or {}
        )
        reader.known(given_prod, "effort.productivity_m2_per_day", METHODS)
        for method, value in given_prod.items():
            prod[method] = reader.number(
                value, f"effort.productivity_m2_per_day.{method}", minimum=0.0, strict=True
            )
        out["effort_productivity"] = prod
        return replace(base, **out)

    def as_dict(self) -> dict[str, Any]:
        """The configuration as plain JSON values (printed with every ranking)."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "returns_points":
                value = [{"name": p.name, "lon": p.lon, "lat": p.lat} for p in value]
            elif isinstance(value, Mapping):
                value = dict(value)
            elif isinstance(value, tuple):
                value = list(value)
            out[f.name] = value
        return out


class ConfigReader:
    """Checks values of a configuration file, naming the file, the field and the fix."""

    def __init__(self, source: str | None) -> None:
        self.source = source

    def fail(self, reason: str, where: str, fix: str, value: object = None) -> BadInput:
        return BadInput(reason, field=where, value=value, source=self.source, fix=fix)

    def mapping(self, value: Any, where: str, allow_none: bool = False) -> Any:
        if value is None and allow_none:
            return None
        if not isinstance(value, Mapping):
            raise self.fail(
                "expected a mapping of names to values",
                where,
                "Write it as 'name: value' lines indented under the key",
                value,
            )
        return {str(k): v for k, v in value.items()}

    def sequence(self, value: Any, where: str) -> list[Any]:
        if value is None:
            return []
        if isinstance(value, str) or not isinstance(value, Sequence):
            raise self.fail("expected a list", where, "Write it as a YAML list ('- item')", value)
        return list(value)

    def names(self, value: Any, where: str) -> tuple[str, ...]:
        items = self.sequence(value, where)
        for item in items:
            if not isinstance(item, str) or not item.strip():
                raise self.fail("expected a list of names", where, "Give each as a text", item)
        return tuple(items)

    def known(self, data: Mapping[str, Any], where: str, allowed: Sequence[str]) -> None:
        for key in data:
            if key not in allowed:
                name = f"{where}.{key}" if where else key
                raise self.fail(
                    f"unknown key '{key}'",
                    name,
                    f"Known keys{' under ' + where if where else ''}: {', '.join(allowed)}",
                )

    def number(
        self,
        value: Any,
        where: str,
        *,
        minimum: float | None = None,
        maximum: float | None = None,
        strict: bool = False,
    ) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail("expected a number", where, "Write a plain number, e.g. 2.5", value)
        x = float(value)
        if not math.isfinite(x):
            raise self.fail("expected a finite number", where, "Write a plain number", value)
        if minimum is not None and (x < minimum or (strict and x <= minimum)):
            bound = f"above {minimum:g}" if strict else f"at least {minimum:g}"
            raise self.fail(f"must be {bound}", where, f"Give a number {bound}", value)
        if maximum is not None and x > maximum:
            raise self.fail(
                f"must be at most {maximum:g}", where, f"Give a number up to {maximum:g}", value
            )
        return x


# --- distances in metres ---------------------------------------------------------------------


@lru_cache(maxsize=64)
def _to_utm(epsg: int) -> Transformer:
    return Transformer.from_crs(4326, epsg, always_xy=True)


def utm_zones(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """EPSG code of the UTM zone of each point (``domain.geometry.utm_epsg``), as an array."""
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    out = np.empty(len(lon), dtype=np.int64)
    zone = np.floor((lon + 180.0) / 6.0).astype(np.int64)
    north = lat >= 0
    for z in np.unique(zone):
        for n in (True, False):
            sel = (zone == z) & (north == n)
            if sel.any():
                i = int(np.flatnonzero(sel)[0])
                out[sel] = utm_epsg(float(lon[i]), float(lat[i]))
    return out


def project_points(lon: np.ndarray, lat: np.ndarray, epsg: int) -> np.ndarray:
    """(n, 2) metres in the given UTM zone."""
    if len(lon) == 0:
        return np.empty((0, 2))
    x, y = _to_utm(epsg).transform(np.asarray(lon, float), np.asarray(lat, float))
    return np.column_stack([x, y])


def project_geometries(geoms: np.ndarray, epsg: int) -> np.ndarray:
    """Lon/lat Shapely geometries to metres in the given UTM zone (one vectorised call)."""
    tr = _to_utm(epsg)
    return shapely.transform(geoms, lambda xy: np.column_stack(tr.transform(xy[:, 0], xy[:, 1])))


@dataclass(frozen=True)
class PolygonIndex:
    """Projected polygons with the bounds used to settle most distance questions cheaply.

    ``centroid`` (n, 2); ``outer``: the largest distance from the centroid to a vertex (the
    polygon lies within this circle); ``inner``: the distance from the centroid to the
    polygon (0 when the centroid is inside). For a point at distance ``c`` from the centroid,
    the distance ``d`` to the polygon satisfies ``c - outer <= d <= c + inner``.
    """

    polygons: np.ndarray
    centroid: np.ndarray
    outer: np.ndarray
    inner: np.ndarray

    @classmethod
    def build(cls, polygons: np.ndarray) -> PolygonIndex:
        polygons = np.asarray(polygons, dtype=object)
        cent_geom = shapely.centroid(polygons)
        centroid = shapely.get_coordinates(cent_geom)
        coords, idx = shapely.get_coordinates(polygons, return_index=True)
        outer = np.zeros(len(polygons))
        if len(coords):
            np.maximum.at(outer, idx, np.hypot(*(coords - centroid[idx]).T))
        inner = shapely.distance(cent_geom, polygons)
        return cls(polygons, centroid, outer, np.asarray(inner, dtype=float))


def points_within(
    index: PolygonIndex,
    points: np.ndarray,
    radius: float,
    *,
    exact: bool = False,
    tree: cKDTree | None = None,
    geoms: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs (polygon i, point j) with the point within ``radius`` metres of the polygon.

    ``points`` is (m, 2) in the same metric projection as the polygons. Returns the arrays
    ``i``, ``j`` and ``d``: ``d`` is the exact distance in metres (0 inside) where it was
    measured, which is always when ``exact`` is true; otherwise NaN where the centroid bounds
    alone proved the point within reach. ``tree`` (a ``cKDTree`` of ``points``) and
    ``geoms`` (``shapely.points(points)``) may be given to reuse them.
    """
    empty = (np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0))
    n = len(index.polygons)
    if n == 0 or len(points) == 0:
        return empty
    tree = tree if tree is not None else cKDTree(points)
    hits = tree.query_ball_point(index.centroid, r=radius + index.outer, return_sorted=False)
    lengths = np.fromiter((len(h) for h in hits), dtype=np.int64, count=n)
    if lengths.sum() == 0:
        return empty
    j = np.concatenate([np.asarray(h, dtype=np.int64) for h in hits if h])
    i = np.repeat(np.arange(n, dtype=np.int64), lengths)
    c = np.hypot(*(points[j] - index.centroid[i]).T)
    sure = c + index.inner[i] <= radius
    d = np.full(len(i), np.nan)
    measure = np.ones(len(i), bool) if exact else ~sure
    if measure.any():
        pts = geoms[j[measure]] if geoms is not None else shapely.points(points[j[measure]])
        d[measure] = shapely.distance(index.polygons[i[measure]], pts)
    keep = sure | (d <= radius)
    return i[keep], j[keep], d[keep]


def by_utm_zone(geoms: np.ndarray) -> dict[int, np.ndarray]:
    """Indices of the geometries in each UTM zone (by centroid)."""
    cent = shapely.get_coordinates(shapely.centroid(geoms))
    zones = utm_zones(cent[:, 0], cent[:, 1]) if len(cent) else np.empty(0, np.int64)
    return {int(z): np.flatnonzero(zones == z) for z in np.unique(zones)}


@dataclass
class _Layer:
    """Points of one kind (places, accidents, ...) as lon/lat with per-zone projections."""

    lon: np.ndarray
    lat: np.ndarray
    _cache: dict[int, dict[str, Any]] = field(default_factory=dict)

    def in_zone(self, epsg: int) -> dict[str, Any]:
        """``points`` (metres in the zone), their ``tree`` and point ``geoms``."""
        if epsg not in self._cache:
            xy = project_points(self.lon, self.lat, epsg)
            self._cache[epsg] = {
                "points": xy,
                "tree": cKDTree(xy) if len(xy) else None,
                "geoms": shapely.points(xy) if len(xy) else None,
            }
        return self._cache[epsg]


# --- the score -------------------------------------------------------------------------------


def _log_part(value: np.ndarray, cap: float) -> np.ndarray:
    return np.minimum(1.0, np.log10(1.0 + np.maximum(value, 0.0)) / math.log10(1.0 + cap))


def prioritise(
    hazards: pd.DataFrame,
    places: pd.DataFrame,
    accidents: pd.DataFrame,
    returns: pd.DataFrame,
    config: PriorityConfig,
    as_of: dt.date,
) -> pd.DataFrame:
    """Rank open hazards; one row per hazard with its score, rank and every part.

    ``hazards``: ``hazard`` (local id), ``geometry`` (lon/lat polygons), ``kind`` (SHA/CHA),
    ``contamination``, ``blockages`` (lists), ``has_record`` (bool), ``remaining_m2``; other
    columns (``district``, ``name``, ...) are carried along. ``places``: ``lon``, ``lat``,
    ``population``. ``accidents``: ``lon``, ``lat``, ``date``, ``victims``. ``returns``:
    ``lon``, ``lat`` of planned return and reconstruction sites.

    For each part ``p`` the result has ``p_value`` (the raw value: victims, people, 0/1,
    metres, evidence points, ha, team-days), ``p_part`` (0..1) and ``p_points`` (its share of
    the score); ``score`` is 0..100 and ``rank`` 1 is first. Ties keep the hazard id order.
    """
    n = len(hazards)
    geoms = np.asarray(hazards["geometry"].values, dtype=object)
    remaining = hazards["remaining_m2"].to_numpy(dtype=float)
    value: dict[str, np.ndarray] = {}
    part: dict[str, np.ndarray] = {}

    # spatial parts, zone by zone
    cas_victims = np.zeros(n)
    people = np.zeros(n)
    return_d = np.full(n, np.inf)
    accident_inside = np.zeros(n, bool)
    acc_dates = pd.to_datetime(pd.Series(accidents["date"].to_numpy()))
    end = pd.Timestamp(as_of)
    recent = (
        (acc_dates <= end) & (acc_dates > end - pd.Timedelta(days=365.25 * config.casualty_years))
    ).to_numpy(bool)
    known = (acc_dates <= end).to_numpy(bool)
    recent_acc = _Layer(
        accidents["lon"].to_numpy(float)[recent], accidents["lat"].to_numpy(float)[recent]
    )
    recent_victims = accidents["victims"].to_numpy(float)[recent]
    known_acc = _Layer(
        accidents["lon"].to_numpy(float)[known], accidents["lat"].to_numpy(float)[known]
    )
    place_layer = _Layer(places["lon"].to_numpy(float), places["lat"].to_numpy(float))
    population = places["population"].fillna(0).to_numpy(float)
    return_layer = _Layer(returns["lon"].to_numpy(float), returns["lat"].to_numpy(float))
    for epsg, sel in by_utm_zone(geoms).items() if n else []:
        index = PolygonIndex.build(project_geometries(geoms[sel], epsg))
        i, j, _ = points_within(
            index, radius=config.population_radius_m, **place_layer.in_zone(epsg)
        )
        people[sel] += np.bincount(i, weights=population[j], minlength=len(sel))
        i, j, _ = points_within(index, radius=config.casualty_radius_m, **recent_acc.in_zone(epsg))
        cas_victims[sel] += np.bincount(i, weights=recent_victims[j], minlength=len(sel))
        i, _, _ = points_within(
            index, radius=config.evidence_accident_within_m, **known_acc.in_zone(epsg)
        )
        accident_inside[sel[np.unique(i)]] = True
        i, _, d = points_within(
            index, radius=config.returns_radius_m, exact=True, **return_layer.in_zone(epsg)
        )
        best = np.full(len(sel), np.inf)
        np.minimum.at(best, i, d)
        return_d[sel] = best

    value["casualties"] = cas_victims
    part["casualties"] = np.minimum(1.0, cas_victims / config.casualty_cap)
    value["population"] = people
    part["population"] = _log_part(people, config.population_cap)
    blocked = hazards["blockages"].map(lambda b: set(b) if isinstance(b, list | tuple) else set())
    for b in BLOCKAGES:
        flag = blocked.map(lambda s, b=b: b in s).to_numpy(dtype=float)
        value[b] = flag
        part[b] = flag
    value["returns"] = return_d
    part["returns"] = np.where(
        np.isfinite(return_d), np.maximum(0.0, 1.0 - return_d / config.returns_radius_m), 0.0
    )
    kind = hazards["kind"].astype(str).str.upper().to_numpy()
    has_record = hazards["has_record"].fillna(False).to_numpy(dtype=bool)
    evidence = (
        np.where(
            kind == "CHA", config.evidence_cha, np.where(kind == "SHA", config.evidence_sha, 0)
        )
        + config.evidence_record * has_record
        + config.evidence_accident * accident_inside
    )
    value["evidence"] = evidence
    part["evidence"] = np.minimum(1.0, evidence)
    ha = remaining / 1e4
    value["size"] = ha
    part["size"] = _log_part(ha, config.size_cap_ha)
    method = hazards["contamination"].map(lambda c: config.effort_method.get(str(c), "manual"))
    productivity = method.map(lambda m: config.effort_productivity.get(m, 0.0)).to_numpy(float)
    days = np.divide(remaining, productivity, out=np.full(n, np.inf), where=productivity > 0)
    value["effort"] = days
    part["effort"] = np.where(
        np.isfinite(days), 1.0 - _log_part(days, config.effort_cap_team_days), 0.0
    )

    total_w = sum(config.weights.get(p, 0.0) for p in PARTS)
    out = hazards.drop(columns=["geometry"]).reset_index(drop=True).copy()
    score = np.zeros(n)
    for p in PARTS:
        points = 100.0 * config.weights.get(p, 0.0) * part[p] / total_w
        out[f"{p}_value"] = value[p]
        out[f"{p}_part"] = part[p]
        out[f"{p}_points"] = points
        score += points
    out["effort_method"] = method.to_numpy()
    out["score"] = score
    out = out.sort_values(["score", "hazard"], ascending=[False, True], kind="mergesort")
    out["rank"] = np.arange(1, n + 1)
    return out.reset_index(drop=True)


def explain(row: Mapping[str, Any], config: PriorityConfig) -> dict[str, dict[str, Any]]:
    """The parts of one ranked hazard as plain values: raw value, part, weight and points."""
    out: dict[str, dict[str, Any]] = {}
    for p in PARTS:
        raw = float(row[f"{p}_value"])
        out[p] = {
            "value": None if not math.isfinite(raw) else round(raw, 3),
            "part": round(float(row[f"{p}_part"]), 4),
            "weight": config.weights.get(p, 0.0),
            "points": round(float(row[f"{p}_points"]), 3),
        }
    return out


PART_UNITS = {
    "casualties": "victims",
    "population": "people",
    "road": "0/1",
    "agriculture": "0/1",
    "housing": "0/1",
    "water": "0/1",
    "infrastructure": "0/1",
    "returns": "m to nearest planned return site",
    "evidence": "evidence points",
    "size": "ha remaining",
    "effort": "team-days",
}
