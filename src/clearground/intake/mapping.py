"""Mapping files (``--mapping M.yaml``): an agency's own columns and labels onto the model.

A mapping is YAML with any of these keys (all optional)::

    sheet: Hazards            # XLSX sheet (name or 0-based index)
    layer: hazards            # layer of a GeoPackage or other multi-layer file
    crs: EPSG:32638           # CRS of coordinate columns or of a file that has none
    columns:                  # model field: source column
      local_id: "Hazard No"
      kind: "Növü"
      location: "Rayon"
      info_date: "Tarix"
      estimated_area_m2: "Sahə (ha)"
      accident_date: {year: "Año", month: "Mes"}   # a date from its parts (day optional)
    lat: "Enlik"              # coordinate columns (degrees, or numbers in ``crs``)
    lon: "Uzunluq"
    wkt: "Geometry"           # or a WKT column
    mgrs: "MGRS"              # or an MGRS column (points)
    values:                   # localised labels -> model values, per field
      kind: {"Şübhəli": SHA, "Təsdiqlənmiş": CHA, "Подозреваемый": SHA}
    dates:                    # strptime formats per field ("*" for every date field)
      "*": "%d.%m.%Y"
    units:                    # unit of a numeric source column: m2, ha, km2 (areas), m, km
      estimated_area_m2: ha
    defaults:                 # values for fields the file lacks
      organisation: "ANAMA"

Unmapped columns whose names equal model fields are taken as they are. A date field may be
built from ``year``, ``month`` and ``day`` columns: a row without the day is known to its
month, without the month to its year, without the year not at all (an accident's date keeps
that precision; docs/INTAKE.md).

A mapping is checked before any row is: a target field the kind does not have (in
``columns``, ``values``, ``dates``, ``units`` or ``defaults``) is refused before the file is
read, a source column the file lacks and a ``values``/``dates``/``units`` entry for a field
that nothing maps are refused once its header is known. Each refusal names the mapping's
line, the name given and the valid choices, nearest first.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from clearground.domain.dates import PARTS
from clearground.domain.errors import BadInput

AREA_UNITS = {"m2": 1.0, "ha": 1e4, "km2": 1e6}
LENGTH_UNITS = {"m": 1.0, "km": 1e3}
KEYS = {
    "sheet",
    "layer",
    "crs",
    "columns",
    "lat",
    "lon",
    "wkt",
    "mgrs",
    "values",
    "dates",
    "units",
    "defaults",
}


@dataclass
class Mapping:
    sheet: str | int | None = None
    layer: str | None = None
    crs: str | None = None
    columns: dict[str, str | dict[str, str]] = field(default_factory=dict)
    lat: str | None = None
    lon: str | None = None
    wkt: str | None = None
    mgrs: str | None = None
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    dates: dict[str, str] = field(default_factory=dict)
    units: dict[str, str] = field(default_factory=dict)
    defaults: dict[str, Any] = field(default_factory=dict)
    path: str | None = None  # the mapping file, for messages
    lines: dict[str, int] = field(default_factory=dict)  # "columns.kind" -> line in the file

    def date_format(self, name: str) -> str | None:
        return self.dates.get(name) or self.dates.get("*")


def load_mapping(path: Path | None) -> Mapping:
    """Read a mapping file; an unknown key or unit is refused with the allowed ones."""
    if path is None:
        return Mapping()
    try:
        text = path.read_text(encoding="utf-8")
        data = yaml.safe_load(text) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise BadInput(
            f"cannot read the mapping: {exc}",
            source=str(path),
            fix="Give a YAML file as documented in docs/INTAKE.md",
        ) from exc
    if not isinstance(data, dict):
        raise BadInput("a mapping must be a YAML mapping of keys", source=str(path))
    unknown = set(data) - KEYS
    if unknown:
        raise BadInput(
            f"unknown mapping key(s): {', '.join(sorted(unknown))}",
            source=str(path),
            field=sorted(unknown)[0],
            fix=f"Use: {', '.join(sorted(KEYS))}",
        )
    for name, unit in (data.get("units") or {}).items():
        if unit not in AREA_UNITS and unit not in LENGTH_UNITS:
            raise BadInput(
                f"unknown unit '{unit}'",
                source=str(path),
                field=f"units.{name}",
                fix=f"Use one of {', '.join([*AREA_UNITS, *LENGTH_UNITS])}",
            )
    for key in ("columns", "values", "dates", "units", "defaults"):
        if data.get(key) is not None and not isinstance(data[key], dict):
            raise BadInput(
                f"line {_key_lines(text).get(key, 1)} of the mapping: {key}: must be a "
                "mapping of field names",
                source=str(path),
                field=key,
                fix="Write one 'field: value' per line under it, as in docs/INTAKE.md",
            )
    lines = _key_lines(text)
    for target, parts in (data.get("columns") or {}).items():
        if isinstance(parts, dict) and parts and set(map(str, parts)) <= set(PARTS):
            if all(isinstance(c, str) for c in parts.values()):
                continue
        elif isinstance(parts, str):
            continue
        raise BadInput(
            f"line {lines.get(f'columns.{target}', 1)} of the mapping: columns: {target}: "
            "must name one column of the file, or the columns of a date's parts",
            source=str(path),
            field=f"columns.{target}",
            value=parts,
            fix=f"Write '{target}: Column name', or for a date "
            f"'{target}: {{year: Año, month: Mes, day: Día}}' (parts: {', '.join(PARTS)})",
        )
    plan = Mapping(**{k: v for k, v in data.items() if v is not None})
    plan.path = str(path)
    plan.lines = lines
    return plan


def _key_lines(text: str) -> dict[str, int]:
    """Line numbers (from 1) of the mapping's keys: "columns" and "columns.local_id"."""
    try:
        root = yaml.compose(text)
    except yaml.YAMLError:
        return {}
    out: dict[str, int] = {}
    if not isinstance(root, yaml.MappingNode):
        return out
    for key, value in root.value:
        name = str(key.value)
        out[name] = key.start_mark.line + 1
        if isinstance(value, yaml.MappingNode):
            for sub, _ in value.value:
                out[f"{name}.{sub.value}"] = sub.start_mark.line + 1
    return out


def nearest_first(name: str, choices: Iterable[str]) -> list[str]:
    """``choices`` ordered by their likeness to ``name``, the closest first."""
    want = name.lower()
    return sorted(
        set(choices),
        key=lambda c: (-difflib.SequenceMatcher(None, want, c.lower()).ratio(), c),
    )


def _refuse(
    plan: Mapping, key: str, name: str, what: str, choices: Iterable[str], near: str | None = None
) -> BadInput:
    """The error of one mapping entry: its line, the name given, the choices nearest first."""
    ordered = nearest_first(near or name, choices)
    line = plan.lines.get(f"{key}.{name}") or plan.lines.get(key)
    where = f"line {line} of the mapping" if line else "the mapping"
    return BadInput(
        f"{where}: {key}: {what}",
        source=plan.path,
        field=f"{key}.{name}",
        value=near or name,
        fix=(f"Did you mean '{ordered[0]}'? " if ordered else "")
        + f"Valid choices, nearest first: {', '.join(ordered) or '(none)'}",
    )


def check_fields(plan: Mapping, kind: str, fields: Collection[str]) -> None:
    """Refuse target fields that records of ``kind`` do not have (before the file is read)."""
    for key in ("columns", "values", "dates", "units", "defaults"):
        for name in getattr(plan, key):
            if key == "dates" and name == "*":
                continue
            if name not in fields:
                raise _refuse(plan, key, str(name), f"'{name}' is not a field of {kind}", fields)


def check_columns(
    plan: Mapping,
    file_columns: Collection[str],
    fields: Collection[str],
    aliases: dict[str, str] | None = None,
) -> None:
    """Refuse source columns the file lacks, and ``values``/``dates``/``units`` entries for
    fields that neither ``columns``, ``defaults`` nor a same-named file column gives."""
    given = [c for c in file_columns if c not in ("_row", "geometry")]
    for target, columns in plan.columns.items():
        for column in columns.values() if isinstance(columns, dict) else [columns]:
            if column not in file_columns:
                raise _refuse(
                    plan,
                    "columns",
                    str(target),
                    f"{target}: '{column}' is not a column of the file",
                    given,
                    near=str(column),
                )
    mapped = set(plan.columns) | set(plan.defaults) | (set(file_columns) & set(fields))
    mapped |= {b for a, b in (aliases or {}).items() if a in file_columns}
    for key in ("values", "dates", "units"):
        for name in getattr(plan, key):
            if key == "dates" and name == "*":
                continue
            if name not in mapped:
                raise _refuse(
                    plan,
                    key,
                    str(name),
                    f"'{name}' is not mapped: no column gives it (map it under columns: or "
                    "give it under defaults:)",
                    mapped - {"geometry"},
                )


def unit_factor(unit: str) -> float:
    return AREA_UNITS.get(unit) or LENGTH_UNITS[unit]
