"""A fresh PostgreSQL database for a benchmark, on the server of CLEARGROUND_TEST_PG_URL."""

from __future__ import annotations

import os

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


def pg_database(name: str) -> str:
    """Drop and create database ``name``; return its SQLAlchemy URL."""
    base = os.environ["CLEARGROUND_TEST_PG_URL"]
    admin = create_engine(make_url(base).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(base).set(database=name).render_as_string(hide_password=False)
