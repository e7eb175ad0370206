"""Monitoring visits (IMAS 07.40): the national authority's visits to an operator's task, and
what their findings allow the visit's result to be.

A visit counts its findings (non-conformities) by severity. Under IMAS 07.40 a critical
non-conformity (one that puts people at risk or leaves hazards behind) stops the work on the
spot, so a visit with one is ``work_suspended``; a major one needs corrective action, so a
visit with major findings is not ``satisfactory``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from clearground.domain.enums import VisitResult
from clearground.domain.errors import BadInput

SEVERITIES = ("critical", "major", "minor")
"""Severities of a finding, most serious first; a visit's counts are ``{severity}_findings``."""


def check_visit(row: Mapping[str, Any], record: str | None = None) -> None:
    """Refuse a visit whose finding counts are negative or do not allow its result.

    ``row`` holds the visit's values (after their types were checked); counts left out are 0.
    """
    counts = {}
    for severity in SEVERITIES:
        name = f"{severity}_findings"
        value = row.get(name)
        count = 0 if value is None else int(value)
        if count < 0:
            raise BadInput(
                f"{name} cannot be negative",
                field=name,
                value=value,
                record=record,
                fix="Give the number of findings of that severity (0 if none)",
            )
        counts[severity] = count
    result = row.get("result")
    if counts["critical"] and result != VisitResult.WORK_SUSPENDED:
        raise BadInput(
            f"a visit with {counts['critical']} critical finding(s) has the result "
            f"'{VisitResult.WORK_SUSPENDED}', not '{result}'",
            field="result",
            value=result,
            record=record,
            fix="A critical non-conformity stops the work on the spot (IMAS 07.40): record "
            "the result as work_suspended, or correct the count",
        )
    if counts["major"] and result == VisitResult.SATISFACTORY:
        raise BadInput(
            f"a visit with {counts['major']} major finding(s) is not satisfactory",
            field="result",
            value=result,
            record=record,
            fix="Record the result as corrective_action (or work_suspended), or correct the count",
        )
