"""``clearground demo``: build the scenario into a database and its truth file."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import select

from clearground.domain.errors import BadInput
from clearground.scenario import azerbaijan
from clearground.scenario.truth import truth_path_for, write_truth
from clearground.store import kinds
from clearground.store import tables as t
from clearground.store.database import Store
from clearground.store.repository import Registry, count
from clearground.store.seed import init_database

DEMO_USER = "demo"


def demo_state(store: Store) -> dict[str, str]:
    """The demo settings stored in a database ({} when it holds no demo)."""
    with store.session() as session:
        rows = session.execute(
            select(t.Setting.key, t.Setting.value).where(t.Setting.key.like("demo_%"))
        ).all()
    return {k: v for k, v in rows}


def build_demo(
    store: Store,
    *,
    seed: int = 2020,
    scale: float = 1.0,
    truth: str | Path | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Build the demo scenario into an empty (or freshly initialised) database.

    Writes the truth file beside the database and returns a summary. Refuses a database that
    already holds activities, so real data is never mixed with the demo.
    """
    if scale <= 0:
        raise BadInput("the scale must be positive", field="--scale", value=scale)
    init_database(store)
    with store.session() as session:
        if count(session, "activities") or count(session, "records"):
            raise BadInput(
                "this database already holds records; the demo needs a new one",
                field="--db",
                fix="Give another --db, or delete the file first",
            )
    with store.session() as session:
        registry = Registry(session, user=DEMO_USER)
        devices, records, summary = azerbaijan.build(
            registry, seed=seed, scale=scale, progress=progress
        )
        for key, value in (("demo_seed", seed), ("demo_scale", scale)):
            session.merge(t.Setting(key=key, value=str(value)))
        counts = {kind: count(session, kind) for kind in kinds.TABLES}
        add_demo_users(session)
    path = truth_path_for(store.url, truth)
    write_truth(path, devices, records, summary)
    return {"truth_file": str(path), "counts": counts, **summary}


DEMO_PASSWORD = "demo"
DEMO_USERS: tuple[tuple[str, str, str | None], ...] = (
    ("admin", "admin", None),
    ("officer", "im_officer", None),
    ("operator", "operator", azerbaijan.ANAMA),
    ("manager", "manager", None),
    ("donor", "donor", "United Kingdom Government"),
)
"""Sign-in names of the demo, one per role (name, role, organisation); password ``demo``."""


def add_demo_users(session: Any) -> None:
    """One user per role, password ``DEMO_PASSWORD``: for trying the demo, not for real data."""
    from clearground.store.users import add_user

    for name, role, organisation in DEMO_USERS:
        if session.execute(select(t.User.id).where(t.User.name == name)).first() is None:
            add_user(session, name, role, organisation=organisation, password=DEMO_PASSWORD)
