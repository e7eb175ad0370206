"""Users, roles, passwords and API tokens.

Passwords are hashed with Argon2id (argon2-cffi). API tokens are 256 random bits
(``secrets.token_urlsafe(32)``), shown once, and stored only as their SHA-256.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from clearground.domain.errors import BadInput
from clearground.store import tables as t

ROLES = ("admin", "im_officer", "operator", "manager", "donor", "public")
"""Role ids (DESIGN.md). Anonymous requests act as ``public``."""

_hasher = PasswordHasher()


@dataclass(frozen=True)
class Principal:
    """Who is asking: a user, or the anonymous public (``id`` None)."""

    id: int | None
    name: str
    role: str
    organisation_id: int | None = None

    @property
    def anonymous(self) -> bool:
        return self.id is None


ANONYMOUS = Principal(None, "anonymous", "public")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


_dummy_hash: str | None = None


def _dummy() -> str:
    """A hash of no one's password, checked for an unknown or disabled user name so that a
    wrong name takes as long as a wrong password (no user enumeration by timing)."""
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = _hasher.hash(secrets.token_urlsafe(16))
    return _dummy_hash


def verify_password(stored: str | None, password: str) -> bool:
    if not stored:
        return False
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def add_user(
    session: Session,
    name: str,
    role: str,
    *,
    organisation: str | None = None,
    password: str | None = None,
) -> t.User:
    """Create a user; refuses an unknown role or organisation, or a name already taken."""
    name = name.strip()
    if not name:
        raise BadInput("a user needs a name", field="NAME", fix="Give a user name")
    if role not in ROLES:
        raise BadInput(
            f"unknown role '{role}'",
            field="--role",
            value=role,
            fix=f"Use one of: {', '.join(ROLES)}",
        )
    if session.execute(select(t.User.id).where(t.User.name == name)).first():
        raise BadInput(
            f"a user named '{name}' exists already",
            field="NAME",
            value=name,
            fix="Pick another name",
        )
    org_id = None
    if organisation:
        org_id = session.execute(
            select(t.Organisation.id).where(
                or_(t.Organisation.name == organisation, t.Organisation.short_name == organisation)
            )
        ).scalar()
        if org_id is None:
            raise BadInput(
                f"no organisation named '{organisation}'",
                field="--organisation",
                value=organisation,
                fix="Use an organisation's name or short name, or import it first",
            )
    elif role == "operator":
        raise BadInput(
            "an operator belongs to an organisation",
            field="--organisation",
            fix="Add --organisation NAME",
        )
    user = t.User(
        name=name,
        role=role,
        organisation_id=org_id,
        password_hash=hash_password(password) if password else None,
        created_at=_now(),
    )
    session.add(user)
    session.flush()
    return user


def new_token(session: Session, user_id: int) -> str:
    """A new API token for the user; only its hash is stored, the token is returned once."""
    token = secrets.token_urlsafe(32)
    session.add(
        t.ApiToken(user_id=user_id, token_hash=hash_token(token), created_at=_now(), revoked=False)
    )
    session.flush()
    return token


def principal_of(user: t.User) -> Principal:
    return Principal(user.id, user.name, user.role, user.organisation_id)


LAST_USED_STEP = dt.timedelta(minutes=1)
"""``last_used`` is written at most this often per token, so that reads stay reads under load."""


def user_by_token(session: Session, token: str, *, stamp: bool = True) -> Principal | None:
    """The user holding ``token`` (not revoked), recording its use (to the minute, unless
    ``stamp`` is False); None if there is none."""
    row = session.execute(
        select(t.ApiToken, t.User)
        .join(t.User, t.User.id == t.ApiToken.user_id)
        .where(t.ApiToken.token_hash == hash_token(token), t.ApiToken.revoked.is_(False))
    ).first()
    if row is None:
        return None
    api_token, user = row
    if user.disabled_at is not None:
        return None
    now = _now()
    if stamp and (api_token.last_used is None or now - api_token.last_used >= LAST_USED_STEP):
        api_token.last_used = now
    return principal_of(user)


def user_by_password(session: Session, name: str, password: str) -> Principal | None:
    """The user ``name`` if ``password`` is theirs; None otherwise."""
    if "\x00" in name:  # no user name holds NUL, and PostgreSQL cannot compare text with it
        return None
    user = session.execute(select(t.User).where(t.User.name == name)).scalar_one_or_none()
    usable = user is not None and user.disabled_at is None and user.password_hash is not None
    stored = user.password_hash if usable and user is not None else _dummy()
    if not verify_password(stored, password) or not usable or user is None:
        return None
    return principal_of(user)


def user_named(session: Session, name: str) -> t.User:
    """The user called ``name``; BadInput (exit code 2) if there is none."""
    user = session.execute(select(t.User).where(t.User.name == name)).scalar_one_or_none()
    if user is None:
        raise BadInput(
            f"no user named '{name}'",
            field="NAME",
            value=name,
            fix="See the user names with 'clearground user list'",
        )
    return user


PASSWORD_CHANGED = "password changed"
USER_DISABLED = "user disabled"
"""Why a user's web sessions ended (``web_session.end_reason``; see store/sessions.py)."""


def end_user_sessions(session: Session, user_id: int, reason: str) -> int:
    """End every open web session of a user; the number ended."""
    done = session.execute(
        update(t.WebSession)
        .where(t.WebSession.user_id == user_id, t.WebSession.ended_at.is_(None))
        .values(ended_at=_now(), end_reason=reason)
    )
    return int(getattr(done, "rowcount", 0) or 0)


def set_password(session: Session, name: str, password: str) -> int:
    """Give the user called ``name`` a new password; every open session of the user ends
    (a stolen cookie dies with the old password). Returns the number of sessions ended."""
    if len(password) < 8:
        raise BadInput(
            "the password is too short",
            field="--password",
            fix="Give a password of at least 8 characters",
        )
    user = user_named(session, name)
    user.password_hash = hash_password(password)
    return end_user_sessions(session, user.id, PASSWORD_CHANGED)


def set_disabled(session: Session, name: str, disabled: bool) -> int:
    """Disable (or enable again) the user called ``name``. A disabled user cannot sign in, its
    sessions end and its API tokens are refused (kept, so enabling brings them back).
    Returns the number of sessions ended."""
    user = user_named(session, name)
    if not disabled:
        user.disabled_at = None
        return 0
    if user.disabled_at is None:
        user.disabled_at = _now()
    return end_user_sessions(session, user.id, USER_DISABLED)


def token_for(session: Session, name: str) -> str:
    """A new API token for the user called ``name``; the token is returned once."""
    return new_token(session, user_named(session, name).id)


def revoke_tokens(session: Session, name: str) -> int:
    """Revoke every API token of the user called ``name``; the number newly revoked.

    A revoked token is kept (with its ``last_used``) and answered 401 from then on.
    """
    user = user_named(session, name)
    tokens = (
        session.execute(
            select(t.ApiToken).where(t.ApiToken.user_id == user.id, t.ApiToken.revoked.is_(False))
        )
        .scalars()
        .all()
    )
    for token in tokens:
        token.revoked = True
    session.flush()
    return len(tokens)


def list_users(session: Session) -> list[dict[str, object]]:
    """Every user by name, without secrets: role, organisation, whether a password is set,
    tokens in use and revoked, the last use of a token and when the user was made (UTC)."""
    orgs = dict(session.execute(select(t.Organisation.id, t.Organisation.name)).tuples().all())
    tokens: dict[int, list[t.ApiToken]] = {}
    for token in session.execute(select(t.ApiToken).order_by(t.ApiToken.id)).scalars():
        tokens.setdefault(token.user_id, []).append(token)
    rows: list[dict[str, object]] = []
    for user in session.execute(select(t.User).order_by(t.User.name)).scalars():
        mine = tokens.get(user.id, [])
        used = [tok.last_used for tok in mine if tok.last_used is not None]
        rows.append(
            {
                "name": user.name,
                "role": user.role,
                "organisation": orgs.get(user.organisation_id)
                if user.organisation_id is not None
                else None,
                "password": user.password_hash is not None,
                "disabled": user.disabled_at is not None,
                "tokens": sum(1 for tok in mine if not tok.revoked),
                "revoked_tokens": sum(1 for tok in mine if tok.revoked),
                "last_used": max(used).isoformat(timespec="seconds") if used else None,
                "created_at": user.created_at.isoformat(timespec="seconds")
                if user.created_at
                else None,
            }
        )
    return rows


def user_list(session: Session) -> list[dict[str, Any]]:
    """Every user's name, role and organisation id, by name."""
    rows = session.execute(
        select(t.User.name, t.User.role, t.User.organisation_id).order_by(t.User.name)
    ).all()
    return [{"name": n, "role": r, "organisation_id": o} for n, r, o in rows]
