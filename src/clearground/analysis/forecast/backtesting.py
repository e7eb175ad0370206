"""The backtest: the area a forecast said would be released, against what the records show."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from clearground.analysis.forecast.inputs import released_between
from clearground.analysis.forecast.result import Forecast


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
