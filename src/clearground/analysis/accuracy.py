"""How accurate are minefield records? Recorded mines against the devices actually found.

Pure functions on NumPy arrays and (Geo)DataFrames; no I/O. Everything metric is done in the
UTM zone of the data (``clearground.domain.geometry.utm_epsg``), never in degrees.

- **Matching** (:func:`match_points`): one-to-one pairs of recorded mines and finds within a
  tolerance, optimal: the largest number of pairs, then the smallest total distance. A
  nearest-neighbour join lets one find "confirm" several recorded mines, which on dense rows
  overstates the matches by tens of percent; this does not. Candidate pairs come from a k-d
  tree; the maximum number of pairs from a maximum flow (Dinic); the Dulmage-Mendelsohn
  decomposition of that matching splits the graph into three parts that every maximum matching
  respects (recorded mines that may stay unmatched, finds that may, and the rest, matched
  perfectly), and each part is a full-matching assignment problem solved exactly by LAPJVsp
  (``scipy.sparse.csgraph.min_weight_full_bipartite_matching``). No big-M costs, so no
  numerical trade-off between "one more pair" and "shorter pairs".
- **Systematic error** (:func:`align_record`): the rigid (or similarity) transform that best
  lays a record's pattern over the finds, searched over shifts up to ``max_shift_m`` and
  rotations up to ``max_rotation_deg`` independently of the tolerance. Candidate rotations come
  from correlating the orientation signature of the record (directions between neighbouring
  mines: the rows) with that of the finds around it; candidate shifts from a vote of
  find-minus-mine offsets; each candidate is refined by ICP (Procrustes on nearest pairs),
  then by the one-to-one matching itself. A record drawn from a wrong reference point is
  "right but misplaced": low precision, high precision after correction.
- **Areas** (:func:`analyse`): per record, handover and district, the finds inside the
  record's perimeter buffered by ``buffer_m``, mines found per mine recorded, finds outside
  every record, and the share of accidents outside all recorded areas.

Only searched ground counts: a recorded mine outside it is unknown, not missing, and a find
outside it is left out of the comparison (and counted as such).

Conventions: ``rotation_deg`` is clockwise (like a bearing) and turns the record onto the
finds about the record's centre (the mean of its recorded mines); ``shift_east_m`` and
``shift_north_m`` move that centre, in metres towards true east and true north.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Geod, Transformer
from scipy import ndimage, sparse
from scipy.optimize import linear_sum_assignment
from scipy.sparse.csgraph import (
    breadth_first_order,
    connected_components,
    maximum_flow,
    min_weight_full_bipartite_matching,
)
from scipy.spatial import cKDTree

from clearground.domain.errors import BadInput
from clearground.domain.geometry import utm_epsg
from clearground.domain.plain import plain

DEFAULT_TOLERANCE_M = 5.0
"""A recorded mine is confirmed by a find within this many metres (the demo's truth uses 5 m:
about seven standard deviations of the position error of a find, and still less than the
usual gap between mine rows, so a row cannot confirm its neighbour)."""
DEFAULT_MAX_SHIFT_M = 500.0
DEFAULT_MAX_ROTATION_DEG = 45.0
DEFAULT_BUFFER_M = 25.0
"""A find counts as inside a record's area within this many metres of its perimeter."""
MIN_SUPPORT = 5
"""A correction is reported only when at least this many recorded mines (and 5 % of the
record) are confirmed after it."""

_GEOD = Geod(ellps="WGS84")
_EMPTY_I = np.empty(0, dtype=np.int64)


# --- one-to-one matching ---------------------------------------------------------------------


@dataclass(frozen=True)
class Matching:
    """Pairs ``(a[k], b[k])`` of indices into the two point sets, with their distances."""

    a: np.ndarray
    b: np.ndarray
    distance: np.ndarray

    @property
    def count(self) -> int:
        return len(self.a)

    @property
    def total_distance(self) -> float:
        return float(self.distance.sum())


def _xy(points: np.ndarray | Iterable[Any]) -> np.ndarray:
    arr = np.asarray(points, dtype=float)
    if arr.size == 0:
        return np.empty((0, 2))
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise ValueError("points must be an (n, 2) array of metric coordinates")
    return arr


def candidate_pairs(
    a_xy: np.ndarray, b_xy: np.ndarray, tolerance: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every pair (i, j, distance) with ``|a_i - b_j| <= tolerance`` (k-d trees)."""
    a_xy, b_xy = _xy(a_xy), _xy(b_xy)
    if not len(a_xy) or not len(b_xy) or tolerance < 0:
        return _EMPTY_I, _EMPTY_I, np.empty(0)
    found = cKDTree(a_xy).sparse_distance_matrix(cKDTree(b_xy), tolerance, output_type="ndarray")
    i = found["i"].astype(np.int64)
    j = found["j"].astype(np.int64)
    # recompute the distances the same way everywhere, so ties are ties
    d = np.hypot(*(a_xy[i] - b_xy[j]).T)
    keep = d <= tolerance
    return i[keep], j[keep], d[keep]


def match_points(a_xy: np.ndarray, b_xy: np.ndarray, tolerance: float) -> Matching:
    """Optimal one-to-one matching of two point sets within ``tolerance`` metres.

    Optimal means: the largest possible number of pairs, and among those, the smallest total
    distance. Exact (no heuristics) and symmetric in ``a`` and ``b``.
    """
    a_xy, b_xy = _xy(a_xy), _xy(b_xy)
    i, j, d = candidate_pairs(a_xy, b_xy, tolerance)
    return match_pairs(len(a_xy), len(b_xy), i, j, d)


def match_pairs(na: int, nb: int, i: np.ndarray, j: np.ndarray, d: np.ndarray) -> Matching:
    """:func:`match_points` on given candidate edges ``(i, j)`` with costs ``d >= 0``."""
    if not len(i):
        return Matching(_EMPTY_I, _EMPTY_I, np.empty(0))
    # An edge whose two ends have no other candidate is in every optimal matching.
    deg_a = np.bincount(i, minlength=na)
    deg_b = np.bincount(j, minlength=nb)
    lone = (deg_a[i] == 1) & (deg_b[j] == 1)
    chosen = [np.flatnonzero(lone)]
    rest = np.flatnonzero(~lone)
    if len(rest):
        chosen.append(rest[_solve_components(i[rest], j[rest], d[rest])])
    edges = np.concatenate(chosen)
    edges = edges[np.argsort(i[edges], kind="stable")]
    if len(np.unique(i[edges])) != len(edges) or len(np.unique(j[edges])) != len(edges):
        raise RuntimeError("the matching is not one-to-one")  # never expected
    return Matching(i[edges], j[edges], d[edges])


DENSE_CELLS = 4_000_000
"""Connected components up to this many (recorded x found) cells are solved as dense
assignment problems; larger ones by the sparse, decomposed method."""
PART_DENSE_CELLS = 4_000_000
"""Parts of the decomposition of a large component up to this many cells are solved as dense
assignment problems too; only larger ones go to SciPy's sparse LAPJVsp
(``min_weight_full_bipartite_matching``), which does not always return: its feasibility check
(Hopcroft-Karp) can take time exponential in the depth of layered graphs such as rows of mines
(scipy issue #26147), and a case of six points against six of the property test ran for half
an hour in this project's CI."""


def _solve_components(i: np.ndarray, j: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Edges of an optimal matching, component by component of the candidate graph."""
    ua, ia = np.unique(i, return_inverse=True)
    ub, jb = np.unique(j, return_inverse=True)
    na, nb = len(ua), len(ub)
    graph = sparse.csr_array(
        (np.ones(len(ia), dtype=np.int8), (ia, na + jb)), shape=(na + nb, na + nb)
    )
    n_comp, label = connected_components(graph, directed=False)
    comp_a, comp_b = label[:na], label[na:]
    size_a = np.bincount(comp_a, minlength=n_comp)
    size_b = np.bincount(comp_b, minlength=n_comp)
    rank_a = _rank_within(comp_a, size_a)
    rank_b = _rank_within(comp_b, size_b)
    comp = comp_a[ia]
    chosen: list[np.ndarray] = []
    # a component with one vertex on either side: its shortest edge
    star = (size_a == 1) | (size_b == 1)
    on_star = star[comp]
    if on_star.any():
        e = np.flatnonzero(on_star)
        e = e[np.lexsort((d[e], comp[e]))]
        first = np.r_[True, comp[e][1:] != comp[e][:-1]]
        chosen.append(e[first])
    e_rest = np.flatnonzero(~on_star)
    e_rest = e_rest[np.argsort(comp[e_rest], kind="stable")]
    c_rest = comp[e_rest]
    starts = np.flatnonzero(np.r_[True, c_rest[1:] != c_rest[:-1]]) if len(e_rest) else _EMPTY_I
    ends = np.r_[starts[1:], len(e_rest)].astype(np.int64) if len(e_rest) else _EMPTY_I
    large: list[np.ndarray] = []
    for s, t in zip(starts.tolist(), ends.tolist(), strict=True):
        e = e_rest[s:t]
        c = int(c_rest[s])
        ra, rb = int(size_a[c]), int(size_b[c])
        if ra * rb > DENSE_CELLS:
            large.append(e)
            continue
        ca, cb = rank_a[ia[e]], rank_b[jb[e]]
        # maximise the number of pairs first: each pair earns more than all distances add up to
        big = float(d[e].max() * (min(ra, rb) + 1) + 1.0)
        cost = np.zeros((ra, rb))
        cost[ca, cb] = d[e] - big
        rows, cols = linear_sum_assignment(cost)
        keep = cost[rows, cols] < 0
        index = np.full((ra, rb), -1, dtype=np.int64)
        index[ca, cb] = e
        chosen.append(index[rows[keep], cols[keep]])
    if large:
        e = np.concatenate(large)
        la, lia = np.unique(ia[e], return_inverse=True)
        lb, ljb = np.unique(jb[e], return_inverse=True)
        chosen.append(e[_optimal_matching(len(la), len(lb), lia, ljb, d[e])])
    return np.concatenate(chosen) if chosen else _EMPTY_I


def _rank_within(group: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """Position of each element among the elements of its group (0, 1, ...)."""
    order = np.argsort(group, kind="stable")
    start = np.cumsum(sizes) - sizes
    rank = np.empty(len(group), dtype=np.int64)
    rank[order] = np.arange(len(group)) - start[group[order]]
    return rank


def _max_matching(na: int, nb: int, i: np.ndarray, j: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A maximum-cardinality matching (mate arrays, -1 when free) by Dinic's maximum flow."""
    n = na + nb + 2
    src, sink = 0, n - 1
    rows = np.concatenate([np.zeros(na, np.int64), 1 + i, 1 + na + np.arange(nb)])
    cols = np.concatenate([1 + np.arange(na), 1 + na + j, np.full(nb, sink)])
    graph = sparse.csr_array(
        (np.ones(len(rows), dtype=np.int32), (rows, cols)), shape=(n, n), dtype=np.int32
    )
    flow = sparse.coo_array(maximum_flow(graph, src, sink, method="dinic").flow)
    r, c = flow.row.astype(np.int64), flow.col.astype(np.int64)
    sel = (flow.data > 0) & (r >= 1) & (r <= na) & (c > na) & (c < n - 1)
    mate_a = np.full(na, -1, dtype=np.int64)
    mate_b = np.full(nb, -1, dtype=np.int64)
    mate_a[r[sel] - 1] = c[sel] - 1 - na
    mate_b[c[sel] - 1 - na] = r[sel] - 1
    return mate_a, mate_b


def _reachable(
    n_from: int,
    n_to: int,
    i: np.ndarray,
    j: np.ndarray,
    mate_from: np.ndarray,
    mate_to: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Vertices reached from the free vertices of the 'from' side by alternating paths."""
    free = np.flatnonzero(mate_from < 0)
    if not len(free):
        return np.zeros(n_from, bool), np.zeros(n_to, bool)
    unmatched = mate_from[i] != j
    matched_to = np.flatnonzero(mate_to >= 0)
    root = n_from + n_to
    rows = np.concatenate([i[unmatched], n_from + matched_to, np.full(len(free), root)])
    cols = np.concatenate([n_from + j[unmatched], mate_to[matched_to], free])
    graph = sparse.csr_array(
        (np.ones(len(rows), dtype=np.int8), (rows, cols)), shape=(root + 1, root + 1)
    )
    order = breadth_first_order(graph, root, directed=True, return_predecessors=False)
    mask = np.zeros(root + 1, bool)
    mask[order] = True
    return mask[:n_from], mask[n_from:root]


def _optimal_matching(na: int, nb: int, i: np.ndarray, j: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Indices of the edges of a maximum-cardinality, then minimum-cost matching (exact)."""
    mate_a, mate_b = _max_matching(na, nb, i, j)
    # Dulmage-Mendelsohn: every maximum matching matches the finds reachable (by alternating
    # paths) from a free recorded mine into the recorded mines so reached, the recorded mines
    # reachable from a free find into the finds so reached, and the rest perfectly among
    # themselves; an edge between two parts is in no maximum matching.
    a_free_side, b_reached = _reachable(na, nb, i, j, mate_a, mate_b)
    b_free_side, a_reached = _reachable(nb, na, j, i, mate_b, mate_a)
    a_rest = ~(a_free_side | a_reached)
    b_rest = ~(b_free_side | b_reached)
    chosen: list[np.ndarray] = []
    for sa, sb in ((a_free_side, b_reached), (a_reached, b_free_side), (a_rest, b_rest)):
        e = np.flatnonzero(sa[i] & sb[j])
        if not len(e):
            continue
        ia = np.flatnonzero(sa)
        ib = np.flatnonzero(sb)
        la = np.full(na, -1, dtype=np.int64)
        la[ia] = np.arange(len(ia))
        lb = np.full(nb, -1, dtype=np.int64)
        lb[ib] = np.arange(len(ib))
        er, ec = la[i[e]], lb[j[e]]
        shape = (len(ia), len(ib))
        if shape[0] > shape[1]:  # LAPJVsp wants no more rows than columns
            er, ec, shape = ec, er, (shape[1], shape[0])
        if shape[0] * shape[1] <= PART_DENSE_CELLS:
            # a pair that is no edge costs more than any full matching of edges, which the
            # decomposition guarantees exists: the optimum uses edges only
            cost = np.full(shape, float(d[e].max() + 1.0) * (shape[0] + 1) + 1.0)
            cost[er, ec] = d[e]
            rows, cols = linear_sum_assignment(cost)
        else:
            # +1 keeps every weight non-zero; all full matchings of a part have the same size,
            # so a constant per edge does not change which one is cheapest
            graph = sparse.csr_matrix(
                (d[e] + 1.0, (er.astype(np.int32), ec.astype(np.int32))), shape=shape
            )
            rows, cols = min_weight_full_bipartite_matching(graph)
        key = er * shape[1] + ec
        order = np.argsort(key)
        picked = e[order[np.searchsorted(key[order], rows.astype(np.int64) * shape[1] + cols)]]
        chosen.append(picked)
    return np.concatenate(chosen) if chosen else _EMPTY_I


# --- systematic error: the transform that lays a record over the finds -----------------------


@dataclass(frozen=True)
class Transform:
    """``p -> pivot + scale * R(rotation_deg) (p - pivot) + shift`` in metric coordinates.

    ``rotation_deg`` is clockwise (as bearings turn); ``shift`` moves the pivot.
    """

    pivot: tuple[float, float]
    shift: tuple[float, float] = (0.0, 0.0)
    rotation_deg: float = 0.0
    scale: float = 1.0

    @property
    def matrix(self) -> np.ndarray:
        a = math.radians(self.rotation_deg)
        c, s = math.cos(a), math.sin(a)
        return self.scale * np.array([[c, s], [-s, c]])  # clockwise for x east, y north

    def apply(self, xy: np.ndarray) -> np.ndarray:
        xy = _xy(xy)
        p = np.asarray(self.pivot)
        return p + (xy - p) @ self.matrix.T + np.asarray(self.shift)

    @property
    def shift_m(self) -> float:
        return float(math.hypot(*self.shift))


@dataclass(frozen=True)
class Alignment:
    """The best correction found for one record, and how many mines it confirms."""

    transform: Transform
    matched: int
    """Recorded mines confirmed (one-to-one, within the tolerance) after the correction."""
    total_distance: float


def procrustes(
    src: np.ndarray, dst: np.ndarray, pivot: tuple[float, float], allow_scale: bool = False
) -> Transform:
    """Least-squares rigid (or similarity) transform taking ``src`` onto ``dst`` (Kabsch)."""
    sc, dc = src.mean(0), dst.mean(0)
    s0, d0 = src - sc, dst - dc
    u, sig, vt = np.linalg.svd(s0.T @ d0)
    flip = np.sign(np.linalg.det(u @ vt)) or 1.0
    rot = (u @ np.diag([1.0, flip]) @ vt).T  # dst ~ rot @ src
    scale = 1.0
    if allow_scale:
        var = float((s0**2).sum())
        scale = float((sig[0] + flip * sig[1]) / var) if var > 0 else 1.0
    angle = -math.degrees(math.atan2(rot[1, 0], rot[0, 0]))
    p = np.asarray(pivot)
    shift = dc - p - scale * rot @ (sc - p)
    return Transform((float(p[0]), float(p[1])), (float(shift[0]), float(shift[1])), angle, scale)


def _orientation_signature(xy: np.ndarray, radius: float, bins: int = 180) -> np.ndarray:
    """Histogram of directions (mod 180 degrees) between points closer than ``radius``,
    weighted by the square of their distance (short vectors carry noisy directions)."""
    if len(xy) < 2 or radius <= 0:
        return np.zeros(bins)
    pairs = cKDTree(xy).query_pairs(radius, output_type="ndarray")
    if not len(pairs):
        return np.zeros(bins)
    v = xy[pairs[:, 1]] - xy[pairs[:, 0]]
    angle = np.degrees(np.arctan2(v[:, 1], v[:, 0])) % 180.0
    idx = np.minimum((angle / (180.0 / bins)).astype(int), bins - 1)
    hist = np.bincount(idx, weights=(v**2).sum(1), minlength=bins).astype(float)
    return np.asarray(ndimage.gaussian_filter1d(hist, 1.5, mode="wrap"), dtype=float)


def _candidate_rotations(
    mines: np.ndarray, finds: np.ndarray, max_rotation: float, spacing: float
) -> list[float]:
    """Rotations (clockwise degrees) under which the record's row directions line up with
    the directions seen among the finds: peaks of the circular cross-correlation of the two
    orientation signatures, best first."""
    if max_rotation <= 0 or len(mines) < 3 or len(finds) < 3:
        return []
    radius = 3.0 * spacing
    rec = _orientation_signature(mines, radius)
    obs = _orientation_signature(finds, radius)
    if not rec.any() or not obs.any():
        return []
    corr = np.real(np.fft.ifft(np.fft.fft(obs) * np.conj(np.fft.fft(rec))))
    # corr[k]: the finds' directions are the record's turned counter-clockwise by k degrees
    peaks = np.flatnonzero((corr >= np.roll(corr, 1)) & (corr > np.roll(corr, -1)))
    peaks = peaks[np.argsort(-corr[peaks])]
    out: list[float] = []
    for k in peaks[:4].tolist():
        ccw = k if k <= 90 else k - 180
        for turn in (ccw, ccw - 180, ccw + 180):
            if abs(turn) <= max_rotation:
                out.append(-float(turn))  # clockwise
    return out


def _vote_offsets(
    moved: np.ndarray, finds: np.ndarray, max_shift: float, cell: float, n_peaks: int
) -> list[tuple[float, float]]:
    """Offsets (find minus mine) that most mine/find pairs agree on, within ``max_shift``."""
    half = int(math.ceil(max_shift / cell)) + 1
    size = 2 * half + 1
    votes = np.zeros(size * size)
    # at most about four million offsets, a million at a time
    use = finds
    if len(finds) * len(moved) > 4_000_000:
        keep = max(1, 4_000_000 // len(moved))
        use = finds[np.linspace(0, len(finds) - 1, keep).astype(int)]
    per_chunk = max(1, 1_000_000 // max(1, len(use)))
    for start in range(0, len(moved), per_chunk):
        chunk = moved[start : start + per_chunk]
        off = (use[None, :, :] - chunk[:, None, :]).reshape(-1, 2)
        gx = np.rint(off[:, 0] / cell).astype(np.int64) + half
        gy = np.rint(off[:, 1] / cell).astype(np.int64) + half
        ok = (gx >= 0) & (gx < size) & (gy >= 0) & (gy < size)
        votes += np.bincount(gy[ok] * size + gx[ok], minlength=size * size)
    grid = ndimage.uniform_filter(votes.reshape(size, size), size=3, mode="constant") * 9
    peaks = (grid == ndimage.maximum_filter(grid, size=5, mode="constant")) & (grid > 0)
    ys, xs = np.nonzero(peaks)
    order = np.argsort(-grid[ys, xs])[:n_peaks]
    out = []
    for y, x in zip(ys[order].tolist(), xs[order].tolist(), strict=True):
        dx, dy = (x - half) * cell, (y - half) * cell
        if math.hypot(dx, dy) <= max_shift + cell:
            out.append((dx, dy))
    return out


def _icp(
    mines: np.ndarray,
    tree: cKDTree,
    finds: np.ndarray,
    start: Transform,
    radii: Iterable[float],
    allow_scale: bool,
) -> Transform:
    """Iterative closest point: Procrustes on each mine's nearest find within a radius."""
    current = start
    for r in radii:
        moved = current.apply(mines)
        dist, idx = tree.query(moved, distance_upper_bound=r)
        ok = np.isfinite(dist)
        if ok.sum() < 3:
            break
        nxt = procrustes(mines[ok], finds[idx[ok]], current.pivot, allow_scale)
        if (
            abs(nxt.rotation_deg - current.rotation_deg) < 1e-6
            and math.hypot(nxt.shift[0] - current.shift[0], nxt.shift[1] - current.shift[1]) < 1e-4
            and abs(nxt.scale - current.scale) < 1e-9
        ):
            current = nxt
            break
        current = nxt
    return current


def _spacing(xy: np.ndarray) -> float:
    """Typical distance between neighbouring mines of a record (median nearest neighbour)."""
    if len(xy) < 2:
        return 0.0
    dist, _ = cKDTree(xy).query(xy, k=2)
    return float(np.median(dist[:, 1]))


def align_record(
    mines: np.ndarray,
    finds: np.ndarray,
    tolerance: float = DEFAULT_TOLERANCE_M,
    max_shift: float = DEFAULT_MAX_SHIFT_M,
    max_rotation: float = DEFAULT_MAX_ROTATION_DEG,
    allow_scale: bool = False,
) -> Alignment | None:
    """The correction (shift, rotation[, scale]) that confirms most of a record's mines.

    ``mines``: the record's recorded positions; ``finds``: finds near it (metric). The search
    covers shifts of the record's centre up to ``max_shift`` metres and rotations up to
    ``max_rotation`` degrees, independently of ``tolerance``, which only judges the result:
    the most recorded mines confirmed one-to-one, then the smallest total distance. Returns
    None when no correction confirms at least :data:`MIN_SUPPORT` mines and 5 % of the record.
    """
    mines, finds = _xy(mines), _xy(finds)
    if not len(mines) or not len(finds):
        return None
    pivot_arr = mines.mean(0)
    pivot = (float(pivot_arr[0]), float(pivot_arr[1]))
    reach = float(np.hypot(*(mines - pivot_arr).T).max())
    near = np.hypot(*(finds - pivot_arr).T) <= reach + max_shift + 2 * tolerance
    finds = finds[near]
    need = max(MIN_SUPPORT, math.ceil(0.05 * len(mines)))
    if len(finds) < need:
        return None
    tree = cKDTree(finds)
    identity = _final_fit(mines, finds, Transform(pivot), tolerance, allow_scale)
    if identity is not None and identity.matched >= max(need, 0.9 * len(mines)):
        return identity  # nothing left to correct for
    spacing = _spacing(mines) or tolerance
    cell = max(2.0 * tolerance, 4.0)
    sample = mines
    if len(mines) > 256:
        sample = mines[np.linspace(0, len(mines) - 1, 256).astype(int)]
    angles = [0.0, *_candidate_rotations(mines, finds, max_rotation, spacing)]
    candidates: list[tuple[int, Transform]] = []
    seen: set[tuple[int, int, int]] = set()
    for angle in dict.fromkeys(round(a, 1) for a in angles):
        base = Transform(pivot, (0.0, 0.0), angle)
        for dx, dy in _vote_offsets(base.apply(sample), finds, max_shift, cell, 4):
            key = (round(angle), round(dx / cell), round(dy / cell))
            if key in seen:
                continue
            seen.add(key)
            t = Transform(pivot, (dx, dy), angle)
            hits = int(np.isfinite(tree.query(t.apply(mines), distance_upper_bound=cell)[0]).sum())
            candidates.append((hits, t))
    candidates.sort(key=lambda c: -c[0])
    radii = [tolerance, tolerance, *([max(tolerance, 0.5 * spacing)] * 8)]
    results: list[Alignment] = []
    if identity is not None:
        results.append(identity)
    refined: list[tuple[int, Transform]] = []
    for _hits, start in candidates[:4]:
        t = _fine_offset(mines, finds, tree, start, 2.0 * cell, tolerance)
        t = _icp(mines, tree, finds, t, radii, allow_scale)
        hits = int(np.isfinite(tree.query(t.apply(mines), distance_upper_bound=tolerance)[0]).sum())
        if hits < need or any(_same(t, u) for _h, u in refined):
            continue
        refined.append((hits, t))
    top = max((h for h, _t in refined), default=0)
    for hits, t in refined:
        if hits < 0.5 * top:
            continue
        if allow_scale:
            t = _scan_scale(mines, tree, t, tolerance, reach)
            t = _icp(mines, tree, finds, t, radii, allow_scale)
        resolved = _resolve_along_rows(mines, finds, tree, t, spacing, 3 * cell, tolerance)
        for variant in (t, resolved) if not _same(t, resolved) else (t,):
            result = _final_fit(mines, finds, variant, tolerance, allow_scale)
            if result is not None:
                results.append(result)
    if allow_scale and identity is not None:
        t = _scan_scale(mines, tree, identity.transform, tolerance, reach)
        scaled = _final_fit(mines, finds, _icp(mines, tree, finds, t, radii, True), tolerance, True)
        if scaled is not None:
            results.append(scaled)
    results = [
        r
        for r in results
        if r.transform.shift_m <= max_shift + tolerance
        and abs(r.transform.rotation_deg) <= max_rotation + 1.0
    ]
    if not results:
        return None
    best = max(results, key=lambda r: (r.matched, -r.total_distance))
    if best.matched < need:
        return None
    # A partial record (a stretch of rows) fits as well a little further along its rows:
    # keep "no correction" unless a correction confirms clearly more mines.
    if identity is not None and identity.matched >= best.matched - max(2, 0.01 * len(mines)):
        return identity
    return best


def _scan_scale(
    mines: np.ndarray, tree: cKDTree, t: Transform, tolerance: float, reach: float
) -> Transform:
    """The scale (0.9 to 1.1) about the pivot under which most mines have a find within
    half the tolerance: ICP cannot find it on long rows, whose far ends slip a whole
    mine spacing before they pull."""
    step = min(0.005, tolerance / 2.0 / max(reach, 1.0))
    scales = 1.0 + np.arange(-round(0.1 / step), round(0.1 / step) + 1) * step
    finds = tree.data
    best, best_hits = t, -1
    for scale in sorted(scales.tolist(), key=lambda v: abs(v - 1.0)):
        u = Transform(t.pivot, t.shift, t.rotation_deg, t.scale * scale)
        moved = u.apply(mines)
        dist, j = tree.query(moved, distance_upper_bound=tolerance)
        ok = np.isfinite(dist)
        if ok.sum() < 3:
            continue
        dx, dy = np.median(finds[j[ok]] - moved[ok], axis=0)  # re-centre at this scale
        u = Transform(t.pivot, (t.shift[0] + dx, t.shift[1] + dy), t.rotation_deg, u.scale)
        dist, _ = tree.query(u.apply(mines), distance_upper_bound=tolerance / 2.0)
        hits = int(np.isfinite(dist).sum())
        if hits > best_hits:
            best, best_hits = u, hits
    return best


def _same(a: Transform, b: Transform) -> bool:
    """Whether two transforms of the same record are the same to 0.1 m and 0.01 degree."""
    return (
        math.hypot(a.shift[0] - b.shift[0], a.shift[1] - b.shift[1]) < 0.1
        and abs(a.rotation_deg - b.rotation_deg) < 0.01
        and abs(a.scale - b.scale) < 1e-4
    )


def _fine_offset(
    mines: np.ndarray,
    finds: np.ndarray,
    tree: cKDTree,
    t: Transform,
    window: float,
    tolerance: float,
) -> Transform:
    """Refine the shift of ``t`` within ``window`` metres: the offset that the most
    (mine, find) pairs agree on to within half the tolerance, on a 1 m grid."""
    moved = t.apply(mines)
    pairs = cKDTree(moved).sparse_distance_matrix(tree, window + tolerance, output_type="ndarray")
    if not len(pairs):
        return t
    off = finds[pairs["j"]] - moved[pairs["i"]]
    cell = max(0.5, min(1.0, tolerance / 4.0))
    half = int(math.ceil((window + tolerance) / cell))
    size = 2 * half + 1
    gx = np.rint(off[:, 0] / cell).astype(np.int64) + half
    gy = np.rint(off[:, 1] / cell).astype(np.int64) + half
    ok = (gx >= 0) & (gx < size) & (gy >= 0) & (gy < size)
    votes = np.bincount(gy[ok] * size + gx[ok], minlength=size * size).reshape(size, size)
    r = max(1, int(round(tolerance / 2.0 / cell)))
    yy, xx = np.mgrid[-r : r + 1, -r : r + 1]
    kernel = (xx**2 + yy**2 <= r * r).astype(float)
    grid = ndimage.convolve(votes.astype(float), kernel, mode="constant")
    inner = np.hypot(*np.mgrid[-half : half + 1, -half : half + 1]) * cell <= window
    grid[~inner] = -1
    y, x = np.unravel_index(int(np.argmax(grid)), grid.shape)
    dx, dy = (x - half) * cell, (y - half) * cell
    return Transform(t.pivot, (t.shift[0] + dx, t.shift[1] + dy), t.rotation_deg, t.scale)


def _resolve_along_rows(
    mines: np.ndarray,
    finds: np.ndarray,
    tree: cKDTree,
    t: Transform,
    spacing: float,
    reach: float,
    tolerance: float,
) -> Transform:
    """Rows repeat themselves every ``spacing`` metres, so the vote and ICP may settle a few
    mines along the row from the truth. The ends of the rows decide: try the shifts along the
    record's main direction within ``reach`` and keep the one with the smallest two-sided
    truncated distance between recorded and found positions."""
    if len(mines) < 3:
        return t
    moved = t.apply(mines)
    moved_tree = cKDTree(moved)
    _d, j_mine = moved_tree.query(moved, k=2)
    v = moved[j_mine[:, 1]] - moved
    ang = np.arctan2(v[:, 1], v[:, 0]) % np.pi
    main = float(np.angle(np.mean(np.exp(2j * ang))) / 2)  # mean axis of nearest-neighbour links
    u = np.array([math.cos(main), math.sin(main)])
    step = max(spacing / 2.0, 0.25)
    count = int(reach // step)
    ks = np.arange(-count, count + 1) * step
    near_finds = finds[
        np.isfinite(moved_tree.query(finds, distance_upper_bound=reach + tolerance)[0])
    ]
    if not len(near_finds):
        return t
    cap = tolerance
    shifts = ks[:, None, None] * u[None, None, :]
    a, _ = tree.query((moved[None, :, :] + shifts).reshape(-1, 2), distance_upper_bound=cap)
    b, _ = moved_tree.query(
        (near_finds[None, :, :] - shifts).reshape(-1, 2), distance_upper_bound=cap
    )
    score = np.minimum(a, cap).reshape(len(ks), -1).sum(1) + np.minimum(b, cap).reshape(
        len(ks), -1
    ).sum(1)
    best = np.flatnonzero(score <= score.min() + 1e-9)
    k = float(ks[best[np.argmin(np.abs(ks[best]))]])
    return Transform(
        t.pivot, (t.shift[0] + k * u[0], t.shift[1] + k * u[1]), t.rotation_deg, t.scale
    )


def _final_fit(
    mines: np.ndarray, finds: np.ndarray, t: Transform, tolerance: float, allow_scale: bool
) -> Alignment | None:
    """Match one-to-one after ``t``, refit on the pairs, keep the better of the two."""
    best: Alignment | None = None
    for _ in range(3):
        m = match_points(t.apply(mines), finds, tolerance)
        result = Alignment(t, m.count, m.total_distance)
        if best is not None and (result.matched, -result.total_distance) <= (
            best.matched,
            -best.total_distance,
        ):
            break
        best = result
        if m.count < 3:
            break
        t = procrustes(mines[m.a], finds[m.b], t.pivot, allow_scale)
    return best


# --- the whole analysis: records, handovers, districts, areas, accidents ----------------------


@dataclass(frozen=True)
class AccuracyOptions:
    """Parameters of :func:`analyse` (metres and degrees)."""

    tolerance_m: float = DEFAULT_TOLERANCE_M
    max_shift_m: float = DEFAULT_MAX_SHIFT_M
    max_rotation_deg: float = DEFAULT_MAX_ROTATION_DEG
    buffer_m: float = DEFAULT_BUFFER_M
    similarity: bool = False
    """Allow a scale factor besides shift and rotation (a record drawn at the wrong scale)."""

    def check(self) -> None:
        """Refuse values that make no sense, naming the command-line option."""
        limits = (
            ("--tolerance", self.tolerance_m, 0.0, 1000.0, "metres", DEFAULT_TOLERANCE_M),
            ("--max-shift", self.max_shift_m, 0.0, 20_000.0, "metres", DEFAULT_MAX_SHIFT_M),
            (
                "--max-rotation",
                self.max_rotation_deg,
                0.0,
                180.0,
                "degrees",
                DEFAULT_MAX_ROTATION_DEG,
            ),
            ("--buffer", self.buffer_m, 0.0, 20_000.0, "metres", DEFAULT_BUFFER_M),
        )
        for option, value, low, high, unit, default in limits:
            positive = option == "--tolerance"
            if not math.isfinite(value) or value < low or value > high or (positive and value == 0):
                raise BadInput(
                    f"{option} must be {'more than' if positive else 'at least'} 0 and at "
                    f"most {high:g} {unit}",
                    field=option,
                    value=value,
                    fix=f"Give e.g. {option} {default:g}",
                )


@dataclass
class AccuracyReport:
    """Results of :func:`analyse`: headline figures and tables (plain values, NaN = unknown)."""

    summary: dict[str, Any]
    records: pd.DataFrame
    by_handover: pd.DataFrame
    by_district: pd.DataFrame
    accidents: dict[str, Any] | None
    options: AccuracyOptions
    crs: str
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The JSON document of ``clearground accuracy --json`` (DESIGN.md keys first)."""
        s = self.summary
        doc: dict[str, Any] = {
            "tolerance_m": self.options.tolerance_m,
            "recorded": s["recorded"],
            "found": s["found"],
            "matched": s["matched"],
            "precision": s["precision"],
            "recall": s["recall"],
            "f1": s["f1"],
            "records": _rows(self.records),
            "record_accuracy": s["precision"],
        }
        doc.update({k: v for k, v in s.items() if k not in doc})
        doc.update(
            {
                "max_shift_m": self.options.max_shift_m,
                "max_rotation_deg": self.options.max_rotation_deg,
                "buffer_m": self.options.buffer_m,
                "transform": "similarity" if self.options.similarity else "rigid",
                "metric_crs": self.crs,
                "by_handover": _rows(self.by_handover),
                "by_district": _rows(self.by_district),
                "accidents": self.accidents,
                "accidents_outside_share": (self.accidents or {}).get("outside_share"),
                "notes": self.notes,
            }
        )
        return plain(doc)


def _rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [plain(r) for r in frame.to_dict(orient="records")]


def _share(part: float, whole: float) -> float:
    return float(part) / float(whole) if whole else math.nan


def _geometry_array(frame: gpd.GeoDataFrame | gpd.GeoSeries, what: str) -> np.ndarray:
    if frame.crs is None:
        raise BadInput(
            f"the {what} have no coordinate system",
            field="crs",
            fix="Give the layer a CRS (e.g. EPSG:4326)",
        )
    geom = frame.geometry if isinstance(frame, gpd.GeoDataFrame) else frame
    return np.asarray(geom.values, dtype=object)


def _point_coords(frame: gpd.GeoDataFrame, what: str, crs: CRS) -> tuple[np.ndarray, np.ndarray]:
    """Metric coordinates of a point layer (multi-points split) and each point's row.

    Refuses missing and non-point geometries, naming the row."""
    geoms = _geometry_array(frame, what)
    if not len(geoms):
        return np.empty((0, 2)), _EMPTY_I
    missing = np.flatnonzero(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    if len(missing):
        raise BadInput(
            f"a row of the {what} has no position",
            row=int(missing[0]) + 1,
            field="geometry",
            fix="Give every row a point, or remove the row",
        )
    kinds = shapely.get_type_id(geoms)
    wrong = np.flatnonzero((kinds != 0) & (kinds != 4))
    if len(wrong):
        raise BadInput(
            f"the {what} must be points, not {shapely.get_type_id(geoms[wrong[0]])} "
            f"({geoms[wrong[0]].geom_type}, row {wrong[0] + 1})",
            row=int(wrong[0]) + 1,
            field="geometry",
            fix="Give one point per mine or device",
        )
    rows = np.arange(len(geoms))
    if (kinds == 4).any():
        geoms, rows = shapely.get_parts(geoms, return_index=True)
    xy = shapely.get_coordinates(geoms)
    return _to_metric(xy, frame.crs, crs), rows


def _to_metric(xy: np.ndarray, source: Any, crs: CRS) -> np.ndarray:
    if not len(xy):
        return np.empty((0, 2))
    if CRS.from_user_input(source) == crs:
        return np.asarray(xy, dtype=float)
    tr = Transformer.from_crs(source, crs, always_xy=True)
    x, y = tr.transform(xy[:, 0], xy[:, 1])
    return np.column_stack([x, y])


def _polygon_array(
    frame: gpd.GeoDataFrame | gpd.GeoSeries, what: str, crs: CRS
) -> tuple[np.ndarray, np.ndarray]:
    """Metric polygons of a layer (empty rows left out) and each one's row."""
    geoms = _geometry_array(frame, what)
    keep = np.flatnonzero(~(shapely.is_missing(geoms) | shapely.is_empty(geoms)))
    kinds = shapely.get_type_id(geoms[keep])
    wrong = np.flatnonzero((kinds != 3) & (kinds != 6))
    if len(wrong):
        raise BadInput(
            f"the {what} must be polygons, not {geoms[keep[wrong[0]]].geom_type} "
            f"(row {keep[wrong[0]] + 1})",
            row=int(keep[wrong[0]]) + 1,
            field="geometry",
            fix="Give the areas as polygons",
        )
    series = gpd.GeoSeries(geoms[keep], crs=frame.crs).to_crs(crs)
    return np.asarray(shapely.make_valid(series.values), dtype=object), keep


def metric_crs(*layers: gpd.GeoDataFrame | gpd.GeoSeries | None) -> CRS:
    """The UTM zone (WGS84) of the median position of the given layers (a sample of them)."""
    lonlat = []
    for layer in layers:
        if layer is None or not len(layer) or layer.crs is None:
            continue
        geoms = np.asarray(layer.geometry.values, dtype=object)
        sample = geoms[:: max(1, len(geoms) // 5000)]
        sample = sample[~(shapely.is_missing(sample) | shapely.is_empty(sample))]
        if not len(sample):
            continue
        xy = shapely.get_coordinates(shapely.point_on_surface(sample))
        tr = Transformer.from_crs(layer.crs, 4326, always_xy=True)
        lonlat.append(np.column_stack(tr.transform(xy[:, 0], xy[:, 1])))
    if not lonlat:
        return CRS.from_epsg(utm_epsg(45.0, 40.0))
    allxy = np.vstack(lonlat)
    return CRS.from_epsg(utm_epsg(float(np.median(allxy[:, 0])), float(np.median(allxy[:, 1]))))


def _true_north_grid_bearing(crs: CRS, lonlat: np.ndarray) -> np.ndarray:
    """Grid bearing (degrees clockwise from grid north) of true north at each point."""
    n = len(lonlat)
    if not n:
        return np.empty(0)
    lon2, lat2, _ = _GEOD.fwd(lonlat[:, 0], lonlat[:, 1], np.zeros(n), np.full(n, 1000.0))
    tr = Transformer.from_crs(4326, crs, always_xy=True)
    x1, y1 = tr.transform(lonlat[:, 0], lonlat[:, 1])
    x2, y2 = tr.transform(lon2, lat2)
    return np.degrees(np.arctan2(np.asarray(x2) - x1, np.asarray(y2) - y1))


def _values(frame: pd.DataFrame | None, name: str, rows: np.ndarray) -> np.ndarray | None:
    """A column's values (object, None for missing) at the given rows, or None."""
    if frame is None or name not in frame.columns:
        return None
    col = frame[name]
    values = np.asarray(col.astype(object).where(col.notna(), None).to_numpy(), dtype=object)
    return values[rows]


def _first_per(codes: np.ndarray, values: np.ndarray | None, n: int) -> list[Any]:
    """The first non-missing value per code 0..n-1 (None where there is none)."""
    out: list[Any] = [None] * n
    if values is None or not len(codes):
        return out
    present = np.flatnonzero(pd.notna(values))
    if len(present):
        first = pd.Series(present).groupby(codes[present]).first()
        for code, row in zip(first.index.tolist(), first.tolist(), strict=True):
            out[int(code)] = values[int(row)]
    return out


def _verdict(
    recorded: int,
    recorded_total: int,
    precision: float,
    corrected: float,
    shift_m: float,
    rotation_deg: float,
    tolerance: float,
) -> str:
    """A word for each record: unsearched, right, misplaced, partly right, not found."""
    if not recorded:
        return "unsearched" if recorded_total else "perimeter only"
    moved = np.nan_to_num(shift_m) > tolerance or abs(np.nan_to_num(rotation_deg)) >= 1.0
    if moved and np.isfinite(corrected) and corrected >= 0.5 and corrected >= precision + 0.25:
        return "misplaced"
    if precision >= 0.8:
        return "right"
    if precision >= 0.1:
        return "partly right"
    return "not found"


def _within(area: Any, distance: float, xy: np.ndarray, tree: cKDTree) -> np.ndarray:
    """Indices (sorted) of the points within ``distance`` metres of ``area``."""
    x0, y0, x1, y1 = shapely.bounds(area)
    centre = ((x0 + x1) / 2, (y0 + y1) / 2)
    radius = math.hypot(x1 - x0, y1 - y0) / 2 + distance
    cand = np.sort(np.asarray(tree.query_ball_point(centre, radius), dtype=np.int64))
    if not len(cand):
        return cand
    zone = shapely.buffer(area, distance) if distance > 0 else area
    shapely.prepare(zone)
    return cand[shapely.intersects_xy(zone, xy[cand, 0], xy[cand, 1])]


def analyse(
    recorded: gpd.GeoDataFrame,
    finds: gpd.GeoDataFrame,
    *,
    searched: gpd.GeoSeries | gpd.GeoDataFrame | None = None,
    perimeters: gpd.GeoDataFrame | None = None,
    accidents: gpd.GeoDataFrame | None = None,
    options: AccuracyOptions | None = None,
) -> AccuracyReport:
    """How accurate the minefield records are, against the devices found.

    ``recorded``: one point per recorded mine, optional columns ``record`` (its record),
    ``handover`` and ``district``. ``finds``: one point per device found (optional
    ``district``). ``searched``: polygons of ground searched for mines (None: all ground
    counts). ``perimeters``: record perimeters (column ``record``; optional ``handover``,
    ``district``); without them a record's area is the convex hull of its mines.
    ``accidents``: points (optional ``kind``). Any CRS; metric work in the data's UTM zone.
    """
    opt = options or AccuracyOptions()
    opt.check()
    notes: list[str] = []
    crs = metric_crs(recorded, finds, perimeters)
    rec_xy, rec_rows = _point_coords(recorded, "recorded mines", crs)
    find_xy, find_rows = _point_coords(finds, "finds", crs)

    # records: codes 0..n-1, in order of first appearance, then perimeter-only ones
    rec_names = _values(recorded, "record", rec_rows)
    if rec_names is None:
        codes = np.zeros(len(rec_xy), dtype=np.int64)
        ids: list[str] = ["(all)"] if len(rec_xy) else []
    else:
        labels = np.array(
            [("(no record)" if v is None else str(v)) for v in rec_names], dtype=object
        )
        codes, uniques = pd.factorize(labels)
        ids = [str(u) for u in uniques]
    n_mined = len(ids)
    handover = _first_per(codes, _values(recorded, "handover", rec_rows), n_mined)
    district = _first_per(codes, _values(recorded, "district", rec_rows), n_mined)

    # record areas: the given perimeters, else the convex hull of the record's mines
    if perimeters is not None:
        if "record" not in perimeters.columns:
            raise BadInput(
                "the perimeters have no 'record' column",
                field="record",
                fix="Name each perimeter's record in a 'record' column",
            )
        polys, prow = _polygon_array(perimeters, "perimeters", crs)
        pid = [str(v) for v in _values(perimeters, "record", prow)]  # type: ignore[union-attr]
        index = {r: k for k, r in enumerate(ids)}
        for r in pid:
            if r not in index:
                index[r] = len(ids)
                ids.append(r)
                handover.append(None)
                district.append(None)
        area_of: list[Any] = [None] * len(ids)
        for r, g in zip(pid, polys, strict=True):
            k = index[r]
            area_of[k] = g if area_of[k] is None else shapely.union(area_of[k], g)
        for name, target in (("handover", handover), ("district", district)):
            vals = _values(perimeters, name, prow)
            if vals is not None:
                for r, v in zip(pid, vals, strict=True):
                    if v is not None and target[index[r]] is None:
                        target[index[r]] = v
        areas = np.array(area_of, dtype=object)
    else:
        areas = np.full(len(ids), None, dtype=object)
        if len(rec_xy):
            order = np.argsort(codes, kind="stable")
            hulls = shapely.convex_hull(shapely.multipoints(rec_xy[order], indices=codes[order]))
            areas[: len(hulls)] = hulls
        notes.append("Record areas are the convex hulls of their mines (no perimeters given).")
    n_rec = len(ids)

    # searched ground
    area = None
    if searched is not None:
        polys, _rows = _polygon_array(searched, "searched areas", crs)
        area = shapely.union_all(polys)
        shapely.prepare(area)
    else:
        notes.append("No searched areas were given: every recorded mine counts as searched.")

    def in_searched(xy: np.ndarray) -> np.ndarray:
        if area is None:
            return np.ones(len(xy), bool)
        if not len(xy):
            return np.zeros(0, bool)
        return np.asarray(shapely.intersects_xy(area, xy[:, 0], xy[:, 1]), dtype=bool)

    rec_in = in_searched(rec_xy)
    find_in = in_searched(find_xy)
    fxy = find_xy[find_in]
    fdistrict = _values(finds, "district", find_rows)
    fdistrict = fdistrict[find_in] if fdistrict is not None else None

    # one-to-one matching over searched ground
    rec_idx = np.flatnonzero(rec_in)
    m = match_points(rec_xy[rec_idx], fxy, opt.tolerance_m)
    matched_rec = np.zeros(len(rec_xy), bool)
    matched_rec[rec_idx[m.a]] = True
    find_of = np.full(len(rec_xy), -1, dtype=np.int64)  # the find paired with each mine
    find_of[rec_idx[m.a]] = m.b
    find_tree = cKDTree(fxy) if len(fxy) else None
    naive = 0
    if len(rec_idx) and find_tree is not None:
        dist, _ = find_tree.query(rec_xy[rec_idx], distance_upper_bound=opt.tolerance_m)
        naive = int(np.isfinite(dist).sum())

    # finds inside each record's area (within buffer_m of it) and near it (max_shift_m)
    have_area = np.flatnonzero(~shapely.is_missing(areas)) if n_rec else _EMPTY_I
    inside: list[np.ndarray] = [_EMPTY_I] * n_rec
    near_area: list[np.ndarray] = [_EMPTY_I] * n_rec
    outside = np.ones(len(fxy), bool)
    if len(have_area) and find_tree is not None:
        for k in have_area.tolist():
            inside[k] = _within(areas[k], opt.buffer_m, fxy, find_tree)
            near_area[k] = _within(areas[k], opt.buffer_m + opt.max_shift_m, fxy, find_tree)
        outside[np.concatenate(inside)] = False

    # each record: counts, and its systematic error
    n_total = np.bincount(codes, minlength=n_rec)
    n_searched = np.bincount(codes, weights=rec_in, minlength=n_rec).astype(int)
    groups = np.split(np.argsort(codes, kind="stable"), np.cumsum(n_total)[:-1])
    centres = np.full((n_rec, 2), np.nan)
    for k in range(n_mined):
        centres[k] = rec_xy[groups[k]].mean(0)
    to_ll = Transformer.from_crs(crs, 4326, always_xy=True)
    centre_ll = np.full((n_rec, 2), np.nan)
    if n_mined:
        centre_ll[:n_mined] = np.column_stack(
            to_ll.transform(centres[:n_mined, 0], centres[:n_mined, 1])
        )
    north = np.zeros(n_rec)
    north[:n_mined] = _true_north_grid_bearing(crs, centre_ll[:n_mined])
    coincidental = np.zeros(len(rec_xy), bool)
    fit = {
        name: np.full(n_rec, np.nan)
        for name in ("shift_m", "rotation_deg", "scale", "east", "north", "mc", "rc")
    }
    search_on = opt.max_shift_m > 0 or opt.max_rotation_deg > 0
    for k in range(n_mined if search_on else 0):
        if find_tree is None:
            break
        idx = groups[k]
        mines = rec_xy[idx]
        reach = float(np.hypot(*(mines - centres[k]).T).max())
        near = np.asarray(
            find_tree.query_ball_point(centres[k], reach + opt.max_shift_m + 2 * opt.tolerance_m),
            dtype=np.int64,
        )
        local = fxy[near]
        al = align_record(
            mines, local, opt.tolerance_m, opt.max_shift_m, opt.max_rotation_deg, opt.similarity
        )
        if al is None:
            continue
        t = al.transform
        moved = t.apply(mines)
        ok = in_searched(moved)
        corrected = match_points(moved, local, opt.tolerance_m)
        g = math.radians(north[k])
        sx, sy = t.shift
        fit["shift_m"][k] = t.shift_m
        fit["rotation_deg"][k] = t.rotation_deg
        fit["scale"][k] = t.scale
        # grid -> true: a bearing on the ground is the grid bearing less that of true north
        fit["east"][k] = sx * math.cos(g) - sy * math.sin(g)
        fit["north"][k] = sx * math.sin(g) + sy * math.cos(g)
        fit["mc"][k] = int(ok[corrected.a].sum())
        fit["rc"][k] = int(ok.sum())
        # A find that the record's systematic error explains as another of its mines does
        # not confirm the recorded mine it happens to lie near.
        moves = float(np.hypot(*(moved - mines).T).mean())
        if moves > opt.tolerance_m and corrected.count > int(matched_rec[idx].sum()):
            explained = np.full(len(fxy), -1, dtype=np.int64)
            explained[near[corrected.b]] = corrected.a
            mine_k = np.flatnonzero(matched_rec[idx])
            other = explained[find_of[idx[mine_k]]]
            drop = idx[mine_k[(other >= 0) & (other != mine_k)]]
            matched_rec[drop] = False
            coincidental[drop] = True

    n_matched = np.bincount(codes, weights=matched_rec, minlength=n_rec).astype(int)
    n_coinc = np.bincount(codes, weights=coincidental, minlength=n_rec).astype(int)
    has_fit = np.isfinite(fit["mc"])
    mc = np.where(has_fit, fit["mc"], n_matched).astype(int)
    rc = np.where(has_fit, fit["rc"], n_searched).astype(int)
    with np.errstate(invalid="ignore", divide="ignore"):
        precision = np.where(n_searched > 0, n_matched / np.maximum(n_searched, 1), np.nan)
        prec_corr = np.where(rc > 0, mc / np.maximum(rc, 1), np.nan)
    finds_inside = np.array([len(x) for x in inside], dtype=int)
    finds_near = np.array([len(x) for x in near_area], dtype=int)
    records = pd.DataFrame(
        {
            "record": ids,
            "handover": handover,
            "district": district,
            "recorded": n_searched,
            "matched": n_matched,
            "precision": precision,
            "shift_m": fit["shift_m"],
            "rotation_deg": fit["rotation_deg"],
            "precision_corrected": prec_corr,
            "verdict": [
                _verdict(
                    int(n_searched[k]),
                    int(n_total[k]),
                    float(precision[k]),
                    float(prec_corr[k]),
                    float(fit["shift_m"][k]),
                    float(fit["rotation_deg"][k]),
                    opt.tolerance_m,
                )
                for k in range(n_rec)
            ],
            "recorded_total": n_total,
            "coincidental": n_coinc,
            "matched_corrected": mc,
            "recorded_corrected": rc,
            "shift_east_m": fit["east"],
            "shift_north_m": fit["north"],
            "scale": fit["scale"],
            "centre_lon": centre_ll[:, 0],
            "centre_lat": centre_ll[:, 1],
            "finds_inside": finds_inside,
            "finds_near": finds_near,
            "inside_share": np.where(
                finds_near > 0, finds_inside / np.maximum(finds_near, 1), np.nan
            ),
            "found_per_recorded": np.where(
                n_searched > 0, finds_inside / np.maximum(n_searched, 1), np.nan
            ),
        }
    )

    matched = int(matched_rec.sum())
    n_found = len(fxy)
    p_all = _share(matched, len(rec_idx))
    r_all = _share(matched, n_found)
    if np.isfinite(p_all) and np.isfinite(r_all):
        f1 = 2 * p_all * r_all / (p_all + r_all) if p_all + r_all > 0 else 0.0
    else:
        f1 = math.nan
    summary = {
        "recorded": int(len(rec_idx)),
        "found": int(n_found),
        "matched": matched,
        "precision": p_all,
        "recall": r_all,
        "f1": f1,
        "recorded_total": int(len(rec_xy)),
        "recorded_unsearched": int(len(rec_xy) - len(rec_idx)),
        "finds_total": int(len(find_xy)),
        "finds_outside_searched": int(len(find_xy) - n_found),
        "pairs_within_tolerance": int(m.count),
        "coincidental": int(coincidental.sum()),
        "mean_distance_m": float(m.distance[matched_rec[rec_idx[m.a]]].mean())
        if matched
        else math.nan,
        "nearest_neighbour_matched": naive,
        "nearest_neighbour_precision": _share(naive, len(rec_idx)),
        "matched_corrected": int(mc.sum()),
        "recorded_corrected": int(rc.sum()),
        "precision_corrected": _share(int(mc.sum()), int(rc.sum())),
        "records_total": int(n_rec),
        "records_searched": int((n_searched > 0).sum()),
        "records_misplaced": int((records["verdict"] == "misplaced").sum()),
        "finds_inside_records": int(n_found - outside.sum()),
        "finds_outside_records": int(outside.sum()),
        "finds_outside_records_share": _share(int(outside.sum()), n_found),
        "searched_ground": "given" if area is not None else "all (no searched areas given)",
    }
    by_handover = _group_table(records, "handover", inside, near_area, None, outside)
    by_district = _group_table(records, "district", inside, near_area, fdistrict, outside)
    acc = (
        _accidents(accidents, crs, areas[have_area], opt.buffer_m)
        if accidents is not None
        else None
    )
    return AccuracyReport(
        summary, records, by_handover, by_district, acc, opt, crs.to_string(), notes
    )


def _group_table(
    records: pd.DataFrame,
    key: str,
    inside: list[np.ndarray],
    near: list[np.ndarray],
    find_key: np.ndarray | None,
    outside: np.ndarray,
) -> pd.DataFrame:
    """Figures per handover or district: sums over its records, each find counted once."""
    cols = [
        key,
        "records",
        "recorded",
        "matched",
        "precision",
        "precision_corrected",
        "records_misplaced",
        "recorded_total",
        "finds_inside",
        "finds_near",
        "inside_share",
        "found_per_recorded",
    ]
    if find_key is not None:
        cols += ["finds", "finds_outside_records", "finds_outside_records_share"]
    keys = list(dict.fromkeys(v for v in records[key].tolist() if v is not None))
    if find_key is not None:
        keys += [v for v in dict.fromkeys(find_key.tolist()) if v is not None and v not in keys]
    out = []
    for value in keys:
        sel = np.flatnonzero((records[key] == value).to_numpy())
        part = records.iloc[sel]
        n_in = len(np.unique(np.concatenate([inside[k] for k in sel]))) if len(sel) else 0
        n_near = len(np.unique(np.concatenate([near[k] for k in sel]))) if len(sel) else 0
        row: dict[str, Any] = {
            key: value,
            "records": len(part),
            "recorded": int(part["recorded"].sum()),
            "matched": int(part["matched"].sum()),
            "precision": _share(part["matched"].sum(), part["recorded"].sum()),
            "precision_corrected": _share(
                part["matched_corrected"].sum(), part["recorded_corrected"].sum()
            ),
            "records_misplaced": int((part["verdict"] == "misplaced").sum()),
            "recorded_total": int(part["recorded_total"].sum()),
            "finds_inside": n_in,
            "finds_near": n_near,
            "inside_share": _share(n_in, n_near),
            "found_per_recorded": _share(n_in, part["recorded"].sum()),
        }
        if find_key is not None:
            mine = find_key == value
            row["finds"] = int(mine.sum())
            row["finds_outside_records"] = int((outside & mine).sum())
            row["finds_outside_records_share"] = _share(row["finds_outside_records"], row["finds"])
        out.append(row)
    return pd.DataFrame(out, columns=cols)


def _accidents(
    frame: gpd.GeoDataFrame, crs: CRS, areas: np.ndarray, buffer_m: float
) -> dict[str, Any]:
    """How many accidents happened outside every recorded area (within ``buffer_m`` counts
    as inside), in all and by kind."""
    xy, rows = _point_coords(frame, "accidents", crs)
    inside = np.zeros(len(xy), bool)
    if len(areas) and len(xy):
        pp, _pa = shapely.STRtree(areas).query(
            shapely.points(xy), predicate="dwithin", distance=max(buffer_m, 1e-9)
        )
        inside[pp] = True
    out: dict[str, Any] = {
        "total": int(len(xy)),
        "outside_records": int((~inside).sum()),
        "outside_share": _share(int((~inside).sum()), len(xy)),
    }
    kind = _values(frame, "kind", rows)
    if kind is not None:
        by_kind = {}
        for value in dict.fromkeys(v for v in kind.tolist() if v is not None):
            sel = kind == value
            n_out = int((sel & ~inside).sum())
            by_kind[str(value)] = {
                "total": int(sel.sum()),
                "outside_records": n_out,
                "outside_share": _share(n_out, int(sel.sum())),
            }
        out["by_kind"] = by_kind
    return out
