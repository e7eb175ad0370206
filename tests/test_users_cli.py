"""clearground user token / revoke-token / list: tokens from the command line, seen by the API."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from clearground.store import tables as t
from clearground.store.database import Store
from clearground.store.users import add_user, hash_token, new_token, revoke_tokens
from clearground.web.app import create_app
from tests.conftest import run_cli
from tests.test_ogc import fill


def _token(stdout: str) -> str:
    """The token at the end of the last line printed."""
    return stdout.strip().splitlines()[-1].split()[-1]


def _me(client: TestClient, token: str) -> tuple[int, Any]:
    r = client.get("/api/me", headers={"Authorization": f"Bearer {token}"})
    return r.status_code, r.json()


def test_token_and_revoke_token(store: Store) -> None:
    db = store.url
    with store.session() as s:
        first = new_token(s, add_user(s, "ima", "im_officer").id)
        donor = new_token(s, add_user(s, "don", "donor").id)
    made = run_cli("user", "token", "ima", "--db", db)
    second = _token(made.stdout)
    assert made.stdout.strip().splitlines()[-1] == f"API token for ima: {second}"
    assert len({first, second, donor}) == 3 and len(second) >= 40
    client = TestClient(create_app(db))
    for tok in (first, second):
        assert _me(client, tok) == (
            200,
            {"name": "ima", "role": "im_officer", "organisation_id": None},
        )

    revoked = run_cli("user", "revoke-token", "ima", "--db", db)
    assert revoked.stdout.strip() == "Revoked 2 API tokens of ima."
    for tok in (first, second):
        status, body = _me(client, tok)
        assert status == 401 and body["error"]["code"] == "invalid_token"
        r = client.get("/ogc/collections/hazards/items", headers={"Authorization": f"Bearer {tok}"})
        assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
    # another user's token is untouched
    assert _me(client, donor)[0] == 200
    # nothing left to revoke; a token issued afterwards works
    again = run_cli("user", "revoke-token", "ima", "--db", db)
    assert again.stdout.strip() == "Revoked 0 API tokens of ima."
    third = _token(run_cli("user", "token", "ima", "--db", db).stdout)
    assert _me(client, third)[0] == 200
    assert _me(client, first)[0] == 401

    with store.session() as s:
        rows = s.execute(
            select(t.ApiToken.token_hash, t.ApiToken.revoked)
            .join(t.User, t.User.id == t.ApiToken.user_id)
            .where(t.User.name == "ima")
            .order_by(t.ApiToken.id)
        ).all()
    # kept, marked revoked, stored only as hashes
    assert [tuple(r) for r in rows] == [
        (hash_token(first), True),
        (hash_token(second), True),
        (hash_token(third), False),
    ]


def test_unknown_user_is_bad_input(store: Store) -> None:
    for command in ("token", "revoke-token"):
        proc = run_cli("user", command, "nobody", "--db", store.url, check=False)
        assert proc.returncode == 2, proc.stderr
        assert "no user named 'nobody'" in proc.stderr
        assert "user list" in proc.stderr  # how to fix it
        assert proc.stdout == ""
    with store.session() as s:
        assert s.execute(select(t.ApiToken)).first() is None


def test_user_list_prints_no_secrets(store: Store) -> None:
    made = fill(store)  # u_<role> for each role, password pw-<role>-1, one token each
    client = TestClient(create_app(store.url))
    assert _me(client, made["tokens"]["manager"])[0] == 200  # sets its last_used
    with store.session() as s:
        new_token(s, add_user(s, "script", "public").id)  # token only, no password
        assert revoke_tokens(s, "u_donor") == 1

    proc = run_cli("user", "list", "--json", "--db", store.url)
    users = json.loads(proc.stdout)["users"]
    names = ["script", "u_admin", "u_donor", "u_im_officer", "u_manager", "u_operator", "u_public"]
    assert [u["name"] for u in users] == names
    by_name = {u["name"]: u for u in users}
    assert {n: by_name[n]["role"] for n in names} == {
        "script": "public",
        "u_admin": "admin",
        "u_donor": "donor",
        "u_im_officer": "im_officer",
        "u_manager": "manager",
        "u_operator": "operator",
        "u_public": "public",
    }
    assert {n: by_name[n]["organisation"] for n in names} == {
        n: ("Alpha" if n in ("u_donor", "u_operator") else None) for n in names
    }
    assert {n: by_name[n]["password"] for n in names} == {n: n != "script" for n in names}
    assert {n: (by_name[n]["tokens"], by_name[n]["revoked_tokens"]) for n in names} == {
        n: ((0, 1) if n == "u_donor" else (1, 0)) for n in names
    }
    assert [n for n in names if by_name[n]["last_used"] is not None] == ["u_manager"]
    assert all(u["created_at"] for u in users)

    table = run_cli("user", "list", "--db", store.url).stdout
    assert all(name in table for name in names)
    for out in (proc.stdout, table):
        assert "argon2" not in out
        for tok in made["tokens"].values():
            assert tok not in out and hash_token(tok) not in out
        assert "pw-admin-1" not in out
