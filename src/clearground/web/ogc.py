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

A collection's extent is computed from what the role may read: for donors and the public from
approved records only, rounded outward to the same 0.1° grid. The answers that do not depend
on who asks (the coarse ones, and the districts) are kept in a bounded cache (``web/cache.py``)
until the data version changes (``store/data_version.py``), so a repeated anonymous request costs a
lookup rather than a query of the layer.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Annotated, Any

import numpy as np
import shapely
from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from shapely.geometry.base import BaseGeometry
from sqlalchemy.orm import Session

from clearground.domain.plain import plain
from clearground.store.data_version import data_version
from clearground.store.features import (
    COLLECTIONS,
    GRID_DEG,
    Collection,
    coarse,
    extent,
    item_row,
    page_rows,
    shared_for,
)
from clearground.store.spatial import BBox, check_bbox
from clearground.store.users import Principal
from clearground.web.auth import ApiError, CurrentUser, store_of
from clearground.web.cache import Cache, cache_of
from clearground.web.ogc_openapi import OPENAPI30, openapi_30

GEOJSON = "application/geo+json"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
MAX_LIMIT = 10_000
MAX_ID = 2**31 - 1
"""Record ids are ``Integer`` columns (32 bits on PostgreSQL): a larger feature id is no feature."""
MAX_OFFSET = 2**31 - 1
"""The largest ``offset`` accepted; more rows than this are never stored in one collection."""
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",  # /ogc/api
]


CACHE_ENTRIES = 512
CACHE_BYTES = 64 * 2**20
"""Shared answers kept at most, and their bytes together (an answer over a quarter of that is
not kept); the least recently used go first."""


def answer_cache(request: Request) -> Cache:
    """The app's cache of shared OGC answers (made on first use): kept while the data version
    is the one they were computed at, asked at every request."""
    return cache_of(
        request.app, "ogc_cache", lambda: Cache(entries=CACHE_ENTRIES, max_bytes=CACHE_BYTES)
    )


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
    rows, matched, names, exact = page_rows(
        session, col, who, bbox=bbox, interval=interval, limit=limit, offset=offset
    )
    features = [
        _feature(int(r[0]), r[1], {n: plain(v) for n, v in zip(names, r[2:], strict=True)}, exact)
        for r in rows
    ]
    return features, matched


def _dumps(value: Any) -> str:
    """JSON text as ``JSONResponse`` writes it (UTF-8 as is, no NaN, no spaces); dates as
    ISO 8601 (``_value``)."""
    return json.dumps(
        value, ensure_ascii=False, allow_nan=False, separators=(",", ":"), default=_date_json
    )


def _date_json(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


_NO_GEOMETRY = '"geometry":null'


def _features_json(rows: Sequence[Any], names: tuple[str, ...], exact: bool) -> str:
    """The JSON array of the features of ``rows``, the same document as ``_feature`` gives.

    For speed, the geometries are written by GEOS (``shapely.to_geojson``: the same numbers,
    shortest round-trip) and the rest by one ``json.dumps`` of the page with null geometries,
    into whose ``"geometry":null`` members (one per feature, in order: inside strings a quote
    would be escaped) they are then put.
    """
    geoms = np.array(
        [g if g is None or exact else coarse(g) for g in (r[1] for r in rows)], dtype=object
    )
    shapes = shapely.to_geojson(geoms) if len(rows) else []
    note = {} if exact else {"position": f"coarsened to a {GRID_DEG} degree grid"}
    text = _dumps(
        [
            {
                "type": "Feature",
                "id": int(r[0]),
                "geometry": None,
                "properties": {**dict(zip(names, r[2:], strict=True)), **note},
            }
            for r in rows
        ]
    )
    parts = text.split(_NO_GEOMETRY)
    assert len(parts) == len(rows) + 1, "a property named geometry"
    out = [parts[0]]
    for shape, part in zip(shapes, parts[1:], strict=True):
        out.append(f'"geometry":{shape or "null"}')
        out.append(part)
    return "".join(out)


def get_item(session: Session, col: Collection, who: Principal, fid: int) -> dict[str, Any] | None:
    """One feature as ``who`` may see it (None: none, or not for ``who``)."""
    found = item_row(session, col, who, fid)
    if found is None:
        return None
    row, names, exact = found
    props = {n: plain(v) for n, v in zip(names, row[2:], strict=True)}
    return _feature(int(row[0]), row[1], props, exact)


router = APIRouter(prefix="/ogc", tags=["OGC API Features"])


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


def _describe(
    request: Request, col: Collection, session: Session, who: Principal
) -> dict[str, Any]:
    base = _base(request)
    if shared_for(who, col):
        ext = answer_cache(request).get(
            ("extent", col.id), lambda: extent(session, col, who), lambda: data_version(session)
        )
    else:
        ext = extent(session, col, who)
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
    if ext is not None:
        doc["extent"] = {"spatial": {"bbox": [list(ext)], "crs": CRS84}}
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
            {"href": f"{base}/api", "rel": "service-desc", "type": OPENAPI30},
        ],
    }


@router.get("/conformance")
def conformance() -> dict[str, Any]:
    """The conformance classes implemented."""
    return {"conformsTo": CONFORMANCE}


@router.get("/collections")
def collections(request: Request, who: CurrentUser) -> dict[str, Any]:
    """The feature collections, with the extent of what the caller may read."""
    base = _base(request)
    with store_of(request).session() as session:
        cols = [_describe(request, c, session, who) for c in COLLECTIONS.values()]
    return {
        "collections": cols,
        "links": [{"href": f"{base}/collections", "rel": "self", "type": "application/json"}],
    }


@router.get("/collections/{collection_id}")
def collection(request: Request, collection_id: str, who: CurrentUser) -> dict[str, Any]:
    """One feature collection, with the extent of what the caller may read."""
    col = _collection(collection_id)
    with store_of(request).session() as session:
        return _describe(request, col, session, who)


@router.get("/collections/{collection_id}/items")
def items(
    request: Request,
    collection_id: str,
    who: CurrentUser,
    bbox: str | None = None,
    datetime: str | None = None,
    limit: Annotated[int, Query(ge=1)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> Response:
    """Features of a collection (GeoJSON), filtered by bbox and datetime, paged."""
    col = _collection(collection_id)
    limit = min(limit, MAX_LIMIT)
    box_ = parse_bbox(bbox)
    interval = parse_datetime(datetime)

    def page(session: Session) -> tuple[str, int, int]:
        rows, matched, names, exact = page_rows(
            session, col, who, bbox=box_, interval=interval, limit=limit, offset=offset
        )
        return _features_json(rows, names, exact), matched, len(rows)

    with store_of(request).session() as session:
        if shared_for(who, col):  # the same answer for all who get it: kept
            key = ("items", col.id, box_, interval, limit, offset)
            features, matched, returned = answer_cache(request).get(
                key, lambda: page(session), lambda: data_version(session), size=lambda a: len(a[0])
            )
        else:
            features, matched, returned = page(session)
    links = [{"href": str(request.url), "rel": "self", "type": GEOJSON}]
    if offset + returned < matched:
        nxt = request.url.include_query_params(offset=offset + limit, limit=limit)
        links.append({"href": str(nxt), "rel": "next", "type": GEOJSON})
    if offset > 0:
        prev = request.url.include_query_params(offset=max(0, offset - limit), limit=limit)
        links.append({"href": str(prev), "rel": "prev", "type": GEOJSON})
    rest = {
        "numberMatched": matched,
        "numberReturned": returned,
        "timeStamp": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "links": links,
    }
    # {"type", "features", "numberMatched", "numberReturned", "timeStamp", "links"}
    body = '{"type":"FeatureCollection","features":' + features + "," + _dumps(rest)[1:]
    return Response(body.encode(), media_type=GEOJSON)


@router.get("/collections/{collection_id}/items/{feature_id}")
def item(
    request: Request,
    collection_id: str,
    feature_id: int,
    who: CurrentUser,
) -> JSONResponse:
    """One feature (GeoJSON)."""
    col = _collection(collection_id)
    feature = None
    if -MAX_ID <= feature_id <= MAX_ID:  # beyond, the database cannot even compare it
        with store_of(request).session() as session:
            feature = get_item(session, col, who, feature_id)
    if feature is None:
        raise ApiError(404, "not_found", f"no feature {feature_id} in {col.id}", "featureId")
    base = _base(request)
    feature["links"] = [
        {"href": str(request.url), "rel": "self", "type": GEOJSON},
        {"href": f"{base}/collections/{col.id}", "rel": "collection", "type": "application/json"},
    ]
    return JSONResponse(feature, media_type=GEOJSON)


@router.get("/api")
def api_definition(request: Request) -> JSONResponse:
    """This service's API definition: OpenAPI 3.0 of the ``/ogc`` paths."""
    return JSONResponse(openapi_30(request.app.openapi(), GEOJSON), media_type=OPENAPI30)
