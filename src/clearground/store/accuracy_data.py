"""What ``clearground accuracy`` reads from the database (its file-less mode).

The layers are those the analysis takes from files (``clearground.analysis.accuracy``), all
in EPSG:4326:

- recorded mines: one point per expected mine of each minefield record (``record``,
  ``handover``, ``district``);
- perimeters: the records' polygons (``record``, ``handover``, ``district``);
- finds: points (``district``);
- searched ground: the polygons of activities whose result is ``cleared``. Land cancelled by
  non-technical survey or reduced by technical survey was not searched mine by mine, so a
  recorded mine there is unknown, not missing; cleared land is where finds come from;
- accidents: points (``kind``: accident or incident).

Filters (DESIGN.md): ``--until`` keeps records known by then (information date), finds and
accidents up to then, and ground cleared by then; ``--from`` keeps finds, accidents and
clearance from then on; ``--district`` keeps records, hazards' activities, finds and
accidents of the district; ``--organisation`` keeps the clearance and finds of that
organisation and its units (records and accidents are not anyone's work). Approved records
only unless ``approved_only`` is false.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from clearground.store import tables as t
from clearground.store.queries import Filters, apply_filters


@dataclass
class AccuracyInputs:
    """The layers of the accuracy analysis, read from the database (EPSG:4326)."""

    recorded: gpd.GeoDataFrame
    perimeters: gpd.GeoDataFrame
    finds: gpd.GeoDataFrame
    searched: gpd.GeoSeries
    accidents: gpd.GeoDataFrame
    finds_without_position: int = 0
    accidents_without_position: int = 0


def _points_frame(rows: list[Any], columns: list[str]) -> tuple[gpd.GeoDataFrame, int]:
    """Rows ``(*attributes, x, y)``; those without coordinates are counted, not kept."""
    frame = pd.DataFrame(rows, columns=[*columns, "x", "y"])
    missing = frame["x"].isna() | frame["y"].isna()
    frame = frame[~missing].reset_index(drop=True)
    geometry = gpd.points_from_xy(frame.pop("x").astype(float), frame.pop("y").astype(float))
    return gpd.GeoDataFrame(frame, geometry=geometry, crs=4326), int(missing.sum())


def records_frames(session: Session, f: Filters) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Recorded mines (one point each) and record perimeters, with handover and district."""
    loc = aliased(t.Location)
    stmt: Any = (
        select(
            t.MinefieldRecord.local_id,
            t.Handover.local_id.label("handover"),
            loc.name.label("district"),
            t.MinefieldRecord.geometry,
            t.MinefieldRecord.mines_geometry,
        )
        .outerjoin(t.Handover, t.Handover.id == t.MinefieldRecord.handover_id)
        .outerjoin(loc, loc.id == t.MinefieldRecord.location_id)
        .order_by(t.MinefieldRecord.id)
    )
    # a record handed over by --until counts (no --from: a record stays a record)
    if f.date_until:
        stmt = stmt.where(
            (t.MinefieldRecord.info_date.is_(None)) | (t.MinefieldRecord.info_date <= f.date_until)
        )
    stmt = apply_filters(
        session,
        stmt,
        f,
        statuses=[t.MinefieldRecord.review_status],
        location=t.MinefieldRecord.location_id,
    )
    ids, handovers, districts, perims = [], [], [], []
    mine_record, mine_xy = [], []
    for local_id, handover, district, perimeter, mines in session.execute(stmt):
        ids.append(local_id)
        handovers.append(handover)
        districts.append(district)
        perims.append(perimeter)
        if mines is not None and not mines.is_empty:
            xy = shapely.get_coordinates(mines)
            mine_xy.append(xy)
            mine_record.extend([(local_id, handover, district)] * len(xy))
    perimeters = gpd.GeoDataFrame(
        {"record": ids, "handover": handovers, "district": districts},
        geometry=gpd.GeoSeries(perims, crs=4326),
        crs=4326,
    )
    perimeters = perimeters[perimeters.geometry.notna()].reset_index(drop=True)
    xy = np.vstack(mine_xy) if mine_xy else np.empty((0, 2))
    attrs = pd.DataFrame(mine_record, columns=["record", "handover", "district"])
    recorded = gpd.GeoDataFrame(attrs, geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=4326)
    return recorded, perimeters


def finds_frame(session: Session, f: Filters) -> tuple[gpd.GeoDataFrame, int]:
    """Finds as points with their district; and how many have no position."""
    loc = aliased(t.Location)
    stmt: Any = (
        select(t.Find.local_id, loc.name.label("district"), t.Find.min_x, t.Find.min_y)
        .outerjoin(loc, loc.id == t.Find.location_id)
        .order_by(t.Find.id)
    )
    if f.organisation:
        stmt = stmt.join(t.Activity, t.Activity.id == t.Find.activity_id)
    stmt = apply_filters(
        session,
        stmt,
        f,
        date=t.Find.found_date,
        statuses=[t.Find.review_status],
        location=t.Find.location_id,
        organisation=t.Activity.organisation_id,
    )
    return _points_frame(list(session.execute(stmt)), ["find", "district"])


def searched_areas(session: Session, f: Filters) -> gpd.GeoSeries:
    """Polygons of the ground cleared (searched for mines) by the filtered activities."""
    stmt: Any = select(t.Activity.geometry).where(t.Activity.result == "cleared")
    if f.district:
        stmt = stmt.join(t.Hazard, t.Hazard.id == t.Activity.hazard_id)
    stmt = apply_filters(
        session,
        stmt,
        f,
        date=t.Activity.end_date,
        statuses=[t.Activity.review_status],
        location=t.Hazard.location_id,
        organisation=t.Activity.organisation_id,
    )
    geoms = [g for g in session.execute(stmt).scalars() if g is not None]
    return gpd.GeoSeries(geoms, crs=4326)


def accidents_frame(session: Session, f: Filters) -> tuple[gpd.GeoDataFrame, int]:
    """Accidents and incidents as points with their kind; and how many have no position."""
    stmt: Any = select(
        t.Accident.local_id, t.Accident.kind, t.Accident.min_x, t.Accident.min_y
    ).order_by(t.Accident.id)
    stmt = apply_filters(
        session,
        stmt,
        f,
        date=t.Accident.accident_date,
        statuses=[t.Accident.review_status],
        location=t.Accident.location_id,
    )
    return _points_frame(list(session.execute(stmt)), ["accident", "kind"])


def accuracy_inputs(session: Session, f: Filters) -> AccuracyInputs:
    """Everything the accuracy analysis needs, under the filters."""
    recorded, perimeters = records_frames(session, f)
    finds, finds_missing = finds_frame(session, f)
    accidents, accidents_missing = accidents_frame(session, f)
    return AccuracyInputs(
        recorded=recorded,
        perimeters=perimeters,
        finds=finds,
        searched=searched_areas(session, f),
        accidents=accidents,
        finds_without_position=finds_missing,
        accidents_without_position=accidents_missing,
    )
