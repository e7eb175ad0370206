"""Land release, devices and casualties: the headline statistics of a programme.

Inputs are plain data frames (one row per activity, find or victim), as loaded by the store
or read from exported files, so the same functions serve the CLI, the web app and tests.
Areas are in m².
"""

from __future__ import annotations

from typing import Any

import pandas as pd

RESULTS = ("cancelled", "reduced", "cleared")
CATEGORIES = ("ap_mine", "at_mine", "uxo", "axo", "ied", "submunition")
OUTCOMES = ("killed", "injured")


def released_m2(activities: pd.DataFrame) -> dict[str, float]:
    """Area cancelled, reduced and cleared (m²) from activities with ``result`` and ``area_m2``."""
    sums = activities.groupby("result")["area_m2"].sum() if len(activities) else pd.Series()
    return {r: float(round(sums.get(r, 0.0), 1)) for r in RESULTS}


def devices(finds: pd.DataFrame) -> dict[str, int]:
    """Devices found by category, from finds with ``category`` and ``quantity``."""
    sums = finds.groupby("category")["quantity"].sum() if len(finds) else pd.Series()
    return {c: int(sums.get(c, 0)) for c in CATEGORIES}


def casualties(victims: pd.DataFrame) -> dict[str, int]:
    """Victims killed and injured, from victims with ``outcome``."""
    counts = victims["outcome"].value_counts() if len(victims) else pd.Series()
    return {o: int(counts.get(o, 0)) for o in OUTCOMES}


def summary(activities: pd.DataFrame, finds: pd.DataFrame, victims: pd.DataFrame) -> dict[str, Any]:
    """The headline figures: released m² by result, devices by category, casualties."""
    rel = released_m2(activities)
    dev = devices(finds)
    cas = casualties(victims)
    return {
        "released_m2": rel,
        "released_ha": {k: round(v / 1e4, 2) for k, v in rel.items()},
        "released_total_m2": round(sum(rel.values()), 1),
        "devices": dev,
        "devices_total": sum(dev.values()),
        "casualties": cas,
        "casualties_total": sum(cas.values()),
    }


UNKNOWN_YEAR = "unknown"
"""The year key of records whose date is not known (counted apart, never dropped)."""


def breakdown(
    activities: pd.DataFrame, finds: pd.DataFrame, victims: pd.DataFrame, by: str
) -> list[dict[str, Any]]:
    """``summary`` per value of column ``by`` (present in each frame that has it).

    Rows without a value form a last group, so the parts add up to the whole: ``unknown``
    for a year (accidents whose date is not known), ``(none)`` for the other keys.
    """
    frames = [f for f in (activities, finds, victims) if by in f.columns]
    keys = sorted({str(k) for frame in frames for k in frame[by].dropna().unique()})
    missing = UNKNOWN_YEAR if by == "year" else "(none)"
    out = []
    for key in keys:

        def part(frame: pd.DataFrame, key: str = key) -> pd.DataFrame:
            if by not in frame.columns:
                return frame.iloc[0:0]
            return frame[frame[by].astype(str) == key]

        out.append({"key": key, **summary(part(activities), part(finds), part(victims))})
    if any(frame[by].isna().any() for frame in frames):

        def lacking(frame: pd.DataFrame) -> pd.DataFrame:
            return frame[frame[by].isna()] if by in frame.columns else frame.iloc[0:0]

        out.append(
            {"key": missing, **summary(lacking(activities), lacking(finds), lacking(victims))}
        )
    return out


def to_usd(funding: pd.DataFrame, rates: pd.DataFrame) -> pd.Series:
    """Funding amounts in USD at the rate of (or last before) each funding's date.

    ``funding``: ``amount``, ``currency``, ``funding_date``. ``rates``: ``rate_date``,
    ``currency``, ``quote_currency``, ``rate`` (1 currency = rate quote_currency). A
    currency with no USD rate on or before the date gives NaN.
    """
    usd = rates[rates["quote_currency"] == "USD"].sort_values("rate_date")
    values = []
    for row in funding.itertuples():
        if row.currency == "USD":
            values.append(float(str(row.amount)))
            continue
        known = usd[(usd["currency"] == row.currency) & (usd["rate_date"] <= row.funding_date)]
        values.append(
            float(str(row.amount)) * float(str(known["rate"].iloc[-1]))
            if len(known)
            else float("nan")
        )
    return pd.Series(values, index=funding.index, dtype=float)


def funding_summary(funding: pd.DataFrame, rates: pd.DataFrame) -> dict[str, Any]:
    """Funding by donor in the original currency and in USD at the rate of its date."""
    if not len(funding):
        return {"total_usd": 0.0, "by_donor": []}
    frame = funding.assign(amount_usd=to_usd(funding, rates))
    by_donor = [
        {
            "donor": donor,
            "currency": cur,
            "amount": float(g["amount"].astype(float).sum()),
            "amount_usd": round(float(g["amount_usd"].sum()), 2),
        }
        for (donor, cur), g in frame.groupby(["donor", "currency"])
    ]
    return {"total_usd": round(float(frame["amount_usd"].sum()), 2), "by_donor": by_donor}


def _table(
    frame: pd.DataFrame, keys: list[str], value: str, how: str = "sum"
) -> list[dict[str, Any]]:
    """Rows of ``frame`` grouped by ``keys`` with ``value`` summed (or counted), as records."""
    if not len(frame) or any(k not in frame.columns for k in keys):
        return []
    grouped = frame.groupby(keys, dropna=False)[value]
    out = grouped.sum() if how == "sum" else grouped.size()
    return [
        {
            **{
                k: (
                    None
                    if pd.isna(v)
                    else (int(v) if isinstance(v, int | float) and k == "year" else str(v))
                )
                for k, v in zip(keys, idx if isinstance(idx, tuple) else (idx,), strict=True)
            },
            value if how == "sum" else "count": (
                round(float(n), 1) if how == "sum" and value == "area_m2" else int(n)
            ),
        }
        for idx, n in out.items()
    ]


def productivity(activities: pd.DataFrame) -> list[dict[str, Any]]:
    """m² released per team-day by method (activities with recorded team-days only)."""
    if not len(activities):
        return []
    worked = activities[
        (activities["team_days"].fillna(0) > 0) & activities["result"].isin(RESULTS)
    ]
    out = []
    for method, g in worked.groupby("method"):
        out.append(
            {
                "method": str(method),
                "area_m2": round(float(g["area_m2"].sum()), 1),
                "team_days": round(float(g["team_days"].sum()), 1),
                "m2_per_team_day": round(float(g["area_m2"].sum() / g["team_days"].sum()), 1),
            }
        )
    return out


def monitor_tables(
    activities: pd.DataFrame,
    finds: pd.DataFrame,
    victims: pd.DataFrame,
    funding: pd.DataFrame,
    rates: pd.DataFrame,
) -> dict[str, Any]:
    """The tables of a Landmine Monitor country profile / Article 7 report.

    Land (m²) by year, district, organisation, method and asset kind, each split by result;
    devices by category and model; productivity; casualties by year, status, sex, age group
    and device category, each split by outcome; funding by donor and year, in the original
    currency and in USD at the rate of its date.
    """
    released = activities[activities["result"].isin(RESULTS)] if len(activities) else activities
    tables: dict[str, Any] = {
        f"land_by_{key}": _table(released, [key, "result"], "area_m2")
        for key in ("year", "district", "organisation", "method", "asset")
    }
    tables["devices_by_model"] = _table(finds, ["category", "ordnance"], "quantity")
    tables["devices_by_year"] = _table(finds, ["year", "category"], "quantity")
    tables["productivity"] = productivity(activities)
    for key in ("year", "status", "sex", "age_group", "device_category"):
        tables[f"casualties_by_{key}"] = _table(victims, [key, "outcome"], "outcome", "count")
    if len(funding):
        frame = funding.assign(
            amount_usd=to_usd(funding, rates), year=pd.to_datetime(funding["funding_date"]).dt.year
        )
        tables["funding_by_donor_year"] = [
            {
                "donor": str(donor),
                "year": int(str(year)),
                "currency": str(cur),
                "amount": float(g["amount"].astype(float).sum()),
                "amount_usd": round(float(g["amount_usd"].sum()), 2),
            }
            for (donor, year, cur), g in frame.groupby(["donor", "year", "currency"])
        ]
    else:
        tables["funding_by_donor_year"] = []
    return tables
