"""Benchmark: build the demo at a given scale on SQLite and on PostGIS.

Prints, for each backend, the wall time and peak memory (RSS) of the whole
``clearground demo --no-serve`` process, the rows written per second, and the ratio to the
named baseline measured in the same run: the same command at scale 1, times the scale
(a ratio of 1.0 means the build grows linearly with its size; below 1 is better).

Input sizes: scale 1 holds 189,000 recorded mines (~150,000 finds, ~9,000 activities);
scale 5 about 945,000 recorded mines. Needs PostgreSQL + PostGIS (started here with
scripts/pgcluster.sh) for the PostGIS rows; ``--sqlite-only`` skips them.

    python bench/scale_demo.py [--scale 5] [--sqlite-only]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pgdb import pg_database
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[1]


def run_demo(db: str, scale: float, folder: Path) -> tuple[float, float, int]:
    """Wall seconds, peak RSS in MiB, and rows written, of one demo build in a subprocess."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "clearground",
            "demo",
            "--db",
            db,
            "--no-serve",
            "--scale",
            str(scale),
            "--truth",
            str(folder / f"truth-{scale}.gpkg"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _, status, usage = os.wait4(proc.pid, 0)  # this child's own peak memory
    wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"clearground demo failed on {db} (exit {proc.returncode})")
    rows = count_rows(db if "://" in db else f"sqlite:///{db}")
    return wall, usage.ru_maxrss / 1024, rows


def count_rows(url: str) -> int:
    engine = create_engine(url)
    tables = [
        "location",
        "organisation",
        "asset",
        "ordnance",
        "handover",
        "minefield_record",
        "hazard",
        "activity",
        "find",
        "accident",
        "victim",
        "funding",
        "exchange_rate",
        "task",
    ]
    with engine.connect() as conn:
        n = sum(conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in tables)
    engine.dispose()
    return int(n)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=5.0)
    parser.add_argument("--sqlite-only", action="store_true")
    args = parser.parse_args()
    backends = ["sqlite"] if args.sqlite_only else ["sqlite", "postgis"]
    print(f"demo build, scale {args.scale:g} vs baseline scale 1 x {args.scale:g}")
    print(
        f"{'backend':8} {'scale':>5} {'wall s':>8} {'peak MiB':>9} {'rows':>10} "
        f"{'rows/s':>9} {'ratio':>6}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for backend in backends:
            results = {}
            for scale in (1.0, args.scale):
                if backend == "sqlite":
                    db = str(folder / f"bench-{scale}.db")
                else:
                    db = pg_database(f"cg_bench_{int(scale * 10)}")
                results[scale] = run_demo(db, scale, folder)
                wall, peak, rows = results[scale]
                ratio = wall / (results[1.0][0] * scale)
                print(
                    f"{backend:8} {scale:5g} {wall:8.1f} {peak:9.0f} {rows:10,} "
                    f"{rows / wall:9,.0f} {ratio:6.2f}",
                    flush=True,
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
