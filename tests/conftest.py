"""Test fixtures: every database test runs on the backend named by CLEARGROUND_TEST_BACKEND.

``sqlite`` (default): real SQLite files under pytest's tmp_path. ``postgis``: a real
PostgreSQL + PostGIS server at CLEARGROUND_TEST_PG_URL (started by scripts/test.sh); each test
gets its own database cloned from a migrated, seeded template. A missing server is an error,
never a skip.
"""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from clearground.store.database import Store
from clearground.store.seed import init_database

BACKEND = os.environ.get("CLEARGROUND_TEST_BACKEND", "sqlite")
# session keys of server databases go to a throwaway folder, not the tester's ~/.config
os.environ.setdefault("CLEARGROUND_SECRET_DIR", tempfile.mkdtemp(prefix="clearground-keys-"))
PG_URL = os.environ.get("CLEARGROUND_TEST_PG_URL", "")
_counter = itertools.count()


def pytest_report_header(config: pytest.Config) -> str:
    return f"clearground backend: {BACKEND}"


def _pg_admin_url() -> str:
    if not PG_URL:
        raise RuntimeError(
            "CLEARGROUND_TEST_BACKEND=postgis needs CLEARGROUND_TEST_PG_URL "
            "(scripts/test.sh starts a server and sets it)"
        )
    return make_url(PG_URL).set(database="postgres").render_as_string(hide_password=False)


def _pg_create(name: str, template: str | None = None) -> str:
    admin = create_engine(_pg_admin_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(
            text(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
        )
    admin.dispose()
    return make_url(PG_URL).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def template_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated database seeded by ``init`` (catalogue and Azerbaijan's districts)."""
    if BACKEND == "postgis":
        url = _pg_create(f"cg_template_{os.getpid()}")
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('template') / 'template.db'}"
    store = Store(url)
    store.migrate()
    init_database(store)
    store.dispose()
    return url


def _pg_drop(url: str) -> None:
    """Drop a test's database, ending every connection a test left open (an app's pool, a
    thread's session), so the server never runs out of connection slots over a long run."""
    admin = create_engine(_pg_admin_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def db_url(template_url: str, tmp_path: Path) -> Iterator[str]:
    """A fresh database of the test backend, already seeded, for one test."""
    if BACKEND == "postgis":
        template = make_url(template_url).database
        url = _pg_create(f"cg_test_{os.getpid()}_{next(_counter)}", template)
        yield url
        _pg_drop(url)
        return
    path = tmp_path / "test.db"
    shutil.copy(make_url(template_url).database or "", path)
    yield f"sqlite:///{path}"


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    s = Store(db_url)
    yield s
    s.dispose()


@pytest.fixture
def empty_db_url(tmp_path: Path) -> Iterator[str]:
    """A new, empty database (not migrated) of the test backend."""
    if BACKEND == "postgis":
        url = _pg_create(f"cg_empty_{os.getpid()}_{next(_counter)}")
        yield url
        _pg_drop(url)
        return
    yield f"sqlite:///{tmp_path / 'empty.db'}"


def run_cli(
    *args: str, check: bool = True, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the real command line in a subprocess; returns the completed process."""
    proc = subprocess.run(
        [sys.executable, "-m", "clearground", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=1800,
    )
    if check and proc.returncode != 0:
        raise AssertionError(
            f"clearground {' '.join(args)} exited {proc.returncode}:\n{proc.stderr[-3000:]}"
        )
    return proc


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """The scale-1 demo built once per session through the CLI: its --db, truth file, folder."""
    folder = tmp_path_factory.mktemp("demo")
    db = _pg_create(f"cg_demo_{os.getpid()}") if BACKEND == "postgis" else str(folder / "demo.db")
    truth = folder / "demo.truth.gpkg"
    run_cli("demo", "--db", db, "--no-serve", "--truth", str(truth))
    return {"db": db, "truth": truth, "folder": folder}
