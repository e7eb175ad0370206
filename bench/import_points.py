"""Benchmark: import a GeoPackage of points (finds) with the whole ``clearground import``
process, against the named baseline measured in the same run: a bare ``pyogrio`` read of the
same file into a data frame (the aim is a ratio of 5 or less).

Input: ``--points`` finds (default 1,000,000) in one clearance activity in Aghdam, written
to a GeoPackage; the import goes into a fresh SQLite database (and into PostGIS unless
``--sqlite-only``; needs CLEARGROUND_TEST_PG_URL, which bench/run.sh sets).

    python bench/import_points.py [--points 1000000] [--sqlite-only]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
from pgdb import pg_database
from shapely.geometry import box

from clearground.store.database import Store
from clearground.store.repository import Registry
from clearground.store.seed import init_database


def make_points(path: Path, n: int) -> None:
    rng = np.random.default_rng(1)
    frame = gpd.GeoDataFrame(
        {
            "local_id": [f"B-{i}" for i in range(n)],
            "activity": "ACT-B-1",
            "ordnance": "PMN-2",
            "found_date": "2021-05-02",
        },
        geometry=gpd.points_from_xy(rng.uniform(46.90, 46.905, n), rng.uniform(39.90, 39.905, n)),
        crs=4326,
    )
    pyogrio.write_dataframe(frame, path, driver="GPKG")


def prepare_db(url: str) -> None:
    store = Store(url)
    store.migrate()
    init_database(store)
    with store.session() as s:
        reg = Registry(s)
        org = reg.add("organisations", {"local_id": "ORG-B", "name": "Bench", "kind": "operator"})
        reg.add(
            "hazards",
            {"local_id": "HAZ-B-1", "kind": "CHA", "geometry": box(46.90, 39.90, 46.91, 39.905)},
        )
        reg.add(
            "activities",
            {
                "local_id": "ACT-B-1",
                "hazard": "HAZ-B-1",
                "kind": "clearance",
                "result": "cleared",
                "method": "manual",
                "organisation_id": org,
                "start_date": "2021-05-01",
                "geometry": box(46.90, 39.90, 46.905, 39.905),
            },
        )
    store.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--sqlite-only", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = folder / "finds.gpkg"
        make_points(path, args.points)
        started = time.perf_counter()
        frame = pyogrio.read_dataframe(path)
        baseline = time.perf_counter() - started
        assert len(frame) == args.points
        print(f"input: {args.points:,} points, {path.stat().st_size / 2**20:.0f} MiB GeoPackage")
        print(f"baseline  bare pyogrio read        {baseline:8.2f} s")
        targets = [("sqlite", f"sqlite:///{folder / 'bench.db'}")]
        if not args.sqlite_only:
            targets.append(("postgis", pg_database("cg_bench_import")))
        for name, url in targets:
            prepare_db(url)
            started = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "clearground", "import", "finds", str(path), "--db", url],
                check=True,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            wall = time.perf_counter() - started
            print(
                f"clearground import ({name:7})     {wall:8.2f} s   "
                f"{args.points / wall:10,.0f} rows/s   ratio {wall / baseline:6.1f}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
