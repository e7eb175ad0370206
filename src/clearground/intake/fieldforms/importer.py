"""``clearground import FORM FILE``: field form submissions into the registry, all or none.

A submission becomes records through the same checks as every other import
(``intake.importer.check_and_write``): a hazard survey one hazard; a progress report one
activity and its finds; an accident report one accident and its victims. Every kind of a file
is checked and written inside one transaction: if any submission is refused, nothing is
written (``--skip-invalid``: every record of the refused submissions is left out, the rest
written).

Records are named after the submission's instance id (``ODK-<uuid>``; repeat items
``ODK-<uuid>-F1``, ``-F2`` ... for finds, ``-V1`` ... for victims), so a submission sent or
edited again is matched to what it made before: an unchanged record stays as it is, a changed
one becomes a new version. The date of submission is the records' date of information; the
enumerator's name is who reported them.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Date, or_, select
from sqlalchemy.orm import Session

from clearground.domain.names import fold
from clearground.intake.all_or_none import write_all_or_none
from clearground.intake.fieldforms.forms import DISTRICT_NAMES, FORMS, OTHER, Form, Leaf
from clearground.intake.fieldforms.submissions import (
    Submission,
    choice_value,
    parse_geopoint,
    parse_geoshape,
    read_export,
)
from clearground.intake.importer import check_and_write
from clearground.intake.report import ImportReport, Issue
from clearground.store import tables as t
from clearground.store.database import Store
from clearground.store.repository import REFERENCES, Registry, columns_of, kind_of, table_of

PREFIX = "ODK"
ITEM_LETTER = {"finds": "F", "victims": "V"}
PARENT_FIELD = {"finds": "activity", "victims": "accident"}
Progress = Callable[[str, int, int], None]


@dataclass
class FormImportReport(ImportReport):
    """An import report with the export's flavour and the counts by record kind."""

    flavour: str = ""
    by_kind: dict[str, dict[str, int]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return (
            super().to_dict()
            | {"form": self.kind, "flavour": self.flavour}
            | {"by_kind": self.by_kind}
        )


@dataclass
class _Frame:
    """The records of one kind: model fields, ``geometry`` and ``_row`` (the submission)."""

    frame: pd.DataFrame
    origin: list[tuple[int, str]]
    """For each row: the submission number and the record's local id."""
    unreadable: set[int]
    """Rows with an answer that could not be read (already reported)."""


def local_id(submission: Submission, kind: str | None = None, item: int | None = None) -> str:
    """The local id of a submission's record, or of its ``item``-th repeat item."""
    base = f"{PREFIX}-{submission.instance_id}"
    return base if kind is None else f"{base}-{ITEM_LETTER[kind]}{item}"


def import_form(
    store: Store,
    form_id: str,
    path: Path,
    *,
    dry_run: bool = False,
    skip_invalid: bool = False,
    fix_geometry: bool = False,
    fix_swapped: bool = False,
    rejects: Path | None = None,
    user: str = "import",
) -> FormImportReport:
    """Import the submissions of form ``form_id`` exported to ``path``."""
    form = FORMS[form_id]
    export = read_export(path, form)
    report = FormImportReport(
        str(path),
        form_id,
        unit="submission",
        rows=len(export.submissions),
        dry_run=dry_run,
        flavour=export.flavour,
    )
    report.issues += export.issues
    submissions = _usable(export.submissions, report)
    kinds = [form.kind, *form.children]
    note = f"import {path.name} ({export.flavour})"
    options = {"fix_geometry": fix_geometry, "fix_swapped": fix_swapped, "note": note}

    def write(session: Session) -> bool:
        frames = build_frames(form, submissions, Registry(session, user=user), report)
        # pass 1, undone: every problem of every kind, each kind checked against the valid
        # records of the kinds before it
        probe = session.begin_nested()
        try:
            before = set(report.rejected_rows)
            found, rejected, ok = _run(session, user, form, frames, before, True, options)
        finally:
            probe.rollback()
        for kind in kinds:
            report.issues += found[kind].issues if kind in found else []
        rejected |= set(report.rejected_rows)
        if not ok or report.file_errors or (rejected and not skip_invalid):
            return False
        # pass 2: the accepted submissions, for real
        written, _, ok = _run(session, user, form, frames, rejected, False, options)
        if not ok:  # the database refused what the checks let through
            report.issues += [
                i for r in written.values() for i in r.issues if i.severity == "error"
            ]
            return False
        for kind, sub in written.items():
            report.by_kind[kind] = {
                "created": sub.created,
                "updated": sub.updated,
                "unchanged": sub.unchanged,
            }
            report.created += sub.created
            report.updated += sub.updated
            report.unchanged += sub.unchanged
        report.issues += _dropped_items(session, form, submissions, rejected)
        return True

    write_all_or_none(
        store,
        report,
        write,
        dry_run=dry_run,
        skip_invalid=skip_invalid,
        write_rejects=lambda: _write_rejects(report, submissions, path, rejects),
        on_refused=report.by_kind.clear,
    )
    report.issues.sort(key=lambda i: (i.row is not None, i.row or 0))
    return report


def _usable(submissions: list[Submission], report: ImportReport) -> list[Submission]:
    """Leave out submissions rejected in the source, and earlier copies of resubmissions."""
    latest: dict[str, Submission] = {}
    for sub in submissions:
        if sub.rejected_in_source:
            report.issues.append(
                Issue(
                    sub.number,
                    None,
                    "rejected by a reviewer in ODK Central / KoboToolbox: not imported",
                    "rejected_in_source",
                    severity="warning",
                    record=local_id(sub) if sub.instance_id else None,
                )
            )
            continue
        if not sub.instance_id:
            report.issues.append(
                Issue(
                    sub.number,
                    "meta/instanceID",
                    "the submission has no instance id, so a resubmission could not be matched",
                    "missing",
                    fix="Export the submissions with their metadata (KEY, __id or _uuid)",
                )
            )
            continue
        before = latest.get(sub.instance_id)
        if before is None:
            latest[sub.instance_id] = sub
            continue
        older, newer = sorted(
            (before, sub), key=lambda s: (s.submitted_at or dt.datetime.min, s.number)
        )
        report.issues.append(
            Issue(
                older.number,
                None,
                f"sent again as submission {newer.number} (same instance id): only that "
                "one is imported",
                "resubmitted",
                severity="warning",
                record=local_id(sub),
            )
        )
        latest[sub.instance_id] = newer
    return sorted(latest.values(), key=lambda s: s.number)


def _run(
    session: Any,
    user: str,
    form: Form,
    frames: dict[str, _Frame],
    rejected: set[int],
    probing: bool,
    options: dict[str, Any],
) -> tuple[dict[str, ImportReport], set[int], bool]:
    """Check and write each kind in turn; issues name submissions, not frame rows.

    Probing, every record is checked except those already refused while being read, and
    repeat items of a refused submission are checked without their parent, so that one
    pass reports every problem of a submission. Writing, refused submissions are left out
    whole.
    """
    registry = Registry(session, user=user)  # fresh: no ids cached from an undone pass
    reports: dict[str, ImportReport] = {}
    refused = set(rejected)
    for kind in (form.kind, *form.children):
        item = frames[kind]
        if probing:
            keep = [i for i in range(len(item.origin)) if i not in item.unreadable]
        else:
            keep = [i for i, (number, _) in enumerate(item.origin) if number not in refused]
        part = item.frame.iloc[keep].reset_index(drop=True).copy()
        parent = PARENT_FIELD.get(kind)
        if probing and parent in part.columns:
            orphans = [item.origin[i][0] in refused for i in keep]
            part[parent] = [None if o else v for o, v in zip(orphans, part[parent], strict=True)]
        part["_row"] = [k + 1 for k in range(len(keep))]  # position, mapped back below
        where = [item.origin[i] for i in keep]
        sub = ImportReport("", kind, unit="submission", rows=len(part))
        ok = check_and_write(registry, kind, part, sub, skip_invalid=probing, **options)
        for issue in sub.issues:
            if issue.row is not None:
                number, record = where[issue.row - 1]
                issue.row = number
                issue.record = issue.record or record
            issue.field = _question(form, kind, issue)
        reports[kind] = sub
        refused |= set(sub.rejected_rows)
        if not ok:
            return reports, refused, False
    return reports, refused, True


# --- submissions to frames ------------------------------------------------------------------


def _paths(form: Form, kind: str) -> dict[str, str]:
    """Model field -> the question (path) that fills it, for one record kind of a form."""
    out: dict[str, str] = {}
    for leaf in form.leaves():
        leaf_kind = leaf.repeat.kind if leaf.repeat is not None else form.kind
        if leaf_kind == kind and leaf.question.field and leaf.question.field not in out:
            out[leaf.question.field] = "/".join(leaf.path)
    return out


_PATHS = {(f.form_id, k): _paths(f, k) for f in FORMS.values() for k in (f.kind, *f.children)}


def _question(form: Form, kind: str, issue: Issue) -> str | None:
    """The form question an issue is about (its model field where no question fills it)."""
    paths = _PATHS[(form.form_id, kind)]
    name = issue.field
    if name in paths:
        return paths[name]
    for given, (field_name, table, _column) in REFERENCES.get(kind, {}).items():
        target = kind_of(table)
        named = name == field_name or (
            issue.check == "unknown_reference" and f"no {target} with" in issue.reason
        )
        if named and given in paths:
            return paths[given]
    return name


def build_frames(
    form: Form, submissions: list[Submission], registry: Registry, report: ImportReport
) -> dict[str, _Frame]:
    """The records of each kind the submissions make; unreadable answers are reported."""
    organisations = _organisation_names(registry)
    kinds = (form.kind, *form.children)
    rows: dict[str, list[dict[str, Any]]] = {k: [] for k in kinds}
    origin: dict[str, list[tuple[int, str]]] = {k: [] for k in kinds}
    unreadable: dict[str, set[int]] = {k: set() for k in kinds}
    leaves = list(form.leaves())

    for sub in submissions:
        parent = local_id(sub)
        common = {
            "info_date": sub.submitted_at.date() if sub.submitted_at else None,
            "reported_by": sub.values.get("enumerator") or sub.submitter,
        }
        items: list[tuple[str, dict[str, Any], list[Leaf], dict[str, Any]]] = [
            (
                form.kind,
                {"local_id": parent, **common},
                [leaf for leaf in leaves if leaf.repeat is None],
                sub.values,
            )
        ]
        for _, repeat in form.repeats():
            kind = str(repeat.kind)
            inner = [leaf for leaf in leaves if leaf.repeat is repeat]
            for n, answers in enumerate(sub.repeats.get(repeat.name, []), start=1):
                values = {"local_id": local_id(sub, kind, n), PARENT_FIELD[kind]: parent, **common}
                items.append((kind, values, inner, answers))
        for kind, values, chosen, answers in items:
            found, problems = _fields(kind, chosen, answers, sub.number, values["local_id"])
            values.update(found)
            if kind == "activities" and "organisation" in values:
                name = str(values["organisation"])
                values["organisation"] = organisations.get(fold(name), name)
            if problems:
                report.issues += problems
                unreadable[kind].add(len(rows[kind]))
            rows[kind].append(values)
            origin[kind].append((sub.number, str(values["local_id"])))
    out = {}
    for kind, records in rows.items():
        frame = pd.DataFrame.from_records(records)
        if "geometry" not in frame.columns:
            frame["geometry"] = pd.Series([None] * len(frame), dtype=object)
        frame = frame.astype(object).where(frame.notna(), None)
        frame["_row"] = [number for number, _ in origin[kind]]
        out[kind] = _Frame(frame, origin[kind], unreadable[kind])
    return out


def _fields(
    kind: str,
    leaves: list[Leaf],
    answers: dict[str, Any],
    number: int,
    record: str,
) -> tuple[dict[str, Any], list[Issue]]:
    """The model fields a submission's (or repeat item's) answers fill."""
    dates = {n for n, c in columns_of(table_of(kind)).items() if isinstance(c.type, Date)}
    out: dict[str, Any] = {}
    issues: list[Issue] = []
    for leaf in leaves:
        q = leaf.question
        name = q.field
        value = answers.get(leaf.name)
        if name is None or value is None or (name in out and out[name] is not None):
            continue
        where = "/".join(leaf.path)

        def refuse(reason: str, fix: str, value: Any = value, where: str = where) -> None:
            issues.append(Issue(number, where, reason, "unparseable", value, fix, record=record))

        kind_of_q = q.base_type
        if q.list_name == "district":
            value = choice_value("district", value)
            if value == OTHER:
                continue  # the typed name follows in <name>_other
            value = DISTRICT_NAMES.get(str(value), value)
        elif kind_of_q == "select_one" and q.list_name:
            value = choice_value(q.list_name, value)
        elif kind_of_q == "select_multiple":
            items = value if isinstance(value, list) else str(value).split()
            value = [choice_value(str(q.list_name), v) for v in items]
            if name == "expected_devices":
                value = ", ".join(value)
        elif kind_of_q in ("geopoint", "geoshape"):
            try:
                value = parse_geopoint(value) if kind_of_q == "geopoint" else parse_geoshape(value)
            except (ValueError, TypeError, IndexError, KeyError, AttributeError) as exc:
                refuse(
                    f"cannot read the {kind_of_q}: {exc}",
                    "Record it again on the phone; it reads 'latitude longitude altitude "
                    "accuracy'" + (", points separated by ';'" if kind_of_q == "geoshape" else ""),
                )
                continue
            except Exception as exc:  # noqa: BLE001 - GEOS errors on broken WKT
                refuse(f"cannot read the {kind_of_q}: {exc}", "Record it again on the phone")
                continue
            if not isinstance(value, BaseGeometry):
                continue
        elif name == "estimated_area_m2":
            try:
                value = float(str(value).replace(",", ".")) * 10_000.0
            except ValueError:
                refuse("cannot read the area as a number of hectares", "Write e.g. 4.5")
                continue
        elif name in dates:
            try:
                value = dt.date.fromisoformat(str(value).strip()[:10])
            except ValueError:
                refuse("cannot read the date", "Dates as YYYY-MM-DD, as ODK exports them")
                continue
        elif isinstance(value, str):
            value = value.strip()
        out[name] = value
    return out, issues


def _organisation_names(registry: Registry) -> dict[str, str]:
    """Folded names and unambiguous short names -> the organisation's registered name."""
    names: dict[str, str] = {}
    shorts: dict[str, set[str]] = {}
    for name, short in registry.session.execute(
        select(t.Organisation.name, t.Organisation.short_name)
    ):
        names[fold(name)] = name
        if short:
            shorts.setdefault(fold(short), set()).add(name)
    for short, owners in shorts.items():
        if len(owners) == 1 and short not in names:
            names[short] = next(iter(owners))
    return names


def _dropped_items(
    session: Any, form: Form, submissions: list[Submission], rejected: set[int]
) -> list[Issue]:
    """Warn where a resubmission lists fewer repeat items than the records made before."""
    issues: list[Issue] = []
    for _, repeat in form.repeats():
        kind = str(repeat.kind)
        table = table_of(kind)
        col = table.local_id  # type: ignore[attr-defined]
        subs = [s for s in submissions if s.number not in rejected]
        for start in range(0, len(subs), 200):
            chunk = subs[start : start + 200]
            held = session.execute(
                select(col).where(or_(*(col.like(f"{local_id(s)}-%") for s in chunk)))
            ).scalars()
            by_parent: dict[str, list[str]] = {}
            for lid in held:
                by_parent.setdefault(str(lid).rsplit("-", 1)[0], []).append(str(lid))
            for sub in chunk:
                now = {
                    local_id(sub, kind, n)
                    for n in range(1, len(sub.repeats.get(repeat.name, [])) + 1)
                }
                gone = sorted(set(by_parent.get(local_id(sub), [])) - now)
                if gone:
                    issues.append(
                        Issue(
                            sub.number,
                            repeat.name,
                            f"the submission no longer lists {kind} {', '.join(gone)}, which "
                            "the registry holds from its earlier version; they were kept",
                            "removed_item",
                            severity="warning",
                            record=local_id(sub),
                            fix="Review them in the registry and reject them if they were "
                            "recorded by mistake",
                        )
                    )
    return issues


def _write_rejects(
    report: ImportReport, submissions: list[Submission], path: Path, target: Path | None
) -> Path:
    """The refused submissions, with why, to correct in ODK Central / KoboToolbox."""
    ids = {s.number: s.instance_id for s in submissions}
    out = target or path.with_name(f"{path.stem}.rejects.csv")
    with out.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["submission", "instance_id", "record", "field", "reason"])
        for issue in report.issues:
            if issue.severity == "error" and issue.row is not None:
                writer.writerow(
                    [
                        issue.row,
                        ids.get(issue.row, ""),
                        issue.record or "",
                        issue.field or "",
                        issue.describe(report.unit),
                    ]
                )
    return out
