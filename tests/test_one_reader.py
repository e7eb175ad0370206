"""The accuracy command and the importer read tables by the same rules (issue 22, item 6).

On the code before, each had its own list of coordinate column names (the accuracy command
took ``easting``/``northing``/``the_geom``, the importer ``enlik``/``широта``), and the
accuracy command opened any file GDAL could, a GML holding a VRT included.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pyproj import Transformer

from clearground.cli.accuracy import read_layer
from clearground.domain.errors import BadInput
from tests.conftest import run_cli


def test_the_accuracy_command_reads_azerbaijani_coordinate_columns(tmp_path: Path) -> None:
    path = tmp_path / "finds.csv"
    path.write_text("kind,enlik,uzunluq\nAP,40.1,47.2\nAT,40.2,47.3\n", encoding="utf-8")
    frame = read_layer(path, "--finds")
    assert frame.crs.to_epsg() == 4326
    assert [(round(p.x, 6), round(p.y, 6)) for p in frame.geometry] == [(47.2, 40.1), (47.3, 40.2)]


def test_the_accuracy_command_refuses_what_imports_refuse(tmp_path: Path) -> None:
    disguised = tmp_path / "records.gml"
    disguised.write_text("<OGRVRTDataSource><OGRVRTLayer name='x'/></OGRVRTDataSource>")
    with pytest.raises(BadInput, match="GML"):
        read_layer(disguised, "--records")
    renamed = tmp_path / "records.geojson"
    renamed.write_text("<OGRVRTDataSource><OGRVRTLayer name='x'/></OGRVRTDataSource>")
    with pytest.raises(BadInput):
        read_layer(renamed, "--records")


def test_an_import_reads_easting_and_northing(db_url: str, tmp_path: Path) -> None:
    to_utm = Transformer.from_crs(4326, 32638, always_xy=True)
    x, y = to_utm.transform(46.9051, 39.9021)
    path = tmp_path / "finds.csv"
    path.write_text(
        f"local_id,ordnance,found_date,easting,northing\nF-UTM,TM-62M,2021-03-15,{x:.2f},{y:.2f}\n"
    )
    done = run_cli("import", "finds", str(path), "--crs", "EPSG:32638", "--db", db_url, "--json")
    assert '"created": 1' in done.stdout


def test_an_unknown_crs_is_bad_input_for_both_commands(db_url: str, tmp_path: Path) -> None:
    """Before, ``--crs BOGUS`` was an internal error (pyproj's CRSError) in both."""
    finds = tmp_path / "finds.csv"
    finds.write_text("local_id,ordnance,found_date,lat,lon\nF1,PMN,2021-03-15,40.1,47.2\n")
    records = tmp_path / "records.csv"
    records.write_text("record,lat,lon\nR1,40.1,47.2\n")
    for args in (
        ("import", "finds", str(finds), "--db", db_url),
        ("accuracy", "--records", str(records), "--finds", str(finds)),
    ):
        done = run_cli(*args, "--crs", "BOGUS", check=False)
        assert done.returncode == 2, (args, done.stderr)
        assert "Internal error" not in done.stderr
        assert "cannot understand the coordinate system 'BOGUS'" in done.stderr
        assert "--crs" in done.stderr and "EPSG:" in done.stderr
