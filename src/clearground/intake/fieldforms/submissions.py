"""Reading the submissions of a field form as ODK Central and KoboToolbox export them.

Four flavours, told apart by their content, not their names:

- **ODK Central CSV**: the ``.zip`` of ``Download all submissions`` (or the folder it unpacks
  to, or its main ``.csv`` alone when the form has no repeats). Group paths joined by ``-``
  (``grp_area-district``), geopoints split into ``-Latitude``/``-Longitude``/``-Altitude``/
  ``-Accuracy`` columns, ``SubmissionDate``, ``KEY`` (the instance id), ``SubmitterName``,
  ``ReviewState``; each repeat in its own ``FORM-REPEAT.csv`` whose rows point to their
  submission by ``PARENT_KEY``.
- **ODK Central JSON**: the OData feed (``.../Submissions?$expand=*``): ``{"value": [...]}``
  with groups as nested objects, geopoints as GeoJSON, ``__id`` (the instance id), ``__system``
  (``submissionDate``, ``submitterName``, ``reviewState``) and repeats as inline lists.
- **KoboToolbox CSV**: an export "XML values and headers" with group names joined by ``/``,
  separated by ``;`` or ``,``; ``_uuid``, ``_submission_time``, ``_submitted_by``, ``_id``.
  Kobo's CSV leaves repeats out: use its JSON for forms with repeats.
- **KoboToolbox JSON**: the API's ``{"results": [...]}`` (or a plain list) of flat objects
  keyed by group paths (``grp_area/district``), ``_uuid``, ``_geolocation``,
  ``_submission_time``, and repeats as lists of objects keyed by their paths.

Each submission comes out with the values of the form's questions by question name, its
repeats as lists of such dictionaries, its instance id (``meta/rootUuid`` where Kobo gives
one, so that an edited submission keeps its identity), its submission time and submitter.
Geopoints and geoshapes in any of the ways these tools write them (``"lat lon alt acc"``,
``"lat lon alt acc;lat lon ..."``, GeoJSON, WKT) become Shapely geometries in lon/lat.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import Point, Polygon
from shapely.geometry.base import BaseGeometry

from clearground.domain.errors import BadInput
from clearground.intake.fieldforms.forms import CHOICES, Form, Leaf
from clearground.intake.report import Issue

CENTRAL_CSV = "ODK Central CSV"
CENTRAL_JSON = "ODK Central JSON"
KOBO_CSV = "KoboToolbox CSV"
KOBO_JSON = "KoboToolbox JSON"

CENTRAL_META = {
    "SubmissionDate",
    "KEY",
    "PARENT_KEY",
    "SubmitterID",
    "SubmitterName",
    "AttachmentsPresent",
    "AttachmentsExpected",
    "Status",
    "ReviewState",
    "DeviceID",
    "Edits",
    "FormVersion",
    "isValidated",
}
GEO_PARTS = ("Latitude", "Longitude", "Altitude", "Accuracy")
KOBO_GEO_PARTS = ("latitude", "longitude", "altitude", "precision")


@dataclass
class Submission:
    """One submission: answers by question name, repeats by repeat name."""

    number: int
    """Its place in the file, from 1 (what messages call "submission N")."""
    instance_id: str
    """The instance id without its ``uuid:`` prefix ("" when the file gives none)."""
    submitted_at: dt.datetime | None
    submitter: str | None
    values: dict[str, Any]
    repeats: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    rejected_in_source: bool = False
    """Rejected by a reviewer in ODK Central / KoboToolbox."""


@dataclass
class Export:
    flavour: str
    submissions: list[Submission]
    issues: list[Issue] = field(default_factory=list)


def read_export(path: Path, form: Form) -> Export:
    """Read the submissions of ``form`` from ``path`` (see the module docstring)."""
    if not path.exists():
        raise BadInput("the file does not exist", source=str(path), fix="Check the path")
    suffix = path.suffix.lower()
    if path.is_dir() or suffix == ".zip":
        tables = _tables_of(path)
        return _central_csv(tables, form, str(path))
    if suffix in (".csv", ".txt"):
        text = _decode(path.read_bytes(), str(path))
        header = text.split("\n", 1)[0]
        if "_uuid" in header or "_submission_time" in header:
            return _kobo_csv(_parse_csv(text, str(path)), form, str(path))
        if "KEY" in header and "SubmissionDate" in header:
            tables = {path.name: _parse_csv(text, str(path))}
            for sibling in sorted(path.parent.glob(f"{path.stem}-*.csv")):
                tables[sibling.name] = _parse_csv(_decode(sibling.read_bytes(), str(sibling)), "")
            return _central_csv(tables, form, str(path))
        raise BadInput(
            "the CSV file is not an export of ODK Central or KoboToolbox",
            source=str(path),
            fix="Export the submissions from ODK Central (a KEY column) or KoboToolbox "
            "(XML values and headers: a _uuid column)",
        )
    if suffix == ".json":
        try:
            doc = json.loads(_decode(path.read_bytes(), str(path)))
        except ValueError as exc:
            raise BadInput(
                f"cannot read the JSON: {exc}",
                source=str(path),
                fix="Save the export as it was downloaded",
            ) from None
        items = doc
        if isinstance(doc, dict):
            items = doc.get("value", doc.get("results"))
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise BadInput(
                "the JSON holds no list of submissions",
                source=str(path),
                fix="Give ODK Central's OData feed ({\"value\": [...]}) or KoboToolbox's "
                'data API ({"results": [...]})',
            )
        if any("__id" in i for i in items):
            return _central_json(items, form, str(path))
        return _kobo_json(items, form, str(path))
    raise BadInput(
        f"cannot read '{suffix}' files as form submissions",
        source=str(path),
        fix="Give ODK Central's CSV .zip or JSON, or KoboToolbox's CSV or JSON export",
    )


# --- values -----------------------------------------------------------------------------------


def _fold(text: str) -> str:
    nfkd = unicodedata.normalize("NFKD", text.replace("ə", "a").replace("Ə", "A"))
    return " ".join("".join(c for c in nfkd if not unicodedata.combining(c)).lower().split())


_LABELS: dict[str, dict[str, str]] = {
    list_name: {_fold(text): name for name, label in choices for text in label}
    for list_name, choices in CHOICES.items()
}


def choice_value(list_name: str, value: Any) -> Any:
    """A choice's name; a label in any of the forms' languages is taken as its choice."""
    if value is None:
        return None
    text = str(value).strip()
    if any(text == name for name, _ in CHOICES[list_name]):
        return text
    return _LABELS[list_name].get(_fold(text), text)


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


def _coords(text: str) -> tuple[float, float]:
    parts = text.split()
    if len(parts) < 2:
        raise ValueError("needs latitude and longitude")
    lat, lon = float(parts[0]), float(parts[1])
    return lon, lat


def parse_geopoint(value: Any) -> Point:
    """``"lat lon [alt [accuracy]]"``, GeoJSON, WKT or ``[lat, lon]`` as a lon/lat point."""
    if isinstance(value, Mapping):
        coords = value.get("coordinates") or []
        return Point(float(coords[0]), float(coords[1]))
    if isinstance(value, list | tuple):
        return Point(float(value[1]), float(value[0]))
    text = str(value).strip()
    if text[:1].isalpha():
        geom = shapely.force_2d(shapely.from_wkt(text))
        if not isinstance(geom, Point):
            raise ValueError(f"a {geom.geom_type}, not a point")
        return geom
    return Point(*_coords(text))


def parse_geoshape(value: Any) -> BaseGeometry:
    """``"lat lon alt acc;lat lon ..."``, GeoJSON or WKT as a lon/lat polygon."""
    if isinstance(value, Mapping):
        return shapely.force_2d(shapely.geometry.shape(value))
    text = str(value).strip()
    if text[:1].isalpha():
        return shapely.force_2d(shapely.from_wkt(text))
    ring = [_coords(p) for p in text.split(";") if p.strip()]
    if len(ring) < 3:
        raise ValueError("fewer than 3 points")
    return Polygon(ring)


def _instance_id(value: Any) -> str:
    text = "" if value is None else str(value).strip()
    return text.removeprefix("uuid:")


def _when(value: Any) -> dt.datetime | None:
    if _empty(value):
        return None
    try:
        stamp = dt.datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if stamp.tzinfo is not None:
        stamp = stamp.astimezone(dt.UTC).replace(tzinfo=None)
    return stamp


# --- reading flat rows --------------------------------------------------------------------------


class _Row:
    """A flat row (CSV line or flattened JSON object) that remembers which keys were read."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.data = dict(data)
        self.used: set[str] = set()

    def get(self, *keys: str) -> Any:
        for key in keys:
            if key in self.data:
                self.used.add(key)
                if not _empty(self.data[key]):
                    return self.data[key]
        return None

    def has(self, key: str) -> bool:
        return key in self.data


def _candidates(leaf: Leaf, seps: Iterable[str], inner: bool) -> list[str]:
    path = leaf.inner_path if inner else leaf.path
    keys = [sep.join(path) for sep in seps]
    keys += [sep.join(leaf.path) for sep in seps]
    keys.append(leaf.name)
    return list(dict.fromkeys(keys))


def _read_leaf(row: _Row, leaf: Leaf, seps: tuple[str, ...], inner: bool) -> Any:
    keys = _candidates(leaf, seps, inner)
    value = row.get(*keys)
    kind = leaf.question.base_type
    if value is None and kind == "geopoint":
        for key in keys:
            central = [f"{key}-{p}" for p in GEO_PARTS]
            kobo = [f"_{key}_{p}" for p in KOBO_GEO_PARTS]
            for names in (central, kobo):
                if row.has(names[0]) and row.has(names[1]):
                    parts = [row.get(n) for n in names if row.has(n)]
                    if parts[0] is not None and parts[1] is not None:
                        return " ".join(str(p) for p in parts if p is not None)
                    return None
    if kind == "select_multiple":
        # KoboToolbox may add (or give only) one 0/1 column per choice
        chosen = []
        for name, _ in CHOICES[leaf.question.list_name or ""]:
            flag = row.get(*(f"{k}/{name}" for k in keys))
            if flag is not None and str(flag).strip().lower() in ("1", "1.0", "true", "yes"):
                chosen.append(name)
        if value is None and chosen:
            return " ".join(chosen)
    return value


def _answers(row: _Row, leaves: list[Leaf], seps: tuple[str, ...], inner: bool) -> dict[str, Any]:
    return {leaf.name: _read_leaf(row, leaf, seps, inner) for leaf in leaves}


def _unused(rows: Iterable[_Row], meta: Any) -> set[str]:
    out: set[str] = set()
    for row in rows:
        out |= {k for k in row.data if k not in row.used and not meta(k)}
    return out


def _ignored_issue(
    columns: set[str], submissions: list[Submission], form: Form, source: str
) -> list[Issue]:
    """A warning about columns not in the form; a refusal when most columns are not."""
    if not columns:
        return []
    names = sorted(columns)
    answered = {k for s in submissions for k, v in s.values.items() if v is not None}
    answered -= {"start", "end"}
    if len(names) > len(answered):
        raise BadInput(
            f"the file does not look like an export of the form '{form.form_id}': "
            f"{len(names)} of its columns are not questions of that form "
            f"({', '.join(names[:5])}, ...)",
            source=source,
            field="KIND",
            value=form.form_id,
            fix="Check KIND: hazard_survey, progress_report or accident_report",
        )
    return [
        Issue(
            None,
            names[0],
            "column(s) not in the form were ignored: " + ", ".join(names[:20]),
            "ignored_columns",
            severity="warning",
            fix="Check that the export is of this form and version",
        )
    ]


def _no_answers(submissions: list[Submission], source: str, form: Form, flavour: str) -> None:
    asked = {leaf.name for leaf in form.leaves() if leaf.question.base_type not in ("start", "end")}
    if submissions and not any(
        v is not None for s in submissions for k, v in s.values.items() if k in asked
    ):
        raise BadInput(
            f"no column of the file is a question of the form '{form.form_id}'",
            source=source,
            fix=f"Check the form; export from {flavour.rsplit(' ', 1)[0]} with XML values and "
            "headers (question names, not labels)",
        )


def _main_leaves(form: Form) -> list[Leaf]:
    return [leaf for leaf in form.leaves() if leaf.repeat is None]


def _repeat_leaves(form: Form, name: str) -> list[Leaf]:
    return [leaf for leaf in form.leaves() if leaf.repeat is not None and leaf.repeat.name == name]


# --- CSV ------------------------------------------------------------------------------------------


def _decode(data: bytes, source: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BadInput(
            "the file is not UTF-8 text",
            source=source,
            fix="Download the export again; do not re-save it in a spreadsheet",
        ) from None


def _parse_csv(text: str, source: str) -> list[dict[str, str]]:
    first = text.split("\n", 1)[0]
    sep = ";" if first.count(";") > first.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=sep)
    rows = []
    for line in reader:
        if None in line:
            raise BadInput(
                f"line {reader.line_num} has more values than the header",
                source=source,
                row=reader.line_num,
                fix="Download the export again; do not edit it by hand",
            )
        rows.append({k.strip(): (v if v is not None else "") for k, v in line.items()})
    return rows


def _tables_of(path: Path) -> dict[str, list[dict[str, str]]]:
    tables: dict[str, list[dict[str, str]]] = {}
    if path.is_dir():
        for f in sorted(path.glob("*.csv")):
            tables[f.name] = _parse_csv(_decode(f.read_bytes(), str(f)), str(f))
        return tables
    try:
        with zipfile.ZipFile(path) as z:
            for name in sorted(z.namelist()):
                if name.lower().endswith(".csv") and not name.startswith("__MACOSX"):
                    base = name.rsplit("/", 1)[-1]
                    tables[base] = _parse_csv(_decode(z.read(name), f"{path}:{name}"), str(path))
    except zipfile.BadZipFile:
        raise BadInput(
            "cannot open the zip file",
            source=str(path),
            fix="Download the export from ODK Central again",
        ) from None
    return tables


def _central_csv(tables: dict[str, list[dict[str, str]]], form: Form, source: str) -> Export:
    main_name = next(
        (
            n
            for n, rows in tables.items()
            if rows and "KEY" in rows[0] and "PARENT_KEY" not in rows[0]
        ),
        None,
    )
    if main_name is None:
        main_name = f"{form.form_id}.csv"
        if main_name not in tables:
            raise BadInput(
                "no submissions table (a CSV with a KEY column) in the export",
                source=source,
                fix="Give the .zip of 'Download all submissions' from ODK Central",
            )
    stem = main_name.removesuffix(".csv")
    issues: list[Issue] = []
    rows = [_Row(r) for r in tables[main_name]]
    by_key: dict[str, Submission] = {}
    submissions = []
    leaves = _main_leaves(form)
    for n, row in enumerate(rows, start=1):
        key = row.get("KEY", "meta-instanceID") or ""
        sub = Submission(
            n,
            _instance_id(key),
            _when(row.get("SubmissionDate")),
            row.get("SubmitterName"),
            _answers(row, leaves, ("-", "/"), False),
            rejected_in_source=str(row.get("ReviewState") or "") == "rejected",
        )
        submissions.append(sub)
        by_key[str(key)] = sub
    item_rows: list[_Row] = []
    for path, repeat in form.repeats():
        del path
        table = tables.get(f"{stem}-{repeat.name}.csv")
        if table is None:
            if submissions:
                issues.append(
                    Issue(
                        None,
                        repeat.name,
                        f"the export has no {stem}-{repeat.name}.csv: the submissions' "
                        f"{repeat.kind} are missing",
                        "missing_repeat",
                        fix="Import the whole .zip of 'Download all submissions' (repeats "
                        "included), or its folder",
                    )
                )
            continue
        rleaves = _repeat_leaves(form, repeat.name)
        items: list[tuple[int, Submission, dict[str, Any]]] = []
        for line, raw in enumerate(table, start=2):
            row = _Row(raw)
            item_rows.append(row)
            parent = str(row.get("PARENT_KEY") or "")
            owner = by_key.get(parent)
            if owner is None:
                issues.append(
                    Issue(
                        None,
                        "PARENT_KEY",
                        f"line {line} of {stem}-{repeat.name}.csv belongs to no submission",
                        "unknown_reference",
                        parent,
                        "Import the export as ODK Central wrote it",
                    )
                )
                continue
            match = re.search(r"\[(\d+)\]$", str(row.get("KEY") or ""))
            order = int(match.group(1)) if match else line
            items.append((order, owner, _answers(row, rleaves, ("-", "/"), True)))
        for _order, owner, answers in sorted(items, key=lambda x: (x[1].number, x[0])):
            owner.repeats.setdefault(repeat.name, []).append(answers)
    _no_answers(submissions, source, form, CENTRAL_CSV)
    issues += _ignored_issue(
        _unused(
            [*rows, *item_rows],
            lambda k: k in CENTRAL_META or k.startswith(("meta-", "SET-OF-")),
        ),
        submissions,
        form,
        source,
    )
    return Export(CENTRAL_CSV, submissions, issues)


def _kobo_meta(key: str) -> bool:
    return key.startswith(("_", "meta/", "formhub/")) or key in ("__version__", "start", "end")


def _kobo_validation(value: Any) -> bool:
    if isinstance(value, Mapping):
        value = value.get("uid")
    text = str(value or "").lower().replace(" ", "_")
    return "not_approved" in text


def _kobo_csv(raw_rows: list[dict[str, str]], form: Form, source: str) -> Export:
    rows = [_Row(r) for r in raw_rows]
    issues: list[Issue] = []
    submissions = []
    leaves = _main_leaves(form)
    for n, row in enumerate(rows, start=1):
        submissions.append(
            Submission(
                n,
                _instance_id(row.get("meta/rootUuid", "_uuid", "meta/instanceID")),
                _when(row.get("_submission_time")),
                row.get("_submitted_by"),
                _answers(row, leaves, ("/", "-"), False),
                rejected_in_source=_kobo_validation(row.get("_validation_status")),
            )
        )
    repeats = form.repeats()
    if repeats and submissions:
        issues.append(
            Issue(
                None,
                repeats[0][1].name,
                "KoboToolbox's CSV export leaves repeat groups out: the submissions' "
                + " and ".join(str(r.kind) for _, r in repeats)
                + " are not in this file",
                "missing_repeat",
                fix="Export the submissions as JSON (or import them from ODK Central) "
                "to include them",
            )
        )
    _no_answers(submissions, source, form, KOBO_CSV)
    issues += _ignored_issue(_unused(rows, _kobo_meta), submissions, form, source)
    return Export(KOBO_CSV, submissions, issues)


# --- JSON ---------------------------------------------------------------------------------------


def _is_geojson(value: Mapping[str, Any]) -> bool:
    return isinstance(value.get("type"), str) and "coordinates" in value


def _flatten(obj: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested groups as ``a/b`` keys; GeoJSON and lists (repeats) stay whole."""
    out: dict[str, Any] = {}
    for key, value in obj.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and not _is_geojson(value):
            out.update(_flatten(value, f"{name}/"))
        else:
            out[name] = value
    return out


def _repeat_items(flat: dict[str, Any], path: tuple[str, ...], name: str) -> list[Any] | None:
    for key in ("/".join(path), name):
        value = flat.get(key)
        if isinstance(value, list):
            return value
    return None


def _central_json(items: list[dict[str, Any]], form: Form, source: str) -> Export:
    leaves = _main_leaves(form)
    submissions = []
    rows = []
    item_rows: list[_Row] = []
    for n, item in enumerate(items, start=1):
        flat = _flatten(item)
        row = _Row(flat)
        rows.append(row)
        system = item.get("__system") or {}
        sub = Submission(
            n,
            _instance_id(row.get("__id", "meta/instanceID")),
            _when(system.get("submissionDate")),
            system.get("submitterName"),
            _answers(row, leaves, ("/",), False),
            rejected_in_source=system.get("reviewState") == "rejected",
        )
        for path, repeat in form.repeats():
            listed = _repeat_items(flat, path, repeat.name)
            row.used.update({"/".join(path), repeat.name})
            if listed is None:
                linked = any(k.endswith(f"{repeat.name}@odata.navigationLink") for k in flat)
                if linked:
                    raise BadInput(
                        f"the submissions link to their {repeat.kind} instead of holding them",
                        source=source,
                        field=repeat.name,
                        fix="Download the OData feed with $expand=* so that repeats are inline",
                    )
                continue
            answers = []
            for element in listed:
                irow = _Row(_flatten(element))
                item_rows.append(irow)
                answers.append(_answers(irow, _repeat_leaves(form, repeat.name), ("/",), True))
            sub.repeats[repeat.name] = answers
        submissions.append(sub)
    _no_answers(submissions, source, form, CENTRAL_JSON)
    issues = _ignored_issue(
        _unused([*rows, *item_rows], lambda k: k.startswith(("__", "meta/")) or "@odata" in k),
        submissions,
        form,
        source,
    )
    return Export(CENTRAL_JSON, submissions, issues)


def _kobo_json(items: list[dict[str, Any]], form: Form, source: str) -> Export:
    leaves = _main_leaves(form)
    first_point = next((leaf for leaf in leaves if leaf.question.base_type == "geopoint"), None)
    submissions = []
    rows = []
    item_rows: list[_Row] = []
    for n, item in enumerate(items, start=1):
        flat = _flatten(item)
        row = _Row(flat)
        rows.append(row)
        answers = _answers(row, leaves, ("/",), False)
        geolocation = item.get("_geolocation")
        if (
            first_point is not None
            and answers.get(first_point.name) is None
            and isinstance(geolocation, list)
            and len(geolocation) == 2
            and None not in geolocation
        ):
            answers[first_point.name] = geolocation  # [lat, lon] of the first geopoint
        sub = Submission(
            n,
            _instance_id(row.get("meta/rootUuid", "_uuid", "meta/instanceID")),
            _when(item.get("_submission_time")),
            item.get("_submitted_by"),
            answers,
            rejected_in_source=_kobo_validation(item.get("_validation_status")),
        )
        for path, repeat in form.repeats():
            listed = _repeat_items(flat, path, repeat.name)
            row.used.update({"/".join(path), repeat.name})
            if listed is None:
                continue
            out = []
            for element in listed:
                irow = _Row(_flatten(element) if isinstance(element, Mapping) else {})
                item_rows.append(irow)
                out.append(_answers(irow, _repeat_leaves(form, repeat.name), ("/",), True))
            sub.repeats[repeat.name] = out
        submissions.append(sub)
    _no_answers(submissions, source, form, KOBO_JSON)
    issues = _ignored_issue(_unused([*rows, *item_rows], _kobo_meta), submissions, form, source)
    return Export(KOBO_JSON, submissions, issues)
