"""The land-release invariant: cancelled + reduced + cleared never exceeds the hazard."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import box
from shapely.geometry.base import BaseGeometry
from sqlalchemy import func, select

from clearground.domain.errors import BadInput
from clearground.domain.geometry import area_m2
from clearground.domain.land_release import check_release, check_release_batch
from clearground.store import tables as t
from clearground.store.database import Store
from clearground.store.repository import Registry

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


# --- new polygons of one batch (an import) against each other --------------------------------


@settings(max_examples=30, deadline=None)
@given(a=st.floats(0.0, 0.4), w=st.floats(0.05, 0.2), shift=st.floats(0.02, 0.9))
def test_overlapping_new_polygons_of_one_batch_are_refused(
    a: float, w: float, shift: float
) -> None:
    """Two polygons of one batch overlapping each other (nothing released before) are refused,
    the later one named. Mutation: ``if j >= own`` -> ``if j >= n_old`` in
    ``check_release_batch`` (new polygons checked against released land only) fails this
    test; the areas are well inside the hazard's, so only the overlap check can refuse."""
    first = box(46.90 + 0.01 * a, 39.90, 46.90 + 0.01 * (a + w), 39.905)
    second = box(46.90 + 0.01 * (a + w * shift), 39.90, 46.90 + 0.01 * (a + w * shift + w), 39.905)
    assert area_m2(first) + area_m2(second) < AREA
    with pytest.raises(BadInput, match="overlaps ACT-1 of the same batch") as info:
        check_release_batch(HAZARD, AREA, [], [first, second], ["ACT-1", "ACT-2"])
    assert info.value.record == "ACT-2"


def test_batch_overlap_between_non_neighbours_after_released_land() -> None:
    """Land already released in the west tenth; a batch of three strips of which the first
    and the third overlap by a 0.05-wide band (about 2,100 m²); the second touches neither."""
    done = box(46.900, 39.90, 46.901, 39.905)
    strips = [
        box(46.901, 39.90, 46.903, 39.905),
        box(46.906, 39.90, 46.907, 39.905),
        box(46.9025, 39.90, 46.904, 39.905),
    ]
    with pytest.raises(BadInput, match="overlaps polygon 1 of the same batch") as info:
        check_release_batch(HAZARD, AREA, [done], strips)
    assert info.value.field == "geometry"
    # without the third, the batch is accepted with the areas of its strips
    areas = check_release_batch(HAZARD, AREA, [done], strips[:2])
    assert areas == [pytest.approx(area_m2(s)) for s in strips[:2]]
    # the same three polygons one after the other are refused at the third just the same
    check_release(HAZARD, AREA, [done], strips[0])
    with pytest.raises(BadInput, match="overlaps land already released"):
        check_release(HAZARD, AREA, [done, *strips[:2]], strips[2])


def test_a_batch_touching_itself_and_released_land_is_accepted() -> None:
    """Strips that only share edges, with each other and with released land, are accepted."""
    done = box(46.900, 39.90, 46.902, 39.905)
    strips = [box(46.902, 39.90, 46.905, 39.905), box(46.905, 39.90, 46.91, 39.905)]
    areas = check_release_batch(HAZARD, AREA, [done], strips, ["ACT-1", "ACT-2"])
    assert sum(areas) == pytest.approx(AREA * 0.8, rel=1e-3)


def test_registry_refuses_a_batch_releasing_the_same_land_twice(store: Store) -> None:
    """Through the registry (an import's ``add_many``) on the test backend: two activities of
    one batch clearing overlapping strips of one hazard are refused, and nothing is written."""
    west = box(46.900, 39.90, 46.904, 39.905)
    overlapping = box(46.903, 39.90, 46.907, 39.905)
    with store.session() as s:
        reg = Registry(s)
        reg.add("organisations", {"local_id": "ORG-T", "name": "Test Operator", "kind": "operator"})
        reg.add("hazards", {"local_id": "HAZ-1", "kind": "CHA", "geometry": HAZARD})

    def activity(lid: str, geom: BaseGeometry) -> dict[str, Any]:
        return {
            "local_id": lid,
            "hazard": "HAZ-1",
            "kind": "clearance",
            "result": "cleared",
            "method": "manual",
            "organisation": "Test Operator",
            "start_date": "2021-05-01",
            "geometry": geom,
        }

    refused = pytest.raises(BadInput, match="overlaps ACT-1 of the same batch")
    with refused as info, store.session() as s:
        Registry(s).add_many(
            "activities", [activity("ACT-1", west), activity("ACT-2", overlapping)]
        )
    assert info.value.record == "ACT-2"
    with store.session() as s:
        assert s.execute(select(func.count()).select_from(t.Activity)).scalar_one() == 0
        # the two strips clipped apart are accepted
        clipped = overlapping.difference(west)
        Registry(s).add_many("activities", [activity("ACT-1", west), activity("ACT-2", clipped)])
        assert s.execute(select(func.count()).select_from(t.Activity)).scalar_one() == 2


# --- killing the mutants bench/mutation.sh found alive (see bench/README.md) ------------------


def _sliver(m2: float) -> BaseGeometry:
    """A strip along the hazard's west edge, full height, of about ``m2`` square metres."""
    height = area_m2(box(46.90, 39.90, 46.901, 39.905)) / 0.001  # m² per degree of width
    return box(46.90, 39.90, 46.90 + m2 / height, 39.905)


def test_the_tolerance_is_one_square_metre() -> None:
    """Overlaps and excesses up to 1 m² are noise, 1.5 m² are not. Mutation:
    ``TOLERANCE_M2 = 2.0`` fails this test."""
    released = box(46.90, 39.90, 46.902, 39.905)
    for m2, refused in ((0.5, False), (1.5, True)):
        # an overlap of m2 with the released strip: the new strip starts inside it
        width = _sliver(m2).bounds[2] - 46.90
        new = box(46.902 - width, 39.90, 46.905, 39.905)
        overlap = area_m2(new.intersection(released))
        assert overlap == pytest.approx(m2, rel=0.01)
        if refused:
            with pytest.raises(BadInput, match="overlaps land already released"):
                check_release(HAZARD, AREA, [released], new)
        else:
            check_release(HAZARD, AREA, [released], new)
        # an excess of m2 over the stated hazard area, nothing released before
        if refused:
            with pytest.raises(BadInput, match="more than the hazard"):
                check_release(HAZARD, AREA - m2, [], HAZARD)
        else:
            assert check_release(HAZARD, AREA - m2, [], HAZARD) == pytest.approx(AREA)


def test_an_excess_of_exactly_the_tolerance_is_accepted() -> None:
    """ "Up to" 1 m²: a total of exactly the hazard area + 1 m² is accepted. Mutation:
    ``running > ...`` -> ``running >= ...`` fails this test."""
    stated = AREA - 1.0
    assert stated + 1.0 == AREA  # exact in binary floating point at this size
    assert check_release(HAZARD, stated, [], HAZARD) == pytest.approx(AREA)


def test_released_land_counts_in_the_total() -> None:
    """The stated area (half the polygon's) is used up by land released before: 60 % released
    and 30 % new, not overlapping, make 90 % > 50 %. Mutation: ``done_total`` taken as 0
    when land was released (``if not len(released)``) fails this test."""
    done = box(46.90, 39.90, 46.906, 39.905)
    new = box(46.907, 39.90, 46.91, 39.905)
    with pytest.raises(BadInput, match="more than the hazard"):
        check_release(HAZARD, AREA / 2, [done], new)
    assert check_release(HAZARD, AREA, [done], new) == pytest.approx(AREA * 0.3, rel=1e-3)


def test_an_empty_batch_releases_nothing() -> None:
    """Mutation: ``np.zeros(0, bool)`` -> ``np.zeros(1, bool)`` / ``np.zeros(-1, bool)`` for
    an empty batch fails this test."""
    assert check_release_batch(HAZARD, AREA, [], []) == []
    assert check_release_batch(HAZARD, AREA, [box(46.90, 39.90, 46.905, 39.905)], [], []) == []


def test_batch_overlap_after_released_land_names_the_record() -> None:
    """With land released before, the earlier polygon of the batch is named by its record.
    Mutation: ``names[int(j) - n_old]`` -> ``names[int(j) + n_old]`` fails this test."""
    done = box(46.900, 39.90, 46.901, 39.905)
    first = box(46.901, 39.90, 46.903, 39.905)
    third = box(46.9025, 39.90, 46.904, 39.905)
    middle = box(46.906, 39.90, 46.907, 39.905)
    with pytest.raises(BadInput, match="overlaps ACT-A of the same batch") as info:
        check_release_batch(HAZARD, AREA, [done], [first, middle, third], ["ACT-A", "B", "C"])
    assert info.value.record == "C"


def test_the_first_polygon_over_the_total_is_named() -> None:
    """30 % released, then strips of 40 % and 30 %. Against 80 % of the area: 70 %, then
    100 %: the second is named. Against 60 %: 70 % and 100 % are both over: the first is
    named, not the last. Mutation: ``over[0]`` -> ``over[-1]`` fails this test."""
    done = box(46.900, 39.90, 46.903, 39.905)
    strips = [box(46.903, 39.90, 46.907, 39.905), box(46.907, 39.90, 46.91, 39.905)]
    with pytest.raises(BadInput, match="more than the hazard") as info:
        check_release_batch(HAZARD, AREA * 0.8, [done], strips, ["S-1", "S-2"])
    assert info.value.record == "S-2"
    with pytest.raises(BadInput, match="more than the hazard") as info:
        check_release_batch(HAZARD, AREA * 0.6, [done], strips, ["T-1", "T-2"])
    assert info.value.record == "T-1"
