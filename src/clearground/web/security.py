"""Security headers on every answer, and the ``Secure`` flag on cookies sent over HTTPS.

:class:`SecurityHeaders` is a pure ASGI middleware around the whole app, so pages, the API,
static files and error answers all get:

- ``Content-Security-Policy``: the app's own scripts, styles, fonts and API only
  (``default-src 'self'``, no inline script or style), images also from the basemap's tile
  server (``CLEARGROUND_TILE_URL``), never framed (``frame-ancestors 'none'``). A route that
  sets its own policy keeps it (``/docs`` and ``/redoc``, see ``app.DOCS_POLICY``); it gets
  ``frame-ancestors 'none'`` added if it has none;
- ``X-Frame-Options: DENY``, ``X-Content-Type-Options: nosniff`` and
  ``Referrer-Policy: strict-origin-when-cross-origin`` (the tile server learns the site, never
  a page's path or query);
- no ``Server`` header from the app (``clearground serve`` turns off uvicorn's own).

On a request that came over HTTPS (``scope["scheme"]``: uvicorn sets it from
``X-Forwarded-Proto`` only when the proxy's address is trusted, ``--forwarded-allow-ips``),
every ``Set-Cookie`` gets ``Secure``: the session cookie is then never sent over plain HTTP.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

TILE_ENV = "CLEARGROUND_TILE_URL"
TEMPLATE_LABEL = re.compile(r"\{[^}]*\}")


def tile_source(url: str) -> str | None:
    """The CSP source of a tile URL template: ``https://{s}.tile.example.org/{z}/{x}/{y}.png``
    is ``https://*.tile.example.org``. None for an empty or relative URL (then 'self')."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    host = parts.netloc.rsplit("@", 1)[-1]
    labels = host.split(".")
    if TEMPLATE_LABEL.search(labels[0]):
        labels[0] = "*"  # a subdomain placeholder ({s}): any subdomain of the rest
    host = ".".join(labels)
    if TEMPLATE_LABEL.search(host) or not re.fullmatch(r"[\w.*:\[\]-]+", host):
        return None  # a placeholder elsewhere in the host cannot be named in a policy
    return f"{parts.scheme}://{host}"


@lru_cache(maxsize=8)
def page_policy(tile_url: str) -> str:
    """The Content-Security-Policy of the app's pages with the basemap at ``tile_url``."""
    tiles = tile_source(tile_url)
    images = "img-src 'self'" + (f" {tiles}" if tiles else "")
    return "; ".join(
        (
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            images,
            "font-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )


FIXED = (
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
)


def _secure(cookie: bytes) -> bytes:
    attributes = [a.strip().lower() for a in cookie.split(b";")[1:]]
    return cookie if b"secure" in attributes else cookie + b"; Secure"


class SecurityHeaders:
    """ASGI middleware adding the security headers above to every HTTP answer."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        https = scope.get("scheme") == "https"

        async def with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = self.headers(list(message.get("headers", [])), https)
            await send(message)

        await self.app(scope, receive, with_headers)

    @staticmethod
    def headers(given: list[tuple[bytes, bytes]], https: bool) -> list[tuple[bytes, bytes]]:
        out: list[tuple[bytes, bytes]] = []
        policy: bytes | None = None
        for name, value in given:
            key = name.lower()
            if key == b"server":
                continue
            if key == b"content-security-policy":
                policy = value
                continue
            if key == b"set-cookie" and https:
                value = _secure(value)
            out.append((name, value))
        if policy is None:
            policy = page_policy(os.environ.get(TILE_ENV, "")).encode("latin-1")
        elif b"frame-ancestors" not in policy:
            policy += b"; frame-ancestors 'none'"
        out.append((b"content-security-policy", policy))
        present = {name.lower() for name, _ in out}
        out.extend((name, value) for name, value in FIXED if name not in present)
        return out
