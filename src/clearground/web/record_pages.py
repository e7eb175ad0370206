"""Pages for records: lists, one record with its history and review actions, the entry and
edit form with a map to draw the geometry, the review queue and browser imports.

The pages read through the same rules as the REST API (``records``) and write through it
(``static/records.js`` calls ``/api/records/...`` with the CSRF token), so a form is checked
by the intake layer exactly as an import row is.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import JSON, Date, Float, Integer, Numeric

from clearground.store import access, kinds
from clearground.store import record_reads as reads
from clearground.store import tables as t
from clearground.store.kinds import KINDS
from clearground.store.repository import BBOX, REFERENCES, SYSTEM_COLUMNS, Registry, columns_of
from clearground.store.types import GeometryType
from clearground.store.users import Principal
from clearground.web import records as api
from clearground.web.auth import ApiError, CurrentUser, store_of
from clearground.web.pages import render, safe_next

router = APIRouter(include_in_schema=False)

NOT_IN_FORM = SYSTEM_COLUMNS
SELECT_REFS = {t.Organisation, t.Ordnance, t.Handover}


def _gate(request: Request, who: Principal, allowed: bool) -> Response | None:
    """Anonymous users go to sign-in; other roles without the right get a 403 page."""
    if allowed:
        return None
    if who.anonymous:
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        back = quote(safe_next(here), safe="/")  # a same-site path only, URL-encoded
        return RedirectResponse(f"/signin?next={back}", status_code=303)
    return render(request, "denied.html", {}, who, status_code=403)


def form_fields(session: Any, kind: str) -> list[dict[str, Any]]:
    """The inputs of the entry form for ``kind``: name, type, choices, required."""
    spec = KINDS[kind].rules
    refs = {field: (name, table, col) for name, (field, table, col) in REFERENCES[kind].items()}
    fields = []
    for name, column in columns_of(KINDS[kind].table).items():
        if name in NOT_IN_FORM or isinstance(column.type, GeometryType):
            continue
        entry: dict[str, Any] = {
            "name": name,
            "input": "text",
            "choices": None,
            "required": name in spec.required or name == "local_id",
        }
        if name in spec.enums:
            entry["input"] = "select"
            entry["choices"] = [m.value for m in spec.enums[name]]
        elif name in spec.lists:  # several of a vocabulary: a hazard's blockages
            entry["input"] = "multiple"
            entry["choices"] = [m.value for m in spec.lists[name]]
        elif name in refs:
            ref_name, table, col = refs[name]
            entry["name"] = ref_name  # typed by name or local id; the registry resolves it
            entry["required"] = name in spec.required
            if table in SELECT_REFS:
                entry["input"] = "select"
                entry["choices"] = reads.column_values(session, table, col)
            else:  # typed, with suggestions: districts listed, other records searched
                entry["input"] = "search"
                entry["target"] = kinds.of_table(table).name
                if table is t.Location:
                    entry["choices"] = reads.district_names(session)
        elif isinstance(column.type, JSON):
            entry["input"] = "json"  # e.g. a minefield record's form: reference points, legs
        elif isinstance(column.type, Date):
            entry["input"] = "date"
        elif isinstance(column.type, Integer | Float | Numeric):
            entry["input"] = "number"
        elif column.type.__class__.__name__ == "Boolean":
            entry["input"] = "select"
            entry["choices"] = ["true", "false"]
        fields.append(entry)
    return fields


def form_values(session: Any, kind: str, row: dict[str, Any]) -> dict[str, Any]:
    """A record's values as the form shows them (references by name, dates ISO)."""
    out = {k: api.json_value(v) for k, v in row.items()}
    for ref_name, (field, table, col) in REFERENCES[kind].items():
        if row.get(field) is not None:
            out[ref_name] = reads.value_of(session, table, col, row[field])
    return out


@router.get("/records", response_class=HTMLResponse)
def records_page(
    request: Request,
    who: CurrentUser,
    kind: str | None = None,
    review_status: str | None = None,
    q: str | None = None,
) -> Response:
    """Records of one kind the user may read, newest first."""
    readable = [k for k in KINDS if api.may_read_kind(who, k)]
    if kind not in KINDS:  # none asked: hazards, or the first kind the role reads
        kind = "hazards" if "hazards" in readable or not readable else readable[0]
    gate = _gate(request, who, api.may_read_kind(who, kind))
    if gate:
        return gate
    listing = api.list_records(request, kind, who, review_status, q, 200, 0)
    can_write = _may_write(who, kind)
    return render(
        request,
        "records.html",
        {
            "kind": kind,
            "kinds": readable,
            "listing": listing,
            "review_status": review_status or "",
            "q": q or "",
            "can_write": can_write,
        },
        who,
    )


def _passes(check: Callable[..., None], *args: Any) -> bool:
    """Whether one of the API's permission checks lets the request through."""
    try:
        check(*args)
    except ApiError:
        return False
    return True


def _may_write(who: Principal, kind: str) -> bool:
    return _passes(api.check_may_write, who, kind)


@router.get("/records/{kind}/new", response_class=HTMLResponse)
def new_record_page(request: Request, kind: str, who: CurrentUser) -> Response:
    """The entry form with a map to draw the geometry."""
    api.check_kind(kind)
    gate = _gate(request, who, _may_write(who, kind))
    if gate:
        return gate
    with store_of(request).session() as session:
        fields = form_fields(session, kind)
    return render(
        request,
        "record_form.html",
        {
            "kind": kind,
            "fields": fields,
            "values": {},
            "record": None,
            "geometry_shape": KINDS[kind].rules.geometry,
        },
        who,
    )


@router.get("/records/{kind}/{record_id}", response_class=HTMLResponse)
def record_page(request: Request, kind: str, record_id: int, who: CurrentUser) -> Response:
    """One record: its fields, its geometry on a map, its history, and the review actions."""
    api.check_kind(kind)
    gate = _gate(request, who, api.may_read_kind(who, kind))
    if gate:
        return gate
    with store_of(request).session() as session:
        row = api.load_readable(session, who, kind, record_id)
        history = api.history_json(Registry(session), kind, record_id)
        values = form_values(session, kind, row)
        may_edit = _passes(api.check_may_edit, who, session, kind, row)
    may_review = _passes(api.check_may_review, who, kind)
    geometry = values.pop("geometry", None)
    shown = {
        k: v
        for k, v in values.items()
        if k not in ("id", *BBOX, "rows_geometry", "mines_geometry") and not k.endswith("_id")
    }
    return render(
        request,
        "record.html",
        {
            "kind": kind,
            "record": row,
            "values": shown,
            "geometry": geometry,
            "history": list(reversed(history)),
            "may_edit": may_edit,
            "may_review": may_review,
            "may_revert": who.role in api.REVIEWERS,
            # fields holding codes, shown as words (destroyed in situ, NTS)
            "codes": {*KINDS[kind].rules.enums, *KINDS[kind].rules.lists, "review_status"},
        },
        who,
    )


@router.get("/records/{kind}/{record_id}/edit", response_class=HTMLResponse)
def edit_record_page(request: Request, kind: str, record_id: int, who: CurrentUser) -> Response:
    """The form filled with the current version; saving names that version."""
    api.check_kind(kind)
    gate = _gate(request, who, _may_write(who, kind))
    if gate:
        return gate
    with store_of(request).session() as session:
        row = api.load_readable(session, who, kind, record_id)
        try:
            api.check_may_edit(who, session, kind, row)
        except ApiError as exc:  # another organisation's, or locked in review
            return render(request, "denied.html", {"reason": exc.message}, who, exc.status)
        fields = form_fields(session, kind)
        values = form_values(session, kind, row)
    return render(
        request,
        "record_form.html",
        {
            "kind": kind,
            "fields": fields,
            "values": values,
            "record": row,
            "geometry_shape": KINDS[kind].rules.geometry,
        },
        who,
    )


@router.get("/review", response_class=HTMLResponse)
def review_page(request: Request, who: CurrentUser, status: str | None = None) -> Response:
    """Records waiting for review (reviewers) or the user's organisation's work (operators)."""
    allowed = not who.anonymous and who.role in ("admin", "im_officer", "manager", "operator")
    gate = _gate(request, who, allowed)
    if gate:
        return gate
    if status not in ("draft", "submitted", "approved", "rejected"):
        # an operator's inbox is what came back to it; a reviewer's, what waits for review
        status = "rejected" if who.role == "operator" else "submitted"
    queue = api.review_queue(request, who, status, 500)
    counts = api.review_counts(request, who)
    bulk = [k for k in KINDS if KINDS[k].in_review_queue and access.may_review(who, k)]
    return render(
        request,
        "review.html",
        {"queue": queue, "status": status, "counts": counts, "bulk_kinds": bulk},
        who,
    )


@router.get("/import", response_class=HTMLResponse)
def import_page(request: Request, who: CurrentUser) -> Response:
    """Import a file from the browser; the report is shown on the page."""
    kinds = [k for k in KINDS if _may_write(who, k)]
    gate = _gate(request, who, bool(kinds))
    if gate:
        return gate
    return render(request, "import.html", {"kinds": kinds}, who)
