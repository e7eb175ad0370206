"""The features of the spatial record kinds as each role may read them: one SQL provider for
OGC API Features (pages, items, extents) and the map, on SQLite and PostGIS alike.

What each collection serves (``COLLECTIONS``: table, date column, properties for staff and
for the public) and the role rules of positions live here: roles that read exact positions
(``access.READERS``) get geometries as stored; donors and the public get approved records
only, each as its centroid snapped to the 0.1° grid (``coarse``), and a box is matched
against that point, so it cannot probe exact positions. The row rules (an operator's own
organisation's activities and finds) are ``store/access.py``'s. Only the spatial filter and
the reading of geometries differ between the databases (``store/spatial.py``).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import shapely
from shapely.geometry import Point, box
from shapely.geometry.base import BaseGeometry
from sqlalchemy import ColumnElement, and_, false, func, or_, select, true
from sqlalchemy.orm import Session

from clearground.store import access, kinds
from clearground.store import tables as t
from clearground.store.access import READERS
from clearground.store.spatial import BBox, bbox_clause, id_in, wkb
from clearground.store.users import Principal

GRID_DEG = 0.1
"""Side of the grid that positions are coarsened to for donors and the public (degrees)."""


@dataclass(frozen=True)
class Collection:
    id: str
    kind: str  # record kind (a key of kinds.KINDS), for bbox_clause
    table: Any
    title: str
    date: str | None  # the column the ``datetime`` parameter filters on
    properties: tuple[str, ...]  # for roles that read exact data
    public_properties: tuple[str, ...]  # for public and donors
    sensitive: bool = True  # coarsened for public and donors
    public: bool = True  # public and donors see its approved records as coarse points (else none)


DISTRICTS = Collection(
    "districts",
    "locations",
    t.Location,
    "Districts",
    None,
    ("name", "code", "population"),
    ("name", "code", "population"),
    sensitive=False,
)
"""The districts (locations of kind district): public, exact, not a record kind's collection."""


def of_kind(kind: kinds.Kind) -> Collection:
    """The collection of a kind that has one (its descriptor's ``collection``)."""
    c = kind.collection
    assert c is not None, kind.name
    return Collection(
        kind.name,
        kind.name,
        kind.table,
        c.title,
        c.date or kind.date,
        c.properties,
        c.public_properties,
        public=kind.public is kinds.Public.COARSE,
    )


def _collection_ids() -> list[str]:
    """The kinds' collections, in the order of the collections, then the districts."""
    return [*(k.name for k in kinds.with_collection()), DISTRICTS.id]


def _collection(id_: str) -> Collection:
    if id_ == DISTRICTS.id:
        return DISTRICTS
    kind = kinds.KINDS.get(id_)
    if kind is None or kind.collection is None:
        raise KeyError(id_)
    return of_kind(kind)


COLLECTIONS: Mapping[str, Collection] = kinds.Live(_collection_ids, _collection)
"""Every collection of OGC API Features by id (from the kinds' descriptors)."""


def coarse(geom: BaseGeometry) -> Point:
    """The centroid of ``geom`` snapped to the 0.1° grid."""
    c = geom.centroid
    return Point(
        round(round(c.x / GRID_DEG) * GRID_DEG, 1), round(round(c.y / GRID_DEG) * GRID_DEG, 1)
    )


def exact_for(who: Principal, col: Collection) -> bool:
    """Whether ``who`` reads the exact positions of ``col`` (else coarse points, approved
    records only)."""
    return not col.sensitive or (who.role in READERS and not who.anonymous)


def shared_for(who: Principal, col: Collection) -> bool:
    """Whether the role gets the answer everyone without exact access gets (coarse, approved
    only), or one that is the same for every role (districts): such answers are cached."""
    return not col.sensitive or not exact_for(who, col)


def filters(who: Principal, col: Collection) -> list[ColumnElement[bool]]:
    table = col.table
    where: list[ColumnElement[bool]] = []
    if col.id == "districts":
        where.append(t.Location.kind == "district")
    if not exact_for(who, col):
        where.append(table.review_status == "approved" if col.public else false())
    where.extend(access.row_filter(who, col.kind))
    return where


def outward(bbox: Sequence[float]) -> list[float]:
    """``bbox`` widened to the nodes of the 0.1° grid around it (min down, max up)."""
    x0, y0, x1, y1 = (v / GRID_DEG for v in bbox)
    # rounded to 6 places first, so that a value on a node (46.9 / 0.1 = 468.99999999999994)
    # stays on it
    lo = [math.floor(round(v, 6)) * GRID_DEG for v in (x0, y0)]
    hi = [math.ceil(round(v, 6)) * GRID_DEG for v in (x1, y1)]
    return [
        round(max(-180.0, lo[0]), 1),
        round(max(-90.0, lo[1]), 1),
        round(min(180.0, hi[0]), 1),
        round(min(90.0, hi[1]), 1),
    ]


def extent(session: Session, col: Collection, who: Principal) -> list[float] | None:
    """The bounding box of the records of ``col`` that ``who`` may read: exact for roles that
    read exact positions, else of approved records only, widened to the 0.1° grid."""
    table = col.table
    row = session.execute(
        select(
            func.min(table.min_x),
            func.min(table.min_y),
            func.max(table.max_x),
            func.max(table.max_y),
        ).where(true(), *filters(who, col))
    ).one()
    if row[0] is None:
        return None
    bbox = [float(v) for v in row]
    return bbox if exact_for(who, col) else outward(bbox)


def decoded(rows: Sequence[Any]) -> list[tuple[Any, ...]]:
    """Rows (id, WKB, ...) with their WKB made Shapely geometries (None stays None)."""
    geoms = shapely.from_wkb([r[1] for r in rows]) if rows else []
    return [(r[0], g, *r[2:]) for r, g in zip(rows, geoms, strict=True)]


def page_ids(
    session: Session,
    col: Collection,
    where: list[ColumnElement[bool]],
    bbox: BBox,
    offset: int,
    limit: int,
) -> tuple[int, list[int]]:
    """How many records (passing ``where``) have an exact geometry meeting ``bbox``, and the
    ids, ascending, of those from ``offset`` to ``offset + limit``.

    A record whose bounding box (``min_x`` .. ``max_y``, degrees, kept from its geometry on
    every write) lies inside ``bbox`` meets it: those are counted and paged by the database
    without any geometry being read. Only the geometries of the other candidates of the
    spatial index (R*Tree / GiST), those crossing the edge of the box, are read and tested in
    Shapely.
    """
    table = col.table
    x0, y0, x1, y1 = bbox
    near = bbox_clause(session, col.kind, bbox)
    inside_n = 0
    ids: list[int] = []
    crossing: list[ColumnElement[bool]] = []
    if x0 < x1 and y0 < y1:  # a box with an inside (not a line or a point)
        inside = and_(table.min_x >= x0, table.min_y >= y0, table.max_x <= x1, table.max_y <= y1)
        first = session.execute(
            select(table.id, func.count().over())
            .where(near, *where, inside)
            .order_by(table.id)
            .limit(offset + limit)
        ).all()
        inside_n = int(first[0][1]) if first else 0
        ids = [int(r[0]) for r in first]
        bounds = (table.min_x, table.min_y, table.max_x, table.max_y)
        crossing.append(
            or_(
                *(c.is_(None) for c in bounds),
                table.min_x < x0,
                table.min_y < y0,
                table.max_x > x1,
                table.max_y > y1,
            )
        )
    edge = session.execute(
        select(table.id, wkb(session, table.geometry)).where(near, *where, *crossing)
    ).all()
    edge_n = 0
    if edge:
        hit = shapely.intersects(shapely.from_wkb([r[1] for r in edge]), box(*bbox))
        kept = [int(r[0]) for r, ok in zip(edge, hit, strict=True) if ok]
        edge_n = len(kept)
        ids.extend(kept)
    # the first offset + limit of all hits are among the first offset + limit of those inside
    # and the hits crossing the edge
    return inside_n + edge_n, sorted(ids)[offset : offset + limit]


def page_rows(
    session: Session,
    col: Collection,
    who: Principal,
    *,
    bbox: BBox | None,
    interval: tuple[dt.date | None, dt.date | None] | None,
    limit: int,
    offset: int,
) -> tuple[Sequence[Any], int, tuple[str, ...], bool]:
    """The rows of one page (id, geometry, properties...), the number matched, the property
    names and whether geometries are exact, as the role may see them."""
    table = col.table
    exact = exact_for(who, col)
    names = col.properties if exact else col.public_properties
    where = filters(who, col)
    if interval is not None and col.date is not None:
        column = getattr(table, col.date)
        start, end = interval
        if start is not None:
            where.append(column >= start)
        if end is not None:
            where.append(column <= end)
    cols = [table.id, wkb(session, table.geometry), *(getattr(table, n) for n in names)]
    if bbox is None:
        matched = session.execute(
            select(func.count()).select_from(table).where(true(), *where)
        ).scalar_one()
        rows = decoded(
            session.execute(
                select(*cols).where(true(), *where).order_by(table.id).limit(limit).offset(offset)
            ).all()
        )
    elif exact:
        # the ids that meet the box first (reading few geometries), then only the page's rows
        matched, page = page_ids(session, col, where, bbox, offset, limit)
        rows = []
        if page:
            rows = decoded(
                session.execute(
                    select(*cols).where(id_in(session, table, page)).order_by(table.id)
                ).all()
            )
    else:
        # candidates by bounding box (R*Tree / GiST), then the test on the coarse point, so
        # the box is widened to reach it
        wide = (
            max(-180.0, bbox[0] - GRID_DEG),
            max(-90.0, bbox[1] - GRID_DEG),
            min(180.0, bbox[2] + GRID_DEG),
            min(90.0, bbox[3] + GRID_DEG),
        )
        candidates = decoded(
            session.execute(
                select(*cols).where(bbox_clause(session, col.kind, wide), *where).order_by(table.id)
            ).all()
        )
        area = box(*bbox)
        geoms = [coarse(r[1]) if r[1] is not None else None for r in candidates]
        hit = [g is not None and area.intersects(g) for g in geoms]
        kept = [r for r, ok in zip(candidates, hit, strict=True) if ok]
        matched = len(kept)
        rows = kept[offset : offset + limit]
    return rows, int(matched), names, exact


def item_row(
    session: Session, col: Collection, who: Principal, fid: int
) -> tuple[Any, tuple[str, ...], bool] | None:
    """The row (id, geometry, properties...) of feature ``fid`` if ``who`` may read it, with
    the property names and whether its geometry is exact for ``who``."""
    table = col.table
    exact = exact_for(who, col)
    names = col.properties if exact else col.public_properties
    row = session.execute(
        select(table.id, table.geometry, *(getattr(table, n) for n in names)).where(
            table.id == fid, *filters(who, col)
        )
    ).first()
    if row is None:
        return None
    return row, names, exact
