"""The Monte Carlo simulation: exact completion times under a shared, piecewise-constant capacity.

Every run is an exact event simulation (piecewise-constant rates, vectorised over runs with
NumPy): no time step. The random draws are here too: productivity multipliers from triangular
distributions and survey shares by bootstrap over the closed hazards.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from clearground.analysis.forecast.config import Productivity


def simulate(
    area: np.ndarray,
    convert: np.ndarray,
    weights: np.ndarray,
    capacity: np.ndarray,
    breaks: np.ndarray,
    horizon: float,
    queries: Sequence[float] = (),
) -> tuple[np.ndarray, np.ndarray]:
    """Completion times of districts under a shared, piecewise-constant capacity.

    ``area`` (D,): m² left per district. ``convert`` (N, D): m² released per m² of flat-ground
    capacity in each run and district (terrain factor / (1 - survey share)). ``weights`` (D,):
    how the capacity is shared among the districts not yet done. ``capacity`` (N, K): flat m²
    per day in each run during segment k, which starts at ``breaks[k]`` days (``breaks[0]`` is
    0, increasing). ``queries``: days at which to report the released area.

    Returns the completion time in days (N, D; ``inf`` beyond ``horizon``) and the area released
    at each query (Q, N, D).
    """
    n_runs, n_d = convert.shape
    left = np.broadcast_to(np.asarray(area, float), (n_runs, n_d)).copy()
    total = left.copy()
    tol = 1e-9 * np.maximum(total, 1.0)
    active = left > tol
    done = np.where(active, np.inf, 0.0)
    t = np.zeros(n_runs)
    w = np.asarray(weights, float)
    stops = sorted(
        {float(b) for b in breaks[1:] if 0 < b < horizon}
        | {float(q) for q in queries if 0 < q < horizon}
        | {float(horizon)}
    )
    released_at: dict[float, np.ndarray] = {}
    for stop in stops:
        k = max(int(np.searchsorted(breaks, stop, side="left")) - 1, 0)
        cap = capacity[:, k]
        for _ in range(n_d + 2):
            running = (t < stop) & active.any(axis=1)
            if not running.any():
                break
            share_w = np.where(active, w, 0.0)
            norm = share_w.sum(axis=1, keepdims=True)
            share = np.divide(share_w, norm, out=np.zeros_like(share_w), where=norm > 0)
            rate = cap[:, None] * share * convert
            ttf = np.divide(left, rate, out=np.full_like(left, np.inf), where=rate > 0)
            ttf = np.where(active, ttf, np.inf)
            first = ttf.min(axis=1)
            to_stop = stop - t
            step = np.where(running, np.minimum(first, to_stop), 0.0)
            left = np.where(active, left - rate * step[:, None], left)
            t = np.where(running & (first >= to_stop), stop, t + step)
            finished = active & running[:, None] & ((left <= tol) | (ttf <= step[:, None]))
            done = np.where(finished, t[:, None], done)
            left = np.where(finished, 0.0, left)
            active &= ~finished
        t = np.maximum(t, stop)
        released_at[stop] = total - left
    final = total - left
    out_q = [
        released_at[float(q)] if float(q) in released_at else (final if q > 0 else total * 0)
        for q in queries
    ]
    return done, np.stack(out_q) if out_q else np.empty((0, n_runs, n_d))


def mean_multiplier(p: Productivity) -> float:
    """Mean of the triangular productivity multiplier (low/mode, 1, high/mode)."""
    return (p.low + p.mode + p.high) / (3.0 * p.mode)


def _triangular(rng: np.random.Generator, p: Productivity, n: int) -> np.ndarray:
    if p.high <= p.low:
        return np.ones(n)
    return rng.triangular(p.low / p.mode, 1.0, p.high / p.mode, n)


def bootstrap_share(history: pd.DataFrame, runs: int, rng: np.random.Generator) -> np.ndarray:
    """Survey share in each run: area-weighted share over closed hazards drawn with
    replacement (``history``: ``surveyed_m2``, ``released_m2``)."""
    s = history["surveyed_m2"].to_numpy(float)
    r = history["released_m2"].to_numpy(float)
    h = len(s)
    out = np.empty(runs)
    chunk = max(1, 2_000_000 // max(h, 1))
    for a in range(0, runs, chunk):
        b = min(runs, a + chunk)
        idx = rng.integers(0, h, (b - a, h))
        out[a:b] = s[idx].sum(axis=1) / r[idx].sum(axis=1)
    return out
