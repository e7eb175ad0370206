"""The systematic error of a record: the shift and rotation search that lays it over the finds.

:func:`align_record` finds the rigid (or similarity) transform that best lays a record's
pattern over the finds, searched over shifts up to ``max_shift_m`` and rotations up to
``max_rotation_deg`` independently of the tolerance. Candidate rotations come from correlating
the orientation signature of the record (directions between neighbouring mines: the rows) with
that of the finds around it; candidate shifts from a vote of find-minus-mine offsets; each
candidate is refined by ICP (Procrustes on nearest pairs), then by the one-to-one matching
itself. A record drawn from a wrong reference point is "right but misplaced": low precision,
high precision after correction.

``rotation_deg`` is clockwise (like a bearing) and turns the record onto the finds about the
record's centre (the mean of its recorded mines); ``shift`` moves that centre.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from scipy import ndimage
from scipy.spatial import cKDTree

from clearground.analysis.accuracy.matching import _xy, match_points
from clearground.analysis.accuracy.options import (
    DEFAULT_MAX_ROTATION_DEG,
    DEFAULT_MAX_SHIFT_M,
    DEFAULT_TOLERANCE_M,
)

MIN_SUPPORT = 5
"""A correction is reported only when at least this many recorded mines (and 5 % of the
record) are confirmed after it."""


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
