"""The map's layers and their in-memory indexes (``LayerIndex``), read from the database; and
the other reads of the map (its features by id, names for their ids, the first view).

Each layer of the map draws one geometry column of one record kind: its descriptor is a
``MapLayer`` of the kind's (``store/kinds.py``), and ``SPECS`` joins it to the kind's
collection (its table and role rules, shared with OGC API Features). Its index holds, for
every feature with a geometry, its id, bounding box, centroid, 0.1° grid node, review status,
date, hazard status, district and organisation as NumPy arrays, so the map's filters, box test
and clustering (``web/maps.py``) are array operations. ``build_index`` reads it in two queries
through the session's own DBAPI cursor; the web app keeps it in its cache (``web/maps.py``
``layer_index``), rebuilt when the data version changed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely
from sqlalchemy import func, null, select
from sqlalchemy.orm import Session, aliased

from clearground.domain.enums import HazardStatus, ReviewStatus
from clearground.store import features, kinds
from clearground.store import tables as t
from clearground.store.spatial import BBox, bbox_clause, wkb
from clearground.store.users import Principal

GRID_DEG = features.GRID_DEG
_GRID_STEPS = round(1 / GRID_DEG)  # grid nodes per degree: node k lies at k / _GRID_STEPS
NO_DAY = np.iinfo(np.int32).min
NO_ID = -1


@dataclass(frozen=True)
class LayerSpec:
    """Where a layer's features come from: its descriptor (``kinds.MapLayer``) with the
    collection of its kind (table, record kind and role rules, shared with /ogc)."""

    layer: str
    collection: features.Collection
    map: kinds.MapLayer

    @property
    def kind(self) -> str:
        """The record kind in URLs (``/records/{kind}/{id}``)."""
        return self.collection.kind

    @property
    def geometry(self) -> str:
        """The geometry column drawn."""
        return self.map.geometry

    @property
    def date(self) -> str:
        """The column ``from``/``until`` filter on."""
        return str(self.collection.date or "info_date")

    @property
    def properties(self) -> tuple[str, ...]:
        """Sent with each exact feature."""
        return self.map.properties or self.collection.properties

    @property
    def has_organisation(self) -> bool:
        """Whether the organisation filter applies to the layer."""
        return self.map.organisation is not None or self.map.worked_by is not None


def _spec(name: str) -> LayerSpec:
    for kind, layer in kinds.map_layers():
        if layer.name == name:
            return LayerSpec(name, features.of_kind(kind), layer)
    raise KeyError(name)


SPECS: Mapping[str, LayerSpec] = kinds.Live(
    lambda: [layer.name for _, layer in kinds.map_layers()], _spec
)
"""Every layer of the map by name."""

HAZARD_STATUSES = [s.value for s in HazardStatus]
REVIEW_STATUSES = [s.value for s in ReviewStatus]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
IdArray = npt.NDArray[np.int32]  # ids of referenced records, grid steps, days
SmallArray = npt.NDArray[np.int8]  # codes of a short list
BoolArray = npt.NDArray[np.bool_]


# --- the index -----------------------------------------------------------------------------


@dataclass(frozen=True)
class LayerIndex:
    """Every feature of a layer that has a geometry, one array element each, ordered by id.

    Coordinates in degrees; ``day``: days since 1970-01-01 (``NO_DAY`` when none); codes index
    ``REVIEW_STATUSES`` and ``HAZARD_STATUSES`` (-1: other or none); ids ``NO_ID`` when none.
    """

    ids: IntArray
    min_x: FloatArray  # for points, min_x, max_x and cx are one array (and so for y)
    min_y: FloatArray
    max_x: FloatArray
    max_y: FloatArray
    cx: FloatArray  # centroid of the geometry
    cy: FloatArray
    node_x: IdArray  # features.coarse of the geometry, as grid steps (node k at k / _GRID_STEPS)
    node_y: IdArray
    review: SmallArray
    day: IdArray
    status: SmallArray
    district: IdArray
    organisation: IdArray
    # hazards: (hazard id, organisation id) of their activities, for the organisation filter
    worked_by: tuple[IdArray, IdArray] = field(
        default=(np.zeros(0, np.int32), np.zeros(0, np.int32))
    )

    def __len__(self) -> int:
        return len(self.ids)

    def meets(self, bbox: BBox) -> BoolArray:
        """Features whose bounding box meets ``bbox`` (the test the spatial index makes)."""
        x0, y0, x1, y1 = bbox
        out: BoolArray = (
            (self.max_x >= x0) & (self.min_x <= x1) & (self.max_y >= y0) & (self.min_y <= y1)
        )
        return out

    def node_in(self, bbox: BBox) -> BoolArray:
        """Features whose 0.1° grid node lies in ``bbox`` (the coarse test of /ogc)."""
        x0, y0, x1, y1 = bbox
        nx = self.node_x / _GRID_STEPS
        ny = self.node_y / _GRID_STEPS
        out: BoolArray = (nx >= x0) & (nx <= x1) & (ny >= y0) & (ny <= y1)
        return out


def _through(table: Any, path: str | None, joins: list[tuple[Any, Any]]) -> Any:
    """The column ``path`` names for ``table``'s rows: its own column, or ``ref.column`` of
    the record its reference column ``ref`` names (a join added to ``joins``); null for none."""
    if path is None:
        return null()
    if "." not in path:
        return getattr(table, path)
    ref_column, column = path.split(".", 1)
    kind = kinds.of_table(table)
    ref = kind.reference_at(ref_column)
    assert ref is not None, path
    target: Any = aliased(ref.table)
    joins.append((target, target.id == getattr(table, ref_column)))
    return getattr(target, column)


def _index_select(spec: LayerSpec) -> Any:
    table = spec.collection.table
    joins: list[tuple[Any, Any]] = []
    status: Any = table.status if spec.map.status else null()
    district = _through(table, spec.map.district, joins)
    organisation = _through(table, spec.map.organisation, joins)
    stmt: Any = select(
        table.id,
        table.min_x,
        table.min_y,
        table.max_x,
        table.max_y,
        table.review_status,
        getattr(table, spec.date),
        status.label("status"),
        district.label("district"),
        organisation.label("organisation"),
    ).where(getattr(table, spec.geometry).is_not(None))
    for target, on in joins:
        stmt = stmt.outerjoin(target, on)
    return stmt.order_by(table.id)


def _worked_by(session: Session, spec: LayerSpec) -> tuple[IdArray, IdArray]:
    """(record id, organisation) pairs of the layer's records and the organisations of the
    records of ``spec.map.worked_by`` that name them (a hazard and who worked it)."""
    if spec.map.worked_by is None:
        return np.zeros(0, np.int32), np.zeros(0, np.int32)
    worker = kinds.get(spec.map.worked_by)
    ref = next(r for r in worker.references if r.target == spec.kind)
    table: Any = worker.table
    names = getattr(table, ref.column)
    pairs = session.execute(
        select(names, getattr(table, str(worker.owner.column))).where(names.is_not(None)).distinct()
    ).all()
    return _ints([p[0] for p in pairs]), _ints([p[1] for p in pairs])


def _codes(values: Any, names: list[str]) -> SmallArray:
    out = np.full(len(values), -1, dtype=np.int8)
    arr = np.asarray(values, dtype=object)
    for i, name in enumerate(names):
        out[arr == name] = i
    return out


def _ints(values: Any) -> IdArray:
    """Record ids (32-bit ``Integer`` columns) with ``NO_ID`` for none."""
    arr = np.asarray(values, dtype=object)
    out: IdArray = np.full(len(arr), NO_ID, dtype=np.int32)
    given = np.array([v is not None for v in arr], dtype=bool)
    out[given] = arr[given].astype(np.int32)
    return out


def _columns(session: Session, stmt: Any, n: int) -> list[Any]:
    """The result of ``stmt`` (which has no parameters) as ``n`` column tuples of driver values.

    Read through the session's own DBAPI cursor, in its transaction: for a whole layer, making
    a SQLAlchemy row object per feature would cost more than everything else together. Dates
    come as ISO text on SQLite, as dates on PostgreSQL; both read as ``datetime64``.
    """
    conn = session.connection()
    sql = str(stmt.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
    raw = conn.connection.driver_connection
    assert raw is not None
    cursor = raw.cursor()
    try:
        cursor.execute(sql)
        rows = cursor.fetchall()
    finally:
        cursor.close()
    return list(zip(*rows, strict=True)) if rows else [()] * n


def _same(a: FloatArray, b: FloatArray) -> FloatArray:
    """``b``, or ``a`` itself when they are equal (points: one array for min, max and centre)."""
    return a if np.array_equal(a, b) else b


def build_index(session: Session, spec: LayerSpec) -> LayerIndex:
    """Read the index of a layer: one query for the attributes, one for the geometries whose
    centroid is not their bounding box (all but points)."""
    table = spec.collection.table
    cols = _columns(session, _index_select(spec), 10)
    ids = np.array(cols[0], dtype=np.int64)
    min_x, min_y, max_x, max_y = (np.array(c, dtype=np.float64) for c in cols[1:5])
    cx, cy = min_x, min_y  # a point is its own centroid
    geom = getattr(table, spec.geometry)
    shaped = select(table.id, wkb(session, geom)).where(geom.is_not(None))
    if spec.geometry == "geometry":  # the stored box is the drawn geometry's
        shaped = shaped.where((table.min_x < table.max_x) | (table.min_y < table.max_y))
    their_ids, wkbs = _columns(session, shaped, 2)
    if their_ids and len(ids):
        their = np.array(their_ids, dtype=np.int64)
        where = np.minimum(np.searchsorted(ids, their), len(ids) - 1)
        known = ids[where] == their  # rows written between the two queries are left out
        at = where[known]
        geoms = shapely.from_wkb(list(wkbs))
        centre = shapely.centroid(geoms)
        cx, cy = min_x.copy(), min_y.copy()
        cx[at] = shapely.get_x(centre)[known]
        cy[at] = shapely.get_y(centre)[known]
        if spec.geometry != "geometry":  # its own box, not the stored one (the geometry's)
            bounds = shapely.bounds(geoms)[known]
            min_x, min_y, max_x, max_y = (a.copy() for a in (min_x, min_y, max_x, max_y))
            min_x[at], min_y[at], max_x[at], max_y[at] = bounds.T
    dates = np.array(cols[6], dtype="datetime64[D]")
    day = np.where(np.isnat(dates), NO_DAY, dates.astype(np.int64))
    ok = np.isfinite(cx) & np.isfinite(cy) & np.isfinite(min_x) & np.isfinite(max_y)

    def keep(a: Any, dtype: Any = None) -> Any:
        a = a if ok.all() else a[ok]
        return a if dtype is None else a.astype(dtype, copy=False)

    worked_by = _worked_by(session, spec)
    lo_x, lo_y = keep(min_x), keep(min_y)
    mid_x, mid_y = keep(cx), keep(cy)
    return LayerIndex(
        ids=keep(ids),
        min_x=lo_x,
        min_y=lo_y,
        max_x=_same(lo_x, keep(max_x)),
        max_y=_same(lo_y, keep(max_y)),
        cx=_same(lo_x, mid_x),
        cy=_same(lo_y, mid_y),
        # as features.coarse: round(x / 0.1), half to even, like Python's round
        node_x=np.round(mid_x / GRID_DEG).astype(np.int32),
        node_y=np.round(mid_y / GRID_DEG).astype(np.int32),
        review=keep(_codes(cols[5], REVIEW_STATUSES)),
        day=keep(day, np.int32),
        status=keep(_codes(cols[7], HAZARD_STATUSES)),
        district=keep(_ints(cols[8])),
        organisation=keep(_ints(cols[9])),
        worked_by=worked_by,
    )


def feature_rows(
    session: Session, spec: LayerSpec, who: Principal, ids: list[int], bbox: BBox
) -> tuple[list[Any], list[str]]:
    """The rows (id, WKB of the drawn geometry, ``spec.properties``..., ids of district,
    organisation, ordnance) of the features ``ids`` that ``who`` may read and whose bounding
    box meets ``bbox`` (through the spatial index where there is one); and the names of
    those id columns."""
    col = spec.collection
    table = col.table
    links = [c for c in ("location_id", "organisation_id", "ordnance_id") if hasattr(table, c)]
    stmt = select(
        table.id,
        wkb(session, getattr(table, spec.geometry)),
        *(getattr(table, n) for n in spec.properties),
        *(getattr(table, c) for c in links),
    ).where(table.id.in_(ids), *features.filters(who, col))
    if spec.geometry == "geometry":  # the spatial index is on this column
        stmt = stmt.where(bbox_clause(session, col.kind, bbox))
    return list(session.execute(stmt.order_by(table.id)).all()), links


def names_of_ids(
    session: Session, links: list[str], rows: list[Any], first: int
) -> dict[str, tuple[str, dict[Any, Any]]]:
    """Readable names for the ids in ``rows``: district, organisation, ordnance code."""
    sources = {
        "location_id": ("district", t.Location, t.Location.name),
        "organisation_id": ("organisation", t.Organisation, t.Organisation.name),
        "ordnance_id": ("ordnance", t.Ordnance, t.Ordnance.code),
    }
    out: dict[str, tuple[str, dict[Any, Any]]] = {}
    for k, c in enumerate(links):
        label, table, name = sources[c]
        wanted = {r[2 + first + k] for r in rows} - {None}
        found: dict[Any, Any] = {}
        if wanted:
            found = dict(session.execute(select(table.id, name).where(table.id.in_(wanted))).all())  # type: ignore[attr-defined]
        out[c] = (label, found)
    return out


def first_view(session: Session, who: Principal) -> list[float] | None:
    """Where the map opens: around the hazards the role sees (else the districts), widened to
    whole half degrees, so that the box tells nothing about any one hazard's position."""
    boxes = []
    for table, where in (
        (t.Hazard, features.filters(who, features.COLLECTIONS["hazards"])),
        (t.Location, [t.Location.kind == "district"]),
    ):
        boxes.append(
            session.execute(
                select(
                    func.min(table.min_x),
                    func.min(table.min_y),
                    func.max(table.max_x),
                    func.max(table.max_y),
                ).where(*where)
            ).one()
        )
    found = next((b for b in boxes if b[0] is not None), None)
    if found is None:
        return None
    x0, y0, x1, y1 = (float(v) for v in found)
    return [
        math.floor(x0 * 2) / 2,
        math.floor(y0 * 2) / 2,
        math.ceil(x1 * 2) / 2,
        math.ceil(y1 * 2) / 2,
    ]


def choices(session: Session) -> tuple[list[str], list[tuple[int, str]]]:
    """The names of the districts, and (id, name) of the organisations, for the filters."""
    districts = session.execute(
        select(t.Location.name).where(t.Location.kind == "district").order_by(t.Location.name)
    ).scalars()
    organisations = session.execute(
        select(t.Organisation.id, t.Organisation.name).order_by(t.Organisation.name)
    ).all()
    return list(districts), [(int(i), str(n)) for i, n in organisations]
