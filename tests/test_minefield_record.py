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


# --- the rules of build_record, one at a time (the survivors of bench/mutation.sh
# domain.minefield_record); expected positions from pyproj's Geod, not from domain.geometry ---


def _square(side: float, miss: float, approach: float = 50.0) -> dict:
    """A true-bearing form: ``approach`` m east of RP1 to TP1, then a square of ``side`` m
    (north, east, south, west) whose last leg stops ``miss`` m short of TP1."""
    return {
        "bearing_type": "true",
        "reference_points": [{"name": "RP1", "lon": 47.0, "lat": 40.0}],
        "traverse": {
            "from": "RP1",
            "legs": [
                {"bearing": 90, "distance": approach},
                {"bearing": 0, "distance": side},
                {"bearing": 90, "distance": side},
                {"bearing": 180, "distance": side},
                {"bearing": 270, "distance": side - miss},
            ],
        },
        "rows": [],
    }


@pytest.mark.parametrize(
    ("side", "miss", "approach", "closes"),
    [
        # 20 m square: 1 % of the 80 m perimeter is 0.8 m, so the 1 m tolerance decides
        (20.0, 0.9, 50.0, True),
        (20.0, 1.5, 50.0, False),
        # 1 km square: 1 % of the 4 km perimeter (the approach leg not counted) is 40 m
        (1000.0, 30.0, 50.0, True),
        (1000.0, 50.0, 50.0, False),
        (1000.0, 35.0, 3000.0, True),  # 1 % of 4 km, not of 3 km (approach dropped twice)
        (1000.0, 50.0, 3000.0, False),  # nor of 7 km with the approach
    ],
)
def test_a_traverse_closes_within_1_m_or_1_percent_of_its_perimeter(
    side: float, miss: float, approach: float, closes: bool
) -> None:
    drawn = build_record(_square(side, miss, approach))
    assert abs(drawn.closure_error_m - miss) < 0.5  # the square itself closes on the ellipsoid
    # a closed traverse drops its last point (back at TP1): four corners, else five
    assert len(drawn.turning_points) == (4 if closes else 5)


def _first_tp(form: dict) -> tuple[float, float]:
    return build_record(form).turning_points[0]


def _east(lon: float, lat: float, bearing: float, distance: float) -> tuple[float, float]:
    x, y, _ = GEOD.fwd(lon, lat, bearing, distance)
    return x, y


@pytest.mark.parametrize("declination", [None, 0, 0.0, "missing"])
def test_a_magnetic_form_without_declination_reads_its_bearings_as_true(
    declination: object,
) -> None:
    form = _square(100.0, 0.0)
    form["bearing_type"] = "magnetic"
    if declination != "missing":
        form["declination_deg"] = declination
    got = _first_tp(form)
    want = _east(47.0, 40.0, 90.0, 50.0)
    assert got == pytest.approx(want, abs=1e-9)


@pytest.mark.parametrize("convergence", [None, 0, "missing"])
def test_a_grid_form_without_convergence_reads_its_bearings_as_true(convergence: object) -> None:
    form = _square(100.0, 0.0)
    form["bearing_type"] = "grid"
    if convergence != "missing":
        form["convergence_deg"] = convergence
    assert _first_tp(form) == pytest.approx(_east(47.0, 40.0, 90.0, 50.0), abs=1e-9)


def test_a_grid_form_adds_its_convergence() -> None:
    form = _square(100.0, 0.0)
    form.update(bearing_type="grid", convergence_deg=2.5)
    assert _first_tp(form) == pytest.approx(_east(47.0, 40.0, 92.5, 50.0), abs=1e-9)


def test_unnamed_reference_points_are_rp1_rp2_in_order() -> None:
    form = _square(100.0, 0.0)
    form["reference_points"] = [{"lon": 47.0, "lat": 40.0}, {"lon": 47.01, "lat": 40.0}]
    form["traverse"]["from"] = "RP2"
    assert _first_tp(form) == pytest.approx(_east(47.01, 40.0, 90.0, 50.0), abs=1e-9)
    form["traverse"]["from"] = "RP1"
    assert _first_tp(form) == pytest.approx(_east(47.0, 40.0, 90.0, 50.0), abs=1e-9)


@pytest.mark.parametrize("key", ["bearing", "distance"])
def test_a_bad_leg_is_named_by_its_number_from_1(key: str) -> None:
    form = _square(100.0, 0.0)
    form["traverse"]["legs"][1][key] = "north"
    with pytest.raises(BadInput) as err:
        build_record(form)
    assert err.value.reason == f"traverse leg 2 needs a number for '{key}'"


def test_four_legs_draw_a_triangle_three_do_not() -> None:
    form = _square(100.0, 0.0)
    form["traverse"]["legs"] = [
        {"bearing": 90, "distance": 50},
        {"bearing": 0, "distance": 100},
        {"bearing": 135, "distance": 141.42},
        {"bearing": 270, "distance": 100},
    ]
    drawn = build_record(form)
    assert len(drawn.turning_points) == 3 and drawn.perimeter.is_valid
    form["traverse"]["legs"] = form["traverse"]["legs"][:3]
    with pytest.raises(BadInput) as err:
        build_record(form)
    assert err.value.field == "traverse.legs" and err.value.value == 3


def test_an_unlabelled_row_is_named_by_its_number_from_1() -> None:
    form = _square(100.0, 0.0)
    good = {"from": "TP1", "bearing": 0, "distance": 5, "direction": 90, "spacing": 2, "count": 3}
    form["rows"] = [good, {**good, "from": "TP9"}]
    with pytest.raises(BadInput) as err:
        build_record(form)
    assert err.value.reason == "row 2 starts from unknown point 'TP9'"
    assert err.value.field == "rows[1].from"


@pytest.mark.parametrize("count", [2, 3, 7])
def test_a_row_is_drawn_from_its_first_to_its_last_mine(count: int) -> None:
    form = _square(100.0, 0.0)
    form["rows"] = [
        {"from": "TP1", "bearing": 0, "distance": 5, "direction": 90, "spacing": 4, "count": count}
    ]
    drawn = build_record(form)
    assert len(drawn.rows.geoms) == 1
    line = drawn.rows.geoms[0]
    (x0, y0), (x1, y1) = line.coords
    assert (x0, y0) == pytest.approx(tuple(drawn.mines[0]), abs=1e-12)
    assert (x1, y1) == pytest.approx(tuple(drawn.mines[-1]), abs=1e-12)
    _, _, length = GEOD.inv(x0, y0, x1, y1)
    assert length == pytest.approx(4.0 * (count - 1), abs=0.01)


def test_a_row_of_one_mine_draws_no_line_and_a_form_without_rows_no_mines() -> None:
    form = _square(100.0, 0.0)
    form["rows"] = [
        {"from": "TP1", "bearing": 0, "distance": 5, "direction": 90, "spacing": 4, "count": 1}
    ]
    one = build_record(form)
    assert len(one.rows.geoms) == 0 and one.mines.shape == (1, 2)
    form["rows"] = []
    none = build_record(form)
    assert none.mines.shape == (0, 2) and none.row_counts == [] and none.mine_ordnance == []
