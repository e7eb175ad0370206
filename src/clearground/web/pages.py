"""Rendering of HTML pages: the shared layout, language, the signed-in user and CSRF token.

Every page extends ``templates/base.html`` and is rendered through ``render`` so it gets
``_`` (the translator), ``lang``, ``languages``, ``who`` (the current user), ``csrf`` (the
token that the page's scripts send back in ``X-CSRF-Token``) and ``tile_url`` (the basemap,
``CLEARGROUND_TILE_URL``; none by default, so the app works offline).
"""

from __future__ import annotations

import os
import re
import secrets
from importlib import resources
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from clearground.scenario.demo import DEMO_PASSWORD, DEMO_USERS, demo_state
from clearground.store.users import Principal
from clearground.web.auth import current_user, store_of
from clearground.web.i18n import LANGUAGES, language_of, translator

WEB = resources.files("clearground") / "web"
with resources.as_file(WEB / "templates") as _folder:
    templates = Jinja2Templates(directory=_folder)


_SAFE_NEXT = re.compile(r"/(?![/\\])[^\\\x00-\x1f\x7f]*")
"""A same-site path: one "/" first (not "//" or "/\\", which browsers read as another host),
no backslash (browsers read it as "/") and no control character (browsers drop tabs and
newlines, so "/\t/host" would become "//host"). The same rule is in ``static/cg.js``
(``cg.safeNext``)."""


def safe_next(value: str | None) -> str:
    """``value`` if it is a same-site path to go to after sign-in, else ``"/"``."""
    if value and _SAFE_NEXT.fullmatch(value):
        return value
    return "/"


def csrf_token(request: Request) -> str:
    """The session's CSRF token, made on first use."""
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = secrets.token_urlsafe(32)
    return str(token)


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    who: Principal | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """The page ``template`` in the request's language, inside the shared layout."""
    lang = language_of(request)
    user = who if who is not None else current_user(request)
    values = {
        "_": translator(lang),
        "lang": lang,
        "languages": LANGUAGES,
        "who": user,
        "csrf": csrf_token(request),
        "tile_url": os.environ.get("CLEARGROUND_TILE_URL", ""),
        **(context or {}),
    }
    response = templates.TemplateResponse(request, template, values, status_code=status_code)
    if request.query_params.get("lang") in LANGUAGES:
        response.set_cookie("lang", lang, max_age=365 * 86400, samesite="lax")
    return response


router = APIRouter(include_in_schema=False)


@router.get("/signin", response_class=HTMLResponse)
def signin_page(request: Request) -> HTMLResponse:
    """The sign-in form (it posts JSON to ``POST /login`` with the CSRF token), then goes to
    ``next`` if that is a same-site path (``safe_next``), else to the first page."""
    values: dict[str, Any] = {"next": safe_next(request.query_params.get("next"))}
    if demo_state(store_of(request)):  # the demo database only: its users and password
        values["demo_names"] = ", ".join(name for name, _, _ in DEMO_USERS)
        values["demo_password"] = DEMO_PASSWORD
    return render(request, "signin.html", values)
