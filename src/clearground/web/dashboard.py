"""The dashboard: headline figures, charts over time, record accuracy, priorities, forecast.

``GET /dashboard`` (HTML, every role) and ``GET /api/dashboard`` (JSON, the same figures)
take three filters: ``since`` (a date: casualties since then), ``district`` and
``organisation`` (names as ``clearground stats`` takes them). Everything counts **approved
records only**, for every role, as ``clearground stats`` does by default.

The figures come from the analyses the command line runs, not from new ones:

- headline figures: ``analysis.statistics.summary`` and ``funding_summary`` on the frames of
  ``store.queries`` (funding is the whole programme's: it has no district);
- charts: the same frames, per month (area released, cumulative, by method; devices found by
  category) and per year (casualties by outcome), drawn as SVG by ``web.charts``;
- record accuracy per handover and district: ``store.accuracy_data.accuracy_inputs`` and
  ``analysis.accuracy.analyse`` with its default options, as ``clearground accuracy`` without
  files (aggregates only: no record's figures);
- the prioritised list (top ``TOP`` hazards): ``store.planning_data`` and
  ``analysis.prioritisation.prioritise`` with the default weights, as ``clearground
  prioritise``; the district filter applies, the organisation filter does not (hazards are
  nobody's work);
- the forecast: ``analysis.forecast.forecast`` with the default parameters and ``RUNS``
  Monte Carlo runs (seed 2020), as ``clearground forecast --runs RUNS``.

Roles: ``public``, ``donor`` and anonymous requests get aggregates only; the prioritised list
names hazards, so only ``READERS`` (admin, im_officer, operator, manager) get it. Nothing on
the dashboard gives a position or a victim's name.

Speed: each part is cached per filter combination (``web/cache.py``) and recomputed only
when the data changed (the store's data version, bumped by every committed write whatever
made it, one read per view).
The slow parts (record accuracy takes seconds on the scale-1 demo; the figures read every
find) are then served from before the change while they are recomputed in the background
(``refreshing`` lists them), and when the server starts the unfiltered dashboard is computed
in the background (``lifespan``), so the first view does not wait for it either. Only a
filter combination never asked before is computed while the request waits.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

import pandas as pd
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse
from markupsafe import Markup

from clearground.analysis import statistics as st
from clearground.domain.errors import BadInput
from clearground.domain.plain import plain
from clearground.store import queries as q
from clearground.store.database import Store
from clearground.store.users import Principal
from clearground.web import charts, pages
from clearground.web.auth import READERS, ApiError, CurrentUser, store_of
from clearground.web.cache import Cache, store_version
from clearground.web.cache import cache_of as shared_cache
from clearground.web.i18n import language_of, translator

CACHE_SECONDS = 0.0
"""How long a computed part is served without checking whether the data changed (s): none,
the check is one read of the data version, so a write shows at the next view."""
CACHE_ENTRIES = 64
"""Parts kept at most (filter combinations x parts); the least recently used go first."""
TOP = 20
"""Hazards in the prioritised list."""
RUNS = 200
"""Monte Carlo runs of the dashboard's forecast (the command line's default is 1000)."""
SEED = 2020
"""Random seed of the forecast (the command line's default)."""

METHODS = ("manual", "mechanical", "mdd", "mixed", "survey")
T = TypeVar("T")
logger = logging.getLogger(__name__)
ANALYST = Principal(id=0, name="(dashboard warm-up)", role="im_officer", organisation_id=None)
"""Who the warm-up computes the dashboard as (a reader: every part, the list included)."""


# --- series for the charts (pure functions on the store's frames) ----------------------------


def _periods(first: Any, last: Any) -> pd.PeriodIndex:
    """Every month from the month of ``first`` to that of ``last``."""
    start = pd.Period(pd.Timestamp(first), freq="M")
    end = pd.Period(pd.Timestamp(last), freq="M")
    return pd.period_range(start, end, freq="M")


def _monthly(frame: pd.DataFrame, date: str, key: str, value: pd.Series) -> pd.DataFrame:
    """``value`` summed per month of column ``date`` (rows) and value of ``key`` (columns),
    every month from the first to the last, 0 where none."""
    month = pd.to_datetime(frame[date]).dt.to_period("M")
    table = (
        pd.DataFrame({"month": month, "key": frame[key].astype(str), "value": value})
        .groupby(["month", "key"])["value"]
        .sum()
        .unstack("key", fill_value=0)
    )
    return table.reindex(_periods(month.min().start_time, month.max().start_time), fill_value=0)


def _ordered(columns: Any, known: tuple[str, ...]) -> list[str]:
    present = [str(c) for c in columns]
    return [k for k in known if k in present] + sorted(c for c in present if c not in known)


def released_by_method(activities: pd.DataFrame) -> dict[str, Any]:
    """Cumulative area released (m², cancelled + reduced + cleared) by method at the end of
    each month, from activities with ``result``, ``method``, ``end_date``, ``area_m2``.

    Months run from the first to the last month with a release; activities without an end
    date are left out (they count in the headline figures, not over time).
    """
    rel = activities
    if len(rel):
        rel = rel[rel["result"].isin(st.RESULTS) & rel["end_date"].notna()]
    if not len(rel):
        return {"months": [], "series": {}}
    area = pd.to_numeric(rel["area_m2"]).fillna(0.0).astype(float)
    table = _monthly(rel, "end_date", "method", area).cumsum()
    return {
        "months": [str(p) for p in table.index],
        "series": {
            m: [round(float(v), 1) for v in table[m]] for m in _ordered(table.columns, METHODS)
        },
    }


def finds_by_month(finds: pd.DataFrame) -> dict[str, Any]:
    """Devices found (sum of ``quantity``) per month by ``category``, from finds with
    ``found_date``; every month from the first find to the last, 0 where none."""
    if not len(finds):
        return {"months": [], "series": {}}
    quantity = pd.to_numeric(finds["quantity"]).fillna(0).astype(int)
    table = _monthly(finds, "found_date", "category", quantity)
    return {
        "months": [str(p) for p in table.index],
        "series": {c: [int(v) for v in table[c]] for c in _ordered(table.columns, st.CATEGORIES)},
    }


def casualties_by_year(victims: pd.DataFrame) -> dict[str, Any]:
    """Victims killed and injured per year of their accident, from victims with ``outcome``
    and ``accident_date``; every year from the first to the last, 0 where none. Victims of
    accidents whose date is unknown are counted apart (``unknown``, per outcome)."""
    if not len(victims):
        return {"years": [], "series": {}, "unknown": {}}
    year = pd.to_datetime(victims["accident_date"]).dt.year
    dated = year.notna()
    years = list(range(int(year.min()), int(year.max()) + 1)) if dated.any() else []
    counts = victims[dated].assign(y=year[dated].astype(int)).groupby(["outcome", "y"]).size()
    undated = victims.loc[~dated, "outcome"].value_counts()
    return {
        "years": years,
        "series": {o: [int(counts.get((o, y), 0)) for y in years] for o in st.OUTCOMES},
        "unknown": {o: int(undated.get(o, 0)) for o in st.OUTCOMES},
    }


def casualties_since(victims: pd.DataFrame, since: dt.date | None) -> dict[str, Any]:
    """Victims killed and injured in accidents on or after ``since`` (all when None)."""
    part = victims
    if since is not None and len(victims):
        part = victims[pd.to_datetime(victims["accident_date"]) >= pd.Timestamp(since)]
    counts = st.casualties(part)
    return {
        "since": since.isoformat() if since else None,
        **counts,
        "total": sum(counts.values()),
    }


# --- the parts, read from the database --------------------------------------------------------


@dataclass(frozen=True)
class DashboardFilters:
    """The dashboard's filters: ``since`` for casualties, ``district`` and ``organisation``."""

    since: dt.date | None = None
    district: str | None = None
    organisation: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "since": self.since.isoformat() if self.since else None,
            "district": self.district,
            "organisation": self.organisation,
        }

    @property
    def store_filters(self) -> q.Filters:
        return q.Filters(district=self.district, organisation=self.organisation)


def _web_field(exc: BadInput) -> BadInput:
    """A filter error names the query parameter, not the command-line option."""
    if exc.field in ("--district", "--organisation"):
        exc.field = exc.field[2:]
    return exc


def figures_part(store: Store, f: DashboardFilters) -> dict[str, Any]:
    """Headline figures and chart series under the district and organisation filters.

    ``victims`` keeps each victim's accident date and outcome only (for ``casualties since``,
    worked out per request).
    """
    from clearground.store.planning_data import data_date

    sf = f.store_filters
    with store.session() as session:
        try:
            acts = q.activities_frame(session, sf)
            finds = q.finds_frame(session, sf)
            victims = q.victims_frame(session, sf)
        except BadInput as exc:
            raise _web_field(exc) from None
        funding, rates = q.funding_frames(session, q.Filters())
        as_of = data_date(session)
    head = st.summary(acts, finds, victims)
    head["funding"] = st.funding_summary(funding, rates)
    return {
        "as_of": as_of.isoformat() if as_of else None,
        "headline": head,
        "charts": {
            "released_by_method": released_by_method(acts),
            "finds_by_month": finds_by_month(finds),
            "casualties_by_year": casualties_by_year(victims),
        },
        "victims": victims[["accident_date", "outcome"]].copy() if len(victims) else victims,
    }


ACCURACY_KEYS = (
    "tolerance_m",
    "record_accuracy",
    "recall",
    "recorded",
    "matched",
    "found",
    "recorded_unsearched",
    "precision_corrected",
    "records_total",
    "records_searched",
    "records_misplaced",
    "finds_outside_records_share",
    "accidents_outside_share",
)
HANDOVER_KEYS = (
    "handover",
    "records",
    "recorded",
    "matched",
    "precision",
    "precision_corrected",
    "records_misplaced",
    "recorded_total",
    "found_per_recorded",
)
DISTRICT_KEYS = (*HANDOVER_KEYS[1:], "finds", "finds_outside_records_share")


def accuracy_part(store: Store, f: DashboardFilters) -> dict[str, Any]:
    """Record accuracy (``clearground accuracy`` on the database, default options): the
    headline shares and the tables per handover and per district; no record's own figures."""
    from clearground.analysis import accuracy as acc
    from clearground.store.accuracy_data import accuracy_inputs

    with store.session() as session:
        try:
            data = accuracy_inputs(session, f.store_filters)
        except BadInput as exc:
            raise _web_field(exc) from None
    report = acc.analyse(
        data.recorded,
        data.finds,
        searched=data.searched,
        perimeters=data.perimeters,
        accidents=data.accidents,
        options=acc.AccuracyOptions(),
    )
    doc = report.to_dict()
    out: dict[str, Any] = {k: doc.get(k) for k in ACCURACY_KEYS}
    out["by_handover"] = [{k: r.get(k) for k in HANDOVER_KEYS} for r in doc["by_handover"]]
    out["by_district"] = [
        {"district": r["district"], **{k: r.get(k) for k in DISTRICT_KEYS}}
        for r in doc["by_district"]
    ]
    return plain(out)


def priorities_part(store: Store, f: DashboardFilters) -> dict[str, Any]:
    """The ``TOP`` open hazards by priority (``clearground prioritise``, default weights), as
    of the date the records run to; the district filter applies."""
    from clearground.analysis import prioritisation as pr
    from clearground.store import planning_data as pdata

    config = pr.PriorityConfig()
    with store.session() as session:
        when = pdata.data_date(session) or dt.date.today()
        try:
            hazards, places, accidents, returns = pdata.priority_inputs(
                session, when, f.district, config.returns
            )
        except BadInput as exc:
            raise _web_field(exc) from None
    open_h = hazards[hazards["open"]].reset_index(drop=True)
    ranked = pr.prioritise(open_h, places, accidents, returns, config, when)
    rows = []
    for record in ranked.sort_values("rank").head(TOP).to_dict("records"):
        row = {str(k): v for k, v in record.items()}
        parts = pr.explain(row, config)
        rows.append(
            {
                "rank": int(row["rank"]),
                "hazard": row["hazard"],
                "name": row.get("name"),
                "district": row.get("district"),
                "kind": row["kind"],
                "contamination": row.get("contamination"),
                "remaining_m2": round(float(row["remaining_m2"]), 1),
                "score": round(float(row["score"]), 2),
                "points": {p: v["points"] for p, v in parts.items()},
            }
        )
    return plain({"as_of": when.isoformat(), "open_hazards": len(ranked), "hazards": rows})


def forecast_part(store: Store, f: DashboardFilters) -> dict[str, Any]:
    """When the work will be done (``clearground forecast --runs RUNS``, default parameters):
    P10/P50/P90 completion dates of the country (or of the district asked for) and by district.
    The organisation filter keeps that organisation's assets and history."""
    from clearground.analysis import forecast as fc
    from clearground.store import planning_data as pdata

    with store.session() as session:
        when = pdata.data_date(session) or dt.date.today()
        try:
            shown = pdata.district_names(session, f.district) if f.district else None
            activities = pdata.activities_frame(session, f.organisation)
            fleet = pdata.assets_frame(session, f.organisation)
        except BadInput as exc:
            raise _web_field(exc) from None
        hazards = pdata.hazards_frame(session, when, with_geometry=False)
    result = fc.forecast(
        hazards, activities, fleet, fc.ForecastConfig(), when, runs=RUNS, seed=SEED
    )
    doc = result.to_dict()
    keys = ("district", "hazards", "remaining_ha", "p10", "p50", "p90", "done_within_horizon")
    districts = [
        {k: d[k] for k in keys} for d in doc["districts"] if shown is None or d["district"] in shown
    ]
    if shown is None:
        scope, completion = "country", doc["country"]
        open_hazards, remaining = doc["open_hazards"], doc["remaining_ha"]
    else:
        scope = "district"
        completion = districts[0] if len(districts) == 1 else doc["country"]
        if not districts:  # no open hazard left in the district: done already
            completion = {"p10": doc["as_of"], "p50": doc["as_of"], "p90": doc["as_of"]}
        open_hazards = sum(d["hazards"] for d in districts)
        remaining = round(sum(d["remaining_ha"] for d in districts), 2)
    return plain(
        {
            "as_of": doc["as_of"],
            "runs": doc["runs"],
            "seed": doc["seed"],
            "scope": scope,
            "open_hazards": open_hazards,
            "remaining_ha": remaining,
            "completion": {
                k: completion.get(k) for k in ("p10", "p50", "p90", "done_within_horizon")
            },
            "country": {k: doc["country"].get(k) for k in ("p10", "p50", "p90")},
            "districts": districts,
            "notes": doc["notes"],
        }
    )


def choices_part(store: Store) -> dict[str, list[str]]:
    """Names for the filter form: every district, and organisations with approved work."""
    with store.session() as session:
        districts, organisations = q.filter_choices(session)
    return {"districts": districts, "organisations": organisations}


def cache_of(app: Any) -> Cache:
    """The app's dashboard cache (made on first use): ``CACHE_ENTRIES`` parts at most, the data
    version asked at every view (``CACHE_SECONDS``)."""
    return shared_cache(
        app, "dashboard_cache", lambda: Cache(check_s=CACHE_SECONDS, entries=CACHE_ENTRIES)
    )


def _once(fn: Callable[[], T]) -> Callable[[], T]:
    """``fn`` called at most once; later calls return its first answer."""
    box: list[T] = []

    def call() -> T:
        if not box:
            box.append(fn())
        return box[0]

    return call


def dashboard_doc(
    store: Store, cache: Cache, f: DashboardFilters, who: Principal
) -> dict[str, Any]:
    """Every figure of the dashboard for ``who`` under the filters ``f`` (the JSON document).

    The slow parts, the figures read from every find and record accuracy, may be served from
    before the last change of data while they are recomputed in the background:
    ``refreshing`` lists those (``figures``, ``accuracy``); it is empty when all is current.
    """
    version = _once(store_version(store))
    where = (f.district, f.organisation)
    slow = {
        "figures": lambda: figures_part(store, f),
        "accuracy": lambda: accuracy_part(store, f),
    }
    part = {
        name: cache.get((name, *where), compute, version, stale_ok=True)
        for name, compute in slow.items()
    }
    base, accuracy = part["figures"], part["accuracy"]
    forecast = cache.get(("forecast", *where), lambda: forecast_part(store, f), version)
    head = dict(base["headline"])
    head["casualties_since"] = casualties_since(base["victims"], f.since)
    head["record_accuracy"] = accuracy["record_accuracy"]
    doc: dict[str, Any] = {
        "filters": f.as_dict(),
        "approved_only": True,
        "as_of": base["as_of"],
        "refreshing": [name for name in slow if cache.refreshing((name, *where))],
        "headline": head,
        "charts": base["charts"],
        "accuracy": accuracy,
        "forecast": forecast,
    }
    if who.role in READERS and not who.anonymous:
        doc["priorities"] = cache.get(
            ("priorities", f.district), lambda: priorities_part(store, f), version
        )
    return plain(doc)


def warm_up(store: Store, cache: Cache) -> None:
    """Compute the unfiltered dashboard (every part) into ``cache``; failures are logged."""
    try:
        dashboard_doc(store, cache, DashboardFilters(), ANALYST)
    except Exception:  # noqa: BLE001 - a warm-up must never stop the server
        logger.exception("dashboard: warming up the cache failed")


@asynccontextmanager
async def lifespan(app: Any) -> AsyncIterator[None]:
    """When the server starts, compute the unfiltered dashboard in the background, so the
    first view does not wait for record accuracy (``CLEARGROUND_DASHBOARD_WARMUP=0``: off)."""
    store = getattr(app.state, "store", None)
    if store is not None and os.environ.get("CLEARGROUND_DASHBOARD_WARMUP", "1") != "0":
        cache = cache_of(app)
        cache.spawn(lambda: warm_up(store, cache))
    yield


def _text(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def parse_filters(
    since: str | None, district: str | None, organisation: str | None
) -> DashboardFilters:
    """The filters from query parameters; empty values mean no filter."""
    day = None
    if _text(since):
        try:
            day = dt.date.fromisoformat(str(_text(since)))
        except ValueError:
            raise ApiError(
                400, "bad_request", f"'{since}' is not a date: give YYYY-MM-DD", "since"
            ) from None
    return DashboardFilters(day, _text(district), _text(organisation))


# --- routes ----------------------------------------------------------------------------------

router = APIRouter(tags=["dashboard"], lifespan=lifespan)

SinceQuery = Annotated[
    str | None, Query(description="casualties since this date (YYYY-MM-DD); empty: all")
]
DistrictQuery = Annotated[
    str | None, Query(description="a district's name (any known spelling); empty: all")
]
OrganisationQuery = Annotated[
    str | None,
    Query(description="an organisation's name or short name, with its units; empty: all"),
]


@router.get("/api/dashboard")
def dashboard_json(
    request: Request,
    who: CurrentUser,
    since: SinceQuery = None,
    district: DistrictQuery = None,
    organisation: OrganisationQuery = None,
) -> JSONResponse:
    """The dashboard's figures (approved records): headline figures, chart series, record
    accuracy per handover and district, the forecast; the prioritised list (``priorities``)
    only for admin, im_officer, operator and manager. Areas in m² (``_m2``) or ha (``_ha``),
    dates as YYYY-MM-DD, shares from 0 to 1."""
    f = parse_filters(since, district, organisation)
    store = store_of(request)
    return JSONResponse(dashboard_doc(store, cache_of(request.app), f, who))


def _pct(value: Any) -> str:
    return "–" if value is None else f"{100 * float(value):.1f} %"


def _ha(m2: Any) -> str:
    """m² as hectares: one decimal below 100 ha, none from 100 ha."""
    ha = float(m2 or 0) / 1e4
    return f"{ha:,.0f}" if abs(ha) >= 100 else f"{ha:,.1f}"


def chart_svgs(doc: Mapping[str, Any], _: Callable[..., str]) -> dict[str, Markup]:
    """The three charts of the dashboard as SVG, labelled in the language of ``_``."""
    c = doc["charts"]
    rel = c["released_by_method"]
    finds = c["finds_by_month"]
    cas = c["casualties_by_year"]
    undated = sum(cas.get("unknown", {}).values())  # a last bar for accidents of unknown date
    empty = _("dash.no_data")
    return {
        "released": Markup(
            charts.line_chart(
                rel["months"],
                {k: [v / 1e4 for v in vals] for k, vals in rel["series"].items()},
                title=_("dash.chart_released"),
                y_label=_("dash.axis_ha"),
                names={k: _(f"dash.method.{k}") for k in rel["series"]},
                element_id="chart-released-svg",
                empty_text=empty,
            )
        ),
        "finds": Markup(
            charts.bar_chart(
                finds["months"],
                finds["series"],
                title=_("dash.chart_finds"),
                y_label=_("dash.axis_devices"),
                names={k: _(f"dash.category.{k}") for k in finds["series"]},
                element_id="chart-finds-svg",
                empty_text=empty,
            )
        ),
        "casualties": Markup(
            charts.bar_chart(
                [str(y) for y in cas["years"]] + ([_("dash.year_unknown")] if undated else []),
                {
                    k: v + ([cas["unknown"].get(k, 0)] if undated else [])
                    for k, v in cas["series"].items()
                },
                title=_("dash.chart_casualties"),
                y_label=_("dash.axis_people"),
                names={k: _(f"dash.outcome.{k}") for k in cas["series"]},
                colours={"killed": "#d55e00", "injured": "#e69f00"},
                element_id="chart-casualties-svg",
                empty_text=empty,
            )
        ),
    }


def _main_parts(points: Mapping[str, float], _: Callable[..., str], n: int = 3) -> str:
    best = sorted(points.items(), key=lambda kv: -kv[1])[:n]
    return ", ".join(f"{_(f'dash.part.{k}')} {v:.1f}" for k, v in best if v > 0)


@router.get("/dashboard", response_class=HTMLResponse, include_in_schema=False)
def dashboard_page(
    request: Request,
    who: CurrentUser,
    since: SinceQuery = None,
    district: DistrictQuery = None,
    organisation: OrganisationQuery = None,
) -> HTMLResponse:
    """The dashboard page (figures as ``/api/dashboard``, charts as inline SVG)."""
    store = store_of(request)
    cache = cache_of(request.app)
    _ = translator(language_of(request))
    choices = cache.get(("choices",), lambda: choices_part(store), store_version(store))
    context: dict[str, Any] = {
        "choices": choices,
        "filters": {
            "since": since or "",
            "district": district or "",
            "organisation": organisation or "",
        },
        "pct": _pct,
        "ha": _ha,
        "error": None,
        "d": None,
    }
    try:
        f = parse_filters(since, district, organisation)
        doc = dashboard_doc(store, cache, f, who)
    except (ApiError, BadInput) as exc:
        context["error"] = exc.message
        return pages.render(request, "dashboard.html", context, who, status_code=400)
    context["d"] = doc
    context["svg"] = chart_svgs(doc, _)
    context["main_parts"] = lambda points: _main_parts(points, _)
    return pages.render(request, "dashboard.html", context, who)
