"""Import messages name the file's own column beside the model's field (issue 24, item 8)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import run_cli


def refused_issue(db: str, kind: str, file: Path, mapping: Path) -> dict:
    """The one error of an import refused with exit code 2."""
    proc = run_cli(
        "import", kind, str(file), "--mapping", str(mapping), "--db", db, "--json", check=False
    )
    assert proc.returncode == 2
    (issue,) = [i for i in json.loads(proc.stdout)["issues"] if i["severity"] == "error"]
    return issue


def test_a_missing_reference_names_the_users_column(db_url: str, tmp_path: Path) -> None:
    """A victims register whose ``accidente`` column is mapped to ``accident``: a row without
    it is refused naming ``accident`` and the column ``accidente``, with a fix; before, the
    message said only ``field 'accident_id': required field(s) missing``."""
    file = tmp_path / "victimas.csv"
    file.write_text("accidente,estado,resultado,sexo\n,civilian,injured,female\n", encoding="utf-8")
    mapping = tmp_path / "victimas.yaml"
    mapping.write_text(
        "columns:\n  accident: accidente\n  status: estado\n  outcome: resultado\n  sex: sexo\n",
        encoding="utf-8",
    )
    issue = refused_issue(db_url, "victims", file, mapping)
    assert issue["reason"] == "required field(s) missing: accident"
    assert issue["column"] == "accidente" and issue["fix"]
    assert "(column 'accidente')" in issue["message"]


def test_an_unknown_place_names_the_column_it_came_from(db_url: str, tmp_path: Path) -> None:
    file = tmp_path / "peligros.csv"
    file.write_text(
        "id,tipo,rayon,wkt\nHAZ-X,SHA,Nowhere,"
        '"POLYGON ((46.90 39.90, 46.91 39.90, 46.91 39.91, 46.90 39.90))"\n',
        encoding="utf-8",
    )
    mapping = tmp_path / "peligros.yaml"
    mapping.write_text(
        "columns:\n  local_id: id\n  kind: tipo\n  location: rayon\nwkt: wkt\n", encoding="utf-8"
    )
    issue = refused_issue(db_url, "hazards", file, mapping)
    assert (issue["field"], issue["column"], issue["value"]) == ("location", "rayon", "Nowhere")
