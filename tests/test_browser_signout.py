"""Signing out in the browser ends the session on the server (issue 16, item 2, the browser
part): a copy of the cookie taken while signed in, replayed after the "Sign out" button was
pressed, neither reads exact positions nor writes records.

On the code before (a signed cookie only), the copied cookie kept working for its 8 hours
after sign-out, and this test failed at the replayed reads.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser

from clearground.store.database import Store
from clearground.web.app import create_app
from tests.browser import SCREENSHOTS, Shots, Visitors, chromium, serve
from tests.conftest import BACKEND
from tests.test_ogc import fill


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as b:
        yield b


@pytest.fixture
def site(store: Store) -> Iterator[tuple[str, dict[str, Any]]]:
    ids = fill(store)
    with serve(create_app(store.url)) as url:
        yield url, ids


def test_sign_out_in_the_browser_ends_the_copied_session(
    browser: Browser, site: tuple[str, dict[str, Any]]
) -> None:
    url, _ = site
    visitors = Visitors(browser, url, Shots(SCREENSHOTS / BACKEND))
    try:
        v = visitors["im_officer"]
        v.sign_in("u_im_officer", "pw-im_officer-1", "/")
        assert v.text("#who").startswith("Signed in as u_im_officer")
        cookies = v.context.cookies()
        assert cookies, "signed in: the browser holds a session cookie"
        csrf = v.page.evaluate("() => cg.csrf()")
        assert csrf
        # another browser, given a copy of the cookie (as a thief would replay it)
        thief = browser.new_context(base_url=url, extra_http_headers={"X-CSRF-Token": csrf})
        thief.add_cookies(cookies)
        stolen = thief.request
        exact = stolen.get("/ogc/collections/hazards/items")
        assert exact.status == 200
        assert exact.json()["numberMatched"] == 4, "signed in: every hazard, drafts included"
        assert exact.json()["features"][0]["geometry"]["type"] == "Polygon"

        with v.page.expect_navigation():
            v.page.click("#signout")
        v.page.wait_for_load_state("load")
        v.shot("signed-out")
        assert v.page.locator("#who").count() == 0, "the page names nobody once signed out"
        assert v.page.locator("#nav-signin").count() == 1

        # the copy taken before: anonymous now, so coarse approved points only
        after = stolen.get("/ogc/collections/hazards/items")
        assert after.status == 200
        assert after.json()["numberMatched"] == 3, "signed out: approved hazards only"
        assert {f["geometry"]["type"] for f in after.json()["features"]} == {"Point"}
        assert stolen.get("/api/records/hazards").status == 401
        write = stolen.post(
            "/api/records/hazards",
            data={"values": {"local_id": "H-AFTER", "kind": "SHA"}},
            headers={"Origin": url},
        )
        assert write.status in (401, 403), write.text()
        thief.close()
        v.clean(401)
    finally:
        visitors.close()
