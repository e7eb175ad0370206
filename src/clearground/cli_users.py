"""``clearground user add``: users, roles and API tokens."""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer

from clearground.cli import DbOption, _open, app, err
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
    store = _open(db)
    with store.session() as session:
        user = add_user(session, name, role, organisation=organisation, password=password)
        made = new_token(session, user.id) if token else None
    err.print(f"User '{name}' ({role}) added to {store.url}.")
    if made is not None:
        sys.stdout.write(f"API token for {name}: {made}\n")
