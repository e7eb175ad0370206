"""The parameters of an accuracy analysis: their defaults and the limits they must respect."""

from __future__ import annotations

import math
from dataclasses import dataclass

from clearground.domain.errors import BadInput

DEFAULT_TOLERANCE_M = 5.0
"""A recorded mine is confirmed by a find within this many metres (the demo's truth uses 5 m:
about seven standard deviations of the position error of a find, and still less than the
usual gap between mine rows, so a row cannot confirm its neighbour)."""
DEFAULT_MAX_SHIFT_M = 500.0
DEFAULT_MAX_ROTATION_DEG = 45.0
DEFAULT_BUFFER_M = 25.0
"""A find counts as inside a record's area within this many metres of its perimeter."""


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
