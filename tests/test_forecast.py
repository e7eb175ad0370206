"""Completion forecast: hand-worked cases of the model (analysis only, no I/O)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from clearground.analysis.forecast import (
    ForecastConfig,
    Productivity,
    WhatIf,
    backtest,
    fleet_at,
    forecast,
    parse_additions,
    simulate,
    survey_history,
)
from clearground.domain.errors import BadInput

AS_OF = dt.date(2024, 12, 31)
FLAT = {
    m: Productivity(p, p, p)
    for m, p in (("manual", 1000.0), ("mechanical", 5000.0), ("mdd", 800.0))
}
EXACT = ForecastConfig(productivity=FLAT, working_days_per_year=365.25, survey_share=0.0)


def day(n: int) -> str:
    return (AS_OF + dt.timedelta(days=n)).isoformat()


def hazard_frame(rows: list[tuple[int, str, float, bool]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["hazard_id", "district", "remaining_m2", "open"])


def activity_frame(rows: list[tuple[int, str, str, str, float]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["hazard_id", "district", "result", "end_date", "area_m2"])
    frame["end_date"] = pd.to_datetime(frame["end_date"])
    return frame


def asset_frame(rows: list[tuple[str, float | None, str | None]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["kind", "productivity_m2_per_day", "in_service_from"])


NO_ACTS = activity_frame([])


def test_one_district_one_machine_with_survey() -> None:
    # 1,000,000 m² left, half of it will be cancelled/reduced by survey, one machine clearing
    # 5,000 m² a day every day: 500,000 m² to clear -> 100 days
    cfg = ForecastConfig(productivity=FLAT, working_days_per_year=365.25, survey_share=0.5)
    result = forecast(
        hazard_frame([(1, "A", 1_000_000.0, True)]),
        NO_ACTS,
        asset_frame([("machine", 5000.0, None)]),
        cfg,
        AS_OF,
        runs=20,
    )
    doc = result.to_dict()
    assert doc["country"]["p50"] == doc["country"]["p90"] == day(100)
    assert doc["districts"][0]["p50"] == day(100)
    assert doc["survey_share"]["mean"] == 0.5


def test_working_days_stretch_the_calendar() -> None:
    # 219.15 working days a year = 60 % of the days: 100 working days take 166.7 days -> day 167
    cfg = ForecastConfig(productivity=FLAT, working_days_per_year=219.15, survey_share=0.0)
    result = forecast(
        hazard_frame([(1, "A", 500_000.0, True)]),
        NO_ACTS,
        asset_frame([("machine", 5000.0, None)]),
        cfg,
        AS_OF,
        runs=5,
    )
    assert result.to_dict()["country"]["p50"] == day(167)


def test_a_finished_district_hands_its_share_to_the_others() -> None:
    # equal recent release in A and B -> equal shares of 1,000 m²/day (one manual team).
    # A (100,000 m²) is done on day 200; B has then 200,000 m² left at 1,000 m²/day: day 400.
    history = activity_frame(
        [(10, "A", "cleared", "2024-06-01", 50.0), (11, "B", "cleared", "2024-06-01", 50.0)]
    )
    hz = hazard_frame(
        [
            (1, "A", 100_000.0, True),
            (2, "B", 300_000.0, True),
            (10, "A", 0.0, False),
            (11, "B", 0.0, False),
        ]
    )
    result = forecast(
        hz, history, asset_frame([("manual_team", 1000.0, None)]), EXACT, AS_OF, runs=3
    )
    doc = result.to_dict()
    by = {d["district"]: d for d in doc["districts"]}
    assert by["A"]["p50"] == day(200) and by["B"]["p50"] == day(400)
    assert by["A"]["initial_share"] == 0.5
    assert doc["country"]["p50"] == day(400)


def test_terrain_slows_a_district() -> None:
    # as above, but B is at half productivity: A done on day 200 while B released 50,000;
    # B's 250,000 m² left then go at 500 m²/day: 500 more days -> day 700
    history = activity_frame(
        [(10, "A", "cleared", "2024-06-01", 50.0), (11, "B", "cleared", "2024-06-01", 50.0)]
    )
    hz = hazard_frame(
        [
            (1, "A", 100_000.0, True),
            (2, "B", 300_000.0, True),
            (10, "A", 0.0, False),
            (11, "B", 0.0, False),
        ]
    )
    cfg = ForecastConfig(
        productivity=FLAT,
        working_days_per_year=365.25,
        survey_share=0.0,
        terrain_factor={"flat": 1.0, "steep": 0.5},
        district_terrain={"B": "steep"},
    )
    doc = forecast(
        hz, history, asset_frame([("manual_team", 1000.0, None)]), cfg, AS_OF, runs=3
    ).to_dict()
    by = {d["district"]: d for d in doc["districts"]}
    assert by["A"]["p50"] == day(200) and by["B"]["p50"] == day(700)
    assert by["B"]["terrain"] == "steep"


def test_what_if_adds_a_machine_from_a_date() -> None:
    # baseline: 1,000,000 m² at 5,000 m²/day = day 200. A second machine from day 50:
    # 250,000 m² by then, 750,000 m² at 10,000 m²/day = 75 more days -> day 125
    cfg = ForecastConfig(
        productivity=FLAT,
        working_days_per_year=365.25,
        survey_share=0.0,
        what_if=(WhatIf("one more machine", {"machine": 1}, AS_OF + dt.timedelta(days=50)),),
    )
    doc = forecast(
        hazard_frame([(1, "A", 1_000_000.0, True)]),
        NO_ACTS,
        asset_frame([("machine", 5000.0, None)]),
        cfg,
        AS_OF,
        runs=4,
    ).to_dict()
    assert doc["country"]["p50"] == day(200)
    what = doc["what_if"][0]
    assert what["country"]["p50"] == day(125) and what["days_saved_p50"] == 75.0


def test_no_fleet_means_no_date() -> None:
    doc = forecast(
        hazard_frame([(1, "A", 1000.0, True)]), NO_ACTS, asset_frame([]), EXACT, AS_OF, runs=3
    ).to_dict()
    assert doc["country"]["p50"] is None and doc["country"]["done_within_horizon"] == 0.0
    assert any("nothing gets done" in n for n in doc["notes"])


def test_simulate_reports_released_area_at_query_days() -> None:
    # two districts, weights 1:3, capacity 400 m²/day: A (1,000) gets 100/day, B 300/day
    done, released = simulate(
        np.array([1000.0, 9000.0]),
        np.ones((1, 2)),
        np.array([1.0, 3.0]),
        np.array([[400.0]]),
        np.array([0.0]),
        horizon=1e5,
        queries=[5.0, 10.0, 20.0],
    )
    assert done[0, 0] == pytest.approx(10.0)  # A: 1,000 / 100
    # B: 3,000 by day 10, then 400/day for the remaining 6,000 -> day 25
    assert done[0, 1] == pytest.approx(25.0)
    assert released[0, 0].tolist() == pytest.approx([500.0, 1500.0])
    assert released[1, 0].tolist() == pytest.approx([1000.0, 3000.0])
    assert released[2, 0].tolist() == pytest.approx([1000.0, 7000.0])


def test_survey_share_comes_from_closed_hazards() -> None:
    hz = hazard_frame(
        [(1, "A", 0.0, False), (2, "A", 0.0, False), (3, "B", 0.0, False), (4, "B", 5e5, True)]
    )
    acts = activity_frame(
        [
            (1, "A", "cancelled", "2023-01-01", 30.0),
            (1, "A", "cleared", "2023-01-02", 70.0),
            (2, "A", "cleared", "2023-01-01", 100.0),
            (3, "B", "reduced", "2023-01-01", 100.0),
            (3, "B", "cleared", "2023-01-01", 100.0),
            (4, "B", "cancelled", "2023-01-01", 999.0),  # hazard still open: not counted
            (1, "A", "cancelled", "2025-03-01", 500.0),  # after the as-of date
        ]
    )
    hist = survey_history(hz, acts, AS_OF).set_index("hazard_id")
    assert hist["surveyed_m2"].to_dict() == {1: 30.0, 2: 0.0, 3: 100.0}
    assert hist["released_m2"].to_dict() == {1: 100.0, 2: 100.0, 3: 200.0}
    cfg = ForecastConfig(productivity=FLAT, working_days_per_year=365.25)
    result = forecast(hz, acts, asset_frame([("machine", 5000.0, None)]), cfg, AS_OF, runs=2000)
    s = result.survey_share
    # pooled share 130 / 400; every resample lies between the smallest and largest hazard share
    assert s.mean() == pytest.approx(130 / 400, abs=0.02)
    assert s.min() >= 0.0 and s.max() <= 0.5
    assert "3 hazards closed" in result.survey_source


def test_same_seed_same_answer_other_seed_other_draws() -> None:
    cfg = ForecastConfig()  # the published ranges: productivity is uncertain
    args = (
        hazard_frame([(1, "A", 2e6, True)]),
        NO_ACTS,
        asset_frame([("machine", None, None), ("manual_team", 120.0, None)]),
        cfg,
        AS_OF,
    )
    a = forecast(*args, runs=200, seed=7).baseline.days
    b = forecast(*args, runs=200, seed=7).baseline.days
    c = forecast(*args, runs=200, seed=8).baseline.days
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    doc = forecast(*args, runs=200, seed=7).to_dict()
    assert doc["country"]["p10"] <= doc["country"]["p50"] <= doc["country"]["p90"]
    assert doc["country"]["p10"] < doc["country"]["p90"]


def test_fleet_in_service_and_productivity() -> None:
    assets = asset_frame(
        [
            ("machine", 4000.0, "2020-01-01"),
            ("machine", None, None),  # no recorded productivity: the mode
            ("machine", 4000.0, "2025-03-01"),  # not yet in service
            ("mdd", 1200.0, None),
            ("eod_team", 50.0, None),  # not a clearance asset
        ]
    )
    fleet = fleet_at(assets, AS_OF, ForecastConfig())
    assert fleet.counts == {"manual": 0, "mechanical": 2, "mdd": 1}
    assert fleet.productivity == {"manual": 0.0, "mechanical": 4000.0 + 5000.0, "mdd": 1200.0}
    assert fleet.later == 1
    modes = fleet_at(assets, AS_OF, ForecastConfig(use_recorded_productivity=False))
    assert modes.productivity["mechanical"] == 10_000.0
    assert fleet_at(assets, dt.date(2025, 3, 1), ForecastConfig()).counts["mechanical"] == 3


def test_calibration_matches_the_recent_release() -> None:
    # 365,000 m² released in the last 365 days; one machine could have cleared 5,000 x 365:
    # utilisation 0.2, so 1,000,000 m² take 1,000 days
    hz = hazard_frame([(1, "A", 1_000_000.0, True), (2, "A", 0.0, False)])
    acts = activity_frame([(2, "A", "cleared", "2024-07-01", 365_000.0)])
    cfg = ForecastConfig(
        productivity=FLAT, working_days_per_year=365.25, survey_share=0.0, calibrate=True
    )
    result = forecast(hz, acts, asset_frame([("machine", 5000.0, None)]), cfg, AS_OF, runs=3)
    assert result.utilisation == pytest.approx(0.2)
    assert result.to_dict()["country"]["p50"] == day(1000)
    # with a productivity range, the expected productivity counts: the mean multiplier of
    # (2,500, 5,000, 12,500) is (0.5 + 1 + 2.5) / 3 = 4/3, so utilisation 0.2 * 3/4 = 0.15
    spread = {**FLAT, "mechanical": Productivity(2500.0, 5000.0, 12500.0)}
    cfg = ForecastConfig(
        productivity=spread, working_days_per_year=365.25, survey_share=0.0, calibrate=True
    )
    result = forecast(hz, acts, asset_frame([("machine", 5000.0, None)]), cfg, AS_OF, runs=3)
    assert result.utilisation == pytest.approx(0.15)


def test_backtest_error_from_the_released_area() -> None:
    # forecast: 5,000 m²/day -> 150,000 m² by day 30. Actual, on hazards open at the start:
    # 70,000 + 50,000 = 120,000 m². Error +30,000 m² = +25 %.
    hz = hazard_frame([(1, "A", 1_000_000.0, True), (2, "A", 0.0, False)])
    acts = activity_frame(
        [
            (2, "A", "cleared", "2024-03-01", 36_500.0),  # history: 100 m²/day over 365 days
            (1, "A", "cleared", day(10), 70_000.0),
            (1, "A", "reduced", day(30), 50_000.0),
            (1, "A", "cleared", day(31), 9_999.0),  # after the backtest date
            (3, "A", "cleared", day(20), 7_777.0),  # a hazard not open at the start
        ]
    )
    until = AS_OF + dt.timedelta(days=30)
    result = forecast(
        hz, acts, asset_frame([("machine", 5000.0, None)]), EXACT, AS_OF, runs=5, queries=[until]
    )
    bt = backtest(result, acts, [1], until)
    assert bt["actual_released_m2"] == 120_000.0
    assert bt["actual_released_all_hazards_m2"] == 127_777.0
    assert bt["forecast_released_m2"]["p50"] == pytest.approx(150_000.0)
    assert bt["error_m2"] == pytest.approx(30_000.0) and bt["error_pct"] == pytest.approx(25.0)
    assert bt["within_p10_p90"] is False
    # the naive trend: 100 m²/day x 30 days = 3,000 m²; error -117,000 = -97.5 %
    assert bt["trend_baseline"]["forecast_m2"] == pytest.approx(3000.0)
    assert bt["trend_baseline"]["error_pct"] == pytest.approx(-97.5)


def test_parse_additions() -> None:
    what = parse_additions(["machine=10", "mdd=2", "machine=1"])
    assert what is not None and dict(what.add) == {"machine": 11, "mdd": 2}
    assert parse_additions([]) is None
    for bad in ("plane=3", "machine", "machine=ten"):
        with pytest.raises(BadInput) as exc:
            parse_additions([bad])
        assert exc.value.field == "--add"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (
            {"productivity_m2_per_day": {"manual": {"low": 300, "mode": 200}}},
            "productivity_m2_per_day.manual",
        ),
        (
            {"productivity_m2_per_day": {"hovercraft": {"mode": 1}}},
            "productivity_m2_per_day.hovercraft",
        ),
        ({"district_terrain": {"Lachin District": "lunar"}}, "district_terrain.Lachin District"),
        ({"what_if": [{"add": {"machine": 2}, "from": "next year"}]}, "what_if[0].from"),
        ({"what_if": [{"add": {"tank": 2}}]}, "what_if[0].add.tank"),
        ({"fleet": {"machine": -1}}, "fleet.machine"),
        ({"fleet": {"machine": 2.5}}, "fleet.machine"),
        ({"survey_share": 1.5}, "survey_share"),
        ({"working_days_per_year": 0}, "working_days_per_year"),
        ({"calibrate": "yes"}, "calibrate"),
        ({"allocation": "random"}, "allocation"),
        ({"teams": 3}, "teams"),
    ],
)
def test_bad_assets_file_names_the_field(data: object, field: str) -> None:
    with pytest.raises(BadInput) as exc:
        ForecastConfig.from_mapping(data, "a.yaml")
    assert exc.value.field == field and "file a.yaml" in exc.value.message and exc.value.fix


def test_assets_file_values_are_used() -> None:
    cfg = ForecastConfig.from_mapping(
        {
            "working_days_per_year": 200,
            "productivity_m2_per_day": {"mdd": {"low": 100, "mode": 200, "high": 300}},
            "fleet": {"machine": 3},
            "what_if": [{"name": "dogs", "add": {"mdd": 4}, "from": dt.date(2025, 5, 1)}],
        }
    )
    assert cfg.working_days_per_year == 200 and cfg.productivity["mdd"].mode == 200
    assert cfg.productivity["manual"].mode == 160  # default kept
    assert cfg.fleet == {"machine": 3}
    assert cfg.what_if[0].start == dt.date(2025, 5, 1) and dict(cfg.what_if[0].add) == {"mdd": 4}


# --- 250 working days a year: the capacity per calendar day is 250 / 365.25 of a working day's


def test_250_working_days_without_calibration() -> None:
    """500,000 m² at 5,000 m² per working day: 100 working days; at 250 working days a year
    that is 100 x 365.25 / 250 = 146.1 calendar days -> done on day 147.

    Mutation: ``* working_days_per_year / DAYS_PER_YEAR`` dropped from the run's capacity
    (``forecast``, ``cap *= ...``) fails this test (day 100)."""
    cfg = ForecastConfig(productivity=FLAT, working_days_per_year=250.0, survey_share=0.0)
    result = forecast(
        hazard_frame([(1, "A", 500_000.0, True)]),
        NO_ACTS,
        asset_frame([("machine", 5000.0, None)]),
        cfg,
        AS_OF,
        runs=3,
    )
    assert result.to_dict()["country"]["p50"] == day(147)


@pytest.mark.parametrize("fleet", [None, {"machine": 1}])
def test_250_working_days_with_calibration(fleet: dict[str, int] | None) -> None:
    """Calibrated on the last 365 days (2024-01-02 .. 2024-12-31), in which 365,000 m² were
    released. One machine at 5,000 m² per working day, 250 working days a year, could have
    cleared 5,000 x 365 x 250 / 365.25 = 1,249,144 m² in them: utilisation
    365,000 / 1,249,144 = 0.2922 (= 0.2 x 365.25 / 250). Going on at that rate it releases
    5,000 x 250 / 365.25 x 0.2922 = 1,000 m² a calendar day, as in the window: the
    1,000,000 m² left take 1,000 days.

    Mutation: ``* config.working_days_per_year / DAYS_PER_YEAR`` dropped from
    ``capacity_over`` (``fleet=None``: the asset register) or from the calibration's ``days``
    with a configured fleet fails this test: utilisation 0.2, and 1,000,000 m² at
    5,000 x 250 / 365.25 x 0.2 = 684.5 m² a day take 1,461 days."""
    hz = hazard_frame([(1, "A", 1_000_000.0, True), (2, "A", 0.0, False)])
    acts = activity_frame([(2, "A", "cleared", "2024-07-01", 365_000.0)])
    cfg = ForecastConfig(
        productivity=FLAT,
        working_days_per_year=250.0,
        survey_share=0.0,
        calibrate=True,
        fleet=fleet,
    )
    result = forecast(hz, acts, asset_frame([("machine", 5000.0, None)]), cfg, AS_OF, runs=3)
    assert result.utilisation == pytest.approx(365_000 / (5000 * 365 * 250 / 365.25))
    assert result.utilisation == pytest.approx(0.2922, abs=1e-4)
    assert result.calibration is not None
    assert result.calibration["fleet_capacity_m2"] == pytest.approx(1_249_144.4, abs=0.1)
    assert result.to_dict()["country"]["p50"] == day(1000)
