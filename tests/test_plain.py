"""One conversion to JSON-ready values (issue 22, item 7), checked value by value."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
import pytest

from clearground.domain.plain import json_default, plain


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (np.int64(3), 3),
        (np.float32(0.5), 0.5),
        (float("nan"), None),
        (np.float64("inf"), None),
        (pd.NA, None),
        (pd.NaT, None),
        (Decimal("2.50"), 2.5),
        (dt.date(2022, 10, 31), "2022-10-31"),
        (dt.datetime(2022, 10, 31, 8, 5), "2022-10-31T08:05:00"),
        ({1: [np.int32(2), (np.nan, "a")]}, {"1": [2, [None, "a"]]}),
        (True, True),
        ("text", "text"),
    ],
)
def test_plain_makes_values_json_ready(given: Any, expected: Any) -> None:
    got = plain(given)
    assert got == expected and type(got) is type(expected)
    json.dumps(got, allow_nan=False)  # and JSON takes it


def test_json_default_refuses_what_it_cannot_convert() -> None:
    assert json.dumps({"d": dt.date(2021, 1, 1)}, default=json_default) == '{"d": "2021-01-01"}'
    with pytest.raises(TypeError):
        json.dumps({"x": object()}, default=json_default)
