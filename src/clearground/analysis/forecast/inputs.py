"""The forecast's inputs from the records: work left, survey history, release, the fleet.

- **Survey**: per hazard closed by the as-of date, the area cancelled or reduced and the area
  released (:func:`survey_history`).
- **Release**: the area released by district in a window (:func:`released_between`).
- **Capacity**: the assets in service on the as-of date (:func:`fleet_at`) and what they are
  expected to clear over a window (:func:`capacity_over`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from clearground.analysis.forecast.config import (
    DAYS_PER_YEAR,
    KIND_METHOD,
    METHODS,
    ForecastConfig,
)
from clearground.analysis.forecast.simulation import mean_multiplier

RELEASING = ("cancelled", "reduced", "cleared")


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
