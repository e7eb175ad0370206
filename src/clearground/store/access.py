"""Who may read, write and review which kinds, and see which rows: the one copy of the role
rules, read from the kinds' descriptors (``store/kinds.py``: ``readers``, ``writers``,
``reviewers``, ``owner``, ``donor_column``) and used by every read path (REST lists and items,
the review queue, exports, OGC API Features, the map layers, the record pages) and by the
write checks that ask whose a record is.

- An **operator** reads only its own organisation's activities, tasks and assets (their
  ``organisation_id``) and finds (their activity's organisation), not those of the units
  under it; of the other kinds it reads every row its role may read.
- A **donor** reads only its own funding (``donor_id``), approved.
- Every other role reads every row of the kinds it may read (:func:`may_read`).

A record's *owner* (whose it is, for the write rules) follows the same columns: the
organisation of an activity, task or asset, the organisation of a find's activity.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, false, or_, select
from sqlalchemy.orm import Session

from clearground.store import kinds
from clearground.store import tables as t
from clearground.store.users import Principal

READERS = frozenset({"admin", "im_officer", "operator", "manager"})
"""Roles that see exact positions (operators: only their organisation's activities and finds)."""


def may_read(who: Principal, kind: str) -> bool:
    """Whether ``who`` may read records of ``kind`` at all (its descriptor's ``readers``;
    which rows: :func:`row_filter`). Anonymous users read no record."""
    return not who.anonymous and who.role in kinds.get(kind).readers


def may_write(who: Principal, kind: str) -> bool:
    """Whether the role of ``who`` may create and edit records of ``kind`` (an operator: its
    own organisation's, while drafts or rejected; the caller checks that)."""
    return not who.anonymous and who.role in kinds.get(kind).writers


def may_review(who: Principal, kind: str) -> bool:
    """Whether ``who`` may approve and reject records of ``kind``."""
    return not who.anonymous and who.role in kinds.get(kind).reviewers


def owner_column(kind: str) -> str | None:
    """The column of ``kind`` naming the organisation a row belongs to, if it has one."""
    return kinds.get(kind).owner.column


def by_organisation(kind: str) -> bool:
    """Whether an operator reads only its own organisation's rows of ``kind``."""
    return kinds.get(kind).owner.by_organisation


def _through(kind: str) -> tuple[str, kinds.Kind] | None:
    """For a kind whose rows are the organisation of the record they name: the reference
    column and the kind it names."""
    kind_ = kinds.get(kind)
    column = kind_.owner.through
    if column is None:
        return None
    ref = kind_.reference_at(column)
    assert ref is not None, column
    return column, kinds.get(ref.target)


def organisation_filter(kind: str, organisation_id: int | None) -> list[ColumnElement[bool]]:
    """Conditions keeping only the rows of ``kind`` that belong to ``organisation_id`` (none:
    no row); no condition for a kind whose rows belong to no organisation."""
    if not by_organisation(kind):
        return []
    if organisation_id is None:
        return [false()]
    table: Any = kinds.get(kind).table
    column = owner_column(kind)
    if column is not None:
        return [getattr(table, column) == organisation_id]
    through = _through(kind)
    assert through is not None
    ref_column, target = through
    target_table: Any = target.table
    owned = select(target_table.id).where(
        getattr(target_table, str(target.owner.column)) == organisation_id
    )
    return [getattr(table, ref_column).in_(owned)]


def restricted_to(who: Principal, kind: str) -> tuple[bool, int | None]:
    """Whether ``who`` reads only one organisation's rows of ``kind``, and which (None: the
    user has no organisation, so no row)."""
    if who.role == "operator" and by_organisation(kind):
        return True, who.organisation_id
    return False, None


def row_filter(who: Principal, kind: str) -> list[ColumnElement[bool]]:
    """Row restrictions for ``who`` reading ``kind`` (beyond whether it may read the kind)."""
    restricted, organisation = restricted_to(who, kind)
    if restricted:
        return organisation_filter(kind, organisation)
    donor_column = kinds.get(kind).donor_column
    if who.role == "donor" and donor_column is not None:
        if who.organisation_id is None:
            return [false()]
        table: Any = kinds.get(kind).table
        return [
            getattr(table, donor_column) == who.organisation_id,
            table.review_status == "approved",
        ]
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
    column = owner_column(kind)
    if column is not None:
        return {r["id"]: r.get(column) for r in rows}
    through = _through(kind)
    if through is not None:
        # as they are read (row_filter): through the record named; one without is the centre's
        ref_column, target = through
        target_table: Any = target.table
        of_target = _in_chunks(
            session,
            target_table.id,
            getattr(target_table, str(target.owner.column)),
            {r[ref_column] for r in rows if r.get(ref_column) is not None},
        )
        return {r["id"]: of_target.get(r.get(ref_column)) for r in rows}
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
