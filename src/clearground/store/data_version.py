"""The data version: one number in the ``setting`` table that changes with every committed
write to the data, whatever made it (the web, ``clearground import``, field forms, a restore).

Caches of figures, map layers and public answers keep a value while the version is the one
they computed it at. The version is bumped in the writing transaction itself, just before its
commit, so it changes exactly when the write becomes visible, in every server process.

How writes are noticed (listeners on every session of a :class:`~clearground.store.database.Store`):
ORM flushes and DML statements run through ``Session.execute`` on any table but the
bookkeeping ones (:data:`NOT_DATA`), and :func:`mark_changed` for writes made on the raw
driver connection (PostgreSQL's COPY).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction, sessionmaker

from clearground.store import tables as t

KEY = "data_version"
NOT_DATA = frozenset(
    {"setting", "user", "api_token", "web_session", "import_job", "alembic_version"}
)
"""Tables whose writes are not data: settings, users and their sessions, job bookkeeping."""
_CHANGED = "clearground.data_changed"


def mark_changed(session: Session) -> None:
    """Note that ``session`` changed the data (for writes the listeners cannot see)."""
    session.info[_CHANGED] = True


def data_version(session: Session) -> str:
    """The current data version ("0" before the first write)."""
    setting = session.get(t.Setting, KEY)
    return setting.value if setting is not None else "0"


def _bump(session: Session) -> None:
    setting = session.get(t.Setting, KEY, with_for_update=True)
    if setting is None:
        session.add(t.Setting(key=KEY, value="1"))
    else:
        setting.value = str(int(setting.value) + 1)
    session.flush()


def _table_of(statement: Any) -> str | None:
    table = getattr(statement, "table", None)
    return getattr(table, "name", None)


def _on_execute(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        name = _table_of(state.statement)
        if name is None or name not in NOT_DATA:
            mark_changed(state.session)


def _on_flush(session: Session, _: UOWTransaction) -> None:
    for obj in (*session.new, *session.dirty, *session.deleted):
        if getattr(obj, "__tablename__", None) not in NOT_DATA:
            mark_changed(session)
            return


def _before_commit(session: Session) -> None:
    if session.info.pop(_CHANGED, False):
        _bump(session)
        session.info.pop(_CHANGED, None)  # the bump itself is bookkeeping


def _after_rollback(session: Session) -> None:
    session.info.pop(_CHANGED, None)


def watch(sessions: sessionmaker[Session]) -> None:
    """Bump the data version on commit of every session of ``sessions`` that wrote data."""
    event.listen(sessions, "do_orm_execute", _on_execute)
    event.listen(sessions, "after_flush", _on_flush)
    event.listen(sessions, "before_commit", _before_commit)
    event.listen(sessions, "after_rollback", _after_rollback)
