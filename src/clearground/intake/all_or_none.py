"""An import writes all its rows or none: the one transaction rule of file imports and
field-form imports.

``write_all_or_none`` runs the import's checking and writing in one write transaction of the
store. The transaction commits only if the write says every row was taken (or, with
``--skip-invalid``, every row not refused) and it is not a dry run; otherwise it is rolled
back whole, and a refused import reports nothing created, updated or unchanged. Rows left out
by ``--skip-invalid`` go to a reject file once the import has committed.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from sqlalchemy.orm import Session

from clearground.store.database import Store


class Counted(Protocol):
    """What a report must have for the rule: counts, the rejected rows, the outcome."""

    created: int
    updated: int
    unchanged: int
    written: bool
    reject_file: str | None

    @property
    def rejected_rows(self) -> list[int]: ...


class RollBack(Exception):
    """Raised inside the transaction to undo it (a refusal, a dry run, a guard)."""


def write_all_or_none(
    store: Store,
    report: Counted,
    write: Callable[[Session], bool],
    *,
    dry_run: bool,
    skip_invalid: bool,
    write_rejects: Callable[[], Path] | None = None,
    on_refused: Callable[[], None] | None = None,
) -> None:
    """Run ``write(session)`` in one write transaction; it returns False when the import is
    refused (or raises :class:`RollBack`). Sets ``report.written``; a refused import has no
    counts (``on_refused`` clears what else the report counts); after a commit with rows left
    out by ``skip_invalid``, ``write_rejects()`` makes the reject file."""
    refused = False
    try:
        with store.session(write=True) as session:
            if not write(session):
                refused = True
                raise RollBack
            if dry_run:
                raise RollBack
    except RollBack:
        report.written = False
    else:
        report.written = True
    if refused:
        report.created = report.updated = report.unchanged = 0
        if on_refused is not None:
            on_refused()
    elif skip_invalid and report.rejected_rows and not dry_run and write_rejects is not None:
        report.reject_file = str(write_rejects())
