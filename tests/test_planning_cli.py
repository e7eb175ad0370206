"""`clearground prioritise` and `clearground forecast` through the real command line."""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path

import pytest
from pyproj import Geod
from shapely.geometry import box
from sqlalchemy import create_engine, text

from clearground.store.database import Store
from clearground.store.repository import Registry
from tests.conftest import run_cli

GEOD = Geod(ellps="WGS84")
OPEN_1 = box(46.90, 39.90, 46.91, 39.905)  # in Aghdam
OPEN_2 = box(46.95, 39.95, 46.96, 39.955)
CLOSED = box(46.92, 39.92, 46.925, 39.925)


def geodesic_area(poly) -> float:
    return abs(GEOD.geometry_area_perimeter(poly)[0])


def url_of(db: str) -> str:
    return db if "://" in db else f"sqlite:///{db}"


@pytest.fixture
def small_db(db_url: str) -> str:
    """Two open hazards, one closed by a clearance in 2024, one machine of 5,000 m²/day."""
    store = Store(db_url)
    with store.session() as s:
        reg = Registry(s, user="test")
        org = reg.add(
            "organisations",
            {"local_id": "ORG-T", "name": "Test Operator", "kind": "operator"},
            status="approved",
        )
        reg.add(
            "assets",
            {
                "local_id": "AST-M1",
                "organisation_id": org,
                "kind": "machine",
                "name": "M1",
                "method": "mechanical",
                "productivity_m2_per_day": 5000.0,
                "in_service_from": dt.date(2020, 1, 1),
            },
            status="approved",
        )
        common = {"location": "Agdam District", "info_date": dt.date(2024, 1, 1)}
        reg.add_many(
            "hazards",
            [
                {
                    "local_id": "HAZ-OPEN-1",
                    "kind": "CHA",
                    "geometry": OPEN_1,
                    "blockages": ["housing", "road"],
                    **common,
                },
                {"local_id": "HAZ-OPEN-2", "kind": "SHA", "geometry": OPEN_2, **common},
                {
                    "local_id": "HAZ-CLOSED",
                    "kind": "SHA",
                    "status": "closed",
                    "geometry": CLOSED,
                    **common,
                },
            ],
            status="approved",
        )
        reg.add(
            "activities",
            {
                "local_id": "ACT-1",
                "hazard": "HAZ-CLOSED",
                "kind": "clearance",
                "result": "cleared",
                "method": "mechanical",
                "organisation_id": org,
                "start_date": dt.date(2024, 5, 1),
                "end_date": dt.date(2024, 6, 1),
                "geometry": CLOSED,
            },
            status="approved",
        )
    store.dispose()
    return db_url


def write(path: Path, text_: str) -> Path:
    path.write_text(text_, encoding="utf-8")
    return path


def test_prioritise_ranks_the_open_hazards_with_their_parts(small_db: str, tmp_path: Path) -> None:
    weights = write(
        tmp_path / "w.yaml",
        "weights: {"
        + ", ".join(
            f"{p}: {1 if p in ('housing', 'evidence') else 0}"
            for p in (
                "casualties",
                "population",
                "road",
                "agriculture",
                "housing",
                "water",
                "infrastructure",
                "returns",
                "evidence",
                "size",
                "effort",
            )
        )
        + "}\n",
    )
    proc = run_cli(
        "prioritise", "--db", small_db, "--weights", str(weights), "--as-of", "2024-12-31", "--json"
    )
    doc = json.loads(proc.stdout)
    ranked = [(h["hazard"], h["score"]) for h in doc["hazards"]]
    # OPEN-1: housing 1, evidence CHA 0.6 -> 100 * 1.6 / 2; OPEN-2: evidence SHA 0.2 -> 10
    assert ranked == [("HAZ-OPEN-1", pytest.approx(80.0)), ("HAZ-OPEN-2", pytest.approx(10.0))]
    first = doc["hazards"][0]
    assert set(first["parts"]) == {
        "casualties",
        "population",
        "road",
        "agriculture",
        "housing",
        "water",
        "infrastructure",
        "returns",
        "evidence",
        "size",
        "effort",
    }
    assert first["parts"]["housing"] == {"value": 1.0, "part": 1.0, "weight": 1.0, "points": 50.0}
    assert first["remaining_m2"] == pytest.approx(geodesic_area(OPEN_1), rel=1e-5)
    # the table (no --json) names the hazards too
    table = run_cli("prioritise", "--db", small_db, "--as-of", "2024-12-31")
    assert "HAZ-OPEN-1" in table.stdout and "HAZ-CLOSED" not in table.stdout


def test_prioritise_before_the_closure_lists_the_closed_hazard(small_db: str) -> None:
    # on 2024-05-15 the clearance of HAZ-CLOSED had not ended: it was open then
    doc = json.loads(
        run_cli("prioritise", "--db", small_db, "--as-of", "2024-05-15", "--json").stdout
    )
    assert sorted(h["hazard"] for h in doc["hazards"]) == ["HAZ-CLOSED", "HAZ-OPEN-1", "HAZ-OPEN-2"]
    # before the hazards were known, nothing
    doc = json.loads(
        run_cli("prioritise", "--db", small_db, "--as-of", "2023-12-31", "--json").stdout
    )
    assert doc["hazards"] == []


def test_forecast_of_one_machine_by_hand(small_db: str, tmp_path: Path) -> None:
    assets = write(
        tmp_path / "a.yaml",
        "working_days_per_year: 365.25\nsurvey_share: 0\n"
        "productivity_m2_per_day:\n  mechanical: {low: 5000, mode: 5000, high: 5000}\n"
        "what_if:\n  - name: twice the machines\n    add: {machine: 1}\n",
    )
    proc = run_cli(
        "forecast",
        "--db",
        small_db,
        "--assets",
        str(assets),
        "--as-of",
        "2024-12-31",
        "--runs",
        "50",
        "--json",
    )
    doc = json.loads(proc.stdout)
    left = geodesic_area(OPEN_1) + geodesic_area(OPEN_2)
    assert doc["remaining_m2"] == pytest.approx(left, rel=1e-5)
    days = math.ceil(left / 5000)
    assert doc["country"]["p50"] == (dt.date(2024, 12, 31) + dt.timedelta(days=days)).isoformat()
    assert doc["districts"][0]["district"] == "Agdam District"
    assert doc["fleet"]["assets"] == {"manual_team": 0, "machine": 1, "mdd": 0}
    twice = math.ceil(left / 10_000)
    assert (
        doc["what_if"][0]["country"]["p50"]
        == (dt.date(2024, 12, 31) + dt.timedelta(days=twice)).isoformat()
    )
    assert "Forecast from 2024-12-31" in proc.stderr


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["forecast", "--runs", "0"], "--runs"),
        (["forecast", "--add", "plane=3"], "--add"),
        (
            ["forecast", "--as-of", "2024-12-31", "--backtest-until", "2024-01-01"],
            "--backtest-until",
        ),
        (["forecast", "--as-of", "31/12/2024"], "--as-of"),
        (["forecast", "--assets", "missing.yaml"], "file missing.yaml"),
        (["prioritise", "--district", "Aghdamm"], "Did you mean"),
        (["prioritise", "--weights", "missing.yaml"], "cannot read the weights file"),
    ],
)
def test_bad_input_exits_2(small_db: str, args: list[str], needle: str) -> None:
    proc = run_cli(*args, "--db", small_db, "--json", check=False)
    assert proc.returncode == 2, proc.stderr
    assert needle in proc.stderr and proc.stdout == ""


def test_bad_files_name_file_and_field(small_db: str, tmp_path: Path) -> None:
    cases = [
        (
            "prioritise",
            "--weights",
            "weights:\n  casualties: lots\n",
            ["weights.casualties", "expected a number"],
        ),
        ("prioritise", "--weights", "weights: [1, 2\n", ["not valid YAML", "line"]),
        (
            "prioritise",
            "--weights",
            "returns:\n  settlements: [Atlantis]\n",
            ["returns.settlements", "no settlement called 'Atlantis'"],
        ),
        (
            "forecast",
            "--assets",
            "productivity_m2_per_day:\n  manual: {low: 500, mode: 100}\n",
            ["productivity_m2_per_day.manual", "low <= mode <= high"],
        ),
    ]
    for i, (command, option, content, needles) in enumerate(cases):
        path = write(tmp_path / f"bad{i}.yaml", content)
        proc = run_cli(command, "--db", small_db, option, str(path), check=False)
        assert proc.returncode == 2, proc.stderr
        for needle in [str(path), *needles]:
            assert needle in proc.stderr, (needle, proc.stderr)


# --- on the demo -------------------------------------------------------------------------------


def test_demo_backtest_error_against_independent_sums(demo: dict) -> None:
    db = str(demo["db"])
    proc = run_cli(
        "forecast",
        "--db",
        db,
        "--as-of",
        "2021-12-31",
        "--backtest-until",
        "2022-10-31",
        "--runs",
        "300",
        "--json",
    )
    bt = json.loads(proc.stdout)["backtest"]
    # all hazards: what `stats` counts as released from 1 Jan to 31 Oct 2022
    stats = json.loads(
        run_cli(
            "stats", "--db", db, "--json", "--from", "2022-01-01", "--until", "2022-10-31"
        ).stdout
    )
    assert bt["actual_released_all_hazards_m2"] == pytest.approx(
        sum(stats["released_m2"].values()), abs=1.0
    )
    # the forecast's own hazards: known on 31 Dec 2021 (summed here in SQL)
    engine = create_engine(url_of(db))
    with engine.connect() as conn:
        actual = conn.execute(
            text(
                "SELECT SUM(a.area_m2) FROM activity a JOIN hazard h ON h.id = a.hazard_id "
                "WHERE a.review_status = 'approved' AND h.review_status = 'approved' "
                "AND a.result IN ('cancelled', 'reduced', 'cleared') "
                "AND a.end_date > :start AND a.end_date <= :until AND h.info_date <= :start"
            ),
            {"start": dt.date(2021, 12, 31), "until": dt.date(2022, 10, 31)},
        ).scalar_one()
    engine.dispose()
    assert bt["actual_released_m2"] == pytest.approx(float(actual), abs=1.0)
    p50 = bt["forecast_released_m2"]["p50"]
    assert bt["error_m2"] == pytest.approx(p50 - float(actual), abs=1.0)
    assert bt["error_pct"] == pytest.approx(100 * (p50 - float(actual)) / float(actual), abs=0.01)
    assert sum(d["actual_m2"] for d in bt["districts"]) == pytest.approx(float(actual), abs=10)
    assert (
        "Backtest 2021-12-31 -> 2022-10-31"
        in run_cli(
            "forecast",
            "--db",
            db,
            "--as-of",
            "2021-12-31",
            "--backtest-until",
            "2022-10-31",
            "--runs",
            "100",
        ).stdout
    )


def test_demo_forecast_is_seeded_and_what_ifs_help(demo: dict) -> None:
    db = str(demo["db"])
    args = (
        "forecast",
        "--db",
        db,
        "--runs",
        "300",
        "--seed",
        "11",
        "--add",
        "machine=10",
        "--json",
    )
    first = run_cli(*args).stdout
    assert run_cli(*args).stdout == first
    doc = json.loads(first)
    engine = create_engine(url_of(db))
    with engine.connect() as conn:
        open_h, area = conn.execute(
            text(
                "SELECT COUNT(*), SUM(area_m2) FROM hazard WHERE status <> 'closed' "
                "AND review_status = 'approved'"
            )
        ).one()
    engine.dispose()
    # in the demo, open hazards have had no release yet
    assert doc["open_hazards"] == open_h
    assert doc["remaining_m2"] == pytest.approx(float(area), abs=1.0)
    base, more = doc["country"], doc["what_if"][0]["country"]
    assert more["p50"] <= base["p50"] and doc["what_if"][0]["days_saved_p50"] > 0
    assert base["p50"] <= base["p90"]
    other = json.loads(
        run_cli("forecast", "--db", db, "--runs", "300", "--seed", "12", "--json").stdout
    )
    assert other["country"] != base


def test_demo_prioritise_covers_every_open_hazard(demo: dict) -> None:
    db = str(demo["db"])
    doc = json.loads(run_cli("prioritise", "--db", db, "--json").stdout)
    engine = create_engine(url_of(db))
    with engine.connect() as conn:
        n_open = conn.execute(
            text("SELECT COUNT(*) FROM hazard WHERE status <> 'closed'")
        ).scalar_one()
        n_agdam = conn.execute(
            text(
                "SELECT COUNT(*) FROM hazard h JOIN location l ON l.id = h.location_id "
                "WHERE h.status <> 'closed' AND l.name = 'Agdam District'"
            )
        ).scalar_one()
    engine.dispose()
    hazards = doc["hazards"]
    assert len(hazards) == n_open and [h["rank"] for h in hazards] == list(range(1, n_open + 1))
    for h in hazards:
        assert sum(p["points"] for p in h["parts"].values()) == pytest.approx(h["score"], abs=0.01)
    assert all(a["score"] >= b["score"] for a, b in zip(hazards, hazards[1:], strict=False))
    # some recent casualties and some population are found near the demo's hazards
    assert any(h["parts"]["casualties"]["value"] > 0 for h in hazards)
    assert any(h["parts"]["population"]["value"] > 0 for h in hazards)
    agdam = json.loads(run_cli("prioritise", "--db", db, "--district", "Aghdam", "--json").stdout)
    assert len(agdam["hazards"]) == n_agdam
    assert {h["district"] for h in agdam["hazards"]} == {"Agdam District"}
