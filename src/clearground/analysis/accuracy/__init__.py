"""How accurate are minefield records? Recorded mines against the devices actually found.

Pure functions on NumPy arrays and (Geo)DataFrames; no I/O. Everything metric is done in the
UTM zone of the data (``clearground.domain.geometry.utm_epsg``), never in degrees. One idea a
module:

- ``matching``: **matching** (:func:`match_points`), one-to-one pairs of recorded mines and
  finds within a tolerance, optimal: the largest number of pairs, then the smallest total
  distance (a nearest-neighbour join overstates the matches on dense rows; this does not).
- ``search``: **systematic error** (:func:`align_record`), the rigid (or similarity)
  transform that best lays a record's pattern over the finds, searched over shifts up to
  ``max_shift_m`` and rotations up to ``max_rotation_deg`` independently of the tolerance. A
  record drawn from a wrong reference point is "right but misplaced": low precision, high
  precision after correction.
- ``report``: **the analysis and its report** (:func:`analyse`, :class:`AccuracyReport`):
  per record, handover and district, the finds inside the record's perimeter buffered by
  ``buffer_m``, mines found per mine recorded, finds outside every record, and the share of
  accidents outside all recorded areas.
- ``layers``: the input layers as metric points and polygons (:func:`metric_crs`).
- ``options``: the parameters (:class:`AccuracyOptions`) and their defaults.

Only searched ground counts: a recorded mine outside it is unknown, not missing, and a find
outside it is left out of the comparison (and counted as such).

Conventions: ``rotation_deg`` is clockwise (like a bearing) and turns the record onto the
finds about the record's centre (the mean of its recorded mines); ``shift_east_m`` and
``shift_north_m`` move that centre, in metres towards true east and true north.
"""

from clearground.analysis.accuracy.layers import metric_crs
from clearground.analysis.accuracy.matching import (
    DENSE_CELLS,
    PART_DENSE_CELLS,
    Matching,
    candidate_pairs,
    match_pairs,
    match_points,
)
from clearground.analysis.accuracy.options import (
    DEFAULT_BUFFER_M,
    DEFAULT_MAX_ROTATION_DEG,
    DEFAULT_MAX_SHIFT_M,
    DEFAULT_TOLERANCE_M,
    AccuracyOptions,
)
from clearground.analysis.accuracy.report import AccuracyReport, analyse
from clearground.analysis.accuracy.search import (
    MIN_SUPPORT,
    Alignment,
    Transform,
    align_record,
    procrustes,
)

__all__ = [
    "DEFAULT_BUFFER_M",
    "DEFAULT_MAX_ROTATION_DEG",
    "DEFAULT_MAX_SHIFT_M",
    "DEFAULT_TOLERANCE_M",
    "DENSE_CELLS",
    "MIN_SUPPORT",
    "PART_DENSE_CELLS",
    "AccuracyOptions",
    "AccuracyReport",
    "Alignment",
    "Matching",
    "Transform",
    "align_record",
    "analyse",
    "candidate_pairs",
    "match_pairs",
    "match_points",
    "metric_crs",
    "procrustes",
]
