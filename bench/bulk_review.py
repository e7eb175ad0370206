"""Benchmark: approve 20,000 submitted accidents by selection (``clearground review approve
accidents --import FILE``), against the named baseline measured in the same run: the same
approval one record at a time (``Registry.set_review_status``, what the API's review route
does per call), on the first ``--sample`` records, extrapolated to all. The aim: under 10 s
for 20,000 on SQLite.

Input: ``--records`` accidents (default 20,000) at random points in Aghdam district,
imported from one CSV into a fresh SQLite database (and PostGIS unless ``--sqlite-only``;
needs CLEARGROUND_TEST_PG_URL, which bench/run.sh sets).

    python bench/bulk_review.py [--records 20000] [--sample 500] [--sqlite-only]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from pgdb import pg_database
from sqlalchemy import select

from clearground.store import tables as t
from clearground.store.database import Store
from clearground.store.repository import Registry
from clearground.store.seed import init_database


def make_file(path: Path, n: int) -> None:
    rng = np.random.default_rng(3)
    pd.DataFrame(
        {
            "local_id": [f"ACC-B-{i}" for i in range(n)],
            "kind": "incident",
            "accident_date": "2021-06-01",
            "latitude": rng.uniform(39.95, 40.0, n),
            "longitude": rng.uniform(46.85, 46.95, n),
        }
    ).to_csv(path, index=False)


def cli(*args: str) -> str:
    proc = subprocess.run(
        [sys.executable, "-m", "clearground", *args], check=True, capture_output=True, text=True
    )
    return proc.stdout


def one_at_a_time(url: str, sample: int) -> float:
    """Seconds per record to approve ``sample`` records one transaction each."""
    store = Store(url)
    with store.session() as s:
        rows = s.execute(
            select(t.Accident.id, t.Accident.version)
            .where(t.Accident.review_status == "submitted")
            .order_by(t.Accident.id)
            .limit(sample)
        ).all()
    started = time.perf_counter()
    for rid, version in rows:
        with store.session() as s:
            Registry(s, user="bench").set_review_status("accidents", rid, version, "approved")
    per_record = (time.perf_counter() - started) / len(rows)
    store.dispose()
    return per_record


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--sample", type=int, default=500)
    parser.add_argument("--sqlite-only", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = folder / "accidents.csv"
        make_file(path, args.records)
        targets = [("sqlite", f"sqlite:///{folder / 'bench.db'}")]
        if not args.sqlite_only:
            targets.append(("postgis", pg_database("cg_bench_review")))
        print(f"input: {args.records:,} submitted accidents, baseline on {args.sample:,}")
        for name, url in targets:
            store = Store(url)
            store.migrate()
            init_database(store)
            store.dispose()
            cli("import", "accidents", str(path), "--db", url)
            per_record = one_at_a_time(url, args.sample)
            rest = args.records - args.sample
            started = time.perf_counter()
            doc = json.loads(
                cli("review", "approve", "accidents", "--import", path.name, "--db", url, "--json")
            )
            wall = time.perf_counter() - started
            assert doc["moved"] == rest, doc
            baseline = per_record * rest
            print(
                f"{name:8} one at a time (baseline) {per_record * 1000:6.1f} ms/record, "
                f"{baseline:7.1f} s for {rest:,}"
            )
            print(
                f"{name:8} review approve --import    {wall:7.2f} s for {rest:,} "
                f"(in the transaction {doc['seconds']:.2f} s)   ratio {wall / baseline:.3f}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
