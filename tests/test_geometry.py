"""Pure geometry: areas, traverses, bearings, polygon checks — against pyproj.Geod."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Geod
from shapely.geometry import Point, Polygon, box

from clearground.domain.errors import BadInput
from clearground.domain.geometry import (
    Leg,
    area_m2,
    areas_m2,
    check_lonlat,
    check_polygon,
    points,
    row_positions,
    traverse,
    true_bearing,
    utm_epsg,
)

GEOD = Geod(ellps="WGS84")


def geod_area(poly: Polygon) -> float:
    return abs(GEOD.geometry_area_perimeter(poly)[0])


@settings(max_examples=40, deadline=None)
@given(
    lon=st.floats(44.0, 51.0),
    lat=st.floats(38.0, 42.0),
    w=st.floats(0.0005, 0.03),
    h=st.floats(0.0005, 0.03),
)
def test_area_matches_geodesic_area(lon: float, lat: float, w: float, h: float) -> None:
    # up to ~3 km a side, larger than any hazard or activity polygon; the two methods differ
    # only in how an edge runs between vertices (geodesic vs straight in the projection)
    poly = box(lon, lat, lon + w, lat + h)
    assert area_m2(poly) == pytest.approx(geod_area(poly), rel=1e-6)


def test_area_of_a_known_square() -> None:
    # a 100 m x 100 m square walked with the geodesic forward problem
    pts = traverse((46.9, 39.9), [Leg(0, 100), Leg(90, 100), Leg(180, 100)])
    assert area_m2(Polygon(pts)) == pytest.approx(10_000, rel=1e-4)


def test_areas_handle_missing_and_far_apart_geometries() -> None:
    a = box(46.0, 40.0, 46.01, 40.01)
    b = box(-70.0, -33.0, -69.99, -32.99)  # Chile: another hemisphere
    out = areas_m2([a, None, b])
    assert out[0] == pytest.approx(geod_area(a), rel=1e-6)
    assert np.isnan(out[1])
    assert out[2] == pytest.approx(geod_area(b), rel=1e-6)


def test_traverse_follows_geodesics() -> None:
    legs = [Leg(45.0, 250.0), Leg(135.0, 80.5), Leg(300.0, 1000.0)]
    pts = traverse((46.5, 39.5), legs)
    lon, lat = 46.5, 39.5
    for leg, got in zip(legs, pts[1:], strict=True):
        lon, lat, _ = GEOD.fwd(lon, lat, leg.bearing_deg, leg.distance_m)
        assert got == pytest.approx((lon, lat), abs=1e-9)


def test_bearing_types() -> None:
    assert true_bearing(100, "true", 6.3) == 100
    assert true_bearing(100, "magnetic", 6.3) == pytest.approx(106.3)
    assert true_bearing(358, "magnetic", 6.3) == pytest.approx(4.3)
    assert true_bearing(10, "grid", 0.0, -1.5) == pytest.approx(8.5)
    with pytest.raises(ValueError):
        true_bearing(10, "compass")


def test_row_positions_are_evenly_spaced() -> None:
    pos = row_positions((46.7, 39.8), 73.0, 4.5, 11)
    assert pos.shape == (11, 2)
    _, _, d = GEOD.inv(pos[:-1, 0], pos[:-1, 1], pos[1:, 0], pos[1:, 1])
    assert np.allclose(d, 4.5, atol=1e-6)


def test_utm_zones_of_azerbaijan() -> None:
    assert utm_epsg(45.5, 40.0) == 32638
    assert utm_epsg(48.5, 40.0) == 32639


@pytest.mark.parametrize(
    "geom, reason",
    [
        (Polygon([(46, 40), (46.01, 40.01), (46.01, 40), (46, 40.01)]), "Self-intersection"),
        (Polygon([(46, 40), (46.01, 40), (46, 40)]), "3 distinct vertices"),
        (Polygon([(400, 40), (401, 40), (401, 41)]), "longitude/latitude"),
        (Point(46, 40), "expected a polygon"),
        (None, "polygon is required"),
    ],
)
def test_bad_polygons_are_refused(geom: Polygon | None, reason: str) -> None:
    with pytest.raises(BadInput, match=reason):
        check_polygon(geom)


# --- edges of the rules (the survivors of bench/mutation.sh domain.geometry) -----------------


@pytest.mark.parametrize(
    ("lon", "lat", "epsg"),
    [
        (18.42, -33.92, 32734),  # Cape Town: zone int(198.42 // 6) + 1 = 34, south
        (-70.65, -33.45, 32719),  # Santiago: zone int(109.35 // 6) + 1 = 19, south
        (-70.65, 0.0, 32619),  # on the equator: north
        (-70.65, -0.5, 32719),  # half a degree south of it: south
    ],
)
def test_utm_zones_south_of_the_equator(lon: float, lat: float, epsg: int) -> None:
    assert utm_epsg(lon, lat) == epsg


def test_a_grid_bearing_without_convergence_is_true() -> None:
    assert true_bearing(10.0, "grid") == 10.0
    assert true_bearing(10.0, "magnetic") == 10.0


def test_a_row_of_no_mines_is_empty_and_of_one_is_its_start() -> None:
    assert row_positions((47.0, 40.0), 90.0, 4.0, 0).shape == (0, 2)
    one = row_positions((47.0, 40.0), 90.0, 4.0, 1)
    assert one.shape == (1, 2) and tuple(one[0]) == pytest.approx((47.0, 40.0), abs=1e-12)
    with pytest.raises(BadInput):
        row_positions((47.0, 40.0), 90.0, 4.0, -1)


def test_vertices_closer_than_1e_9_degrees_are_one_vertex() -> None:
    """About 0.1 mm: a triangle that small is a point typed three times, refused as such."""
    sliver = Polygon([(47.0, 40.0), (47.0 + 3e-10, 40.0), (47.0, 40.0 + 4e-10)])
    with pytest.raises(BadInput) as err:
        check_polygon(sliver)
    assert err.value.reason == "a polygon needs at least 3 distinct vertices"
    check_polygon(Polygon([(47.0, 40.0), (47.0 + 3e-8, 40.0), (47.0, 40.0 + 4e-8)]))


@pytest.mark.parametrize(
    ("lon", "lat", "ok"),
    [
        (180.0, 0.0, True),
        (-180.0, 0.0, True),
        (179.5, 0.0, True),
        (180.5, 0.0, False),
        (0.0, 90.0, True),
        (0.0, -89.5, True),
        (0.0, 90.5, False),
        (0.0, -90.5, False),
    ],
)
def test_longitude_to_180_and_latitude_to_90_degrees(lon: float, lat: float, ok: bool) -> None:
    if ok:
        check_lonlat(Point(lon, lat))
    else:
        with pytest.raises(BadInput):
            check_lonlat(Point(lon, lat))


def test_zones_change_every_6_degrees_from_180_west() -> None:
    # 47.5 E: int(227.5 // 6) + 1 = 38 (42-48 E); 48.0 E starts zone 39
    assert utm_epsg(47.5, 40.0) == 32638 and utm_epsg(48.0, 40.0) == 32639
    assert utm_epsg(47.999, 40.0) == 32638


def test_a_leg_is_fixed_once_made() -> None:
    leg = Leg(90.0, 10.0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        leg.distance_m = 20.0  # type: ignore[misc]


@pytest.mark.parametrize("distance", [0.0, 0.5])
def test_legs_of_no_or_under_a_metre_are_walked(distance: float) -> None:
    walked = traverse((47.0, 40.0), [Leg(90.0, distance)])
    x, y, _ = GEOD.fwd(47.0, 40.0, 90.0, distance)
    assert walked[1] == pytest.approx((x, y), abs=1e-12)


@pytest.mark.parametrize("distance", [-0.5, float("nan"), float("inf")])
def test_negative_or_endless_legs_are_refused(distance: float) -> None:
    with pytest.raises(BadInput) as err:
        traverse((47.0, 40.0), [Leg(90.0, distance)])
    assert err.value.field == "distance_m"


def test_vertices_1e_9_degrees_apart_are_distinct() -> None:
    """The rounding is to 9 decimals, no coarser: a 0.3 mm triangle is three vertices (what
    it then is, valid or not, the validity check says)."""
    tiny = Polygon([(47.0, 40.0), (47.0 + 3e-9, 40.0), (47.0, 40.0 + 4e-9)])
    try:
        check_polygon(tiny)
    except BadInput as exc:
        assert exc.reason != "a polygon needs at least 3 distinct vertices"


def test_points_of_a_row_of_coordinates() -> None:
    many = points(np.array([[47.0, 40.0], [47.1, 40.1]]))
    assert [(p.x, p.y) for p in many.geoms] == [(47.0, 40.0), (47.1, 40.1)]
    assert points(np.empty((0, 2))).is_empty
