"""Minefield-record accuracy: matching, systematic errors, areas, and the command line.

Expected values come from brute force, from hand-worked examples, or from the way the
synthetic records below were displaced, never from the program's own output.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from unittest import mock

import geopandas as gpd
import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import CRS, Transformer
from scipy.spatial import cKDTree

from clearground.analysis import accuracy as acc
from clearground.analysis.accuracy import matching as acc_matching
from clearground.cli import accuracy as cli_accuracy
from clearground.domain.errors import BadInput
from tests.conftest import run_cli

# --- one-to-one matching -----------------------------------------------------------------------


def brute_force(a: np.ndarray, b: np.ndarray, tol: float) -> tuple[int, float]:
    """Most pairs within ``tol``, then least total distance, by trying every matching."""
    dist = np.hypot(*(a[:, None, :] - b[None, :, :]).transpose(2, 0, 1)) if len(a) else None
    best = (0, 0.0)

    def walk(k: int, used: frozenset[int], count: int, total: float) -> None:
        nonlocal best
        if k == len(a):
            if count > best[0] or (count == best[0] and total < best[1]):
                best = (count, total)
            return
        walk(k + 1, used, count, total)
        for j in range(len(b)):
            if j not in used and dist is not None and dist[k, j] <= tol:
                walk(k + 1, used | {j}, count + 1, total + dist[k, j])

    walk(0, frozenset(), 0, 0.0)
    return best


coords = st.floats(min_value=0.0, max_value=8.0, allow_nan=False, allow_infinity=False)
point_sets = st.lists(st.tuples(coords, coords), min_size=0, max_size=6).map(
    lambda pts: np.array(pts, dtype=float).reshape(-1, 2)
)
tolerances = st.floats(min_value=0.1, max_value=5.0)


@settings(max_examples=300, deadline=None)
@given(point_sets, point_sets, tolerances)
def test_matching_equals_brute_force(a: np.ndarray, b: np.ndarray, tol: float) -> None:
    count, total = brute_force(a, b, tol)
    m = acc.match_points(a, b, tol)
    assert m.count == count
    assert m.total_distance == pytest.approx(total, abs=1e-9)
    # and it is a matching: one-to-one, every pair within the tolerance
    assert len(set(m.a.tolist())) == m.count == len(set(m.b.tolist()))
    assert (np.hypot(*(a[m.a] - b[m.b]).T) <= tol).all()


@settings(max_examples=150, deadline=None)
@given(point_sets, point_sets, tolerances)
def test_sparse_solver_for_large_components_equals_brute_force(
    a: np.ndarray, b: np.ndarray, tol: float
) -> None:
    # every component goes through the max-flow + Dulmage-Mendelsohn path (its parts solved
    # densely: SciPy's LAPJVsp, kept for parts over PART_DENSE_CELLS, can take exponential
    # time on such inputs, scipy issue #26147); patched in the module whose solver reads it
    with mock.patch.object(acc_matching, "DENSE_CELLS", 0):
        m = acc.match_points(a, b, tol)
    count, total = brute_force(a, b, tol)
    assert (m.count, round(m.total_distance, 9)) == (count, round(total, 9))


def test_the_sparse_part_solver_agrees_on_scattered_points() -> None:
    """LAPJVsp itself (parts over PART_DENSE_CELLS) against the dense solver of whole
    components (SciPy's linear_sum_assignment, another algorithm), on scattered points."""
    rng = np.random.default_rng(7)
    a, b = rng.uniform(0, 30, (40, 2)), rng.uniform(0, 30, (40, 2))
    dense = acc.match_points(a, b, 3.0)
    with (
        mock.patch.object(acc_matching, "DENSE_CELLS", 0),
        mock.patch.object(acc_matching, "PART_DENSE_CELLS", 0),
    ):
        m = acc.match_points(a, b, 3.0)
    assert dense.count > 10
    assert (m.count, round(m.total_distance, 9)) == (dense.count, round(dense.total_distance, 9))


@settings(max_examples=200, deadline=None)
@given(point_sets, point_sets, tolerances)
def test_matching_is_symmetric(a: np.ndarray, b: np.ndarray, tol: float) -> None:
    ab = acc.match_points(a, b, tol)
    ba = acc.match_points(b, a, tol)
    assert ab.count == ba.count
    assert ab.total_distance == pytest.approx(ba.total_distance, abs=1e-9)


@settings(max_examples=200, deadline=None)
@given(point_sets, point_sets, tolerances, st.floats(min_value=0.0, max_value=5.0))
def test_more_tolerance_never_fewer_pairs(
    a: np.ndarray, b: np.ndarray, tol: float, more: float
) -> None:
    assert acc.match_points(a, b, tol + more).count >= acc.match_points(a, b, tol).count


def test_dense_row_one_find_confirms_one_mine_not_three() -> None:
    # ten mines 1 m apart, a find on every other one: a nearest-neighbour join within
    # 1.5 m confirms all ten, though only five devices were found
    mines = np.column_stack([np.arange(10.0), np.zeros(10)])
    finds = mines[::2]
    dist, _ = cKDTree(finds).query(mines, distance_upper_bound=1.5)
    assert np.isfinite(dist).sum() == 10
    m = acc.match_points(mines, finds, 1.5)
    assert m.count == 5
    assert m.total_distance == 0.0


def test_optimal_matching_beats_greedy_nearest() -> None:
    # mines at 0 and 2, finds at 1 and 3.2 (on a line), tolerance 1.5: the mine at 2 is as
    # near the find at 1 as the mine at 0 is; pairing it there would leave the find at 3.2
    # and the mine at 0 alone. Optimal: 0-1 and 2-3.2, total 1 + 1.2.
    mines = np.array([[0.0, 0.0], [2.0, 0.0]])
    finds = np.array([[1.0, 0.0], [3.2, 0.0]])
    m = acc.match_points(mines, finds, 1.5)
    assert sorted(zip(m.a.tolist(), m.b.tolist(), strict=True)) == [(0, 0), (1, 1)]
    assert m.total_distance == pytest.approx(2.2)


def test_among_most_pairs_the_shortest() -> None:
    # both pairings match two mines; 0.1 + 0.1 beats 0.9 + 0.9
    mines = np.array([[0.0, 0.0], [1.0, 0.0]])
    finds = np.array([[0.1, 0.0], [0.9, 0.0]])
    m = acc.match_points(mines, finds, 1.0)
    assert m.count == 2
    assert m.total_distance == pytest.approx(0.2)


def test_tolerance_is_inclusive_and_empty_sets_match_nothing() -> None:
    assert acc.match_points(np.array([[0.0, 0.0]]), np.array([[3.0, 4.0]]), 5.0).count == 1
    assert acc.match_points(np.array([[0.0, 0.0]]), np.array([[3.0, 4.01]]), 5.0).count == 0
    assert acc.match_points(np.empty((0, 2)), np.array([[1.0, 1.0]]), 5.0).count == 0


# --- systematic error ------------------------------------------------------------------------


def rows(
    n_rows: int = 4,
    per_row: int = 80,
    spacing: float = 2.0,
    gap: float = 12.0,
    angle_deg: float = 0,
) -> np.ndarray:
    """A minefield of parallel rows (metres), first mine of the first row at the origin."""
    a = math.radians(angle_deg)
    u = np.array([math.cos(a), math.sin(a)])
    v = np.array([-u[1], u[0]])
    i, r = np.meshgrid(np.arange(per_row), np.arange(n_rows))
    return np.outer(i.ravel() * spacing, u) + np.outer(r.ravel() * gap, v)


def clockwise(xy: np.ndarray, pivot: np.ndarray, degrees: float) -> np.ndarray:
    a = math.radians(degrees)
    rot = np.array([[math.cos(a), math.sin(a)], [-math.sin(a), math.cos(a)]])
    return pivot + (xy - pivot) @ rot.T


def test_a_shifted_record_is_found_misplaced_by_its_shift() -> None:
    rng = np.random.default_rng(4)
    record = rows(angle_deg=25)
    finds = record + np.array([150.0, -60.0]) + rng.normal(0, 0.5, record.shape)
    al = acc.align_record(record, finds, tolerance=5, max_shift=500)
    assert al is not None
    assert al.transform.shift == pytest.approx((150.0, -60.0), abs=1.0)
    assert al.transform.rotation_deg == pytest.approx(0.0, abs=0.3)
    assert al.matched == len(record)


def test_a_rotated_record_is_turned_back_about_its_centre() -> None:
    rng = np.random.default_rng(5)
    record = rows(angle_deg=70)
    pivot = record[0]  # turned 15 degrees clockwise about its first mine, as a bearing error
    finds = clockwise(record, pivot, 15.0) + rng.normal(0, 0.5, record.shape)
    al = acc.align_record(record, finds, tolerance=5, max_shift=500, max_rotation=45)
    assert al is not None
    assert al.transform.rotation_deg == pytest.approx(15.0, abs=0.3)
    centre = record.mean(0)
    moved_centre = clockwise(centre[None, :], pivot, 15.0)[0]
    assert al.transform.shift == pytest.approx(tuple(moved_centre - centre), abs=1.5)
    assert al.matched >= 0.98 * len(record)


@pytest.mark.parametrize("scale", [1.03, 0.96])
def test_a_record_drawn_to_the_wrong_scale_needs_the_similarity_search(scale: float) -> None:
    record = rows(n_rows=5, per_row=60, spacing=3.0, gap=12.0, angle_deg=10)
    centre = record.mean(0)
    finds = centre + scale * (record - centre) + np.array([30.0, 20.0])
    rigid = acc.align_record(record, finds, tolerance=2, max_shift=200)
    similar = acc.align_record(record, finds, tolerance=2, max_shift=200, allow_scale=True)
    assert similar is not None
    assert similar.transform.scale == pytest.approx(scale, abs=0.002)
    assert similar.matched >= 0.95 * len(record)
    # rigidly, the far ends of the 177 m rows stay 2.7 m off: fewer or longer pairs
    assert rigid is None or (rigid.matched, -rigid.total_distance) < (
        similar.matched,
        -similar.total_distance,
    )
    assert rigid is None or rigid.transform.scale == 1.0


def test_no_correction_without_finds_nearby_or_beyond_the_max_shift() -> None:
    record = rows()
    far = record + np.array([3000.0, 0.0])
    assert acc.align_record(record, far, tolerance=5, max_shift=500) is None
    beyond = record + np.array([0.0, 320.0])
    assert acc.align_record(record, beyond, tolerance=5, max_shift=200) is None


def test_procrustes_recovers_a_known_transform() -> None:
    rng = np.random.default_rng(6)
    src = rng.uniform(-50, 50, (30, 2))
    t = acc.Transform((10.0, 20.0), (5.0, -7.0), 12.0, 1.0)
    got = acc.procrustes(src, t.apply(src), (10.0, 20.0))
    assert got.rotation_deg == pytest.approx(12.0, abs=1e-9)
    assert got.shift == pytest.approx((5.0, -7.0), abs=1e-9)


# --- the whole analysis on a small synthetic programme -------------------------------------

LON0, LAT0 = 47.9, 40.0  # UTM 38N, where grid north is about 1.9 degrees off true north
LOCAL = CRS.from_proj4(f"+proj=aeqd +lat_0={LAT0} +lon_0={LON0} +datum=WGS84 +units=m")


def to_lonlat(xy: np.ndarray) -> np.ndarray:
    tr = Transformer.from_crs(LOCAL, 4326, always_xy=True)
    return np.column_stack(tr.transform(xy[:, 0], xy[:, 1]))


def layer(xy: np.ndarray, crs: str | int = 4326, **columns: object) -> gpd.GeoDataFrame:
    ll = to_lonlat(xy)
    frame = gpd.GeoDataFrame(columns, geometry=gpd.points_from_xy(ll[:, 0], ll[:, 1]), crs=4326)
    return frame.to_crs(crs)


@pytest.fixture(scope="module")
def programme() -> dict[str, object]:
    """Record A accurate but 10 mines missing; record B laid 40 m east along its own rows;
    record C in ground not yet searched; 20 UXO far from every record; 5 accidents."""
    rng = np.random.default_rng(11)
    a = rows(n_rows=3, per_row=50, spacing=2.0, gap=12.0)  # rows due (true) east
    b = a + np.array([0.0, 400.0])
    c = a + np.array([0.0, 3000.0])
    found_a = np.delete(a, np.arange(0, 150, 15), axis=0) + rng.normal(0, 0.3, (140, 2))
    found_b = b + np.array([40.0, 0.0]) + rng.normal(0, 0.3, b.shape)
    uxo = np.column_stack([rng.uniform(1500, 2000, 20), rng.uniform(-500, 500, 20)])
    recorded = np.vstack([a, b, c])
    records = layer(
        recorded,
        record=["A"] * 150 + ["B"] * 150 + ["C"] * 150,
        handover=["H1"] * 300 + ["H2"] * 150,
        district=["D1"] * 450,
    )
    finds = layer(np.vstack([found_a, found_b, uxo]), crs=32638)  # any CRS will do
    ring = to_lonlat(np.array([[-200.0, -600], [2100, -600], [2100, 800], [-200, 800]]))
    searched = gpd.GeoSeries([shapely.Polygon(ring)], crs=4326)
    accidents = layer(
        np.array([[50.0, 10.0], [20.0, 20.0], [900.0, 0.0], [-300.0, 200.0], [50.0, 2000.0]]),
        kind=["accident", "accident", "incident", "incident", "incident"],
    )
    report = acc.analyse(records, finds, searched=searched, accidents=accidents)
    return {
        "report": report,
        "doc": report.to_dict(),
        "a": a,
        "b": b,
        "found": np.vstack([found_a, found_b, uxo]),
    }


def test_headline_figures_count_only_searched_ground(programme: dict) -> None:
    doc = programme["doc"]
    # A: 140 of 150 found where recorded; B: none where recorded (it lies 40 m east);
    # C: not searched, so unknown rather than missing
    assert doc["recorded"] == 300
    assert doc["recorded_unsearched"] == 150
    assert doc["found"] == 140 + 150 + 20
    assert doc["matched"] == 140
    assert doc["precision"] == pytest.approx(140 / 300)
    assert doc["recall"] == pytest.approx(140 / 310)
    p, r = 140 / 300, 140 / 310
    assert doc["f1"] == pytest.approx(2 * p * r / (p + r))
    assert doc["record_accuracy"] == doc["precision"]


def test_a_record_laid_along_its_own_rows_is_misplaced_not_partly_right(programme: dict) -> None:
    doc = programme["doc"]
    rec = {r["record"]: r for r in doc["records"]}
    b = rec["B"]
    # 40 m along 98 m rows: most finds of B lie within 5 m of some recorded mine of B ...
    within = acc.match_points(programme["b"], programme["found"], 5.0).count
    assert within > 60
    # ... but each is another mine, moved 40 m: none is where the record puts it
    assert b["matched"] == 0
    assert b["coincidental"] == within
    assert b["verdict"] == "misplaced"
    assert b["shift_east_m"] == pytest.approx(40.0, abs=1.0)
    assert b["shift_north_m"] == pytest.approx(0.0, abs=1.0)  # true north, not grid north
    assert b["shift_m"] == pytest.approx(40.0, abs=1.0)
    assert b["rotation_deg"] == pytest.approx(0.0, abs=0.3)
    assert b["precision_corrected"] == 1.0
    a = rec["A"]
    assert (a["matched"], a["recorded"], a["verdict"]) == (140, 150, "right")
    assert a["shift_m"] < 0.5
    c = rec["C"]
    assert (c["recorded"], c["recorded_total"], c["verdict"]) == (0, 150, "unsearched")
    assert c["precision"] is None


def test_areas_finds_outside_records_and_accidents(programme: dict) -> None:
    doc = programme["doc"]
    # independent count: finds within 25 m of a record's convex hull, in the local frame
    hulls = [
        shapely.MultiPoint(x).convex_hull.buffer(25.0) for x in (programme["a"], programme["b"])
    ]
    pts = shapely.points(programme["found"])
    inside = np.zeros(len(pts), bool)
    for h in hulls:
        inside |= shapely.intersects(h, pts)
    assert doc["finds_outside_records"] == int((~inside).sum())
    assert doc["finds_outside_records"] >= 20  # the UXO at least
    rec = {r["record"]: r for r in doc["records"]}
    assert rec["A"]["finds_inside"] == int(shapely.intersects(hulls[0], pts).sum())
    assert rec["A"]["found_per_recorded"] == pytest.approx(rec["A"]["finds_inside"] / 150)
    # accidents: two in record A's area, three outside every record
    assert doc["accidents"]["total"] == 5
    assert doc["accidents"]["outside_records"] == 3
    assert doc["accidents_outside_share"] == pytest.approx(0.6)
    assert doc["accidents"]["by_kind"]["incident"]["outside_share"] == 1.0
    assert doc["accidents"]["by_kind"]["accident"]["outside_share"] == 0.0


def test_handover_and_district_tables_add_up(programme: dict) -> None:
    doc = programme["doc"]
    h = {r["handover"]: r for r in doc["by_handover"]}
    assert (h["H1"]["records"], h["H1"]["recorded"], h["H1"]["matched"]) == (2, 300, 140)
    assert h["H1"]["records_misplaced"] == 1
    assert (h["H2"]["recorded"], h["H2"]["recorded_total"]) == (0, 150)
    d = {r["district"]: r for r in doc["by_district"]}
    assert d["D1"]["recorded"] == 300
    assert d["D1"]["precision"] == pytest.approx(140 / 300)


def test_json_document_keeps_the_design_keys(programme: dict) -> None:
    doc = programme["doc"]
    for key in ("tolerance_m", "recorded", "found", "matched", "precision", "recall", "f1"):
        assert key in doc
    assert list(doc)[:8] == [
        "tolerance_m",
        "recorded",
        "found",
        "matched",
        "precision",
        "recall",
        "f1",
        "records",
    ]
    for row in doc["records"]:
        assert list(row)[:9] == [
            "record",
            "handover",
            "district",
            "recorded",
            "matched",
            "precision",
            "shift_m",
            "rotation_deg",
            "precision_corrected",
        ]
    json.dumps(doc, allow_nan=False)  # no NaN: unknowns are null


def test_without_searched_areas_every_mine_counts_and_a_note_says_so() -> None:
    record = rows(n_rows=2, per_row=20)
    report = acc.analyse(layer(record, record=["R"] * 40), layer(record[:10]))
    doc = report.to_dict()
    assert (doc["recorded"], doc["matched"]) == (40, 10)
    assert any("searched" in n for n in doc["notes"])


@pytest.mark.parametrize(
    "options",
    [
        acc.AccuracyOptions(tolerance_m=0),
        acc.AccuracyOptions(tolerance_m=-1),
        acc.AccuracyOptions(max_shift_m=float("nan")),
        acc.AccuracyOptions(max_rotation_deg=200),
        acc.AccuracyOptions(buffer_m=-5),
    ],
)
def test_nonsense_options_are_refused(options: acc.AccuracyOptions) -> None:
    with pytest.raises(BadInput) as exc:
        options.check()
    assert exc.value.field and exc.value.field.startswith("--")


def test_points_without_a_crs_or_of_the_wrong_kind_are_refused() -> None:
    pts = layer(rows(n_rows=1, per_row=5))
    with pytest.raises(BadInput, match="coordinate system"):
        acc.analyse(gpd.GeoDataFrame(geometry=list(pts.geometry)), pts)
    poly = gpd.GeoDataFrame(geometry=[shapely.box(47.9, 40.0, 47.91, 40.01)], crs=4326)
    with pytest.raises(BadInput, match="must be points"):
        acc.analyse(pts, poly)


def test_the_command_line_defaults_are_the_analysis_defaults() -> None:
    assert cli_accuracy.DEFAULT_TOLERANCE_M == acc.DEFAULT_TOLERANCE_M
    assert cli_accuracy.DEFAULT_MAX_SHIFT_M == acc.DEFAULT_MAX_SHIFT_M
    assert cli_accuracy.DEFAULT_MAX_ROTATION_DEG == acc.DEFAULT_MAX_ROTATION_DEG
    assert cli_accuracy.DEFAULT_BUFFER_M == acc.DEFAULT_BUFFER_M


# --- the command line on files -----------------------------------------------------------------


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Record R (2 x 40 mines) as CSV with lon/lat, 30 of its mines found as GeoJSON in UTM,
    a record Q 60 m off as a second GeoPackage layer, and a file without a CRS."""
    folder = tmp_path_factory.mktemp("accuracy-files")
    rng = np.random.default_rng(3)
    r = rows(n_rows=2, per_row=40, spacing=2.5, gap=15.0)
    ll = to_lonlat(r)
    csv = folder / "recorded.csv"
    lines = ["record,lon,lat"] + [f"R,{x:.9f},{y:.9f}" for x, y in ll]
    csv.write_text("\n".join(lines) + "\n")
    found = r[:30] + rng.normal(0, 0.3, (30, 2))
    finds = folder / "finds.geojson"
    layer(found, crs=32638).to_file(finds, driver="GeoJSON", engine="pyogrio")
    both = folder / "both.gpkg"
    layer(r, record=["R"] * 80).to_file(both, layer="mines", engine="pyogrio")
    layer(found).to_file(both, layer="finds", engine="pyogrio")
    bare = folder / "bare.csv"
    bare.write_text("record,x,y\nR,500000,4400000\n")
    return {"csv": csv, "finds": finds, "gpkg": both, "bare": bare}


def test_files_in_different_formats_and_crs_match_as_expected(files: dict[str, Path]) -> None:
    proc = run_cli(
        "accuracy", "--records", str(files["csv"]), "--finds", str(files["finds"]), "--json"
    )
    doc = json.loads(proc.stdout)
    # 30 of the 80 recorded mines were found, each within 0.3 m or so of its place
    assert (doc["recorded"], doc["found"], doc["matched"]) == (80, 30, 30)
    assert doc["precision"] == pytest.approx(30 / 80)
    assert doc["recall"] == 1.0
    assert doc["records"][0]["record"] == "R"
    assert doc["source"] == {"records": str(files["csv"]), "finds": str(files["finds"])}


def test_a_layer_of_a_geopackage_is_named_after_two_colons(files: dict[str, Path]) -> None:
    gpkg = files["gpkg"]
    proc = run_cli(
        "accuracy", "--records", f"{gpkg}::mines", "--finds", f"{gpkg}::finds", "--max-shift", "0"
    )
    assert "Record accuracy (precision)" in proc.stdout
    assert "37.5 %" in proc.stdout  # 30 of 80
    proc = run_cli("accuracy", "--records", str(gpkg), "--finds", f"{gpkg}::finds", check=False)
    assert proc.returncode == 2
    assert "2 layers: mines, finds" in proc.stderr and "::LAYER" in proc.stderr


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--records", "{bare}", "--finds", "{finds}"], ["bare.csv", "--crs"]),
        (["--records", "{csv}"], ["--finds"]),
        (["--records", "{csv}", "--finds", "{finds}", "--district", "Aghdam"], ["--district"]),
        (["--records", "{csv}", "--finds", "{finds}", "--tolerance", "-2"], ["--tolerance"]),
        (["--records", "{csv}", "--finds", "/no/such/file.gpkg"], ["does not exist"]),
    ],
)
def test_bad_input_exits_2_naming_what_to_fix(
    files: dict[str, Path], args: list[str], expected: list[str]
) -> None:
    given = [a.format(**{k: str(v) for k, v in files.items()}) for a in args]
    proc = run_cli("accuracy", *given, "--json", check=False)
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == ""
    for text in expected:
        assert text in proc.stderr


def test_the_text_report_is_a_summary_unless_each_record_is_asked_for(
    files: dict[str, Path],
) -> None:
    """Issue 25 item 11: a national database printed one line per record (243 on the demo).
    The text report now ends with the count of records on searched ground; --per-record
    adds each record's line (here the one record, R); the JSON has them either way."""
    gpkg = files["gpkg"]
    args = ("accuracy", "--records", f"{gpkg}::mines", "--finds", f"{gpkg}::finds")
    short = run_cli(*args).stdout
    assert "Records on searched ground" not in short
    assert "1 of 1 records lie on searched ground: --per-record" in " ".join(short.split())
    full = run_cli(*args, "--per-record").stdout
    assert "Records on searched ground (1 of 1)" in full
    assert "--per-record prints" not in full
