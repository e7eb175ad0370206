"""``clearground user add|token|revoke-token|list|password|disable|enable|sessions|end-sessions``:
users, roles, API tokens and web sessions; ``clearground rotate-key``: a new key for signing
session cookies.

Tokens are printed once, on stdout, at the end of the last line; only their SHA-256 is kept.
``user list`` prints no secret (no password hash, no token hash).
"""

from __future__ import annotations

import json
import os
import sys
from typing import Annotated

import typer

from clearground.cli.options import DbOption, JsonOption, app, err, open_db
from clearground.domain.errors import BadInput

user_app = typer.Typer(no_args_is_help=True, help="Users of the web application and API.")
app.add_typer(user_app, name="user")


@user_app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="user name")],
    role: Annotated[
        str, typer.Option("--role", help="admin, im_officer, operator, manager, donor or public")
    ],
    organisation: Annotated[
        str | None, typer.Option("--organisation", help="the user's organisation (name)")
    ] = None,
    token: Annotated[
        bool, typer.Option("--token", help="also make an API token (printed last)")
    ] = False,
    password: Annotated[
        str | None,
        typer.Option("--password", help="password (default: $CLEARGROUND_PASSWORD or a prompt)"),
    ] = None,
    db: DbOption = None,
) -> None:
    """Add a user; with --token the last line printed ends with a new API token."""
    from clearground.store.users import add_user, new_token

    password = password or os.environ.get("CLEARGROUND_PASSWORD") or None
    if password is None and not token:
        if not sys.stdin.isatty():
            raise BadInput(
                "a user without a token needs a password",
                field="--password",
                fix="Give --password, set CLEARGROUND_PASSWORD, or add --token",
            )
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    store = open_db(db)
    with store.session() as session:
        user = add_user(session, name, role, organisation=organisation, password=password)
        made = new_token(session, user.id) if token else None
    err.print(f"User '{name}' ({role}) added to {store.url}.")
    if made is not None:
        sys.stdout.write(f"API token for {name}: {made}\n")


@user_app.command("token")
def token(
    name: Annotated[str, typer.Argument(help="user name")],
    db: DbOption = None,
) -> None:
    """Issue a new API token for a user; the last line printed ends with the token."""
    from clearground.store.users import token_for

    store = open_db(db)
    with store.session() as session:
        made = token_for(session, name)
    err.print(f"New API token for '{name}' (shown once; only its hash is kept).")
    sys.stdout.write(f"API token for {name}: {made}\n")


@user_app.command("revoke-token")
def revoke_token(
    name: Annotated[str, typer.Argument(help="user name")],
    db: DbOption = None,
) -> None:
    """Revoke every API token of a user (from then on answered 401); prints how many."""
    from clearground.store.users import revoke_tokens

    store = open_db(db)
    with store.session() as session:
        n = revoke_tokens(session, name)
    sys.stdout.write(f"Revoked {n} API token{'' if n == 1 else 's'} of {name}.\n")


def _password(given: str | None) -> str:
    password = given or os.environ.get("CLEARGROUND_PASSWORD") or None
    if password is None:
        if not sys.stdin.isatty():
            raise BadInput(
                "no new password given",
                field="--password",
                fix="Give --password or set CLEARGROUND_PASSWORD",
            )
        password = typer.prompt("New password", hide_input=True, confirmation_prompt=True)
    return password


def _ended(n: int) -> str:
    return f"{n} session{'' if n == 1 else 's'} ended"


@user_app.command("password")
def password_command(
    name: Annotated[str, typer.Argument(help="user name")],
    password: Annotated[
        str | None,
        typer.Option(
            "--password", help="the new password (default: $CLEARGROUND_PASSWORD or a prompt)"
        ),
    ] = None,
    db: DbOption = None,
) -> None:
    """Set a user's password; the user's open web sessions end (sign in again)."""
    from clearground.store.users import set_password

    new = _password(password)
    store = open_db(db)
    with store.session(write=True) as session:
        n = set_password(session, name, new)
    sys.stdout.write(f"Password of {name} changed; {_ended(n)}.\n")


@user_app.command("disable")
def disable(
    name: Annotated[str, typer.Argument(help="user name")],
    db: DbOption = None,
) -> None:
    """Disable a user: no sign-in, open sessions end, API tokens refused (until enabled)."""
    from clearground.store.users import set_disabled

    store = open_db(db)
    with store.session(write=True) as session:
        n = set_disabled(session, name, True)
    sys.stdout.write(f"User {name} disabled; {_ended(n)}.\n")


@user_app.command("enable")
def enable(
    name: Annotated[str, typer.Argument(help="user name")],
    db: DbOption = None,
) -> None:
    """Enable a disabled user again (its API tokens work again; sessions stay ended)."""
    from clearground.store.users import set_disabled

    store = open_db(db)
    with store.session(write=True) as session:
        set_disabled(session, name, False)
    sys.stdout.write(f"User {name} enabled.\n")


@user_app.command("sessions")
def sessions_command(
    name: Annotated[str, typer.Argument(help="user name")],
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """A user's web sessions, newest first: started, last seen, open or when and why ended."""
    from clearground.store.sessions import SessionLimits, sessions_of

    store = open_db(db)
    with store.session() as session:
        rows = sessions_of(session, name, SessionLimits.from_env())
    if as_json:
        sys.stdout.write(json.dumps({"user": name, "sessions": rows}) + "\n")
        return
    if not rows:
        sys.stdout.write(f"{name} has no web sessions.\n")
    for row in rows:
        state = "open" if row["open"] else f"ended {row['ended']} ({row['end_reason']})"
        sys.stdout.write(
            f"session {row['id']}: started {row['started']}, last seen {row['last_seen']}, "
            f"{state}\n"
        )


@user_app.command("end-sessions")
def end_sessions(
    name: Annotated[str, typer.Argument(help="user name")],
    db: DbOption = None,
) -> None:
    """End every open web session of a user (signed out everywhere; tokens are untouched)."""
    from clearground.store.sessions import end_sessions_of

    store = open_db(db)
    with store.session(write=True) as session:
        n = end_sessions_of(session, name)
    sys.stdout.write(f"{_ended(n).capitalize()} for {name}.\n")


@user_app.command("list")
def list_(
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """The users: role, organisation, password set, tokens in use and revoked; no secrets."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from clearground.store.users import list_users

    store = open_db(db)
    with store.session() as session:
        users = list_users(session)
    if as_json:
        sys.stdout.write(json.dumps({"users": users}, ensure_ascii=False) + "\n")
        return
    table = Table(title="Users", show_header=True)
    heads = ("name", "role", "organisation", "password", "tokens", "revoked", "last used")
    for head in heads:
        table.add_column(head)
    for row in users:
        cells = (
            str(row["name"]),
            str(row["role"]),
            str(row["organisation"] or ""),
            "yes" if row["password"] else "no",
            str(row["tokens"]),
            str(row["revoked_tokens"]),
            str(row["last_used"] or ""),
        )
        table.add_row(*(Text(cell) for cell in cells))  # names are text, not markup
    out = Console(soft_wrap=True)
    if not out.is_terminal:  # piped: whole names rather than a terminal's 80 columns
        out = Console(soft_wrap=True, width=200)
    out.print(table)


@app.command("rotate-key")
def rotate_key_command(db: DbOption = None) -> None:
    """Replace the key that signs session cookies (kept in a 0600 file, never in the database):
    every signed-in browser must sign in again; restart running servers. API tokens stay."""
    from clearground.store.keys import ENV, rotate_key

    store = open_db(db)
    if os.environ.get(ENV):
        raise BadInput(
            f"the key comes from {ENV}, which this command cannot change",
            field=ENV,
            fix=f"Set {ENV} to a new random value (32+ characters) and restart the server",
        )
    path = rotate_key(store.url)
    err.print(f"New session key written to {path} (mode 0600). Restart running servers.")
