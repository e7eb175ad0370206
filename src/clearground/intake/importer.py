"""``clearground import KIND FILE``: validate every row with reasons, then write all or none.

Rows are matched to existing records by local id (or, without one, by a key made from their
content), so importing the same file twice changes nothing. New records arrive as
``submitted``; a changed record becomes a new version. Everything is written in one
transaction: a refusal, a dry run or a killed process leaves the database as it was.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyogrio
import shapely
import yaml
from sqlalchemy import JSON, Date, select

from clearground.domain.errors import BadInput, TooLarge
from clearground.domain.sameness import same_value
from clearground.intake import checks, dates, records, safety
from clearground.intake.all_or_none import write_all_or_none
from clearground.intake.border import TOLERANCE_M, WARNING_M, Border
from clearground.intake.mapping import (
    Mapping,
    check_columns,
    check_fields,
    load_mapping,
    unit_factor,
)
from clearground.intake.readers import Source, read_source
from clearground.intake.report import ImportReport, Issue
from clearground.store import kinds
from clearground.store import tables as t
from clearground.store.database import Store
from clearground.store.repository import (
    DERIVED,
    REFERENCES,
    SYSTEM_COLUMNS,
    Registry,
    columns_of,
    table_of,
)
from clearground.store.repository.invariants import batch_refusals

IGNORED_COLUMNS = SYSTEM_COLUMNS | {"fid"}
"""Columns of a file that are never imported: what the registry sets or computes and
GeoPackage's feature id."""
EXPORT_ONLY = frozenset({"category"})
"""Columns exports add from a reference (a find's category, from its ordnance), ignored in a
file of a kind that has no such column of its own (ordnance types do have a category)."""


def ignored_columns(kind: str) -> frozenset[str]:
    """The columns of a file of ``kind`` that are ignored, with a warning."""
    return IGNORED_COLUMNS | (EXPORT_ONLY - set(columns_of(table_of(kind))))


ALIASES = {
    "district": "location",
    "district_code": "location_code",
    "district_parent": "location_parent",
}
"""Column names exports write (and users type) for the fields they stand for."""


def qualifiers(kind: str) -> set[str]:
    """The extra fields that name a place a record refers to: its code (``location_code``,
    as exports write it) or its parent's name (``location_parent``, for names that repeat
    across parents)."""
    return {
        f"{name}{suffix}"
        for name, (_column, table, _by) in REFERENCES.get(kind, {}).items()
        if table is t.Location
        for suffix in ("_code", "_parent")
    }


Progress = Callable[[str, int, int], None]


def _acceptable(report: ImportReport, skip_invalid: bool) -> bool:
    return not report.file_errors and (skip_invalid or not report.rejected_rows)


@dataclass
class _Row:
    row: int
    values: dict[str, Any]
    existing: dict[str, Any] | None = None
    prepared: dict[str, Any] | None = None  # checked values, ready to insert (new rows)


def _noop(_stage: str, _done: int, _total: int) -> None:
    return None


@dataclass
class Input:
    """A file as read, before the rows are checked: record forms, or a source and its mapping."""

    unit: str
    rows: int
    issues: list[Issue]
    original: pd.DataFrame
    frame: pd.DataFrame | None = None  # record forms, ready for check_and_write
    source: Source | None = None  # features or table rows, to be mapped
    plan: Mapping | None = None


def read_input(
    kind: str,
    path: Path,
    mapping: Path | None = None,
    crs: str | None = None,
    limits: safety.Limits | None = None,
    fields: set[str] | None = None,
) -> Input:
    """Read ``path`` (and its mapping) as an import of ``kind``; nothing is checked against
    the database here, so uploads run this in a limited child process (``safety``).

    ``fields``: what a mapping may name (:func:`mapping_fields` of ``kind``, by default); the
    parent passes it, so the child needs no kind registry of its own."""
    if kind == "records" and (path.is_dir() or path.suffix.lower() in safety.FORM_SUFFIXES):
        if path.suffix.lower() == ".zip":
            safety.check_content(path)
            safety.zip_members(
                path,
                limits or safety.Limits.from_env(),
                safety.FORM_PARTS | safety.SHAPEFILE_PARTS | safety.ZIPPED_VECTORS,
            )
        if records.is_record_form(path):
            frame, issues, n = records.forms_frame(path)
            if limits is not None and n > limits.rows:
                raise TooLarge(
                    f"the file holds {n:,} record forms, more than the {limits.rows:,} allowed",
                    source=path.name,
                    field="file",
                    fix="Split the file",
                )
            return Input("form", n, issues, frame.copy(), frame=frame)
    plan = load_mapping(mapping)
    fields = mapping_fields(kind) if fields is None else fields
    check_fields(plan, kind, fields)  # before the file is read
    source = read_source(path, plan, crs, limits)
    header = set(source.frame.columns) | set(source.raw.columns if source.raw is not None else [])
    check_columns(plan, header, fields, ALIASES)  # before any row is checked
    original = source.raw if source.raw is not None else source.frame.copy()
    return Input(source.unit, len(source.frame), list(source.issues), original, None, source, plan)


def mapping_fields(kind: str) -> set[str]:
    """The fields a mapping may name for ``kind``: its columns (less what Clearground sets
    or computes), the names of the records it refers to, and their aliases."""
    cols = columns_of(table_of(kind))
    refs = REFERENCES.get(kind, {})
    ignored = ignored_columns(kind)
    fields = {n for n in cols if n not in ignored} | set(refs) | qualifiers(kind)
    fields |= {alias for alias, target in ALIASES.items() if target in fields}
    return fields | ({"form"} if kind == "records" else set())


def import_file(
    store: Store,
    kind: str,
    path: Path,
    *,
    mapping: Path | None = None,
    crs: str | None = None,
    dry_run: bool = False,
    skip_invalid: bool = False,
    fix_geometry: bool = False,
    fix_swapped: bool = False,
    rejects: Path | None = None,
    user: str = "import",
    progress: Progress | None = None,
    guard: Callable[[Registry], None] | None = None,
    limits: safety.Limits | None = None,
) -> ImportReport:
    """Import ``path`` as records of ``kind``; see the module docstring for the rules.

    ``guard``, if given, is called with the registry after the rows are written and before
    the commit; an exception it raises rolls the whole import back (the web layer uses it to
    keep operators to their own organisation's records).

    ``limits`` (uploads) reads the file in a limited child process working in the file's
    folder (which must hold nothing but the upload and its mapping) and applies the row
    limit; see ``intake.safety``.
    """
    table_of(kind)  # refuses an unknown kind
    say = progress or _noop
    if limits is None:
        got = read_input(kind, path, mapping, crs)
    else:
        args = (kind, path, mapping, crs, limits, mapping_fields(kind))
        got = safety.run_limited(f"{__name__}:read_input", args, path.parent, limits)
    report = ImportReport(str(path), kind, got.unit, rows=got.rows, dry_run=dry_run)
    report.issues.extend(got.issues)
    original = got.original
    if got.source is not None and got.plan is not None:
        frame = _apply_mapping(got.source, got.plan, kind, report)
    else:
        assert got.frame is not None
        frame = got.frame

    columns = _file_columns(kind, got.plan, original)

    def write(session: Any) -> bool:
        registry = Registry(session, user=user)
        ok = check_and_write(
            registry,
            kind,
            frame,
            report,
            skip_invalid=skip_invalid,
            fix_geometry=fix_geometry,
            fix_swapped=fix_swapped,
            note=f"import {path.name}",
            progress=say,
        )
        _name_columns(report, columns)  # before the rejects file is written
        if not ok:
            return False
        if guard is not None:
            guard(registry)
        return True

    write_all_or_none(
        store,
        report,
        write,
        dry_run=dry_run,
        skip_invalid=skip_invalid,
        write_rejects=lambda: _write_rejects(original, report, path, rejects),
    )
    _name_columns(report, columns)
    return report


def _file_columns(kind: str, plan: Mapping | None, original: pd.DataFrame) -> dict[str, str]:
    """``{field: the file's column}`` for the fields a mapping (or an alias, ``district``)
    renamed, and for the columns a reference sets (``accident_id``: the file's column that
    named the accident)."""
    names = (
        {k: v if isinstance(v, str) else ", ".join(v.values()) for k, v in plan.columns.items()}
        if plan is not None
        else {}
    )
    header = {str(c) for c in original.columns}
    for alias, target in ALIASES.items():
        if alias in header and target not in header:
            names.setdefault(target, alias)
    for ref in kinds.get(kind).references:
        if ref.name in names:
            names.setdefault(ref.column, names[ref.name])
        elif ref.name in header:
            names.setdefault(ref.column, ref.name)
    return names


def _name_columns(report: ImportReport, columns: dict[str, str]) -> None:
    """Give each issue the file's column its field came from (messages name what the user
    sees in the file, not only the model's field)."""
    for issue in report.issues:
        if issue.column is None and issue.field in columns and columns[issue.field] != issue.field:
            issue.column = columns[issue.field]


def check_and_write(
    registry: Registry,
    kind: str,
    frame: pd.DataFrame,
    report: ImportReport,
    *,
    skip_invalid: bool = False,
    fix_geometry: bool = False,
    fix_swapped: bool = False,
    note: str = "import",
    progress: Progress | None = None,
) -> bool:
    """Check rows of ``kind`` and write the acceptable ones in the registry's session.

    ``frame`` has model field names (or reference names), ``geometry`` (lon/lat) and
    ``_row`` (the source line or feature number). Issues are added to ``report``. Returns
    False when the import must be refused (the caller then rolls the session back); nothing
    is committed here, so several kinds can be written in one transaction.
    """
    say = progress or _noop
    context = _context(registry.session)
    spec = kinds.get(kind).rules
    report.issues += checks.check_geometries(
        frame, spec.geometry, spec.geometry_required, context["country"], fix_geometry, fix_swapped
    )
    date_fields = [n for n, c in columns_of(table_of(kind)).items() if isinstance(c.type, Date)]
    report.issues += checks.check_dates(
        frame, date_fields, context["conflict_start"], dt.date.today()
    )
    report.issues += checks.check_duplicates(frame)
    rows = _prepare_rows(registry, kind, frame, report, say)
    if kind == "hazards":
        report.issues += _overlapping_hazards(registry.session, rows)
    bad = set(report.rejected_rows)
    good = [r for r in rows if r.row not in bad]
    if not _acceptable(report, skip_invalid):
        if not report.file_errors and good:
            # the write-time checks too (local ids taken, land release), on the rows that
            # passed, in a savepoint undone here: the report names every refusal in one
            # pass, and a dry run counts what an import with --skip-invalid would write
            savepoint = registry.session.begin_nested()
            try:
                _write(registry, kind, good, report, True, note, _noop)
            finally:
                savepoint.rollback()
        return False
    _write(registry, kind, good, report, skip_invalid, note, say)
    return _acceptable(report, skip_invalid)


def _context(session: Any) -> dict[str, Any]:
    country = (
        session.execute(select(t.Location.geometry).where(t.Location.kind == "country"))
        .scalars()
        .first()
    )
    setting = session.get(t.Setting, "conflict_start")
    start = dt.date.fromisoformat(setting.value) if setting else None
    border = None
    if country is not None:
        metres = {
            key: float(row.value) if row is not None else default
            for key, default in (
                ("border_tolerance_m", TOLERANCE_M),
                ("border_warning_m", WARNING_M),
            )
            for row in [session.get(t.Setting, key)]
        }
        border = Border(country, metres["border_tolerance_m"], metres["border_warning_m"])
    return {"country": border, "conflict_start": start}


def _apply_mapping(source: Source, plan: Mapping, kind: str, report: ImportReport) -> pd.DataFrame:
    """Rename columns to model fields, translate labels, parse dates and units."""
    frame = source.frame.copy()
    for target, parts in plan.columns.items():
        if isinstance(parts, dict):  # a date from its parts: {year: ano, month: mes}
            frame[target] = dates.date_parts(frame, target, parts, report)
    renames = {src: dst for dst, src in plan.columns.items() if isinstance(src, str)}
    used = {c for parts in plan.columns.values() if isinstance(parts, dict) for c in parts.values()}
    frame = frame.drop(columns=[c for c in used if c not in renames and c in frame.columns])
    missing = [c for c in renames if c not in frame.columns]
    if missing:
        raise BadInput(
            f"the mapping names column(s) the file lacks: {', '.join(missing)}",
            source=report.source,
            field=missing[0],
            fix=f"Columns are: {', '.join(c for c in frame.columns if c != '_row')}",
        )
    frame = frame.rename(columns=renames)
    frame = frame.rename(
        columns={a: b for a, b in ALIASES.items() if a in frame.columns and b not in frame.columns}
    )
    cols = columns_of(table_of(kind))
    refs = REFERENCES.get(kind, {})
    for given, (field_name, _table, _col) in refs.items():
        if given in frame.columns and field_name in frame.columns:
            frame = frame.drop(columns=[field_name])  # ids differ between databases
    ignored = ignored_columns(kind)
    system = [name for name in frame.columns if name in ignored]
    if system:  # what the registry sets or computes is never taken from a file
        report.issues.append(
            Issue(
                None,
                system[0],
                "column(s) that Clearground sets or computes were ignored: " + ", ".join(system),
                "ignored_columns",
                severity="warning",
                fix="Imported records arrive as submitted, with their version, author and "
                "areas worked out by Clearground",
            )
        )
        frame = frame.drop(columns=system)
    for name, value in plan.defaults.items():
        if name not in frame.columns:
            frame[name] = value
        else:
            frame[name] = frame[name].where(frame[name].notna(), value)
    for name, labels in plan.values.items():
        if name in frame.columns:
            folded = {str(k).strip().lower(): v for k, v in labels.items()}
            frame[name] = frame[name].map(
                lambda v, f=folded: f.get(str(v).strip().lower(), v) if v is not None else v
            )
    for name, column in cols.items():
        if name not in frame.columns:
            continue
        if isinstance(column.type, Date):
            partial = name in kinds.get(kind).rules.known_dates
            frame[name] = dates.parse_dates(
                frame, name, plan.date_format(name), report, partial=partial
            )
            if partial:
                dates.split_known(frame, name)
        elif isinstance(column.type, JSON):
            frame[name] = frame[name].map(_json_value)
    for name, unit in plan.units.items():
        if name in frame.columns:
            factor = unit_factor(unit)
            numbers = pd.to_numeric(
                frame[name].map(lambda v: str(v).replace(",", ".") if v is not None else None),
                errors="coerce",
            )
            frame[name] = [None if pd.isna(x) else x * factor for x in numbers]
    for name in kinds.get(kind).rules.known_dates:
        dates.warn_unknown_dates(frame, name, report)
    known = set(cols) | set(refs) | qualifiers(kind) | {"geometry", "_row", "form"}
    extra = [c for c in frame.columns if c not in known]
    if extra:
        report.issues.append(
            Issue(
                None,
                extra[0],
                "column(s) not in the model were ignored: " + ", ".join(extra),
                "ignored_columns",
                severity="warning",
                fix="Map them in --mapping if they hold model fields",
            )
        )
        frame = frame.drop(columns=extra)
    return frame


def _json_value(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return [v.strip() for v in value.split(",") if v.strip()]
    return value


def _prepare_rows(
    registry: Registry, kind: str, frame: pd.DataFrame, report: ImportReport, say: Progress
) -> list[_Row]:
    """Run every row through the registry's checks; collect what fails as issues."""
    table = table_of(kind)
    cols = columns_of(table)
    already = {i.row for i in report.issues if i.severity == "error"}
    records: list[dict[str, Any]] = frame.to_dict("records")  # type: ignore[assignment]
    ids = [r.get("local_id") for r in records]
    if any(v is None for v in ids):
        report.issues += _content_ids(kind, records, report.unit)
    existing = _existing(registry, table, [r["local_id"] for r in records])
    rows: list[_Row] = []
    total = len(records)
    for n, values in enumerate(records):
        row = int(values.pop("_row"))
        if n % 500 == 0:
            say("checking", n, total)
        values = {
            k: v
            for k, v in values.items()
            if not (v is None or (isinstance(v, float) and np.isnan(v)))
        }
        current = existing.get(values["local_id"])
        if row in already:
            continue
        try:
            prepared = registry.prepare(kind, values, creating=current is None, status="submitted")
        except BadInput as exc:
            report.issues.append(
                Issue(
                    row,
                    exc.field,
                    exc.reason,
                    _check_of(exc),
                    exc.value,
                    exc.fix,
                    record=values.get("local_id"),
                )
            )
            continue
        rows.append(_Row(row, values, current, prepared if current is None else None))
    say("checking", total, total)
    del cols
    return rows


REPEATS_ARE_SUSPECT = ("hazards", "activities")
"""Kinds where a row identical to another is more likely a mistake than a second record."""


def _content_ids(kind: str, records: list[dict[str, Any]], unit: str) -> list[Issue]:
    """Give rows without a local id one made from their content and its occurrence number.

    Identical rows are different records (two victims of one accident with the same age
    band, sex and outcome): the first keeps the plain content key, the n-th gets ``-n``
    after it, so importing the file again finds each row's own record. For kinds where a
    repeat is likely a mistake the repeat is imported too, with a warning.
    """
    issues: list[Issue] = []
    seen: dict[str, tuple[int, int]] = {}  # content key -> (rows so far, first row)
    for r in records:
        if r.get("local_id") is not None:
            continue
        content = {k: v for k, v in r.items() if k != "_row" and v is not None}
        key = checks.content_key(content)
        row = int(r["_row"])
        n, first = seen.get(key, (0, row))
        seen[key] = (n + 1, first)
        r["local_id"] = f"{kind.upper()[:3]}-{key}" + (f"-{n + 1}" if n else "")
        if n and kind in REPEATS_ARE_SUSPECT:
            issues.append(
                Issue(
                    row,
                    None,
                    f"{unit} {row} repeats {unit} {first} (same content, no local id); "
                    "imported as a record of its own",
                    "repeated_row",
                    severity="warning",
                    record=r["local_id"],
                    fix=f"Delete the repeat if it is the same {kind[:-1]}",
                )
            )
    return issues


def _check_of(exc: BadInput) -> str:
    text = exc.reason.lower()
    for needle, code in (
        ("unknown value", "unknown_value"),
        ("no ", "unknown_reference"),
        ("required", "missing"),
        ("cannot read", "unparseable"),
        ("polygon", "invalid_polygon"),
        ("computed", "derived_field"),
        ("unknown field", "unknown_field"),
    ):
        if needle in text:
            return code
    return "refused"


def _existing(registry: Registry, table: type[t.Base], ids: list[str]) -> dict[str, dict]:
    found: dict[str, dict] = {}
    col = table.local_id  # type: ignore[attr-defined]
    for start in range(0, len(ids), 900):
        chunk = ids[start : start + 900]
        for row in registry.session.execute(
            select(table.__table__).where(col.in_(chunk))
        ).mappings():
            found[row["local_id"]] = dict(row)
    return found


def _write(
    registry: Registry,
    kind: str,
    rows: list[_Row],
    report: ImportReport,
    skip_invalid: bool,
    note: str,
    say: Progress,
) -> None:
    new = [r for r in rows if r.existing is None]
    changed = []
    for r in rows:
        if r.existing is None:
            continue
        prepared = registry.prepare(kind, r.values, creating=False)
        diff = {
            k: v
            for k, v in r.values.items()
            if not same_value(prepared.get(k, v), r.existing.get(k))
        }
        if (
            kind == "records"
            and "form" in diff
            and same_value(r.values.get("form"), r.existing.get("form"))
        ):
            diff.pop("form")
        diff = {
            k: v
            for k, v in diff.items()
            if k in columns_of(table_of(kind)) or k in REFERENCES.get(kind, {}) or k == "form"
        }
        if any(
            not same_value(prepared.get(k), r.existing.get(k))
            for k in prepared
            if k in r.existing and k not in ("updated_by", "updated_at", "review_status", *DERIVED)
        ):
            changed.append((r, diff))
        else:
            report.unchanged += 1
    # every write-time refusal found at once, so --skip-invalid inserts once (a refusal
    # the insert itself makes is still caught below, one at a time)
    refused = batch_refusals(registry.session, kind, [r.prepared or {} for r in new])
    report.issues += [_refusal(new[i], exc) for i, exc in refused]
    if refused:
        if not skip_invalid:
            return
        dropped = {i for i, _ in refused}
        new = [r for i, r in enumerate(new) if i not in dropped]
    while True:
        try:
            with registry.session.begin_nested():
                for start in range(0, len(new), 5000):
                    say("writing", start, len(new))
                    registry.insert_prepared(
                        kind, [r.prepared or {} for r in new[start : start + 5000]], note=note
                    )
                say("writing", len(new), len(new))
            break
        except BadInput as exc:
            culprit = next((r for r in new if r.values.get("local_id") == exc.record), None)
            report.issues.append(_refusal(culprit, exc))
            if culprit is None or not skip_invalid:
                return
            new.remove(culprit)
    report.created = len(new)
    if "location_id" in columns_of(table_of(kind)):
        outside = [
            r
            for r in new
            if (r.prepared or {}).get("geometry") is not None
            and (r.prepared or {}).get("location_id") is None
        ]
        report.outside_districts = len(outside)
        if outside:
            report.issues.append(
                Issue(
                    None,
                    "location",
                    f"{len(outside):,} of the new {kind} lie outside every district and have "
                    f"none (first: {report.unit} {outside[0].row})",
                    "outside_districts",
                    severity="warning",
                    fix="Check their coordinates, or give their district in a location column",
                )
            )
    for r, diff in changed:
        current = r.existing or {}
        registry.edit(
            kind,
            current["id"],
            current["version"],
            diff,
            note=note,
            review="submitted",  # a changed record is reviewed again
        )
        report.updated += 1


def _refusal(row: _Row | None, exc: BadInput) -> Issue:
    """A write-time refusal as the report's issue, on its row when it is known."""
    return Issue(
        row.row if row else None,
        exc.field,
        exc.reason,
        "land_release" if "releas" in exc.reason else "refused",
        exc.value,
        exc.fix,
        record=exc.record,
    )


def _overlapping_hazards(session: Any, rows: list[_Row]) -> list[Issue]:
    """Warn about new hazards overlapping each other or hazards already held (> 1 % area)."""
    issues: list[Issue] = []
    geoms = [r.values.get("geometry") for r in rows]
    if not geoms:
        return issues
    held = session.execute(select(t.Hazard.local_id, t.Hazard.geometry)).all()
    names = [r.values["local_id"] for r in rows] + [h[0] for h in held]
    everything = np.asarray(geoms + [h[1] for h in held], dtype=object)
    tree = shapely.STRtree(everything)
    pairs = tree.query(np.asarray(geoms, dtype=object), predicate="intersects")
    for i, j in zip(*pairs, strict=True):
        if i == j or names[i] == names[j] or (j < len(rows) and j < i):
            continue
        warning = checks.overlap_warning(
            rows[i].row, everything[i], everything[j], names[j], record=names[i]
        )
        if warning is not None:
            issues.append(warning)
    return issues


def _write_rejects(
    original: pd.DataFrame, report: ImportReport, path: Path, target: Path | None
) -> Path:
    """The rejected rows as they came, with why, in a file ready to correct and re-import."""
    reasons: dict[int, list[Issue]] = {}
    for issue in report.issues:
        if issue.severity == "error" and issue.row is not None:
            reasons.setdefault(issue.row, []).append(issue)
    if report.unit == "form":  # record forms go back as a YAML list, as written
        forms = records.read_forms(path)
        out = target or path.with_name(f"{path.stem}.rejects.yaml")
        picked = [
            {**forms[r - 1], "reject_reason": "; ".join(i.describe("form") for i in reasons[r])}
            for r in sorted(reasons)
        ]
        out.write_text(
            yaml.safe_dump({"records": picked}, allow_unicode=True, sort_keys=False),
            encoding="utf-8",
        )
        return out
    bad = original[original["_row"].isin(list(reasons))].copy()
    bad["reject_field"] = bad["_row"].map(lambda r: "; ".join(str(i.field) for i in reasons[r]))
    bad["reject_reason"] = bad["_row"].map(
        lambda r: "; ".join(i.describe(report.unit) for i in reasons[r])
    )
    bad = bad.rename(columns={"_row": f"source_{report.unit}"})
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt", ".tsv", ".xlsx", ".xlsm"):
        out = target or path.with_name(
            f"{path.stem}.rejects{'.xlsx' if 'xls' in suffix else '.csv'}"
        )
        if out.suffix == ".xlsx":
            bad.to_excel(out, index=False)
        else:
            bad.to_csv(out, index=False)
        return out
    out = target or path.with_name(f"{path.stem}.rejects.gpkg")
    out.unlink(missing_ok=True)
    import geopandas as gpd

    pyogrio.write_dataframe(
        gpd.GeoDataFrame(bad, geometry="geometry", crs=4326), out, driver="GPKG"
    )
    return out
