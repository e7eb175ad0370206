"""The land-release invariant: cancelled + reduced + cleared never exceeds the hazard."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import box

from clearground.domain.errors import BadInput
from clearground.domain.geometry import area_m2
from clearground.domain.land_release import check_release, check_release_batch

HAZARD = box(46.90, 39.90, 46.91, 39.905)
AREA = area_m2(HAZARD)


@settings(max_examples=40, deadline=None)
@given(cuts=st.lists(st.floats(0.0, 1.0), min_size=1, max_size=12))
def test_any_partition_of_the_hazard_is_accepted_and_sums_to_at_most_its_area(cuts) -> None:
    edges = sorted({0.0, 1.0, *[round(c, 6) for c in cuts]})
    strips = [
        box(46.90 + 0.01 * a, 39.90, 46.90 + 0.01 * b, 39.905)
        for a, b in zip(edges, edges[1:], strict=False)
        if b - a > 1e-6
    ]
    areas = check_release_batch(HAZARD, AREA, [], strips)
    assert sum(areas) <= AREA + 1.0
    assert sum(areas) == pytest.approx(AREA, rel=1e-6)


@settings(max_examples=30, deadline=None)
@given(a=st.floats(0.0, 0.8), w=st.floats(0.05, 0.2), shift=st.floats(0.02, 0.5))
def test_overlapping_release_is_refused(a: float, w: float, shift: float) -> None:
    first = box(46.90 + 0.01 * a, 39.90, 46.90 + 0.01 * min(a + w, 1.0), 39.905)
    second = box(
        46.90 + 0.01 * min(a + w * shift, 0.99),
        39.90,
        46.90 + 0.01 * min(a + w * shift + w, 1.0),
        39.905,
    )
    with pytest.raises(BadInput, match="overlaps land already released"):
        check_release(HAZARD, AREA, [first], second, "ACT-2")


def test_release_outside_the_hazard_is_refused() -> None:
    outside = box(46.905, 39.90, 46.915, 39.905)
    with pytest.raises(BadInput, match="outside its hazard") as info:
        check_release(HAZARD, AREA, [], outside, "ACT-9")
    assert info.value.record == "ACT-9"


def test_total_above_the_hazard_area_is_refused() -> None:
    # the stored hazard area is smaller than its polygon: the sums must still hold
    with pytest.raises(BadInput, match="more than the hazard"):
        check_release(HAZARD, AREA / 2, [], HAZARD)


def test_touching_strips_do_not_count_as_overlap() -> None:
    left = box(46.90, 39.90, 46.905, 39.905)
    right = box(46.905, 39.90, 46.91, 39.905)
    assert check_release(HAZARD, AREA, [left], right) == pytest.approx(area_m2(right))
