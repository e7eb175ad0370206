"""A mapping that names what does not exist is an error of the mapping, before any row is
read or checked: the line, the name and the valid choices, nearest first (issue 17, item 3).
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import box

from clearground.store.database import Store
from clearground.store.repository import count
from tests.conftest import run_cli


@pytest.fixture
def hazards_file(tmp_path: Path) -> Path:
    path = tmp_path / "eufor.geojson"
    gpd.GeoDataFrame(
        {"fileId": ["A-1", "A-2"], "Type": ["Suspected", "Confirmed"], "Povrsina": ["1.5", "2"]},
        geometry=[box(46.92, 39.90, 46.93, 39.905), box(46.94, 39.90, 46.95, 39.905)],
        crs=4326,
    ).to_file(path)
    return path


# (mapping text, line named, name given, first choice offered)
CASES = [
    (
        "columns:\n  local_id: fileId\n  kind: Type\n  nonexistent_field: fileId\n",
        4,
        "nonexistent_field",
        None,
    ),
    ("columns:\n  local_id: fileId\n  knd: Type\n", 3, "knd", "kind"),
    ("columns:\n  local_id: fileId\n  kind: type\n", 3, "type", "Type"),
    ("columns:\n  local_id: fileid\n", 2, "fileid", "fileId"),
    (
        "columns:\n  local_id: fileId\nvalues:\n  kind: {Suspected: SHA, Confirmed: CHA}\n",
        4,
        "kind",
        None,
    ),
    (
        "columns:\n  local_id: fileId\n  kind: Type\nvalues:\n  kind: {Suspected: SHA}\n"
        "units:\n  estimated_area_m2: ha\n",
        7,
        "estimated_area_m2",
        None,
    ),
    (
        "columns:\n  local_id: fileId\n  kind: Type\n\ndates:\n  info_dat: '%d.%m.%Y'\n",
        6,
        "info_dat",
        "info_date",
    ),
    ("defaults:\n  kind: SHA\n  satus: open\n", 3, "satus", "status"),
]


@pytest.mark.parametrize("text, line, name, first", CASES)
def test_mapping_naming_what_does_not_exist_is_refused(
    db_url: str, hazards_file: Path, tmp_path: Path, text: str, line: int, name: str, first
) -> None:
    mapping = tmp_path / "m.yaml"
    mapping.write_text(text, encoding="utf-8")
    proc = run_cli(
        "import", "hazards", str(hazards_file), "--db", db_url, "--mapping", str(mapping),
        check=False,
    )  # fmt: skip
    assert proc.returncode == 2, proc.stderr
    message = " ".join(proc.stderr.split())
    assert f"line {line} of the mapping" in message
    assert f"'{name}'" in message
    assert "nearest first" in message
    if first:
        assert f"Did you mean '{first}'?" in message
    assert "Internal error" not in message
    store = Store(db_url)
    with store.session() as s:
        assert count(s, "hazards") == 0
    store.dispose()


def test_nearest_choice_comes_first(db_url: str, hazards_file: Path, tmp_path: Path) -> None:
    mapping = tmp_path / "m.yaml"
    mapping.write_text("columns:\n  local_id: fileId\n  estimated_area: Povrsina\n")
    proc = run_cli(
        "import", "hazards", str(hazards_file), "--db", db_url, "--mapping", str(mapping),
        check=False,
    )  # fmt: skip
    message = " ".join(proc.stderr.split())
    choices = message.split("nearest first: ")[1].split(", ")
    assert choices[0] == "estimated_area_m2"
    assert "kind" in choices and "status" in choices and "location" in choices


def test_a_correct_mapping_still_imports(db_url: str, hazards_file: Path, tmp_path: Path) -> None:
    mapping = tmp_path / "m.yaml"
    mapping.write_text(
        "columns:\n  local_id: fileId\n  kind: Type\n  estimated_area_m2: Povrsina\n"
        "values:\n  kind: {Suspected: SHA, Confirmed: CHA}\nunits:\n  estimated_area_m2: ha\n"
        "dates:\n  '*': '%d.%m.%Y'\ndefaults:\n  status: open\n",
        encoding="utf-8",
    )
    proc = run_cli(
        "import", "hazards", str(hazards_file), "--db", db_url, "--mapping", str(mapping),
        "--json",
    )  # fmt: skip
    report = json.loads(proc.stdout)
    assert report["created"] == 2
