"""The web application: assembles the routers of the parts of the interface.

The first page is public: aggregated figures only. Sign-in, API tokens and the JSON error
shape are in ``auth.py``; OGC API Features (``/ogc``), where exact positions are given only to
roles allowed to read them, in ``ogc.py``; the page layout, languages and CSRF token for pages
in ``pages.py``; the map's layers in ``maps.py``; the dashboard in ``dashboard.py``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources
from typing import Any

import pandas as pd
import shapely
from fastapi import Depends, FastAPI, Request
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

from clearground.analysis import statistics as st
from clearground.store import queries as q
from clearground.store.database import Store
from clearground.web import (
    bulk_review,
    dashboard,
    entry_checks,
    local_ids,
    maps,
    ogc,
    pages,
    record_pages,
    records,
    transfer,
)
from clearground.web.auth import CurrentUser, install_auth, reject_nul
from clearground.web.cache import Cache, store_version
from clearground.web.limits import BodyLimit
from clearground.web.memory import MemorySettings, cap_arenas, keep_level
from clearground.web.security import SecurityHeaders

WEB = resources.files("clearground") / "web"
VENDOR = "/static/vendor"
"""Swagger UI (Apache-2.0) and ReDoc (MIT) are served from here, not from a CDN, so the API
pages work on an offline network (``static/vendor/swagger-ui``, ``static/vendor/redoc``)."""
DOCS_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self' 'unsafe-inline'",  # the pages' own start-up scripts
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",  # ReDoc's sidebar would fetch its maker's logo from a CDN
        "font-src 'self' data:",
        "worker-src 'self' blob:",
        "connect-src 'self'",
    )
)
"""Content-Security-Policy of ``/docs`` and ``/redoc``: nothing is loaded from another host."""


def _local_only(page: HTMLResponse) -> HTMLResponse:
    page.headers["Content-Security-Policy"] = DOCS_POLICY
    return page


class Figures:
    """Aggregates for public pages, recomputed after a write (the data version is asked at
    every view)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.cache = Cache(entries=1)
        self._version = store_version(store)

    def get(self) -> dict[str, Any]:
        return self.cache.get("figures", self._compute, self._version)

    def _compute(self) -> dict[str, Any]:
        f = q.Filters()
        with self.store.session() as session:
            acts = q.activities_frame(session, f)
            finds = q.finds_frame(session, f)
            victims = q.victims_frame(session, f)
            funding, rates = q.funding_frames(session, f)
            districts = q.district_outlines(session)
            by_status = q.approved_hazards_by_status(session)
        head = st.summary(acts, finds, victims)
        still = [v for s, v in by_status.items() if s != "closed"]
        head["hazards"] = {
            "recorded": sum(n for n, _ in by_status.values()),
            "remaining": sum(n for n, _ in still),
            "remaining_m2": round(sum(a for _, a in still), 1),
            "remaining_ha": round(sum(a for _, a in still) / 1e4, 2),
        }
        head["funding"] = st.funding_summary(funding, rates)
        per = {row["key"]: row for row in st.breakdown(acts, finds, victims, "district")}
        features = []
        for name, geom in districts:
            row = per.get(name)
            simple = shapely.simplify(geom, 0.002, preserve_topology=True)
            features.append(
                {
                    "type": "Feature",
                    "geometry": shapely.geometry.mapping(simple),
                    "properties": {
                        "name": name,
                        "cleared_ha": row["released_ha"]["cleared"] if row else 0.0,
                        "released_ha": round(sum(row["released_ha"].values()), 2) if row else 0.0,
                        "devices": row["devices_total"] if row else 0,
                        "casualties": row["casualties_total"] if row else 0,
                    },
                }
            )
        last = max(
            [
                d
                for d in (
                    acts["end_date"].max() if len(acts) else None,
                    finds["found_date"].max() if len(finds) else None,
                )
                if d is not None and not pd.isna(d)
            ],
            default=None,
        )
        head["as_of"] = last.isoformat() if last is not None else None
        return {"summary": head, "districts": {"type": "FeatureCollection", "features": features}}


def create_app(db_url: str) -> FastAPI:
    """The Clearground web app on the database at ``db_url``."""
    store = Store(db_url)
    figures = Figures(store)
    memory = MemorySettings.from_env()
    cap_arenas(memory.arenas)  # before the handler threads exist

    @asynccontextmanager
    async def close_store(_: FastAPI) -> AsyncIterator[None]:
        """While the server runs, give freed memory back to the system now and then; when it
        stops, close the database connections it holds."""
        trimmer = keep_level(memory)
        yield
        if trimmer is not None:
            trimmer.stop()
        store.dispose()

    app = FastAPI(
        lifespan=close_store,
        title="Clearground",
        version="0.1.0",
        description="Information management for mine action.",
        dependencies=[Depends(reject_nul)],
        docs_url=None,  # served below with the vendored assets
        redoc_url=None,
    )
    install_auth(app, store)
    app.add_middleware(BodyLimit)  # bodies over their limit: 413 before they are parsed
    app.add_middleware(SecurityHeaders)  # outermost: every answer gets the headers
    app.state.figures = figures
    for part in (
        ogc,
        pages,
        entry_checks,
        records,
        bulk_review,
        local_ids,
        record_pages,
        transfer,
        maps,
        dashboard,
    ):
        app.include_router(part.router)
    with resources.as_file(WEB / "static") as static:
        app.mount("/static", StaticFiles(directory=static), name="static")

    @app.get("/docs", include_in_schema=False)
    def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "").rstrip("/")
        page = get_swagger_ui_html(
            openapi_url=root + (app.openapi_url or "/openapi.json"),
            title=f"{app.title} - Swagger UI",
            oauth2_redirect_url=root + "/docs/oauth2-redirect",
            swagger_js_url=root + VENDOR + "/swagger-ui/swagger-ui-bundle.js",
            swagger_css_url=root + VENDOR + "/swagger-ui/swagger-ui.css",
            swagger_favicon_url=root + "/static/favicon.svg",
            swagger_ui_parameters={"validatorUrl": None},  # no badge from an outside validator
        )
        return _local_only(page)

    @app.get("/docs/oauth2-redirect", include_in_schema=False)
    def swagger_ui_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    @app.get("/redoc", include_in_schema=False)
    def redoc(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "").rstrip("/")
        page = get_redoc_html(
            openapi_url=root + (app.openapi_url or "/openapi.json"),
            title=f"{app.title} - ReDoc",
            redoc_js_url=root + VENDOR + "/redoc/redoc.standalone.js",
            redoc_favicon_url=root + "/static/favicon.svg",
            with_google_fonts=False,
        )
        return _local_only(page)

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def index(request: Request, who: CurrentUser) -> HTMLResponse:
        return pages.render(request, "index.html", {"s": figures.get()["summary"]}, who)

    @app.get("/api/summary")
    def summary() -> JSONResponse:
        """Headline figures (approved records): released m², devices, casualties, funding."""
        return JSONResponse(figures.get()["summary"])

    @app.get("/api/districts")
    def districts() -> JSONResponse:
        """District outlines (simplified) with aggregated figures; no positions inside."""
        return JSONResponse(figures.get()["districts"], media_type="application/geo+json")

    return app
