"""Reading records into data frames for the analyses, with the command-line filters.

Filters (``--from``, ``--until``, ``--district``, ``--organisation``) follow DESIGN.md: dates
are inclusive; a district matches its name, short name or any alternate name; an
organisation matches its name or short name and includes its subordinate units.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import pandas as pd
from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session, aliased

from clearground.domain.errors import BadInput
from clearground.domain.names import fold
from clearground.store import access, kinds
from clearground.store import tables as t
from clearground.store.repository.columns import table_of


@dataclass(frozen=True)
class Filters:
    """Selection of records; ``approved_only`` is the default for statistics."""

    date_from: dt.date | None = None
    date_until: dt.date | None = None
    district: str | None = None
    organisation: str | None = None
    approved_only: bool = True
    organisation_id: int | None = None
    """Only this organisation's own records, not its units' (an operator's exports)."""

    def as_dict(self) -> dict[str, Any]:
        return {
            "from": self.date_from.isoformat() if self.date_from else None,
            "until": self.date_until.isoformat() if self.date_until else None,
            "district": self.district,
            "organisation": self.organisation,
            "include_unapproved": not self.approved_only,
        }


def district_ids(session: Session, name: str) -> list[int]:
    """Ids of the districts called ``name`` (any spelling known), or a clear error."""
    rows = session.execute(
        select(t.Location.id, t.Location.name, t.Location.alt_names).where(
            t.Location.kind == "district"
        )
    ).all()
    want = fold(name)
    found = [rid for rid, n, alts in rows if want in {fold(n), *(fold(a) for a in (alts or []))}]
    if not found:
        spellings = {fold(a): n for _, n, alts in rows for a in [n, *(alts or [])]}
        close = difflib.get_close_matches(want, list(spellings), n=3, cutoff=0.6)
        near = sorted({spellings[c] for c in close})
        raise BadInput(
            f"no district called '{name}'",
            field="--district",
            value=name,
            fix=(f"Did you mean {', '.join(near)}? " if near else "")
            + "Run 'clearground export locations' to list the districts",
        )
    return found


def organisation_ids(session: Session, name: str) -> list[int]:
    """Ids of the organisation called ``name`` (name, short name or local id) and its units."""
    rows = session.execute(
        select(
            t.Organisation.id,
            t.Organisation.name,
            t.Organisation.short_name,
            t.Organisation.local_id,
            t.Organisation.parent_id,
        )
    ).all()
    want = fold(name)
    roots = [
        r.id for r in rows if want in {fold(r.name), fold(r.short_name or ""), fold(r.local_id)}
    ]
    if not roots:
        near = difflib.get_close_matches(name, [r.name for r in rows], n=3, cutoff=0.4)
        raise BadInput(
            f"no organisation called '{name}'",
            field="--organisation",
            value=name,
            fix=(f"Did you mean {'; '.join(near)}? " if near else "")
            + "Run 'clearground export organisations' to list them",
        )
    ids = set(roots)
    changed = True
    while changed:
        children = {r.id for r in rows if r.parent_id in ids} - ids
        changed = bool(children)
        ids |= children
    return sorted(ids)


def _frame(session: Session, stmt: Any) -> pd.DataFrame:
    result = session.execute(stmt)
    return pd.DataFrame(result.all(), columns=list(result.keys()))


def _dates(stmt: Any, column: Any, f: Filters) -> Any:
    if f.date_from:
        stmt = stmt.where(column >= f.date_from)
    if f.date_until:
        stmt = stmt.where(column <= f.date_until)
    return stmt


def apply_filters(
    session: Session,
    stmt: Any,
    f: Filters,
    *,
    date: Any = None,
    statuses: list[Any] | tuple[Any, ...] = (),
    location: Any = None,
    organisation: Any = None,
) -> Any:
    """``stmt`` with the filters applied through the given columns: ``date`` between ``--from``
    and ``--until``, every one of ``statuses`` approved (unless unapproved records are
    included), ``location`` in the district, ``organisation`` the organisation or one of its
    units. A filter whose column is not given does not apply. The one copy of the filter
    rules for statistics, exports and record accuracy."""
    if date is not None:
        stmt = _dates(stmt, date, f)
    if f.approved_only and statuses:
        stmt = stmt.where(and_(*(s == "approved" for s in statuses)))
    if f.district and location is not None:
        stmt = stmt.where(location.in_(district_ids(session, f.district)))
    if f.organisation and organisation is not None:
        stmt = stmt.where(organisation.in_(organisation_ids(session, f.organisation)))
    return stmt


def _filtered_frame(
    session: Session,
    stmt: Any,
    f: Filters,
    date: Any,
    statuses: list[Any],
    location: Any,
    organisation: Any,
) -> pd.DataFrame:
    """Apply the filters to ``stmt`` through the given columns; add a ``year`` column."""
    stmt = apply_filters(
        session, stmt, f, date=date, statuses=statuses, location=location, organisation=organisation
    )
    frame = _frame(session, stmt)
    frame["year"] = pd.to_datetime(frame[date.key]).dt.year.astype("Int64")
    return frame


def activities_frame(session: Session, f: Filters) -> pd.DataFrame:
    """One row per activity: result, method, kind, organisation, district, end date, area_m2."""
    org = aliased(t.Organisation)
    loc = aliased(t.Location)
    stmt: Any = (
        select(
            t.Activity.id,
            t.Activity.local_id,
            t.Activity.kind,
            t.Activity.result,
            t.Activity.method,
            t.Activity.end_date,
            t.Activity.area_m2,
            t.Activity.team_days,
            t.Activity.review_status,
            org.name.label("organisation"),
            loc.name.label("district"),
            t.Asset.kind.label("asset"),
        )
        .join(org, org.id == t.Activity.organisation_id)
        .outerjoin(t.Hazard, t.Hazard.id == t.Activity.hazard_id)
        .outerjoin(loc, loc.id == t.Hazard.location_id)
        .outerjoin(t.Asset, t.Asset.id == t.Activity.asset_id)
    )
    return _filtered_frame(
        session,
        stmt,
        f,
        t.Activity.end_date,
        [t.Activity.review_status],
        t.Hazard.location_id,
        t.Activity.organisation_id,
    )


def finds_frame(session: Session, f: Filters) -> pd.DataFrame:
    """One row per find: category, ordnance, quantity, date, organisation, district, method."""
    org = aliased(t.Organisation)
    loc = aliased(t.Location)
    stmt: Any = (
        select(
            t.Find.id,
            t.Find.quantity,
            t.Find.found_date,
            t.Find.review_status,
            t.Ordnance.code.label("ordnance"),
            t.Ordnance.category,
            org.name.label("organisation"),
            loc.name.label("district"),
            t.Activity.method,
        )
        .join(t.Ordnance, t.Ordnance.id == t.Find.ordnance_id)
        .outerjoin(t.Activity, t.Activity.id == t.Find.activity_id)
        .outerjoin(org, org.id == t.Activity.organisation_id)
        .outerjoin(loc, loc.id == t.Find.location_id)
    )
    return _filtered_frame(
        session,
        stmt,
        f,
        t.Find.found_date,
        [t.Find.review_status],
        t.Find.location_id,
        t.Activity.organisation_id,
    )


def victims_frame(session: Session, f: Filters) -> pd.DataFrame:
    """One row per victim: outcome, status, sex, age group, accident date, kind, district."""
    loc = aliased(t.Location)
    org = aliased(t.Organisation)
    stmt: Any = (
        select(
            t.Victim.id,
            t.Victim.outcome,
            t.Victim.status,
            t.Victim.sex,
            t.Victim.age_group,
            t.Accident.accident_date,
            t.Accident.kind,
            t.Ordnance.category.label("device_category"),
            loc.name.label("district"),
            org.name.label("organisation"),
            t.Activity.method,
        )
        .join(t.Accident, t.Accident.id == t.Victim.accident_id)
        .outerjoin(t.Ordnance, t.Ordnance.id == t.Accident.ordnance_id)
        .outerjoin(loc, loc.id == t.Accident.location_id)
        .outerjoin(t.Activity, t.Activity.id == t.Accident.activity_id)
        .outerjoin(org, org.id == t.Activity.organisation_id)
    )
    return _filtered_frame(
        session,
        stmt,
        f,
        t.Accident.accident_date,
        [t.Victim.review_status, t.Accident.review_status],
        t.Accident.location_id,
        t.Activity.organisation_id,
    )


FUNDING_UNFILTERED = ("district",)
"""Filters that funding figures do not follow (funding is not given to a place)."""


def funding_frames(session: Session, f: Filters) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Funding (with donor names) and exchange rates.

    ``--organisation`` keeps the funding it (or one of its units) received or gave; funding
    has no place, so ``--district`` does not apply to it (:data:`FUNDING_UNFILTERED`)."""
    stmt: Any = select(
        t.Funding.amount,
        t.Funding.currency,
        t.Funding.funding_date,
        t.Organisation.name.label("donor"),
    ).join(t.Organisation, t.Organisation.id == t.Funding.donor_id)
    stmt = _dates(stmt, t.Funding.funding_date, f)
    if f.organisation:
        ids = organisation_ids(session, f.organisation)
        stmt = stmt.where(t.Funding.recipient_id.in_(ids) | t.Funding.donor_id.in_(ids))
    if f.approved_only:
        stmt = stmt.where(t.Funding.review_status == "approved")
    rates = _frame(
        session,
        select(
            t.ExchangeRate.rate_date,
            t.ExchangeRate.currency,
            t.ExchangeRate.quote_currency,
            t.ExchangeRate.rate,
        ),
    )
    return _frame(session, stmt), rates


# --- exports -----------------------------------------------------------------------------------

HIDDEN = {"min_x", "min_y", "max_x", "max_y", "rows_geometry", "mines_geometry"}


def export_frame(session: Session, kind: str, f: Filters) -> gpd.GeoDataFrame | pd.DataFrame:
    """All records of a kind (every review status) with readable references, for export.

    ``recorded_mines`` gives one point per expected mine of each minefield record, with its
    ``record`` local id (the input ``clearground accuracy --records`` takes).
    """
    if kind == "recorded_mines":
        return recorded_mines_frame(session, f)
    table = table_of(kind)
    cols = [c for c in table.__table__.columns if c.key not in HIDDEN]  # type: ignore
    stmt: Any = select(*cols)
    date_col = kinds.get(kind).date
    if kind == "victims":
        stmt = stmt.join(t.Accident, t.Accident.id == t.Victim.accident_id)
        stmt = _dates(stmt, t.Accident.accident_date, f)
    elif date_col is not None and hasattr(table, date_col):
        stmt = _dates(stmt, getattr(table, date_col), f)
    if f.approved_only:
        stmt = stmt.where(table.review_status == "approved")  # type: ignore[attr-defined]
    if f.district:
        ids = district_ids(session, f.district)
        if kind == "activities":
            stmt = stmt.join(t.Hazard, t.Hazard.id == t.Activity.hazard_id).where(
                t.Hazard.location_id.in_(ids)
            )
        elif hasattr(table, "location_id"):
            stmt = stmt.where(table.location_id.in_(ids))  # type: ignore[attr-defined]
        else:
            raise BadInput(f"{kind} cannot be filtered by district", field="--district")
    if f.organisation:
        ids = organisation_ids(session, f.organisation)
        if hasattr(table, "organisation_id"):
            stmt = stmt.where(table.organisation_id.in_(ids))  # type: ignore[attr-defined]
        elif kind == "finds":
            stmt = stmt.join(t.Activity, t.Activity.id == t.Find.activity_id).where(
                t.Activity.organisation_id.in_(ids)
            )
        else:
            raise BadInput(f"{kind} cannot be filtered by organisation", field="--organisation")
    if f.organisation_id is not None:
        stmt = stmt.where(*access.organisation_filter(kind, f.organisation_id))
    frame = _frame(session, stmt.order_by(table.id))  # type: ignore[attr-defined]
    frame = _readable(session, kind, frame)
    for col in frame.columns:
        if frame[col].map(lambda v: isinstance(v, dict | list)).any():
            frame[col] = frame[col].map(
                lambda v: None if v is None else json.dumps(v, ensure_ascii=False)
            )
    if "geometry" in frame.columns:
        return gpd.GeoDataFrame(frame, geometry="geometry", crs=4326)
    return frame


def _names(session: Session, table: type[t.Base], column: str) -> dict[int, str]:
    return dict(session.execute(select(table.id, getattr(table, column))).all())  # type: ignore


def _readable(session: Session, kind: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Add names beside ids: organisation, district, hazard, ordnance and category."""
    if not len(frame):
        return frame
    lookups = {
        "organisation_id": ("organisation", t.Organisation, "name"),
        "donor_id": ("donor", t.Organisation, "name"),
        "recipient_id": ("recipient", t.Organisation, "name"),
        "location_id": ("district", t.Location, "name"),
        "hazard_id": ("hazard", t.Hazard, "local_id"),
        "activity_id": ("activity", t.Activity, "local_id"),
        "accident_id": ("accident", t.Accident, "local_id"),
        "handover_id": ("handover", t.Handover, "local_id"),
        "minefield_record_id": ("record", t.MinefieldRecord, "local_id"),
        "ordnance_id": ("ordnance", t.Ordnance, "code"),
    }
    for col, (name, table, attr) in lookups.items():
        if col in frame.columns and name not in frame.columns:
            frame[name] = frame[col].map(_names(session, table, attr))
    if "ordnance_id" in frame.columns:
        frame["category"] = frame["ordnance_id"].map(_names(session, t.Ordnance, "category"))
    codes: dict[int, str] | None = None
    for col, name in (("location_id", "district"), ("parent_id", "parent")):
        if col not in frame.columns or (col == "parent_id" and kind != "locations"):
            continue
        if name not in frame.columns:
            frame[name] = frame[col].map(_names(session, t.Location, "name"))
        # names repeat across parents (and two districts of Azerbaijan share one): the code
        # beside the name lets the file be imported again without ambiguity
        codes = _names(session, t.Location, "code") if codes is None else codes
        frame[f"{name}_code"] = frame[col].map(codes)
    return frame


def recorded_mines_frame(session: Session, f: Filters) -> gpd.GeoDataFrame:
    """Expected mine positions of the minefield records, one point each, with ``record``."""
    stmt: Any = select(
        t.MinefieldRecord.local_id,
        t.MinefieldRecord.mines_geometry,
        t.MinefieldRecord.review_status,
        t.Handover.local_id.label("handover"),
    )
    stmt = stmt.outerjoin(t.Handover, t.Handover.id == t.MinefieldRecord.handover_id)
    if f.approved_only:
        stmt = stmt.where(t.MinefieldRecord.review_status == "approved")
    if f.district:
        stmt = stmt.where(t.MinefieldRecord.location_id.in_(district_ids(session, f.district)))
    parts = []
    for local_id, mines, status, handover in session.execute(stmt):
        if mines is None:
            continue
        pts = list(getattr(mines, "geoms", [mines]))
        parts.append(
            gpd.GeoDataFrame(
                {
                    "record": local_id,
                    "handover": handover,
                    "mine_index": range(len(pts)),
                    "review_status": status,
                },
                geometry=pts,
                crs=4326,
            )
        )
    if not parts:
        return gpd.GeoDataFrame(
            {"record": [], "handover": [], "mine_index": [], "review_status": []},
            geometry=[],
            crs=4326,
        )
    return pd.concat(parts, ignore_index=True)


def filter_choices(session: Session) -> tuple[list[str], list[str]]:
    """Names for a filter form: every district, and the organisations with approved work."""
    districts = session.execute(
        select(t.Location.name)
        .where(t.Location.kind == "district")
        .distinct()
        .order_by(t.Location.name)
    ).scalars()
    organisations = session.execute(
        select(t.Organisation.name)
        .where(
            t.Organisation.id.in_(
                select(t.Activity.organisation_id).where(t.Activity.review_status == "approved")
            )
        )
        .order_by(t.Organisation.name)
    ).scalars()
    return [str(d) for d in districts], [str(o) for o in organisations]


def district_outlines(session: Session) -> list[tuple[str, Any]]:
    """(name, geometry) of every district."""
    rows = session.execute(
        select(t.Location.name, t.Location.geometry).where(t.Location.kind == "district")
    ).all()
    return [(str(n), g) for n, g in rows]


def approved_hazards_by_status(session: Session) -> dict[str, tuple[int, float]]:
    """For each hazard status: how many approved hazards, and their area together (m²)."""
    rows = session.execute(
        select(t.Hazard.status, func.count(), func.coalesce(func.sum(t.Hazard.area_m2), 0))
        .where(t.Hazard.review_status == "approved")
        .group_by(t.Hazard.status)
    ).all()
    return {str(s): (int(n), float(a or 0)) for s, n, a in rows}


# --- review by selection -----------------------------------------------------------------------


def review_selection(
    session: Session, kind: str, f: Filters, *, status: str, import_name: str | None = None
) -> list[int]:
    """Ids of the ``kind`` records in review ``status`` that the filters select (dates,
    district, organisation, as for exports) and, with ``import_name``, whose current version
    the import of that file wrote (``import eventos.csv``)."""
    table = table_of(kind)
    desc = kinds.get(kind)
    stmt: Any = select(table.id).where(table.review_status == status)  # type: ignore[attr-defined]
    owner = desc.owner.column
    stmt = apply_filters(
        session,
        stmt,
        Filters(f.date_from, f.date_until, f.district, f.organisation, approved_only=False),
        date=getattr(table, desc.date) if desc.date and hasattr(table, desc.date) else None,
        location=getattr(table, "location_id", None),
        organisation=getattr(table, owner) if owner and hasattr(table, owner) else None,
    )
    if f.district and not hasattr(table, "location_id"):
        raise BadInput(f"{kind} cannot be selected by district", field="--district")
    if f.organisation and not (owner and hasattr(table, owner)):
        raise BadInput(f"{kind} cannot be selected by organisation", field="--organisation")
    if import_name is not None:
        stmt = stmt.where(table.change_note == f"import {import_name}")  # type: ignore[attr-defined]
    return [int(i) for i in session.execute(stmt.order_by(table.id)).scalars()]  # type: ignore
