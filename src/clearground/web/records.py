"""The REST API for records: read, create, edit, review (submit, approve, reject), history,
diff and revert.

Every write goes through ``Registry`` (one new version per change, optimistic locking) after
the intake layer's checks (``clearground.intake.entry``). An edit names the version it was
based on; if someone saved in between, the answer is 409 ``stale_version`` with the record as
it is now and the other person's changes field by field, and nothing is written.

Who may do what (``Access``):

- ``admin`` and ``im_officer`` read and write every kind, review, and revert.
- ``manager`` reads every kind and approves or rejects tasks.
- ``operator`` reads hazards, minefield records, accidents, ordnance, organisations,
  locations and handovers, and only its own organisation's activities, finds, tasks and
  assets; it writes hazards, records, activities, finds, accidents and tasks of its own
  organisation (a record without an organisation column belongs to the organisation of the
  user who created it), only while they are drafts or rejected, and submits them for review.
- ``donor`` reads the approved funding records of its own organisation.
- ``public`` (and anonymous) reads nothing here: aggregates are on ``/api/summary``, the
  dashboard and the coarsened OGC layers.

Victims' personal data are read and written by ``admin`` and ``im_officer`` only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any

import shapely
from fastapi import APIRouter, Depends, Path, Query, Request, Response
from pydantic import BaseModel, Field
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Date
from sqlalchemy.orm import Session

from clearground.domain.dates import read_known_date
from clearground.domain.errors import BadInput, StaleVersion
from clearground.domain.sameness import same_value
from clearground.intake.entry import check_record
from clearground.store import access, kinds
from clearground.store import record_reads as reads
from clearground.store import tables as t
from clearground.store.repository import (
    BBOX,
    DERIVED,
    SYSTEM_COLUMNS,
    Registry,
    columns_of,
    table_of,
    to_json_value,
)
from clearground.store.types import GeometryType
from clearground.store.users import Principal
from clearground.web.auth import ApiError, CurrentUser, check_write, store_of

REVIEWERS = kinds.REVIEWERS
MAX_INT = 2**31 - 1
"""Ids and offsets above this (32-bit ``Integer`` columns on PostgreSQL) match nothing."""
HIDDEN = frozenset(BBOX)
BOOKKEEPING = frozenset({"version", "updated_by", "updated_at", "change_note", *HIDDEN})
"""Not part of a record's content in diffs and edits (the box is derived from the geometry)."""
EDITABLE_BY_OPERATOR = frozenset({"draft", "rejected"})


# --- who may do what ------------------------------------------------------------------------


def _deny(who: Principal, what: str) -> ApiError:
    if who.anonymous:
        return ApiError(401, "unauthorized", "sign in or send an API token")
    return ApiError(403, "forbidden", f"the role '{who.role}' may not {what}")


def check_kind(kind: str) -> type[t.Base]:
    try:
        return table_of(kind)
    except BadInput:
        raise ApiError(
            404,
            "not_found",
            f"no record kind '{kind}'; kinds: {', '.join(kinds.KINDS)}",
            "kind",
        ) from None


def may_read_kind(who: Principal, kind: str) -> bool:
    """Whether ``who`` reads records of ``kind`` (the descriptor's readers)."""
    return access.may_read(who, kind)


def operator_writes(kind: str) -> bool:
    """Whether operators enter records of ``kind`` (their own organisation's)."""
    return "operator" in kinds.get(kind).writers


def check_may_write(who: Principal, kind: str) -> None:
    if not access.may_write(who, kind):
        raise _deny(who, f"write {kind}")
    if who.role == "operator" and who.organisation_id is None:
        raise ApiError(403, "forbidden", "an operator user needs an organisation to write")


def check_may_edit(who: Principal, session: Session, kind: str, current: dict) -> None:
    """Reviewers edit anything; operators their organisation's drafts and rejected records."""
    check_may_write(who, kind)
    if who.role in REVIEWERS:
        return
    owner = access.owner_of(session, kind, current["id"], current)
    if owner != who.organisation_id:
        raise ApiError(403, "forbidden", "this record belongs to another organisation")
    if current["review_status"] not in EDITABLE_BY_OPERATOR:
        raise ApiError(
            409,
            "locked",
            f"the record is {current['review_status']}; operators change drafts and "
            "rejected records only",
            "review_status",
        )


def _owner_field(kind: str) -> str:
    """The input field that says whose a record of ``kind`` is (for error messages): the
    reference naming its organisation, or the record it belongs through; else its local id."""
    kind_ = kinds.get(kind)
    ref = kind_.reference_at(kind_.owner.column or kind_.owner.through)
    return ref.name if ref is not None else "local_id"


def check_owned_write(who: Principal, session: Session, kind: str, record_id: int) -> None:
    """After a write, before its commit: an operator's record must still be its own
    organisation's (403 otherwise; the caller's transaction is then rolled back). Checked on
    the record as written, so a reference given by local id (a find's ``activity``) or changed
    by an edit is judged as the database resolved it, not as the request spelled it."""
    if who.role in REVIEWERS:
        return
    current = reads.current_row(session, kind, record_id)
    through = kinds.get(kind).owner.through
    field = _owner_field(kind)
    if through is not None and current.get(through) is None:
        raise ApiError(
            403,
            "forbidden",
            f"{kind} {current.get('local_id') or record_id} names no {field}; an "
            f"operator's {kind} name the {field} (of its own organisation) they belong to",
            field,
        )
    if access.owner_of(session, kind, record_id, current) != who.organisation_id:
        raise ApiError(
            403,
            "forbidden",
            f"{kind} {current.get('local_id') or record_id} would belong to another "
            "organisation; operators write their own organisation's records",
            field,
        )


def _listed(names: list[str], at_most: int = 5) -> str:
    shown = ", ".join(names[:at_most])
    return shown + (f" and {len(names) - at_most} more" if len(names) > at_most else "")


def check_owned_import(who: Principal, session: Session, kind: str, since: dt.datetime) -> None:
    """After an operator's import wrote its rows, before the commit: every record it created
    or changed (``updated_by`` the operator, ``updated_at`` since the import began) must be the
    operator's organisation's, and every record it changed must have been a draft or rejected
    before: the same rules as :func:`check_owned_write` and :func:`check_may_edit` on the API.
    Raises :class:`BadInput` naming the records (the import is then rolled back whole)."""
    if who.role in REVIEWERS:
        return
    written = reads.written_since(session, kind, who.name, since)
    if not written:
        return
    org = who.organisation_id
    changed = [r for r in written if r["version"] > 1]
    owners = access.owners_of(session, kind, written)

    def name(row: dict[str, Any]) -> str:
        return str(row.get("local_id") or row["id"])

    foreign = [name(r) for r in written if owners.get(r["id"]) != org]
    if foreign:
        raise BadInput(
            f"{len(foreign)} of the {kind} belong to another organisation: {_listed(foreign)}",
            field=_owner_field(kind),
            fix="Operators import their own organisation's records only; give new records "
            "their own local ids, and ask an IM officer to change another organisation's",
        )
    before = reads.statuses_before(session, kind, changed)
    locked = [
        f"{name(r)} ({before.get(r['id'])})"
        for r in changed
        if before.get(r["id"]) not in EDITABLE_BY_OPERATOR
    ]
    if locked:
        raise BadInput(
            f"{len(locked)} of the {kind} were already submitted or approved: {_listed(locked)}",
            field="local_id",
            fix="Operators change drafts and rejected records only; ask an IM officer to "
            "reject the record (it then comes back to you to correct), or leave it out",
        )


def check_may_review(who: Principal, kind: str) -> None:
    if who.anonymous:
        raise _deny(who, "review")
    if not access.may_review(who, kind):
        raise _deny(who, f"approve or reject {kind}")


# --- values in and out ------------------------------------------------------------------------


def json_value(value: Any) -> Any:
    """A column value for JSON: geometries as GeoJSON, dates ISO 8601."""
    if isinstance(value, BaseGeometry):
        return shapely.geometry.mapping(value)
    return to_json_value(value)


def record_json(kind: str, row: dict[str, Any]) -> dict[str, Any]:
    """A record as the API gives it: fields, the geometry as GeoJSON, and its review state."""
    values = {k: json_value(v) for k, v in row.items() if k not in HIDDEN and k != "id"}
    return {"kind": kind, "id": row["id"], **values}


def parse_values(kind: str, values: dict[str, Any]) -> dict[str, Any]:
    """Values from JSON as the registry takes them: GeoJSON to Shapely, ISO dates to dates."""
    cols = columns_of(table_of(kind))
    partial = kinds.KINDS[kind].rules.known_dates if kind in kinds.KINDS else ()
    out: dict[str, Any] = {}
    for name, value in values.items():
        col = cols.get(name)
        if name in partial and isinstance(value, str) and read_known_date(value) is not None:
            out[name] = value  # known to its year or month (2004-06), or unknown
            continue
        if col is not None and isinstance(col.type, GeometryType) and value is not None:
            try:
                out[name] = value if isinstance(value, BaseGeometry) else shape(value)
            except (TypeError, ValueError, AttributeError, KeyError, IndexError) as exc:
                raise ApiError(
                    400, "bad_geometry", f"cannot read the geometry as GeoJSON: {exc}", name
                ) from None
        elif col is not None and isinstance(col.type, Date) and isinstance(value, str) and value:
            try:
                out[name] = dt.date.fromisoformat(value[:10])
            except ValueError:
                raise ApiError(
                    400,
                    "bad_date",
                    f"cannot read '{value}' as a date (YYYY-MM-DD"
                    + (
                        ", or YYYY-MM or YYYY when only the month or year is known)"
                        if name in partial
                        else ")"
                    ),
                    name,
                ) from None
        elif value == "":
            out[name] = None
        else:
            out[name] = value
    return out


def changes_between(old: dict[str, Any], new: dict[str, Any]) -> list[dict[str, Any]]:
    """Fields whose value differs from ``old`` to ``new``: ``[{field, old, new}]``."""
    out = []
    for name in sorted(set(old) | set(new)):
        if name in BOOKKEEPING or name == "id":
            continue
        a, b = old.get(name), new.get(name)
        if not same_value(a, b):
            out.append({"field": name, "old": json_value(a), "new": json_value(b)})
    return out


def history_json(registry: Registry, kind: str, record_id: int) -> list[dict[str, Any]]:
    """Every version, oldest first, with who, when, why and what changed field by field."""
    versions = registry.history(kind, record_id)
    out = []
    previous: dict[str, Any] = {}
    for v in versions:
        data = v["data"]
        out.append(
            {
                "version": v["version"],
                "changed_by": v["changed_by"],
                "changed_at": json_value(v["changed_at"]),
                "note": v["note"],
                "review_status": data.get("review_status"),
                "changes": changes_between(previous, data) if previous else [],
            }
        )
        previous = data
    return out


def _version_data(registry: Registry, kind: str, record_id: int, version: int) -> dict:
    for v in registry.history(kind, record_id):
        if v["version"] == version:
            data: dict[str, Any] = v["data"]
            return data
    raise ApiError(404, "not_found", f"{kind} {record_id} has no version {version}", "version")


# --- routes -----------------------------------------------------------------------------------

router = APIRouter(prefix="/api", tags=["records"])
RecordId = Annotated[int, Path(ge=1, le=MAX_INT, description="the record's id")]
Writer = Depends(check_write)


def load_readable(session: Session, who: Principal, kind: str, record_id: int) -> dict[str, Any]:
    """The current record if ``who`` may read it (404 otherwise, so ids cannot be probed)."""
    check_kind(kind)
    if not may_read_kind(who, kind):
        raise _deny(who, f"read {kind}")
    row = reads.readable_row(session, who, kind, record_id)
    if row is None:
        raise ApiError(404, "not_found", f"no {kind} with id {record_id}", "id")
    return row


def _stale(registry: Registry, kind: str, record_id: int, based_on: int, exc: BadInput) -> ApiError:
    """409 with the record as it is now and what the other person changed since ``based_on``."""
    current = registry.get(kind, record_id)
    try:
        seen = _version_data(registry, kind, record_id, based_on)
        theirs = changes_between(seen, current)
    except ApiError:
        theirs = []
    return ApiError(
        409,
        "stale_version",
        exc.message,
        "version",
        {
            "current": record_json(kind, current),
            "their_changes": theirs,
            "changed_by": current["updated_by"],
            "fix": "Reload the record, look at the other change, and apply yours again",
        },
    )


def _issues_error(issues: list[Any]) -> ApiError:
    first = issues[0]
    return ApiError(
        400,
        first.check,
        first.describe("record"),
        first.field,
        {"issues": [{"field": i.field, "reason": i.reason, "fix": i.fix} for i in issues]},
    )


class RecordList(BaseModel):
    kind: str
    total: int
    items: list[dict[str, Any]]


@router.get("/records/{kind}")
def list_records(
    request: Request,
    kind: str,
    who: CurrentUser,
    review_status: str | None = None,
    q: Annotated[str | None, Query(description="part of the local id")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_INT)] = 0,
) -> RecordList:
    """Records of one kind the user may read, newest first (no geometry; see /ogc)."""
    table: Any = check_kind(kind)
    if not may_read_kind(who, kind):
        raise _deny(who, f"read {kind}")
    cols = columns_of(table)
    shown = [
        c
        for c in ("name", "kind", "status", "result", "method", "info_date", "area_m2")
        if c in cols
    ]
    fields = ["id", "local_id", "version", "review_status", "updated_by", "updated_at", *shown]
    with store_of(request).session() as session:
        total, rows = reads.list_page(
            session,
            who,
            kind,
            fields,
            review_status=review_status,
            local_id_part=q,
            limit=limit,
            offset=offset,
        )
    items = [{f: json_value(v) for f, v in zip(fields, r, strict=True)} for r in rows]
    return RecordList(kind=kind, total=total, items=items)


@router.get("/records/{kind}/{record_id}")
def get_record(
    request: Request, kind: str, record_id: RecordId, who: CurrentUser
) -> dict[str, Any]:
    """One record, current version, with its geometry as GeoJSON."""
    with store_of(request).session() as session:
        return record_json(kind, load_readable(session, who, kind, record_id))


class NewRecord(BaseModel):
    values: dict[str, Any] = Field(
        description="field -> value; references by name (e.g. 'hazard': 'HAZ-1'); "
        "'geometry' as a GeoJSON geometry in lon/lat"
    )
    submit: bool = Field(False, description="submit for review at once (else a draft)")


class Saved(BaseModel):
    kind: str
    id: int
    version: int
    review_status: str
    warnings: list[dict[str, Any]] = []


@router.post("/records/{kind}", status_code=201, dependencies=[Writer])
def create_record(
    request: Request, kind: str, body: NewRecord, who: CurrentUser, response: Response
) -> Saved:
    """Create a record as a draft (or submitted), checked as an import row would be."""
    check_kind(kind)
    check_may_write(who, kind)
    values = parse_values(kind, dict(body.values))
    # an operator's record is its organisation's unless named (by id, name or short name): a
    # name is resolved by the registry, and another organisation's record refused once written
    column = access.owner_column(kind)
    unnamed = column is not None and values.get(column) is None and not values.get("organisation")
    if who.role == "operator" and column is not None and unnamed:
        values.pop("organisation", None)
        values[column] = who.organisation_id
    status = "submitted" if body.submit else "draft"
    with store_of(request).session(write=True) as session:
        registry = Registry(session, user=who.name)
        issues = check_record(registry, kind, values)
        errors = [i for i in issues if i.severity == "error"]
        if errors:
            raise _issues_error(errors)
        lid = values.get("local_id")
        if lid and reads.local_id_taken(session, kind, str(lid)):
            raise ApiError(409, "duplicate", f"local id '{lid}' is already used", "local_id")
        record_id = registry.add(kind, values, status=status)
        check_owned_write(who, session, kind, record_id)
        row = registry.get(kind, record_id)
    response.headers["Location"] = f"/api/records/{kind}/{record_id}"
    warnings = [
        {"field": i.field, "reason": i.reason, "fix": i.fix}
        for i in issues
        if i.severity == "warning"
    ]
    return Saved(
        kind=kind, id=record_id, version=1, review_status=row["review_status"], warnings=warnings
    )


class Edit(BaseModel):
    version: int = Field(description="the version the editor started from")
    values: dict[str, Any] = Field(description="fields to change; geometry as GeoJSON")
    note: str | None = Field(None, description="why (kept in the history)")


class Transition(BaseModel):
    version: int = Field(description="the version the reviewer looked at")
    reason: str | None = Field(None, description="required to reject: what must be corrected")


class Revert(BaseModel):
    version: int = Field(description="the current version the reviewer looked at")
    to_version: int = Field(description="the version whose content becomes current again")


def _save(
    registry: Registry, kind: str, record_id: int, based_on: int, write: Callable[[], object]
) -> Saved:
    """Run ``write`` (an edit of the record based on version ``based_on``) in a savepoint:
    if the record moved on meanwhile, nothing is left behind and the answer is 409 with the
    other person's changes; otherwise the new state is told (the store bumps the data version
    when the transaction commits)."""
    try:
        with registry.session.begin_nested():
            write()
    except StaleVersion as exc:
        raise _stale(registry, kind, record_id, based_on, exc) from None
    row = registry.get(kind, record_id)
    return Saved(
        kind=kind, id=record_id, version=row["version"], review_status=row["review_status"]
    )


@router.put("/records/{kind}/{record_id}", dependencies=[Writer])
def edit_record(
    request: Request, kind: str, record_id: RecordId, body: Edit, who: CurrentUser
) -> Saved:
    """Save changes as a new version. 409 ``stale_version`` if someone saved in between."""
    with store_of(request).session(write=True) as session:
        current = load_readable(session, who, kind, record_id)
        check_may_edit(who, session, kind, current)
        changes = parse_values(kind, dict(body.values))
        for name in SYSTEM_COLUMNS:
            if name in changes and name not in DERIVED:
                raise ApiError(
                    400,
                    "not_editable",
                    f"{name} is not edited directly; use the review actions",
                    name,
                )
        corrected = who.role == "operator" and current["review_status"] == "rejected"
        registry = Registry(session, user=who.name)
        merged = {k: v for k, v in current.items() if k not in BOOKKEEPING and k != "id"}
        merged.update(changes)
        issues = [i for i in check_record(registry, kind, merged) if i.severity == "error"]
        if issues:
            raise _issues_error(issues)

        def write() -> None:
            registry.edit(
                kind,
                record_id,
                body.version,
                changes,
                note=body.note,
                review="draft" if corrected else None,  # corrected: a draft, then resubmitted
            )
            check_owned_write(who, session, kind, record_id)

        return _save(registry, kind, record_id, body.version, write)


def _transition(
    request: Request,
    who: Principal,
    kind: str,
    record_id: int,
    body: Transition,
    status: str,
    allowed_from: tuple[str, ...],
) -> Saved:
    with store_of(request).session(write=True) as session:
        current = load_readable(session, who, kind, record_id)
        if status == "submitted":
            check_may_edit(who, session, kind, current)
        else:
            check_may_review(who, kind)
        # a stale request is refused by the registry (409 stale_version) before the status
        # it saw is judged; only a current one can be the wrong status
        if current["version"] == body.version and current["review_status"] not in allowed_from:
            raise ApiError(
                409,
                "wrong_status",
                f"a {current['review_status']} record cannot become {status} "
                f"(only from {' or '.join(allowed_from)})",
                "review_status",
            )
        registry = Registry(session, user=who.name)
        return _save(
            registry,
            kind,
            record_id,
            body.version,
            lambda: registry.set_review_status(kind, record_id, body.version, status, body.reason),
        )


@router.post("/records/{kind}/{record_id}/submit", dependencies=[Writer])
def submit_record(
    request: Request, kind: str, record_id: RecordId, body: Transition, who: CurrentUser
) -> Saved:
    """Submit a draft (or a corrected rejected record) for review."""
    return _transition(request, who, kind, record_id, body, "submitted", ("draft", "rejected"))


@router.post("/records/{kind}/{record_id}/approve", dependencies=[Writer])
def approve_record(
    request: Request, kind: str, record_id: RecordId, body: Transition, who: CurrentUser
) -> Saved:
    """Approve a submitted record: it then counts in the figures and public layers."""
    return _transition(request, who, kind, record_id, body, "approved", ("submitted",))


@router.post("/records/{kind}/{record_id}/reject", dependencies=[Writer])
def reject_record(
    request: Request, kind: str, record_id: RecordId, body: Transition, who: CurrentUser
) -> Saved:
    """Reject a submitted (or approved) record with the reason; it goes back to its author."""
    if not (body.reason or "").strip():
        raise ApiError(400, "reason_required", "a rejection needs a reason", "reason")
    return _transition(request, who, kind, record_id, body, "rejected", ("submitted", "approved"))


@router.post("/records/{kind}/{record_id}/revert", dependencies=[Writer])
def revert_record(
    request: Request, kind: str, record_id: RecordId, body: Revert, who: CurrentUser
) -> Saved:
    """Make an earlier version's content current again, as a new version (reviewers only)."""
    with store_of(request).session(write=True) as session:
        load_readable(session, who, kind, record_id)
        if who.role not in REVIEWERS:
            raise _deny(who, "revert records")
        registry = Registry(session, user=who.name)
        _version_data(registry, kind, record_id, body.to_version)
        return _save(
            registry,
            kind,
            record_id,
            body.version,
            lambda: registry.revert(kind, record_id, body.version, body.to_version),
        )


@router.get("/records/{kind}/{record_id}/history")
def record_history(
    request: Request, kind: str, record_id: RecordId, who: CurrentUser
) -> list[dict[str, Any]]:
    """Every version, oldest first: who, when, why, review status, changes field by field."""
    with store_of(request).session() as session:
        load_readable(session, who, kind, record_id)
        return history_json(Registry(session), kind, record_id)


@router.get("/records/{kind}/{record_id}/diff")
def record_diff(
    request: Request,
    kind: str,
    record_id: RecordId,
    who: CurrentUser,
    from_version: Annotated[int, Query(alias="from", ge=1)],
    to_version: Annotated[int | None, Query(alias="to", ge=1)] = None,
) -> dict[str, Any]:
    """The changes, field by field, from one version to another (default: to the current)."""
    with store_of(request).session() as session:
        current = load_readable(session, who, kind, record_id)
        registry = Registry(session)
        target = to_version or current["version"]
        old = _version_data(registry, kind, record_id, from_version)
        new = _version_data(registry, kind, record_id, target)
        return {
            "kind": kind,
            "id": record_id,
            "from": from_version,
            "to": target,
            "changes": changes_between(old, new),
        }


def queue_kinds(who: Principal) -> list[str]:
    """The kinds in ``who``'s review queue: those it may read and act on (an operator the
    kinds it writes, a manager the kinds it reviews); refused for other roles."""
    if who.anonymous or who.role not in ("admin", "im_officer", "manager", "operator"):
        raise _deny(who, "see the review queue")
    out = []
    for kind in [k.name for k in kinds.KINDS.values() if k.in_review_queue]:
        if not may_read_kind(who, kind):
            continue
        if who.role == "operator" and not operator_writes(kind):
            continue
        if who.role == "manager" and not access.may_review(who, kind):
            continue  # nothing a manager can do with another kind's submission
        out.append(kind)
    return out


def review_counts(request: Request, who: Principal) -> dict[str, int]:
    """How many records ``who``'s queue holds in each review status (the page's tabs)."""
    totals: dict[str, int] = {}
    with store_of(request).session() as session:
        for kind in queue_kinds(who):
            for status, n in reads.review_counts(session, who, kind).items():
                totals[status] = totals.get(status, 0) + n
    return totals


@router.get("/review")
def review_queue(
    request: Request,
    who: CurrentUser,
    status: Annotated[str, Query(pattern="^(draft|submitted|approved|rejected)$")] = "submitted",
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[dict[str, Any]]:
    """Records waiting in a review state across kinds: for reviewers, every organisation's;
    for operators, their own organisation's (their drafts, submissions and rejections); for
    managers, the kinds they review (tasks). Each with its name, district and organisation."""
    out: list[dict[str, Any]] = []
    with store_of(request).session() as session:
        for kind in queue_kinds(who):
            rows = reads.review_rows(session, who, kind, status, limit)
            out.extend(
                {
                    "kind": kind,
                    "id": r[0],
                    "local_id": r[1],
                    "version": r[2],
                    "updated_by": r[3],
                    "updated_at": json_value(r[4]),
                    "rejection_reason": r[5],
                    "review_status": status,
                    "name": r[6],
                    "district": r[7],
                    "organisation": r[8],
                }
                for r in rows
            )
    out.sort(key=lambda r: str(r["updated_at"]))
    return out[:limit]
