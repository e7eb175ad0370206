"""``POST /api/records/{kind}/check``: the checks a save would run on a record's values
(geometry, dates, and for hazards the drawn area against the estimate and the overlaps with
hazards already held), answered before saving, with nothing written. The entry form calls it
as the user draws and types, so warnings come before the save, not after."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from clearground.domain.errors import BadInput
from clearground.intake.entry import check_record
from clearground.store.repository import Registry
from clearground.web.auth import CurrentUser, store_of
from clearground.web.records import NewRecord, check_kind, check_may_write, parse_values

router = APIRouter(prefix="/api", tags=["records"])


@router.post("/records/{kind}/check")
def check_values(request: Request, kind: str, body: NewRecord, who: CurrentUser) -> dict[str, Any]:
    """The errors and warnings of ``values`` as a save would find them; nothing is written.
    For the writers of the kind."""
    check_kind(kind)
    check_may_write(who, kind)
    values = parse_values(kind, dict(body.values))
    with store_of(request).session() as session:
        try:
            issues = check_record(Registry(session, user=who.name), kind, values)
        except BadInput as exc:
            found = {"field": exc.field, "reason": exc.reason, "fix": exc.fix}
            return {"kind": kind, "issues": [{**found, "severity": "error", "check": "refused"}]}
    return {
        "kind": kind,
        "issues": [
            {
                "field": i.field,
                "reason": i.reason,
                "fix": i.fix,
                "severity": i.severity,
                "check": i.check,
            }
            for i in issues
        ],
    }
