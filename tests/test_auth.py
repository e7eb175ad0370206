"""Users, passwords, API tokens, sessions with CSRF, and the JSON error shape."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from clearground.store import tables as t
from clearground.store.database import Store
from clearground.store.repository import Registry
from clearground.store.users import hash_password, verify_password
from clearground.web.app import create_app
from tests.conftest import run_cli


def _db_arg(store: Store) -> str:
    return store.url


def test_user_add_prints_the_token_last_and_stores_only_its_hash(store: Store) -> None:
    with store.session() as s:
        Registry(s).add(
            "organisations", {"local_id": "O", "name": "Alpha Demining", "kind": "operator"}
        )
    proc = run_cli(
        "user", "add", "ops1", "--role", "operator", "--organisation", "Alpha Demining",
        "--token", "--db", _db_arg(store),
    )  # fmt: skip
    token = proc.stdout.strip().splitlines()[-1].split()[-1]
    assert len(token) >= 40
    with store.session() as s:
        user = s.execute(select(t.User).where(t.User.name == "ops1")).scalar_one()
        hashes = list(s.execute(select(t.ApiToken.token_hash)).scalars())
        org = s.execute(select(t.Organisation.id)).scalar_one()
    assert user.role == "operator" and user.organisation_id == org
    assert user.password_hash is None  # token only
    assert hashes == [hashlib.sha256(token.encode()).hexdigest()]
    client = TestClient(create_app(store.url))
    me = client.get("/api/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert me == {"name": "ops1", "role": "operator", "organisation_id": org}


def test_user_add_password_from_environment_and_bad_input(store: Store) -> None:
    env = {**os.environ, "CLEARGROUND_PASSWORD": "correct horse"}
    proc = subprocess.run(
        [sys.executable, "-m", "clearground", "user", "add", "ima", "--role", "im_officer",
         "--db", store.url],
        capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    with store.session() as s:
        stored = s.execute(select(t.User.password_hash).where(t.User.name == "ima")).scalar_one()
    assert stored and stored.startswith("$argon2id$") and "correct horse" not in stored
    assert verify_password(stored, "correct horse")
    assert not verify_password(stored, "correct horse!")
    for args in (
        ("bob", "--role", "superuser", "--token"),  # unknown role
        ("ima", "--role", "manager", "--token"),  # name taken
        ("op", "--role", "operator", "--token"),  # operator without organisation
        ("op", "--role", "operator", "--organisation", "Nobody", "--token"),
    ):
        bad = run_cli("user", "add", *args, "--db", store.url, check=False)
        assert bad.returncode == 2, (args, bad.stderr)
        assert "Error" in bad.stderr
    with store.session() as s:
        assert s.execute(select(t.User.name)).scalars().all() == ["ima"]


def test_password_hashes_are_salted_and_verify() -> None:
    a, b = hash_password("s3cret"), hash_password("s3cret")
    assert a != b  # salted
    assert verify_password(a, "s3cret") and verify_password(b, "s3cret")
    assert not verify_password(a, "S3cret")
    assert not verify_password(None, "s3cret")
    assert not verify_password("not a hash", "s3cret")


def test_bad_or_revoked_token_is_401_with_the_error_shape(store: Store) -> None:
    proc = run_cli("user", "add", "mgr", "--role", "manager", "--token", "--db", store.url)
    token = proc.stdout.strip().split()[-1]
    client = TestClient(create_app(store.url))
    assert (
        client.get("/api/me", headers={"Authorization": f"Bearer {token}"}).json()["role"]
        == "manager"
    )
    for header in (f"Bearer {token}x", "Bearer ", "Basic dXNlcjpwdw==", "Bearer nonsense"):
        r = client.get("/ogc/collections/hazards/items", headers={"Authorization": header})
        assert r.status_code == 401, header
        assert r.headers["www-authenticate"] == "Bearer"
        body = r.json()
        assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "field"}
        assert body["error"]["code"] in ("invalid_token", "unauthorized")
    with store.session() as s:
        row = s.execute(select(t.ApiToken)).scalar_one()
        assert row.last_used is not None  # recorded on use
        row.revoked = True
    r = client.get("/api/me", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401 and r.json()["error"]["code"] == "invalid_token"
    # other errors share the shape
    r = client.get("/no/such/page")
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"


def test_session_login_needs_csrf_and_the_right_password(store: Store) -> None:
    run_cli(
        "user", "add", "admin1", "--role", "admin", "--password", "pw-admin-1", "--db", store.url
    )
    client = TestClient(create_app(store.url))
    creds = {"name": "admin1", "password": "pw-admin-1"}
    r = client.post("/login", json=creds)
    assert r.status_code == 403 and r.json()["error"]["code"] == "csrf_failed"
    csrf = client.get("/login").json()["csrf_token"]
    r = client.post("/login", json=creds, headers={"X-CSRF-Token": "wrong"})
    assert r.status_code == 403
    r = client.post("/login", json={**creds, "password": "nope"}, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 401 and r.json()["error"]["code"] == "bad_credentials"
    assert client.get("/api/me").json()["role"] == "public"
    r = client.post("/login", json=creds, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 200
    fresh = r.json()["csrf_token"]
    assert fresh != csrf
    assert client.get("/api/me").json() == {
        "name": "admin1",
        "role": "admin",
        "organisation_id": None,
    }
    assert client.get("/api/users").status_code == 200
    # the old CSRF token no longer works once signed in
    assert client.post("/logout", headers={"X-CSRF-Token": csrf}).status_code == 403
    assert client.post("/logout", headers={"X-CSRF-Token": fresh}).status_code == 200
    assert client.get("/api/me").json()["role"] == "public"
    # a cookie signed with another key is ignored
    other = TestClient(create_app(store.url))
    other.cookies.set("session", "forged.value.sig")
    assert other.get("/api/me").json()["role"] == "public"


def test_a_busy_database_does_not_refuse_a_token_read(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The last-used stamp is best effort: if writing it fails ('database is locked' under
    concurrent SQLite writers, which cannot be made to happen quickly here), the request is
    still answered, looked up again without the stamp."""
    from sqlalchemy.exc import OperationalError

    from clearground.store import users as u
    from tests.test_ogc import fill

    ids = fill(store)
    real = u.user_by_token
    calls: list[bool] = []

    def busy(session: Any, token: str, *, stamp: bool = True) -> Any:
        calls.append(stamp)
        if stamp:
            raise OperationalError("UPDATE api_token", {}, Exception("database is locked"))
        return real(session, token, stamp=stamp)

    monkeypatch.setattr(u, "user_by_token", busy)
    client = TestClient(create_app(store.url))
    r = client.get("/api/me", headers={"Authorization": f"Bearer {ids['tokens']['manager']}"})
    assert r.status_code == 200 and r.json()["role"] == "manager"
    assert calls == [True, False]
