"""Spatial filters: an R*Tree on SQLite, the GiST index (``&&``) on PostGIS.

Both return candidates by bounding box; exact predicates are applied with Shapely.
"""

from __future__ import annotations

from typing import Any

import shapely
from shapely.geometry import box
from sqlalchemy import (
    ColumnElement,
    Integer,
    LargeBinary,
    and_,
    any_,
    bindparam,
    func,
    select,
    text,
    type_coerce,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from clearground.domain.errors import BadInput
from clearground.store import tables as t
from clearground.store.repository.columns import table_of

BBox = tuple[float, float, float, float]


def check_bbox(bbox: BBox) -> BBox:
    """Refuse a bounding box that is not (min lon, min lat, max lon, max lat) in degrees."""
    x0, y0, x1, y1 = bbox
    if not (-180 <= x0 <= x1 <= 180 and -90 <= y0 <= y1 <= 90):
        raise BadInput(
            "a bounding box is min lon, min lat, max lon, max lat in degrees",
            field="bbox",
            value=bbox,
            fix="e.g. 46.5,39.5,47.5,40.2",
        )
    return bbox


def bbox_clause(session: Session, kind: str, bbox: BBox) -> ColumnElement[bool]:
    """A WHERE clause selecting records of ``kind`` whose bounding box meets ``bbox``.

    On PostGIS: ``geometry && ST_MakeEnvelope(...)`` (uses the GiST index). On SQLite: the
    ids found in the kind's R*Tree (a table of ``SPATIAL_TABLES``), else a test of the stored
    box of each row.
    """
    x0, y0, x1, y1 = check_bbox(bbox)
    table: Any = table_of(kind)
    if not hasattr(table, "geometry") or not hasattr(table, "min_x"):
        raise BadInput(f"{kind} have no geometry to filter by", field="bbox")
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return table.geometry.op("&&")(func.ST_MakeEnvelope(x0, y0, x1, y1, 4326))
    if table not in t.SPATIAL_TABLES:  # no R*Tree: its stored box, row by row
        return and_(table.max_x >= x0, table.min_x <= x1, table.max_y >= y0, table.min_y <= y1)
    rtree = text(
        f"SELECT id FROM rtree_{table.__tablename__} "
        "WHERE max_x >= :x0 AND min_x <= :x1 AND max_y >= :y0 AND min_y <= :y1"
    ).bindparams(x0=x0, x1=x1, y0=y0, y1=y1)
    return table.id.in_(rtree)


def ids_intersecting(session: Session, kind: str, bbox: BBox) -> list[int]:
    """Ids of the records of ``kind`` whose geometry intersects ``bbox`` exactly."""
    table: Any = table_of(kind)
    rows = session.execute(
        select(table.id, table.geometry).where(bbox_clause(session, kind, bbox))
    ).all()
    if not rows:
        return []
    geoms = [g for _, g in rows]
    hit = shapely.intersects(geoms, box(*bbox))
    return sorted(int(rid) for (rid, _), ok in zip(rows, hit, strict=True) if ok)


def wkb(session: Session, column: Any) -> ColumnElement[Any]:
    """A geometry column read as WKB bytes, to be decoded at once (``shapely.from_wkb`` of a
    whole page) rather than row by row by ``GeometryType``: ``ST_AsBinary`` on PostGIS, the
    stored bytes on SQLite."""
    if session.get_bind().dialect.name == "postgresql":
        return func.ST_AsBinary(column, type_=LargeBinary)
    return type_coerce(column, LargeBinary)


def id_in(session: Session, table: Any, ids: list[int]) -> ColumnElement[bool]:
    """``id`` is one of ``ids`` (at most 10,000): on PostgreSQL ``= ANY`` of one array
    parameter, so that the statement is the same for every page and its prepared form is
    reused; on SQLite ``IN`` (within its 32,766 bound parameters)."""
    if session.get_bind().dialect.name == "postgresql":
        return table.id == any_(bindparam("page_ids", ids, type_=ARRAY(Integer)))
    return table.id.in_(ids)
