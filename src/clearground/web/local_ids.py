"""``GET /api/local-id/{kind}``: a local id for a new record, proposed by the entry form
(``HAZ-AGD-00187``: the kind, the district, the next free number), which the user may change.

The district is the one named (any known spelling) or, for a position given as ``lon`` and
``lat``, the district holding it; without either the id has no district part.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from shapely.geometry import Point

from clearground.domain.errors import BadInput
from clearground.store import record_reads as reads
from clearground.store import tables as t
from clearground.store.repository import Registry
from clearground.web.auth import CurrentUser, store_of
from clearground.web.records import check_kind, check_may_write

router = APIRouter(prefix="/api", tags=["records"])


@router.get("/local-id/{kind}")
def propose_local_id(
    request: Request,
    kind: str,
    who: CurrentUser,
    district: Annotated[
        str | None, Query(description="the record's district, any spelling")
    ] = None,
    lon: Annotated[float | None, Query(ge=-180, le=180, description="a position, degrees")] = None,
    lat: Annotated[float | None, Query(ge=-90, le=90, description="a position, degrees")] = None,
) -> dict[str, Any]:
    """A local id no record of ``kind`` has, for the writers of the kind."""
    check_kind(kind)
    check_may_write(who, kind)
    with store_of(request).session() as session:
        registry = Registry(session)
        found: int | None = None
        try:
            if district:
                found = registry.lookup(t.Location, "name", district)
            elif lon is not None and lat is not None:
                found = registry.place(Point(lon, lat))
        except BadInput:
            found = None  # an unknown or ambiguous district: the id without its part
        name = reads.value_of(session, t.Location, "name", found) if found else None
        return {
            "kind": kind,
            "local_id": reads.next_local_id(session, kind, name),
            "district": name,
        }
