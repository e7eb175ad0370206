"""Helpers of the browser acceptance test (tests/test_browser.py): a real server in a thread,
Debian's Chromium driven by Playwright, and one browser context per visitor with its console
watched and a screenshot per step.

No browser is downloaded: Playwright's bundled driver launches ``/usr/bin/chromium``
(installed by ``scripts/install-system.sh``).
"""

from __future__ import annotations

import itertools
import re
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI
from playwright.sync_api import Browser, ConsoleMessage, Error, Page, Response, sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
ROOT = Path(__file__).resolve().parents[1]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
"""Screenshots are kept here (git-ignored), one folder per backend, one file per step."""
TIMEOUT_MS = 15_000
"""How long one browser action or wait may take before the test fails (milliseconds)."""
HTTP_ERROR = re.compile(r"Failed to load resource: the server responded with a status of (\d+)")


@contextmanager
def chromium() -> Iterator[Browser]:
    """Debian's Chromium, headless, launched through Playwright's driver."""
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def serve(app: FastAPI) -> Iterator[str]:
    """``app`` served by uvicorn on a free loopback port in a thread; yields its base URL."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive(), "the server stopped while starting"
        assert time.monotonic() < deadline, "the server did not start within 30 s"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(15)
        sock.close()


class Shots:
    """Numbered screenshots in one folder, in the order they are taken."""

    def __init__(self, folder: Path) -> None:
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        self.folder = folder
        self._n = itertools.count(1)

    def take(self, page: Page, who: str, step: str) -> Path:
        path = self.folder / f"{next(self._n):02d}-{who}-{step}.png"
        page.screenshot(path=str(path), full_page=True, animations="disabled")
        return path


class Visitor:
    """One person in their own browser context (own cookies), with one page.

    Every console error and uncaught script error is collected; ``clean`` asserts there were
    none but the HTTP statuses the step expected.
    """

    def __init__(self, browser: Browser, base_url: str, who: str, shots: Shots) -> None:
        self.who = who
        self.shots = shots
        self.context = browser.new_context(
            base_url=base_url, locale="en-GB", viewport={"width": 1280, "height": 900}
        )
        self.context.set_default_timeout(TIMEOUT_MS)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda exc: self.errors.append(f"page error: {exc}"))

    def _console(self, msg: ConsoleMessage) -> None:
        if msg.type == "error":
            self.errors.append(f"console error: {msg.text} ({msg.location.get('url', '')})")

    def open(self, path: str, status: int = 200) -> Response:
        """Go to ``path``, wait until the page and its scripts have loaded, check the status."""
        response = self.page.goto(path, wait_until="load")
        assert response is not None, path
        assert response.status == status, f"{path}: HTTP {response.status}, not {status}"
        return response

    def shot(self, step: str) -> Path:
        return self.shots.take(self.page, self.who, step)

    def clean(self, *expected_statuses: int) -> None:
        """No console or script error since the last check, except 'failed to load' errors
        with one of ``expected_statuses`` (a page that answers 403 on purpose, say)."""
        unexpected = []
        for error in self.errors:
            m = HTTP_ERROR.search(error)
            if m is None or int(m.group(1)) not in expected_statuses:
                unexpected.append(error)
        self.errors.clear()
        assert not unexpected, f"{self.who}: " + "\n".join(unexpected)

    def sign_in(self, name: str, password: str, then: str = "/") -> None:
        """Sign in through the form of /signin; lands on ``then``."""
        self.open(f"/signin?next={then}")
        self.page.fill("#signin-name", name)
        self.page.fill("#signin-password", password)
        self.page.click("#signin-submit")
        self.page.wait_for_url(lambda url: url.endswith(then) and "/signin" not in url)
        self.page.wait_for_load_state("load")

    def api(self, method: str, url: str, body: Any = None) -> dict[str, Any]:
        """A call made by the page's own helper (``cg.api``: session cookie + CSRF token)."""
        result: dict[str, Any] = self.page.evaluate(
            "([m, u, b]) => cg.api(m, u, b === null ? undefined : b)", [method, url, body]
        )
        return result

    def text(self, selector: str) -> str:
        return self.page.locator(selector).inner_text().strip()

    def close(self) -> None:
        with suppress(Error):  # already closed with the browser
            self.context.close()


class Visitors(dict[str, Visitor]):
    """Visitors by name (a role, or "anonymous"): each its own context, opened on first use."""

    def __init__(self, browser: Browser, base_url: str, shots: Shots) -> None:
        super().__init__()
        self.browser = browser
        self.base_url = base_url
        self.shots = shots

    def __missing__(self, who: str) -> Visitor:
        visitor = self[who] = Visitor(self.browser, self.base_url, who, self.shots)
        return visitor

    def close(self) -> None:
        for visitor in self.values():
            visitor.close()
