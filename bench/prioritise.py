"""Benchmark: rank 50,000 hazards against 100,000 places (aim: under 5 s).

Synthetic, seeded input over Azerbaijan's extent (it spans UTM zones 38N and 39N): irregular
hazard polygons 100-1,500 m across, 100,000 settlements with populations, 5,000 accidents
over three years with victims, 300 planned return sites.

Measured: ``clearground.analysis.prioritisation.prioritise`` (every part and the score, with
k-d trees around the centroids and exact polygon distances only where the bounds cannot
decide). Baseline, measured in the same run: the spatial parts alone (population within
3 km, recent victims within 5 km, accidents within 100 m, distance to the nearest return
site within 3 km) computed the plain GeoPandas way, per UTM zone: ``sjoin(predicate=
"dwithin")`` and ``sjoin_nearest(max_distance=...)``. The two must agree exactly on every
hazard; the ratio is baseline time / Clearground time (above 1: Clearground is faster, although
it also computes the other parts and the score).

    python bench/prioritise.py [--hazards 50000] [--places 100000] [--seed 1]
"""

from __future__ import annotations

import argparse
import datetime as dt
import time

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from clearground.analysis.prioritisation import PriorityConfig, by_utm_zone, prioritise

AS_OF = dt.date(2024, 12, 31)
LON = (44.8, 50.4)
LAT = (38.4, 41.9)


def synthetic(
    n_hazards: int, n_places: int, seed: int
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    lon = rng.uniform(*LON, n_hazards)
    lat = rng.uniform(*LAT, n_hazards)
    k = 10  # vertices of each polygon: a star-ish ring of random radii
    angles = np.sort(rng.uniform(0, 2 * np.pi, (n_hazards, k)), axis=1)
    radius = rng.uniform(50, 750, (n_hazards, 1)) * rng.uniform(0.5, 1.0, (n_hazards, k))
    dx = radius * np.cos(angles) / (111_320 * np.cos(np.radians(lat))[:, None])
    dy = radius * np.sin(angles) / 110_570
    rings = np.stack([lon[:, None] + dx, lat[:, None] + dy], axis=2)
    rings = np.concatenate([rings, rings[:, :1]], axis=1)
    polygons = shapely.polygons(rings)
    hazards = pd.DataFrame(
        {
            "hazard": [f"HAZ-{i:06d}" for i in range(n_hazards)],
            "geometry": polygons,
            "kind": rng.choice(["SHA", "CHA"], n_hazards, p=[0.7, 0.3]),
            "contamination": rng.choice(["mined_area", "battle_area"], n_hazards),
            "blockages": [
                list(
                    rng.choice(
                        ["road", "agriculture", "housing", "water", "infrastructure"],
                        int(rng.integers(0, 3)),
                        replace=False,
                    )
                )
                for _ in range(n_hazards)
            ],
            "has_record": rng.random(n_hazards) < 0.2,
        }
    )
    hazards["remaining_m2"] = shapely.area(polygons) * 111_320 * 110_570 * np.cos(np.radians(lat))
    places = pd.DataFrame(
        {
            "lon": rng.uniform(*LON, n_places),
            "lat": rng.uniform(*LAT, n_places),
            "population": np.round(rng.lognormal(6, 1.5, n_places)),
        }
    )
    n_acc = max(1, n_places // 20)
    accidents = pd.DataFrame(
        {
            "lon": rng.uniform(*LON, n_acc),
            "lat": rng.uniform(*LAT, n_acc),
            "date": pd.Timestamp("2022-01-01")
            + pd.to_timedelta(rng.integers(0, 3 * 365, n_acc), "D"),
            "victims": rng.integers(1, 4, n_acc).astype(float),
        }
    )
    returns = pd.DataFrame({"lon": rng.uniform(*LON, 300), "lat": rng.uniform(*LAT, 300)})
    return hazards, places, accidents, returns


def geopandas_parts(
    hazards: pd.DataFrame,
    places: pd.DataFrame,
    accidents: pd.DataFrame,
    returns: pd.DataFrame,
    cfg: PriorityConfig,
) -> pd.DataFrame:
    """The spatial parts, the plain GeoPandas way (per UTM zone of the hazard centroids)."""
    geoms = np.asarray(hazards["geometry"].values, dtype=object)
    n = len(geoms)
    out = pd.DataFrame(
        {
            "population": np.zeros(n),
            "casualties": np.zeros(n),
            "accident": np.zeros(n, bool),
            "returns_m": np.full(n, np.inf),
        }
    )
    dates = pd.to_datetime(accidents["date"])
    recent = accidents[
        (dates <= pd.Timestamp(AS_OF))
        & (dates > pd.Timestamp(AS_OF) - pd.Timedelta(days=365.25 * cfg.casualty_years))
    ]
    known = accidents[dates <= pd.Timestamp(AS_OF)]

    def points(frame: pd.DataFrame, epsg: int) -> gpd.GeoDataFrame:
        return gpd.GeoDataFrame(
            frame.drop(columns=["lon", "lat"]),
            geometry=gpd.points_from_xy(frame["lon"], frame["lat"]),
            crs=4326,
        ).to_crs(epsg)

    for epsg, sel in by_utm_zone(geoms).items():
        hz = gpd.GeoDataFrame({"row": sel}, geometry=list(geoms[sel]), crs=4326).to_crs(epsg)
        j = gpd.sjoin(
            hz, points(places, epsg), predicate="dwithin", distance=cfg.population_radius_m
        )
        pop = j.groupby("row")["population"].sum()
        out.loc[pop.index, "population"] = pop.to_numpy()
        j = gpd.sjoin(hz, points(recent, epsg), predicate="dwithin", distance=cfg.casualty_radius_m)
        cas = j.groupby("row")["victims"].sum()
        out.loc[cas.index, "casualties"] = cas.to_numpy()
        j = gpd.sjoin(
            hz, points(known, epsg), predicate="dwithin", distance=cfg.evidence_accident_within_m
        )
        out.loc[j["row"].unique(), "accident"] = True
        j = gpd.sjoin_nearest(
            hz, points(returns, epsg), max_distance=cfg.returns_radius_m, distance_col="d"
        )
        near = j.groupby("row")["d"].min()
        out.loc[near.index, "returns_m"] = near.to_numpy()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--hazards", type=int, default=50_000)
    ap.add_argument("--places", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    hazards, places, accidents, returns = synthetic(args.hazards, args.places, args.seed)
    cfg = PriorityConfig()
    print(
        f"input: {len(hazards):,} hazards x {len(places):,} places, {len(accidents):,} "
        f"accidents, {len(returns):,} return sites (seed {args.seed})"
    )
    started = time.perf_counter()
    ranked = prioritise(hazards, places, accidents, returns, cfg, AS_OF)
    ours = time.perf_counter() - started
    started = time.perf_counter()
    base = geopandas_parts(hazards, places, accidents, returns, cfg)
    naive = time.perf_counter() - started
    got = ranked.set_index("hazard").loc[hazards["hazard"]].reset_index()
    agree = {
        "population": np.allclose(got["population_value"], base["population"]),
        "casualties": np.allclose(got["casualties_value"], base["casualties"]),
        "accident evidence": np.array_equal(
            np.isclose(
                got["evidence_value"]
                - np.where(hazards["kind"] == "CHA", cfg.evidence_cha, cfg.evidence_sha)
                - cfg.evidence_record * hazards["has_record"],
                cfg.evidence_accident,
            ),
            base["accident"].to_numpy(),
        ),
        "returns distance": np.allclose(
            np.where(np.isinf(got["returns_value"]), -1, got["returns_value"]),
            np.where(np.isinf(base["returns_m"]), -1, base["returns_m"]),
            atol=1e-6,
        ),
    }
    print(f"clearground prioritise (all 11 parts + score): {ours:6.2f} s   (aim: under 5 s)")
    print(f"baseline GeoPandas sjoin dwithin/nearest (4 spatial parts): {naive:6.2f} s")
    print(f"ratio baseline / clearground: {naive / ours:5.2f}x")
    print(
        "agreement with the baseline: "
        + ", ".join(f"{k} {'exact' if v else 'DIFFERS'}" for k, v in agree.items())
    )
    if not all(agree.values()):
        raise SystemExit("the two computations disagree")


if __name__ == "__main__":
    main()
