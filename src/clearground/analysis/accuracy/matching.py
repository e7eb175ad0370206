"""One-to-one matching of recorded mines and finds within a tolerance.

:func:`match_points` pairs two point sets one to one within a tolerance, optimally: the
largest number of pairs, then the smallest total distance. A nearest-neighbour join lets one
find "confirm" several recorded mines, which on dense rows overstates the matches by tens of
percent; this does not. Candidate pairs come from a k-d tree; the maximum number of pairs from
a maximum flow (Dinic); the Dulmage-Mendelsohn decomposition of that matching splits the graph
into three parts that every maximum matching respects (recorded mines that may stay unmatched,
finds that may, and the rest, matched perfectly), and each part is a full-matching assignment
problem solved exactly by LAPJVsp (``scipy.sparse.csgraph.min_weight_full_bipartite_matching``).
No big-M costs, so no numerical trade-off between "one more pair" and "shorter pairs".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import sparse
from scipy.optimize import linear_sum_assignment
from scipy.sparse.csgraph import (
    breadth_first_order,
    connected_components,
    maximum_flow,
    min_weight_full_bipartite_matching,
)
from scipy.spatial import cKDTree

_EMPTY_I = np.empty(0, dtype=np.int64)


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
