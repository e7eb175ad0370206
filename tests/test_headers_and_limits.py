"""Security headers, the Secure cookie, request body limits, and signing out in a real
browser (issue 16, items 2, 4 and 5).

On the code before: no Content-Security-Policy, X-Frame-Options, X-Content-Type-Options or
Referrer-Policy; ``Server: uvicorn``; the session cookie never had ``Secure``; a body of any
size was read and parsed before being judged; a browser's cookie copied before signing out
still worked after. Each test here failed there.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser
from shapely.geometry import box, mapping

from clearground.store.database import Store
from clearground.web.app import create_app
from clearground.web.security import tile_source
from tests.browser import TIMEOUT_MS, chromium, serve
from tests.test_ogc import fill

MIB = 1024 * 1024


@pytest.fixture
def web(store: Store) -> tuple[TestClient, dict[str, Any]]:
    ids = fill(store)
    return TestClient(create_app(store.url)), ids


def _policy(headers: Any) -> dict[str, str]:
    parts = [p.strip() for p in headers["content-security-policy"].split(";")]
    return {p.split(" ", 1)[0]: p.split(" ", 1)[1] if " " in p else "" for p in parts}


@pytest.mark.parametrize("path", ["/", "/signin", "/map", "/api/summary", "/static/cg.js", "/nope"])
def test_every_answer_has_the_security_headers(web: Any, path: str) -> None:
    client, _ = web
    r = client.get(path)
    assert r.status_code in (200, 404)
    policy = _policy(r.headers)
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'"  # no inline script, no other host
    assert policy["frame-ancestors"] == "'none'"
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert "server" not in r.headers


def test_docs_keep_their_own_policy_and_are_never_framed(web: Any) -> None:
    client, _ = web
    policy = _policy(client.get("/docs").headers)
    assert "'unsafe-inline'" in policy["script-src"]  # Swagger UI's start-up script
    assert policy["frame-ancestors"] == "'none'"


def test_the_tile_server_is_allowed_for_images_only(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLEARGROUND_TILE_URL", "https://{s}.tile.example.org/{z}/{x}/{y}.png")
    r = TestClient(create_app(store.url)).get("/")
    policy = _policy(r.headers)
    assert policy["img-src"] == "'self' https://*.tile.example.org"
    assert "tile.example.org" not in policy["connect-src"] + policy["script-src"]
    assert tile_source("") is None and tile_source("/tiles/{z}/{x}/{y}.png") is None
    assert tile_source("https://a.{host}.org/{z}.png") is None  # cannot be named in a policy


def _sign_in(client: TestClient) -> Any:
    csrf = client.get("/login").json()["csrf_token"]
    return client.post(
        "/login",
        json={"name": "u_im_officer", "password": "pw-im_officer-1"},
        headers={"X-CSRF-Token": csrf},
    )


def test_the_session_cookie_is_secure_over_https_only(store: Store) -> None:
    fill(store)
    app = create_app(store.url)
    over_https = _sign_in(TestClient(app, base_url="https://testserver"))
    assert over_https.status_code == 200
    assert "secure" in [a.strip().lower() for a in over_https.headers["set-cookie"].split(";")]
    over_http = _sign_in(TestClient(app))
    assert over_http.status_code == 200
    assert "secure" not in over_http.headers["set-cookie"].lower()


def _hazard_body(pad: int) -> bytes:
    values = {
        "local_id": "H-BIG",
        "kind": "SHA",
        "info_date": "2022-01-01",
        "geometry": mapping(box(47.40, 40.20, 47.41, 40.205)),
        "evidence": "x" * pad,
    }
    return json.dumps({"values": values}).encode()


def test_a_json_body_over_its_limit_is_refused_before_it_is_read(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = fill(store)
    monkeypatch.setenv("CLEARGROUND_JSON_MAX_MB", "1")
    client = TestClient(create_app(store.url))
    auth = {"Authorization": f"Bearer {ids['tokens']['im_officer']}"}
    big = _hazard_body(2 * MIB)
    r = client.post(
        "/api/records/hazards",
        content=big,
        headers={**auth, "Content-Type": "application/json"},
    )
    assert r.status_code == 413, r.text
    assert r.json()["error"]["code"] == "too_large" and "1 MiB" in r.json()["error"]["message"]

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it is read
        for start in range(0, len(big), 64 * 1024):
            yield big[start : start + 64 * 1024]

    r = client.post(
        "/api/records/hazards",
        content=chunks(),
        headers={**auth, "Content-Type": "application/json"},
    )
    assert r.status_code == 413, r.text
    assert client.get("/api/records/hazards?q=H-BIG", headers=auth).json()["total"] == 0
    small = client.post(
        "/api/records/hazards",
        content=_hazard_body(1000),
        headers={**auth, "Content-Type": "application/json"},
    )
    assert small.status_code == 201, small.text


def test_an_upload_over_its_limit_is_refused_before_it_is_parsed(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = fill(store)
    monkeypatch.setenv("CLEARGROUND_UPLOAD_MAX_MB", "1")
    client = TestClient(create_app(store.url))
    auth = {"Authorization": f"Bearer {ids['tokens']['im_officer']}"}
    blob = b'{"type": "FeatureCollection", "features": []}' + b" " * (3 * MIB)
    r = client.post(
        "/api/import/hazards",
        files={"file": ("h.geojson", blob, "application/geo+json")},
        headers=auth,
    )
    assert r.status_code == 413 and r.json()["error"]["code"] == "too_large", r.text
    assert "1 MiB" in r.json()["error"]["message"]


def test_a_malformed_limit_setting_is_said(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    fill(store)
    monkeypatch.setenv("CLEARGROUND_JSON_MAX_MB", "lots")
    r = TestClient(create_app(store.url)).post("/api/records/hazards", json={"values": {}})
    assert r.status_code == 500
    assert "CLEARGROUND_JSON_MAX_MB" in r.json()["error"]["message"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_clearground_serve_names_no_server_software(store: Store) -> None:
    """The real server of ``clearground serve`` (uvicorn adds its own ``Server`` header)."""
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "clearground", "serve", "--db", store.url, "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "CLEARGROUND_DASHBOARD_WARMUP": "0"},
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/summary") as answer:
                    headers = answer.headers
                break
            except (urllib.error.URLError, ConnectionError):
                assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
                assert time.monotonic() < deadline, "the server did not start within 60 s"
                time.sleep(0.2)
        assert headers.get("Server") is None
        assert headers.get("X-Frame-Options") == "DENY"
    finally:
        proc.terminate()
        proc.wait(30)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as b:
        yield b


def test_signing_out_in_the_browser_ends_the_session_for_a_copied_cookie(
    browser: Browser, store: Store
) -> None:
    fill(store)
    with serve(create_app(store.url)) as url:
        context = browser.new_context(base_url=url, locale="en-GB")
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on(
            "console", lambda m: errors.append(m.text) if m.type == "error" else None
        )  # a CSP violation is reported here
        page.goto("/signin?next=/records", wait_until="load")
        page.fill("#signin-name", "u_im_officer")
        page.fill("#signin-password", "pw-im_officer-1")
        page.click("#signin-submit")
        page.wait_for_url(lambda u: u.endswith("/records"))
        page.wait_for_selector("#records-table")
        stolen = context.cookies()
        assert stolen, "no session cookie"
        thief = browser.new_context(base_url=url)
        thief.add_cookies(stolen)  # type: ignore[arg-type]
        assert thief.request.get("/api/me").json()["role"] == "im_officer"
        page.click("#signout")
        page.wait_for_url(lambda u: u.rstrip("/") == url)
        page.wait_for_load_state("load")
        assert page.locator("#signout").count() == 0
        assert thief.request.get("/api/me").json()["role"] == "public"
        assert thief.request.get("/api/records/victims").status == 401
        assert errors == []
        thief.close()
        context.close()
