"""Authentication, roles and the JSON error shape of the web API.

Who is asking is found, in this order, from ``Authorization: Bearer TOKEN`` (API tokens made
by ``clearground user add --token``) or from the signed session cookie set by ``POST /login``.
Anyone else is the anonymous public (role ``public``). A token that is unknown or revoked is
refused with 401, never treated as anonymous.

Sessions are held on the server (``store/sessions.py``): the cookie, signed by Starlette's
``SessionMiddleware`` with the key of ``store/keys.py``, carries a random session id and the
CSRF token; the session ends on sign-out, by an admin, on a password change or when the user is
disabled, and lapses after idle and absolute time. CSRF: ``GET /login`` returns a token kept in
the session; every state-changing request made with the cookie sends it back in
``X-CSRF-Token``, and a request that says it comes from another site (``Origin``,
``Sec-Fetch-Site``) is refused even with the token.

Errors: every API error is ``{"error": {"code", "message", "field"}}`` (docs/API.md).
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import DBAPIError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from clearground.domain.errors import BadInput, ClearGroundError
from clearground.store import access
from clearground.store import sessions as ss
from clearground.store import users as u
from clearground.store.database import RETRY_AFTER_S, Store, is_busy
from clearground.store.keys import session_key
from clearground.store.users import ANONYMOUS, ROLES, Principal

READERS = access.READERS
"""Roles that see exact positions (``store/access.py``)."""


class ApiError(Exception):
    """An error answered with the JSON error shape."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        field: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.extra = extra or {}


def error_body(
    code: str, message: str, field: str | None = None, extra: dict[str, Any] | None = None
) -> dict[str, Any]:
    """``{"error": {"code", "message", "field", ...}}``; ``extra`` adds keys inside "error"."""
    return {"error": {"code": code, "message": message, "field": field, **(extra or {})}}


def bad_input_answer(exc: BadInput) -> tuple[int, dict[str, Any]]:
    """The HTTP status and the error body for bad input (400; 404, 409, 413 by its code)."""
    codes = {"not_found": 404, "stale_version": 409, "wrong_status": 409, "too_large": 413}
    status = codes.get(exc.code, 400)
    extra = {k: v for k, v in exc.to_dict().items() if k in ("record", "row", "fix") and v}
    return status, error_body(exc.code, exc.message, exc.field, extra)


def _json_error(
    status: int,
    code: str,
    message: str,
    field: str | None = None,
    extra: dict[str, Any] | None = None,
) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(
        error_body(code, message, field, extra), status_code=status, headers=headers
    )


HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
}


def install_error_handlers(app: FastAPI) -> None:
    """Answer every error with the one JSON error shape."""

    @app.exception_handler(ApiError)
    def _api(_: Request, exc: ApiError) -> JSONResponse:
        return _json_error(exc.status, exc.code, exc.message, exc.field, exc.extra)

    @app.exception_handler(BadInput)
    def _bad(_: Request, exc: BadInput) -> JSONResponse:
        status, body = bad_input_answer(exc)
        return JSONResponse(body, status_code=status)

    @app.exception_handler(ClearGroundError)
    def _internal(_: Request, exc: ClearGroundError) -> JSONResponse:
        return _json_error(500, exc.code, str(exc))

    @app.exception_handler(StarletteHTTPException)
    def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = HTTP_CODES.get(exc.status_code, f"http_{exc.status_code}")
        return _json_error(exc.status_code, code, str(exc.detail))

    @app.exception_handler(RequestValidationError)
    def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        loc = [str(p) for p in first.get("loc", ()) if p not in ("query", "body", "path")]
        return _json_error(
            400, "bad_request", str(first.get("msg", "invalid request")), ".".join(loc) or None
        )

    @app.exception_handler(DBAPIError)
    def _database(_: Request, exc: DBAPIError) -> JSONResponse:
        if not is_busy(exc):
            raise exc  # a bug: answered by _unexpected below, and logged
        answer = _json_error(
            503,
            "database_busy",
            "the database is busy with other changes; try again in a moment",
        )
        answer.headers["Retry-After"] = str(RETRY_AFTER_S)
        return answer

    @app.exception_handler(Exception)
    def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        # a bug: the same shape, nothing of the exception told; the server still logs it
        return _json_error(500, "internal_error", "internal server error")


def session_secret(store: Store) -> str:
    """The cookie-signing key: never from the database (store/keys.py)."""
    return session_key(store.url)


def install_auth(app: FastAPI, store: Store) -> None:
    """Sessions, the current-user dependency's store, error handlers, login/logout routes."""
    app.state.store = store
    limits = app.state.session_limits = ss.SessionLimits.from_env()
    app.add_middleware(
        SessionMiddleware,
        secret_key=session_secret(store),
        same_site="lax",
        max_age=int(limits.absolute.total_seconds()),
    )
    install_error_handlers(app)
    app.include_router(router)


def store_of(request: Request) -> Store:
    """The database of the app serving ``request`` (set by ``install_auth``)."""
    store: Store = request.app.state.store
    return store


def current_user(request: Request) -> Principal:
    """The user making the request (FastAPI dependency); anonymous is ``public``."""
    store = store_of(request)
    header = request.headers.get("authorization")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise ApiError(
                401, "unauthorized", "use 'Authorization: Bearer TOKEN'", "Authorization"
            )
        try:
            with store.session() as session:
                who = u.user_by_token(session, token.strip())
        except OperationalError:
            # the last-used stamp is best effort: a busy SQLite file must not refuse a read
            with store.session() as session:
                who = u.user_by_token(session, token.strip(), stamp=False)
        if who is None:
            raise ApiError(401, "invalid_token", "the API token is unknown or revoked")
        return who
    sid = request.session.get("sid")
    if isinstance(sid, str):
        limits = request.app.state.session_limits
        try:
            with store.session() as session:
                found = ss.session_user(session, sid, limits)
        except OperationalError:
            # noting the use is best effort: a busy SQLite file must not refuse a read
            with store.session() as session:
                found = ss.session_user(session, sid, limits, stamp=False)
        if found is not None:
            return found
        request.session.clear()  # ended or lapsed: the browser is signed out
    elif "user_id" in request.session:
        request.session.clear()  # a cookie from before server-side sessions
    return ANONYMOUS


CurrentUser = Annotated[Principal, Depends(current_user)]
"""A route parameter ``who: CurrentUser`` receives the user making the request."""


def require(*roles: str) -> Callable[[Principal], Principal]:
    """A dependency allowing only ``roles`` (401 for anonymous, 403 for other roles)."""
    allowed = frozenset(roles)
    assert allowed <= set(ROLES)

    def check(who: CurrentUser) -> Principal:
        if who.role in allowed and not who.anonymous:
            return who
        if who.anonymous:
            raise ApiError(401, "unauthorized", "sign in or send an API token")
        raise ApiError(403, "forbidden", f"the role '{who.role}' may not do this")

    return check


def _host_of(origin: str) -> str:
    return urlsplit(origin).netloc.lower()


def check_same_site(request: Request) -> None:
    """Refuse a state-changing request that says it comes from another site: an ``Origin``
    other than this server's host (or ``null``), or ``Sec-Fetch-Site: cross-site``. A second
    line behind the CSRF token; requests that send neither header (scripts) pass."""
    fetch_site = request.headers.get("sec-fetch-site", "").lower()
    origin = request.headers.get("origin")
    host = request.headers.get("host", request.url.netloc).lower()
    foreign = fetch_site == "cross-site" or (
        origin is not None and (origin == "null" or _host_of(origin) != host)
    )
    if foreign:
        raise ApiError(403, "csrf_failed", "the request comes from another site (Origin)", "Origin")


def check_csrf(request: Request) -> None:
    """Refuse a state-changing request whose ``X-CSRF-Token`` does not match the session's,
    or that comes from another site (:func:`check_same_site`)."""
    check_same_site(request)
    expected = request.session.get("csrf")
    given = request.headers.get("x-csrf-token", "")
    if not expected or not hmac.compare_digest(str(expected), given):
        raise ApiError(403, "csrf_failed", "missing or wrong CSRF token", "X-CSRF-Token")


async def reject_nul(request: Request) -> None:
    """Refuse text with the NUL character (PostgreSQL cannot store or compare it): in the
    path, the query or a JSON body. Uploaded files are not looked into."""
    query = request.url.query.lower()
    if "%00" in query or "\x00" in request.url.path or "%00" in request.url.path.lower():
        raise ApiError(400, "bad_request", "text may not contain the NUL character")
    if request.headers.get("content-type", "").startswith("application/json"):
        body = await request.body()
        if b"\\u0000" in body or b"\x00" in body:
            raise ApiError(400, "bad_request", "text may not contain the NUL character")


def check_write(request: Request) -> None:
    """CSRF for a state-changing request made with the session cookie (API tokens need none)."""
    if not request.headers.get("authorization"):
        check_csrf(request)


router = APIRouter(tags=["auth"])


class Login(BaseModel):
    name: str
    password: str


@router.get("/login")
def login_form(request: Request) -> dict[str, str]:
    """A CSRF token for ``POST /login`` (send it back in ``X-CSRF-Token``)."""
    token = request.session.get("csrf") or secrets.token_urlsafe(32)
    request.session["csrf"] = token
    return {"csrf_token": token}


@router.post("/login", dependencies=[Depends(check_csrf)])
def login(request: Request, body: Login) -> dict[str, Any]:
    """Sign in with name and password: sets the session cookie."""
    store = store_of(request)
    with store.session() as session:
        who = u.user_by_password(session, body.name, body.password)
    if who is None or who.id is None:
        raise ApiError(401, "bad_credentials", "wrong user name or password", "password")
    previous = request.session.get("sid")
    with store.session(write=True) as session:
        if isinstance(previous, str):
            ss.end_session(session, previous)
        sid = ss.start_session(session, who.id)
    request.session.clear()
    request.session["sid"] = sid
    request.session["csrf"] = secrets.token_urlsafe(32)  # a fresh token once signed in
    return {"name": who.name, "role": who.role, "csrf_token": request.session["csrf"]}


@router.post("/logout", dependencies=[Depends(check_csrf)])
def logout(request: Request) -> dict[str, bool]:
    """Sign out: ends the session on the server (a copy of the cookie is then worthless)."""
    sid = request.session.get("sid")
    if isinstance(sid, str):
        with store_of(request).session(write=True) as session:
            ss.end_session(session, sid)
    request.session.clear()
    return {"signed_out": True}


@router.get("/api/me")
def me(who: CurrentUser) -> dict[str, Any]:
    """Who the request is made as (anonymous: role ``public``)."""
    return {"name": who.name, "role": who.role, "organisation_id": who.organisation_id}


@router.get("/api/users", dependencies=[Depends(require("admin"))])
def list_users(request: Request) -> list[dict[str, Any]]:
    """Users and roles (admin only)."""
    store = store_of(request)
    with store.session() as session:
        return u.user_list(session)
