"""Saves at the same instant, on the real server (uvicorn on a loopback port) and in the store.

Two people saving the same version of a record: one is saved, the other is told 409
``stale_version``; saves of different records are all saved; never a 5xx from a lock. A write
that cannot get the database within the busy timeout is answered 503 with ``Retry-After``.
"""

from __future__ import annotations

import http.client
import json
import socket
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import pytest
import uvicorn
from shapely.geometry import box, mapping
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from clearground.store import database
from clearground.store import tables as t
from clearground.store.database import Store
from clearground.web.app import create_app
from tests.test_ogc import fill

ROUNDS = 25
THREADS = 4
DEADLINE_S = 120.0
"""No test here runs longer than this, whatever the database does."""


@contextmanager
def serve(url: str) -> Iterator[tuple[str, int]]:
    """The real app on ``url`` served by uvicorn in a thread on a free loopback port."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    app = create_app(url)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive(), "the server stopped while starting"
        assert time.monotonic() < deadline, "the server did not start within 30 s"
        time.sleep(0.02)
    try:
        yield "127.0.0.1", port
    finally:
        server.should_exit = True
        thread.join(15)
        sock.close()
        app.state.store.dispose()


class Client:
    """JSON requests to the served app, one connection per request (as separate people)."""

    def __init__(self, where: tuple[str, int], tokens: dict[str, str]) -> None:
        self.host, self.port = where
        self.tokens = tokens

    def call(self, method: str, path: str, role: str, body: Any = None) -> tuple[int, Any, Any]:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
        try:
            headers = {"Authorization": f"Bearer {self.tokens[role]}"}
            data = None
            if body is not None:
                data = json.dumps(body).encode()
                headers["Content-Type"] = "application/json"
            conn.request(method, path, body=data, headers=headers)
            resp = conn.getresponse()
            raw = resp.read()
            try:
                parsed = json.loads(raw) if raw else None
            except ValueError:
                parsed = raw.decode(errors="replace")
            return resp.status, parsed, resp.headers
        finally:
            conn.close()


@pytest.fixture
def live(store: Store) -> Iterator[tuple[Client, dict[str, Any]]]:
    ids = fill(store)
    with serve(store.url) as where:
        yield Client(where, ids["tokens"]), ids


def at_once(n: int, work: Callable[[int], Any]) -> list[Any]:
    """``work(0..n-1)`` in ``n`` threads released together by a barrier; their results."""
    barrier = threading.Barrier(n, timeout=30)

    def one(i: int) -> Any:
        barrier.wait()
        return work(i)

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(one, range(n)))


def hazard(lid: str, dx: float = 0.0) -> dict[str, Any]:
    return {
        "values": {
            "local_id": lid,
            "kind": "SHA",
            "name": "Field by the road",
            "info_date": "2022-05-01",
            "geometry": mapping(box(46.95 + dx, 40.00, 46.952 + dx, 40.002)),
        }
    }


def editors(i: int) -> str:
    return ("admin", "im_officer")[i % 2]


def test_same_record_saved_at_once_one_wins_the_rest_are_told(live: Any) -> None:
    client, ids = live
    url = f"/api/records/hazards/{ids['H1']}"
    status, got, _ = client.call("GET", url, "admin")
    assert status == 200, got
    version = got["version"]
    started = time.monotonic()
    for n in range(ROUNDS):
        assert time.monotonic() - started < DEADLINE_S
        answers = at_once(
            THREADS,
            lambda i, v=version, n=n: client.call(
                "PUT",
                url,
                editors(i),
                {"version": v, "values": {"name": f"round {n} by {i}"}, "note": f"{n}/{i}"},
            ),
        )
        codes = sorted(a[0] for a in answers)
        assert codes == [200] + [409] * (THREADS - 1), (n, [(a[0], a[1]) for a in answers])
        won = next(a for a in answers if a[0] == 200)
        assert won[1]["version"] == version + 1
        for code, body, _ in answers:
            if code == 409:
                assert body["error"]["code"] == "stale_version", body
                assert body["error"]["current"]["version"] == version + 1
        version += 1
    # nothing lost, nothing doubled: one new version per round, each kept in the history
    status, got, _ = client.call("GET", url, "admin")
    assert status == 200 and got["version"] == version
    status, history, _ = client.call("GET", f"{url}/history", "admin")
    assert status == 200 and len(history) == version


def test_different_records_saved_at_once_are_all_saved(live: Any) -> None:
    client, _ = live
    made = at_once(
        THREADS,
        lambda i: client.call(
            "POST", "/api/records/hazards", editors(i), hazard(f"C{i}", i * 0.01)
        ),
    )
    assert [m[0] for m in made] == [201] * THREADS, made
    records = {m[1]["id"]: 1 for m in made}
    rids = sorted(records)
    started = time.monotonic()
    for n in range(ROUNDS):
        assert time.monotonic() - started < DEADLINE_S
        answers = at_once(
            THREADS,
            lambda i, n=n: client.call(
                "PUT",
                f"/api/records/hazards/{rids[i]}",
                editors(i),
                {"version": records[rids[i]], "values": {"name": f"round {n}"}},
            ),
        )
        assert [a[0] for a in answers] == [200] * THREADS, (n, [(a[0], a[1]) for a in answers])
        for i, (_, body, _) in enumerate(answers):
            assert body["version"] == records[rids[i]] + 1
            records[rids[i]] += 1
    # new records and review actions at the same instant too
    more = at_once(
        THREADS,
        lambda i: client.call(
            "POST", "/api/records/hazards", editors(i), hazard(f"D{i}", 0.05 + i * 0.01)
        ),
    )
    assert [m[0] for m in more] == [201] * THREADS, more
    sent = at_once(
        THREADS,
        lambda i: client.call(
            "POST",
            f"/api/records/hazards/{rids[i]}/submit",
            editors(i),
            {"version": records[rids[i]]},
        ),
    )
    assert [s[0] for s in sent] == [200] * THREADS, sent


def test_review_action_and_edit_at_once(live: Any) -> None:
    """An approval and an edit of the same version: one is done, the other is told 409."""
    client, _ = live
    status, made, _ = client.call("POST", "/api/records/hazards", "admin", hazard("E1"))
    assert status == 201, made
    url = f"/api/records/hazards/{made['id']}"
    status, sub, _ = client.call("POST", f"{url}/submit", "admin", {"version": 1})
    assert status == 200, sub
    version = sub["version"]
    for n in range(ROUNDS // 2):
        answers = at_once(
            2,
            lambda i, v=version, n=n: (
                client.call("PUT", url, "admin", {"version": v, "values": {"name": f"edit {n}"}})
                if i == 0
                else client.call(
                    "POST", f"{url}/reject", "im_officer", {"version": v, "reason": "x"}
                )
            ),
        )
        assert sorted(a[0] for a in answers) == [200, 409], [(a[0], a[1]) for a in answers]
        version += 1
        # back to submitted for the next round
        status, sub, _ = client.call("POST", f"{url}/submit", "admin", {"version": version})
        if status == 200:
            version = sub["version"]
        else:
            assert status == 409 and sub["error"]["code"] == "wrong_status", sub


def counter(session: Any) -> int:
    row = session.get(t.Setting, "test_counter")
    return int(row.value) if row is not None else 0


def test_store_sessions_that_read_then_write_at_once(store: Store) -> None:
    """Two threads each read a value and write it back increased: no 'database is locked',
    no lost update."""
    with store.session(write=True) as s:
        s.add(t.Setting(key="test_counter", value="0"))
    errors: list[BaseException] = []

    def bump(_: int) -> None:
        try:
            with store.session(write=True) as s:
                seen = counter(s)
                time.sleep(0.01)  # the other thread is reading meanwhile
                s.get(t.Setting, "test_counter").value = str(seen + 1)  # type: ignore[union-attr]
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    for _ in range(ROUNDS):
        at_once(2, bump)
    assert not errors, errors[:3]
    with store.session() as s:
        assert counter(s) == 2 * ROUNDS


def test_readers_go_on_while_a_writer_holds_the_database(store: Store) -> None:
    """Read sessions are not serialised behind a writer (WAL on SQLite, MVCC on PostgreSQL)."""
    fill(store)
    holding = threading.Event()
    release = threading.Event()

    def writer() -> None:
        with store.session(write=True) as s:
            s.add(t.Setting(key="held", value="1"))
            s.flush()
            holding.set()
            release.wait(20)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert holding.wait(20)
        started = time.monotonic()
        with store.session() as s:
            assert s.execute(select(t.Hazard.id)).first() is not None
            assert s.get(t.Setting, "held") is None  # not committed yet
        assert time.monotonic() - started < 2.0
    finally:
        release.set()
        thread.join(20)
    with store.session() as s:
        assert s.get(t.Setting, "held") is not None


@contextmanager
def lock_held_elsewhere(url: str) -> Iterator[None]:
    """Another program holding the database's write lock (SQLite) or the write sessions'
    lock (PostgreSQL) until the block ends."""
    if url.startswith("sqlite"):
        other = sqlite3.connect(make_url(url).database or "", isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            other.execute("ROLLBACK")
            other.close()
        return
    engine = create_engine(url)
    with engine.connect() as conn:
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": database.WRITE_LOCK})
        try:
            yield
        finally:
            conn.rollback()
    engine.dispose()


def test_a_write_that_cannot_get_the_database_is_answered_503(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = fill(store)
    monkeypatch.setattr(database, "BUSY_TIMEOUT_S", 0.5)
    with serve(store.url) as where:
        client = Client(where, ids["tokens"])
        url = f"/api/records/hazards/{ids['H1']}"
        status, got, _ = client.call("GET", url, "admin")
        assert status == 200, got
        with lock_held_elsewhere(store.url):
            # reads go on
            status, seen, _ = client.call("GET", url, "im_officer")
            assert status == 200, seen
            started = time.monotonic()
            status, body, headers = client.call(
                "PUT", url, "admin", {"version": got["version"], "values": {"name": "later"}}
            )
            assert time.monotonic() - started < 10
            assert status == 503, body
            assert body["error"]["code"] == "database_busy", body
            assert set(body["error"]) >= {"code", "message", "field"}
            assert int(headers["Retry-After"]) >= 1
        # once the other program is done, the same save goes through
        status, body, _ = client.call(
            "PUT", url, "admin", {"version": got["version"], "values": {"name": "later"}}
        )
        assert status == 200, body


def test_other_database_errors_stay_internal_errors(store: Store) -> None:
    """Only lock errors are 503; any other database error is a bug, answered 500 (logged)."""
    from fastapi.testclient import TestClient
    from sqlalchemy.exc import OperationalError

    app = create_app(store.url)

    @app.get("/test-broken")
    def broken() -> None:
        raise OperationalError("SELECT 1", {}, sqlite3.OperationalError("no such table: x"))

    @app.get("/test-locked")
    def locked() -> None:
        raise OperationalError("SELECT 1", {}, sqlite3.OperationalError("database is locked"))

    client = TestClient(app, raise_server_exceptions=False)
    got = client.get("/test-broken")
    assert got.status_code == 500 and got.json()["error"]["code"] == "internal_error"
    got = client.get("/test-locked")
    assert got.status_code == 503 and got.json()["error"]["code"] == "database_busy"
    assert got.headers["Retry-After"] == str(database.RETRY_AFTER_S)
    app.state.store.dispose()
