"""Another country's real data through the real command line: Eastern Antioquia, Colombia.

From the RELand landmine grid (``tests/data/colombia``, MIT; see SOURCES.md) the test builds
what a national authority would have: the country's municipalities (each the union of its
~1 km cells), landmine events as accidents (the cells with an event, by their cell number),
suspected hazardous areas (each connected patch of event cells, with no ids of their own,
a few of them self-intersecting as field data has them) and a victims register (for each
municipality with events, one row per person injured as the grid's victim-registry count
gives, every row identical). Then, as a new user would: ``init --country``, imports, stats.

Every expected figure is worked out here from the cells themselves, not through
Clearground: areas with ``pyproj.Geod`` (geodesic), districts from the cells' own
``municipio`` column or from overlaps measured in an equal-area projection, counts from the
rows of the files.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Geod, Transformer
from scipy import ndimage
from shapely.geometry import Polygon, box
from sqlalchemy import select

from clearground.store import tables as t
from clearground.store.database import Store
from tests.conftest import run_cli

DATA = Path(__file__).parent / "data" / "colombia"
GEOD = Geod(ellps="WGS84")
EQUAL_AREA = Transformer.from_crs(
    4326, "+proj=laea +lat_0=6 +lon_0=-75 +datum=WGS84 +units=m", always_xy=True
)


def geodesic_m2(geom: Any) -> float:
    return abs(GEOD.geometry_area_perimeter(geom)[0])


class Country:
    """The files built from the cells, and what they should give."""

    def __init__(self, folder: Path) -> None:
        cells = pd.read_csv(DATA / "reland_cells.csv")
        lat, lon = cells["latitude"].to_numpy(), cells["longitude"].to_numpy()
        side = float(np.median(np.diff(np.unique(np.round(lat, 7)))))
        self.side = side
        lat0, lon0 = lat.min(), lon.min()
        cells["i"] = np.rint((lat - lat0) / side).astype(int)
        cells["j"] = np.rint((lon - lon0) / side).astype(int)
        self.cells = cells

        def square(i: int, j: int) -> Polygon:
            x, y = lon0 + j * side, lat0 + i * side
            return box(x - side / 2, y - side / 2, x + side / 2, y + side / 2)

        # municipalities: the union of their cells (geoBoundaries-shaped GeoJSON)
        self.districts = {
            name: shapely.union_all([square(i, j) for i, j in zip(g["i"], g["j"], strict=True)])
            for name, g in cells.groupby("municipio")
        }
        self.districts_file = folder / "col_adm2.geojson"
        gpd.GeoDataFrame(
            {
                "shapeName": list(self.districts),
                "shapeGroup": "COL",
                "shapeID": [f"COL-{n.replace(' ', '_')}" for n in self.districts],
            },
            geometry=list(self.districts.values()),
            crs=4326,
        ).to_file(self.districts_file)

        # hazards: each 4-connected patch of event cells, as one polygon, no local id
        events = cells[cells["mines_outcome"] == 1]
        grid = np.zeros((cells["i"].max() + 1, cells["j"].max() + 1), dtype=int)
        grid[events["i"], events["j"]] = 1
        labels, n = ndimage.label(grid)
        patch = labels[events["i"], events["j"]]
        self.hazards: list[Polygon] = []
        self.patch_cells: list[Counter[str]] = []
        for k in range(1, n + 1):
            mine = events[patch == k]
            geom = shapely.union_all(
                [square(i, j) for i, j in zip(mine["i"], mine["j"], strict=True)]
            )
            self.hazards.append(shapely.normalize(geom))
            self.patch_cells.append(Counter(mine["municipio"]))
        # a few become self-intersecting: two vertices of the outline swapped (a typing slip)
        self.broken: set[int] = set()
        features = []
        for k, geom in enumerate(self.hazards):
            out = geom
            if k % 9 == 4 and geom.geom_type == "Polygon" and len(geom.exterior.coords) >= 6:
                ring = list(geom.exterior.coords)[:-1]
                ring[1], ring[2] = ring[2], ring[1]
                bent = Polygon(ring, [list(r.coords) for r in geom.interiors])
                if not bent.is_valid:
                    out = bent
                    self.broken.add(k + 1)  # feature numbers count from 1
            features.append(
                {
                    "type": "Feature",
                    "properties": {"kind": "SHA", "status": "open"},
                    "geometry": shapely.geometry.mapping(out),
                }
            )
        self.hazards_file = folder / "hazards.geojson"
        self.hazards_file.write_text(
            json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8"
        )

        # accidents: the event cells by their cell number, plus one event recorded in a cell
        # next to the grid, outside every municipality but within the country's tolerance
        taken = set(zip(cells["i"], cells["j"], strict=True))
        edge = next(
            (i, j + 1)
            for i, j in sorted(taken)
            if (i, j + 1) not in taken and (i, j + 2) not in taken
        )
        self.outside = (lat0 + edge[0] * side, lon0 + edge[1] * side)
        acc = pd.DataFrame(
            {
                "local_id": [f"ACC-{c}" for c in events["cell"]] + ["ACC-OUTSIDE"],
                "latitude": [*events["latitude"], self.outside[0]],
                "longitude": [*events["longitude"], self.outside[1]],
            }
        )
        self.accident_district = dict(
            zip([f"ACC-{c}" for c in events["cell"]], events["municipio"], strict=True)
        )
        self.accidents_file = folder / "accidents.csv"
        acc.to_csv(self.accidents_file, index=False)
        self.accidents_mapping = folder / "accidents.yaml"
        self.accidents_mapping.write_text(
            "defaults:\n  kind: incident\n  accident_date: '2010-01-01'\n", encoding="utf-8"
        )

        # victims: per municipality with events, its registry count of people injured, each
        # one a row identical to the others (same accident, status, outcome, sex, age band)
        rows = []
        for name, g in events.groupby("municipio"):
            injured = int(
                cells.loc[cells["municipio"] == name, "lesiones_personales_fisicas"].iloc[0]
            )
            first = f"ACC-{g['cell'].iloc[0]}"
            rows += [
                {
                    "accident": first,
                    "status": "civilian",
                    "outcome": "injured",
                    "sex": "unknown",
                    "age_group": "unknown",
                }
            ] * injured
        self.victims = len(rows)
        self.victims_file = folder / "victims.csv"
        pd.DataFrame(rows).to_csv(self.victims_file, index=False)

    def expected_districts(self, geom: Any) -> set[str]:
        """The municipalities geom overlaps most, measured in an equal-area projection."""
        flat = shapely.transform(geom, lambda xy: np.column_stack(EQUAL_AREA.transform(*xy.T)))
        sizes = {}
        for name, d in self.districts.items():
            if d.intersects(geom):
                dd = shapely.transform(d, lambda xy: np.column_stack(EQUAL_AREA.transform(*xy.T)))
                sizes[name] = dd.intersection(flat).area
        best = max(sizes.values())
        return {n for n, s in sizes.items() if s >= best * (1 - 1e-5)}


@pytest.fixture
def country(tmp_path: Path) -> Country:
    return Country(tmp_path)


def cli_json(*args: str, check: bool = True) -> tuple[int, dict[str, Any] | None]:
    proc = run_cli(*args, check=check)
    return proc.returncode, (json.loads(proc.stdout) if proc.stdout.strip() else None)


def held(url: str, table: Any) -> list[Any]:
    store = Store(url)
    with store.session() as s:
        loc = t.Location
        rows = s.execute(
            select(table.local_id, table.geometry, table.location_id, loc.name).outerjoin(
                loc, loc.id == table.location_id
            )
        ).all()
    store.dispose()
    return rows


def test_colombia_onboarded_and_imported(empty_db_url: str, country: Country) -> None:
    db = empty_db_url
    run_cli("init", "--db", db, "--country", str(country.districts_file))

    # hazards: the first import repairs the self-intersecting ones
    code, report = cli_json(
        "import", "hazards", str(country.hazards_file), "--db", db, "--json", "--fix-geometry"
    )
    assert code == 0 and report is not None
    n = len(country.hazards)
    assert report["created"] == n and report["outside_districts"] == 0
    repaired = {i["row"] for i in report["issues"] if i["check"] == "invalid_polygon"}
    assert repaired == country.broken and country.broken

    hazards = held(db, t.Hazard)
    assert len(hazards) == n
    assert all(h.location_id is not None for h in hazards)  # every hazard has its district
    originals = {shapely.normalize(g).wkb: k for k, g in enumerate(country.hazards)}
    matched = set()
    for h in hazards:
        k = originals.get(shapely.normalize(h.geometry).wkb)
        want = country.expected_districts(h.geometry)
        assert h.name in want, (h.local_id, h.name, want)
        if k is not None:
            matched.add(k + 1)
            counts = country.patch_cells[k]  # the district holding most of the patch's cells
            top = max(counts.values())
            assert h.name in {m for m, c in counts.items() if c == top}
    assert matched >= set(range(1, n + 1)) - country.broken  # every valid one, as it came

    # the area still to release, by status and by district, against a geodesic count
    code, stats = cli_json(
        "stats", "--db", db, "--json", "--include-unapproved", "--by", "district"
    )
    assert stats is not None
    for key in ("released_m2", "devices", "casualties", "funding"):
        assert key in stats  # the existing keys stay
    area = sum(geodesic_m2(h.geometry) for h in hazards)
    assert stats["hazards"]["count"] == n
    assert stats["hazards"]["area_m2"] == pytest.approx(area, rel=1e-4)
    assert stats["hazards"]["remaining_m2"] == pytest.approx(area, rel=1e-4)
    assert stats["hazards"]["by_status"]["open"]["count"] == n
    assert stats["hazards"]["by_kind"]["SHA"]["remaining_m2"] == pytest.approx(area, rel=1e-4)
    by_district = Counter(h.name for h in hazards)
    assert {k: v["count"] for k, v in stats["hazards"]["by_district"].items()} == by_district
    approved_only = cli_json("stats", "--db", db, "--json")[1]
    assert approved_only is not None and approved_only["hazards"]["count"] == 0  # submitted

    # the same file again, without --fix-geometry: refused, each broken feature named
    for extra in (["--dry-run"], []):
        code, again = cli_json(
            "import",
            "hazards",
            str(country.hazards_file),
            "--db",
            db,
            "--json",
            *extra,
            check=False,
        )
        assert code == 2 and again is not None and not again["written"]
        errors = {(i["row"], i["check"]) for i in again["issues"] if i["severity"] == "error"}
        assert errors == {(k, "invalid_polygon") for k in country.broken}
        assert all(f"feature {k}" in json.dumps(again["issues"]) for k in country.broken)
    assert len(held(db, t.Hazard)) == n

    # accidents: every event cell in its own municipality, the one beyond them in none
    code, report = cli_json(
        "import",
        "accidents",
        str(country.accidents_file),
        "--db",
        db,
        "--json",
        "--mapping",
        str(country.accidents_mapping),
    )
    assert report is not None and report["created"] == len(country.accident_district) + 1
    assert report["outside_districts"] == 1
    assert "outside_districts" in {i["check"] for i in report["issues"]}
    accidents = {a.local_id: a for a in held(db, t.Accident)}
    assert accidents["ACC-OUTSIDE"].location_id is None
    for lid, municipio in country.accident_district.items():
        assert accidents[lid].name == municipio, lid

    # victims: identical rows are different people; a second import changes nothing
    for _ in range(2):
        code, report = cli_json(
            "import", "victims", str(country.victims_file), "--db", db, "--json"
        )
        assert code == 0 and report is not None
        store = Store(db)
        with store.session() as s:
            assert len(s.execute(select(t.Victim.id)).all()) == country.victims
        store.dispose()
    assert report["unchanged"] == country.victims and report["created"] == 0
    stats = cli_json("stats", "--db", db, "--json", "--include-unapproved")[1]
    assert stats is not None and stats["casualties"]["injured"] == country.victims
