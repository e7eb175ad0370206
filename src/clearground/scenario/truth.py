"""The scenario's "true" contamination, kept in a file beside the database.

Only the scenario and the tests read it; the analyses never do (they see only what a mine
action centre would: records, activities, finds, accidents). Layers of the GeoPackage:

- ``devices``: every planted device (points): ``device_id``, ``category``, ``ordnance``,
  ``source`` (record, unrecorded, battle_area, new_laying, booby_trap, incident),
  ``record`` (local id or empty), ``recorded_index`` (position in the record's mines, -1),
  ``laid_date``, ``fate`` (found, detonated, remaining), ``fate_date``.
- ``records``: per handed-over record, how it deviates: ``error`` (accurate, incomplete,
  shifted, rotated, fictitious), ``shift_east_m``, ``shift_north_m``, ``rotation_deg``,
  ``recorded``, ``true_mines``, ``matched`` (recorded mines with their true mine within
  ``TOLERANCE_M``).
- ``summary``: key/value facts, e.g. the planted record accuracy.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

TOLERANCE_M = 5.0
"""A recorded mine is where its record says if its true mine is within this many metres."""


def truth_path_for(db_url: str, given: str | Path | None = None) -> Path:
    """Where the truth file of a database lives: beside a SQLite file, else in the cwd."""
    if given:
        return Path(given)
    if db_url.startswith("sqlite:///"):
        db = Path(db_url.removeprefix("sqlite:///"))
        return db.with_name(db.stem + ".truth.gpkg")
    return Path("clearground.truth.gpkg").resolve()


def write_truth(
    path: Path,
    devices: gpd.GeoDataFrame,
    records: pd.DataFrame,
    summary: dict[str, float | int | str],
) -> None:
    path.unlink(missing_ok=True)
    pyogrio.write_dataframe(devices, path, layer="devices", driver="GPKG")
    pyogrio.write_dataframe(records, path, layer="records", driver="GPKG")
    frame = pd.DataFrame({"key": list(summary), "value": [str(v) for v in summary.values()]})
    pyogrio.write_dataframe(frame, path, layer="summary", driver="GPKG")


def read_truth(path: Path) -> tuple[gpd.GeoDataFrame, pd.DataFrame, dict[str, str]]:
    devices = pyogrio.read_dataframe(path, layer="devices")
    records = pyogrio.read_dataframe(path, layer="records", read_geometry=False)
    summary = pyogrio.read_dataframe(path, layer="summary", read_geometry=False)
    return devices, records, dict(zip(summary["key"], summary["value"], strict=True))
