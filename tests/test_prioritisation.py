"""Prioritisation: each part and the score from hand-worked cases (analysis only, no I/O)."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Geod, Transformer
from shapely.geometry import Polygon, box

from clearground.analysis.prioritisation import (
    PARTS,
    PolygonIndex,
    PriorityConfig,
    points_within,
    prioritise,
)
from clearground.domain.errors import BadInput

AS_OF = dt.date(2024, 12, 31)
UTM38 = 32638
TO_LL = Transformer.from_crs(UTM38, 4326, always_xy=True)
TO_UTM = Transformer.from_crs(4326, UTM38, always_xy=True)
X0, Y0 = TO_UTM.transform(46.90, 39.95)  # near Aghdam, UTM zone 38N


def ll(x: float, y: float) -> tuple[float, float]:
    """UTM 38N metres relative to (X0, Y0) -> lon/lat."""
    lon, lat = TO_LL.transform(X0 + x, Y0 + y)
    return float(lon), float(lat)


def square(x: float, y: float, side: float) -> Polygon:
    """A square with its south-west corner at (x, y) metres, in lon/lat."""
    return Polygon([ll(x, y), ll(x + side, y), ll(x + side, y + side), ll(x, y + side)])


def hazards(rows: list[dict]) -> pd.DataFrame:
    base = {
        "kind": "SHA",
        "contamination": "battle_area",
        "blockages": [],
        "has_record": False,
        "remaining_m2": 40_000.0,
    }
    return pd.DataFrame([{**base, **r} for r in rows])


def places(pts: list[tuple[float, float, float]]) -> pd.DataFrame:
    coords = [ll(x, y) for x, y, _ in pts]
    return pd.DataFrame(
        {
            "lon": [c[0] for c in coords],
            "lat": [c[1] for c in coords],
            "population": [p for _, _, p in pts],
        }
    )


NO_ACC = pd.DataFrame({"lon": [], "lat": [], "date": pd.to_datetime([]), "victims": []})
NO_RET = pd.DataFrame({"lon": [], "lat": []})


def only(**weights: float) -> PriorityConfig:
    return PriorityConfig.from_mapping({"weights": {p: weights.get(p, 0) for p in PARTS}})


def test_population_counts_settlements_within_the_distance_of_the_polygon() -> None:
    # a 200 m square at the origin; radius 3,000 m measured from its edge, not its centre
    hz = hazards([{"hazard": "H1", "geometry": square(0, 0, 200)}])
    pl = places(
        [
            (100, 100, 7),  # inside the polygon: distance 0
            (200 + 2900, 100, 100),  # 2,900 m east of the east edge: in
            (200 + 3100, 100, 1000),  # 3,100 m east of the edge: out
            (-2950, 100, 10_000),  # 2,950 m west of the west edge: in
            # 2,500 m from the north-east corner diagonally (1767.8 m each way): in; its
            # distance to the centre is 2,641 m + ... the corner, not the centre, decides
            (200 + 1767.8, 200 + 1767.8, 20),
            # 3,100 m from the north-east corner diagonally: out, although within
            # 3,000 m + the half-diagonal of the centre
            (200 + 2192.0, 200 + 2192.0, 50_000),
        ]
    )
    out = prioritise(hz, pl, NO_ACC, NO_RET, only(population=1), AS_OF)
    assert out.loc[0, "population_value"] == pytest.approx(7 + 100 + 10_000 + 20)
    # part = log10(1 + 10127) / log10(1 + 100000)
    assert out.loc[0, "population_part"] == pytest.approx(math.log10(10128) / math.log10(100001))
    assert out.loc[0, "score"] == pytest.approx(100 * math.log10(10128) / math.log10(100001))


def test_casualties_count_recent_victims_near_the_hazard() -> None:
    hz = hazards([{"hazard": "H1", "geometry": square(0, 0, 200)}])
    pts = [ll(100, 100), ll(200 + 4000, 100), ll(200 + 6000, 100), ll(100, 100)]
    acc = pd.DataFrame(
        {
            "lon": [p[0] for p in pts],
            "lat": [p[1] for p in pts],
            # in the window / in the window / too far / too old (3 years before as-of)
            "date": pd.to_datetime(["2024-06-01", "2023-02-01", "2024-06-01", "2021-12-01"]),
            "victims": [2.0, 1.0, 5.0, 4.0],
        }
    )
    out = prioritise(hz, places([]), acc, NO_RET, only(casualties=1, evidence=1), AS_OF)
    assert out.loc[0, "casualties_value"] == 3.0
    assert out.loc[0, "casualties_part"] == pytest.approx(3 / 5)
    # an accident inside the polygon (any date up to the as-of date) adds evidence
    assert out.loc[0, "evidence_value"] == pytest.approx(0.2 + 0.2)  # SHA + accident
    # score = 100 * (1 * 0.6 + 1 * 0.4) / 2
    assert out.loc[0, "score"] == pytest.approx(50.0)


def test_accident_after_the_as_of_date_is_ignored() -> None:
    hz = hazards([{"hazard": "H1", "geometry": square(0, 0, 200)}])
    lon, lat = ll(100, 100)
    acc = pd.DataFrame(
        {"lon": [lon], "lat": [lat], "date": pd.to_datetime(["2025-01-05"]), "victims": [3.0]}
    )
    out = prioritise(hz, places([]), acc, NO_RET, only(casualties=1), AS_OF)
    assert out.loc[0, "casualties_value"] == 0 and out.loc[0, "evidence_value"] == 0.2


def test_blockages_evidence_and_weights_make_the_score() -> None:
    hz = hazards(
        [
            {
                "hazard": "H1",
                "geometry": square(0, 0, 100),
                "kind": "CHA",
                "has_record": True,
                "blockages": ["housing", "road"],
            },
            {"hazard": "H2", "geometry": square(10_000, 0, 100), "blockages": ["water"]},
        ]
    )
    cfg = only(housing=2, road=1, water=1, evidence=1)
    out = prioritise(hz, places([]), NO_ACC, NO_RET, cfg, AS_OF).set_index("hazard")
    # H1: housing 1, road 1, water 0, evidence 0.6 + 0.2 = 0.8 -> 100 * (2 + 1 + 0.8) / 5
    assert out.loc["H1", "score"] == pytest.approx(76.0)
    assert out.loc["H1", "housing_points"] == pytest.approx(40.0)
    assert out.loc["H1", "evidence_points"] == pytest.approx(16.0)
    # H2: water 1, evidence 0.2 -> 100 * (1 + 0.2) / 5
    assert out.loc["H2", "score"] == pytest.approx(24.0)
    assert list(out["rank"]) == [1, 2]


def test_points_add_up_to_the_score_and_ties_keep_the_id_order() -> None:
    hz = hazards(
        [
            {"hazard": f"H{i}", "geometry": square(1000 * i, 0, 100), "blockages": b}
            for i, b in enumerate([["road"], [], ["road"], ["water", "housing"]])
        ]
    )
    out = prioritise(hz, places([(50, 50, 300)]), NO_ACC, NO_RET, PriorityConfig(), AS_OF)
    points = out[[f"{p}_points" for p in PARTS]].sum(axis=1)
    assert np.allclose(points, out["score"])
    assert list(out["rank"]) == [1, 2, 3, 4]
    assert (np.diff(out["score"]) <= 0).all()
    # H0 and H2 differ only by their position; H0 has the settlement nearby, so rank above H2
    assert out["hazard"].tolist().index("H0") < out["hazard"].tolist().index("H2")
    cfg = only(road=1)
    tie = prioritise(hz, places([]), NO_ACC, NO_RET, cfg, AS_OF)
    assert tie["hazard"].tolist() == ["H0", "H2", "H1", "H3"]


def test_returns_part_falls_with_distance() -> None:
    hz = hazards(
        [
            {"hazard": "NEAR", "geometry": square(0, 0, 200)},
            {"hazard": "FAR", "geometry": square(20_000, 0, 200)},
        ]
    )
    lon, lat = ll(200 + 1500, 100)  # 1,500 m east of NEAR's east edge
    ret = pd.DataFrame({"lon": [lon], "lat": [lat]})
    out = prioritise(hz, places([]), NO_ACC, ret, only(returns=1), AS_OF).set_index("hazard")
    assert out.loc["NEAR", "returns_value"] == pytest.approx(1500.0, abs=0.5)
    assert out.loc["NEAR", "returns_part"] == pytest.approx(0.5, abs=1e-3)
    assert out.loc["FAR", "returns_part"] == 0.0 and math.isinf(out.loc["FAR", "returns_value"])


def test_size_and_effort_parts() -> None:
    hz = hazards(
        [
            {
                "hazard": "MINED",
                "geometry": square(0, 0, 100),
                "contamination": "mined_area",
                "remaining_m2": 16_000.0,
            },
            {"hazard": "BATTLE", "geometry": square(5000, 0, 100), "remaining_m2": 16_000.0},
        ]
    )
    out = prioritise(hz, places([]), NO_ACC, NO_RET, only(effort=1, size=1), AS_OF)
    out = out.set_index("hazard")
    # manual at 160 m²/day: 100 team-days; part = 1 - log10(101) / log10(10001)
    assert out.loc["MINED", "effort_value"] == pytest.approx(100.0)
    assert out.loc["MINED", "effort_part"] == pytest.approx(1 - math.log10(101) / math.log10(10001))
    # mechanical at 5,000 m²/day: 3.2 team-days
    assert out.loc["BATTLE", "effort_value"] == pytest.approx(3.2)
    # 1.6 ha; part = log10(2.6) / log10(1001)
    assert out.loc["MINED", "size_part"] == pytest.approx(math.log10(2.6) / math.log10(1001))
    assert out.index[0] == "BATTLE"  # same size, less effort


def test_distances_across_a_utm_zone_boundary_are_in_metres() -> None:
    # hazard just east of 48°E (zone 39), settlement just west of it (zone 38)
    hz_poly = box(48.010, 40.300, 48.012, 40.302)
    geod = Geod(ellps="WGS84")
    # a point due west of the hazard's west edge at 2,000 m and another at 2,400 m
    lon_in, lat_in, _ = geod.fwd(48.010, 40.301, 270, 2000)
    lon_out, lat_out, _ = geod.fwd(48.010, 40.301, 270, 2400)
    assert lon_in < 48.0 and lon_out < 48.0
    pl = pd.DataFrame({"lon": [lon_in, lon_out], "lat": [lat_in, lat_out], "population": [5, 7]})
    hz = hazards([{"hazard": "H", "geometry": hz_poly}])
    cfg = PriorityConfig.from_mapping({"population": {"radius_m": 2200}})
    out = prioritise(hz, pl, NO_ACC, NO_RET, cfg, AS_OF)
    assert out.loc[0, "population_value"] == 5


def _brute(polys: np.ndarray, pts: np.ndarray, radius: float) -> set[tuple[int, int]]:
    out = set()
    for i, poly in enumerate(polys):
        d = shapely.distance(poly, shapely.points(pts))
        out |= {(i, int(j)) for j in np.flatnonzero(d <= radius)}
    return out


def test_points_within_matches_brute_force_for_concave_polygons() -> None:
    rng = np.random.default_rng(3)
    polys = []
    for k in range(60):
        x, y = rng.uniform(0, 20_000, 2)
        s = rng.uniform(100, 1500)
        if k % 3 == 0:  # a U shape: the centroid lies outside the polygon
            polys.append(
                Polygon(
                    [
                        (x, y),
                        (x + 3 * s, y),
                        (x + 3 * s, y + 3 * s),
                        (x + 2 * s, y + 3 * s),
                        (x + 2 * s, y + s),
                        (x + s, y + s),
                        (x + s, y + 3 * s),
                        (x, y + 3 * s),
                    ]
                )
            )
        else:
            polys.append(box(x, y, x + s, y + rng.uniform(50, 2000)))
    arr = np.array(polys, dtype=object)
    assert any(not p.contains(p.centroid) for p in polys)
    pts = rng.uniform(-2000, 22_000, (3000, 2))
    index = PolygonIndex.build(arr)
    for radius in (0.0, 250.0, 1800.0):
        i, j, d = points_within(index, pts, radius)
        assert set(zip(i.tolist(), j.tolist(), strict=True)) == _brute(arr, pts, radius)
        i, j, d = points_within(index, pts, radius, exact=True)
        assert np.allclose(d, shapely.distance(arr[i], shapely.points(pts[j])))


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"weights": {"casualties": -1}}, "weights.casualties"),
        ({"weights": {"colour": 1}}, "weights.colour"),
        ({"weights": {p: 0 for p in PARTS}}, "weights"),
        ({"population": {"radius_m": "far"}}, "population.radius_m"),
        ({"population": {"radius_m": 0}}, "population.radius_m"),
        ({"returns": {"points": [{"lon": 200, "lat": 40}]}}, "returns.points[0].lon"),
        ({"returns": {"settlements": "Aghdam"}}, "returns.settlements"),
        ({"effort": {"method": {"mined_area": "hovercraft"}}}, "effort.method.mined_area"),
        ({"effort": {"method": {"swamp": "manual"}}}, "effort.method.swamp"),
        ({"speed": 3}, "speed"),
        ([1, 2], "(top level)"),
    ],
)
def test_bad_weights_name_the_file_and_field(data: object, field: str) -> None:
    with pytest.raises(BadInput) as exc:
        PriorityConfig.from_mapping(data, "w.yaml")
    assert exc.value.field == field
    assert "file w.yaml" in exc.value.message and exc.value.fix


def test_partial_weights_keep_the_defaults() -> None:
    cfg = PriorityConfig.from_mapping({"weights": {"housing": 5}, "casualties": {"years": 1}})
    assert cfg.weights["housing"] == 5 and cfg.weights["casualties"] == 3.0
    assert cfg.casualty_years == 1 and cfg.casualty_radius_m == 5000
