"""When will each district, and the country, be done? A Monte Carlo completion forecast.

The model (docs/PLANNING.md gives the reasoning and the sources of the defaults):

- **Work left**: the area of every open hazard less what activities have released from it by
  the as-of date, summed by district (m²).
- **Survey**: a share ``s`` of that area will be cancelled (non-technical survey) or reduced
  (technical survey) rather than cleared. ``s`` is estimated from the hazards already closed
  (area cancelled + reduced over area released) and, in each Monte Carlo run, drawn again by
  resampling those hazards (a bootstrap), so its uncertainty is carried into the dates.
  Survey effort itself is not modelled: clearing ``(1 - s)`` of the area is the work.
- **Capacity**: the assets in service on the as-of date (manual teams, machines, dogs), each
  clearing its recorded ``productivity_m2_per_day`` (or the default mode for its method) on
  flat ground per working day, times ``working_days_per_year / 365.25`` per calendar day, times
  ``utilisation``. In each run, the productivity of each method is multiplied by a draw from a
  triangular distribution spanning the published range (low/mode, 1, high/mode).
- **Terrain**: clearance in a district runs at its terrain factor (flat 1, hilly 0.7,
  mountain 0.4 by default) times the flat-ground rate.
- **Where the assets work**: the fleet is shared among the districts in proportion to the area
  each released in the ``history_days`` before the as-of date (a district with work left but
  no recent release gets the smallest such share); when a district is done its share goes to
  the others. ``allocation: remaining`` shares by work left instead.
- **Calibration** (optional): ``utilisation`` is set so that the model's expected release
  (productivity at the mean of its triangular range) over the ``history_days`` before the
  as-of date equals the area the records show released then.

Every run is an exact event simulation (piecewise-constant rates, vectorised over runs with
NumPy): no time step. P50 is the median completion date over the runs, P90 the date by which
90 % of the runs are done (P10 likewise). The same seed gives the same answer; what-ifs reuse
the same random draws, so differences come from the change alone.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from clearground.analysis.prioritisation import ConfigReader
from clearground.domain.errors import BadInput

METHODS = ("manual", "mechanical", "mdd")
KIND_METHOD = {"manual_team": "manual", "machine": "mechanical", "mdd": "mdd"}
METHOD_KIND = {v: k for k, v in KIND_METHOD.items()}
RELEASING = ("cancelled", "reduced", "cleared")
DAYS_PER_YEAR = 365.25


@dataclass(frozen=True)
class Productivity:
    """Area one asset clears on flat ground in a working day (m²): a triangular range."""

    low: float
    mode: float
    high: float
    source: str = ""


DEFAULT_PRODUCTIVITY: dict[str, Productivity] = {
    "manual": Productivity(
        80.0,
        160.0,
        400.0,
        "HALO Trust: 10-50 m² per deminer per day depending on terrain; a team of 8 deminers "
        "working (assumption); mode 20 m² per deminer (assumption)",
    ),
    "mechanical": Productivity(
        2000.0,
        5000.0,
        10000.0,
        "ASFAT/Turkish MoD: MEMATT clears 1 km x 1.7 m (1,700 m²) an hour; high = 6 hours of "
        "that; CMAC flail: up to 15,000 m² in a 5-hour day on flat ground; mode and low are "
        "assumptions (overlap, turning, breakdowns)",
    ),
    "mdd": Productivity(
        400.0,
        800.0,
        1200.0,
        "NPA: a mine detection dog can release 800 m² in a working day; SFOR (2001): two dogs "
        "800-900 m² a day; low and high are assumptions",
    ),
}
DEFAULT_TERRAIN_FACTOR = {"flat": 1.0, "hilly": 0.7, "mountain": 0.4}


@dataclass(frozen=True)
class WhatIf:
    """A change to the fleet: assets added (negative: withdrawn) by kind, from a date."""

    name: str
    add: Mapping[str, int]
    start: dt.date | None = None  # None: from the start of the forecast


@dataclass(frozen=True)
class ForecastConfig:
    """Parameters of the forecast; ``from_mapping`` reads the assets file."""

    working_days_per_year: float = 220.0
    productivity: Mapping[str, Productivity] = field(
        default_factory=lambda: dict(DEFAULT_PRODUCTIVITY)
    )
    use_recorded_productivity: bool = True
    terrain_factor: Mapping[str, float] = field(
        default_factory=lambda: dict(DEFAULT_TERRAIN_FACTOR)
    )
    district_terrain: Mapping[str, str] = field(default_factory=dict)
    default_terrain: str = "flat"
    fleet: Mapping[str, int] | None = None
    survey_share: float | None = None
    utilisation: float = 1.0
    calibrate: bool = False
    allocation: str = "history"
    history_days: int = 365
    horizon_years: float = 100.0
    what_if: tuple[WhatIf, ...] = ()

    @classmethod
    def from_mapping(cls, data: Any, source: str | None = None) -> ForecastConfig:
        """The configuration from a parsed assets file (see docs/examples/assets.yaml)."""
        r = ConfigReader(source)
        data = r.mapping(data, "(top level)", allow_none=True) or {}
        r.known(
            data,
            "",
            (
                "working_days_per_year",
                "productivity_m2_per_day",
                "use_recorded_productivity",
                "terrain_factor",
                "district_terrain",
                "default_terrain",
                "fleet",
                "survey_share",
                "utilisation",
                "calibrate",
                "allocation",
                "history_days",
                "horizon_years",
                "what_if",
            ),
        )
        base = cls()
        out: dict[str, Any] = {}
        if "working_days_per_year" in data:
            out["working_days_per_year"] = r.number(
                data["working_days_per_year"],
                "working_days_per_year",
                minimum=0.0,
                maximum=366.0,
                strict=True,
            )
        prod = dict(base.productivity)
        given = (
            r.mapping(
                data.get("productivity_m2_per_day"), "productivity_m2_per_day", allow_none=True
            )
            or {}
        )
        r.known(given, "productivity_m2_per_day", METHODS)
        for method, spec in given.items():
            where = f"productivity_m2_per_day.{method}"
            spec = r.mapping(spec, where)
            r.known(spec, where, ("low", "mode", "high", "source"))
            old = prod[method]
            low = r.number(spec.get("low", old.low), f"{where}.low", minimum=0.0, strict=True)
            mode = r.number(spec.get("mode", old.mode), f"{where}.mode", minimum=0.0, strict=True)
            high = r.number(spec.get("high", old.high), f"{where}.high", minimum=0.0, strict=True)
            if not low <= mode <= high:
                raise BadInput(
                    f"low {low:g}, mode {mode:g}, high {high:g} are not in order",
                    field=where,
                    source=source,
                    fix="Give low <= mode <= high",
                )
            prod[method] = Productivity(low, mode, high, str(spec.get("source", "assets file")))
        out["productivity"] = prod
        if "use_recorded_productivity" in data:
            out["use_recorded_productivity"] = _bool(r, data, "use_recorded_productivity")
        if "calibrate" in data:
            out["calibrate"] = _bool(r, data, "calibrate")
        factors = dict(base.terrain_factor)
        given_f = r.mapping(data.get("terrain_factor"), "terrain_factor", allow_none=True) or {}
        for name, value in given_f.items():
            factors[name] = r.number(
                value, f"terrain_factor.{name}", minimum=0.0, maximum=1e3, strict=True
            )
        out["terrain_factor"] = factors
        terrain = r.mapping(data.get("district_terrain"), "district_terrain", allow_none=True)
        for district, cls_name in (terrain or {}).items():
            if cls_name not in factors:
                raise BadInput(
                    f"unknown terrain '{cls_name}'",
                    field=f"district_terrain.{district}",
                    source=source,
                    fix=f"Use one of {', '.join(factors)} or add it under terrain_factor",
                )
        out["district_terrain"] = {str(k): str(v) for k, v in (terrain or {}).items()}
        if "default_terrain" in data:
            if data["default_terrain"] not in factors:
                raise BadInput(
                    f"unknown terrain '{data['default_terrain']}'",
                    field="default_terrain",
                    source=source,
                    fix=f"Use one of {', '.join(factors)}",
                )
            out["default_terrain"] = str(data["default_terrain"])
        if data.get("fleet") is not None:
            out["fleet"] = _counts(r, data["fleet"], "fleet", allow_negative=False)
        if data.get("survey_share") is not None:
            out["survey_share"] = r.number(
                data["survey_share"], "survey_share", minimum=0.0, maximum=0.99
            )
        if "utilisation" in data:
            out["utilisation"] = r.number(
                data["utilisation"], "utilisation", minimum=0.0, maximum=100.0, strict=True
            )
        if "allocation" in data:
            if data["allocation"] not in ("history", "remaining"):
                raise BadInput(
                    f"unknown allocation '{data['allocation']}'",
                    field="allocation",
                    source=source,
                    fix="Use history or remaining",
                )
            out["allocation"] = str(data["allocation"])
        if "history_days" in data:
            out["history_days"] = int(
                r.number(data["history_days"], "history_days", minimum=1.0, maximum=36600.0)
            )
        if "horizon_years" in data:
            out["horizon_years"] = r.number(
                data["horizon_years"], "horizon_years", minimum=0.0, maximum=1000.0, strict=True
            )
        what = []
        for i, item in enumerate(r.sequence(data.get("what_if"), "what_if")):
            where = f"what_if[{i}]"
            item = r.mapping(item, where)
            r.known(item, where, ("name", "add", "from"))
            start = item.get("from")
            if start is not None and not isinstance(start, dt.date):
                try:
                    start = dt.date.fromisoformat(str(start))
                except ValueError:
                    raise BadInput(
                        f"cannot read '{start}' as a date",
                        field=f"{where}.from",
                        source=source,
                        fix="Write dates as YYYY-MM-DD",
                    ) from None
            what.append(
                WhatIf(
                    str(item.get("name") or f"what-if {i + 1}"),
                    _counts(r, item.get("add"), f"{where}.add", allow_negative=True),
                    start,
                )
            )
        out["what_if"] = tuple(what)
        return replace(base, **out)

    def as_dict(self) -> dict[str, Any]:
        return {
            "working_days_per_year": self.working_days_per_year,
            "productivity_m2_per_day": {
                m: {"low": p.low, "mode": p.mode, "high": p.high, "source": p.source}
                for m, p in self.productivity.items()
            },
            "use_recorded_productivity": self.use_recorded_productivity,
            "terrain_factor": dict(self.terrain_factor),
            "district_terrain": dict(self.district_terrain),
            "default_terrain": self.default_terrain,
            "fleet": None if self.fleet is None else dict(self.fleet),
            "survey_share": self.survey_share,
            "utilisation": self.utilisation,
            "calibrate": self.calibrate,
            "allocation": self.allocation,
            "history_days": self.history_days,
            "horizon_years": self.horizon_years,
            "what_if": [
                {
                    "name": w.name,
                    "add": dict(w.add),
                    "from": w.start.isoformat() if w.start else None,
                }
                for w in self.what_if
            ],
        }


def _bool(r: ConfigReader, data: Mapping[str, Any], key: str) -> bool:
    value = data[key]
    if not isinstance(value, bool):
        raise r.fail("expected true or false", key, "Write true or false", value)
    return value


def _counts(r: ConfigReader, value: Any, where: str, *, allow_negative: bool) -> dict[str, int]:
    counts = r.mapping(value, where)
    r.known(counts, where, tuple(KIND_METHOD))
    out = {}
    for kind, n in counts.items():
        x = r.number(n, f"{where}.{kind}", minimum=None if allow_negative else 0.0)
        if x != int(x):
            raise r.fail("expected a whole number of assets", f"{where}.{kind}", "Write e.g. 10", n)
        out[kind] = int(x)
    return out


def parse_additions(values: Sequence[str], source: str = "--add") -> WhatIf | None:
    """``["machine=10", "mdd=4"]`` (the command line's ``--add``) as one what-if."""
    if not values:
        return None
    add: dict[str, int] = {}
    for text in values:
        kind, _, n = text.partition("=")
        kind = kind.strip()
        if kind not in KIND_METHOD or not n.strip().lstrip("-").isdigit():
            raise BadInput(
                f"cannot read '{text}'",
                field=source,
                value=text,
                fix=f"Write KIND=N with KIND one of {', '.join(KIND_METHOD)}, e.g. machine=10",
            )
        add[kind] = add.get(kind, 0) + int(n)
    name = "add " + ", ".join(
        f"{n} {k.replace('_', ' ')}{'s' if abs(n) != 1 else ''}" for k, n in add.items()
    )
    return WhatIf(name, add)


# --- inputs ----------------------------------------------------------------------------------


def survey_history(hazards: pd.DataFrame, activities: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """Per hazard closed by ``as_of``: area cancelled + reduced (``surveyed``) and released.

    ``hazards``: ``hazard_id``, ``open``; ``activities``: ``hazard_id``, ``result``,
    ``end_date``, ``area_m2``.
    """
    closed = hazards.loc[~hazards["open"].astype(bool), "hazard_id"]
    acts = activities[
        activities["hazard_id"].isin(closed)
        & activities["result"].isin(RELEASING)
        & (pd.to_datetime(activities["end_date"]) <= pd.Timestamp(as_of))
    ]
    released = acts.groupby("hazard_id")["area_m2"].sum()
    surveyed = acts[acts["result"] != "cleared"].groupby("hazard_id")["area_m2"].sum()
    frame = pd.DataFrame({"released_m2": released})
    frame["surveyed_m2"] = surveyed.reindex(frame.index).fillna(0.0)
    return frame[frame["released_m2"] > 0].reset_index()


def released_between(
    activities: pd.DataFrame,
    after: dt.date,
    until: dt.date,
    hazard_ids: Sequence[int] | None = None,
) -> pd.Series:
    """Area released (m²) by district with ``after < end_date <= until``.

    Only on ``hazard_ids`` when given (e.g. the hazards open at the start of a backtest).
    """
    end = pd.to_datetime(activities["end_date"])
    sel = (
        activities["result"].isin(RELEASING)
        & (end > pd.Timestamp(after))
        & (end <= pd.Timestamp(until))
    )
    if hazard_ids is not None:
        sel &= activities["hazard_id"].isin(list(hazard_ids))
    acts = activities[sel]
    return acts.groupby(acts["district"].fillna("(no district)"))["area_m2"].sum()


@dataclass(frozen=True)
class Fleet:
    """Summed flat-ground productivity (m² per working day) by method, and asset counts."""

    productivity: dict[str, float]
    counts: dict[str, int]
    per_asset: dict[str, float]  # productivity of one added asset, by method
    later: int = 0  # assets entering service after the as-of date (not counted)


def fleet_at(assets: pd.DataFrame, as_of: dt.date, config: ForecastConfig) -> Fleet:
    """The assets in service on ``as_of`` (or the ``fleet`` of the configuration).

    ``assets``: ``kind``, ``productivity_m2_per_day`` (may be empty), ``in_service_from``
    (may be empty). Kinds other than manual teams, machines and dogs are not counted.
    """
    frame = assets[assets["kind"].isin(list(KIND_METHOD))].copy()
    frame["method"] = frame["kind"].map(KIND_METHOD)
    start = pd.to_datetime(frame["in_service_from"])
    in_service = start.isna() | (start <= pd.Timestamp(as_of))
    later = int((~in_service).sum())
    frame = frame[in_service.to_numpy()]
    mode = frame["method"].map(lambda m: config.productivity[m].mode)
    recorded = pd.to_numeric(frame["productivity_m2_per_day"], errors="coerce")
    if config.use_recorded_productivity:
        frame["p"] = recorded.where(recorded > 0, mode)
    else:
        frame["p"] = mode
    per_asset = {
        m: float(frame.loc[frame["method"] == m, "p"].mean())
        if (frame["method"] == m).any()
        else config.productivity[m].mode
        for m in METHODS
    }
    if config.fleet is not None:
        counts = {KIND_METHOD[k]: int(config.fleet.get(k, 0)) for k in KIND_METHOD}
        prod = {m: counts[m] * per_asset[m] for m in METHODS}
        return Fleet(prod, counts, per_asset, later)
    counts = {m: int((frame["method"] == m).sum()) for m in METHODS}
    prod = {m: float(frame.loc[frame["method"] == m, "p"].sum()) for m in METHODS}
    return Fleet(prod, counts, per_asset, later)


def capacity_over(
    assets: pd.DataFrame, first: dt.date, last: dt.date, config: ForecastConfig
) -> float:
    """Flat-ground m² the fleet is expected to clear from ``first`` to ``last`` (inclusive),
    utilisation 1: each asset from its ``in_service_from``, at its productivity times the mean
    of its method's triangular multiplier ((low + mode + high) / 3 / mode)."""
    frame = assets[assets["kind"].isin(list(KIND_METHOD))]
    method = frame["kind"].map(KIND_METHOD)
    mode = method.map(lambda m: config.productivity[m].mode)
    recorded = pd.to_numeric(frame["productivity_m2_per_day"], errors="coerce")
    p = recorded.where(recorded > 0, mode) if config.use_recorded_productivity else mode
    p = p * method.map(lambda m: mean_multiplier(config.productivity[m]))
    begin = pd.to_datetime(frame["in_service_from"]).fillna(pd.Timestamp(first))
    begin = begin.where(begin > pd.Timestamp(first), pd.Timestamp(first))
    days = ((pd.Timestamp(last) - begin).dt.days + 1).clip(lower=0)
    return float((p * days).sum() * config.working_days_per_year / DAYS_PER_YEAR)


# --- the simulation --------------------------------------------------------------------------


def simulate(
    area: np.ndarray,
    convert: np.ndarray,
    weights: np.ndarray,
    capacity: np.ndarray,
    breaks: np.ndarray,
    horizon: float,
    queries: Sequence[float] = (),
) -> tuple[np.ndarray, np.ndarray]:
    """Completion times of districts under a shared, piecewise-constant capacity.

    ``area`` (D,): m² left per district. ``convert`` (N, D): m² released per m² of flat-ground
    capacity in each run and district (terrain factor / (1 - survey share)). ``weights`` (D,):
    how the capacity is shared among the districts not yet done. ``capacity`` (N, K): flat m²
    per day in each run during segment k, which starts at ``breaks[k]`` days (``breaks[0]`` is
    0, increasing). ``queries``: days at which to report the released area.

    Returns the completion time in days (N, D; ``inf`` beyond ``horizon``) and the area released
    at each query (Q, N, D).
    """
    n_runs, n_d = convert.shape
    left = np.broadcast_to(np.asarray(area, float), (n_runs, n_d)).copy()
    total = left.copy()
    tol = 1e-9 * np.maximum(total, 1.0)
    active = left > tol
    done = np.where(active, np.inf, 0.0)
    t = np.zeros(n_runs)
    w = np.asarray(weights, float)
    stops = sorted(
        {float(b) for b in breaks[1:] if 0 < b < horizon}
        | {float(q) for q in queries if 0 < q < horizon}
        | {float(horizon)}
    )
    released_at: dict[float, np.ndarray] = {}
    for stop in stops:
        k = max(int(np.searchsorted(breaks, stop, side="left")) - 1, 0)
        cap = capacity[:, k]
        for _ in range(n_d + 2):
            running = (t < stop) & active.any(axis=1)
            if not running.any():
                break
            share_w = np.where(active, w, 0.0)
            norm = share_w.sum(axis=1, keepdims=True)
            share = np.divide(share_w, norm, out=np.zeros_like(share_w), where=norm > 0)
            rate = cap[:, None] * share * convert
            ttf = np.divide(left, rate, out=np.full_like(left, np.inf), where=rate > 0)
            ttf = np.where(active, ttf, np.inf)
            first = ttf.min(axis=1)
            to_stop = stop - t
            step = np.where(running, np.minimum(first, to_stop), 0.0)
            left = np.where(active, left - rate * step[:, None], left)
            t = np.where(running & (first >= to_stop), stop, t + step)
            finished = active & running[:, None] & ((left <= tol) | (ttf <= step[:, None]))
            done = np.where(finished, t[:, None], done)
            left = np.where(finished, 0.0, left)
            active &= ~finished
        t = np.maximum(t, stop)
        released_at[stop] = total - left
    final = total - left
    out_q = [
        released_at[float(q)] if float(q) in released_at else (final if q > 0 else total * 0)
        for q in queries
    ]
    return done, np.stack(out_q) if out_q else np.empty((0, n_runs, n_d))


def mean_multiplier(p: Productivity) -> float:
    """Mean of the triangular productivity multiplier (low/mode, 1, high/mode)."""
    return (p.low + p.mode + p.high) / (3.0 * p.mode)


def _triangular(rng: np.random.Generator, p: Productivity, n: int) -> np.ndarray:
    if p.high <= p.low:
        return np.ones(n)
    return rng.triangular(p.low / p.mode, 1.0, p.high / p.mode, n)


def bootstrap_share(history: pd.DataFrame, runs: int, rng: np.random.Generator) -> np.ndarray:
    """Survey share in each run: area-weighted share over closed hazards drawn with
    replacement (``history``: ``surveyed_m2``, ``released_m2``)."""
    s = history["surveyed_m2"].to_numpy(float)
    r = history["released_m2"].to_numpy(float)
    h = len(s)
    out = np.empty(runs)
    chunk = max(1, 2_000_000 // max(h, 1))
    for a in range(0, runs, chunk):
        b = min(runs, a + chunk)
        idx = rng.integers(0, h, (b - a, h))
        out[a:b] = s[idx].sum(axis=1) / r[idx].sum(axis=1)
    return out


# --- the forecast ----------------------------------------------------------------------------


@dataclass
class Outcome:
    """Completion of the country and of each district for one fleet (baseline or what-if)."""

    name: str
    days: np.ndarray  # (N, D) completion day per run and district
    released: np.ndarray  # (Q, N, D) released m² at each query day
    capacity: np.ndarray  # (N, K)
    breaks: np.ndarray  # (K,)


@dataclass
class Forecast:
    """Everything the forecast found: inputs as used, dates, what-ifs and the backtest."""

    as_of: dt.date
    runs: int
    seed: int
    districts: pd.DataFrame  # district, hazards, remaining_m2, terrain, factor, weight
    survey_share: np.ndarray
    survey_source: str
    fleet: Fleet
    utilisation: float
    calibration: dict[str, Any] | None
    baseline: Outcome
    what_ifs: list[Outcome]
    config: ForecastConfig
    queries: list[dt.date]
    notes: list[str]
    backtest: dict[str, Any] | None = None

    def quantiles(self, outcome: Outcome) -> tuple[pd.DataFrame, dict[str, Any]]:
        """P10/P50/P90 completion dates by district, and for the country."""
        rows = []
        for k, name in enumerate(self.districts["district"]):
            rows.append({"district": name, **_dates(self.as_of, outcome.days[:, k])})
        country = outcome.days.max(axis=1) if outcome.days.shape[1] else np.zeros(self.runs)
        return pd.DataFrame(rows), _dates(self.as_of, country)

    def to_dict(self) -> dict[str, Any]:
        """The forecast as a JSON document (see docs/PLANNING.md)."""
        per_d, country = self.quantiles(self.baseline)
        districts = []
        for row, q in zip(self.districts.to_dict("records"), per_d.to_dict("records"), strict=True):
            districts.append(
                {
                    "district": row["district"],
                    "hazards": int(row["hazards"]),
                    "remaining_m2": round(float(row["remaining_m2"]), 1),
                    "remaining_ha": round(float(row["remaining_m2"]) / 1e4, 2),
                    "terrain": row["terrain"],
                    "terrain_factor": float(row["factor"]),
                    "initial_share": round(float(row["share"]), 4),
                    **{k: v for k, v in q.items() if k != "district"},
                }
            )
        what = []
        base_country = self.baseline.days.max(axis=1) if self.baseline.days.shape[1] else None
        for spec, outcome in zip(self.config.what_if, self.what_ifs, strict=False):
            wd, wc = self.quantiles(outcome)
            saved = None
            if base_country is not None:
                diff = base_country - outcome.days.max(axis=1)
                finite = np.isfinite(diff)
                saved = float(np.median(diff[finite])) if finite.any() else None
            what.append(
                {
                    "name": outcome.name,
                    "add": dict(spec.add),
                    "from": (spec.start or self.start).isoformat(),
                    "country": wc,
                    "days_saved_p50": None if saved is None else round(saved, 1),
                    "districts": wd.to_dict("records"),
                }
            )
        s = self.survey_share
        return {
            "as_of": self.as_of.isoformat(),
            "start": self.start.isoformat(),
            "runs": self.runs,
            "seed": self.seed,
            "remaining_m2": round(float(self.districts["remaining_m2"].sum()), 1),
            "remaining_ha": round(float(self.districts["remaining_m2"].sum()) / 1e4, 2),
            "open_hazards": int(self.districts["hazards"].sum()),
            "country": country,
            "districts": districts,
            "survey_share": {
                "mean": round(float(s.mean()), 4),
                "p10": round(float(np.quantile(s, 0.1)), 4),
                "p90": round(float(np.quantile(s, 0.9)), 4),
                "source": self.survey_source,
            },
            "fleet": {
                "assets": {METHOD_KIND[m]: self.fleet.counts[m] for m in METHODS},
                "productivity_m2_per_working_day": {
                    METHOD_KIND[m]: round(self.fleet.productivity[m], 1) for m in METHODS
                },
                "assets_entering_service_later_not_counted": self.fleet.later,
            },
            "utilisation": round(self.utilisation, 4),
            "calibration": self.calibration,
            "what_if": what,
            "backtest": self.backtest,
            "parameters": self.config.as_dict(),
            "notes": self.notes,
        }

    @property
    def start(self) -> dt.date:
        return self.as_of + dt.timedelta(days=1)


def _date_after(as_of: dt.date, days: float) -> str | None:
    if not math.isfinite(days):
        return None
    return (as_of + dt.timedelta(days=int(math.ceil(days - 1e-9)))).isoformat()


def _dates(as_of: dt.date, days: np.ndarray) -> dict[str, Any]:
    """P10, P50, P90 of completion days as dates (None: not done within the horizon)."""
    out: dict[str, Any] = {}
    for name, q in (("p10", 0.1), ("p50", 0.5), ("p90", 0.9)):
        value = float(np.quantile(days, q, method="inverted_cdf"))
        out[name] = _date_after(as_of, value)
        out[f"{name}_years"] = None if not math.isfinite(value) else round(value / DAYS_PER_YEAR, 2)
    out["done_within_horizon"] = round(float(np.isfinite(days).mean()), 4)
    return out


def district_table(
    hazards: pd.DataFrame, activities: pd.DataFrame, as_of: dt.date, config: ForecastConfig
) -> pd.DataFrame:
    """Open hazards, work left, terrain and allocation weight by district."""
    open_h = hazards[hazards["open"].astype(bool) & (hazards["remaining_m2"] > 0)]
    key = open_h["district"].fillna("(no district)")
    table = (
        open_h.assign(district=key)
        .groupby("district")
        .agg(hazards=("hazard_id", "count"), remaining_m2=("remaining_m2", "sum"))
        .reset_index()
        .sort_values("district")
        .reset_index(drop=True)
    )
    table["terrain"] = table["district"].map(
        lambda d: config.district_terrain.get(d, config.default_terrain)
    )
    table["factor"] = table["terrain"].map(lambda c: config.terrain_factor[c])
    first = as_of - dt.timedelta(days=config.history_days - 1)
    recent = released_between(activities, first - dt.timedelta(days=1), as_of)
    hist = table["district"].map(recent).fillna(0.0).to_numpy(float)
    if config.allocation == "remaining" or hist.sum() <= 0:
        weight = table["remaining_m2"].to_numpy(float)
    else:
        floor = hist[hist > 0].min()
        weight = np.where(hist > 0, hist, floor)
    table["recent_released_m2"] = hist
    table["weight"] = weight
    table["share"] = weight / weight.sum() if weight.sum() > 0 else weight
    return table


def forecast(
    hazards: pd.DataFrame,
    activities: pd.DataFrame,
    assets: pd.DataFrame,
    config: ForecastConfig,
    as_of: dt.date,
    *,
    runs: int = 1000,
    seed: int = 2020,
    queries: Sequence[dt.date] = (),
) -> Forecast:
    """The completion forecast from the state on ``as_of``.

    ``hazards``: every hazard known on ``as_of``: ``hazard_id``, ``district``, ``open`` (bool),
    ``remaining_m2`` (area less what was released by ``as_of``). ``activities``: ``hazard_id``,
    ``district``, ``result``, ``end_date``, ``area_m2`` (later ones are ignored except by
    ``released_between``). ``assets``: ``kind``, ``productivity_m2_per_day``,
    ``in_service_from``. ``queries``: dates at which to report the released area (backtest).
    """
    notes: list[str] = []
    past = activities[pd.to_datetime(activities["end_date"]) <= pd.Timestamp(as_of)]
    table = district_table(hazards, past, as_of, config)
    rng = np.random.default_rng(seed)
    # survey share per run
    history = survey_history(hazards, past, as_of)
    if config.survey_share is not None:
        share = np.full(runs, config.survey_share)
        source = "assets file (survey_share)"
    elif len(history):
        share = bootstrap_share(history, runs, rng)
        source = (
            f"bootstrap over {len(history):,} hazards closed by {as_of.isoformat()} "
            f"({history['surveyed_m2'].sum() / history['released_m2'].sum():.1%} of their "
            "released area was cancelled or reduced)"
        )
    else:
        share = np.zeros(runs)
        source = "no closed hazards: assumed 0 (all area cleared)"
        notes.append("No hazard was closed by the as-of date: the survey share is taken as 0.")
    share = np.minimum(share, 0.99)
    # productivity multipliers per run and method (drawn in a fixed order)
    mult = {m: _triangular(rng, config.productivity[m], runs) for m in METHODS}
    fleet = fleet_at(assets, as_of, config)
    if fleet.later:
        notes.append(
            f"{fleet.later} asset(s) enter service after {as_of.isoformat()} and are not "
            "counted; add them as a what-if with a 'from' date."
        )
    # utilisation (optionally calibrated on the recent history)
    utilisation = config.utilisation
    calibration = None
    if config.calibrate:
        first = as_of - dt.timedelta(days=config.history_days - 1)
        recent = released_between(past, first - dt.timedelta(days=1), as_of)
        factor = {
            d: config.terrain_factor[config.district_terrain.get(d, config.default_terrain)]
            for d in recent.index
        }
        s_hat = float(share.mean())
        needed = float(sum(v * (1 - s_hat) / factor[d] for d, v in recent.items()))
        possible = capacity_over(assets, first, as_of, config)
        if config.fleet is not None:
            days = config.history_days * config.working_days_per_year / DAYS_PER_YEAR
            possible = days * sum(
                fleet.productivity[m] * mean_multiplier(config.productivity[m]) for m in METHODS
            )
        if possible > 0 and needed > 0:
            utilisation = needed / possible
            calibration = {
                "window": [first.isoformat(), as_of.isoformat()],
                "released_m2": round(float(recent.sum()), 1),
                "flat_clearance_needed_m2": round(needed, 1),
                "fleet_capacity_m2": round(possible, 1),
                "utilisation": round(utilisation, 4),
            }
            if utilisation > 1:
                notes.append(
                    f"Calibration: the records show {utilisation:.2f} times what the asset "
                    "register can clear at the assumed productivity; check the register and "
                    "the productivity figures."
                )
        else:
            notes.append("Calibration impossible (no release or no fleet in the window).")
    factor_d = table["factor"].to_numpy(float)
    convert = factor_d[None, :] / (1.0 - share[:, None])
    horizon = config.horizon_years * DAYS_PER_YEAR
    query_days = [float((q - as_of).days) for q in queries]

    def run(name: str, extra: Sequence[WhatIf]) -> Outcome:
        start_of = {0.0}
        for w in extra:
            start_of.add(max(0.0, float(((w.start or as_of) - as_of).days)))
        breaks = np.array(sorted(start_of))
        cap = np.zeros((runs, len(breaks)))
        for k, b in enumerate(breaks):
            per_method = dict(fleet.productivity)
            for w in extra:
                if max(0.0, float(((w.start or as_of) - as_of).days)) <= b:
                    for kind, n in w.add.items():
                        m = KIND_METHOD[kind]
                        per_method[m] += n * fleet.per_asset[m]
            cap[:, k] = sum(max(per_method[m], 0.0) * mult[m] for m in METHODS)
        cap *= config.working_days_per_year / DAYS_PER_YEAR * utilisation
        days, released = simulate(
            table["remaining_m2"].to_numpy(float),
            convert,
            table["weight"].to_numpy(float),
            cap,
            breaks,
            horizon,
            query_days,
        )
        return Outcome(name, days, released, cap, breaks)

    baseline = run("baseline", [])
    what_ifs = [run(w.name, [w]) for w in config.what_if]
    if sum(fleet.counts.values()) == 0 and config.fleet is None:
        notes.append("No manual team, machine or dog is in service: nothing gets done.")
    return Forecast(
        as_of=as_of,
        runs=runs,
        seed=seed,
        districts=table,
        survey_share=share,
        survey_source=source,
        fleet=fleet,
        utilisation=utilisation,
        calibration=calibration,
        baseline=baseline,
        what_ifs=what_ifs,
        config=config,
        queries=list(queries),
        notes=notes,
    )


def backtest(
    result: Forecast,
    activities: pd.DataFrame,
    open_hazard_ids: Sequence[int],
    until: dt.date,
) -> dict[str, Any]:
    """Compare the forecast area released by ``until`` with what the records show.

    The actual figure is the area released after the as-of date, up to ``until``, on the
    hazards that were open on the as-of date (the forecast's own population). The error is
    forecast P50 minus actual (m², and as a percentage of actual). A naive baseline, the
    release rate of the ``history_days`` before the as-of date carried forward, is scored the
    same way.
    """
    k = result.queries.index(until)
    released = result.baseline.released[k].sum(axis=1)
    by_district = released_between(activities, result.as_of, until, open_hazard_ids)
    actual = float(by_district.sum())
    all_actual = float(released_between(activities, result.as_of, until).sum())
    p = {q: float(np.quantile(released, v)) for q, v in (("p10", 0.1), ("p50", 0.5), ("p90", 0.9))}
    config = result.config
    first = result.as_of - dt.timedelta(days=config.history_days - 1)
    past = activities[pd.to_datetime(activities["end_date"]) <= pd.Timestamp(result.as_of)]
    recent = float(released_between(past, first - dt.timedelta(days=1), result.as_of).sum())
    horizon_days = (until - result.as_of).days
    remaining = float(result.districts["remaining_m2"].sum())
    trend = min(remaining, recent / config.history_days * horizon_days)

    def score(forecast_m2: float) -> dict[str, Any]:
        err = forecast_m2 - actual
        return {
            "forecast_m2": round(forecast_m2, 1),
            "error_m2": round(err, 1),
            "error_pct": None if actual == 0 else round(100.0 * err / actual, 2),
            "abs_error_pct": None if actual == 0 else round(100.0 * abs(err) / actual, 2),
        }

    per_d = result.baseline.released[k]
    districts = []
    for j, name in enumerate(result.districts["district"]):
        a = float(by_district.get(name, 0.0))
        f = float(np.median(per_d[:, j]))
        districts.append(
            {
                "district": name,
                "forecast_m2_p50": round(f, 1),
                "actual_m2": round(a, 1),
                "error_m2": round(f - a, 1),
            }
        )
    return {
        "as_of": result.as_of.isoformat(),
        "until": until.isoformat(),
        "days": horizon_days,
        "actual_released_m2": round(actual, 1),
        "actual_released_all_hazards_m2": round(all_actual, 1),
        "forecast_released_m2": {k2: round(v, 1) for k2, v in p.items()},
        **score(p["p50"]),
        "within_p10_p90": bool(p["p10"] <= actual <= p["p90"]),
        "trend_baseline": {
            "method": f"release rate of the {config.history_days} days before the as-of "
            "date, carried forward",
            **score(trend),
        },
        "districts": districts,
    }
