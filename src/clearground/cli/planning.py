"""``clearground prioritise`` and ``clearground forecast`` (docs/PLANNING.md).

Both read the database named by ``--db`` (approved records only), run the pure analyses of
``analysis.prioritisation`` and ``analysis.forecast``, and print a table, or with ``--json``
one JSON document on stdout. Logs go to stderr.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from clearground.cli.options import (
    DbOption,
    DistrictOption,
    JsonOption,
    OrgOption,
    app,
    err,
    open_db,
    parse_date,
)
from clearground.domain.errors import BadInput

AsOfOption = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        help="state of the records on this date, YYYY-MM-DD (default: the date they run to)",
    ),
]


def read_yaml(path: Path, what: str) -> Any:
    """A YAML file as Python values; a missing or unreadable file is bad input."""
    import yaml

    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise BadInput(
            f"cannot read the {what} file: {exc.strerror or exc}",
            source=str(path),
            fix=f"Check the path; docs/examples/ has an example {what} file",
        ) from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise BadInput(
            f"not valid YAML{where}: {getattr(exc, 'problem', exc)}",
            source=str(path),
            row=mark.line + 1 if mark else None,
            fix="Correct the YAML syntax (indentation, 'key: value')",
        ) from None


def _as_of(session: Any, value: str | None) -> dt.date:
    from clearground.store.planning_data import data_date

    given = parse_date(value, "--as-of")
    if given is not None:
        return given
    return data_date(session) or dt.date.today()


def _num(x: Any, digits: int = 3) -> Any:
    if x is None:
        return None
    x = float(x)
    return round(x, digits) if math.isfinite(x) else None


# --- prioritise ------------------------------------------------------------------------------


@app.command()
def prioritise(
    db: DbOption = None,
    weights: Annotated[
        Path | None,
        typer.Option("--weights", help="weights and parameters (YAML, docs/examples/weights.yaml)"),
    ] = None,
    as_of: AsOfOption = None,
    district: DistrictOption = None,
    top: Annotated[int, typer.Option("--top", help="rows to show in the table")] = 20,
    as_json: JsonOption = False,
) -> None:
    """Rank open hazards by a multi-criteria score; every score comes with its parts."""
    from clearground.analysis import prioritisation as pr
    from clearground.store import planning_data as pdata

    source = str(weights) if weights else None
    config = (
        pr.PriorityConfig.from_mapping(read_yaml(weights, "weights"), source)
        if weights
        else pr.PriorityConfig()
    )
    if top < 0:
        raise BadInput(
            "cannot show a negative number of rows", field="--top", value=top, fix="Give 0 or more"
        )
    started = time.perf_counter()
    store = open_db(db)
    with store.session() as session:
        when = _as_of(session, as_of)
        hazards, places, accidents, returns = pdata.priority_inputs(
            session, when, district, config.returns, source
        )
    open_h = hazards[hazards["open"]].reset_index(drop=True)
    ranked = pr.prioritise(open_h, places, accidents, returns, config, when)
    err.print(
        f"Ranked {len(ranked):,} open hazards as of {when.isoformat()} in "
        f"{time.perf_counter() - started:.1f} s ({len(places):,} places, "
        f"{len(accidents):,} accidents, {len(returns):,} planned return sites)."
    )
    if not len(returns):
        err.print(
            "No planned return or reconstruction sites given: the 'returns' part is 0 "
            "(list them under returns: in the weights file)."
        )
    doc = {
        "as_of": when.isoformat(),
        "district": district,
        "open_hazards": len(ranked),
        "weights": dict(config.weights),
        "parameters": config.as_dict(),
        "return_sites": returns.to_dict("records"),
        "hazards": [
            _hazard_doc({str(k): v for k, v in row.items()}, config)
            for row in ranked.to_dict("records")
        ],
    }
    if as_json:
        sys.stdout.write(json.dumps(doc, ensure_ascii=False) + "\n")
        return
    _print_ranking(doc, top)


def _hazard_doc(row: dict[str, Any], config: Any) -> dict[str, Any]:
    from clearground.analysis.prioritisation import explain

    return {
        "rank": int(row["rank"]),
        "hazard": row["hazard"],
        "name": row.get("name"),
        "district": row.get("district"),
        "kind": row["kind"],
        "status": row.get("status"),
        "contamination": row["contamination"],
        "blockages": list(row["blockages"]),
        "area_m2": _num(row.get("area_m2"), 1),
        "remaining_m2": _num(row["remaining_m2"], 1),
        "effort_method": row["effort_method"],
        "score": round(float(row["score"]), 3),
        "parts": explain(row, config),
    }


def _print_ranking(doc: dict[str, Any], top: int) -> None:
    out = Console(soft_wrap=True)
    table = Table(title=f"Open hazards by priority, as of {doc['as_of']}")
    for col in ("rank", "hazard", "district", "ha left", "score", "main parts (points)"):
        table.add_column(col, justify="right" if col in ("rank", "ha left", "score") else "left")
    for h in doc["hazards"][:top]:
        parts = sorted(h["parts"].items(), key=lambda kv: -kv[1]["points"])
        main = ", ".join(f"{k} {v['points']:.1f}" for k, v in parts[:4] if v["points"] > 0)
        table.add_row(
            str(h["rank"]),
            h["hazard"],
            str(h["district"] or ""),
            f"{(h['remaining_m2'] or 0) / 1e4:,.1f}",
            f"{h['score']:.1f}",
            main,
        )
    out.print(table)
    out.print(
        f"{doc['open_hazards']:,} open hazards; score 0-100 = 100 x sum(weight x part) / "
        "sum(weights). --json gives every part of every hazard."
    )


# --- forecast --------------------------------------------------------------------------------


@app.command()
def forecast(
    db: DbOption = None,
    assets: Annotated[
        Path | None,
        typer.Option(
            "--assets", help="assets, productivity, what-ifs (YAML, docs/examples/assets.yaml)"
        ),
    ] = None,
    runs: Annotated[int, typer.Option("--runs", help="Monte Carlo runs")] = 1000,
    seed: Annotated[
        int, typer.Option("--seed", help="random seed (same seed, same answer)")
    ] = 2020,
    as_of: AsOfOption = None,
    backtest_until: Annotated[
        str | None,
        typer.Option(
            "--backtest-until",
            help="compare the forecast area released by this date with the records",
        ),
    ] = None,
    add: Annotated[
        list[str] | None,
        typer.Option("--add", help="what-if: add assets, KIND=N (manual_team, machine, mdd)"),
    ] = None,
    calibrate: Annotated[
        bool,
        typer.Option("--calibrate", help="set utilisation from the release of the past year"),
    ] = False,
    district: DistrictOption = None,
    organisation: OrgOption = None,
    as_json: JsonOption = False,
) -> None:
    """When will each district and the country be done (P50/P90, Monte Carlo), and what-ifs."""
    from clearground.analysis import forecast as fc
    from clearground.store import planning_data as pdata

    if not 1 <= runs <= 100_000:
        raise BadInput(
            "the number of runs must be 1 to 100,000",
            field="--runs",
            value=runs,
            fix="Give e.g. --runs 1000",
        )
    source = str(assets) if assets else None
    config = (
        fc.ForecastConfig.from_mapping(read_yaml(assets, "assets"), source)
        if assets
        else fc.ForecastConfig()
    )
    extra = fc.parse_additions(add or [])
    if extra is not None:
        config = replace(config, what_if=(*config.what_if, extra))
    if calibrate:
        config = replace(config, calibrate=True)
    until = parse_date(backtest_until, "--backtest-until")
    started = time.perf_counter()
    store = open_db(db)
    with store.session() as session:
        when = _as_of(session, as_of)
        if until is not None and until <= when:
            raise BadInput(
                f"the backtest date {until} is not after the as-of date {when}",
                field="--backtest-until",
                value=backtest_until,
                fix="Give --as-of a date before --backtest-until",
            )
        hazards = pdata.hazards_frame(session, when, with_geometry=False)
        activities = pdata.activities_frame(session, organisation)
        fleet = pdata.assets_frame(session, organisation)
        shown = pdata.district_names(session, district) if district else None
    result = fc.forecast(
        hazards,
        activities,
        fleet,
        config,
        when,
        runs=runs,
        seed=seed,
        queries=[until] if until else [],
    )
    if until is not None:
        open_ids = hazards.loc[hazards["open"], "hazard_id"].tolist()
        result.backtest = fc.backtest(result, activities, open_ids, until)
    doc = result.to_dict()
    doc["organisation"] = organisation
    if shown is not None:
        doc["district"] = district
        doc["districts"] = [d for d in doc["districts"] if d["district"] in shown]
        for w in doc["what_if"]:
            w["districts"] = [d for d in w["districts"] if d["district"] in shown]
    err.print(
        f"Forecast from {when.isoformat()}: {doc['open_hazards']:,} open hazards, "
        f"{doc['remaining_ha']:,.0f} ha left, {runs:,} runs (seed {seed}) in "
        f"{time.perf_counter() - started:.1f} s."
    )
    for note in doc["notes"]:
        err.print(f"Note: {note}")
    if as_json:
        sys.stdout.write(json.dumps(doc, ensure_ascii=False) + "\n")
        return
    _print_forecast(doc)


def _print_forecast(doc: dict[str, Any]) -> None:
    out = Console(soft_wrap=True)
    table = Table(title=f"Completion forecast from {doc['as_of']} ({doc['runs']:,} runs)")
    for col in ("district", "hazards", "ha left", "terrain", "share", "P50", "P90"):
        table.add_column(col, justify="right" if col in ("hazards", "ha left", "share") else "left")
    for d in doc["districts"]:
        table.add_row(
            d["district"],
            f"{d['hazards']:,}",
            f"{d['remaining_ha']:,.0f}",
            d["terrain"],
            f"{d['initial_share']:.0%}",
            d["p50"] or "beyond horizon",
            d["p90"] or "beyond horizon",
        )
    c = doc["country"]
    table.add_row(
        "Country",
        f"{doc['open_hazards']:,}",
        f"{doc['remaining_ha']:,.0f}",
        "",
        "",
        c["p50"] or "beyond horizon",
        c["p90"] or "beyond horizon",
    )
    out.print(table)
    s = doc["survey_share"]
    out.print(
        f"Survey cancels or reduces {s['mean']:.0%} of the area (P10 {s['p10']:.0%}, "
        f"P90 {s['p90']:.0%}): {s['source']}. Utilisation {doc['utilisation']:.2f}."
    )
    fleet = doc["fleet"]["assets"]
    out.print("Fleet: " + ", ".join(f"{n:,} {k.replace('_', ' ')}" for k, n in fleet.items()))
    for w in doc["what_if"]:
        wc = w["country"]
        saved = w["days_saved_p50"]
        out.print(
            f"What if {w['name']} (from {w['from']}): country P50 {wc['p50'] or 'beyond horizon'}"
            f", P90 {wc['p90'] or 'beyond horizon'}"
            + (f" ({saved:+,.0f} days earlier at P50)" if saved is not None else "")
        )
    b = doc.get("backtest")
    if b:
        f = b["forecast_released_m2"]
        out.print(
            f"Backtest {b['as_of']} -> {b['until']}: forecast {f['p50'] / 1e4:,.0f} ha released "
            f"(P10 {f['p10'] / 1e4:,.0f}, P90 {f['p90'] / 1e4:,.0f}), records show "
            f"{b['actual_released_m2'] / 1e4:,.0f} ha: error {b['error_m2'] / 1e4:+,.0f} ha "
            f"({b['error_pct']:+.1f} %). Trend baseline error: "
            f"{b['trend_baseline']['error_pct']:+.1f} %."
            if b["error_pct"] is not None
            else f"Backtest {b['as_of']} -> {b['until']}: nothing was released in the records."
        )
