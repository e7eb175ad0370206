"""Benchmark: ``clearground accuracy`` against a GeoPandas ``sjoin_nearest`` on the same files.

Writes 100,000 recorded mines in dense rows (250 minefields of 400 mines, 1.5-3 m apart in
rows 8-12 m apart) and about 100,000 finds (most records accurate, some incomplete, shifted
or never laid; battle-area UXO between the fields) as GeoPackages, then times, in the same
run, the whole processes of:

- ``clearground accuracy --records R --finds F --json --max-shift 0 --max-rotation 0``:
  the exact one-to-one matching and the area figures, the question the naive join answers;
- the same with the defaults, which also searches each record's shift and rotation; and
- a script that reads the same files with GeoPandas and joins each recorded mine to its
  nearest find within the tolerance (``sjoin_nearest``): the naive method, which lets one
  find confirm several recorded mines.

Prints the times, the ratios to the naive script (aim: at most 1.0) and how many recorded
mines each says are confirmed.

    python bench/accuracy_match.py [--mines 100000] [--repeat 3] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
from pyproj import Transformer

TOLERANCE = 5.0
NAIVE = """
import sys
import geopandas as gpd
records, finds, tol = sys.argv[1], sys.argv[2], float(sys.argv[3])
r = gpd.read_file(records, engine="pyogrio", use_arrow=True)
f = gpd.read_file(finds, engine="pyogrio", use_arrow=True)
crs = r.estimate_utm_crs()
r, f = r.to_crs(crs), f.to_crs(crs)
j = gpd.sjoin_nearest(r[["geometry"]], f[["geometry"]], max_distance=tol, how="inner")
j = j[~j.index.duplicated()]
print(len(j))
"""


def make_data(folder: Path, n_mines: int, seed: int = 1) -> tuple[Path, Path, int]:
    """Recorded mines and finds as GeoPackages in ``folder``; returns paths and find count."""
    rng = np.random.default_rng(seed)
    per_field = 400
    fields = n_mines // per_field
    side = int(np.ceil(np.sqrt(fields)))
    rec_xy, rec_id, find_xy = [], [], []
    for k in range(fields):
        angle = rng.uniform(0, np.pi)
        u = np.array([np.cos(angle), np.sin(angle)])
        v = np.array([-u[1], u[0]])
        spacing = rng.choice([1.5, 2.0, 2.5, 3.0])
        gap = rng.uniform(8, 12)
        per_row = int(rng.integers(80, 140))
        i = np.arange(per_field)
        centre = np.array([(k % side) * 1000.0, (k // side) * 1000.0])
        pts = centre + np.outer((i % per_row) * spacing, u) + np.outer((i // per_row) * gap, v)
        rec_xy.append(pts)
        rec_id += [f"MR-{k + 1:04d}"] * per_field
        kind = rng.choice(
            ["accurate", "incomplete", "shifted", "fictitious"], p=[0.6, 0.2, 0.1, 0.1]
        )
        true = pts.copy()
        if kind == "incomplete":  # mines lifted here and there along the rows
            true = true[rng.random(per_field) < rng.uniform(0.3, 0.6)]
        elif kind == "shifted":
            a = rng.uniform(0, 2 * np.pi)
            true = true + rng.uniform(60, 250) * np.array([np.cos(a), np.sin(a)])
        elif kind == "fictitious":
            true = true[:0]
        true = true[rng.random(len(true)) < 0.97]
        find_xy.append(true + rng.normal(0, 0.7, true.shape))
        uxo = rng.poisson(60)
        find_xy.append(centre + rng.uniform(-500, 500, (uxo, 2)))
    rec = np.vstack(rec_xy)
    fnd = np.vstack(find_xy)
    to_ll = Transformer.from_crs(
        "+proj=laea +lat_0=39.8 +lon_0=46.8 +datum=WGS84 +units=m", 4326, always_xy=True
    )
    records = folder / "recorded_mines.gpkg"
    finds = folder / "finds.gpkg"
    lon, lat = to_ll.transform(rec[:, 0] - 40_000, rec[:, 1])
    gpd.GeoDataFrame({"record": rec_id}, geometry=gpd.points_from_xy(lon, lat), crs=4326).to_file(
        records, engine="pyogrio"
    )
    lon, lat = to_ll.transform(fnd[:, 0] - 40_000, fnd[:, 1])
    gpd.GeoDataFrame(geometry=gpd.points_from_xy(lon, lat), crs=4326).to_file(
        finds, engine="pyogrio"
    )
    return records, finds, len(fnd)


def timed(cmd: list[str]) -> tuple[float, str]:
    started = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        sys.exit(f"{' '.join(cmd[:4])} failed:\n{proc.stderr[-2000:]}")
    return elapsed, proc.stdout


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mines", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--keep", type=Path, help="write the files here instead of a temp folder")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        records, finds, n_finds = make_data(folder, args.mines)
        print(f"input: {args.mines:,} recorded mines in dense rows, {n_finds:,} finds")
        base = [sys.executable, "-m", "clearground", "accuracy", "--records", str(records)]
        base += ["--finds", str(finds), "--tolerance", str(TOLERANCE), "--json"]
        runs = {
            "clearground accuracy, matching only (--max-shift 0 --max-rotation 0)": [
                *base,
                "--max-shift",
                "0",
                "--max-rotation",
                "0",
            ],
            "clearground accuracy, default (with the shift/rotation search)": base,
            "GeoPandas sjoin_nearest script": [
                sys.executable,
                "-c",
                NAIVE,
                str(records),
                str(finds),
                str(TOLERANCE),
            ],
        }
        times: dict[str, list[float]] = {name: [] for name in runs}
        outputs: dict[str, str] = {}
        for _ in range(args.repeat):  # interleaved, so all see the same machine load
            for name, cmd in runs.items():
                t, out = timed(cmd)
                times[name].append(t)
                outputs[name] = out
        names = list(runs)
        best = {name: min(ts) for name, ts in times.items()}
        naive = best[names[2]]
        print("whole process, best of", args.repeat, "(all runs in seconds):")
        for name in names:
            runs_s = ", ".join(f"{t:.2f}" for t in times[name])
            ratio = "" if name == names[2] else f"   ratio to naive {best[name] / naive:.2f}"
            print(f"  {name:<72} {best[name]:6.2f} s ({runs_s}){ratio}")
        print("aim: ratio <= 1.0 for the matching")
        exact = json.loads(outputs[names[0]])
        full = json.loads(outputs[names[1]])
        naive_count = int(outputs[names[2]].strip().splitlines()[-1])
        pairs = exact["pairs_within_tolerance"]
        print(
            f"recorded mines confirmed: exact one-to-one {pairs:,}; nearest-neighbour join "
            f"{naive_count:,} ({100 * (naive_count / max(1, pairs) - 1):+.1f} %)"
        )
        print(
            f"with the search: {full['records_misplaced']} records found misplaced, "
            f"record accuracy {100 * full['precision']:.1f} % "
            f"({full['coincidental']:,} coincidental pairs set aside), "
            f"{100 * full['precision_corrected']:.1f} % after correction"
        )


if __name__ == "__main__":
    main()
