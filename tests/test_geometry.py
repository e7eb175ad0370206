"""Pure geometry: areas, traverses, bearings, polygon checks — against pyproj.Geod."""

from __future__ import annotations

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
    check_polygon,
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
