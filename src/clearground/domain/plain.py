"""Values made ready for JSON: the one conversion of the analysis results and web answers.

NumPy scalars become Python numbers, NaN, infinities and pandas' NA become None, dates ISO
8601 text, decimals numbers; mappings, lists and tuples are converted throughout (keys as
text). Geometries are not handled here (each answer has its own geometry encoding).
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

_AS_IS = frozenset({str, int, bool})


def plain(value: Any) -> Any:
    """``value`` with everything in it JSON-ready (see the module)."""
    if type(value) in _AS_IS:  # the common case first: one look-up per value
        return value
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, Decimal):
        value = float(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def json_default(value: Any) -> Any:
    """For ``json.dumps(..., default=json_default)``: what ``plain`` converts, else TypeError."""
    converted = plain(value)
    if converted is value:
        raise TypeError(f"{type(value).__name__} is not JSON")
    return converted
