"""The registry: validated, versioned writes and reads of records in one session.

Every write goes through ``Registry``. It checks a record against the domain's rules, derives
what must not be typed in (areas in m², bounding boxes, minefield-record geometry), and keeps
each version of the record whole in ``record_version``. An edit names the version it was
based on; if someone else saved in between, it is refused (``StaleVersion``) and nothing is
written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import JSON, func, insert, select, update
from sqlalchemy.orm import Session

from clearground.domain.dates import check_known_date, known_with
from clearground.domain.errors import BadInput, NotFound, StaleVersion
from clearground.domain.geometry import areas_m2, check_lonlat, check_polygon
from clearground.domain.minefield_record import build_record
from clearground.domain.names import fold
from clearground.domain.records import REVIEW_STATUSES, check_choice, check_choices
from clearground.store import kinds
from clearground.store import tables as t
from clearground.store.data_version import mark_changed
from clearground.store.repository.bulk import (
    _default,
    copy_rows,
    refusals,
    sqlite_rows,
)
from clearground.store.repository.columns import (
    DERIVED,
    REFERENCES,
    SERVER_SET,
    SYSTEM_COLUMNS,
    columns_of,
    kind_of,
    table_of,
)
from clearground.store.repository.invariants import (
    check_land_release,
    check_local_ids_differ,
    check_unique_local_ids,
)
from clearground.store.repository.review import review_step
from clearground.store.repository.snapshots import from_json_value, snapshot
from clearground.store.repository.values import _coerce, _parse_geometry
from clearground.store.types import GeometryType


class Registry:
    """Validated, versioned writes and reads of records in one session (one transaction)."""

    def __init__(self, session: Session, user: str = "system") -> None:
        self.session = session
        self.user = user
        self._ref_cache: dict[tuple[type[t.Base], str], dict[str, int]] = {}
        self._district_index: tuple[list[int], np.ndarray, shapely.STRtree] | None = None

    # districts ---------------------------------------------------------------------------------
    def place(self, geom: BaseGeometry | None) -> int | None:
        """The id of the district holding ``geom``: for an area (or a line) the district it
        overlaps most, for a point the one containing it; None outside every district.

        Records whose input names no district are placed with it at import, entry and edit.
        Overlaps are compared in degrees² times the cosine of their latitude, which ranks
        them as their areas on the ground do.
        """
        if geom is None or geom.is_empty:
            return None
        if self._district_index is None:
            rows = self.session.execute(
                select(t.Location.id, t.Location.geometry)
                .where(t.Location.kind == "district", t.Location.geometry.is_not(None))
                .order_by(t.Location.id)
            ).all()
            shapes = np.asarray([g for _, g in rows] + [None], dtype=object)[:-1]
            self._district_index = ([int(i) for i, _ in rows], shapes, shapely.STRtree(shapes))
        ids, shapes, tree = self._district_index
        if not ids:
            return None
        hits = sorted(tree.query(geom, predicate="intersects").tolist())
        if len(hits) <= 1:
            return ids[hits[0]] if hits else None
        try:
            common = shapely.intersection(shapes[hits], geom)
            size = shapely.area(common) if geom.area > 0 else shapely.length(common)
            # degrees² to ground: a degree of longitude shrinks with the cosine of latitude
            size = size * np.cos(np.radians(shapely.get_y(shapely.centroid(common))))
        except shapely.errors.GEOSException:
            return ids[hits[0]]
        if not np.any(size > 0):
            return ids[hits[0]]  # a point on a shared border: the first district
        return ids[hits[int(np.argmax(size))]]

    # references ------------------------------------------------------------------------------
    def lookup(self, table: type[t.Base], column: str, value: str) -> int:
        """The id of the record of ``table`` whose ``column`` equals ``value``."""
        key = (table, column)
        cache = self._ref_cache.setdefault(key, {})
        if value not in cache:
            col = getattr(table, column)
            if table is t.Location and column == "name":  # names are not unique: towns
                found = self._location_by_any_name(value)
            else:
                ids = (
                    self.session.execute(
                        select(table.id).where(col == value)  # type: ignore[attr-defined]
                    )
                    .scalars()
                    .all()
                )
                if len(ids) > 1:
                    raise BadInput(
                        f"{len(ids)} {kind_of(table)} have {column} '{value}'",
                        field=column,
                        value=value,
                        fix=f"Give each {kind_of(table)} its own {column}, or refer to it "
                        "by another field",
                    )
                found = int(ids[0]) if ids else None
            if found is None and table is t.Organisation and column == "name":
                found = self._organisation_by_other_name(value)
            if found is None:
                kind = kind_of(table)
                raise NotFound(
                    f"no {kind} with {column} '{value}'",
                    field=column,
                    value=value,
                    fix=f"Create the {kind} first or correct the reference",
                )
            cache[value] = found
        return cache[value]

    def _organisation_by_other_name(self, value: str) -> int | None:
        """An organisation whose short name (``ANAMA``) or local id is ``value``, if unique."""
        for column in (t.Organisation.short_name, t.Organisation.local_id):
            hits = self.session.execute(select(t.Organisation.id).where(column == value)).all()
            if len(hits) == 1:
                return int(hits[0][0])
        return None

    def _location_by_any_name(self, value: str) -> int | None:
        """The location ``value`` names: its code, its name (an alternate or short name, in
        any spelling), or its name and its parent's (``"GRANADA, ANTIOQUIA"``).

        A district shares its name with its main town (``Aghdam``) and two villages may
        share one (``Fuzuli``): the district is taken. Several districts of one name
        (Colombia has 66 municipality names in more than one department), or several
        locations and no district, are refused as ambiguous, listing them with their
        parents and codes.
        """
        exact = self.session.execute(
            select(t.Location.id, t.Location.kind).where(t.Location.name == value)
        ).all()
        if len(exact) == 1 and exact[0][1] == "district":  # the usual case, without a scan
            return int(exact[0][0])
        coded = (
            self.session.execute(select(t.Location.id).where(t.Location.code == value))
            .scalars()
            .all()
        )
        if len(coded) == 1:
            return int(coded[0])
        places = {
            int(rid): (kind, name, alts, parent, code)
            for rid, kind, name, alts, parent, code in self.session.execute(
                select(
                    t.Location.id,
                    t.Location.kind,
                    t.Location.name,
                    t.Location.alt_names,
                    t.Location.parent_id,
                    t.Location.code,
                )
            )
        }
        hits = _named(places, value)
        if not hits and "," in value:
            name, parent_value = (part.strip() for part in value.rsplit(",", 1))
            parent = self._location_by_any_name(parent_value)
            if parent is not None:
                hits = [rid for rid in _named(places, name) if _within(places, rid, parent)]
        districts = [rid for rid in hits if places[rid][0] == "district"]
        if len(districts) == 1:
            return districts[0]
        if len(hits) == 1:
            return hits[0]
        if not hits:
            return None
        candidates = sorted(districts or hits, key=lambda rid: (places[rid][0], rid))
        named = "; ".join(_described(places, rid) for rid in candidates[:6])
        example = places[candidates[0]]
        parent_name = places[example[3]][1] if example[3] in places else None
        by_parent = f" or the name with its parent ('{example[1]}, {parent_name}')"
        raise BadInput(
            f"the location name '{value}' is ambiguous: it names {len(candidates)} locations "
            f"({named}{'; ...' if len(candidates) > 6 else ''})",
            field="name",
            value=value,
            fix=f"Give the location's code{f' ({example[4]})' if example[4] else ''}"
            f"{by_parent if parent_name else ''}, or map a column of parent names to "
            "location_parent (codes to location_code); a record with a geometry may leave "
            "it out: it is placed in the district holding it",
        )

    def _resolve(self, kind: str, values: dict[str, Any], record: str | None) -> dict[str, Any]:
        out = dict(values)
        for given, (field_name, target, column) in REFERENCES.get(kind, {}).items():
            code = parent = None
            if target is t.Location:  # a place may be named by its code, or within its parent
                code = _text(out.pop(f"{given}_code", None))
                parent = _text(out.pop(f"{given}_parent", None))
            try:
                if code is not None:
                    out.pop(given, None)
                    out[field_name] = self.lookup(t.Location, "code", code)
                elif given in out:
                    ref = out.pop(given)
                    if ref is None:
                        out[field_name] = None
                    else:
                        value = str(ref) if parent is None else f"{ref}, {parent}"
                        out[field_name] = self.lookup(target, column, value)
            except BadInput as exc:  # named by the field the input gave, not the one searched
                exc.field = f"{given}_code" if code is not None else given
                exc.args = (exc.message,)
                raise
        return out

    # preparation ------------------------------------------------------------------------------
    def prepare(
        self,
        kind: str,
        values: Mapping[str, Any],
        *,
        creating: bool,
        status: str = "draft",
    ) -> dict[str, Any]:
        """Check one record's values and derive its computed columns; nothing is written.

        ``values`` may not hold what the registry sets (:data:`SERVER_SET`: ids, version,
        review status and reason, author, time): BadInput names the field. A new record
        (``creating``) starts in ``status``, which only the calling code chooses.
        """
        table = table_of(kind)
        spec = kinds.get(kind).rules
        cols = columns_of(table)
        record = str(values.get("local_id")) if values.get("local_id") else None
        given = [name for name in SERVER_SET if name in values]
        if given:
            raise BadInput(
                f"{given[0]} is set by Clearground, not by the input",
                field=given[0],
                record=record,
                fix="Leave it out: new records start as drafts (imports as submitted), "
                "reviews go through submit, approve and reject, the version and author are "
                "recorded on every save",
            )
        row = self._resolve(kind, dict(values), record)
        unknown = set(row) - set(cols)
        if kind == "records":
            unknown.discard("form")
        if unknown:
            raise BadInput(
                f"unknown field(s) {', '.join(sorted(unknown))} for {kind}",
                field=sorted(unknown)[0],
                record=record,
                fix=f"Known fields: {', '.join(sorted(cols))}",
            )
        for derived in DERIVED:
            if derived in row and derived in cols:
                raise BadInput(
                    f"{derived} is computed by Clearground and cannot be given",
                    field=derived,
                    record=record,
                    fix="Give the geometry; areas are computed from it in m²",
                )
        for name in spec.known_dates:
            _read_partial_date(row, name)
        for name, value in list(row.items()):
            col = cols[name]
            if name == "geometry" or isinstance(col.type, GeometryType):
                continue
            if name in spec.enums and value is not None:
                row[name] = check_choice(value, spec.enums[name], name, record)
            elif name in spec.lists:
                items = value.tolist() if isinstance(value, np.ndarray) else value
                row[name] = check_choices(items, spec.lists[name], name, record)
            elif name == "review_status":
                row[name] = check_choice(value, REVIEW_STATUSES, name, record)
            elif isinstance(col.type, JSON):
                row[name] = value.tolist() if isinstance(value, np.ndarray) else value
            else:
                row[name] = _coerce(col, value, name, record)
        if creating:
            if not row.get("local_id"):
                raise BadInput(
                    "a local id is required",
                    field="local_id",
                    fix="Give each record a human-readable id, e.g. HAZ-AGD-0001",
                )
            missing = [f for f in spec.required if row.get(f) in (None, "")]
            if spec.geometry_required and row.get("geometry") is None:
                missing.append("geometry")
            if missing:
                desc = kinds.get(kind)
                # a reference's column is named as the input names it: accident, not accident_id
                named = [r.name if (r := desc.reference_at(f)) else f for f in missing]
                raise BadInput(
                    f"required field(s) missing: {', '.join(named)}",
                    field=missing[0],
                    record=record,
                    fix=f"Give a value for {' and '.join(named)} in every row (a mapping's "
                    "columns: or defaults: can name the file's column or a value for all)",
                )
        for name in spec.known_dates:
            if creating:
                row.setdefault(name, None)  # none given: an unknown date
            check_known_date(row, name, record)
        if spec.check is not None:
            spec.check(row, record)  # the kind's own rule (domain/), on every path
        if kind == "records" and "form" in row:
            self._derive_record(row, record)
        geom = row.get("geometry")
        if "geometry" in row and geom is not None:
            if not isinstance(geom, BaseGeometry):
                geom = row["geometry"] = _parse_geometry(geom, record)
            if shapely.has_z(geom):  # positions are 2D (a PostGIS column refuses heights)
                geom = row["geometry"] = shapely.force_2d(geom)
            if spec.geometry == "polygon":
                check_polygon(geom, "geometry")
            elif spec.geometry == "point":
                check_lonlat(geom, "geometry")
                if geom.geom_type != "Point":
                    raise BadInput(
                        f"expected a point, got a {geom.geom_type}", field="geometry", record=record
                    )
            else:
                check_lonlat(geom, "geometry")
        if "geometry" in row:
            if geom is None:
                row.update(min_x=None, min_y=None, max_x=None, max_y=None)
            else:
                x0, y0, x1, y1 = geom.bounds
                row.update(min_x=x0, min_y=y0, max_x=x1, max_y=y1)
            if "area_m2" in cols and spec.geometry == "polygon":
                row["area_m2"] = None if geom is None else float(areas_m2([geom])[0])
        if creating and "location_id" in cols and row.get("location_id") is None:
            row["location_id"] = self.place(row.get("geometry"))  # the file named no district
        if creating:
            row["review_status"] = check_choice(status, REVIEW_STATUSES, "review_status", record)
        row["updated_by"] = self.user
        row["updated_at"] = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        return row

    def _derive_record(self, row: dict[str, Any], record: str | None) -> None:
        try:
            drawn = build_record(row["form"])
        except BadInput as exc:
            exc.record = record
            raise
        row["geometry"] = drawn.perimeter
        row["closure_error_m"] = drawn.closure_error_m
        row["rows_geometry"] = drawn.rows if not drawn.rows.is_empty else None
        row["mines_geometry"] = shapely.multipoints(drawn.mines) if len(drawn.mines) else None
        row["bearing_type"] = row["form"].get("bearing_type", "true")

    # writes ----------------------------------------------------------------------------------
    def add(self, kind: str, values: Mapping[str, Any], *, status: str = "draft") -> int:
        """Create one record; returns its id."""
        return self.add_many(kind, [values], status=status)[0]

    def add_many(
        self,
        kind: str,
        rows: Iterable[Mapping[str, Any]],
        *,
        status: str = "draft",
        note: str | None = None,
    ) -> list[int]:
        """Create many records in one statement (executemany); returns their ids in order.

        Every row is checked first; any bad row refuses the whole batch.
        """
        prepared = []
        for i, values in enumerate(rows):
            try:
                row = self.prepare(kind, values, creating=True, status=status)
            except BadInput as exc:
                if exc.row is None:
                    exc.row = i + 1
                raise
            prepared.append(row)
        return self.insert_prepared(kind, prepared, note=note)

    def insert_prepared(
        self, kind: str, prepared: list[dict[str, Any]], *, note: str | None = None
    ) -> list[int]:
        """Insert rows already checked by ``prepare(..., creating=True)``; returns their ids.

        Checks what needs all rows together (local ids, land release) first. Bulk paths: COPY
        on PostgreSQL, a plain executemany on SQLite.
        """
        table = table_of(kind)
        if not prepared:
            return []
        check_local_ids_differ(prepared)
        if kind == "activities":
            check_land_release(self.session, prepared)
        cols = columns_of(table)
        defaults = {name: _default(col) for name, col in cols.items()}
        names = [n for n in cols if n != "id"]
        full = [{name: r.get(name, defaults[name]) for name in names} for r in prepared]
        for r in full:
            r["version"] = 1
            r["change_note"] = note or "created"
        dialect = self.session.get_bind().dialect.name
        mark_changed(self.session)  # the bulk paths write on the driver's own connection
        try:
            with self.session.begin_nested():
                if dialect == "postgresql" and len(full) >= 1000:
                    return copy_rows(self.session, table, full)
                if dialect == "sqlite" and len(full) >= 1000:
                    return sqlite_rows(self.session, table, full)
                stmt = insert(table).returning(table.id, sort_by_parameter_order=True)  # type: ignore
                return list(self.session.execute(stmt, full).scalars())
        except refusals(self.session) as exc:
            # the unique index refused a local id that exists already: name it
            check_unique_local_ids(self.session, table, prepared)
            raise BadInput(
                f"the database refused these {kind}: {getattr(exc, 'orig', exc)}",
                fix="Check references and unique fields",
            ) from exc

    def edit(
        self,
        kind: str,
        record_id: int,
        based_on_version: int,
        changes: Mapping[str, Any],
        note: str | None = None,
        *,
        review: str | None = None,
        reason: str | None = None,
    ) -> int:
        """Save ``changes`` as a new version of a record; returns the new version number.

        ``based_on_version`` is the version the editor saw. If the record has moved on since,
        ``StaleVersion`` is raised with the other edit's author and nothing is written.
        ``review`` moves the record to that review status in the same version, if
        :data:`REVIEW_STEPS` allows the step from its current one (``WrongStatus``
        otherwise); ``reason`` is kept with a rejection and cleared by any other step.
        """
        table = table_of(kind)
        current = self.get(kind, record_id)
        if current["version"] != based_on_version:
            raise StaleVersion(
                f"{kind} {current['local_id']} was changed by {current['updated_by']} "
                f"(version {current['version']}) after you opened version {based_on_version}",
                record=current["local_id"],
                field="version",
                fix="Reload the record, look at the other change, and apply yours again",
            )
        merged = {**{k: v for k, v in current.items() if k not in ("id",)}, **changes}
        row = self.prepare(
            kind, {k: merged[k] for k in changes} | _context(kind, merged, changes), creating=False
        )
        if changes and "location_id" in columns_of(table) and "location_id" not in row:
            self._replace(row, current)
        if review is not None:
            row.update(review_step(current["review_status"], review, reason, current["local_id"]))
        if kind == "activities" and (
            "geometry" in changes or "result" in changes or "hazard_id" in changes
        ):
            check_land_release(self.session, [{**merged, **row, "id": record_id}])
        if "local_id" in row and row["local_id"] != current["local_id"]:
            check_unique_local_ids(self.session, table, [row])
        new_version = based_on_version + 1
        row["version"] = new_version
        row["change_note"] = note
        # keep the version being replaced, whole, before replacing it
        self.session.add(
            t.RecordVersion(
                kind=kind,
                record_id=record_id,
                version=current["version"],
                data=snapshot(current, table),
                changed_by=current["updated_by"],
                changed_at=current["updated_at"],
                note=current["change_note"],
            )
        )
        self.session.flush()
        done = self.session.execute(
            update(table)
            .where(table.id == record_id, table.version == based_on_version)  # type: ignore
            .values(**row)
        )
        if done.rowcount != 1:  # type: ignore[attr-defined]
            raise StaleVersion(
                f"{kind} {current['local_id']} was changed meanwhile",
                record=current["local_id"],
                field="version",
                fix="Reload the record and apply your change again",
            )
        return new_version

    def _replace(self, row: dict[str, Any], current: Mapping[str, Any]) -> None:
        """On an edit that names no district: place a record that has none, and place again
        one whose new geometry has left the district it was in."""
        geom = row.get("geometry", current.get("geometry"))
        if geom is None:
            return
        held = current.get("location_id")
        if held is None:
            row["location_id"] = self.place(geom)
            return
        if "geometry" not in row:
            return
        district = self.session.execute(
            select(t.Location.kind, t.Location.geometry).where(t.Location.id == held)
        ).first()
        if (
            district is not None
            and district.kind == "district"
            and district.geometry is not None
            and not shapely.intersects(district.geometry, geom)
        ):
            row["location_id"] = self.place(geom)

    def set_review_status(
        self,
        kind: str,
        record_id: int,
        based_on_version: int,
        status: str,
        reason: str | None = None,
    ) -> int:
        """Move a record one review step (:data:`REVIEW_STEPS`); a rejection needs a reason.
        Who may take which step is the caller's rule; which steps exist is the registry's."""
        return self.edit(
            kind,
            record_id,
            based_on_version,
            {},
            note=f"review: {status}",
            review=status,
            reason=reason,
        )

    def revert(self, kind: str, record_id: int, based_on_version: int, to_version: int) -> int:
        """Make the content of ``to_version`` current again, as a new version."""
        table = table_of(kind)
        cols = columns_of(table)
        old = next(
            (v["data"] for v in self.history(kind, record_id) if v["version"] == to_version), None
        )
        if old is None:
            raise NotFound(
                f"{kind} {record_id} has no version {to_version}", field="version", value=to_version
            )
        # the content comes back; the review status stays the registry's, derived values are
        # computed again
        changes = {k: v for k, v in old.items() if k in cols and k not in SYSTEM_COLUMNS}
        if kind == "records":
            changes.pop("geometry", None)
        return self.edit(
            kind, record_id, based_on_version, changes, note=f"reverted to version {to_version}"
        )

    # reads -----------------------------------------------------------------------------------
    def get(self, kind: str, record_id: int) -> dict[str, Any]:
        """The current version of a record as a dict of column values."""
        table = table_of(kind)
        row = (
            self.session.execute(
                select(table.__table__).where(table.id == record_id)  # type: ignore[attr-defined]
            )
            .mappings()
            .one_or_none()
        )
        if row is None:
            raise NotFound(f"no {kind} with id {record_id}", field="id", value=record_id)
        return dict(row)

    def history(self, kind: str, record_id: int) -> list[dict[str, Any]]:
        """Every version of a record, oldest first, each whole with who, when and why."""
        table = table_of(kind)
        cols = columns_of(table)
        current = self.get(kind, record_id)
        rows = (
            self.session.execute(
                select(t.RecordVersion)
                .where(t.RecordVersion.kind == kind, t.RecordVersion.record_id == record_id)
                .order_by(t.RecordVersion.version)
            )
            .scalars()
            .all()
        )
        versions = [
            {
                "version": r.version,
                "changed_by": r.changed_by,
                "changed_at": r.changed_at,
                "note": r.note,
                "data": {k: from_json_value(cols[k], v) for k, v in r.data.items() if k in cols},
            }
            for r in rows
        ]
        versions.append(
            {
                "version": current["version"],
                "changed_by": current["updated_by"],
                "changed_at": current["updated_at"],
                "note": current["change_note"],
                "data": {k: v for k, v in current.items() if k != "id"},
            }
        )
        return versions


def _context(kind: str, merged: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """Fields an edit re-checks even when unchanged (the geometry's kind needs none): the
    local id, and a date kept with its precision when either of the two changes."""
    out: dict[str, Any] = {"local_id": merged["local_id"]}
    for name in kinds.get(kind).rules.known_dates:
        key = f"{name}_precision"
        if key in changes and name not in changes:
            out[name] = merged.get(name)  # a new precision of the same date
        elif name in changes and key not in changes:
            out[key] = None  # a new date: as precise as it is written
    return out


def _read_partial_date(row: dict[str, Any], name: str) -> None:
    """A date given as text known to its year or month (``2004``, ``2004-06``) or as
    ``unknown``: the date and its precision (the coarser of the text's and one given)."""
    if name not in row:
        return
    key = f"{name}_precision"
    found = known_with(row[name], row.get(key))
    if found is not None:
        row[name], row[key] = found


def count(session: Session, kind: str) -> int:
    table = table_of(kind)
    return int(session.execute(select(func.count()).select_from(table)).scalar_one())


Place = tuple[str, str, Any, int | None, str | None]
"""A location as the name search sees it: kind, name, alternate names, parent id, code."""


def _text(value: Any) -> str | None:
    """A qualifier's text, or None for an empty cell (None, NaN, blank)."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    text = str(value).strip()
    return text or None


def _named(places: dict[int, Place], value: str) -> list[int]:
    """The ids of the places called ``value`` (name or alternate name, folded)."""
    want = fold(value)
    return [
        rid
        for rid, (_kind, name, alts, _parent, _code) in places.items()
        if want in {fold(name), *(fold(a) for a in (alts or []))}
    ]


def _within(places: dict[int, Place], rid: int, ancestor: int) -> bool:
    """Whether ``ancestor`` is a parent, grandparent ... of the place ``rid``."""
    seen: set[int] = set()
    parent = places[rid][3]
    while parent is not None and parent not in seen:
        if parent == ancestor:
            return True
        seen.add(parent)
        parent = places[parent][3] if parent in places else None
    return False


def _described(places: dict[int, Place], rid: int) -> str:
    """``"district GRANADA in ANTIOQUIA, code 05313"``."""
    kind, name, _alts, parent, code = places[rid]
    where = f" in {places[parent][1]}" if parent in places else ""
    return f"{kind} {name}{where}{f', code {code}' if code else ''}"
