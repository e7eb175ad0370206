"""Reads of records for the REST API and the review queue, under the role rules of
``store/access.py``: one row, a page of a list, the queue of a review status, and what the
write checks need (the rows a user wrote since a time, the review status before the current
version).

Rows come as plain dicts of column values (geometries as Shapely objects); turning them into
JSON is the web layer's.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, null, select, true
from sqlalchemy.orm import Session, aliased

from clearground.domain.names import fold
from clearground.store import access, kinds
from clearground.store import tables as t
from clearground.store.repository import table_of
from clearground.store.users import Principal


def current_row(session: Session, kind: str, record_id: int) -> dict[str, Any]:
    """The current row of record ``record_id`` of ``kind`` (it must exist)."""
    table: Any = table_of(kind)
    row = session.execute(select(table.__table__).where(table.id == record_id)).mappings().one()
    return dict(row)


def readable_row(
    session: Session, who: Principal, kind: str, record_id: int
) -> dict[str, Any] | None:
    """The current row of the record if ``who``'s row rules let it read it, else None."""
    table: Any = table_of(kind)
    row = (
        session.execute(
            select(table.__table__).where(table.id == record_id, *access.row_filter(who, kind))
        )
        .mappings()
        .one_or_none()
    )
    return None if row is None else dict(row)


def list_page(
    session: Session,
    who: Principal,
    kind: str,
    fields: list[str],
    *,
    review_status: str | None = None,
    local_id_part: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[int, list[tuple[Any, ...]]]:
    """How many records of ``kind`` ``who`` may read pass the filters, and the ``fields`` of
    one page of them, last changed first."""
    table: Any = table_of(kind)
    where = [true(), *access.row_filter(who, kind)]
    if review_status:
        where.append(table.review_status == review_status)
    if local_id_part:
        where.append(table.local_id.contains(local_id_part, autoescape=True))
    total = session.execute(select(func.count()).select_from(table).where(*where)).scalar_one()
    rows = session.execute(
        select(*(getattr(table, c) for c in fields))
        .where(*where)
        .order_by(table.updated_at.desc(), table.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return int(total), [tuple(r) for r in rows]


def local_id_taken(session: Session, kind: str, local_id: str) -> bool:
    """Whether a record of ``kind`` already has ``local_id``."""
    table: Any = table_of(kind)
    return session.execute(select(table.id).where(table.local_id == local_id)).first() is not None


QUEUE_FIELDS = ("id", "local_id", "version", "updated_by", "updated_at", "rejection_reason")


def review_rows(
    session: Session, who: Principal, kind: str, status: str, limit: int
) -> list[tuple[Any, ...]]:
    """The ``QUEUE_FIELDS`` of the records of ``kind`` in review ``status`` that ``who`` sees
    in its queue, longest waiting first: an operator its organisation's rows (of kinds without
    an organisation column, those its organisation's users created)."""
    table: Any = kinds.TABLES[kind]
    where = [table.review_status == status, *_in_queue(who, kind, table)]
    about, joins = _about(kind, table)
    stmt: Any = select(*(getattr(table, c) for c in QUEUE_FIELDS), *about)
    for target, on in joins:
        stmt = stmt.outerjoin(target, on)
    rows = session.execute(stmt.where(*where).order_by(table.updated_at).limit(limit)).all()
    return [tuple(r) for r in rows]


def _in_queue(who: Principal, kind: str, table: Any) -> list[Any]:
    """The conditions on ``table``'s rows in ``who``'s queue: the row rules, and for an
    operator and a kind without an organisation column, those its organisation created."""
    where = list(access.row_filter(who, kind))
    if who.role == "operator" and not access.by_organisation(kind):
        where.append(access.created_by_organisation(kind, table, who.organisation_id))
    return where


def review_counts(session: Session, who: Principal, kind: str) -> dict[str, int]:
    """How many records of ``kind`` ``who`` sees in its queue, per review status."""
    table: Any = kinds.TABLES[kind]
    rows = session.execute(
        select(table.review_status, func.count())
        .where(*_in_queue(who, kind, table))
        .group_by(table.review_status)
    ).all()
    return {str(status): int(n) for status, n in rows}


ABOUT_FIELDS = ("name", "district", "organisation")
"""What the queue shows of each record besides ``QUEUE_FIELDS`` (None where the kind has it
not): its name (never a victim's: personal data), its district and its organisation."""


def _about(kind: str, table: Any) -> tuple[list[Any], list[tuple[Any, Any]]]:
    """The columns of ``ABOUT_FIELDS`` for ``kind`` and the outer joins they need."""
    desc = kinds.get(kind)
    joins: list[tuple[Any, Any]] = []
    shown = hasattr(table, "name") and desc.public != kinds.Public.NEVER
    name = table.name if shown else null()
    district: Any = null()
    if hasattr(table, "location_id"):
        loc = aliased(t.Location)
        joins.append((loc, loc.id == table.location_id))
        district = loc.name
    organisation: Any = null()
    owner_table, column = table, desc.owner.column
    if column is None and desc.owner.through is not None:
        ref = desc.reference_at(desc.owner.through)
        if ref is not None and hasattr(ref.table, "organisation_id"):
            via: Any = aliased(ref.table)
            joins.append((via, via.id == getattr(table, desc.owner.through)))
            owner_table, column = via, "organisation_id"
    if column is not None:
        org = aliased(t.Organisation)
        joins.append((org, org.id == getattr(owner_table, column)))
        organisation = org.name
    return [
        name.label("name"),
        district.label("district"),
        organisation.label("organisation"),
    ], joins


def written_since(
    session: Session, kind: str, user: str, since: dt.datetime
) -> list[dict[str, Any]]:
    """The current rows of ``kind`` that ``user`` created or changed at ``since`` or later."""
    table: Any = table_of(kind)
    found = session.execute(
        select(table.__table__).where(table.updated_by == user, table.updated_at >= since)
    ).mappings()
    return [dict(r) for r in found]


def statuses_before(session: Session, kind: str, rows: list[dict[str, Any]]) -> dict[int, Any]:
    """For records edited at least once: the review status of the version before the current."""
    out: dict[int, Any] = {}
    wanted = {r["id"]: r["version"] - 1 for r in rows}
    ids = list(wanted)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        found = session.execute(
            select(t.RecordVersion.record_id, t.RecordVersion.version, t.RecordVersion.data).where(
                t.RecordVersion.kind == kind, t.RecordVersion.record_id.in_(chunk)
            )
        ).all()
        out.update({rid: data.get("review_status") for rid, v, data in found if wanted[rid] == v})
    return out


def column_values(session: Session, table: Any, column: str) -> list[Any]:
    """Every value of ``column`` of ``table``, in order (the choices of a reference)."""
    col = getattr(table, column)
    return list(session.execute(select(col).order_by(col)).scalars().all())


def value_of(session: Session, table: Any, column: str, record_id: int) -> Any:
    """``column`` of the row ``record_id`` of ``table`` (None: no such row)."""
    return session.execute(
        select(getattr(table, column)).where(table.id == record_id)
    ).scalar_one_or_none()


def organisation_name(session: Session, organisation_id: int) -> str | None:
    """The name of organisation ``organisation_id`` (None: no such)."""
    if not 0 <= organisation_id < 2**31:
        return None
    name = value_of(session, t.Organisation, "name", organisation_id)
    return None if name is None else str(name)


LOCAL_ID_DIGITS = 5
"""Digits of the number of a proposed local id (``HAZ-AGD-00187``)."""


def district_prefix(name: str) -> str:
    """Three capital letters for a district (``Agdam District`` -> ``AGD``): its folded name
    without the words 'district' or 'rayon', letters only."""
    words = [w for w in fold(name).split() if w not in ("district", "rayon", "raion")]
    letters = "".join(c for c in "".join(words) if c.isascii() and c.isalpha())
    return letters[:3].upper() or "LOC"


def next_local_id(session: Session, kind: str, district: str | None) -> str:
    """A local id no record of ``kind`` has, for the form to propose: the kind's three
    letters, the district's (when known) and one more than the highest number already
    given after that prefix (``HAZ-AGD-00187``)."""
    table: Any = kinds.TABLES[kind]
    prefix = kinds.get(kind).singular[:3].upper() + "-"
    if district:
        prefix += district_prefix(district) + "-"
    taken = session.execute(
        select(table.local_id).where(
            table.local_id.like(prefix.replace("_", "\\_") + "%", escape="\\")
        )
    ).scalars()
    numbers = [int(rest) for lid in taken if (rest := lid[len(prefix) :]).isdigit()]
    return f"{prefix}{max(numbers, default=0) + 1:0{LOCAL_ID_DIGITS}d}"


def hazards_by_id(session: Session, ids: list[int]) -> list[tuple[int, str, Any]]:
    """(id, local id, geometry) of the hazards ``ids``."""
    if not ids:
        return []
    rows = session.execute(
        select(t.Hazard.id, t.Hazard.local_id, t.Hazard.geometry).where(t.Hazard.id.in_(ids))
    ).all()
    return [(int(r[0]), str(r[1]), r[2]) for r in rows]


def district_names(session: Session) -> list[str]:
    """The names of the districts, sorted (the form's suggestions for a district)."""
    rows = session.execute(
        select(t.Location.name).where(t.Location.kind == "district").order_by(t.Location.name)
    ).scalars()
    return [str(n) for n in rows]
