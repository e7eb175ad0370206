"""Imports started from the browser run as jobs: the request answers at once (202) with the
job's address, a small pool of threads does the work, and the page polls the job.

The server stays responsive while a national file is read and checked: the reading happens
in a child process (``intake.safety``), the checking and writing in one of ``WORKERS``
threads, never on the event loop. A job's row (``import_job``) holds its state and, at the
end, the import report or the error in the API's one error shape, so any server process can
answer a poll. Progress within a stage (rows checked, rows written) is kept in memory by the
process that runs the job: the import holds the database's write lock until it commits, so it
is not written to a table meanwhile.
"""

from __future__ import annotations

import datetime as dt
import logging
import shutil
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from clearground.store import tables as t
from clearground.store.database import Store
from clearground.store.users import Principal

WORKERS = 2
"""Imports run at once per server process; more wait their turn (state ``queued``)."""
STALE_AFTER = dt.timedelta(hours=6)
"""A job still running after this, unknown to the process asked, was cut off by a restart."""

log = logging.getLogger(__name__)
_pool = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="clearground-import")
_progress: dict[int, tuple[str, int, int]] = {}
_lock = threading.Lock()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def create(store: Store, who: Principal, kind: str, source: str) -> int:
    """A new job row for ``who`` importing ``source`` as ``kind``; returns its id."""
    with store.session(write=True) as session:
        job = t.ImportJob(
            user_name=who.name, kind=kind, source=source[:200], state="queued", done=0, total=0
        )
        session.add(job)
        session.flush()
        return int(job.id)


def _finish(store: Store, job_id: int, status: int, body: dict[str, Any]) -> None:
    with store.session(write=True) as session:
        job = session.get(t.ImportJob, job_id)
        if job is None:
            return
        job.state = "done" if status < 400 else "failed"
        job.status_code = status
        job.report = body if status < 400 else None
        job.error = body if status >= 400 else None
        job.updated_at = _now()


def _mark(store: Store, job_id: int, state: str) -> None:
    with store.session(write=True) as session:
        job = session.get(t.ImportJob, job_id)
        if job is not None:
            job.state = state
            job.updated_at = _now()


Work = Callable[[Callable[[str, int, int], None]], tuple[int, dict[str, Any]]]


def submit(store: Store, job_id: int, work: Work, folder: Path) -> None:
    """Run ``work(progress)`` for the job in the pool; it returns (HTTP status, body). The
    upload's ``folder`` is removed when the job ends, whatever the outcome."""

    def progress(stage: str, done: int, total: int) -> None:
        with _lock:
            _progress[job_id] = (stage, done, total)

    def run() -> None:
        try:
            _mark(store, job_id, "running")
            status, body = work(progress)
        except Exception:  # noqa: BLE001 - a bug: the job fails with the one error shape
            log.exception("import job %s failed", job_id)
            status = 500
            body = {"error": {"code": "internal_error", "message": "internal server error"}}
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        try:
            _finish(store, job_id, status, body)
        finally:
            with _lock:
                _progress.pop(job_id, None)

    with _lock:
        _progress[job_id] = ("queued", 0, 0)
    _pool.submit(run)


def describe(store: Store, who: Principal, job_id: int) -> dict[str, Any] | None:
    """The job as the API answers it, or None if there is none. A job is its starter's;
    admins see every job: PermissionError for anyone else."""
    with store.session() as session:
        job = session.get(t.ImportJob, job_id)
        if job is None:
            return None
        if job.user_name != who.name and who.role != "admin":
            raise PermissionError(job_id)
        doc: dict[str, Any] = {
            "id": job.id,
            "kind": job.kind,
            "source": job.source,
            "state": job.state,
            "stage": job.stage,
            "done": job.done,
            "total": job.total,
            "status_code": job.status_code,
            "report": job.report,
            "error": job.error,
            "created_at": job.created_at.isoformat(),
            "updated_at": job.updated_at.isoformat(),
        }
    with _lock:
        live = _progress.get(job_id)
    if live is not None and doc["state"] in ("queued", "running"):
        doc["stage"], doc["done"], doc["total"] = live
    elif doc["state"] in ("queued", "running") and _now() - job.updated_at > STALE_AFTER:
        doc["state"] = "failed"
        doc["error"] = {
            "error": {
                "code": "interrupted",
                "message": "the server stopped during this import; nothing of it was written",
                "field": None,
            }
        }
    return doc
