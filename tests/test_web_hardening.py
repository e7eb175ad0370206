"""Findings of the security review of the web app, each fixed and checked here:

- sign-in's ``next`` is followed only when it is a same-site path (a ``javascript:`` URL ran
  script with the signed-in user's session; ``//host`` was an open redirect);
- names from the database (districts) are shown as text on the home page and the map page,
  never run as markup;
- the public extent of an OGC collection comes from approved records only, on the 0.1° grid
  (a draft accident's position showed in it);
- repeated anonymous OGC queries are answered from a cache that every write invalidates;
- ``/docs`` and ``/redoc`` load Swagger UI and ReDoc from the app itself (offline networks).

The browser tests drive Debian's Chromium through Playwright (``tests/browser.py``).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, Page, Route
from shapely.geometry import Point
from sqlalchemy import event, update

from clearground.store import tables as t
from clearground.store.database import Store
from clearground.store.repository import Registry
from clearground.web.app import create_app
from tests.browser import TIMEOUT_MS, chromium, serve
from tests.test_ogc import ACCIDENT, H1, H2, H3, fill

XSS = '<img src=x onerror="window.__xss=1">'
BAD_NEXT = [
    "javascript:window.__pwned=1;void(0)",
    "JavaScript:window.__pwned=1",
    "//evil.example/signin",
    "/\\evil.example/signin",
    "/\t/evil.example/signin",
    "https://evil.example/",
    "data:text/html,<script>window.__pwned=1</script>",
    "records",
    "",
]
FAR_DRAFT = Point(45.40, 39.20)  # Nakhchivan: far west of every approved accident


def _on_grid(v: float) -> bool:
    return abs(v * 10 - round(v * 10)) < 1e-9


def _headers(token: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"} if token else {}


@pytest.fixture
def web(store: Store) -> tuple[TestClient, dict[str, Any], FastAPI]:
    ids = fill(store)
    app = create_app(store.url)
    return TestClient(app), ids, app


# --- next= after sign-in: server side -----------------------------------------------------------


def test_safe_next_accepts_same_site_paths_only() -> None:
    from clearground.web.pages import safe_next

    for good in ("/", "/records", "/records/hazards/12?x=1&y=%2F", "/map#here"):
        assert safe_next(good) == good
    for bad in [*BAD_NEXT, None, "/\\", "//", "/ok\n", "/a\\b", "/\x00", "/\x7f"]:
        assert safe_next(bad) == "/", repr(bad)


def _data_next(html: str) -> str:
    m = re.search(r'<form id="signin-form" data-next="([^"]*)"', html)
    assert m is not None, "the sign-in form carries the checked next"
    return m.group(1).replace("&amp;", "&")


def test_signin_page_passes_only_a_checked_next(web: Any) -> None:
    client, _, _ = web
    for bad in BAD_NEXT:
        r = client.get("/signin", params={"next": bad})
        assert r.status_code == 200
        assert _data_next(r.text) == "/", bad
        assert "javascript:" not in r.text.lower() and "evil.example" not in r.text
    assert _data_next(client.get("/signin?next=/records").text) == "/records"
    # the page's script (a file: the policy allows no inline script) reads the checked
    # value, not the query string
    page = client.get("/signin?next=/records").text
    assert '<script src="/static/signin.js"></script>' in page
    script = client.get("/static/signin.js").text
    assert 'get("next")' not in script and "cg.safeNext(f.dataset.next)" in script


def test_record_pages_send_to_signin_with_an_encoded_same_site_next(web: Any) -> None:
    client, _, _ = web
    r = client.get("/records?kind=hazards&q=a%26b", follow_redirects=False)
    assert r.status_code == 303
    location = r.headers["location"]
    assert location == "/signin?next=" + quote("/records?kind=hazards&q=a%26b", safe="/")
    # followed, the sign-in page would come back to the same list
    back = client.get(location)
    assert _data_next(back.text) == "/records?kind=hazards&q=a%26b"


# --- browser ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as b:
        yield b


@pytest.fixture
def site(store: Store) -> Iterator[str]:
    fill(store)
    with store.session() as s:  # names as a boundary file or a locations import could bring
        s.execute(
            update(t.Location)
            .where(t.Location.kind == "district")
            .values(name=XSS + " " + t.Location.local_id)
        )
    with serve(create_app(store.url)) as url:
        yield url


def _page(browser: Browser, url: str, outside: list[str]) -> Page:
    """A page in its own context whose requests to any other host are refused and noted."""
    context = browser.new_context(base_url=url, locale="en-GB")
    context.set_default_timeout(TIMEOUT_MS)
    here = urlsplit(url).netloc

    def gate(route: Route) -> None:
        target = urlsplit(route.request.url)
        if target.scheme in ("http", "https") and target.netloc != here:
            outside.append(route.request.url)
            route.abort()
        else:
            route.continue_()

    context.route("**/*", gate)
    return context.new_page()


def _sign_in(page: Page, next_: str) -> None:
    page.goto("/signin?next=" + quote(next_, safe=""), wait_until="load")
    page.fill("#signin-name", "u_im_officer")
    page.fill("#signin-password", "pw-im_officer-1")
    page.click("#signin-submit")
    # either script from next ran on the sign-in page, or the page went somewhere
    page.wait_for_function("() => window.__pwned !== undefined || location.pathname !== '/signin'")
    page.wait_for_load_state("load")


def test_signin_follows_only_a_same_site_next_in_the_browser(browser: Browser, site: str) -> None:
    outside: list[str] = []
    for bad in BAD_NEXT[:5]:
        page = _page(browser, site, outside)
        _sign_in(page, bad)
        assert page.evaluate("() => window.__pwned") is None, f"{bad!r} ran script"
        assert page.url == site + "/", f"{bad!r} went to {page.url}"
        assert page.locator("#who").count() == 1  # signed in, on the first page
        page.context.close()
    assert outside == []
    page = _page(browser, site, outside)
    _sign_in(page, "/records")
    assert page.url == site + "/records"
    assert page.locator("#records-table").count() == 1
    page.context.close()


def test_district_names_are_text_on_the_home_and_map_pages(browser: Browser, site: str) -> None:
    outside: list[str] = []
    page = _page(browser, site, outside)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto("/", wait_until="load")
    page.wait_for_selector("#map[data-loaded]")
    # every district bears the name, so the one at the centre of the fitted map is one of them
    box = page.locator("#map").bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert XSS in popup.inner_text()
    assert popup.locator("img").count() == 0
    page.wait_for_timeout(300)  # an injected image would have failed to load by now
    assert page.evaluate("() => window.__xss") is None

    page.goto("/map", wait_until="load")
    page.wait_for_selector("#map[data-loaded-hazards]")
    options = page.locator("#filter-district option").all_inner_texts()
    assert any(o.startswith(XSS) for o in options), options[:3]
    assert page.locator("#map-panel img").count() == 0
    page.wait_for_timeout(300)
    assert page.evaluate("() => window.__xss") is None
    assert errors == [] and outside == []
    page.context.close()


def test_docs_render_offline(browser: Browser, site: str) -> None:
    outside: list[str] = []
    page = _page(browser, site, outside)
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
    page.goto("/docs", wait_until="load")
    page.wait_for_selector(".swagger-ui .info .title")
    assert "Clearground" in page.locator(".swagger-ui .info .title").inner_text()
    page.wait_for_selector(".swagger-ui .opblock")  # the operations of /openapi.json
    assert console == []  # nothing the page needs is refused by its policy
    page.goto("/redoc", wait_until="load")
    page.wait_for_selector("h1")
    assert "Clearground" in page.locator("h1").first.inner_text()
    # ReDoc's sidebar asks for its maker's logo from a CDN: the policy refuses it
    assert all("cdn.redoc.ly" in m for m in console), console
    assert outside == []
    page.context.close()


# --- OGC extents --------------------------------------------------------------------------------


def _extent(client: TestClient, col: str, token: str | None = None) -> list[float]:
    r = client.get(f"/ogc/collections/{col}", headers=_headers(token))
    assert r.status_code == 200, r.text
    bbox: list[float] = r.json()["extent"]["spatial"]["bbox"][0]
    listed = client.get("/ogc/collections", headers=_headers(token)).json()["collections"]
    assert next(c for c in listed if c["id"] == col)["extent"]["spatial"]["bbox"][0] == bbox
    return bbox


def test_public_extent_is_of_approved_records_on_the_grid(web: Any, store: Store) -> None:
    client, ids, _ = web
    with store.session() as s:
        Registry(s).add(
            "accidents",
            {
                "local_id": "X-DRAFT",
                "kind": "incident",
                "accident_date": dt.date(2023, 5, 1),
                "geometry": FAR_DRAFT,
            },
        )  # a draft
    tokens = ids["tokens"]
    for token in (None, tokens["public"], tokens["donor"]):
        accidents = _extent(client, "accidents", token)
        assert accidents == [46.9, 39.9, 47.0, 40.0]  # X1 at 46.9071, 39.9047, widened
        hazards = _extent(client, "hazards", token)
        assert all(_on_grid(v) for v in hazards), hazards
        assert hazards == [46.9, 39.9, 48.3, 40.7]  # H1..H3; not the draft HD at 46.6, 39.6
        # the coarse points of the items lie inside the extent
        items = client.get("/ogc/collections/hazards/items", headers=_headers(token)).json()
        for f in items["features"]:
            x, y = f["geometry"]["coordinates"]
            assert hazards[0] <= x <= hazards[2] and hazards[1] <= y <= hazards[3]
    # staff: what the role may read, exact (drafts included)
    for role in ("im_officer", "admin", "manager", "operator"):
        staff = _extent(client, "accidents", tokens[role])
        assert staff == [FAR_DRAFT.x, FAR_DRAFT.y, ACCIDENT.x, ACCIDENT.y], role
    exact = _extent(client, "hazards", tokens["im_officer"])
    assert exact[0] == pytest.approx(46.6) and exact[2] == pytest.approx(H3.bounds[2])
    # an operator's activities are its organisation's only (A1 on H1)
    assert _extent(client, "activities", tokens["operator"]) == pytest.approx(list(H1.bounds))
    assert _extent(client, "activities", tokens["manager"]) == pytest.approx(
        [H1.bounds[0], H1.bounds[1], H2.bounds[2], H2.bounds[3]]
    )


# --- the cache of public answers ----------------------------------------------------------------


def _count_layer_queries(app: FastAPI, table: str) -> list[str]:
    seen: list[str] = []

    def note(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if re.search(rf"\b{table}\b", statement):
            seen.append(statement)

    event.listen(app.state.store.engine, "before_cursor_execute", note)
    return seen


def _without_time(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k != "timeStamp"}


def test_repeated_anonymous_queries_come_from_the_cache_until_a_write(web: Any) -> None:
    client, ids, app = web
    seen = _count_layer_queries(app, "hazard")
    path = "/ogc/collections/hazards/items?bbox=46,39,49,41&limit=2"
    first = client.get(path)
    assert first.status_code == 200 and seen, "the first answer reads the layer"
    n = len(seen)
    second = client.get(path)
    assert len(seen) == n, "a repeated anonymous request must not query the layer again"
    assert second.headers["content-type"] == first.headers["content-type"]
    assert _without_time(second.json()) == _without_time(first.json())
    assert first.json()["numberMatched"] == 3 and first.json()["numberReturned"] == 2
    cache = app.state.ogc_cache
    assert cache.hits >= 1
    # a donor gets the same coarse answer, from the cache too
    client.get(path, headers=_headers(ids["tokens"]["donor"]))
    assert len(seen) == n
    # the extent of the collection likewise
    client.get("/ogc/collections/hazards")
    n = len(seen)
    client.get("/ogc/collections/hazards")
    assert len(seen) == n
    # other parameters: another answer (with its own links)
    other = client.get("/ogc/collections/hazards/items?bbox=46,39,49,41&limit=2&offset=2").json()
    assert len(seen) > n and other["numberReturned"] == 1
    assert any(link["rel"] == "prev" for link in other["links"])
    # staff never get the coarse answer
    exact = client.get(path, headers=_headers(ids["tokens"]["im_officer"])).json()
    assert exact["numberMatched"] == 4
    assert exact["features"][0]["geometry"]["type"] == "Polygon"
    # a write through the web (submit, approve) bumps the data version: the next answer is new
    im = _headers(ids["tokens"]["im_officer"])
    hd = ids["H_DRAFT"]
    r = client.post(f"/api/records/hazards/{hd}/submit", json={"version": 1}, headers=im)
    assert r.status_code == 200, r.text
    r = client.post(
        f"/api/records/hazards/{hd}/approve", json={"version": r.json()["version"]}, headers=im
    )
    assert r.status_code == 200, r.text
    n = len(seen)
    after = client.get(path).json()
    assert len(seen) > n
    assert after["numberMatched"] == 4
    assert _extent(client, "hazards") == [46.6, 39.6, 48.3, 40.7]


def test_the_cache_is_bounded() -> None:
    from clearground.web.cache import Cache

    cache = Cache(entries=3, max_bytes=1000)

    def same() -> str:
        return "v1"

    for i in range(10):
        assert cache.get(("k", i), lambda i=i: "x" * 10, same, size=len) == "x" * 10
    assert len(cache) == 3
    assert cache.get(("k", 9), lambda: "new", same) == "x" * 10  # still there
    big = cache.get("big", lambda: "y" * 600, same, size=len)  # > a quarter: not kept
    assert big == "y" * 600 and "big" not in cache
    cache.get("mid", lambda: "z" * 240, same, size=len)
    cache.get("mid2", lambda: "z" * 240, same, size=len)
    assert cache.bytes <= 1000 and len(cache) == 3
    assert cache.misses >= 12 and cache.hits == 1


# --- Swagger UI and ReDoc from the app ----------------------------------------------------------


def test_docs_reference_no_outside_host(web: Any) -> None:
    client, _, _ = web
    for path in ("/docs", "/redoc", "/docs/oauth2-redirect"):
        r = client.get(path)
        assert r.status_code == 200
        if path != "/docs/oauth2-redirect":
            assert "default-src 'self'" in r.headers["content-security-policy"]
        assert not re.search(r"(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}", r.text, re.I), (
            path,
            re.findall(r"(?:https?:)?//[^\s\"'<>]+", r.text),
        )
    assets = set()
    for path in ("/docs", "/redoc"):
        assets |= set(re.findall(r'(?:src|href)="(/[^"]+)"', client.get(path).text))
    assert {
        "/static/vendor/swagger-ui/swagger-ui-bundle.js",
        "/static/vendor/swagger-ui/swagger-ui.css",
        "/static/vendor/redoc/redoc.standalone.js",
    } <= assets
    for asset in assets:
        r = client.get(asset)
        assert r.status_code == 200 and len(r.content) > 100, asset
    for licence in ("swagger-ui/LICENSE", "swagger-ui/NOTICE", "redoc/LICENSE"):
        assert client.get(f"/static/vendor/{licence}").status_code == 200
    # the document they show is this app's
    assert json.loads(client.get("/openapi.json").text)["info"]["title"] == "Clearground"
