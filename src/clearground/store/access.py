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

from sqlalchemy import ColumnElement, Select, and_, false, or_, select
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


def owner_of(session: Session, kind: str, record_id: int, row: dict[str, Any]) -> Any:
    """Whose the record is, for the write rules (:func:`owners_of` of one row)."""
    return owners_of(session, kind, [{**row, "id": record_id}])[record_id]


def owners_of(session: Session, kind: str, rows: list[dict[str, Any]]) -> dict[int, Any]:
    """Whose each of ``rows`` (current rows of ``kind``, with ``id``, ``version`` and
    ``updated_by``) is, by id, for the write rules: the organisation of an activity, task or
    asset; of a find's activity (a find without one is the centre's: operators read finds
    through their activity); else of the user who created the record (the author of its
    version 1 in the history once it was edited, its current author while it never was; None
    for a record created by the command line or by a user since removed: the centre's). A few
    queries for any number of rows."""
    out: dict[int, Any] = {}
    rest = rows
    if kind in OWNED_BY:
        return {r["id"]: r.get(OWNED_BY[kind]) for r in rows}
    if kind in THROUGH_ACTIVITY:
        # as they are read (row_filter): through their activity; one without is the centre's
        of_activity = _in_chunks(
            session,
            t.Activity.id,
            t.Activity.organisation_id,
            {r["activity_id"] for r in rows if r.get("activity_id") is not None},
        )
        return {r["id"]: of_activity.get(r.get("activity_id")) for r in rows}
    edited = [r["id"] for r in rest if (r.get("version") or 1) > 1]
    first = author_organisations(session, kind, edited)
    authors = {r.get("updated_by") for r in rest if (r.get("version") or 1) <= 1} - {None}
    of_user = _in_chunks(session, t.User.name, t.User.organisation_id, authors)
    for r in rest:
        if (r.get("version") or 1) > 1:
            out[r["id"]] = first.get(r["id"])
        else:
            out[r["id"]] = of_user.get(r.get("updated_by"))
    return out


def _in_chunks(session: Session, key: Any, value: Any, wanted: set[Any]) -> dict[Any, Any]:
    """``{key: value}`` of the rows whose ``key`` is in ``wanted`` (500 at a time)."""
    out: dict[Any, Any] = {}
    keys = sorted(wanted)
    for start in range(0, len(keys), 500):
        found = session.execute(select(key, value).where(key.in_(keys[start : start + 500])))
        out.update({k: v for k, v in found.all()})
    return out


def author_organisations(session: Session, kind: str, ids: list[int]) -> dict[int, Any]:
    """For edited records ``ids`` of ``kind``: the organisation of the user who created each
    (the author of its version 1 in the history; a record created by the command line or by a
    user since removed has none)."""
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


def created_by_organisation(
    kind: str, table: Any, organisation_id: int | None
) -> ColumnElement[bool]:
    """The records of ``kind`` (a kind whose rows belong to no organisation) that users of
    ``organisation_id`` created: the operator's share of the review queue."""
    authors = select(t.User.name).where(t.User.organisation_id == organisation_id)
    created = select(t.RecordVersion.record_id).where(
        t.RecordVersion.kind == kind,
        t.RecordVersion.version == 1,
        t.RecordVersion.changed_by.in_(authors),
    )
    return or_(and_(table.version == 1, table.updated_by.in_(authors)), table.id.in_(created))
