"""A country whose municipality names repeat across departments: Colombia, through the CLI.

Real public data (``tests/data/colombia``, see SOURCES.md): DANE's DIVIPOLA municipalities of
Antioquia, Atlántico, Bogotá, Bolívar and Meta, with their official codes and the position of
each municipal seat, and the RELand landmine-event cells of Eastern Antioquia. GRANADA is a
municipality of Antioquia (05313, 114 event cells) and of Meta (50313); SABANALARGA one of
Antioquia and of Atlántico.

The test builds what a centre would onboard: departments and municipalities as DANE's
boundary files name their fields (``DPTO_CCDGO``, ``MPIO_CDPMP``, ``MPIO_CNMBR``), the
outlines being the Voronoi cells of the municipal seats (the real outlines could not be
committed; see SOURCES.md), a department the union of its municipalities' cells. Then, as a
user would: ``init`` with the departments as regions, ``init --add`` with the municipalities
(their parents found from ``DPTO_CCDGO``), the events imported by municipality name with the
department as a parent column. Every expected count comes from the files themselves: codes
from DIVIPOLA, event cells per municipality from RELand's own ``municipio`` column.
"""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from collections import Counter
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from sqlalchemy import select

from clearground.store import tables as t
from clearground.store.database import Store
from tests.conftest import run_cli

DATA = Path(__file__).parent / "data" / "colombia"
RELAND_TO_DANE = {"SAN VICENTE": "SAN VICENTE FERRER"}
"""RELand writes San Vicente Ferrer (05674) by its short name; every other name is DANE's,
less its accents."""


def plain(name: str) -> str:
    nfkd = unicodedata.normalize("NFKD", name)
    return "".join(c for c in nfkd if not unicodedata.combining(c)).upper().strip()


class Colombia:
    def __init__(self, folder: Path) -> None:
        mun = pd.read_csv(DATA / "divipola_municipios.csv", dtype=str)
        self.municipalities = mun
        seats = gpd.GeoDataFrame(
            mun,
            geometry=gpd.points_from_xy(mun.longitud.astype(float), mun.latitud.astype(float)),
            crs=4326,
        )
        frame = shapely.envelope(shapely.MultiPoint(list(seats.geometry))).buffer(0.5)
        cells = shapely.voronoi_polygons(shapely.MultiPoint(list(seats.geometry)), extend_to=frame)
        by_seat = []
        for seat in seats.geometry:
            by_seat.append(next(c for c in cells.geoms if c.contains(seat)).intersection(frame))
        mpio = seats.set_geometry(gpd.GeoSeries(by_seat, crs=4326))
        mpio = mpio.rename(
            columns={
                "dpto_ccdgo": "DPTO_CCDGO",
                "mpio_cdpmp": "MPIO_CDPMP",
                "mpio_cnmbre": "MPIO_CNMBR",
            }
        )
        mpio["MPIO_CCDGO"] = mpio["MPIO_CDPMP"].str[2:]
        self.municipalities_file = folder / "MGN_MPIO_POLITICO.gpkg"
        mpio[["DPTO_CCDGO", "MPIO_CCDGO", "MPIO_CDPMP", "MPIO_CNMBR", "geometry"]].to_file(
            self.municipalities_file
        )
        dpto = (
            mpio.dissolve(by=["DPTO_CCDGO"], aggfunc={"dpto_cnmbre": "first"})
            .reset_index()
            .rename(columns={"dpto_cnmbre": "DPTO_CNMBR"})
        )
        self.departments = dict(zip(dpto["DPTO_CCDGO"], dpto["DPTO_CNMBR"], strict=True))
        self.departments_file = folder / "MGN_DPTO_POLITICO.gpkg"
        dpto[["DPTO_CCDGO", "DPTO_CNMBR", "geometry"]].to_file(self.departments_file)

        # events: RELand's cells with a landmine event, named by municipality as the source
        # names them, with their department in a column of its own
        ev = pd.read_csv(DATA / "reland_cells.csv")
        ev = ev[ev["mines_outcome"] == 1]
        antioquia = {
            plain(n): c
            for n, c in zip(mun.mpio_cnmbre, mun.mpio_cdpmp, strict=True)
            if c.startswith("05")
        }
        self.expected = Counter(antioquia[plain(RELAND_TO_DANE.get(m, m))] for m in ev["municipio"])
        self.events = len(ev)
        table = pd.DataFrame(
            {
                "evento": [f"RELAND-{c}" for c in ev["cell"]],
                "municipio": ev["municipio"],
                "departamento": "ANTIOQUIA",
                "latitud": ev["latitude"],
                "longitud": ev["longitude"],
            }
        )
        self.events_file = folder / "eventos.csv"
        table.to_csv(self.events_file, index=False)
        self.mapping = folder / "eventos.yaml"
        self.mapping.write_text(
            "columns:\n  local_id: evento\n  location: municipio\n"
            "  location_parent: departamento\n"
            "lat: latitud\nlon: longitud\n"
            "values:\n  location:\n    SAN VICENTE: SAN VICENTE FERRER\n"
            "defaults:\n  kind: incident\n  accident_date: '2010-01-01'\n",
            encoding="utf-8",
        )
        self.no_parent = folder / "eventos_sin_departamento.yaml"
        self.no_parent.write_text(
            self.mapping.read_text(encoding="utf-8").replace(
                "  location_parent: departamento\n", ""
            ),
            encoding="utf-8",
        )


@pytest.fixture
def colombia(tmp_path: Path) -> Colombia:
    return Colombia(tmp_path)


def cli_json(*args: str) -> tuple[int, dict[str, Any] | None, str]:
    proc = run_cli(*args, check=False)
    return proc.returncode, (json.loads(proc.stdout) if proc.stdout.strip() else None), proc.stderr


def places(url: str) -> dict[str, tuple[str, str, str | None]]:
    """``{code: (kind, name, parent's code)}`` of every location with a code."""
    store = Store(url)
    with store.session() as s:
        rows = s.execute(
            select(
                t.Location.id,
                t.Location.code,
                t.Location.kind,
                t.Location.name,
                t.Location.parent_id,
            )
        ).all()
    store.dispose()
    code_of = {rid: code for rid, code, *_ in rows}
    return {
        code: (kind, name, code_of.get(parent))
        for _rid, code, kind, name, parent in rows
        if code is not None
    }


def accidents_by_code(url: str) -> Counter[str]:
    store = Store(url)
    with store.session() as s:
        rows = (
            s.execute(
                select(t.Location.code).join(t.Accident, t.Accident.location_id == t.Location.id)
            )
            .scalars()
            .all()
        )
    store.dispose()
    return Counter(rows)


def init_departments(db: str, colombia: Colombia) -> None:
    """A new database whose country is Colombia, its departments as regions."""
    run_cli(
        "init",
        "--db",
        db,
        "--country",
        str(colombia.departments_file),
        "--level",
        "region",
        "--country-name",
        "Colombia",
        "--conflict-start",
        "1990-01-01",
    )


def test_municipalities_by_code_and_parent(empty_db_url: str, colombia: Colombia) -> None:
    db = empty_db_url
    init_departments(db, colombia)
    # the country is there: the municipalities go in as a level of it, on purpose only
    refused = run_cli(
        "init", "--db", db, "--country", str(colombia.municipalities_file), check=False
    )
    assert refused.returncode == 2
    assert "already holds the country Colombia" in refused.stderr and "--add" in refused.stderr
    run_cli("init", "--db", db, "--country", str(colombia.municipalities_file), "--add")

    held = places(db)
    mun = colombia.municipalities
    assert {c for c, (k, _, _) in held.items() if k == "region"} == set(colombia.departments)
    districts = {c: v for c, v in held.items() if v[0] == "district"}
    assert len(districts) == len(mun) == 224
    for code, dpto, name in zip(mun.mpio_cdpmp, mun.dpto_ccdgo, mun.mpio_cnmbre, strict=True):
        assert districts[code][1:] == (name, dpto), code
    repeated = Counter(name for _, name, _ in districts.values())
    assert {n for n, k in repeated.items() if k > 1} == {"GRANADA", "SABANALARGA"}

    # by name alone GRANADA is ambiguous: the rows are refused, naming both, nothing written
    code, report, _ = cli_json(
        "import",
        "accidents",
        str(colombia.events_file),
        "--mapping",
        str(colombia.no_parent),
        "--db",
        db,
        "--json",
    )
    assert code == 2 and report is not None and report["created"] == 0
    granada = [i for i in report["issues"] if i.get("value") == "GRANADA"]
    assert len(granada) == colombia.expected["05313"] == 114
    assert (granada[0]["field"], granada[0]["column"]) == ("location", "municipio")
    assert "GRANADA in ANTIOQUIA, code 05313" in granada[0]["reason"]
    assert "GRANADA in META, code 50313" in granada[0]["reason"]
    assert "05313" in granada[0]["fix"] and "GRANADA, ANTIOQUIA" in granada[0]["fix"]
    assert accidents_by_code(db) == Counter()

    # with the department as the parent column every event is in its municipality
    code, report, err = cli_json(
        "import",
        "accidents",
        str(colombia.events_file),
        "--mapping",
        str(colombia.mapping),
        "--db",
        db,
        "--json",
    )
    assert code == 0, err
    assert report is not None and report["created"] == colombia.events == 1132
    assert accidents_by_code(db) == colombia.expected

    # the export gives each record's municipality code beside its name: it imports again
    # into the same database unchanged, and the names alone would not have done
    export = colombia.events_file.parent / "export.csv"
    run_cli("export", "accidents", "--db", db, "--format", "csv", "-o", str(export))
    rows = list(csv.DictReader(io.StringIO(export.read_text(encoding="utf-8"))))
    assert {r["district_code"] for r in rows} == set(colombia.expected)
    assert Counter(r["district"] for r in rows)["GRANADA"] == 114
    code, report, err = cli_json("import", "accidents", str(export), "--db", db, "--json")
    assert code == 0, err
    assert report is not None
    assert (report["created"], report["updated"], report["unchanged"]) == (0, 0, 1132)


def test_a_place_by_code_or_by_name_within_its_parent(
    empty_db_url: str, colombia: Colombia, tmp_path: Path
) -> None:
    """The three ways to name a municipality, in one file of accidents: code, ``NAME,
    DEPARTMENT`` (in one column or two) and a name only one place has; a name the database
    lacks under that parent is refused."""
    db = empty_db_url
    init_departments(db, colombia)
    run_cli("init", "--db", db, "--country", str(colombia.municipalities_file), "--add")
    seat = colombia.municipalities.set_index("mpio_cdpmp")
    rows = [
        ("ACC-1", "50313", "", "", "50313"),  # Granada, Meta, by code
        ("ACC-2", "", "GRANADA, META", "", "50313"),
        ("ACC-3", "", "SABANALARGA", "ATLÁNTICO", "08638"),
        ("ACC-4", "", "Sabanalarga, Antioquia", "", "05628"),
        ("ACC-5", "", "ARENAL", "", "13042"),  # one of its name
    ]
    file = tmp_path / "accidents.csv"
    with file.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(
            [
                "local_id",
                "district_code",
                "district",
                "district_parent",
                "kind",
                "accident_date",
                "latitude",
                "longitude",
            ]
        )
        for lid, code, name, parent, at in rows:
            lat, lon = float(seat.loc[at, "latitud"]), float(seat.loc[at, "longitud"])
            w.writerow([lid, code, name, parent, "incident", "2015-03-01", lat, lon])
    code, report, err = cli_json("import", "accidents", str(file), "--db", db, "--json")
    assert code == 0, err
    store = Store(db)
    with store.session() as s:
        got = dict(
            s.execute(
                select(t.Accident.local_id, t.Location.code).join(
                    t.Location, t.Location.id == t.Accident.location_id
                )
            ).all()
        )
    store.dispose()
    assert got == {lid: at for lid, _, _, _, at in rows}

    wrong = tmp_path / "wrong.csv"
    wrong.write_text(
        "local_id,district,kind,accident_date,latitude,longitude\n"
        'ACC-9,"GRANADA, ATLÁNTICO",incident,2015-01-01,10.632091,-74.921256\n',
        encoding="utf-8",
    )
    code, report, _ = cli_json("import", "accidents", str(wrong), "--db", db, "--json")
    assert code == 2 and report is not None and report["created"] == 0
    refused = [i for i in report["issues"] if i["severity"] == "error"]
    assert [(i["row"], i["field"], i["value"]) for i in refused] == [
        (2, "location", "GRANADA, ATLÁNTICO")
    ]
    assert "no location" in refused[0]["reason"]
