"""Web sessions held on the server: started by sign-in, ended by sign-out, by an admin, by a
password change or by disabling the user; lapsing after idle time and after an absolute time.

The browser's cookie (signed by the web layer) carries a random session id of 256 bits; the
``web_session`` table keeps only its SHA-256, so a copy of the database signs no one in. A
cookie whose session has ended or lapsed is worth nothing, wherever it was copied to.

Settings (environment of ``clearground serve``):

- ``CLEARGROUND_SESSION_IDLE_MINUTES`` (default 60): a session not used for this long ends;
- ``CLEARGROUND_SESSION_HOURS`` (default 8): a session ends this long after sign-in, used or not.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import secrets
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from clearground.domain.errors import BadInput
from clearground.store import tables as t
from clearground.store.users import (
    USER_DISABLED,
    Principal,
    end_user_sessions,
    principal_of,
    user_named,
)

IDLE_ENV = "CLEARGROUND_SESSION_IDLE_MINUTES"
ABSOLUTE_ENV = "CLEARGROUND_SESSION_HOURS"
SEEN_STEP = dt.timedelta(seconds=30)
"""``last_seen`` is written at most this often per session, so that reads stay reads."""

SIGNED_OUT = "signed out"
ENDED_BY_ADMIN = "ended by an admin"
IDLE = "idle"
EXPIRED = "expired"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def _positive(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if value <= 0:
        raise BadInput(
            f"{name} must be a positive number, not '{raw}'",
            field=name,
            value=raw,
            fix=f"Set {name} to a number above 0, or unset it for the default ({default:g})",
        )
    return value


@dataclass(frozen=True)
class SessionLimits:
    """How long a session lasts: ``idle`` without a request, ``absolute`` after sign-in."""

    idle: dt.timedelta = dt.timedelta(minutes=60)
    absolute: dt.timedelta = dt.timedelta(hours=8)

    @classmethod
    def from_env(cls) -> SessionLimits:
        """The limits set in the environment (see the module), else the defaults."""
        return cls(
            dt.timedelta(minutes=_positive(IDLE_ENV, 60)),
            dt.timedelta(hours=_positive(ABSOLUTE_ENV, 8)),
        )


def start_session(session: Session, user_id: int) -> str:
    """A new session for the user; returns its id (for the cookie; only the hash is kept)."""
    session_id = secrets.token_urlsafe(32)
    now = _now()
    session.add(
        t.WebSession(user_id=user_id, id_hash=_hash(session_id), created_at=now, last_seen=now)
    )
    session.flush()
    return session_id


def lapse(
    web: t.WebSession, user: t.User, now: dt.datetime, limits: SessionLimits
) -> tuple[str, dt.datetime] | None:
    """Why and since when an open session no longer counts (its user disabled, past its
    lifetime, idle too long); None while it counts."""
    if user.disabled_at is not None:
        return USER_DISABLED, user.disabled_at
    if now - web.created_at >= limits.absolute:
        return EXPIRED, web.created_at + limits.absolute
    if now - web.last_seen >= limits.idle:
        return IDLE, web.last_seen + limits.idle
    return None


def session_user(
    session: Session, session_id: str, limits: SessionLimits, *, stamp: bool = True
) -> Principal | None:
    """The user of an open session, noting that it was used (unless ``stamp`` is False);
    None if the session is unknown, ended, idle too long, too old, or its user disabled. A
    session found lapsed is marked ended with the reason."""
    row = session.execute(
        select(t.WebSession, t.User)
        .join(t.User, t.User.id == t.WebSession.user_id)
        .where(t.WebSession.id_hash == _hash(session_id))
    ).first()
    if row is None:
        return None
    web, user = row
    if web.ended_at is not None:
        return None
    now = _now()
    lapsed = lapse(web, user, now, limits)
    if lapsed is not None:
        if stamp:
            web.ended_at, web.end_reason = now, lapsed[0]
        return None
    if stamp and now - web.last_seen >= SEEN_STEP:
        web.last_seen = now
    return principal_of(user)


def end_session(session: Session, session_id: str, reason: str = SIGNED_OUT) -> bool:
    """End one session (sign-out); True if it was open."""
    done = session.execute(
        update(t.WebSession)
        .where(t.WebSession.id_hash == _hash(session_id), t.WebSession.ended_at.is_(None))
        .values(ended_at=_now(), end_reason=reason)
    )
    return bool(getattr(done, "rowcount", 0))


def end_sessions_of(session: Session, name: str) -> int:
    """End every open session of the user called ``name`` (an admin's command)."""
    return end_user_sessions(session, user_named(session, name).id, ENDED_BY_ADMIN)


def sessions_of(session: Session, name: str, limits: SessionLimits) -> list[dict[str, object]]:
    """The user's sessions, newest first, without secrets: when started, last seen, and
    whether open, or when and why it ended (a lapsed session shows as idle or expired)."""
    user = user_named(session, name)
    now = _now()
    out: list[dict[str, object]] = []
    rows = session.execute(
        select(t.WebSession)
        .where(t.WebSession.user_id == user.id)
        .order_by(t.WebSession.created_at.desc(), t.WebSession.id.desc())
    ).scalars()
    for web in rows:
        reason, ended = web.end_reason, web.ended_at
        if ended is None:
            reason, ended = lapse(web, user, now, limits) or (None, None)
        out.append(
            {
                "id": web.id,
                "started": web.created_at.isoformat(timespec="seconds"),
                "last_seen": web.last_seen.isoformat(timespec="seconds"),
                "open": ended is None,
                "ended": ended.isoformat(timespec="seconds") if ended else None,
                "end_reason": reason,
            }
        )
    return out
