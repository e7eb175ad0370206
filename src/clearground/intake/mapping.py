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

Unmapped columns whose names equal model fields are taken as they are.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

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
    columns: dict[str, str] = field(default_factory=dict)
    lat: str | None = None
    lon: str | None = None
    wkt: str | None = None
    mgrs: str | None = None
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    dates: dict[str, str] = field(default_factory=dict)
    units: dict[str, str] = field(default_factory=dict)
    defaults: dict[str, Any] = field(default_factory=dict)

    def date_format(self, name: str) -> str | None:
        return self.dates.get(name) or self.dates.get("*")


def load_mapping(path: Path | None) -> Mapping:
    """Read a mapping file; an unknown key or unit is refused with the allowed ones."""
    if path is None:
        return Mapping()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
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
    return Mapping(**{k: v for k, v in data.items() if v is not None})


def unit_factor(unit: str) -> float:
    return AREA_UNITS.get(unit) or LENGTH_UNITS[unit]
