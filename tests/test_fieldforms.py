"""Field forms: the XLSForms, and ODK Central / KoboToolbox exports of their submissions.

Expected values are read off the sample exports in tests/data/fieldforms/ (written by hand
for these tests), not from the code's output.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import shutil
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from pyproj import Geod
from pyxform.xls2xform import convert
from shapely.geometry import Point, Polygon, box
from sqlalchemy import select

from clearground.domain import enums as e
from clearground.domain.catalogue import ORDNANCE
from clearground.intake.fieldforms import build
from clearground.intake.fieldforms.importer import import_form
from clearground.intake.fieldforms.submissions import (
    choice_value,
    parse_geopoint,
    parse_geoshape,
)
from clearground.store import tables as t
from clearground.store.database import Store
from clearground.store.repository import Registry, count, table_of
from tests.conftest import run_cli

DATA = Path(__file__).parent / "data" / "fieldforms"
FORMS_DIR = Path(build.__file__).parent
FORM_IDS = ["hazard_survey", "progress_report", "accident_report"]
LANGS = ["English (en)", "Azərbaycan (az)", "Русский (ru)"]
ANAMA = "Azerbaijan National Agency for Mine Action"
HAZARD = box(46.950, 39.950, 46.960, 39.956)

# instance ids of the sample submissions
P1 = "3f1c9a52-7d4e-4b8a-9c61-2a5e8f0d4b11"  # ODK Central CSV, progress report 1
P2 = "8b0e6d27-1a3f-4c59-b2d8-74f9e3a1c605"
P3 = "c47d2e90-5b61-4f3a-8e0c-19ab63d7f2e4"
K1 = "e8a25f60-4c1b-4d9e-b7a3-0f6d2c8e1b94"  # KoboToolbox JSON, progress report 1
K2 = "27b9c4d1-6a0e-4f83-9d25-b1e7f3a5c046"
A1 = "5e2a7c14-9d3b-4f60-a8e1-3c7b2d9f0a56"  # ODK Central JSON, accident reports
A2 = "91c3e8b5-0f2a-4d76-bc19-6e4a7f2d3b80"
A3 = "d6f0b2a8-3e7c-4915-a4d2-8c1e5b9f6a07"
H1 = "a9d4f1e2-6c38-4b7a-9f05-8e2c1d3b7a64"  # KoboToolbox CSV, hazard surveys
H2 = "f03b8c71-2e9d-4a15-b6c4-5d7e9a0f1c28"
H3 = "6e17a3c9-84b2-4f0d-9a5e-c2d8f1b07e35"


@pytest.fixture
def forms_db(store: Store) -> Store:
    """The seeded database plus ANAMA and hazard HAZ-AGD-0042, which the reports name."""
    with store.session() as s:
        reg = Registry(s)
        reg.add(
            "organisations",
            {"local_id": "ORG-ANAMA", "name": ANAMA, "short_name": "ANAMA", "kind": "operator"},
        )
        reg.add(
            "hazards",
            {
                "local_id": "HAZ-AGD-0042",
                "kind": "CHA",
                "geometry": HAZARD,
                "location": "Agdam District",
            },
        )
    return store


def records(store: Store, kind: str) -> dict[str, dict[str, Any]]:
    table = table_of(kind)
    with store.session() as s:
        rows = s.execute(select(table.__table__)).mappings()  # type: ignore[attr-defined]
        return {r["local_id"]: dict(r) for r in rows}


def id_of(store: Store, table: Any, column: str, value: str) -> int:
    with store.session() as s:
        return int(s.execute(select(table.id).where(getattr(table, column) == value)).scalar_one())


def counts(store: Store) -> dict[str, int]:
    with store.session() as s:
        kinds = ("hazards", "activities", "finds", "accidents", "victims")
        return {k: count(s, k) for k in kinds}


def central_zip(tmp_path: Path) -> Path:
    """The sample folder zipped as ODK Central's 'Download all submissions' zips it."""
    path = tmp_path / "progress_report.zip"
    with zipfile.ZipFile(path, "w") as z:
        for f in sorted((DATA / "central_progress_report").iterdir()):
            z.write(f, f.name)
    return path


def ring(*corners: tuple[float, float]) -> Polygon:
    return Polygon(corners)


# --- the forms ----------------------------------------------------------------------------


def sheet_rows(form_id: str, sheet: str) -> list[dict[str, Any]]:
    """A sheet of a committed XLSForm as dicts by column header."""
    return _rows_of(FORMS_DIR / f"{form_id}.xlsx", sheet)


def test_form_ids() -> None:
    from clearground.intake.fieldforms import FORM_IDS as declared
    from clearground.intake.fieldforms.forms import FORMS

    assert list(declared) == list(FORMS) == FORM_IDS


@pytest.mark.parametrize("form_id", FORM_IDS)
def test_xlsform_converts_with_pyxform(form_id: str) -> None:
    warnings: list[str] = []
    # ODK Validate (Java) checks the XForm too where Java is installed
    result = convert(
        str(FORMS_DIR / f"{form_id}.xlsx"), warnings=warnings, validate=bool(shutil.which("java"))
    )
    assert warnings == []
    xform = result.xform
    assert f'id="{form_id}"' in xform
    for lang in LANGS:
        assert f'<translation lang="{lang}"' in xform
    assert "geoshape" in xform or "geopoint" in xform
    if form_id != "hazard_survey":
        assert "jr:template" in xform or "<repeat" in xform


@pytest.mark.parametrize("form_id", FORM_IDS)
def test_committed_xlsforms_are_what_the_script_writes(form_id: str, tmp_path: Path) -> None:
    [fresh] = build.write_forms(tmp_path, [form_id])
    for sheet in ("survey", "choices", "settings"):
        assert sheet_rows(form_id, sheet) == _rows_of(fresh, sheet), sheet


def _rows_of(path: Path, sheet: str) -> list[dict[str, Any]]:
    book = openpyxl.load_workbook(path, read_only=True)
    rows = list(book[sheet].iter_rows(values_only=True))
    book.close()
    header = [str(h) for h in rows[0]]
    return [dict(zip(header, r, strict=True)) for r in rows[1:]]


@pytest.mark.parametrize("form_id", FORM_IDS)
def test_every_question_and_choice_has_all_three_labels(form_id: str) -> None:
    survey = sheet_rows(form_id, "survey")
    labelled = [r for r in survey if r["type"] not in ("start", "end", "end_group", "end_repeat")]
    assert len(labelled) >= 10
    for row in labelled:
        labels = [row[f"label::{lang}"] for lang in LANGS]
        assert all(isinstance(x, str) and x.strip() for x in labels), row["name"]
        assert len(set(labels)) == 3, row["name"]  # translated, not copied
        for prefix in ("hint", "constraint_message"):
            texts = [row[f"{prefix}::{lang}"] for lang in LANGS]
            assert all(texts) or not any(texts), (row["name"], prefix)
        if row["constraint"]:
            assert all(row[f"constraint_message::{lang}"] for lang in LANGS), row["name"]
    for choice in sheet_rows(form_id, "choices"):
        assert all(choice[f"label::{lang}"] for lang in LANGS), choice
    settings = sheet_rows(form_id, "settings")
    assert settings[0]["form_id"] == form_id and settings[0]["default_language"] == LANGS[0]


def test_dates_are_required_and_never_in_the_future() -> None:
    for form_id in FORM_IDS:
        for row in sheet_rows(form_id, "survey"):
            if row["type"] == "date":
                assert "<= today()" in row["constraint"], (form_id, row["name"])
    survey = {r["name"]: r for r in sheet_rows("progress_report", "survey")}
    assert survey["start_date"]["required"] == "yes"
    assert survey["end_date"]["constraint"] == ". >= ${start_date} and . <= today()"
    assert survey["area"]["type"] == "geoshape" and survey["area"]["required"] == "yes"
    assert survey["rpt_finds"]["type"] == "begin_repeat"
    accident = {r["name"]: r for r in sheet_rows("accident_report", "survey")}
    assert accident["position"]["type"] == "geopoint"
    assert accident["rpt_victims"]["type"] == "begin_repeat"


def test_choice_lists_are_the_model_vocabularies() -> None:
    lists: dict[str, list[str]] = {}
    for form_id in FORM_IDS:
        for c in sheet_rows(form_id, "choices"):
            lists.setdefault(c["list_name"], [])
            if c["name"] not in lists[c["list_name"]]:
                lists[c["list_name"]].append(c["name"])
    expected = {
        "hazard_kind": ["SHA", "CHA"],
        "hazard_status": ["open", "in_work", "closed"],
        "contamination": ["mined_area", "battle_area", "mixed"],
        "blockage": ["road", "agriculture", "housing", "water", "infrastructure"],
        "activity_kind": ["nts", "ts", "clearance", "eod", "bac", "qa_qc", "handover"],
        "release_result": ["cancelled", "reduced", "cleared", "none"],
        "method": ["manual", "mechanical", "mdd", "mixed", "survey"],
        "disposal": ["destroyed_in_situ", "removed", "detonated", "rendered_safe"],
        "accident_kind": ["accident", "incident"],
        "victim_status": ["civilian", "military", "deminer"],
        "outcome": ["killed", "injured"],
        "sex": ["female", "male", "unknown"],
        "age_group": ["child", "adult", "unknown"],
        "device_category": ["ap_mine", "at_mine", "uxo", "axo", "ied", "submunition"],
    }
    for name, values in expected.items():
        assert lists[name] == values, name
    # and the model says the same (the lists above are written out, not imported)
    assert [m.value for m in e.ActivityKind] == expected["activity_kind"]
    assert [m.value for m in e.Disposal] == expected["disposal"]
    assert lists["ordnance"] == [code for code, *_ in ORDNANCE]
    assert "PMN-2" in lists["ordnance"] and "E-001 M" in lists["ordnance"]


def test_every_district_choice_is_a_district_of_the_registry(store: Store) -> None:
    from clearground.intake.fieldforms.forms import DISTRICT_NAMES

    names = [
        c["name"] for c in sheet_rows("hazard_survey", "choices") if c["list_name"] == "district"
    ]
    assert names[-1] == "other" and "agdam" in names and "fuzuli" in names
    with store.session() as s:
        reg = Registry(s)
        for name in names[:-1]:
            reg.lookup(t.Location, "name", DISTRICT_NAMES[name])  # raises if unknown


def test_forms_export_command(tmp_path: Path) -> None:
    proc = run_cli("forms", "export", str(tmp_path / "out"), "--json")
    doc = json.loads(proc.stdout)
    assert sorted(f["form_id"] for f in doc["forms"]) == sorted(FORM_IDS)
    for form_id in FORM_IDS:
        written = tmp_path / "out" / f"{form_id}.xlsx"
        for sheet in ("survey", "choices", "settings"):
            assert _rows_of(written, sheet) == sheet_rows(form_id, sheet)
    proc = run_cli("forms", "export", str(tmp_path / "x"), "--form", "nope", check=False)
    assert proc.returncode == 2 and "hazard_survey" in proc.stderr


# --- reading values -----------------------------------------------------------------------


def test_geopoint_and_geoshape_texts() -> None:
    assert parse_geopoint("39.9512 46.9521 412.3 4.1").equals(Point(46.9521, 39.9512))
    assert parse_geopoint("39.9 46.9").equals(Point(46.9, 39.9))
    assert parse_geopoint([39.9, 46.9]).equals(Point(46.9, 39.9))  # Kobo's _geolocation
    assert parse_geopoint({"type": "Point", "coordinates": [46.9, 39.9, 300.0]}).equals(
        Point(46.9, 39.9)
    )
    shape = parse_geoshape("39.95 46.95 0 0;39.95 46.96 0 0;39.956 46.96 0 0;39.95 46.95 0 0;")
    assert shape.equals(ring((46.95, 39.95), (46.96, 39.95), (46.96, 39.956)))
    with pytest.raises(ValueError):
        parse_geoshape("39.95 46.95 0 0;39.95 46.96 0 0")
    with pytest.raises(ValueError):
        parse_geopoint("39.95")


def test_labels_in_any_language_are_taken_as_their_choice() -> None:
    assert choice_value("hazard_status", "Açıq") == "open"
    assert choice_value("hazard_status", "В работе") == "in_work"
    assert choice_value("district", "Füzuli") == "fuzuli"
    assert choice_value("hazard_kind", "CHA") == "CHA"
    assert choice_value("hazard_status", "half open") == "half open"  # refused later, named


# --- the four export flavours -------------------------------------------------------------


def test_odk_central_csv_zip(forms_db: Store, tmp_path: Path) -> None:
    path = central_zip(tmp_path)
    proc = run_cli("import", "progress_report", str(path), "--db", forms_db.url, "--json")
    report = json.loads(proc.stdout)
    assert report["flavour"] == "ODK Central CSV" and report["rows"] == 3
    assert report["by_kind"] == {
        "activities": {"created": 3, "updated": 0, "unchanged": 0},
        "finds": {"created": 3, "updated": 0, "unchanged": 0},
    }
    acts = records(forms_db, "activities")
    anama = id_of(forms_db, t.Organisation, "name", ANAMA)
    hazard = id_of(forms_db, t.Hazard, "local_id", "HAZ-AGD-0042")
    a1 = acts[f"ODK-{P1}"]
    assert (a1["kind"], a1["method"], a1["result"]) == ("clearance", "manual", "cleared")
    assert (a1["start_date"], a1["end_date"]) == (dt.date(2023, 5, 2), dt.date(2023, 5, 11))
    assert (a1["depth_cm"], a1["team_days"]) == (13, 18.5)
    assert a1["organisation_id"] == anama and a1["hazard_id"] == hazard  # "ANAMA": short name
    assert a1["reported_by"] == "Rauf Məmmədov" and a1["info_date"] == dt.date(2023, 5, 12)
    assert a1["review_status"] == "submitted" and a1["version"] == 1
    assert a1["geometry"].equals(box(46.950, 39.950, 46.955, 39.953))
    a2, a3 = acts[f"ODK-{P2}"], acts[f"ODK-{P3}"]
    assert (a2["kind"], a2["result"], a2["organisation_id"]) == ("ts", "reduced", anama)
    assert (a3["kind"], a3["result"], a3["depth_cm"]) == ("nts", "cancelled", None)
    finds = records(forms_db, "finds")
    assert set(finds) == {f"ODK-{P1}-F1", f"ODK-{P1}-F2", f"ODK-{P2}-F1"}
    f1 = finds[f"ODK-{P1}-F1"]
    assert f1["ordnance_id"] == id_of(forms_db, t.Ordnance, "code", "PMN-2")
    assert (f1["quantity"], f1["found_date"], f1["disposal"]) == (
        3,
        dt.date(2023, 5, 4),
        "destroyed_in_situ",
    )
    assert f1["geometry"].equals(Point(46.9521, 39.9512))
    assert f1["activity_id"] == a1["id"] and f1["reported_by"] == "Rauf Məmmədov"
    f2 = finds[f"ODK-{P1}-F2"]
    assert f2["ordnance_id"] == id_of(forms_db, t.Ordnance, "code", "TM-62M")
    assert f2["disposal"] == "removed"
    f3 = finds[f"ODK-{P2}-F1"]
    assert f3["ordnance_id"] == id_of(forms_db, t.Ordnance, "code", "E-001 M")
    assert f3["activity_id"] == a2["id"] and f3["geometry"].equals(Point(46.9583, 39.9517))
    # the unpacked folder reads the same; a second import changes nothing
    folder = DATA / "central_progress_report"
    report = import_form(forms_db, "progress_report", folder).to_dict()
    assert report["by_kind"]["activities"] == {"created": 0, "updated": 0, "unchanged": 3}
    assert report["by_kind"]["finds"] == {"created": 0, "updated": 0, "unchanged": 3}


def test_odk_central_json(forms_db: Store) -> None:
    report = import_form(forms_db, "accident_report", DATA / "central_accident_report.json")
    assert report.flavour == "ODK Central JSON" and report.written, report.issues
    assert report.by_kind["accidents"]["created"] == 3
    assert report.by_kind["victims"]["created"] == 3
    accidents = records(forms_db, "accidents")
    tartar = accidents[f"ODK-{A1}"]
    assert (tartar["kind"], tartar["accident_date"]) == ("incident", dt.date(2022, 10, 1))
    assert tartar["location_id"] == id_of(forms_db, t.Location, "name", "Tartar District")
    assert tartar["ordnance_id"] == id_of(forms_db, t.Ordnance, "code", "PMN-2")
    assert tartar["geometry"].equals(Point(46.9312, 40.3405))
    assert tartar["description"].startswith("Two civilians from Tartar")
    assert tartar["reported_by"] == "Elvin Quliyev" and tartar["info_date"] == dt.date(2022, 10, 2)
    fuzuli = accidents[f"ODK-{A2}"]
    assert fuzuli["kind"] == "accident"
    assert fuzuli["location_id"] == id_of(forms_db, t.Location, "name", "Fuzuli District")
    assert fuzuli["ordnance_id"] == id_of(forms_db, t.Ordnance, "code", "POMZ-2M")
    tractor = accidents[f"ODK-{A3}"]
    assert tractor["ordnance_id"] is None and tractor["geometry"].equals(Point(46.992, 39.968))
    victims = records(forms_db, "victims")
    assert set(victims) == {f"ODK-{A1}-V1", f"ODK-{A1}-V2", f"ODK-{A2}-V1"}
    v1, v2 = victims[f"ODK-{A1}-V1"], victims[f"ODK-{A1}-V2"]
    assert (v1["sex"], v1["age"], v1["age_group"]) == ("male", 42, "adult")
    assert (v1["status"], v1["outcome"], v1["activity_at_time"]) == (
        "civilian",
        "injured",
        "collecting",
    )
    assert v1["injuries"] == "Lost the right leg below the knee"
    assert v1["accident_id"] == tartar["id"] and v2["age"] == 37
    assert v1["home_location_id"] == id_of(forms_db, t.Location, "name", "Tartar District")
    deminer = victims[f"ODK-{A2}-V1"]
    assert (deminer["status"], deminer["outcome"], deminer["name"]) == (
        "deminer",
        "killed",
        "R. Abbasov",
    )
    # typed as "Göygöl" under "other"
    assert deminer["home_location_id"] == id_of(forms_db, t.Location, "name", "Goygol District")


def test_kobo_csv(forms_db: Store) -> None:
    report = import_form(forms_db, "hazard_survey", DATA / "kobo_hazard_survey.csv")
    assert report.flavour == "KoboToolbox CSV" and report.written, report.issues
    assert report.issues == []  # every column of the file was understood
    hazards = records(forms_db, "hazards")
    assert len(hazards) == 4  # with HAZ-AGD-0042
    h1 = hazards[f"ODK-{H1}"]
    assert (h1["kind"], h1["contamination"], h1["status"]) == ("CHA", "mined_area", "open")
    assert h1["location_id"] == id_of(forms_db, t.Location, "name", "Agdam District")
    assert h1["name"] == "Kəngərli kəndinin qərbi, üzüm bağı"
    assert h1["estimated_area_m2"] == pytest.approx(215_000)  # 21.5 ha
    assert sorted(h1["blockages"]) == ["agriculture", "road"]
    assert h1["expected_devices"] == "ap_mine, at_mine"
    assert h1["evidence"].startswith("Two PMN-2 seen")
    assert h1["reported_by"] == "Nigar Rəhimova" and h1["info_date"] == dt.date(2023, 4, 18)
    corners = [(46.970, 39.960), (46.976, 39.960), (46.976, 39.964), (46.970, 39.964)]
    assert h1["geometry"].equals(ring(*corners))
    lons, lats = zip(*corners, strict=True)
    geodesic, _ = Geod(ellps="WGS84").polygon_area_perimeter(lons, lats)
    assert h1["area_m2"] == pytest.approx(abs(geodesic), rel=1e-3)
    h2, h3 = hazards[f"ODK-{H2}"], hazards[f"ODK-{H3}"]
    assert (h2["kind"], h2["contamination"], h2["estimated_area_m2"]) == (
        "SHA",
        "battle_area",
        None,
    )
    assert h2["location_id"] == id_of(forms_db, t.Location, "name", "Fuzuli District")
    assert h2["expected_devices"] == "uxo" and h2["blockages"] == ["agriculture"]
    # "other" district typed as "Xocavənd"
    assert h3["location_id"] == id_of(forms_db, t.Location, "name", "Khojavend District")
    assert sorted(h3["blockages"]) == ["housing", "water"] and h3["contamination"] == "mixed"


def test_kobo_json(forms_db: Store) -> None:
    report = import_form(forms_db, "progress_report", DATA / "kobo_progress_report.json")
    assert report.flavour == "KoboToolbox JSON" and report.written, report.issues
    acts = records(forms_db, "activities")
    assert set(acts) == {f"ODK-{K1}", f"ODK-{K2}"}
    k1, k2 = acts[f"ODK-{K1}"], acts[f"ODK-{K2}"]
    anama = id_of(forms_db, t.Organisation, "name", ANAMA)
    assert (k1["method"], k1["result"], k1["depth_cm"], k1["team_days"]) == (
        "mdd",
        "cleared",
        15,
        7.5,
    )
    assert k1["organisation_id"] == anama == k2["organisation_id"]
    assert k1["geometry"].equals(box(46.958, 39.953, 46.960, 39.956))
    assert (k2["kind"], k2["result"], k2["end_date"]) == ("eod", "none", dt.date(2023, 8, 15))
    assert k1["info_date"] == dt.date(2023, 8, 11) and k1["reported_by"] == "Tural Əliyev"
    finds = records(forms_db, "finds")
    assert set(finds) == {f"ODK-{K1}-F1", f"ODK-{K1}-F2", f"ODK-{K2}-F1"}
    ozm = finds[f"ODK-{K1}-F2"]
    assert ozm["ordnance_id"] == id_of(forms_db, t.Ordnance, "code", "OZM-72")
    assert (ozm["disposal"], ozm["found_date"]) == ("rendered_safe", dt.date(2023, 8, 8))
    assert ozm["geometry"].equals(Point(46.9594, 39.9553)) and ozm["activity_id"] == k1["id"]
    mortar = finds[f"ODK-{K2}-F1"]
    assert (mortar["quantity"], mortar["activity_id"]) == (2, k2["id"])


def test_kobo_json_geolocation_fills_a_missing_geopoint(forms_db: Store, tmp_path: Path) -> None:
    doc = json.loads((DATA / "central_accident_report.json").read_text())
    first = doc["value"][0]
    kobo = {
        "_uuid": A1,
        "_submission_time": "2022-10-02T08:12:44",
        "grp_report/enumerator": "Elvin Quliyev",
        "grp_accident/kind": "incident",
        "grp_accident/accident_date": "2022-10-01",
        "grp_accident/district": "Tərtər",  # a label, as "Export labels" writes it
        "grp_accident/description": first["grp_accident"]["description"],
        "grp_accident/has_victims": "no",
        "_geolocation": [40.3405, 46.9312],
    }
    path = tmp_path / "kobo.json"
    path.write_text(json.dumps([kobo]))
    report = import_form(forms_db, "accident_report", path)
    assert report.written, report.issues
    accident = records(forms_db, "accidents")[f"ODK-{A1}"]
    assert accident["geometry"].equals(Point(46.9312, 40.3405))
    assert accident["location_id"] == id_of(forms_db, t.Location, "name", "Tartar District")


# --- resubmissions ------------------------------------------------------------------------


def test_resubmission_updates_instead_of_duplicating(forms_db: Store, tmp_path: Path) -> None:
    source = DATA / "kobo_progress_report.json"
    assert import_form(forms_db, "progress_report", source).written
    doc = json.loads(source.read_text())
    edited = copy.deepcopy(doc)
    k1 = edited["results"][0]
    k1["rpt_finds"][0]["rpt_finds/quantity"] = "3"  # was 2
    k1["grp_activity/team_days"] = "8"  # was 7.5
    del k1["rpt_finds"][1]  # the OZM-72 entered by mistake
    k1["_id"] = 190299999  # Kobo's row id may change; the _uuid does not
    path = tmp_path / "again.json"
    path.write_text(json.dumps(edited))
    proc = run_cli("import", "progress_report", str(path), "--db", forms_db.url, "--json")
    report = json.loads(proc.stdout)
    assert report["by_kind"] == {
        "activities": {"created": 0, "updated": 1, "unchanged": 1},
        "finds": {"created": 0, "updated": 1, "unchanged": 1},
    }
    assert counts(forms_db)["activities"] == 2 and counts(forms_db)["finds"] == 3
    [dropped] = [i for i in report["issues"] if i["check"] == "removed_item"]
    assert dropped["row"] == 1 and f"ODK-{K1}-F2" in dropped["reason"]
    find = records(forms_db, "finds")[f"ODK-{K1}-F1"]
    assert (find["version"], find["quantity"]) == (2, 3)
    with forms_db.session() as s:
        history = Registry(s).history("finds", find["id"])
    assert [(v["version"], v["data"]["quantity"]) for v in history] == [(1, 2), (2, 3)]
    activity = records(forms_db, "activities")[f"ODK-{K1}"]
    assert (activity["version"], activity["team_days"]) == (2, 8.0)
    assert records(forms_db, "activities")[f"ODK-{K2}"]["version"] == 1


def test_edit_in_odk_central_keeps_the_submission_id(forms_db: Store, tmp_path: Path) -> None:
    source = DATA / "central_accident_report.json"
    assert import_form(forms_db, "accident_report", source).written
    doc = json.loads(source.read_text())
    second = doc["value"][1]
    # an edit in Central: a new instanceID, the old one deprecated, __id unchanged
    second["meta"] = {
        "instanceID": "uuid:0a0b0c0d-1111-4222-8333-444455556666",
        "deprecatedID": f"uuid:{A2}",
    }
    second["rpt_victims"][0]["age"] = 30
    second["__system"]["edits"] = 1
    path = tmp_path / "edited.json"
    path.write_text(json.dumps(doc))
    report = import_form(forms_db, "accident_report", path)
    assert report.by_kind["accidents"] == {"created": 0, "updated": 0, "unchanged": 3}
    assert report.by_kind["victims"] == {"created": 0, "updated": 1, "unchanged": 2}
    victim = records(forms_db, "victims")[f"ODK-{A2}-V1"]
    assert (victim["version"], victim["age"]) == (2, 30)
    assert counts(forms_db)["victims"] == 3


def test_edit_in_kobo_is_matched_by_its_root_uuid(forms_db: Store, tmp_path: Path) -> None:
    source = DATA / "kobo_progress_report.json"
    assert import_form(forms_db, "progress_report", source).written
    doc = json.loads(source.read_text())
    k2 = doc["results"][1]
    # an edit in KoboToolbox: a new _uuid and instanceID; meta/rootUuid names the original
    k2["_uuid"] = "9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a"
    k2["meta/instanceID"] = "uuid:9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a"
    k2["meta/deprecatedID"] = f"uuid:{K2}"
    k2["meta/rootUuid"] = f"uuid:{K2}"
    k2["rpt_finds"][0]["rpt_finds/disposal"] = "destroyed_in_situ"  # was removed
    path = tmp_path / "edited.json"
    path.write_text(json.dumps(doc))
    report = import_form(forms_db, "progress_report", path)
    assert report.by_kind["finds"] == {"created": 0, "updated": 1, "unchanged": 2}
    mortar = records(forms_db, "finds")[f"ODK-{K2}-F1"]
    assert (mortar["version"], mortar["disposal"]) == (2, "destroyed_in_situ")
    assert counts(forms_db)["activities"] == 2


def test_same_uuid_twice_in_one_file_keeps_the_later(forms_db: Store, tmp_path: Path) -> None:
    doc = json.loads((DATA / "kobo_progress_report.json").read_text())
    later = copy.deepcopy(doc["results"][0])
    later["_submission_time"] = "2023-08-12T09:00:00"
    later["rpt_finds"][0]["rpt_finds/quantity"] = "5"
    doc["results"].append(later)
    path = tmp_path / "twice.json"
    path.write_text(json.dumps(doc))
    report = import_form(forms_db, "progress_report", path)
    assert report.written and report.rows == 3
    [warning] = [i for i in report.issues if i.check == "resubmitted"]
    assert warning.row == 1 and "submission 3" in warning.reason
    assert records(forms_db, "finds")[f"ODK-{K1}-F1"]["quantity"] == 5
    assert counts(forms_db)["activities"] == 2


# --- refusals -----------------------------------------------------------------------------


def bad_kobo(tmp_path: Path) -> Path:
    doc = json.loads((DATA / "kobo_progress_report.json").read_text())
    doc["results"][0]["rpt_finds"][0]["rpt_finds/position"] = "40.18 44.51 990 5"  # Yerevan
    doc["results"][1]["rpt_finds"][0]["rpt_finds/ordnance"] = "PMN-3"  # not in the catalogue
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc))
    return path


def test_bad_submission_refuses_the_whole_file(forms_db: Store, tmp_path: Path) -> None:
    before = counts(forms_db)
    path = bad_kobo(tmp_path)
    proc = run_cli("import", "progress_report", str(path), "--db", forms_db.url, check=False)
    assert proc.returncode == 2
    assert "submission 2" in proc.stderr and "rpt_finds/ordnance" in proc.stderr
    assert "Nothing was written" in proc.stderr
    proc = run_cli(
        "import", "progress_report", str(path), "--db", forms_db.url, "--json", check=False
    )
    assert proc.returncode == 2
    report = json.loads(proc.stdout)
    assert not report["written"] and report["created"] == 0
    errors = [i for i in report["issues"] if i["severity"] == "error"]
    assert sorted((i["row"], i["field"], i["check"]) for i in errors) == [
        (1, "rpt_finds/position", "outside_country"),
        (2, "rpt_finds/ordnance", "unknown_reference"),
    ]
    ordnance = next(i for i in errors if i["row"] == 2)
    assert ordnance["value"] == "PMN-3" and ordnance["record"] == f"ODK-{K2}-F1"
    assert counts(forms_db) == before


def test_skip_invalid_leaves_out_whole_submissions(forms_db: Store, tmp_path: Path) -> None:
    doc = json.loads((DATA / "kobo_progress_report.json").read_text())
    doc["results"][1]["rpt_finds"][0]["rpt_finds/ordnance"] = "PMN-3"
    path = tmp_path / "one_bad.json"
    path.write_text(json.dumps(doc))
    dry = import_form(forms_db, "progress_report", path, skip_invalid=True, dry_run=True)
    assert not dry.written and dry.by_kind["activities"]["created"] == 1
    assert counts(forms_db)["activities"] == 0
    report = import_form(forms_db, "progress_report", path, skip_invalid=True)
    assert report.written and report.rejected_rows == [2]
    # submission 2's activity was fine, but its find was not: the submission stays out whole
    assert set(records(forms_db, "activities")) == {f"ODK-{K1}"}
    assert set(records(forms_db, "finds")) == {f"ODK-{K1}-F1", f"ODK-{K1}-F2"}
    rejects = Path(str(report.reject_file)).read_text(encoding="utf-8")
    assert K2 in rejects and "PMN-3" in rejects


def test_unreadable_answers_are_named(forms_db: Store, tmp_path: Path) -> None:
    doc = json.loads((DATA / "kobo_progress_report.json").read_text())
    doc["results"][0]["grp_activity/area"] = "39.953 46.958 0 0;39.953"
    doc["results"][1]["grp_activity/start_date"] = "15/08/2023"
    path = tmp_path / "unreadable.json"
    path.write_text(json.dumps(doc))
    report = import_form(forms_db, "progress_report", path)
    assert not report.written
    errors = {(i.row, i.field, i.check) for i in report.issues if i.severity == "error"}
    assert errors == {
        (1, "grp_activity/area", "unparseable"),
        (2, "grp_activity/start_date", "unparseable"),
    }
    assert counts(forms_db)["activities"] == 0


def test_exports_without_the_repeats_are_refused(forms_db: Store, tmp_path: Path) -> None:
    main = tmp_path / "progress_report.csv"
    shutil.copy(DATA / "central_progress_report" / "progress_report.csv", main)
    report = import_form(forms_db, "progress_report", main)
    assert not report.written
    assert [i.check for i in report.file_errors] == ["missing_repeat"]
    assert "rpt_finds" in report.file_errors[0].reason
    # beside its repeat file, the main CSV alone is enough
    shutil.copy(DATA / "central_progress_report" / "progress_report-rpt_finds.csv", tmp_path)
    assert import_form(forms_db, "progress_report", main).by_kind["finds"]["created"] == 3


def test_submissions_rejected_in_central_are_not_imported(forms_db: Store, tmp_path: Path) -> None:
    doc = json.loads((DATA / "central_accident_report.json").read_text())
    doc["value"][2]["__system"]["reviewState"] = "rejected"
    path = tmp_path / "reviewed.json"
    path.write_text(json.dumps(doc))
    report = import_form(forms_db, "accident_report", path)
    assert report.written
    assert set(records(forms_db, "accidents")) == {f"ODK-{A1}", f"ODK-{A2}"}
    assert [(i.row, i.check) for i in report.issues] == [(3, "rejected_in_source")]


def test_the_wrong_form_is_refused(forms_db: Store) -> None:
    proc = run_cli(
        "import",
        "accident_report",
        str(DATA / "kobo_hazard_survey.csv"),
        "--db",
        forms_db.url,
        check=False,
    )
    assert proc.returncode == 2 and "accident_report" in proc.stderr
    assert counts(forms_db)["accidents"] == 0
