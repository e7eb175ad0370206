"""Land release arithmetic (IMAS 07.11).

An area is cancelled by non-technical survey, reduced by technical survey or cleared. The
released parts of a hazard lie inside it, never overlap, and never add up to more than the
hazard's area. Areas are in m², computed from the polygons, never typed in.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from clearground.domain.errors import BadInput
from clearground.domain.geometry import area_m2, areas_m2

TOLERANCE_M2 = 1.0
"""Overlaps and excesses up to this many m² are taken as digitising noise."""


def check_release(
    hazard: BaseGeometry,
    hazard_area_m2: float,
    released: Sequence[BaseGeometry],
    new: BaseGeometry,
    record: str | None = None,
) -> float:
    """Check that releasing ``new`` keeps the hazard's land-release sums true.

    ``released`` are the polygons of the hazard already cancelled, reduced or cleared. Returns
    the area of ``new`` in m². Raises ``BadInput`` when ``new`` lies outside the hazard,
    overlaps land already released, or would make the released total exceed the hazard area.
    """
    return check_release_batch(hazard, hazard_area_m2, released, [new], [record])[0]


def check_release_batch(
    hazard: BaseGeometry,
    hazard_area_m2: float,
    released: Sequence[BaseGeometry],
    new: Sequence[BaseGeometry],
    records: Sequence[str | None] | None = None,
) -> list[float]:
    """``check_release`` for several new polygons of one hazard, taken in order.

    Each new polygon is checked against the hazard and everything released before it: the
    land already released and the new polygons before it in the batch, so two polygons of one
    import cannot release the same land twice. Returns their areas in m².
    """
    names = list(records) if records is not None else [None] * len(new)
    new_arr = np.asarray(list(new), dtype=object)
    new_areas = areas_m2(new_arr)
    done_total = float(np.nansum(areas_m2(list(released)))) if len(released) else 0.0

    inside = shapely.within(new_arr, hazard) if len(new_arr) else np.zeros(0, bool)
    for i in np.flatnonzero(~inside):
        outside = area_m2(new_arr[i].difference(hazard))
        if outside > TOLERANCE_M2:
            raise BadInput(
                f"{outside:,.0f} m² of the released polygon lie outside its hazard",
                field="geometry",
                record=names[i],
                fix="Clip the activity polygon to the hazard, or extend the hazard first",
            )

    everything = np.asarray(list(released) + list(new), dtype=object)
    n_old = len(released)
    if len(everything):
        tree = shapely.STRtree(everything)
        pairs = tree.query(new_arr, predicate="intersects")
        for i, j in zip(pairs[0], pairs[1], strict=True):
            own = n_old + int(i)
            if j >= own:  # itself, or a later new polygon (checked from its own side)
                continue
            overlap = area_m2(new_arr[i].intersection(everything[j]))
            if overlap > TOLERANCE_M2:
                if j < n_old:
                    raise BadInput(
                        f"the released polygon overlaps land already released by {overlap:,.0f} m²",
                        field="geometry",
                        record=names[i],
                        fix="Release only land not yet cancelled, reduced or cleared",
                    )
                other = names[int(j) - n_old] or f"polygon {int(j) - n_old + 1}"
                raise BadInput(
                    f"the released polygon overlaps {other} of the same batch by {overlap:,.0f} m²",
                    field="geometry",
                    record=names[i],
                    fix="Each piece of land is released once: clip one of the two polygons",
                )

    running = done_total + np.cumsum(new_areas)
    over = np.flatnonzero(running > hazard_area_m2 + TOLERANCE_M2)
    if len(over):
        first = int(over[0])
        raise BadInput(
            f"cancelled + reduced + cleared would be {running[first]:,.0f} m², more than the "
            f"hazard's {hazard_area_m2:,.0f} m²",
            field="geometry",
            record=names[first],
            fix="Check the activity polygons of this hazard",
        )
    return [float(a) for a in new_areas]
