"""Who may see which rows: the one copy of the row rules of the roles, used by every read path
(REST lists and items, the review queue, exports, OGC API Features, the map layers) and by the
write checks that ask whose a record is.

- An **operator** reads only its own organisation's activities, tasks and assets (their
  ``organisation_id``) and finds (their activity's organisation), not those of the units
  under it; of the other kinds it reads every row its role may read.
- A **donor** reads only its own funding (``donor_id``), approved.
- Every other role reads every row of the kinds it may read (``may_read_kind`` in the web
  layer decides the kinds).

A record's *owner* (whose it is, for the write rules) follows the same columns: the
organisation of an activity, task or asset, the organisation of a find's activity.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, false, select
from sqlalchemy.orm import Session

from clearground.store import tables as t
from clearground.store.users import Principal

READERS = frozenset({"admin", "im_officer", "operator", "manager"})
"""Roles that see exact positions (operators: only their organisation's activities and finds)."""

OWNED_BY: dict[str, str] = {
    "activities": "organisation_id",
    "tasks": "organisation_id",
    "assets": "organisation_id",
}
"""Kinds whose rows belong to an organisation by a column of their own."""
THROUGH_ACTIVITY = frozenset({"finds"})
"""Kinds whose rows belong to the organisation of their activity."""
ORGANISATION_ROWS = frozenset({*OWNED_BY, *THROUGH_ACTIVITY})
"""Kinds an operator reads only its own organisation's rows of."""


def activities_of(organisation_id: int) -> Select[Any]:
    """Ids of the activities of an organisation (for the rows that belong through them)."""
    return select(t.Activity.id).where(t.Activity.organisation_id == organisation_id)


def organisation_filter(kind: str, organisation_id: int | None) -> list[ColumnElement[bool]]:
    """Conditions keeping only the rows of ``kind`` that belong to ``organisation_id`` (none:
    no row); no condition for a kind whose rows belong to no organisation."""
    if kind not in ORGANISATION_ROWS:
        return []
    if organisation_id is None:
        return [false()]
    if kind in OWNED_BY:
        table: Any = t.RECORD_TABLES[kind]
        return [getattr(table, OWNED_BY[kind]) == organisation_id]
    return [t.Find.activity_id.in_(activities_of(organisation_id))]


def restricted_to(who: Principal, kind: str) -> tuple[bool, int | None]:
    """Whether ``who`` reads only one organisation's rows of ``kind``, and which (None: the
    user has no organisation, so no row)."""
    if who.role == "operator" and kind in ORGANISATION_ROWS:
        return True, who.organisation_id
    return False, None


def row_filter(who: Principal, kind: str) -> list[ColumnElement[bool]]:
    """Row restrictions for ``who`` reading ``kind`` (beyond whether it may read the kind)."""
    restricted, organisation = restricted_to(who, kind)
    if restricted:
        return organisation_filter(kind, organisation)
    if who.role == "donor" and kind == "funding":
        if who.organisation_id is None:
            return [false()]
        return [t.Funding.donor_id == who.organisation_id, t.Funding.review_status == "approved"]
    return []


def author_organisation(session: Session, kind: str, record_id: int, row: dict[str, Any]) -> Any:
    """The organisation of the user who created the record (its version 1 in the history;
    the current author if it was never edited). None for a record created by the command line
    or by a user since removed: the centre's."""
    first = session.execute(
        select(t.RecordVersion.changed_by).where(
            t.RecordVersion.kind == kind,
            t.RecordVersion.record_id == record_id,
            t.RecordVersion.version == 1,
        )
    ).scalar_one_or_none()
    author = first if first is not None else row.get("updated_by")
    if author is None:
        return None
    return session.execute(
        select(t.User.organisation_id).where(t.User.name == author)
    ).scalar_one_or_none()


def owner_of(session: Session, kind: str, record_id: int, row: dict[str, Any]) -> Any:
    """Whose the record is, for the write rules: the organisation of an activity, task or
    asset; of a find's activity; else of the user who created it."""
    if kind in OWNED_BY:
        return row.get(OWNED_BY[kind])
    if kind in THROUGH_ACTIVITY and row.get("activity_id") is not None:
        return session.execute(
            select(t.Activity.organisation_id).where(t.Activity.id == row["activity_id"])
        ).scalar_one_or_none()
    return author_organisation(session, kind, record_id, row)


def author_organisations(session: Session, kind: str, ids: list[int]) -> dict[int, Any]:
    """For records ``ids`` of ``kind``: the organisation of the user who created each (its
    version 1 in the history; a record created by the command line or a user since removed
    has none)."""
    out: dict[int, Any] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        rows = session.execute(
            select(t.RecordVersion.record_id, t.User.organisation_id)
            .outerjoin(t.User, t.User.name == t.RecordVersion.changed_by)
            .where(
                t.RecordVersion.kind == kind,
                t.RecordVersion.version == 1,
                t.RecordVersion.record_id.in_(chunk),
            )
        ).all()
        out.update({rid: org for rid, org in rows})
    return out
