"""Reading what ``prioritise`` and ``forecast`` need from the database, as data frames.

Approved records only (as ``stats``). A hazard is *open on a date* when it was known by then
(``info_date`` on or before it, or no date), it still had area left (its area less what
activities ending on or before the date released), and it was not closed already: a hazard
now ``closed`` with no release after the date is taken as closed by then.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from clearground.domain.errors import BadInput
from clearground.domain.names import fold
from clearground.store import tables as t
from clearground.store.queries import district_ids, organisation_ids

RELEASING = ("cancelled", "reduced", "cleared")


def _frame(session: Session, stmt: Any) -> pd.DataFrame:
    result = session.execute(stmt)
    return pd.DataFrame(result.all(), columns=list(result.keys()))


def data_date(session: Session) -> dt.date | None:
    """The date the records run to: the latest activity end, accident or hazard information."""
    dates = [
        session.execute(
            select(func.max(t.Activity.end_date)).where(t.Activity.review_status == "approved")
        ).scalar(),
        session.execute(
            select(func.max(t.Accident.accident_date)).where(t.Accident.review_status == "approved")
        ).scalar(),
        session.execute(
            select(func.max(t.Hazard.info_date)).where(t.Hazard.review_status == "approved")
        ).scalar(),
    ]
    known = [d if isinstance(d, dt.date) else dt.date.fromisoformat(str(d)) for d in dates if d]
    return max(known) if known else None


def hazards_frame(
    session: Session,
    as_of: dt.date,
    district: str | None = None,
    *,
    with_geometry: bool = True,
) -> pd.DataFrame:
    """Every approved hazard known on ``as_of``, with what was released from it by then.

    Columns: ``hazard_id``, ``hazard`` (local id), ``name``, ``district``, ``kind``,
    ``status``, ``contamination``, ``blockages``, ``evidence``, ``has_record``, ``area_m2``,
    ``released_m2``, ``remaining_m2``, ``released_later_m2``, ``open`` and (a GeoDataFrame)
    ``geometry`` unless ``with_geometry`` is false.
    """
    loc = aliased(t.Location)
    stmt: Any = (
        select(
            t.Hazard.id.label("hazard_id"),
            t.Hazard.local_id.label("hazard"),
            t.Hazard.name,
            loc.name.label("district"),
            t.Hazard.kind,
            t.Hazard.status,
            t.Hazard.contamination,
            t.Hazard.blockages,
            t.Hazard.evidence,
            t.Hazard.minefield_record_id,
            t.Hazard.area_m2,
            t.Hazard.info_date,
            *([t.Hazard.geometry] if with_geometry else []),
        )
        .outerjoin(loc, loc.id == t.Hazard.location_id)
        .where(t.Hazard.review_status == "approved")
        .where((t.Hazard.info_date.is_(None)) | (t.Hazard.info_date <= as_of))
        .order_by(t.Hazard.id)
    )
    if district:
        stmt = stmt.where(t.Hazard.location_id.in_(district_ids(session, district)))
    frame = _frame(session, stmt)
    released = _released_by_hazard(session, as_of, before=True)
    later = _released_by_hazard(session, as_of, before=False)
    frame["area_m2"] = pd.to_numeric(frame["area_m2"]).fillna(0.0)
    frame["released_m2"] = frame["hazard_id"].map(released).fillna(0.0)
    frame["released_later_m2"] = frame["hazard_id"].map(later).fillna(0.0)
    frame["remaining_m2"] = (frame["area_m2"] - frame["released_m2"]).clip(lower=0.0)
    tol = np.maximum(1.0, 1e-6 * frame["area_m2"].to_numpy(float))
    closed_by_then = (frame["status"] == "closed") & (frame["released_later_m2"] <= 0)
    frame["open"] = (frame["remaining_m2"].to_numpy(float) > tol) & ~closed_by_then.to_numpy()
    frame["has_record"] = frame["minefield_record_id"].notna()
    frame["blockages"] = frame["blockages"].map(lambda b: list(b) if b else [])
    frame = frame.drop(columns=["info_date"])
    if not with_geometry:
        return frame
    return gpd.GeoDataFrame(frame, geometry="geometry", crs=4326)


def district_names(session: Session, name: str) -> set[str]:
    """The names of the districts called ``name`` (any known spelling), or a clear error."""
    ids = district_ids(session, name)
    return set(session.execute(select(t.Location.name).where(t.Location.id.in_(ids))).scalars())


def _released_by_hazard(session: Session, as_of: dt.date, *, before: bool) -> pd.Series:
    cond = t.Activity.end_date <= as_of if before else t.Activity.end_date > as_of
    rows = session.execute(
        select(t.Activity.hazard_id, func.sum(t.Activity.area_m2))
        .where(t.Activity.review_status == "approved")
        .where(t.Activity.result.in_(RELEASING))
        .where(t.Activity.hazard_id.is_not(None))
        .where(cond)
        .group_by(t.Activity.hazard_id)
    ).all()
    return pd.Series({hid: float(area or 0.0) for hid, area in rows}, dtype=float)


def activities_frame(session: Session, organisation: str | None = None) -> pd.DataFrame:
    """Approved releasing activities: ``hazard_id``, ``district``, ``result``, ``method``,
    ``end_date``, ``area_m2`` (of one organisation and its units when given)."""
    loc = aliased(t.Location)
    stmt: Any = (
        select(
            t.Activity.hazard_id,
            loc.name.label("district"),
            t.Activity.result,
            t.Activity.method,
            t.Activity.end_date,
            t.Activity.area_m2,
        )
        .outerjoin(t.Hazard, t.Hazard.id == t.Activity.hazard_id)
        .outerjoin(loc, loc.id == t.Hazard.location_id)
        .where(t.Activity.review_status == "approved")
        .where(t.Activity.result.in_(RELEASING))
        .where(t.Activity.end_date.is_not(None))
    )
    if organisation:
        stmt = stmt.where(t.Activity.organisation_id.in_(organisation_ids(session, organisation)))
    frame = _frame(session, stmt)
    frame["end_date"] = pd.to_datetime(frame["end_date"])
    frame["area_m2"] = pd.to_numeric(frame["area_m2"]).fillna(0.0)
    return frame


def assets_frame(session: Session, organisation: str | None = None) -> pd.DataFrame:
    """Approved assets: ``asset``, ``kind``, ``method``, ``productivity_m2_per_day``,
    ``in_service_from``, ``organisation``."""
    stmt: Any = (
        select(
            t.Asset.local_id.label("asset"),
            t.Asset.kind,
            t.Asset.method,
            t.Asset.productivity_m2_per_day,
            t.Asset.in_service_from,
            t.Organisation.name.label("organisation"),
        )
        .join(t.Organisation, t.Organisation.id == t.Asset.organisation_id)
        .where(t.Asset.review_status == "approved")
    )
    if organisation:
        stmt = stmt.where(t.Asset.organisation_id.in_(organisation_ids(session, organisation)))
    return _frame(session, stmt)


def places_frame(session: Session) -> pd.DataFrame:
    """Settlements: ``name``, ``alt_names``, ``district``, ``population``, ``lon``, ``lat``."""
    parent = aliased(t.Location)
    frame = _frame(
        session,
        select(
            t.Location.name,
            t.Location.alt_names,
            parent.name.label("district"),
            t.Location.population,
            t.Location.geometry,
        )
        .outerjoin(parent, parent.id == t.Location.parent_id)
        .where(t.Location.kind == "settlement")
        .where(t.Location.review_status == "approved")
        .where(t.Location.geometry.is_not(None))
        .order_by(t.Location.id),
    )
    return _with_lonlat(frame)


def accidents_frame(session: Session, until: dt.date) -> pd.DataFrame:
    """Accidents and incidents up to ``until``: ``date``, ``victims``, ``lon``, ``lat``."""
    victims = (
        select(t.Victim.accident_id, func.count().label("victims"))
        .where(t.Victim.review_status == "approved")
        .group_by(t.Victim.accident_id)
        .subquery()
    )
    frame = _frame(
        session,
        select(
            t.Accident.local_id.label("accident"),
            t.Accident.accident_date.label("date"),
            func.coalesce(victims.c.victims, 0).label("victims"),
            t.Accident.geometry,
        )
        .outerjoin(victims, victims.c.accident_id == t.Accident.id)
        .where(t.Accident.review_status == "approved")
        .where(t.Accident.accident_date <= until)
        .where(t.Accident.geometry.is_not(None))
        .order_by(t.Accident.id),
    )
    frame["date"] = pd.to_datetime(frame["date"])
    frame["victims"] = pd.to_numeric(frame["victims"]).astype(float)
    return _with_lonlat(frame)


def _with_lonlat(frame: pd.DataFrame) -> pd.DataFrame:
    geoms = np.asarray(frame["geometry"].values, dtype=object)
    xy = shapely.get_coordinates(shapely.centroid(geoms)) if len(geoms) else np.empty((0, 2))
    frame = frame.drop(columns=["geometry"])
    frame["lon"] = xy[:, 0]
    frame["lat"] = xy[:, 1]
    return frame


def return_sites(
    places: pd.DataFrame,
    settlements: Sequence[str],
    districts: Sequence[str],
    points: Sequence[Any],
    session: Session,
    source: str | None = None,
) -> pd.DataFrame:
    """Planned return and reconstruction sites: named settlements, every settlement of named
    districts, and points given by lon/lat. Columns ``name``, ``lon``, ``lat``.

    A name that matches no settlement (or district) is refused, with the closest spellings.
    """
    keys = [
        {fold(str(n)), *(fold(str(a)) for a in (alts or []))}
        for n, alts in zip(places["name"], places["alt_names"], strict=True)
    ]
    chosen: list[int] = []
    for name in settlements:
        want = fold(name)
        hit = [i for i, k in enumerate(keys) if want in k]
        if not hit:
            near = difflib.get_close_matches(
                name, list(places["name"].astype(str)), n=3, cutoff=0.6
            )
            raise BadInput(
                f"no settlement called '{name}'",
                field="returns.settlements",
                value=name,
                source=source,
                fix=(f"Did you mean {', '.join(near)}? " if near else "")
                + "Run 'clearground export locations' to list the settlements",
            )
        chosen.extend(hit)
    for name in districts:
        try:
            ids = district_ids(session, name)
        except BadInput as exc:
            exc.field = "returns.districts"
            exc.source = source
            raise
        names = set(
            session.execute(select(t.Location.name).where(t.Location.id.in_(ids))).scalars()
        )
        chosen.extend(np.flatnonzero(places["district"].isin(names)).tolist())
    sel = places.iloc[sorted(set(chosen))]
    rows = [
        *(
            {"name": n, "lon": x, "lat": y}
            for n, x, y in zip(sel["name"], sel["lon"], sel["lat"], strict=True)
        ),
        *({"name": p.name, "lon": p.lon, "lat": p.lat} for p in points),
    ]
    return pd.DataFrame(rows, columns=["name", "lon", "lat"])


def priority_inputs(
    session: Session,
    when: dt.date,
    district: str | None,
    returns: tuple[Sequence[str], Sequence[str], Sequence[Any]],
    source: str | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """What prioritisation reads on ``when``: hazards (of ``district`` or all), places,
    accidents until then, and the return sites named by ``returns`` (settlements, districts,
    lon/lat points; see ``return_sites``)."""
    hazards = hazards_frame(session, when, district)
    places = places_frame(session)
    accidents = accidents_frame(session, when)
    settlements, districts, points = returns
    sites = return_sites(places, settlements, districts, points, session, source)
    return hazards, places, accidents, sites
