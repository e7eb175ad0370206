"""OGC API Features (Part 1: core, GeoJSON) at ``/ogc``, so QGIS and GDAL read the layers.

Collections: hazards, records (minefield record perimeters), activities, finds, accidents and
districts. What comes back depends on the role (``clearground.web.auth``):

- ``admin``, ``im_officer``, ``manager``: every record, exact geometry, all listed properties.
- ``operator``: the same, except activities and finds, which are only its organisation's.
- ``donor`` and ``public`` (anonymous): approved records only, a reduced set of properties,
  and the geometry coarsened to a point: the centroid snapped to a 0.1° grid (about 11 km),
  never the exact position of a hazard, mine record, find or accident. ``bbox`` is then
  matched against that coarse point, so it cannot be used to probe exact positions.

Victims are not a collection: their personal data never leave through this API.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Any

import shapely
from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from shapely.geometry import Point, box
from shapely.geometry.base import BaseGeometry
from sqlalchemy import ColumnElement, false, func, select, true
from sqlalchemy.orm import Session

from clearground.store import tables as t
from clearground.store.database import Store
from clearground.store.spatial import BBox, bbox_clause, check_bbox
from clearground.store.users import Principal
from clearground.web.auth import READERS, ApiError, CurrentUser

GEOJSON = "application/geo+json"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
MAX_LIMIT = 10_000
GRID_DEG = 0.1
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
]


@dataclass(frozen=True)
class Collection:
    id: str
    kind: str  # record kind (RECORD_TABLES key), for bbox_clause
    table: Any
    title: str
    date: str | None  # the column the ``datetime`` parameter filters on
    properties: tuple[str, ...]  # for roles that read exact data
    public_properties: tuple[str, ...]  # for public and donors
    sensitive: bool = True  # coarsened for public and donors


COLLECTIONS = {
    c.id: c
    for c in (
        Collection(
            "hazards",
            "hazards",
            t.Hazard,
            "Hazardous areas (SHA/CHA)",
            "info_date",
            (
                "local_id",
                "kind",
                "status",
                "contamination",
                "name",
                "expected_devices",
                "estimated_area_m2",
                "area_m2",
                "info_date",
                "review_status",
            ),
            ("local_id", "kind", "status", "contamination", "area_m2", "info_date"),
        ),
        Collection(
            "records",
            "records",
            t.MinefieldRecord,
            "Minefield records (perimeters)",
            "laid_date",
            (
                "local_id",
                "record_number",
                "laid_date",
                "claimed_ap",
                "claimed_at",
                "claimed_total",
                "reliability",
                "area_m2",
                "info_date",
                "review_status",
            ),
            ("local_id", "laid_date", "claimed_total", "reliability"),
        ),
        Collection(
            "activities",
            "activities",
            t.Activity,
            "Survey and clearance activities",
            "end_date",
            (
                "local_id",
                "kind",
                "result",
                "method",
                "organisation_id",
                "start_date",
                "end_date",
                "area_m2",
                "review_status",
            ),
            ("local_id", "kind", "result", "method", "start_date", "end_date", "area_m2"),
        ),
        Collection(
            "finds",
            "finds",
            t.Find,
            "Finds of explosive ordnance",
            "found_date",
            ("local_id", "ordnance_id", "quantity", "found_date", "disposal", "review_status"),
            ("local_id", "ordnance_id", "quantity", "found_date"),
        ),
        Collection(
            "accidents",
            "accidents",
            t.Accident,
            "Accidents and incidents",
            "accident_date",
            ("local_id", "kind", "accident_date", "description", "review_status"),
            ("local_id", "kind", "accident_date"),
        ),
        Collection(
            "districts",
            "locations",
            t.Location,
            "Districts",
            None,
            ("name", "code", "population"),
            ("name", "code", "population"),
            sensitive=False,
        ),
    )
}


def coarse(geom: BaseGeometry) -> Point:
    """The centroid of ``geom`` snapped to the 0.1° grid."""
    c = geom.centroid
    return Point(
        round(round(c.x / GRID_DEG) * GRID_DEG, 1), round(round(c.y / GRID_DEG) * GRID_DEG, 1)
    )


def exact_for(who: Principal, col: Collection) -> bool:
    return not col.sensitive or (who.role in READERS and not who.anonymous)


def _value(v: Any) -> Any:
    if isinstance(v, dt.date):
        return v.isoformat()
    return v


def _filters(who: Principal, col: Collection) -> list[ColumnElement[bool]]:
    table = col.table
    where: list[ColumnElement[bool]] = []
    if col.id == "districts":
        where.append(t.Location.kind == "district")
    if not exact_for(who, col):
        where.append(table.review_status == "approved")
    if who.role == "operator" and col.id in ("activities", "finds"):
        org = who.organisation_id
        if org is None:
            where.append(false())
        elif col.id == "activities":
            where.append(t.Activity.organisation_id == org)
        else:
            where.append(
                t.Find.activity_id.in_(
                    select(t.Activity.id).where(t.Activity.organisation_id == org)
                )
            )
    return where


def parse_bbox(value: str | None) -> BBox | None:
    if value is None or value == "":
        return None
    try:
        parts = [float(p) for p in value.split(",")]
    except ValueError:
        parts = []
    if len(parts) != 4:
        raise ApiError(
            400, "bad_request", "bbox is four numbers: minlon,minlat,maxlon,maxlat", "bbox"
        )
    return check_bbox((parts[0], parts[1], parts[2], parts[3]))


def _date(text: str) -> dt.date | None:
    if text in ("", ".."):
        return None
    try:
        if "T" in text or "t" in text:
            return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).date()
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ApiError(
            400,
            "bad_request",
            f"cannot read '{text}' as a date or an RFC 3339 date-time",
            "datetime",
        ) from None


def parse_datetime(value: str | None) -> tuple[dt.date | None, dt.date | None] | None:
    """``datetime``: an instant, or an interval ``start/end`` with ``..`` for an open end."""
    if value is None or value == "":
        return None
    if "/" in value:
        a, _, b = value.partition("/")
        start, end = _date(a), _date(b)
        if start and end and start > end:
            raise ApiError(400, "bad_request", "the interval ends before it starts", "datetime")
        return start, end
    day = _date(value)
    return day, day


def _feature(
    fid: int, geom: BaseGeometry | None, props: dict[str, Any], exact: bool
) -> dict[str, Any]:
    shape = None
    if geom is not None:
        shape = shapely.geometry.mapping(geom if exact else coarse(geom))
    if not exact:
        props = {**props, "position": f"coarsened to a {GRID_DEG} degree grid"}
    return {"type": "Feature", "id": fid, "geometry": shape, "properties": props}


def query_items(
    session: Session,
    col: Collection,
    who: Principal,
    *,
    bbox: BBox | None = None,
    interval: tuple[dt.date | None, dt.date | None] | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[dict[str, Any]], int]:
    """The features of one page and the number matched, as the role may see them."""
    table = col.table
    exact = exact_for(who, col)
    names = col.properties if exact else col.public_properties
    where = _filters(who, col)
    if interval is not None and col.date is not None:
        column = getattr(table, col.date)
        start, end = interval
        if start is not None:
            where.append(column >= start)
        if end is not None:
            where.append(column <= end)
    cols = [table.id, table.geometry, *(getattr(table, n) for n in names)]
    if bbox is None:
        matched = session.execute(
            select(func.count()).select_from(table).where(true(), *where)
        ).scalar_one()
        rows = session.execute(
            select(*cols).where(true(), *where).order_by(table.id).limit(limit).offset(offset)
        ).all()
    else:
        # candidates by bounding box (R*Tree / GiST), then the exact test in Shapely; for
        # coarsened output the test is on the coarse point, so the box is widened to reach it
        pad = 0.0 if exact else GRID_DEG
        wide = (
            max(-180.0, bbox[0] - pad),
            max(-90.0, bbox[1] - pad),
            min(180.0, bbox[2] + pad),
            min(90.0, bbox[3] + pad),
        )
        candidates = session.execute(
            select(*cols).where(bbox_clause(session, col.kind, wide), *where).order_by(table.id)
        ).all()
        area = box(*bbox)
        geoms = [
            r[1] if exact else (coarse(r[1]) if r[1] is not None else None) for r in candidates
        ]
        hit = [g is not None and area.intersects(g) for g in geoms]
        kept = [r for r, ok in zip(candidates, hit, strict=True) if ok]
        matched = len(kept)
        rows = kept[offset : offset + limit]
    features = [
        _feature(int(r[0]), r[1], {n: _value(v) for n, v in zip(names, r[2:], strict=True)}, exact)
        for r in rows
    ]
    return features, int(matched)


def get_item(session: Session, col: Collection, who: Principal, fid: int) -> dict[str, Any] | None:
    table = col.table
    exact = exact_for(who, col)
    names = col.properties if exact else col.public_properties
    row = session.execute(
        select(table.id, table.geometry, *(getattr(table, n) for n in names)).where(
            table.id == fid, *_filters(who, col)
        )
    ).first()
    if row is None:
        return None
    props = {n: _value(v) for n, v in zip(names, row[2:], strict=True)}
    return _feature(int(row[0]), row[1], props, exact)


router = APIRouter(prefix="/ogc", tags=["OGC API Features"])


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/") + "/ogc"


def _collection(collection_id: str) -> Collection:
    col = COLLECTIONS.get(collection_id)
    if col is None:
        raise ApiError(
            404,
            "not_found",
            f"no collection '{collection_id}'; collections: {', '.join(COLLECTIONS)}",
            "collectionId",
        )
    return col


def _describe(request: Request, col: Collection, session: Session) -> dict[str, Any]:
    base = _base(request)
    table = col.table
    ext_q = select(
        func.min(table.min_x), func.min(table.min_y), func.max(table.max_x), func.max(table.max_y)
    )
    if col.id == "districts":
        ext_q = ext_q.where(t.Location.kind == "district")
    ext = session.execute(ext_q).one()
    doc: dict[str, Any] = {
        "id": col.id,
        "title": col.title,
        "itemType": "feature",
        "crs": [CRS84],
        "links": [
            {"href": f"{base}/collections/{col.id}", "rel": "self", "type": "application/json"},
            {"href": f"{base}/collections/{col.id}/items", "rel": "items", "type": GEOJSON},
        ],
    }
    if ext[0] is not None:
        doc["extent"] = {"spatial": {"bbox": [[float(v) for v in ext]], "crs": CRS84}}
    return doc


@router.get("")
def landing(request: Request) -> dict[str, Any]:
    """Landing page of the OGC API Features service."""
    base = _base(request)
    return {
        "title": "Clearground OGC API Features",
        "description": "Hazards, minefield records, activities, finds, accidents, districts.",
        "links": [
            {"href": base, "rel": "self", "type": "application/json", "title": "this document"},
            {"href": f"{base}/conformance", "rel": "conformance", "type": "application/json"},
            {"href": f"{base}/collections", "rel": "data", "type": "application/json"},
        ],
    }


@router.get("/conformance")
def conformance() -> dict[str, Any]:
    """The conformance classes implemented."""
    return {"conformsTo": CONFORMANCE}


@router.get("/collections")
def collections(request: Request) -> dict[str, Any]:
    """The feature collections."""
    base = _base(request)
    with _store(request).session() as session:
        cols = [_describe(request, c, session) for c in COLLECTIONS.values()]
    return {
        "collections": cols,
        "links": [{"href": f"{base}/collections", "rel": "self", "type": "application/json"}],
    }


@router.get("/collections/{collection_id}")
def collection(request: Request, collection_id: str) -> dict[str, Any]:
    """One feature collection."""
    col = _collection(collection_id)
    with _store(request).session() as session:
        return _describe(request, col, session)


@router.get("/collections/{collection_id}/items")
def items(
    request: Request,
    collection_id: str,
    who: CurrentUser,
    bbox: str | None = None,
    datetime: str | None = None,
    limit: Annotated[int, Query(ge=1)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> JSONResponse:
    """Features of a collection (GeoJSON), filtered by bbox and datetime, paged."""
    col = _collection(collection_id)
    limit = min(limit, MAX_LIMIT)
    box_ = parse_bbox(bbox)
    interval = parse_datetime(datetime)
    with _store(request).session() as session:
        features, matched = query_items(
            session, col, who, bbox=box_, interval=interval, limit=limit, offset=offset
        )
    links = [{"href": str(request.url), "rel": "self", "type": GEOJSON}]
    if offset + len(features) < matched:
        nxt = request.url.include_query_params(offset=offset + limit, limit=limit)
        links.append({"href": str(nxt), "rel": "next", "type": GEOJSON})
    if offset > 0:
        prev = request.url.include_query_params(offset=max(0, offset - limit), limit=limit)
        links.append({"href": str(prev), "rel": "prev", "type": GEOJSON})
    body = {
        "type": "FeatureCollection",
        "features": features,
        "numberMatched": matched,
        "numberReturned": len(features),
        "timeStamp": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "links": links,
    }
    return JSONResponse(body, media_type=GEOJSON)


@router.get("/collections/{collection_id}/items/{feature_id}")
def item(
    request: Request,
    collection_id: str,
    feature_id: int,
    who: CurrentUser,
) -> JSONResponse:
    """One feature (GeoJSON)."""
    col = _collection(collection_id)
    with _store(request).session() as session:
        feature = get_item(session, col, who, feature_id)
    if feature is None:
        raise ApiError(404, "not_found", f"no feature {feature_id} in {col.id}", "featureId")
    base = _base(request)
    feature["links"] = [
        {"href": str(request.url), "rel": "self", "type": GEOJSON},
        {"href": f"{base}/collections/{col.id}", "rel": "collection", "type": "application/json"},
    ]
    return JSONResponse(feature, media_type=GEOJSON)
