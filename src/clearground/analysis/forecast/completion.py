"""The completion forecast itself: from the state on the as-of date to the dates of each run.

Work left and allocation weights by district (:func:`district_table`), then the baseline and
each what-if simulated with the same random draws (:func:`forecast`), so differences come from
the change alone; ``utilisation`` is optionally calibrated on the recent history.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import pandas as pd

from clearground.analysis.forecast.config import (
    DAYS_PER_YEAR,
    KIND_METHOD,
    METHODS,
    ForecastConfig,
    WhatIf,
)
from clearground.analysis.forecast.inputs import (
    capacity_over,
    fleet_at,
    released_between,
    survey_history,
)
from clearground.analysis.forecast.result import Forecast, Outcome
from clearground.analysis.forecast.simulation import (
    _triangular,
    bootstrap_share,
    mean_multiplier,
    simulate,
)


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
