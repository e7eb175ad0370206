"""The first-hour guide (docs/FIRST-HOUR.md), followed as an IM officer would: its commands
through the real command line, its web steps in Debian's Chromium on ``clearground serve``,
and one picture per web step written to docs/first-hour/, where the guide shows them.

Data: the guide's own example files (docs/examples/first-hour-*), so a change that breaks the
guide's import, review or publication fails here. Expected figures (areas, grid nodes) are
worked out from the example file itself with ``pyproj.Geod``, not through Clearground.

The pictures are the viewport (1200 x 800) or one panel of it; the times a page shows (when a
record was changed) are masked, so the same steps on the same data give the same picture.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd
import pyogrio
import pytest
import shapely
from playwright.sync_api import Browser, Locator
from pyproj import Geod

from clearground.store.database import Store
from tests.browser import ROOT, SCREENSHOTS, Shots, Visitor, Visitors, chromium
from tests.conftest import BACKEND, run_cli
from tests.test_browser import RECORD_LINKS, listed, nav_links, open_map_at, public_node

GUIDE = ROOT / "docs" / "FIRST-HOUR.md"
PICTURES = ROOT / "docs" / "first-hour"
EXAMPLES = ROOT / "docs" / "examples"
HAZARDS = EXAMPLES / "first-hour-hazards.csv"
MAPPING = EXAMPLES / "first-hour-hazards.yaml"
ORGANISATIONS = EXAMPLES / "first-hour-organisations.csv"
STEPS = (
    "01-sign-in",
    "02-import-dry-run",
    "03-import-done",
    "04-review-queue",
    "05-record",
    "06-rejected",
    "07-public-overview",
    "08-public-map",
    "09-public-dashboard",
)
"""The pictures, in the order the guide shows them and the test takes them."""
VIEWPORT = {"width": 1200, "height": 800}
TIMES = "time, td[data-field=updated_at]"
"""What a page shows of the wall clock: masked in the pictures."""
OFFICER = ("amina", "first-hour-1")
REFUSED = (
    "error: line 4 (FUZ-001), field 'kind' (column 'Type'): unknown value for kind "
    "(value: 'Suspectd'). "
    "Allowed: SHA, CHA"
)
"""The refusal of the example file, as the guide quotes it."""
REASON = "Boundary copied from a 2019 sketch map; resurvey before approving"
ORG_IDS = ["ORG-FDT", "ORG-NMAC"]
GEOD = Geod(ellps="WGS84")


def example_hazards() -> pd.DataFrame:
    """The example register by local id: name, geometry and geodesic area (ha)."""
    frame = pd.read_csv(HAZARDS).rename(columns={"Hazard ref": "local_id", "Name": "name"})
    frame["geometry"] = [shapely.from_wkt(w) for w in frame["Boundary (WKT)"]]
    frame["ha"] = [abs(GEOD.geometry_area_perimeter(g)[0]) / 1e4 for g in frame["geometry"]]
    return frame.set_index("local_id")


def grid_node(geom: Any) -> tuple[float, float]:
    """The 0.1° grid node nearest the centroid: where the public sees a record counted."""
    c = geom.centroid
    return (round(c.x, 1), round(c.y, 1))


class Pictures:
    """The guide's pictures: one PNG per step in docs/first-hour/, rewritten only if changed."""

    def __init__(self) -> None:
        PICTURES.mkdir(parents=True, exist_ok=True)
        self.taken: list[str] = []

    def take(self, v: Visitor, step: str, panel: str | None = None) -> None:
        """The viewport (or the element ``panel``), times masked, as docs/first-hour/STEP.png."""
        assert step == STEPS[len(self.taken)], f"{step} out of order after {self.taken}"
        options: dict[str, Any] = {
            "type": "png",
            "animations": "disabled",
            "caret": "hide",
            "mask": [v.page.locator(TIMES)],
            "mask_color": "#c9ced6",
        }
        v.page.mouse.move(0, 0)  # no hover highlight where the last click was
        target: Locator | None = v.page.locator(panel) if panel else None
        png = target.screenshot(**options) if target else v.page.screenshot(**options)
        path = PICTURES / f"{step}.png"
        if not path.exists() or path.read_bytes() != png:
            path.write_bytes(png)
        self.taken.append(step)


@contextmanager
def clearground_serve(url: str) -> Iterator[str]:
    """``clearground serve --db URL`` on a free loopback port, in a subprocess, as the guide
    runs it (GDAL, which reads /ogc in the QGIS step, holds the GIL while it fetches, so an
    in-process server would wait). The dashboard is not computed before it is first asked
    for, so it shows at once the approvals made before that; yields the base URL."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "clearground", "serve", "--db", url, "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "CLEARGROUND_DASHBOARD_WARMUP": "0"},
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise AssertionError(f"the server stopped: {proc.stderr.read()}")  # type: ignore[union-attr]
            assert time.monotonic() < deadline, "the server did not start within 60 s"
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(15)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as b:
        yield b


def visitor(visitors: Visitors, who: str) -> Visitor:
    """The visitor ``who`` (own browser context) in the guide's window size."""
    v = visitors[who]
    v.page.set_viewport_size(VIEWPORT)  # type: ignore[arg-type]
    return v


SETTLED = """async () => {
    // the map's panes and canvases as drawn: equal for half a second once Leaflet has ended
    // its animations (fitBounds pans and zooms after the data have loaded)
    const look = () => [...document.querySelectorAll("#map .leaflet-pane, #map canvas")]
        .map((e) => `${e.style.transform}:${e.width || ""}x${e.height || ""}`).join("|")
        + document.getElementById("map").className;
    let last = look(), still = 0;
    while (still < 5) {
        await new Promise((done) => setTimeout(done, 100));
        const now = look();
        still = now === last ? still + 1 : 0;
        last = now;
    }
}"""


def map_settled(v: Visitor) -> None:
    """Wait until the page's map has stopped moving, so its picture is the same each run."""
    v.page.evaluate(SETTLED)


def open_for_review(v: Visitor, local_id: str) -> None:
    """From the review queue, the record ``local_id``, waiting for review."""
    v.open("/review")
    v.page.click(f"#review-table tr[data-local-id='{local_id}'] a")
    v.page.wait_for_selector("#record-status[data-status='submitted']")


def approve(v: Visitor, local_id: str) -> None:
    open_for_review(v, local_id)
    v.page.click("#btn-approve")
    v.page.wait_for_selector("#record-status[data-status='approved']")


def field(v: Visitor, name: str) -> str:
    return v.text(f"#record-fields td[data-field='{name}']")


def import_on_the_page(v: Visitor, path: Path, dry_run: bool) -> None:
    """The import page's form: hazards, ``path`` with the example mapping; waits for the
    report."""
    v.page.select_option("#import-kind", "hazards")
    v.page.set_input_files("#import-file", str(path))
    v.page.set_input_files("#import-mapping", str(MAPPING))
    v.page.set_checked("#import-dry-run", dry_run)
    v.page.click("#import-submit")
    v.page.wait_for_selector("#import-report[data-ok]")


def web_steps(visitors: Visitors, pictures: Pictures, hazards: pd.DataFrame, fixed: Path) -> None:
    """Sign in, import on the page, review, and what the public then sees."""
    # sign in as the IM officer: no demo users on a centre's own database
    im = visitor(visitors, "im_officer")
    im.open("/signin?next=/import")
    assert im.page.locator("#signin-demo").count() == 0
    im.page.fill("#signin-name", OFFICER[0])
    im.page.fill("#signin-password", OFFICER[1])
    pictures.take(im, "01-sign-in")
    im.page.click("#signin-submit")
    im.page.wait_for_url(lambda u: u.endswith("/import"))
    im.page.wait_for_load_state("load")
    assert im.text("#who").startswith(f"Signed in as {OFFICER[0]}"), im.text("#who")
    assert nav_links(im) & RECORD_LINKS == RECORD_LINKS

    # the file as it came, checked only: line 4 refused by field, nothing written
    import_on_the_page(im, HAZARDS, dry_run=True)
    summary = im.text("#import-summary")
    assert summary.startswith("Checked only, nothing written. 3 rows: 2 accepted, 1 rejected")
    cells = im.page.eval_on_selector_all(
        "#import-issues tbody tr", "rows => rows.map(r => [...r.cells].map(c => c.textContent))"
    )
    assert len(cells) == 1 and cells[0][:3] == ["4", "kind", "error"], cells
    assert "'Suspectd'" in cells[0][3] and "FUZ-001" in cells[0][3], cells
    pictures.take(im, "02-import-dry-run")
    none = im.api("GET", "/api/records/hazards")
    assert none["status"] == 200 and none["data"]["items"] == [], none
    # the corrected file, imported: three hazards, submitted for review
    import_on_the_page(im, fixed, dry_run=False)
    assert im.page.get_attribute("#import-report", "data-ok") == "true"
    assert im.text("#import-summary") == (
        "3 rows: 3 accepted, 0 rejected; 3 created, 0 updated, 0 unchanged."
    )
    pictures.take(im, "03-import-done")
    im.clean()

    # the review queue: the organisations and the three hazards
    im.open("/review")
    assert listed(im, "#review-table") == sorted([*ORG_IDS, *hazards.index])
    kinds = im.page.eval_on_selector_all(
        "#review-table tbody tr", "rows => rows.map(r => [r.dataset.localId, r.dataset.kind])"
    )
    assert dict(kinds) == {
        **dict.fromkeys(ORG_IDS, "organisations"),
        **dict.fromkeys(hazards.index, "hazards"),
    }
    pictures.take(im, "04-review-queue")

    # one record: its fields as mapped, the district it lies in, approve
    open_for_review(im, "AGH-001")
    assert field(im, "name") == hazards.loc["AGH-001", "name"]
    assert field(im, "kind") == "CHA" and field(im, "status") == "open"
    assert field(im, "location") == "Agdam District"  # "Aghdam" in the file: the district
    assert field(im, "info_date") == "2023-03-14"
    assert field(im, "estimated_area_m2") == "950,000.00"  # 95 ha
    area = float(field(im, "area_m2").replace(",", "")) / 1e4
    assert area == pytest.approx(hazards.loc["AGH-001", "ha"], rel=1e-6)
    assert im.page.locator("#btn-approve").is_visible()
    pictures.take(im, "05-record")
    im.page.click("#btn-approve")
    im.page.wait_for_selector("#record-status[data-status='approved']")
    approve(im, "FUZ-001")
    # the page shows the stored code in_work as words
    assert field(im, "location") == "Fuzuli District" and field(im, "status") == "in work"
    for org in ORG_IDS:
        approve(im, org)

    # the other one rejected, with the reason; it waits among the rejected records
    open_for_review(im, "AGH-002")
    im.page.fill("#reject-reason", REASON)
    im.page.click("#btn-reject")
    im.page.wait_for_selector("#record-status[data-status='rejected']")
    assert im.text("#rejection-reason") == f"Rejected: {REASON}"
    pictures.take(im, "06-rejected")
    im.open("/review")
    assert im.page.locator("#review-empty").is_visible()
    assert listed(im, "#review-table") == []
    im.open("/review?status=rejected")
    assert listed(im, "#review-table") == ["AGH-002"]
    assert REASON in im.text("#review-table")
    im.clean()

    # what anyone sees, signed in or not: aggregates of the approved records only
    approved = hazards.loc[["AGH-001", "FUZ-001"]]
    anon = visitor(visitors, "anonymous")
    anon.open("/")
    anon.page.wait_for_selector("#map[data-loaded]")
    assert anon.text("#hazards-remaining") == "2"
    assert anon.text("#hazards-remaining-ha") == (
        f"{approved['ha'].sum():,.0f} ha still to release · 2 recorded"
    )
    assert RECORD_LINKS.isdisjoint(nav_links(anon)), nav_links(anon)
    assert_nothing_of_a_record_shown(anon, hazards)
    map_settled(anon)
    pictures.take(anon, "07-public-overview")

    nodes = {lid: grid_node(g) for lid, g in hazards["geometry"].items()}
    assert len(set(nodes.values())) == 3  # each hazard on a node of its own
    open_map_at(anon, 47.05, 39.8, 10)
    for lid in approved.index:
        node = public_node(anon, *nodes[lid])
        assert node is not None and node["count"] == 1, (lid, node)
    assert public_node(anon, *nodes["AGH-002"]) is None  # rejected: not published
    shown = anon.page.evaluate(
        """() => {
            const out = [];
            window.cgMap.layers.hazards.group.eachLayer((gj) => gj.eachLayer((l) => {
                out.push(l.feature.geometry);
            }));
            return out;
        }"""
    )
    assert shown and all(g["type"] == "Point" for g in shown), shown
    for g in shown:  # counts at grid nodes, never a boundary or an exact position
        x, y = g["coordinates"]
        assert (round(x, 1), round(y, 1)) == (x, y), g
    assert_nothing_of_a_record_shown(anon, hazards)
    map_settled(anon)
    pictures.take(anon, "08-public-map")

    anon.open("/dashboard")
    rows = anon.page.eval_on_selector_all(
        "#forecast-districts tbody tr",
        "rows => rows.map(r => [...r.cells].slice(0, 3).map(c => c.textContent.trim()))",
    )
    assert {r[0]: r[1] for r in rows} == {"Agdam District": "1", "Fuzuli District": "1"}, rows
    remaining = {r[0]: float(r[2]) for r in rows}  # one decimal, of a figure rounded before
    assert remaining["Agdam District"] == pytest.approx(approved.loc["AGH-001", "ha"], abs=0.06)
    assert remaining["Fuzuli District"] == pytest.approx(approved.loc["FUZ-001", "ha"], abs=0.06)
    assert anon.page.locator("#priorities").count() == 0  # the ranked list is for staff
    assert_nothing_of_a_record_shown(anon, hazards)
    pictures.take(anon, "09-public-dashboard", panel="#forecast")
    for path in ("/records?kind=hazards", "/review"):
        anon.open(path)
        assert "/signin?next=" in anon.page.url, anon.page.url
    anon.clean()


def assert_nothing_of_a_record_shown(v: Visitor, hazards: pd.DataFrame) -> None:
    """The page names no hazard of the example: neither its local id nor its name."""
    text = v.page.inner_text("body")
    for lid, name in hazards["name"].items():
        assert str(lid) not in text and str(name) not in text, (lid, v.page.url)


def qgis_step(url: str, db: str, hazards: pd.DataFrame) -> None:
    """What QGIS reads from /ogc (GDAL's OAPIF driver, as QGIS's own provider would): with an
    IM officer's token every hazard exact, with its review status; without, the public's
    points on the 0.1° grid, approved hazards only."""
    made = run_cli("user", "add", "qgis", "--role", "im_officer", "--token", "--db", db).stdout
    token = made.strip().splitlines()[-1].split()[-1]
    ogc = f"OAPIF:{url}/ogc"
    try:
        pyogrio.set_gdal_config_options(
            {"GDAL_HTTP_AUTH": "BEARER", "GDAL_HTTP_BEARER": token, "GDAL_HTTP_TIMEOUT": "60"}
        )
        exact = pyogrio.read_dataframe(ogc, layer="hazards").set_index("local_id").sort_index()
        assert dict(exact["review_status"]) == {
            "AGH-001": "approved",
            "AGH-002": "rejected",
            "FUZ-001": "approved",
        }
        for lid, geom in exact.geometry.items():
            assert geom.equals_exact(hazards.loc[lid, "geometry"], 1e-9), lid
        pyogrio.set_gdal_config_options({"GDAL_HTTP_AUTH": None, "GDAL_HTTP_BEARER": None})
        public = pyogrio.read_dataframe(ogc, layer="hazards").set_index("local_id").sort_index()
        assert list(public.index) == ["AGH-001", "FUZ-001"]
        for lid, geom in public.geometry.items():
            assert geom.geom_type == "Point" and (geom.x, geom.y) == grid_node(
                hazards.loc[lid, "geometry"]
            ), (lid, geom)
        assert "name" not in public.columns or public["name"].isna().all()
    finally:
        pyogrio.set_gdal_config_options(
            {"GDAL_HTTP_AUTH": None, "GDAL_HTTP_BEARER": None, "GDAL_HTTP_TIMEOUT": None}
        )


def test_the_guide_shows_each_picture_the_test_takes() -> None:
    """docs/FIRST-HOUR.md embeds exactly the pictures of STEPS, in that order, and each is in
    the repository (committed from a run of test_first_hour)."""
    shown = re.findall(r"!\[[^\]]*\]\(first-hour/([\w-]+)\.png\)", GUIDE.read_text("utf-8"))
    assert tuple(shown) == STEPS
    assert sorted(p.stem for p in PICTURES.glob("*.png")) == sorted(STEPS)


def test_the_guide_quotes_what_the_command_line_says() -> None:
    """The refusal the guide shows is the one test_first_hour gets, of the example's one
    mistake."""
    assert REFUSED in " ".join(GUIDE.read_text("utf-8").split())
    assert HAZARDS.read_text("utf-8").count(",Suspectd,") == 1


def test_first_hour(store: Store, browser: Browser, tmp_path: Path) -> None:
    """The guide from the database the setup made (``clearground init``; the fixture's
    template) to QGIS, on the test backend."""
    db = store.url
    hazards = example_hazards()

    # users: the organisations first (an operator belongs to one), then the people
    run_cli("import", "organisations", str(ORGANISATIONS), "--user", OFFICER[0], "--db", db)
    run_cli("user", "add", OFFICER[0], "--role", "im_officer", "--password", OFFICER[1], "--db", db)
    run_cli(
        "user", "add", "fdt.lead", "--role", "operator", "--organisation", "FDT",
        "--password", "first-hour-2", "--db", db,
    )  # fmt: skip
    users = json.loads(run_cli("user", "list", "--json", "--db", db).stdout)["users"]
    assert {(u["name"], u["role"], u["organisation"]) for u in users} == {
        (OFFICER[0], "im_officer", None),
        ("fdt.lead", "operator", "Field Demining Team"),
    }

    # the spreadsheet checked at the command line: one row refused, nothing written
    dry = run_cli(
        "import", "hazards", str(HAZARDS), "--mapping", str(MAPPING), "--dry-run", "--db", db,
        check=False,
    )  # fmt: skip
    assert dry.returncode == 2, dry.stderr
    assert REFUSED in " ".join(dry.stderr.split()), dry.stderr
    assert "Dry run: nothing was written." in dry.stderr
    fixed = tmp_path / HAZARDS.name  # the guide's correction: the label typed right
    fixed.write_text(HAZARDS.read_text("utf-8").replace(",Suspectd,", ",Suspected,"), "utf-8")

    pictures = Pictures()
    with clearground_serve(db) as url:
        opened = Visitors(browser, url, Shots(SCREENSHOTS / f"{BACKEND}-first-hour"))
        try:
            web_steps(opened, pictures, hazards, fixed)
            qgis_step(url, db, hazards)
        finally:
            opened.close()
    assert pictures.taken == list(STEPS)

    # to QGIS as a file: every record, its review status and rejection reason in columns
    gpkg = tmp_path / "hazards.gpkg"
    run_cli("export", "hazards", "--format", "gpkg", "-o", str(gpkg), "--db", db)
    frame = pyogrio.read_dataframe(gpkg).set_index("local_id").sort_index()
    assert frame.crs is not None and frame.crs.to_epsg() == 4326
    assert dict(frame["review_status"]) == {
        "AGH-001": "approved",
        "AGH-002": "rejected",
        "FUZ-001": "approved",
    }
    assert frame.loc["AGH-002", "rejection_reason"] == REASON
    for lid, geom in frame.geometry.items():
        assert geom.equals_exact(hazards.loc[lid, "geometry"], 1e-9), lid
