"""The command-line contract: exit codes, messages, JSON on stdout only."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
from shapely.geometry import box

from tests.conftest import run_cli


def test_init_creates_a_database(empty_db_url: str) -> None:
    proc = run_cli("init", "--db", empty_db_url)
    assert "22 ordnance models" in proc.stderr
    again = run_cli("init", "--db", empty_db_url)
    assert "0 ordnance models" in again.stderr


def test_init_with_another_country(empty_db_url: str, tmp_path: Path) -> None:
    country = gpd.GeoDataFrame(
        {"name": ["North", "South"]}, geometry=[box(30, 50, 31, 51), box(30, 49, 31, 50)], crs=4326
    )
    path = tmp_path / "country.geojson"
    country.to_file(path)
    run_cli("init", "--db", empty_db_url, "--country", str(path))
    out = tmp_path / "locations.csv"
    run_cli("export", "locations", "--db", empty_db_url, "--format", "csv", "-o", str(out))
    text = out.read_text()
    assert "North" in text and "South" in text and "Agdam" not in text


def test_stats_json_on_an_empty_database(db_url: str) -> None:
    proc = run_cli("stats", "--db", db_url, "--json")
    doc = json.loads(proc.stdout)  # stdout holds exactly one JSON document
    assert doc["released_m2"] == {"cancelled": 0.0, "reduced": 0.0, "cleared": 0.0}
    assert doc["devices"]["ap_mine"] == 0 and doc["casualties"] == {"killed": 0, "injured": 0}


def test_the_stats_table_names_devices_and_outcomes_in_words(db_url: str) -> None:
    """Issue 25 item 9 (the command line's part): the table printed the stored codes
    (`ap_mine`, `axo`, `killed`); it now prints the labels the web pages use."""
    out = run_cli("stats", "--db", db_url).stdout
    for label in ("Devices: AP mines", "Devices: AT mines", "Devices: IEDs", "Casualties: Killed"):
        assert label in out, out
    for code in ("ap_mine", "at_mine", "submunition", "killed"):
        assert code not in out, out


def test_bad_input_exits_2_with_a_message(db_url: str, tmp_path: Path) -> None:
    cases = [
        (["stats", "--db", db_url, "--until", "31/10/2022"], "--until"),
        (["stats", "--db", db_url, "--district", "Aghdamm"], "Did you mean"),
        (["stats", "--db", db_url, "--by", "colour"], "--by"),
        (["stats", "--db", db_url, "--organisation", "Nobody"], "no organisation"),
        (["export", "widgets", "--db", db_url, "-o", str(tmp_path / "x.csv")], "unknown record"),
        (
            ["export", "hazards", "--db", db_url, "--format", "pdf", "-o", str(tmp_path / "x.pdf")],
            "unknown export format",
        ),
    ]
    for args, needle in cases:
        proc = run_cli(*args, check=False)
        assert proc.returncode == 2, (args, proc.stderr)
        assert needle in proc.stderr, (args, proc.stderr)
        assert proc.stdout == ""


def test_district_alternate_spellings(db_url: str) -> None:
    for name in ("Aghdam", "Ağdam", "agdam district"):
        assert run_cli("stats", "--db", db_url, "--district", name, "--json").returncode == 0


def test_unreachable_database_is_an_error_not_a_trace(tmp_path: Path) -> None:
    proc = run_cli("stats", "--db", "postgresql+psycopg://nobody@127.0.0.1:1/none", check=False)
    assert proc.returncode == 1
    assert "cannot use the database" in proc.stderr and "Traceback" not in proc.stderr


def test_export_formats(db_url: str, tmp_path: Path) -> None:
    for fmt in ("gpkg", "geojson", "csv", "xlsx"):
        out = tmp_path / f"ordnance.{fmt}"
        run_cli("export", "ordnance", "--db", db_url, "--format", fmt, "-o", str(out))
        assert out.stat().st_size > 0
    frame = gpd.read_file(tmp_path / "ordnance.csv")
    assert "review_status" in frame.columns and len(frame) == 22
