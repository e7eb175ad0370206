"""Browser acceptance test (issue 5): Debian's Chromium, driven by Playwright, signs in as each
role on a real server, checks what the role may see, draws a hazard on the map of the entry
form, submits it, has it approved, and finds it on the map and in the totals.

Data: ``fill`` of tests/test_ogc.py (one user per role, password ``pw-ROLE-1``; operator and
donor belong to organisation Alpha). Screenshots of every step and role are kept in
``artifacts/screenshots/<backend>/`` (git-ignored; CI keeps them as artefacts).
"""

from __future__ import annotations

import itertools
import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from playwright.sync_api import Browser
from shapely.geometry import Polygon, shape

from clearground.store.database import Store
from clearground.web.app import create_app
from clearground.web.cache import Cache
from tests.browser import SCREENSHOTS, Shots, Visitor, Visitors, chromium, serve
from tests.conftest import BACKEND
from tests.test_ogc import fill

# Figures of fill(), worked out by hand. Land cleared: activities A1 and A2 cleared all of H1
# and H2: 0.01° x 0.005° boxes at 39.90° and 40.22° N, 855.1 m x 555.2 m = 47.47 ha and
# 851.4 m x 555.2 m = 47.27 ha, 94.7 ha together, shown rounded to whole hectares.
CLEARED_HA = "95 ha"
DEVICES = "2"  # one TM-62M in each of the two finds
CASUALTIES = "1"  # one victim, injured
APPROVED_HAZARDS = 3  # H1, H2, H3; HD is a draft

# The hazard the operator draws: four corners clicked on the map, east of Aghdam town.
# Its centroid is about 46.980, 40.010: on the public 0.1° grid the node 47.0, 40.0, where no
# other hazard of fill() lies (H1 is at 46.9, 39.9).
CORNERS = [(46.970, 40.000), (46.990, 40.002), (46.988, 40.020), (46.972, 40.018)]
NEW_NODE = (47.0, 40.0)
NEW_ID = "HZ-B1"
NEW_NAME = "Aghdam east pasture"

# Navigation text in the three languages (web/locale/common.yaml).
NAV = {
    "en": {"overview": "Overview", "map": "Map", "records": "Records"},
    "az": {"overview": "Ümumi baxış", "map": "Xəritə", "records": "Qeydlər"},
    "ru": {"overview": "Обзор", "map": "Карта", "records": "Записи"},
}


@dataclass
class Site:
    url: str
    ids: dict[str, Any]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as b:
        yield b


@pytest.fixture(scope="module")
def shots() -> Shots:
    return Shots(SCREENSHOTS / BACKEND)


@pytest.fixture
def site(store: Store) -> Iterator[Site]:
    ids = fill(store)
    app = create_app(store.url)
    # The dashboard serves a part for 30 s before it looks at the data again; here it looks
    # at every request, so an approval must show at once (through its data fingerprint).
    app.state.dashboard_cache = Cache()
    with serve(app) as url:
        yield Site(url, ids)


@pytest.fixture
def visitors(browser: Browser, site: Site, shots: Shots) -> Iterator[Visitors]:
    """One browser context per role, opened on first use and closed after the test."""
    opened = Visitors(browser, site.url, shots)
    yield opened
    opened.close()


def signed_in(visitors: Visitors, role: str, then: str = "/") -> Visitor:
    """The visitor for ``role`` (its own context), signed in as u_ROLE through the form."""
    v = visitors[role]
    v.sign_in(f"u_{role}", f"pw-{role}-1", then)
    assert v.text("#who").startswith(f"Signed in as u_{role}"), v.text("#who")
    return v


def nav_links(v: Visitor) -> set[str]:
    return set(v.page.eval_on_selector_all("nav.top a[id^=nav-]", "els => els.map(e => e.id)"))


RECORD_LINKS = {"nav-records", "nav-review", "nav-import"}


def listed(v: Visitor, table: str) -> list[str]:
    """The local ids of the rows of ``table``, sorted."""
    ids = v.page.eval_on_selector_all(
        f"{table} tbody tr[data-local-id]", "rows => rows.map((r) => r.dataset.localId)"
    )
    return sorted(str(i) for i in ids)


def ogc_hazards(v: Visitor) -> dict[str, Any]:
    """The hazards layer of OGC API Features as the visitor gets it."""
    r = v.api("GET", "/ogc/collections/hazards/items?limit=1000")
    assert r["status"] == 200, r
    data: dict[str, Any] = r["data"]
    return data


def assert_no_hazard_named(v: Visitor) -> None:
    """The page shows no hazard's local id (visible text and links)."""
    shown = v.page.inner_text("body") + " ".join(
        v.page.eval_on_selector_all("a[href]", "links => links.map((a) => a.href)")
    )
    assert not re.search(r"\bH[123D]\b", shown), shown


# --- what each role may see -------------------------------------------------------------------


def check_public_pages(v: Visitor) -> None:
    """Overview with aggregates and no record navigation; dashboard without priorities."""
    v.open("/")
    assert v.text("#cleared-ha") == CLEARED_HA
    assert v.text("#devices") == DEVICES
    assert v.text("#casualties") == CASUALTIES
    v.page.wait_for_selector("#map[data-loaded]")
    assert RECORD_LINKS.isdisjoint(nav_links(v)), nav_links(v)
    v.shot("overview")
    v.clean()

    v.open("/dashboard")
    assert v.page.locator("#headline-released").is_visible()
    assert v.text("#headline-devices .value") == DEVICES
    assert v.text("#headline-casualties .value") == CASUALTIES
    assert v.page.locator("#chart-released svg").count() == 1
    assert v.page.locator("#priorities").count() == 0
    v.shot("dashboard")
    v.clean()

    hazards = ogc_hazards(v)
    assert hazards["numberMatched"] == APPROVED_HAZARDS
    assert all(f["geometry"]["type"] == "Point" for f in hazards["features"])
    assert "HD" not in json.dumps(hazards)


def test_each_role_sees_only_what_it_may(visitors: Visitors, site: Site) -> None:
    # anonymous: aggregates only; record pages send to sign-in and show nothing
    anon = visitors["anonymous"]
    check_public_pages(anon)
    for path in ("/records?kind=hazards", "/review", "/import"):
        anon.open(path)
        assert "/signin?next=" in anon.page.url, anon.page.url
        assert anon.page.locator("#signin-name").is_visible()
        assert anon.page.locator("#records-table, #review-table").count() == 0
        assert_no_hazard_named(anon)
    anon.shot("records-sends-to-signin")
    anon.clean()

    # public, signed in: the same aggregates; the record list is refused
    public = signed_in(visitors, "public")
    check_public_pages(public)
    public.open("/records?kind=hazards", status=403)
    assert public.page.locator("#denied").is_visible()
    assert public.page.locator("#records-table").count() == 0
    assert_no_hazard_named(public)
    public.shot("records-denied")
    public.clean(403)

    # donor: dashboard aggregates; no hazard list, no review queue
    donor = signed_in(visitors, "donor", "/dashboard")
    assert donor.text("#headline-devices .value") == DEVICES
    assert donor.page.locator("#priorities").count() == 0
    donor.shot("dashboard")
    donor.clean()
    donor.open("/records?kind=hazards", status=403)
    assert donor.page.locator("#records-table").count() == 0
    assert_no_hazard_named(donor)
    donor.shot("hazards-denied")
    donor.open("/review", status=403)
    assert donor.page.locator("#review-table").count() == 0
    donor.clean(403)
    assert ogc_hazards(donor)["numberMatched"] == APPROVED_HAZARDS

    # roles that read records: every hazard, drafts included, and the prioritised list
    for role, links in (
        ("manager", {"nav-records", "nav-review"}),
        ("admin", {"nav-records", "nav-review", "nav-import"}),
    ):
        v = signed_in(visitors, role, "/records?kind=hazards")
        assert nav_links(v) & RECORD_LINKS == links, nav_links(v)
        assert listed(v, "#records-table") == ["H1", "H2", "H3", "HD"]
        v.shot("hazards")
        v.open("/dashboard")
        assert v.page.locator("#priorities").is_visible()
        v.shot("dashboard-priorities")
        v.clean()


def test_languages(visitors: Visitors) -> None:
    op = signed_in(visitors, "operator", "/records?kind=hazards")
    # an operator enters and imports data, but does not review it
    assert nav_links(op) & RECORD_LINKS == {"nav-records", "nav-import"}
    for lang in ("en", "az", "ru"):
        op.open(f"/records?kind=hazards&lang={lang}")
        assert op.page.locator("html").get_attribute("lang") == lang
        for key, text in NAV[lang].items():
            assert op.text(f"#nav-{key}") == text
        op.shot(f"records-{lang}")
    # the choice is remembered: the next page without ?lang= is still in Russian
    op.open("/")
    assert op.text("#nav-overview") == NAV["ru"]["overview"]
    op.clean()


# --- a hazard drawn, submitted, approved, mapped and counted -----------------------------------


def plane_area_m2(polygon: dict[str, Any]) -> float:
    """Area (m²) of a small polygon (a few km) by the shoelace formula on a plane tangent at
    its mean latitude: metres per degree from the WGS84 radii of curvature there."""
    ring = polygon["coordinates"][0]
    phi = math.radians(sum(y for _, y in ring[:-1]) / (len(ring) - 1))
    a, e2 = 6378137.0, 0.00669437999014
    w = math.sqrt(1 - e2 * math.sin(phi) ** 2)
    m_per_deg_lat = math.radians(1) * a * (1 - e2) / w**3
    m_per_deg_lon = math.radians(1) * a * math.cos(phi) / w
    xy = [(x * m_per_deg_lon, y * m_per_deg_lat) for x, y in ring]
    twice = sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in itertools.pairwise(xy))
    return abs(twice) / 2


def draw_polygon(v: Visitor, corners: list[tuple[float, float]]) -> dict[str, Any]:
    """Click ``corners`` (lon, lat) on the form's map, close the ring; the GeoJSON it wrote."""
    page = v.page
    page.wait_for_function("() => window.cgDrawMap !== undefined")
    # show the corners with a margin, without animation, then click where each one lies
    zoom = page.evaluate(
        """(cs) => {
            const m = window.cgDrawMap;
            m.fitBounds(L.latLngBounds(cs.map((c) => [c[1], c[0]])).pad(0.4), {animate: false});
            return m.getZoom();
        }""",
        corners,
    )
    page.locator("#draw-map").scroll_into_view_if_needed()
    box = page.locator("#draw-map").bounding_box()
    assert box is not None
    for i, (lon, lat) in enumerate(corners, start=1):
        p = page.evaluate(
            "([lat, lon]) => window.cgDrawMap.latLngToContainerPoint([lat, lon])", [lat, lon]
        )
        page.mouse.click(box["x"] + p["x"], box["y"] + p["y"])
        page.wait_for_selector(f"#draw-map[data-vertices='{i}']")
    page.click("#draw-finish")
    page.wait_for_selector("#draw-map[data-closed='true']")
    geometry: dict[str, Any] = json.loads(page.input_value("#f-geometry"))
    assert geometry["type"] == "Polygon"
    ring = geometry["coordinates"][0]
    assert ring[0] == ring[-1] and len(ring) == len(corners) + 1
    # each vertex lies where it was clicked, to within two screen pixels at the map's zoom
    tolerance = 2 * 360 / (256 * 2**zoom)
    for (lon, lat), (x, y) in zip(corners, ring[:-1], strict=True):
        assert abs(x - lon) <= tolerance and abs(y - lat) <= tolerance, (x, y, lon, lat)
    return geometry


def public_node(v: Visitor, lon: float, lat: float) -> dict[str, Any] | None:
    """The hazards count the public map shows at the 0.1° grid node ``lon``, ``lat``."""
    found: dict[str, Any] | None = v.page.evaluate(
        """([lon, lat]) => {
            let hit = null;
            window.cgMap.layers.hazards.group.eachLayer((gj) => gj.eachLayer((l) => {
                const g = l.feature.geometry;
                if (g.type === "Point" && Math.abs(g.coordinates[0] - lon) < 1e-9
                    && Math.abs(g.coordinates[1] - lat) < 1e-9) { hit = l.feature.properties; }
            }));
            return hit;
        }""",
        [lon, lat],
    )
    return found


def open_map_at(v: Visitor, lon: float, lat: float, zoom: int) -> None:
    """/map, then the view centred on ``lon``, ``lat``; waits until the hazards have loaded."""
    v.open("/map")
    v.page.wait_for_selector("#map[data-loaded-hazards]")
    with v.page.expect_response(
        lambda r: "/api/map/hazards?" in r.url and f"zoom={zoom}&" in r.url + "&"
    ):
        # the page fits the country on load (an animated zoom): move once that has ended; the
        # centre lands on a whole screen pixel, so it is the one asked for within a pixel
        v.page.wait_for_function(
            """([lat, lon, z]) => {
                const m = window.cgMap.map, c = m.getCenter(), px = 360 / (256 * 2 ** z);
                if (m.getZoom() === z && Math.abs(c.lat - lat) < px
                    && Math.abs(c.lng - lon) < px) { return true; }
                m.setView([lat, lon], z, {animate: false});
                return false;
            }""",
            arg=[lat, lon, zoom],
        )
    v.page.wait_for_function(
        """() => document.getElementById("map").hasAttribute("data-loaded-hazards")
                 && !window.cgMap.layers.hazards.ctrl"""
    )
    assert v.page.locator("#map").get_attribute("data-error-hazards") is None


def open_forecast_hazards(v: Visitor) -> int:
    r = v.api("GET", "/api/dashboard")
    assert r["status"] == 200, r
    return int(r["data"]["forecast"]["open_hazards"])


def test_hazard_drawn_submitted_approved_mapped_and_counted(visitors: Visitors, site: Site) -> None:
    drawn = Polygon(CORNERS)
    # the nearest node of the 0.1° grid to its centroid
    assert abs(drawn.centroid.x - NEW_NODE[0]) < 0.05 and abs(drawn.centroid.y - NEW_NODE[1]) < 0.05

    # the public before: three approved hazards, nothing at the new hazard's grid node
    public = visitors["anonymous"]
    public.open("/")
    assert ogc_hazards(public)["numberMatched"] == APPROVED_HAZARDS
    # open hazards in the forecast: only H3 (A1 and A2 cleared all of H1 and H2)
    assert open_forecast_hazards(public) == 1
    open_map_at(public, 46.98, 40.01, 12)
    assert public_node(public, *NEW_NODE) is None
    public.shot("map-before")
    public.clean()

    # 3. the operator draws the hazard and submits it
    op = signed_in(visitors, "operator", "/records?kind=hazards")
    op.page.click("#new-record")
    op.page.wait_for_url("**/records/hazards/new")
    op.page.fill("#f-local_id", NEW_ID)
    op.page.select_option("#f-kind", "SHA")
    op.page.fill("#f-name", NEW_NAME)
    op.page.fill("#f-info_date", "2024-05-14")
    # blockages: a choice of several (was a JSON textarea: 'agriculture' gave a script error)
    op.page.select_option("#f-blockages", ["road", "water"])
    geometry = draw_polygon(op, CORNERS)
    op.shot("hazard-drawn")
    op.page.click("#save-submit")
    op.page.wait_for_selector("#record-status")
    assert op.page.url.rsplit("/", 1)[-1].isdigit(), op.page.url
    hazard_id = int(op.page.url.rsplit("/", 1)[-1])
    assert op.page.get_attribute("#record-status", "data-status") == "submitted"
    assert op.text("#record-status") == "submitted"
    saved = json.loads(op.page.inner_text("#record-geometry"))
    assert shape(saved).equals_exact(shape(geometry), 1e-9)
    stored = op.api("GET", f"/api/records/hazards/{hazard_id}")
    assert stored["data"]["blockages"] == ["road", "water"], stored
    area = float(op.text("#record-fields td[data-field='area_m2']").replace(",", ""))
    assert area == pytest.approx(plane_area_m2(geometry), rel=2e-3)
    # the operator may not approve: no button, and the API refuses the page's own call
    assert op.page.locator("#btn-approve").count() == 0
    version = int(op.page.get_attribute("#record", "data-version") or 0)
    refused = op.api("POST", f"/api/records/hazards/{hazard_id}/approve", {"version": version})
    assert refused["status"] == 403, refused
    op.shot("hazard-submitted")
    op.clean(403)

    # 4. the IM officer finds it in the review queue, opens it and approves it
    im = signed_in(visitors, "im_officer", "/review")
    assert nav_links(im) & RECORD_LINKS == RECORD_LINKS
    assert listed(im, "#review-table") == [NEW_ID]
    row = im.page.locator(f"#review-table tr[data-local-id='{NEW_ID}']")
    im.shot("review-queue")
    row.locator("a").click()
    im.page.wait_for_url(f"**/records/hazards/{hazard_id}")
    assert im.page.get_attribute("#record-status", "data-status") == "submitted"
    im.page.click("#btn-approve")
    im.page.wait_for_selector("#record-status[data-status='approved']")
    history = im.page.eval_on_selector_all(
        "#history tbody tr",
        """rows => rows.map((r) => [r.dataset.version, r.cells[1].innerText.trim(),
                                    r.querySelector("[data-status]").dataset.status])""",
    )
    assert history == [["2", "u_im_officer", "approved"], ["1", "u_operator", "submitted"]]
    im.shot("hazard-approved")
    im.clean()

    # 5. on the map: the IM officer sees the polygon itself, with its popup
    open_map_at(im, 46.98, 40.01, 13)
    props = im.page.evaluate(
        """(id) => {
            let hit = null;
            window.cgMap.layers.hazards.group.eachLayer((gj) => gj.eachLayer((l) => {
                if (l.feature.id === id) { hit = {p: l.feature.properties, g: l.feature.geometry}; }
            }));
            return hit;
        }""",
        hazard_id,
    )
    assert props is not None, "the approved hazard is not on the IM officer's map"
    assert props["p"]["local_id"] == NEW_ID
    assert shape(props["g"]).intersects(drawn.centroid.buffer(0.001))
    centre = im.page.evaluate(
        "([lat, lon]) => window.cgMap.map.latLngToContainerPoint([lat, lon])",
        [drawn.centroid.y, drawn.centroid.x],
    )
    box = im.page.locator("#map").bounding_box()
    assert box is not None
    im.page.mouse.click(box["x"] + centre["x"], box["y"] + centre["y"])
    popup = im.page.locator(f"#popup-hazards-{hazard_id}")
    popup.locator("ol.history > li").first.wait_for()
    assert NEW_ID in popup.inner_text()
    assert popup.locator("ol.history > li").count() == 2  # created (submitted), approved
    im.shot("map-popup")
    im.clean()

    # ... and the public sees one more hazard, counted at its grid node only
    open_map_at(public, 46.98, 40.01, 12)
    node = public_node(public, *NEW_NODE)
    assert node is not None and node["count"] == 1, node
    assert NEW_ID not in json.dumps(node) and NEW_NAME not in public.page.inner_text("body")
    public.shot("map-after")
    hazards = ogc_hazards(public)
    assert hazards["numberMatched"] == APPROVED_HAZARDS + 1
    mine = [f for f in hazards["features"] if f["id"] == hazard_id]
    assert len(mine) == 1 and mine[0]["geometry"] == {
        "type": "Point",
        "coordinates": list(NEW_NODE),
    }
    assert open_forecast_hazards(public) == 2
    public.open("/dashboard")
    public.shot("dashboard-after")
    public.clean()


def test_two_editors_second_save_refused_with_the_other_change_then_applied(
    visitors: Visitors, site: Site
) -> None:
    """Two people open the same hazard; the second save is refused showing the first one's
    change, nothing typed is lost, and saving again applies it on top; the diff shows both."""
    url = f"/records/hazards/{site.ids['H2']}"
    first = signed_in(visitors, "im_officer", f"{url}/edit")
    second = signed_in(visitors, "admin", f"{url}/edit")  # both opened version 1
    first.page.fill("#f-name", "North field")
    first.page.click("#save-draft")
    first.page.wait_for_url(lambda u: u.endswith(url))
    assert first.text("#record-fields [data-field=name]") == "North field"

    second.page.fill("#f-expected_devices", "12")
    second.page.click("#save-draft")
    second.page.wait_for_selector("#form-error:not([hidden])")
    second.shot("stale-save-refused")
    assert second.page.get_attribute("#form-error", "data-code") == "stale_version"
    theirs = second.text("#their-changes")
    assert "name" in theirs and "North field" in theirs, theirs
    assert second.page.input_value("#f-expected_devices") == "12"  # what was typed is kept
    second.page.click("#save-draft")  # now based on version 2
    second.page.wait_for_url(lambda u: u.endswith(url))
    fields = {
        "name": second.text("#record-fields [data-field=name]"),
        "expected_devices": second.text("#record-fields [data-field=expected_devices]"),
    }
    assert fields == {"name": "North field", "expected_devices": "12"}

    second.page.select_option("#diff-from", "1")
    second.page.select_option("#diff-to", "3")
    second.page.click("#diff-show")
    second.page.wait_for_selector("#diff-table:not([hidden])")
    changed = second.page.eval_on_selector_all(
        "#diff-table tbody tr", "rows => rows.map(r => r.dataset.field)"
    )
    assert sorted(changed) == ["expected_devices", "name"]
    second.shot("diff-1-to-3")
    first.clean()
    second.clean(409)  # the refused save is answered 409 on purpose


def test_import_page_runs_the_import_as_a_job_and_shows_its_report(
    visitors: Visitors, site: Site, tmp_path: Any
) -> None:
    """The import page starts a background job, shows its progress and then the report of a
    refused file (row and field), then of a good one (created), without a page error."""
    v = signed_in(visitors, "operator", "/import")
    square = [[47.10, 40.10], [47.11, 40.10], [47.11, 40.105], [47.10, 40.105], [47.10, 40.10]]
    outside = [[44.50, 40.17], [44.51, 40.17], [44.51, 40.175], [44.50, 40.175], [44.50, 40.17]]

    def collection(*rings: tuple[str, list[list[float]]]) -> str:
        feats = [
            {
                "type": "Feature",
                "geometry": {"type": "Polygon", "coordinates": [ring]},
                "properties": {"local_id": lid, "kind": "CHA", "info_date": "2022-04-01"},
            }
            for lid, ring in rings
        ]
        return json.dumps({"type": "FeatureCollection", "features": feats})

    bad = tmp_path / "bad.geojson"
    bad.write_text(collection(("JOB-1", square), ("JOB-2", outside)))
    v.page.select_option("#import-kind", "hazards")
    v.page.set_input_files("#import-file", str(bad))
    v.page.click("#import-submit")
    v.page.wait_for_selector("#import-report[data-ok='false']")
    assert v.text("#import-summary").startswith("Nothing was imported.")
    cells = v.page.eval_on_selector_all(
        "#import-issues tbody tr.error td", "tds => tds.map(td => td.textContent)"
    )
    assert cells[:2] == ["2", "geometry"], cells
    v.shot("import-refused")
    good = tmp_path / "good.geojson"
    good.write_text(collection(("JOB-1", square)))
    v.page.set_input_files("#import-file", str(good))
    v.page.click("#import-submit")
    v.page.wait_for_selector("#import-report[data-ok='true']")
    assert "1 created" in v.text("#import-summary"), v.text("#import-summary")
    v.shot("import-done")
    v.clean(400)
    listed = v.api("GET", "/api/records/hazards?q=JOB-")
    assert [i["local_id"] for i in listed["data"]["items"]] == ["JOB-1"]


def test_review_page_approves_a_counted_selection(
    visitors: Visitors, site: Site, store: Store
) -> None:
    """Review by selection on the review page (issue 24 item 5): the officer counts the
    submitted hazards, approves exactly those; a selection that changed between
    the count and the approval is refused, nothing written; operators get no panel."""
    from shapely.geometry import box
    from sqlalchemy import func, select

    from clearground.store import tables as t
    from clearground.store.repository import Registry

    def add(local_id: str, x: float) -> None:
        with store.session() as s:
            Registry(s, user="u_operator").add(
                "hazards",
                {"local_id": local_id, "kind": "SHA", "geometry": box(x, 39.95, x + 0.005, 39.955)},
                status="submitted",
            )

    def statuses() -> dict[str, str]:
        with store.session() as s:
            rows = s.execute(
                select(t.Hazard.local_id, t.Hazard.review_status).where(
                    t.Hazard.local_id.like("HZ-SEL-%")
                )
            ).all()
        return dict(rows)

    for i in range(3):
        add(f"HZ-SEL-{i}", 46.95 + i / 100)
    with store.session() as s:
        submitted = s.execute(
            select(func.count()).where(t.Hazard.review_status == "submitted")
        ).scalar_one()
    operator = signed_in(visitors, "operator", "/review")
    assert operator.page.locator("#bulk-review").count() == 0
    v = signed_in(visitors, "im_officer", "/review")
    v.page.select_option("#bulk-kind", "hazards")
    v.page.click("#bulk-count")
    v.page.wait_for_selector("#bulk-result[data-state='counted']")
    assert v.page.get_attribute("#bulk-review", "data-selected") == str(submitted)
    assert v.text("#bulk-result") == f"{submitted} submitted record(s) match."
    v.shot("review-selection-counted")
    add("HZ-SEL-LATE", 46.99)  # someone submits in between: the count no longer holds
    v.page.click("#bulk-approve")
    v.page.wait_for_selector("#bulk-result[data-state='changed']")
    assert set(statuses().values()) == {"submitted"}
    assert v.page.locator("#bulk-confirm").is_hidden()
    v.page.click("#bulk-count")
    v.page.wait_for_selector("#bulk-result[data-state='counted']")
    v.page.click("#bulk-approve")
    v.page.wait_for_selector("#bulk-result[data-state='done']")
    assert v.page.get_attribute("#bulk-review", "data-moved") == str(submitted + 1)
    assert set(statuses().values()) == {"approved"} and len(statuses()) == 4
    v.shot("review-selection-done")
    v.clean(409)


def test_review_queues_show_each_role_what_it_can_act_on(
    visitors: Visitors, site: Site, store: Store
) -> None:
    """Issue 25 item 8: an operator's /review opens on what came back to it (rejected, with
    the reason); the officer's queue names each record, its district and organisation; a
    manager sees only the kinds it reviews (tasks); the tab shown is marked, each with its
    count."""
    from shapely.geometry import box

    from clearground.store.repository import Registry

    with store.session() as s:
        reg = Registry(s, user="u_operator")
        back = reg.add(
            "hazards",
            {
                "local_id": "HZ-Q-BACK",
                "name": "Riverbank below the bridge",
                "kind": "SHA",
                "geometry": box(46.93, 39.98, 46.935, 39.985),  # in Aghdam district
            },
            status="submitted",
        )
        Registry(s, user="u_im_officer").set_review_status(
            "hazards", back, 1, "rejected", reason="Outline copied from a sketch: resurvey"
        )
        reg.add(
            "hazards",
            {
                "local_id": "HZ-Q-WAIT",
                "name": "Orchard east of the road",
                "kind": "SHA",
                "geometry": box(46.94, 39.98, 46.945, 39.985),
            },
            status="submitted",
        )
    op = signed_in(visitors, "operator", "/review")
    assert op.page.get_attribute("#review-rejected", "aria-current") == "page"
    assert "HZ-Q-BACK" in listed(op, "#review-table")
    row = op.page.locator("#review-table tr[data-local-id='HZ-Q-BACK']")
    assert "resurvey" in row.inner_text()
    shown = op.page.get_attribute("#review-rejected .count", "data-count")
    assert shown == str(len(listed(op, "#review-table")))
    op.shot("review-operator-inbox")
    officer = signed_in(visitors, "im_officer", "/review")
    assert officer.page.get_attribute("#review-submitted", "aria-current") == "page"
    cells = {
        name: officer.text(f"#review-table tr[data-local-id='HZ-Q-WAIT'] td[data-field={name}]")
        for name in ("name", "district", "organisation")
    }
    assert cells == {
        "name": "Orchard east of the road",
        "district": "Agdam District",
        "organisation": "",  # a hazard has no organisation of its own
    }, cells
    officer.shot("review-officer-queue")
    manager = signed_in(visitors, "manager", "/review")
    kinds_listed = set(
        manager.page.eval_on_selector_all(
            "#review-table tbody tr[data-kind]", "rows => rows.map((r) => r.dataset.kind)"
        )
    )
    assert kinds_listed <= {"tasks"}, kinds_listed
    assert "HZ-Q-WAIT" not in listed(manager, "#review-table")  # listed to it before
    for v in (op, officer, manager):
        v.clean()


def test_the_form_proposes_a_local_id_for_the_district(
    visitors: Visitors, site: Site, store: Store
) -> None:
    """Issue 25 item 4: the form asked the user to invent a local id. A new record's id is
    proposed (kind, district, next free number) and follows the district typed, until the
    user types one of their own; the numbers go on from those already given."""
    from shapely.geometry import box

    from clearground.store.repository import Registry

    with store.session() as s:
        Registry(s, user="u_im_officer").add(
            "hazards",
            {
                "local_id": "HAZ-AGD-00041",
                "kind": "SHA",
                "geometry": box(46.93, 39.98, 46.935, 39.985),
            },
        )
    v = signed_in(visitors, "operator", "/records/hazards/new")
    v.page.wait_for_selector("#record-form[data-proposed]")
    assert v.page.input_value("#f-local_id") == "HAZ-00001"  # no district yet
    v.page.fill("#f-location", "Ağdam")  # any spelling of Agdam District
    v.page.dispatch_event("#f-location", "change")
    v.page.wait_for_selector("#record-form[data-proposed='HAZ-AGD-00042']")
    assert v.page.input_value("#f-local_id") == "HAZ-AGD-00042"
    v.shot("form-proposed-local-id")
    v.page.fill("#f-local_id", "MY-OWN-1")  # the user's own id is kept
    v.page.fill("#f-location", "Fuzuli")
    v.page.dispatch_event("#f-location", "change")
    v.page.wait_for_timeout(800)
    assert v.page.input_value("#f-local_id") == "MY-OWN-1"
    v.clean()


def test_the_drawing_map_names_districts_and_shows_the_hazards_around(
    visitors: Visitors, site: Site
) -> None:
    """Issue 25 item 6: the drawing map opened on grey outlines with no names. It now labels
    each district by name (from the database: works offline) and draws the hazards the user
    may read in view, so a new one is not drawn over an old one."""
    v = signed_in(visitors, "operator", "/records/hazards/new")
    v.page.wait_for_selector("#draw-map[data-districts][data-hazards]")
    names = v.page.eval_on_selector_all(
        "#draw-map .district-label", "els => els.map((e) => e.textContent)"
    )
    assert "Agdam District" in names and len(names) == int(
        v.page.get_attribute("#draw-map", "data-districts") or 0
    )
    # fill()'s hazards H1 (46.90-46.91 E, 39.90 N) lies in the opening view (40.0 N, 46.9 E,
    # zoom 10); the operator reads hazards of every organisation
    assert int(v.page.get_attribute("#draw-map", "data-hazards") or 0) >= 1
    v.shot("draw-map-labelled")
    v.clean()


def test_the_form_warns_before_saving(visitors: Visitors, site: Site) -> None:
    """Issue 25 item 7: drawing over hazard H1 with an estimate a hundredth of the drawn
    area shows both warnings before anything is saved."""
    v = signed_in(visitors, "operator", "/records/hazards/new")
    v.page.select_option("#f-kind", "SHA")
    v.page.fill("#f-estimated_area_m2", "2000")  # 0.2 ha; the outline is ~47 ha
    draw_polygon(v, [(46.902, 39.902), (46.912, 39.902), (46.912, 39.907), (46.902, 39.907)])
    v.page.wait_for_selector("#form-warnings li[data-check='overlapping_hazards']")
    checks = set(
        v.page.eval_on_selector_all("#form-warnings li", "els => els.map((e) => e.dataset.check)")
    )
    assert checks == {"area_against_estimate", "overlapping_hazards"}, checks
    assert "H1" in v.text("#form-warnings")
    assert v.api("GET", "/api/records/hazards?q=HAZ-")["data"]["total"] == 0  # nothing saved
    v.shot("form-warned")
    v.clean()


def test_references_are_typed_with_suggestions(visitors: Visitors, site: Site) -> None:
    """Issue 25 item 5 (references): the hazard of an activity and a hazard's district were
    free text. The district field lists the districts; the hazard field suggests the hazards
    the user may read whose id or name holds what is typed."""
    v = signed_in(visitors, "operator", "/records/hazards/new")
    districts = v.page.eval_on_selector_all("#dl-location option", "os => os.map((o) => o.value)")
    assert "Agdam District" in districts and districts == sorted(districts)
    v.open("/records/activities/new")
    v.page.fill("#f-hazard", "H")
    v.page.wait_for_selector("#f-hazard[data-suggested]")
    offered = v.page.eval_on_selector_all("#dl-hazard option", "os => os.map((o) => o.value)")
    assert {"H1", "H2", "H3"} <= set(offered), offered
    v.clean()
