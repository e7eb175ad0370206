"""What the forecast found: the outcome of each fleet, P10/P50/P90 dates, the JSON document."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from clearground.analysis.forecast.config import (
    DAYS_PER_YEAR,
    METHOD_KIND,
    METHODS,
    ForecastConfig,
)
from clearground.analysis.forecast.inputs import Fleet


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
