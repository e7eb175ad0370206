"""Benchmark: the Monte Carlo completion forecast, 80 districts x 10,000 runs.

Measured: ``clearground.analysis.forecast.simulate``, the exact event simulation vectorised
over runs (piecewise-constant rates; a district's share passes to the others when it is done).
Baseline, measured in the same run: the plain way, a day-by-day loop per run (each day the
capacity is shared among the districts not yet done), on the first ``--baseline-runs`` runs
and scaled to all of them. The ratio is baseline time / Clearground time per run; the two
must agree to within a day on every district of the runs both did.

    python bench/forecast.py [--districts 80] [--runs 10000] [--baseline-runs 20] [--seed 1]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from clearground.analysis.forecast import simulate


def daily(
    area: np.ndarray, convert: np.ndarray, weights: np.ndarray, capacity: np.ndarray
) -> np.ndarray:
    """Completion day of each district in each run, stepping one day at a time."""
    n_runs, n_d = convert.shape
    out = np.full((n_runs, n_d), np.inf)
    for r in range(n_runs):
        left = area.astype(float).copy()
        active = left > 0
        out[r, ~active] = 0
        day = 0
        while active.any() and day < 100 * 366:
            day += 1
            budget = 1.0  # fraction of the day's capacity still to spend
            while budget > 1e-12 and active.any():
                share = np.where(active, weights, 0.0)
                share = share / share.sum()
                rate = capacity[r] * share * convert[r]  # m² a day per district
                need = np.where(active, left / np.where(rate > 0, rate, np.inf), np.inf)
                step = min(budget, float(need.min()))
                left = np.where(active, left - rate * step, left)
                budget -= step
                done = active & (left <= 1e-9 * area)
                out[r, done] = day - budget
                active &= ~done
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--districts", type=int, default=80)
    ap.add_argument("--runs", type=int, default=10_000)
    ap.add_argument("--baseline-runs", type=int, default=20)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    d, n = args.districts, args.runs
    area = rng.lognormal(np.log(1e7), 1.0, d)  # m² left per district (about 1,500 km² in all)
    weights = rng.uniform(0.2, 1.0, d)
    factor = rng.choice([1.0, 0.7, 0.4], d)
    share = rng.uniform(0.2, 0.4, n)  # survey share per run
    convert = factor[None, :] / (1 - share[:, None])
    capacity = rng.triangular(0.5, 1.0, 2.0, n) * 150_000.0  # flat m² a day per run
    print(f"input: {d} districts, {area.sum() / 1e6:,.0f} km² left, {n:,} runs (seed {args.seed})")
    started = time.perf_counter()
    done, _ = simulate(area, convert, weights, capacity[:, None], np.array([0.0]), 100 * 366.0)
    ours = time.perf_counter() - started
    b = args.baseline_runs
    started = time.perf_counter()
    base = daily(area, convert[:b], weights, capacity[:b])
    naive = (time.perf_counter() - started) * n / b
    diff = float(np.abs(base - done[:b]).max())
    years = np.median(done.max(axis=1)) / 365.25
    print(
        f"clearground simulate (exact events, vectorised): {ours:8.3f} s for {n:,} runs "
        f"(median country completion {years:.1f} years)"
    )
    print(
        f"baseline day-by-day loop per run: {naive:8.1f} s for {n:,} runs "
        f"(measured on {b} runs, scaled)"
    )
    print(f"ratio baseline / clearground: {naive / ours:,.0f}x")
    print(f"agreement on the {b} runs both did: largest difference {diff:.2e} days")
    if diff > 1.0:
        raise SystemExit("the two computations disagree")


if __name__ == "__main__":
    main()
