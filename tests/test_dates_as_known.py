"""Dates as they are known (issue 24 item 3): an accident's date known to the day, the
month, the year or not at all; a mapping building it from year and month columns;
statistics by year counting unknown dates apart; edits and exports keeping the precision."""

from __future__ import annotations

import collections
import csv
import datetime as dt
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from clearground.domain.dates import (
    check_known_date,
    date_from_parts,
    known_text,
    last_day,
    read_known_date,
)
from clearground.domain.errors import BadInput
from clearground.intake.checks import check_dates
from clearground.store import tables as t
from clearground.store.database import Store
from clearground.store.repository import Registry
from clearground.web.dashboard import casualties_by_year
from tests.conftest import run_cli

# A registry as published: one row per accident with año and mes columns, some without
# the month, some without any date; (local id, año, mes, victims killed, victims injured)
REGISTRY = [
    ("EV-01", "2004", "6", 1, 0),
    ("EV-02", "2004", "", 0, 2),
    ("EV-03", "2005", "marzo", 0, 1),
    ("EV-04", "", "", 2, 1),
    ("EV-05", "2006", "12", 0, 1),
    ("EV-06", "", "7", 1, 0),  # a month without a year says nothing of when
    ("EV-07", "2005", "11", 1, 1),
]


def test_date_parts_give_the_precision_they_know() -> None:
    assert date_from_parts("2004", "6", "21") == (dt.date(2004, 6, 21), "day")
    assert date_from_parts("2004", "06") == (dt.date(2004, 6, 1), "month")
    assert date_from_parts(2004.0, "Marzo") == (dt.date(2004, 3, 1), "month")
    assert date_from_parts("2004", None) == (dt.date(2004, 1, 1), "year")
    assert date_from_parts(None, "7") == (None, "unknown")
    assert date_from_parts(float("nan")) == (None, "unknown")
    for bad in (("2004", "13"), ("2004", "2", "30"), ("20x4",), ("2004.5",)):
        with pytest.raises(ValueError):
            date_from_parts(*bad)


def test_text_known_to_its_year_or_month() -> None:
    assert read_known_date("2004") == (dt.date(2004, 1, 1), "year")
    assert read_known_date(" 2004-06 ") == (dt.date(2004, 6, 1), "month")
    assert read_known_date("") == (None, "unknown")
    assert read_known_date("unknown") == (None, "unknown")
    assert read_known_date("2004-06-21") is None  # a full date is read as any other
    assert read_known_date("2004-13") is None
    assert known_text(dt.date(2004, 6, 1), "month") == "2004-06"
    assert known_text(None, "unknown") == "unknown"
    assert last_day(dt.date(2004, 2, 1), "month") == dt.date(2004, 2, 29)
    assert last_day(dt.date(2005, 1, 1), "year") == dt.date(2005, 12, 31)


def test_a_date_and_its_precision_are_checked_together() -> None:
    row: dict[str, object] = {
        "accident_date": dt.date(2004, 6, 21),
        "accident_date_precision": "year",
    }
    check_known_date(row, "accident_date")
    assert row == {"accident_date": dt.date(2004, 1, 1), "accident_date_precision": "year"}
    row = {"accident_date": None}
    check_known_date(row, "accident_date")
    assert row["accident_date_precision"] == "unknown"
    with pytest.raises(BadInput) as info:
        check_known_date(
            {"accident_date": dt.date(2004, 6, 21), "accident_date_precision": "unknown"},
            "accident_date",
        )
    assert info.value.field == "accident_date_precision"
    with pytest.raises(BadInput) as info:
        check_known_date({"accident_date_precision": "month"}, "accident_date")
    assert info.value.field == "accident_date"


@given(
    st.one_of(st.none(), st.text(max_size=6), st.integers(-5, 10_000)),
    st.one_of(st.none(), st.text(max_size=10), st.integers(-5, 20)),
    st.one_of(st.none(), st.text(max_size=4), st.integers(-5, 40)),
)
def test_any_parts_give_a_date_or_a_value_error(year, month, day) -> None:
    try:
        date, precision = date_from_parts(year, month, day)
    except ValueError:
        return
    assert (date is None) == (precision == "unknown")
    if date is not None:
        assert date == {"year": date.replace(month=1, day=1), "month": date.replace(day=1)}.get(
            precision, date
        )


def test_a_year_overlapping_the_conflict_start_is_not_before_it() -> None:
    import pandas as pd

    frame = pd.DataFrame(
        {
            "_row": [2, 3, 4],
            "accident_date": [dt.date(2004, 1, 1), dt.date(2003, 1, 1), dt.date(2004, 1, 1)],
            "accident_date_precision": ["year", "year", "day"],
        }
    )
    issues = check_dates(frame, ["accident_date"], dt.date(2004, 6, 1), dt.date(2026, 1, 1))
    assert sorted(i.row for i in issues if i.check == "date_before_conflict") == [3, 4]


def _registry_files(folder: Path) -> tuple[Path, Path, Path]:
    accidents = folder / "eventos.csv"
    with accidents.open("w", encoding="utf-8", newline="") as out:
        w = csv.writer(out)
        w.writerow(["id_evento", "tipo", "año", "mes", "lat", "lon"])
        for i, (lid, year, month, _, _) in enumerate(REGISTRY):
            w.writerow([lid, "incident", year, month, 39.99 - i * 0.01, 46.93])
    victims = folder / "victimas.csv"
    with victims.open("w", encoding="utf-8", newline="") as out:
        w = csv.writer(out)
        w.writerow(["local_id", "accident", "status", "outcome"])
        for lid, _, _, killed, injured in REGISTRY:
            for n, outcome in enumerate(["killed"] * killed + ["injured"] * injured):
                w.writerow([f"{lid}-V{n}", lid, "civilian", outcome])
    mapping = folder / "eventos.yaml"
    mapping.write_text(
        "columns:\n"
        "  local_id: id_evento\n"
        "  kind: tipo\n"
        "  accident_date: {year: año, month: mes}\n"
        "lat: lat\nlon: lon\n",
        encoding="utf-8",
    )
    return accidents, victims, mapping


def _independent_counts(accidents: Path, victims: Path) -> dict[object, dict[str, int]]:
    """Victims per year and outcome, counted from the files with the csv module alone."""
    year_of = {}
    with accidents.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            year_of[row["id_evento"]] = int(row["año"]) if row["año"] else None
    counts: dict[object, dict[str, int]] = collections.defaultdict(collections.Counter)
    with victims.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            counts[year_of[row["accident"]]][row["outcome"]] += 1
    return counts


def test_a_registry_by_year_and_month_in_and_counted(db_url: str, tmp_path: Path) -> None:
    accidents, victims, mapping = _registry_files(tmp_path)
    proc = run_cli(
        "import", "accidents", str(accidents), "--mapping", str(mapping), "--db", db_url, "--json"
    )
    report = json.loads(proc.stdout)
    assert report["created"] == len(REGISTRY), report
    warned = [i for i in report["issues"] if i["check"] == "unknown_date"]
    assert len(warned) == 1 and "2 row(s)" in warned[0]["message"], report["issues"]
    run_cli("import", "victims", str(victims), "--db", db_url)
    for kind in ("accidents", "victims"):
        run_cli("review", "approve", kind, "--db", db_url)
    store = Store(db_url)
    with store.session() as s:
        stored = {
            lid: (d, p)
            for lid, d, p in s.execute(
                select(
                    t.Accident.local_id,
                    t.Accident.accident_date,
                    t.Accident.accident_date_precision,
                )
            )
        }
    store.dispose()
    assert stored["EV-01"] == (dt.date(2004, 6, 1), "month")
    assert stored["EV-02"] == (dt.date(2004, 1, 1), "year")
    assert stored["EV-03"] == (dt.date(2005, 3, 1), "month")
    assert stored["EV-04"] == stored["EV-06"] == (None, "unknown")

    expected = _independent_counts(accidents, victims)
    doc = json.loads(run_cli("stats", "--by", "year", "--db", db_url, "--json").stdout)
    table = {(r["year"], r["outcome"]): r["count"] for r in doc["tables"]["casualties_by_year"]}
    assert table == {(year, outcome): n for year, c in expected.items() for outcome, n in c.items()}
    by_key = {r["key"]: r["casualties_total"] for r in doc["breakdown"]}
    assert by_key == {
        ("unknown" if year is None else str(year)): sum(c.values()) for year, c in expected.items()
    }
    assert sum(by_key.values()) == sum(doc["casualties"].values())  # the parts add up
    # a period holds the dated accidents whose stored first day is in it, never unknown ones
    since = json.loads(run_cli("stats", "--from", "2005-01-01", "--db", db_url, "--json").stdout)[
        "casualties"
    ]
    want = collections.Counter()
    for year, c in expected.items():
        if year is not None and year >= 2005:
            want.update(c)
    assert since == {"killed": want["killed"], "injured": want["injured"]}


def test_an_export_keeps_the_precision_and_reimports_unchanged(db_url: str, tmp_path: Path) -> None:
    accidents, _, mapping = _registry_files(tmp_path)
    run_cli("import", "accidents", str(accidents), "--mapping", str(mapping), "--db", db_url)
    out = tmp_path / "export.csv"
    run_cli("export", "accidents", "--format", "csv", "-o", str(out), "--db", db_url)
    with out.open(encoding="utf-8") as f:
        rows = {r["local_id"]: r for r in csv.DictReader(f)}
    assert (rows["EV-02"]["accident_date"], rows["EV-02"]["accident_date_precision"]) == (
        "2004-01-01",
        "year",
    )
    assert (rows["EV-04"]["accident_date"], rows["EV-04"]["accident_date_precision"]) == (
        "",
        "unknown",
    )
    again = json.loads(run_cli("import", "accidents", str(out), "--db", db_url, "--json").stdout)
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, len(REGISTRY))


def test_an_edit_of_the_date_sets_its_precision(store: Store) -> None:
    with store.session() as s:
        reg = Registry(s, user="officer")
        rid = reg.add(
            "accidents",
            {
                "local_id": "EV-E",
                "kind": "incident",
                "accident_date": "2004",
                "geometry": "POINT (46.93 39.99)",
            },
        )
        assert reg.get("accidents", rid)["accident_date_precision"] == "year"
        reg.edit("accidents", rid, 1, {"accident_date": "2004-06-21"})
        now = reg.get("accidents", rid)
        assert (now["accident_date"], now["accident_date_precision"]) == (
            dt.date(2004, 6, 21),
            "day",
        )
        reg.edit("accidents", rid, 2, {"accident_date_precision": "month"})
        now = reg.get("accidents", rid)
        assert (now["accident_date"], now["accident_date_precision"]) == (
            dt.date(2004, 6, 1),
            "month",
        )
        reg.edit("accidents", rid, 3, {"accident_date": ""})
        now = reg.get("accidents", rid)
        assert (now["accident_date"], now["accident_date_precision"]) == (None, "unknown")
        with pytest.raises(BadInput) as info:
            reg.add(
                "accidents",
                {
                    "local_id": "EV-F",
                    "kind": "incident",
                    "accident_date": "2004-06-21",
                    "accident_date_precision": "soon",
                    "geometry": "POINT (46.93 39.99)",
                },
            )
        assert info.value.field == "accident_date_precision"


def test_a_mapping_with_unknown_date_parts_is_refused(db_url: str, tmp_path: Path) -> None:
    accidents, _, mapping = _registry_files(tmp_path)
    mapping.write_text(
        mapping.read_text("utf-8").replace("month: mes", "mon: mes"), encoding="utf-8"
    )
    proc = run_cli(
        "import",
        "accidents",
        str(accidents),
        "--mapping",
        str(mapping),
        "--db",
        db_url,
        check=False,
    )
    assert proc.returncode == 2, proc.stderr
    assert "columns.accident_date" in proc.stderr and "year, month, day" in proc.stderr


def test_the_dashboard_counts_unknown_years_apart() -> None:
    import pandas as pd

    victims = pd.DataFrame(
        {
            "accident_date": [dt.date(2004, 1, 1), None, dt.date(2006, 5, 1), None],
            "outcome": ["killed", "injured", "injured", "injured"],
        }
    )
    doc = casualties_by_year(victims)
    assert doc["years"] == [2004, 2005, 2006]
    assert doc["series"] == {"killed": [1, 0, 0], "injured": [0, 0, 1]}
    assert doc["unknown"] == {"killed": 0, "injured": 2}
    none_dated = casualties_by_year(victims[victims["accident_date"].isna()])
    assert none_dated["years"] == [] and none_dated["unknown"]["injured"] == 2


def test_the_api_takes_a_date_known_to_its_month_and_checks_its_span(store: Store) -> None:
    from fastapi.testclient import TestClient

    from clearground.web.app import create_app
    from tests.test_ogc import fill

    ids = fill(store)
    client = TestClient(create_app(store.url))
    h = {"Authorization": f"Bearer {ids['tokens']['im_officer']}"}

    def post(local_id: str, date: str) -> object:
        values = {
            "local_id": local_id,
            "kind": "incident",
            "accident_date": date,
            "geometry": {"type": "Point", "coordinates": [46.93, 39.99]},
        }
        return client.post("/api/records/accidents", json={"values": values}, headers=h)

    r = post("EV-API-1", "2004-06")
    assert r.status_code in (200, 201), r.text
    got = client.get(f"/api/records/accidents/{r.json()['id']}", headers=h).json()
    assert (got["accident_date"], got["accident_date_precision"]) == ("2004-06-01", "month")
    future = post("EV-API-2", str(dt.date.today().year + 1))  # the whole year is ahead
    assert future.status_code == 400 and future.json()["error"]["field"] == "accident_date"
    bad = post("EV-API-3", "June 2004")
    assert bad.status_code == 400 and "YYYY-MM" in bad.json()["error"]["message"], bad.text
