"""The map: a Leaflet page (``GET /map``) and its layers as GeoJSON (``GET /api/map/{layer}``).

Layers: ``hazards`` (SHA/CHA polygons, coloured by status), ``records`` (minefield record
perimeters), ``record_rows`` (the mine rows of those records), ``activities``, ``finds`` and
``accidents``. A request names the view, ``bbox=minlon,minlat,maxlon,maxlat`` (degrees) and
``zoom`` (the web map zoom level, 0..22), and may filter by ``district`` (any known spelling),
``from``/``until`` (inclusive, on the layer's date column: info_date, laid_date, end_date,
found_date, accident_date), hazard ``status``, ``organisation`` (name, short name, local id or
id; its subordinate units included) and ``review_status``. A filter that does not apply to a
layer (``status`` beyond hazards, ``organisation`` for minefield records) is listed in the
answer's ``ignored`` member, not refused, so one filter form serves every layer.

Role rules are those of OGC API Features (``clearground.web.ogc``):

- roles that read exact positions (``features.exact_for``: admin, im_officer, manager, operator) get
  the features themselves, their geometry simplified to about one screen pixel at the zoom
  (exact from ``EXACT_ZOOM`` on); operators only their own organisation's activities and finds
  (``features.filters``, applied again in SQL to every exact geometry that leaves);
- when more than ``MAX_FEATURES`` features meet the box (by bounding box, as the spatial index
  finds them), they come back as grid clusters instead (a point at the mean of the members'
  centroids, ``count``, the members' bounding box), on a grid of ``CLUSTER_PX`` pixels at the
  zoom, widened until at most ``MAX_CLUSTERS`` cells;
- ``donor`` and ``public`` (anonymous) get approved records only, and only counts on the 0.1°
  grid: each feature is counted at ``features.coarse`` of its geometry (its centroid snapped to the
  grid), the box is matched against that point, and at low zooms neighbouring grid nodes are
  added up into one node of the same grid. ``record_rows`` are refused to them (403).

Speed: each layer has an in-memory index per process (``store/map_layers.py``: id, bounding box,
centroid, grid node, review status, date, hazard status, district, organisation of every feature,
as NumPy arrays), so filters, the box test and clustering are array operations, and only the
features actually sent are read from the database (by id, through the spatial index
``bbox_clause``) and simplified with vectorised Shapely. The index is kept in the app's cache
(``web/cache.py``) and rebuilt when the data version changed (every committed write, whatever
made it, bumps it), checked at most every ``REFRESH_S`` seconds.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass
from typing import Annotated, Any

import numpy as np
import shapely
from fastapi import APIRouter, FastAPI, Path, Query, Request
from fastapi.responses import HTMLResponse, Response
from shapely.geometry import box
from sqlalchemy.orm import Session

from clearground.domain.enums import HazardStatus, ReviewStatus
from clearground.domain.errors import BadInput
from clearground.domain.plain import json_default
from clearground.store import access, features
from clearground.store import queries as q
from clearground.store.database import Store
from clearground.store.map_layers import (
    GRID_DEG,
    HAZARD_STATUSES,
    NO_DAY,
    NO_ID,
    REVIEW_STATUSES,
    SPECS,
    BoolArray,
    FloatArray,
    IntArray,
    LayerIndex,
    LayerSpec,
    SmallArray,
    build_index,
    choices,
    feature_rows,
    first_view,
    names_of_ids,
)
from clearground.store.record_reads import organisation_name
from clearground.store.spatial import BBox
from clearground.store.users import Principal
from clearground.web import ogc
from clearground.web.auth import ApiError, CurrentUser, store_of
from clearground.web.cache import Cache, cache_of, store_version
from clearground.web.pages import render

MAX_FEATURES = 1000
"""Above this many features in the box (exact roles), grid clusters come back instead."""
MAX_CLUSTERS = 3000
"""The most clusters or grid nodes one answer holds; the grid is widened to stay below."""
CLUSTER_PX = 64
"""Side of a cluster cell in screen pixels at the zoom asked for."""
EXACT_ZOOM = 16
"""From this zoom on, geometries are sent unsimplified."""
REFRESH_S = 0.5
"""Seconds between checks that a layer's tables are unchanged since its index was built."""


def layer_index(app: FastAPI, store: Store, spec: LayerSpec) -> LayerIndex:
    """The index of ``spec``'s layer in ``app``'s cache: rebuilt when the data version changed,
    checked at most every ``REFRESH_S`` seconds; while one request rebuilds it, the others are
    answered from the index in hand."""
    cache = cache_of(
        app, "map_indexes", lambda: Cache(check_s=REFRESH_S, entries=max(len(SPECS), 1))
    )

    def build() -> LayerIndex:
        with store.session() as session:
            return build_index(session, spec)

    return cache.get(spec.layer, build, store_version(store), wait=False)


# --- selection -------------------------------------------------------------------------------


@dataclass(frozen=True)
class MapFilters:
    """The filters of one request, names already resolved to ids."""

    date_from: dt.date | None = None
    date_until: dt.date | None = None
    districts: list[int] | None = None
    organisations: list[int] | None = None
    status: str | None = None
    review_status: str | None = None


def _day(value: dt.date) -> int:
    return (value - dt.date(1970, 1, 1)).days


def select_mask(
    index: LayerIndex, spec: LayerSpec, who: Principal, f: MapFilters
) -> tuple[BoolArray, list[str]]:
    """Features the role may see that pass the filters; and the filters not applying."""
    col = spec.collection
    mask: BoolArray = np.ones(len(index), dtype=bool)
    ignored: list[str] = []
    # the role rules (store/access.py), as features.filters applies them in SQL
    if not features.exact_for(who, col):
        mask &= index.review == REVIEW_STATUSES.index("approved")
    restricted, own = access.restricted_to(who, col.kind)
    if restricted:
        mask &= index.organisation == (own if own is not None else NO_ID - 1)
    # the filters asked for
    if f.review_status is not None:
        mask &= index.review == REVIEW_STATUSES.index(f.review_status)
    if f.date_from is not None:
        mask &= index.day >= _day(f.date_from)
    if f.date_until is not None:
        mask &= (index.day <= _day(f.date_until)) & (index.day != NO_DAY)
    if f.districts is not None:
        mask &= np.isin(index.district, f.districts)
    if f.status is not None:
        if spec.map.status:
            mask &= index.status == HAZARD_STATUSES.index(f.status)
        else:
            ignored.append("status")
    if f.organisations is not None:
        if spec.map.worked_by is not None:
            hazards, orgs = index.worked_by
            mask &= np.isin(index.ids, hazards[np.isin(orgs, f.organisations)])
        elif spec.has_organisation:
            mask &= np.isin(index.organisation, f.organisations)
        else:
            ignored.append("organisation")
    return mask, ignored


# --- the answers ---------------------------------------------------------------------------


def pixel_deg(zoom: int) -> float:
    """Degrees of longitude covered by one 256-pixel-tile screen pixel at ``zoom``."""
    return 360.0 / (256 * 2**zoom)


def zoom_for(bbox: BBox) -> int:
    """The zoom at which ``bbox`` spans about 1024 pixels across."""
    width = bbox[2] - bbox[0]
    if width <= 0:
        return 22
    return max(0, min(22, math.floor(math.log2(1024 * 360.0 / 256 / width))))


def _groups(keys: IntArray) -> tuple[IntArray, IntArray, IntArray]:
    """Distinct keys, the group of each element, and the size of each group."""
    uniq, inverse, counts = np.unique(keys, return_inverse=True, return_counts=True)
    return uniq, inverse.reshape(-1), counts


def _cells(x: FloatArray, y: FloatArray, cell: float) -> IntArray:
    kx = np.floor(x / cell).astype(np.int64)
    ky = np.floor(y / cell).astype(np.int64)
    span = int(ky.max() - ky.min()) + 1 if len(ky) else 1
    out: IntArray = (kx - (kx.min() if len(kx) else 0)) * span + (ky - (ky.min() if len(ky) else 0))
    return out


def _status_counts(status: SmallArray, group: IntArray, n: int) -> list[dict[str, int]]:
    k = len(HAZARD_STATUSES)
    known = status >= 0
    table = np.bincount(group[known] * k + status[known], minlength=n * k).reshape(n, k)
    return [{s: int(c) for s, c in zip(HAZARD_STATUSES, row, strict=True) if c} for row in table]


def exact_clusters(
    index: LayerIndex, chosen: BoolArray, zoom: int, with_status: bool
) -> tuple[list[dict[str, Any]], float]:
    """Grid clusters of the chosen features (exact roles): point, count and bounding box."""
    x, y = index.cx[chosen], index.cy[chosen]
    cell = CLUSTER_PX * pixel_deg(zoom)
    while True:
        uniq, group, counts = _groups(_cells(x, y, cell))
        if len(uniq) <= MAX_CLUSTERS:
            break
        cell *= 2
    n = len(uniq)
    mean_x = np.bincount(group, weights=x, minlength=n) / counts
    mean_y = np.bincount(group, weights=y, minlength=n) / counts
    lo_x = np.full(n, np.inf)
    lo_y = np.full(n, np.inf)
    hi_x = np.full(n, -np.inf)
    hi_y = np.full(n, -np.inf)
    np.minimum.at(lo_x, group, index.min_x[chosen])
    np.minimum.at(lo_y, group, index.min_y[chosen])
    np.maximum.at(hi_x, group, index.max_x[chosen])
    np.maximum.at(hi_y, group, index.max_y[chosen])
    statuses = _status_counts(index.status[chosen], group, n) if with_status else None
    features = []
    for i in range(n):
        props: dict[str, Any] = {
            "cluster": True,
            "count": int(counts[i]),
            "bbox": [float(lo_x[i]), float(lo_y[i]), float(hi_x[i]), float(hi_y[i])],
        }
        if statuses is not None:
            props["status_counts"] = statuses[i]
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [float(mean_x[i]), float(mean_y[i])]},
                "properties": props,
            }
        )
    return features, cell


def coarse_counts(
    index: LayerIndex, chosen: BoolArray, zoom: int, with_status: bool
) -> tuple[list[dict[str, Any]], float]:
    """Counts at nodes of the 0.1° grid (public and donors): never a position finer than it.

    Each feature counts at its ``features.coarse`` node; at low zooms blocks of ``step`` x ``step``
    nodes are added up at the block's middle node, so the points keep a regular spacing.
    """
    nx, ny = index.node_x[chosen], index.node_y[chosen]
    step = max(1, math.floor(CLUSTER_PX * pixel_deg(zoom) / GRID_DEG))
    while True:
        bx = np.floor_divide(nx, step)
        by = np.floor_divide(ny, step)
        span = int(by.max() - by.min()) + 1 if len(by) else 1
        keys = (bx - (bx.min() if len(bx) else 0)) * span + (by - (by.min() if len(by) else 0))
        uniq, group, counts = _groups(keys)
        if len(uniq) <= MAX_CLUSTERS:
            break
        step *= 2
    n = len(uniq)
    first = np.zeros(n, dtype=np.int64)
    first[group] = np.arange(len(group))  # any member gives the block
    node_x = np.floor_divide(nx[first], step) * step + step // 2
    node_y = np.floor_divide(ny[first], step) * step + step // 2
    statuses = _status_counts(index.status[chosen], group, n) if with_status else None
    note = f"coarsened to a {GRID_DEG} degree grid"
    features = []
    for i in range(n):
        props: dict[str, Any] = {"cluster": True, "count": int(counts[i]), "position": note}
        if statuses is not None:
            props["status_counts"] = statuses[i]
        point = [round(int(node_x[i]) * GRID_DEG, 1), round(int(node_y[i]) * GRID_DEG, 1)]
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": point},
                "properties": props,
            }
        )
    return features, step * GRID_DEG


def exact_features(
    session: Session,
    spec: LayerSpec,
    who: Principal,
    ids: IntArray,
    bbox: BBox,
    zoom: int,
) -> tuple[list[str], float | None]:
    """The chosen features as GeoJSON texts: read by id through the spatial index and the
    role filter of /ogc, tested exactly against the box, simplified to a pixel at ``zoom``."""
    if len(ids) == 0:
        return [], None
    names = spec.properties
    rows, links = feature_rows(session, spec, who, [int(i) for i in ids], bbox)
    if not rows:
        return [], None
    geoms = shapely.from_wkb([r[1] for r in rows])
    hit = shapely.intersects(geoms, box(*bbox))
    rows = [r for r, ok in zip(rows, hit, strict=True) if ok]
    geoms = geoms[hit]
    tolerance = pixel_deg(zoom) if zoom < EXACT_ZOOM else None
    if tolerance is not None:
        geoms = shapely.simplify(geoms, tolerance, preserve_topology=True)
        # coordinates to a decimal grid of at most an eighth of a pixel: shorter answers
        digits = math.ceil(math.log10(8 / tolerance))
        geoms = shapely.set_precision(geoms, 10.0**-digits, mode="pointwise")
    texts = shapely.to_geojson(geoms)
    lookups = names_of_ids(session, links, rows, len(names))
    out = []
    for row, text in zip(rows, texts, strict=True):
        props = dict(zip(names, row[2 : 2 + len(names)], strict=True))
        for c, v in zip(links, row[2 + len(names) :], strict=True):
            label, found = lookups[c]
            props[label] = found.get(v)
        about = json.dumps(props, ensure_ascii=False, separators=(",", ":"), default=json_default)
        out.append(
            f'{{"type":"Feature","id":{int(row[0])},"geometry":{text},"properties":{about}}}'
        )
    return out, tolerance


# --- parameters ------------------------------------------------------------------------------


def _parse_bbox(value: str) -> BBox:
    try:
        found = ogc.parse_bbox(value)
    except BadInput as exc:
        raise ApiError(400, "bad_request", exc.message, "bbox") from None
    if found is None:
        raise ApiError(
            400, "bad_request", "bbox is four numbers: minlon,minlat,maxlon,maxlat", "bbox"
        )
    return found


def _district_ids(session: Session, name: str) -> list[int]:
    try:
        return q.district_ids(session, name)
    except BadInput as exc:
        raise ApiError(400, "bad_request", _reason(exc), "district") from None


def _organisation_ids(session: Session, value: str) -> list[int]:
    text = value.strip()
    if text.isascii() and text.isdigit():
        found = organisation_name(session, int(text))
        if found is None:
            raise ApiError(400, "bad_request", f"no organisation with id {text}", "organisation")
        text = found
    try:
        return q.organisation_ids(session, text)
    except BadInput as exc:
        raise ApiError(400, "bad_request", _reason(exc), "organisation") from None


def _reason(exc: BadInput) -> str:
    text = exc.reason
    if exc.fix:
        text += f". {exc.fix}"
    return text


# --- routes ----------------------------------------------------------------------------------

router = APIRouter(tags=["map"])

FEATURE_COLLECTION_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "features", "layer", "clustered", "exact"],
    "properties": {
        "type": {"type": "string", "enum": ["FeatureCollection"]},
        "layer": {"type": "string"},
        "kind": {"type": "string", "description": "record kind of /records/{kind}/{id}"},
        "zoom": {"type": "integer"},
        "exact": {"type": "boolean", "description": "false: counts on the 0.1° grid only"},
        "clustered": {"type": "boolean"},
        "cell_deg": {"type": ["number", "null"], "description": "cluster cell side, degrees"},
        "tolerance_deg": {
            "type": ["number", "null"],
            "description": "simplification tolerance, degrees (null: exact geometry)",
        },
        "numberMatched": {"type": "integer"},
        "numberReturned": {"type": "integer"},
        "ignored": {"type": "array", "items": {"type": "string"}},
        "features": {"type": "array", "items": {"type": "object"}},
    },
}


@router.get(
    "/api/map/{layer}",
    response_class=Response,
    responses={
        200: {
            "description": "GeoJSON FeatureCollection: features, or clusters with a count",
            "content": {"application/geo+json": {"schema": FEATURE_COLLECTION_SCHEMA}},
        }
    },
)
def map_layer(
    request: Request,
    layer: Annotated[
        str,
        Path(
            description="a layer of the map (the kinds' descriptors name them)",
            json_schema_extra={"enum": list(SPECS)},
        ),
    ],
    who: CurrentUser,
    bbox: Annotated[
        str, Query(description="minlon,minlat,maxlon,maxlat in degrees (WGS84)", max_length=200)
    ],
    zoom: Annotated[
        int | None, Query(ge=0, le=22, description="web map zoom level (default: from bbox)")
    ] = None,
    district: Annotated[str | None, Query(max_length=200, description="district name")] = None,
    date_from: Annotated[
        dt.date | None, Query(alias="from", description="first date, inclusive (ISO)")
    ] = None,
    until: Annotated[dt.date | None, Query(description="last date, inclusive (ISO)")] = None,
    status: Annotated[HazardStatus | None, Query(description="hazard status")] = None,
    organisation: Annotated[
        str | None, Query(max_length=200, description="organisation name, short name or id")
    ] = None,
    review_status: ReviewStatus | None = None,
) -> Response:
    """One layer of the map in the box, as GeoJSON: features simplified to a pixel at the zoom,
    or grid clusters (point and ``count``) when more than a few thousand would come back.
    Donors and the public get counts on the 0.1° grid only."""
    spec = SPECS.get(layer)
    if spec is None:
        raise ApiError(
            400, "bad_request", f"no map layer '{layer}'; layers: {', '.join(SPECS)}", "layer"
        )
    exact = features.exact_for(who, spec.collection)
    if spec.map.exact_only and not exact:
        raise ApiError(403, "forbidden", f"the role '{who.role}' may not see {layer}", "layer")
    area = _parse_bbox(bbox)
    z = zoom if zoom is not None else zoom_for(area)
    if date_from is not None and until is not None and date_from > until:
        raise ApiError(400, "bad_request", "'until' is before 'from'", "until")
    store = store_of(request)
    index = layer_index(request.app, store, spec)
    with store.session() as session:
        filters = MapFilters(
            date_from=date_from,
            date_until=until,
            districts=_district_ids(session, district) if district else None,
            organisations=_organisation_ids(session, organisation) if organisation else None,
            status=status.value if status is not None else None,
            review_status=review_status.value if review_status is not None else None,
        )
        mask, ignored = select_mask(index, spec, who, filters)
        head: dict[str, Any] = {
            "type": "FeatureCollection",
            "layer": layer,
            "kind": spec.kind,
            "zoom": z,
            "exact": exact,
            "ignored": ignored,
        }
        with_status = spec.map.status
        if not exact:
            chosen = mask & index.node_in(area)
            clusters, cell = coarse_counts(index, chosen, z, with_status)
            return _answer(head, clusters, int(chosen.sum()), clustered=True, cell=cell)
        chosen = mask & index.meets(area)
        matched = int(chosen.sum())
        if matched > MAX_FEATURES:
            clusters, cell = exact_clusters(index, chosen, z, with_status)
            return _answer(head, clusters, matched, clustered=True, cell=cell)
        texts, tolerance = exact_features(session, spec, who, index.ids[chosen], area, z)
    head.update(
        clustered=False,
        cell_deg=None,
        tolerance_deg=tolerance,
        numberMatched=len(texts),
        numberReturned=len(texts),
    )
    start = json.dumps(head, separators=(",", ":"))[:-1]
    body = start + ',"features":[' + ",".join(texts) + "]}"
    return Response(body.encode(), media_type=ogc.GEOJSON)


def _answer(
    head: dict[str, Any],
    features: list[dict[str, Any]],
    matched: int,
    *,
    clustered: bool,
    cell: float,
) -> Response:
    body = {
        **head,
        "clustered": clustered,
        "cell_deg": cell,
        "tolerance_deg": None,
        "numberMatched": matched,
        "numberReturned": len(features),
        "features": features,
    }
    return Response(
        json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode(),
        media_type=ogc.GEOJSON,
    )


def _page_context(session: Session, who: Principal) -> dict[str, Any]:
    districts, organisations = choices(session)
    exact = features.exact_for(who, features.COLLECTIONS["hazards"])
    layers = [
        {"name": name, "colour": spec.map.colour, "checked": spec.map.checked}
        for name, spec in SPECS.items()
        if exact or not spec.map.exact_only
    ]
    return {
        "districts": districts,
        "organisations": [{"id": i, "name": n} for i, n in organisations],
        "extent": first_view(session, who),
        "exact": exact,
        "layers": layers,
        "hazard_statuses": HAZARD_STATUSES,
        "review_statuses": REVIEW_STATUSES,
        "text_keys": map_text_keys(),
        "shown_properties": SHOWN_PROPERTIES,
    }


SHOWN_PROPERTIES = (
    "local_id",
    "kind",
    "status",
    "contamination",
    "name",
    "district",
    "organisation",
    "record_number",
    "laid_date",
    "claimed_ap",
    "claimed_at",
    "claimed_total",
    "reliability",
    "result",
    "method",
    "start_date",
    "end_date",
    "ordnance",
    "quantity",
    "found_date",
    "disposal",
    "accident_date",
    "description",
    "expected_devices",
    "estimated_area_m2",
    "area_m2",
    "info_date",
    "review_status",
)
"""Properties shown in a feature's popup, in this order (ids are shown by name instead)."""

MAP_TEXT_KEYS = (
    "map.open_record",
    "map.history",
    "map.history_loading",
    "map.version",
    "map.count",
    "map.cluster_zoom",
    "map.coarse_note",
    "map.loading",
    "map.load_failed",
    "map.clusters",
    *(f"map.prop.{name}" for name in SHOWN_PROPERTIES),
    *(f"map.hazard_status.{s}" for s in HAZARD_STATUSES),
    *(f"map.review.{s}" for s in REVIEW_STATUSES),
)
"""Messages the page's script uses (given to it as JSON), besides the layers' names."""


def map_text_keys() -> tuple[str, ...]:
    """Every message the page's script uses: ``MAP_TEXT_KEYS`` and each layer's name."""
    return (*MAP_TEXT_KEYS, *(f"map.layer.{name}" for name in SPECS))


@router.get("/map", response_class=HTMLResponse, include_in_schema=False)
def map_page(request: Request, who: CurrentUser) -> HTMLResponse:
    """The map page: layers, filters, popups with each record and its history."""
    store = store_of(request)
    with store.session() as session:
        context = _page_context(session, who)
    return render(request, "map.html", context, who)
