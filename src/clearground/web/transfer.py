"""Files in and out through the API: exports (GeoPackage, GeoJSON, CSV, XLSX) and imports
started from the browser, answered with the import report.

Exports follow the read rules of ``records`` (operators get their own organisation's
activities, finds, tasks and assets; victims only for ``admin`` and ``im_officer``; donors and
the public get no record-level files). Imports follow the write rules: an operator's import
is rolled back whole if any record written belongs to another organisation.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, JSONResponse
from starlette.background import BackgroundTask

from clearground.domain.errors import BadInput
from clearground.intake.importer import import_file
from clearground.intake.safety import Limits
from clearground.store import access, kinds
from clearground.store import queries as q
from clearground.store import record_reads as reads
from clearground.store.export import FORMATS, write_export
from clearground.store.repository import Registry
from clearground.store.users import Principal
from clearground.web import import_jobs
from clearground.web.auth import (
    ApiError,
    CurrentUser,
    bad_input_answer,
    check_write,
    error_body,
    store_of,
)
from clearground.web.records import (
    REVIEWERS,
    check_kind,
    check_may_write,
    check_owned_import,
    may_read_kind,
)

MEDIA = {
    "gpkg": "application/geopackage+sqlite3",
    "geojson": "application/geo+json",
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
DERIVED_EXPORTS = ("recorded_mines",)
"""Exports that are not a record kind: a minefield record's expected mines, one point each."""


def export_kinds() -> tuple[str, ...]:
    """What ``GET /api/export/{kind}`` serves: every record kind, and the derived exports."""
    return (*kinds.KINDS, *DERIVED_EXPORTS)


router = APIRouter(prefix="/api", tags=["files"])


def _organisation_name(request: Request, who: Principal) -> str | None:
    if who.organisation_id is None:
        return None
    with store_of(request).session() as session:
        return reads.organisation_name(session, who.organisation_id)


@router.get("/export/{kind}")
def export(
    request: Request,
    kind: str,
    who: CurrentUser,
    format: Annotated[str, Query(pattern="^(gpkg|geojson|csv|xlsx)$")] = "gpkg",
    date_from: Annotated[dt.date | None, Query(alias="from")] = None,
    until: dt.date | None = None,
    district: str | None = None,
    organisation: str | None = None,
) -> FileResponse:
    """Records of one kind as a file, every review status, with a review_status column."""
    if kind not in export_kinds():
        raise ApiError(
            404, "not_found", f"no export kind '{kind}'; kinds: {', '.join(export_kinds())}", "kind"
        )
    readable = "records" if kind == "recorded_mines" else kind
    if not may_read_kind(who, readable) or who.role == "donor":
        if who.anonymous:
            raise ApiError(401, "unauthorized", "sign in or send an API token")
        raise ApiError(403, "forbidden", f"the role '{who.role}' may not export {kind}")
    restricted, own_id = access.restricted_to(who, readable)
    if restricted:
        own = _organisation_name(request, who)
        if own is None:
            raise ApiError(403, "forbidden", "an operator user needs an organisation")
        if organisation not in (None, own):
            raise ApiError(403, "forbidden", "operators export their own organisation's records")
        organisation = None  # the exact filter below: the organisation itself, not its units
    # an operator's file holds what the API and OGC give it: its organisation's own records,
    # not those of the units under it (store/access.py, one rule on every read path)
    f = q.Filters(
        date_from,
        until,
        district,
        organisation,
        approved_only=False,
        organisation_id=own_id if restricted else None,
    )
    with store_of(request).session() as session:
        frame = q.export_frame(session, kind, f)
    folder = Path(tempfile.mkdtemp(prefix="clearground-export-"))
    path = folder / f"{kind}.{format}"
    write_export(frame, path, format, kind)
    return FileResponse(
        path,
        media_type=MEDIA[format],
        filename=path.name,
        background=BackgroundTask(_remove, folder),
    )


def _remove(folder: Path) -> None:
    for child in folder.iterdir():
        child.unlink(missing_ok=True)
    folder.rmdir()


def _guard_for(who: Principal, kind: str) -> Any:
    """For operators: refuse (roll back) an import that wrote another organisation's records
    or changed records already submitted or approved (``records.check_owned_import``)."""
    if who.role in REVIEWERS:
        return None
    since = dt.datetime.now(dt.UTC).replace(tzinfo=None)

    def guard(registry: Registry) -> None:
        check_owned_import(who, registry.session, kind, since)

    return guard


SAFE_NAME = re.compile(r"[^\w.\- ()]+")
REJECTS_SHOWN_BYTES = 16 * 1024 * 1024
"""A reject file larger than this is not sent back inline (the report still counts it)."""


def upload_name(given: str | None, default: str) -> str:
    """A file name for an upload: its base name with anything but letters, digits, ``._-()``
    and spaces replaced, no leading dots (nothing hidden, never ``..``), at most 120 chars."""
    base = (given or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = SAFE_NAME.sub("_", base).lstrip(". ")[-120:]
    return name or default


async def _save(upload: UploadFile, path: Path, limits: Limits) -> Path:
    size = 0
    with path.open("wb") as out:
        while chunk := await upload.read(1 << 20):
            size += len(chunk)
            if size > limits.upload_bytes:
                raise ApiError(
                    413,
                    "too_large",
                    f"the file is larger than {limits.upload_bytes // (1024 * 1024)} MiB",
                    "file",
                )
            out.write(chunk)
    return path


def _bounded(body: dict[str, Any], limits: Limits) -> dict[str, Any]:
    """The report with at most ``limits.issues_listed`` issues listed (all are counted)."""
    issues = body["issues"]
    body["issues_total"] = len(issues)
    if len(issues) > limits.issues_listed:
        body["issues"] = issues[: limits.issues_listed]
    body["issues_listed"] = len(body["issues"])
    return body


def _run_import(
    store: Any,
    who: Principal,
    kind: str,
    path: Path,
    plan: Path | None,
    dry_run: bool,
    skip_invalid: bool,
    limits: Limits,
    progress: Any = None,
) -> tuple[int, dict[str, Any]]:
    """Import the saved upload; (200, the report) or (4xx, the one error shape). The upload's
    folder holds nothing else: the reader's child process works in it."""
    if progress is not None:
        progress("reading", 0, 0)
    try:
        report = import_file(
            store,
            kind,
            path,
            mapping=plan,
            dry_run=dry_run,
            skip_invalid=skip_invalid,
            rejects=path.parent / ".rejects.csv",
            user=who.name,
            progress=progress,
            guard=_guard_for(who, kind),
            limits=limits,
        )
    except BadInput as exc:
        exc.source = path.name  # the file's own name, never the server's folder
        return bad_input_answer(exc)
    body = _bounded(report.to_dict(), limits)
    body["source"] = path.name
    if report.reject_file:
        rejects = Path(report.reject_file)
        shown = rejects.stat().st_size <= REJECTS_SHOWN_BYTES
        body["rejects_csv"] = rejects.read_text(encoding="utf-8") if shown else None
        body["reject_file"] = None
    if not report.written and not report.dry_run:
        first = report.issues[0] if report.issues else None
        message = f"{path.name}: nothing was imported; " + (
            first.describe(report.unit) if first else "the file was refused"
        )
        field = first.field if first else "file"
        return 400, error_body("import_refused", message, field, {"report": body})
    return 200, body


@router.post(
    "/import/{kind}",
    dependencies=[Depends(check_write)],
    responses={202: {"description": "started in the background: poll the job's href"}},
)
async def import_upload(
    request: Request,
    kind: str,
    who: CurrentUser,
    file: Annotated[UploadFile, File(description="GPKG, GeoJSON, SHP (zip), KML, FGB, CSV, XLSX")],
    mapping: Annotated[UploadFile | None, File(description="mapping YAML (docs/INTAKE.md)")] = None,
    dry_run: Annotated[bool, Form()] = False,
    skip_invalid: Annotated[bool, Form()] = False,
    background: Annotated[bool, Form(description="answer 202 at once with a job")] = False,
) -> Any:
    """Import a file as records of ``kind`` (all rows or none, or with ``skip_invalid`` the
    valid ones); answers the import report: rows, accepted, rejected, issues with row and
    field. Imported records arrive as ``submitted`` for review. With ``background`` the
    answer is 202 ``{"job", "state", "href"}`` at once; ``GET href`` gives the job's state,
    progress and, once done, the same report (or error) as a plain import answers."""
    check_kind(kind)
    check_may_write(who, kind)
    limits = Limits.from_env()
    store = store_of(request)
    folder: Path | None = Path(tempfile.mkdtemp(prefix="clearground-import-"))
    assert folder is not None
    try:
        where = folder
        path = await _save(file, where / upload_name(file.filename, "upload.dat"), limits)
        plan = await _save(mapping, where / ".mapping.yaml", limits) if mapping else None
        args = (store, who, kind, path, plan, dry_run, skip_invalid, limits)
        if background:
            job = await run_in_threadpool(import_jobs.create, store, who, kind, path.name)
            import_jobs.submit(store, job, lambda progress: _run_import(*args, progress), where)
            folder = None  # the job removes it
            href = f"/api/import/jobs/{job}"  # relative: right behind any proxy
            return JSONResponse({"job": job, "state": "queued", "href": href}, status_code=202)
        status, body = await run_in_threadpool(_run_import, *args)
    finally:
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
    if status != 200:
        return JSONResponse(body, status_code=status)
    return body


@router.get("/import/jobs/{job_id}", name="import_job")
def import_job(request: Request, job_id: int, who: CurrentUser) -> dict[str, Any]:
    """An import job started with ``background``: ``state`` (queued, running, done, failed),
    ``stage``/``done``/``total`` (rows), and at the end ``status_code`` with ``report`` (the
    import report, as a plain import answers) or ``error`` (the one error shape). A job is
    its starter's; admins see all."""
    if who.anonymous:
        raise ApiError(401, "unauthorized", "sign in or send an API token")
    if not 0 < job_id <= 2**31 - 1:
        raise ApiError(404, "not_found", f"no import job {job_id}", "job_id")
    try:
        doc = import_jobs.describe(store_of(request), who, job_id)
    except PermissionError:
        raise ApiError(403, "forbidden", "this import job is another user's", "job_id") from None
    if doc is None:
        raise ApiError(404, "not_found", f"no import job {job_id}", "job_id")
    return doc


__all__ = ["FORMATS", "router"]
