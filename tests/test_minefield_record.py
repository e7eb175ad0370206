"""Record forms: reference point + traverse -> perimeter; rows -> mine positions."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Geod

from clearground.domain.errors import BadInput
from clearground.domain.geometry import area_m2
from clearground.domain.minefield_record import build_record
from clearground.scenario.layout import lonlat_to_xy
from clearground.scenario.minefields import make_pattern, record_form

GEOD = Geod(ellps="WGS84")


def hand_worked_form() -> dict:
    """RP1, then 50 m at 90° to TP1, then a 200 m x 100 m rectangle; two rows of 10 mines.

    Bearings are magnetic with 6° east declination, so every true bearing is 6° more.
    """
    return {
        "bearing_type": "magnetic",
        "declination_deg": 6.0,
        "reference_points": [{"name": "RP1", "lon": 47.0, "lat": 40.0}],
        "traverse": {
            "from": "RP1",
            "legs": [
                {"bearing": 84, "distance": 50},
                {"bearing": 354, "distance": 100},
                {"bearing": 84, "distance": 200},
                {"bearing": 174, "distance": 100},
                {"bearing": 264, "distance": 200},
            ],
        },
        "rows": [
            {
                "label": "A",
                "from": "TP1",
                "bearing": 354,
                "distance": 30,
                "direction": 84,
                "spacing": 5,
                "count": 10,
                "ordnance": "TM-62M",
            },
            {
                "label": "B",
                "from": "TP1",
                "bearing": 354,
                "distance": 70,
                "direction": 84,
                "spacing": 5,
                "count": 10,
                "ordnance": "TM-62M",
            },
        ],
    }


def test_hand_worked_record_against_geod() -> None:
    drawn = build_record(hand_worked_form())
    lon, lat, _ = GEOD.fwd(47.0, 40.0, 90, 50)  # TP1 at true bearing 90
    assert drawn.turning_points[0] == pytest.approx((lon, lat), abs=1e-9)
    tp2 = GEOD.fwd(lon, lat, 0, 100)[:2]
    assert drawn.turning_points[1] == pytest.approx(tp2, abs=1e-9)
    assert len(drawn.turning_points) == 4  # the closing leg returns to TP1
    assert drawn.closure_error_m < 0.5
    assert area_m2(drawn.perimeter) == pytest.approx(20_000, rel=2e-3)
    assert drawn.mines.shape == (20, 2)
    start_b = GEOD.fwd(lon, lat, 0, 70)[:2]
    tenth = GEOD.fwd(*start_b, 90, 45)[:2]
    assert drawn.mines[19] == pytest.approx(tenth, abs=1e-8)
    assert drawn.mine_ordnance == ["TM-62M"] * 20
    assert drawn.perimeter.contains(drawn.rows)


def test_second_hand_worked_record_true_bearings() -> None:
    form = {
        "bearing_type": "true",
        "reference_points": [{"name": "BM", "lon": 46.5, "lat": 39.6}],
        "traverse": {
            "legs": [
                {"bearing": 180, "distance": 20},
                {"bearing": 45, "distance": 60},
                {"bearing": 135, "distance": 60},
                {"bearing": 225, "distance": 60},
                {"bearing": 315, "distance": 60},
            ]
        },
        "rows": [
            {
                "from": "TP2",
                "bearing": 180,
                "distance": 0,
                "direction": 135,
                "spacing": 2,
                "count": 4,
                "ordnance": "PMN-2",
            }
        ],
    }
    drawn = build_record(form)
    tp1 = GEOD.fwd(46.5, 39.6, 180, 20)[:2]
    tp2 = GEOD.fwd(*tp1, 45, 60)[:2]
    assert drawn.mines[0] == pytest.approx(tp2, abs=1e-9)
    assert drawn.mines[3] == pytest.approx(GEOD.fwd(*tp2, 135, 6)[:2], abs=1e-9)
    assert area_m2(drawn.perimeter) == pytest.approx(3600, rel=1e-3)


def test_open_traverse_reports_its_closure_error() -> None:
    form = hand_worked_form()
    form["traverse"]["legs"][-1]["distance"] = 150  # stops 50 m short of TP1
    drawn = build_record(form)
    assert drawn.closure_error_m == pytest.approx(50, abs=0.5)


@pytest.mark.parametrize(
    "change, field",
    [
        (lambda f: f.update(reference_points=[]), "reference_points"),
        (lambda f: f["traverse"].update(**{"from": "RP9"}), "traverse.from"),
        (lambda f: f["traverse"].update(legs=f["traverse"]["legs"][:3]), "traverse.legs"),
        (lambda f: f["rows"][0].update(**{"from": "TP9"}), "rows[0].from"),
        (lambda f: f["rows"][0].update(spacing="five"), "spacing"),
    ],
)
def test_incomplete_forms_name_the_field(change, field: str) -> None:
    form = hand_worked_form()
    change(form)
    with pytest.raises(BadInput) as info:
        build_record(form)
    assert info.value.field == field


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    count=st.integers(5, 900),
    kind=st.sampled_from(["ap", "at", "mixed"]),
)
def test_generated_records_round_trip_within_half_a_metre(seed: int, count: int, kind: str) -> None:
    rng = np.random.default_rng(seed)
    pattern = make_pattern(rng, (rng.uniform(-5e4, 5e4), rng.uniform(-5e4, 5e4)), count, kind)
    drawn = build_record(record_form(rng, pattern))
    assert len(drawn.mines) == len(pattern.mines) == count
    err = np.hypot(*(lonlat_to_xy(drawn.mines) - pattern.mines).T)
    assert err.max() < 0.5
