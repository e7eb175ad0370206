"""Review by selection: approve or reject many records in one transaction.

Each record takes the same step a single approval takes (:func:`review_step`: a draft cannot
be approved, a rejection needs a reason), gets one new version and keeps the replaced one in
its history, as :meth:`Registry.set_review_status` does for one; the writes are two
executemany statements per thousand records instead of four statements per record. Nothing
is written when any record of the selection may not take the step.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from clearground.domain.errors import StaleVersion
from clearground.store import tables as t
from clearground.store.repository.columns import table_of
from clearground.store.repository.review import review_step
from clearground.store.repository.snapshots import snapshot

CHUNK = 900
"""Records per statement: under SQLite's limit of host parameters in one ``IN`` list."""


def review_many(
    session: Session,
    kind: str,
    ids: Sequence[int],
    status: str,
    *,
    user: str,
    reason: str | None = None,
) -> int:
    """Move the records ``ids`` of ``kind`` to review ``status``; returns how many moved.

    Raises (and writes nothing the caller commits) as soon as one record may not take the
    step (``WrongStatus``) or was changed meanwhile (``StaleVersion``)."""
    table = table_of(kind)
    cols = table.__table__.c  # type: ignore[attr-defined]
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    note = f"review: {status}"
    moved = 0
    for start in range(0, len(ids), CHUNK):
        chunk = list(ids[start : start + CHUNK])
        rows = [
            dict(r)
            for r in session.execute(
                select(table.__table__).where(cols.id.in_(chunk))  # type: ignore[attr-defined]
            ).mappings()
        ]
        steps: list[dict[str, Any]] = []
        versions: list[dict[str, Any]] = []
        for row in rows:
            step = review_step(row["review_status"], status, reason, row["local_id"])
            versions.append(
                {
                    "kind": kind,
                    "record_id": row["id"],
                    "version": row["version"],
                    "data": snapshot(row, table),
                    "changed_by": row["updated_by"],
                    "changed_at": row["updated_at"],
                    "note": row["change_note"],
                }
            )
            steps.append(
                {
                    "rid": row["id"],
                    "seen": row["version"],
                    "new_version": row["version"] + 1,
                    "new_status": step["review_status"],
                    "new_reason": step["rejection_reason"],
                }
            )
        if not rows:
            continue
        session.execute(insert(t.RecordVersion), versions)
        session.execute(
            update(table.__table__)  # type: ignore[attr-defined,arg-type]
            .where(cols.id == bindparam("rid"), cols.version == bindparam("seen"))
            .values(
                version=bindparam("new_version"),
                review_status=bindparam("new_status"),
                rejection_reason=bindparam("new_reason"),
                updated_by=user,
                updated_at=now,
                change_note=note,
            ),
            steps,
        )
        done = session.execute(
            select(func.count())
            .select_from(table.__table__)  # type: ignore[attr-defined]
            .where(cols.id.in_(chunk), cols.updated_at == now, cols.change_note == note)
        ).scalar_one()
        if done != len(rows):
            raise StaleVersion(
                f"{len(rows) - done} of the selected {kind} were changed meanwhile",
                field="version",
                fix="Run the review again: nothing was written",
            )
        moved += len(rows)
    return moved
