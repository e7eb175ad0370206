"""The country border check: a tolerance, a warning band naming the distance, a refusal
beyond; both distances are settings of the database (``init --border-tolerance/-warning``)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from shapely.geometry import Point, box

from clearground.intake.border import Border, describe_m
from tests.conftest import run_cli

EQUATOR_M_PER_DEG = 6_378_137.0 * math.pi / 180  # WGS84 semi-major axis: 111,319.49 m


def test_distance_is_ground_metres() -> None:
    """0.1 degree of longitude east of a square on the equator is 11.13 km (the semi-major
    axis times the angle); 0.1 degree of latitude north of one at 60° N is ~11.17 km, and
    0.1 degree of longitude there half the equator's."""
    square = Border(box(0, -0.5, 1, 0.5))
    assert square.distance_m(Point(1.1, 0)) == pytest.approx(0.1 * EQUATOR_M_PER_DEG, rel=1e-4)
    assert square.distance_m(Point(0.5, 0)) == 0.0
    north = Border(box(0, 59, 1, 60))
    e2 = 0.00669437999014  # WGS84 first eccentricity squared
    meridian = 6_378_137.0 * (1 - e2) / (1 - e2 * math.sin(math.radians(60.05)) ** 2) ** 1.5
    assert north.distance_m(Point(0.5, 60.1)) == pytest.approx(
        meridian * math.radians(0.1), rel=1e-4
    )
    east = north.distance_m(Point(1.1, 59.5))
    assert east == pytest.approx(0.1 * EQUATOR_M_PER_DEG * math.cos(math.radians(59.5)), 3e-3)


def test_the_three_verdicts_at_their_edges() -> None:
    border = Border(box(0, -0.5, 1, 0.5), tolerance_m=2_000, warning_m=30_000)
    m = 1 / EQUATOR_M_PER_DEG  # degrees per metre on the equator
    assert border.verdict(Point(1 + 1_900 * m, 0))[0] == "inside"
    where, d = border.verdict(Point(1 + 2_100 * m, 0))
    assert where == "near" and d == pytest.approx(2_100, rel=1e-3)
    assert border.verdict(Point(1 + 29_900 * m, 0))[0] == "near"
    assert border.verdict(Point(1 + 30_100 * m, 0))[0] == "outside"
    assert describe_m(25_493) == "25.5 km" and describe_m(850) == "850 m"


def _import(db: str, folder: Path, lon: float, lat: float) -> tuple[int, dict]:
    file = folder / "accident.csv"
    file.write_text(
        "local_id,kind,accident_date,latitude,longitude\n"
        f"ACC-SEA,incident,2021-05-01,{lat},{lon}\n",
        encoding="utf-8",
    )
    proc = run_cli("import", "accidents", str(file), "--db", db, "--json", "--dry-run", check=False)
    return proc.returncode, json.loads(proc.stdout)


def test_offshore_points_warned_then_refused_as_the_settings_say(
    db_url: str, tmp_path: Path
) -> None:
    """Neft Daşları, the oil town on stilts 25 km out in the Caspian (GeoNames 585369), is
    accepted with a warning naming its distance; a point 80 km out is refused, naming its
    distance; with the warning band set to 10 km the town is refused too."""
    code, report = _import(db_url, tmp_path, 50.84003, 40.25213)
    assert code == 0 and report["accepted"] == 1
    warned = [i for i in report["issues"] if i["check"] == "near_border"]
    assert len(warned) == 1 and warned[0]["severity"] == "warning"
    assert "km outside the country outline" in warned[0]["reason"]
    km = float(warned[0]["reason"].split(" km")[0].rsplit(" ", 1)[-1])
    assert 20 < km < 30

    code, report = _import(db_url, tmp_path, 51.8, 40.25)
    assert code == 2 and report["rejected"] == 1
    (refused,) = [i for i in report["issues"] if i["check"] == "outside_country"]
    assert "km from its outline" in refused["reason"] and "--border-warning" in refused["fix"]

    run_cli("init", "--db", db_url, "--border-warning", "10000")
    code, report = _import(db_url, tmp_path, 50.84003, 40.25213)
    assert code == 2 and [i["check"] for i in report["issues"]] == ["outside_country"]


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["--border-warning", "-5"], "--border-warning"),
        (["--border-tolerance", "5000", "--border-warning", "1000"], "--border-warning"),
        (["--conflict-start", "1990-13-01"], "--conflict-start"),
        (["--level", "province", "--country", "x.gpkg", "--add"], "--level"),
    ],
)
def test_init_refuses_bad_settings(db_url: str, args: list[str], field: str) -> None:
    proc = run_cli("init", "--db", db_url, *args, check=False)
    assert proc.returncode == 2, proc.stderr
    assert field in proc.stderr
