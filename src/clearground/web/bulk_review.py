"""``POST /api/review/{kind}/{step}``: approve or reject every submitted record a selection
holds (an import's file, a district, an organisation, dates), for reviewers.

A dry run gives the count; the write needs that count back (``expect``), so what is approved
is what the reviewer was shown: if the selection has changed since, 409 and nothing written.
The registry's review steps apply to each record, in one transaction
(:mod:`clearground.store.repository.bulk_review`).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Request
from pydantic import BaseModel, ConfigDict, Field

from clearground.domain.errors import BadInput
from clearground.store.queries import Filters, review_selection
from clearground.store.repository.bulk_review import review_many
from clearground.web.auth import ApiError, CurrentUser, check_write, store_of
from clearground.web.records import check_kind, check_may_review

router = APIRouter(prefix="/api", tags=["records"])
STEPS = {"approve": "approved", "reject": "rejected"}


class Selection(BaseModel):
    """Which submitted records of the kind; every filter given must hold."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    import_name: str | None = Field(
        None,
        alias="import",
        description="the file whose import wrote the records' current version (eventos.csv)",
    )
    district: str | None = Field(None, description="district name, any known spelling")
    organisation: str | None = Field(None, description="organisation (includes its units)")
    date_from: dt.date | None = Field(None, alias="from", description="first date")
    until: dt.date | None = Field(None, description="last date")
    reason: str | None = Field(None, description="required to reject: what must be corrected")
    dry_run: bool = Field(False, description="count the selection, write nothing")
    expect: int | None = Field(
        None, ge=0, description="required to write: the count the dry run gave"
    )


@router.post("/review/{kind}/{step}", dependencies=[Depends(check_write)])
def review_by_selection(
    request: Request,
    kind: str,
    step: Annotated[Literal["approve", "reject"], Path()],
    body: Selection,
    who: CurrentUser,
) -> dict[str, Any]:
    """Approve or reject the submitted records of ``kind`` the selection holds."""
    check_kind(kind)
    check_may_review(who, kind)
    status = STEPS[step]
    filters = Filters(body.date_from, body.until, body.district, body.organisation, False)
    with store_of(request).session(write=not body.dry_run) as session:
        try:
            ids = review_selection(
                session, kind, filters, status="submitted", import_name=body.import_name
            )
        except BadInput as exc:  # named as this body names it: district, not --district
            if exc.field and exc.field.startswith("--"):
                exc.field = exc.field[2:]
            raise
        moved = 0
        if not body.dry_run:
            if body.expect is None:
                raise ApiError(
                    400,
                    "expect_missing",
                    "give expect: the count a dry run of this selection showed",
                    "expect",
                )
            if body.expect != len(ids):
                raise ApiError(
                    409,
                    "selection_changed",
                    f"the selection holds {len(ids):,} records, not the {body.expect} expected",
                    "expect",
                )
            moved = review_many(session, kind, ids, status, user=who.name, reason=body.reason)
    return {
        "kind": kind,
        "step": status,
        "from_status": "submitted",
        "selected": len(ids),
        "moved": moved,
        "dry_run": body.dry_run,
    }
