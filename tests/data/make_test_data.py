"""Makes the small intake test files in this folder (run from the repository root).

Every file is synthetic, written by this script for Clearground's tests (no outside source):
coordinates lie in Aghdam and Fuzuli districts of Azerbaijan. Run it again to regenerate:

    python tests/data/make_test_data.py
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
from shapely.geometry import Point, box

HERE = Path(__file__).parent


def hazards() -> gpd.GeoDataFrame:
    polys = [
        box(46.90, 39.90, 46.91, 39.905),
        box(46.92, 39.90, 46.93, 39.905),
        box(46.95, 39.95, 46.96, 39.96),
    ]
    return gpd.GeoDataFrame(
        {
            "local_id": ["HAZ-T-1", "HAZ-T-2", "HAZ-T-3"],
            "kind": ["CHA", "SHA", "SHA"],
            "status": ["open", "open", "in_work"],
            "location": ["Agdam District"] * 3,
            "info_date": ["2021-03-01", "2021-04-15", "2022-01-20"],
        },
        geometry=polys,
        crs=4326,
    )


def main() -> None:
    frame = hazards()
    # a zipped shapefile in a projected CRS (UTM zone 38N)
    shp = HERE / "shp"
    shp.mkdir(exist_ok=True)
    frame.to_crs(32638).to_file(shp / "hazards_utm38.shp")
    with zipfile.ZipFile(HERE / "hazards_utm38.zip", "w") as z:
        for f in sorted(shp.iterdir()):
            z.write(f, f.name)
            f.unlink()
    shp.rmdir()
    frame.to_file(HERE / "hazards.kml", driver="KML")
    frame.to_file(HERE / "hazards.fgb", driver="FlatGeobuf")
    frame.to_file(HERE / "hazards.gpkg", driver="GPKG")
    # a spreadsheet an agency keeps in Azerbaijani, with its own columns and labels
    pd.DataFrame(
        {
            "Sahə nömrəsi": ["AZ-101", "AZ-102"],
            "Növü": ["Təsdiqlənmiş", "Şübhəli"],
            "Vəziyyəti": ["Açıq", "Açıq"],
            "Rayon": ["Ağdam", "Füzuli"],
            "Tarix": ["01.03.2021", "15.04.2021"],
            "Təxmini sahə (ha)": ["4,5", "12"],
            "WKT": [box(46.90, 39.90, 46.91, 39.905).wkt, box(47.20, 39.55, 47.21, 39.555).wkt],
        }
    ).to_excel(HERE / "hazards_localised.xlsx", index=False)
    # finds as a CSV of lat/lon columns whose values were typed the wrong way round
    pd.DataFrame(
        {
            "local_id": ["F-S-1", "F-S-2"],
            "activity": ["ACT-T-1", "ACT-T-1"],
            "ordnance": ["PMN-2", "TM-62M"],
            "found_date": ["2021-05-02", "2021-05-03"],
            "lat": [46.9012, 46.9031],
            "lon": [39.9011, 39.9022],
        }
    ).to_csv(HERE / "finds_swapped.csv", index=False)
    # finds whose sixth row names an ordnance model that does not exist: the file fails halfway
    rows = [
        {
            "local_id": f"F-H-{i}",
            "activity": "ACT-T-1",
            "ordnance": "PMN-2",
            "found_date": "2021-05-02",
            "lat": 39.901 + i * 1e-4,
            "lon": 46.901,
        }
        for i in range(1, 11)
    ]
    rows[5]["ordnance"] = "PMN-3"
    pd.DataFrame(rows).to_csv(HERE / "finds_fail_halfway.csv", index=False)
    # finds located by MGRS references and by WKT
    pd.DataFrame(
        {
            "local_id": ["F-M-1"],
            "activity": ["ACT-T-1"],
            "ordnance": ["TM-62M"],
            "found_date": ["2021-05-04"],
            "mgrs": ["38SPK 62425 18386"],
        }
    ).to_csv(HERE / "finds_mgrs.csv", index=False)
    pd.DataFrame(
        {
            "local_id": ["F-W-1"],
            "activity": ["ACT-T-1"],
            "ordnance": ["UXO-MORTAR"],
            "found_date": ["2021-05-04"],
            "wkt": [Point(46.9025, 39.9031).wkt],
        }
    ).to_csv(HERE / "finds_wkt.csv", index=False)
    record_forms()


def record_forms() -> None:
    """A record written in SK-42 Gauss-Krüger zone 8 with magnetic bearings, and a record in
    CSV tables with grid bearings (x northing, y easting, as Soviet forms write them)."""
    import yaml
    from pyproj import Transformer

    to_sk42 = Transformer.from_crs(4326, 28408, always_xy=True)
    east, north = to_sk42.transform(46.95, 39.95)
    form = {
        "local_id": "MR-SK42-1",
        "location": "Aghdam",
        "record_number": "AGD/1993/SK1",
        "laid_date": "1993-05-01",
        "crs": "EPSG:28408",
        "bearing_type": "magnetic",
        "declination_deg": 6.0,
        "reliability": 4,
        "source_grade": "C",
        "reference_points": [
            {
                "name": "RP1",
                "x": round(north, 2),
                "y": round(east, 2),
                "description": "concrete benchmark by the road",
            }
        ],
        "traverse": {
            "from": "RP1",
            "legs": [
                {"bearing": 84, "distance": 50},
                {"bearing": 354, "distance": 100},
                {"bearing": 84, "distance": 200},
                {"bearing": 174, "distance": 100},
                {"bearing": 264, "distance": 200},
            ],
        },
        "rows": [
            {
                "label": "A",
                "from": "TP1",
                "bearing": 354,
                "distance": 30,
                "direction": 84,
                "spacing": 5,
                "count": 10,
                "ordnance": "TM-62M",
                "length": 45,
            },
            {
                "label": "B",
                "from": "TP1",
                "bearing": 354,
                "distance": 70,
                "direction": 84,
                "spacing": 5,
                "count": 10,
                "ordnance": "TM-62M",
                "length": 40,
            },
        ],
        "claimed": {"ap": 0, "at": 20},
    }
    (HERE / "record_sk42.yaml").write_text(
        "# A minefield record form as handed over: SK-42 / Gauss-Krüger zone 8 (EPSG:28408),\n"
        "# x = northing, y = easting; magnetic bearings, declination 6° E. Row B says 10 mines\n"
        "# in 40 m at 5 m spacing (room for 9): a flagged inconsistency.\n"
        + yaml.safe_dump(form, allow_unicode=True, sort_keys=False),
        encoding="utf-8",
    )
    east, north = to_sk42.transform(46.90, 39.90)
    tables = HERE / "record_tables"
    tables.mkdir(exist_ok=True)
    pd.DataFrame(
        [
            {
                "local_id": "MR-GRID-1",
                "location": "Aghdam",
                "crs": "EPSG:28408",
                "bearing_type": "grid",
                "laid_date": "1994-03-01",
                "rp_name": "BM7",
                "rp_x": round(north, 2),
                "rp_y": round(east, 2),
            }
        ]
    ).to_csv(tables / "records.csv", index=False)
    pd.DataFrame(
        {
            "record": "MR-GRID-1",
            "seq": [1, 2, 3, 4, 5],
            "bearing": [0, 90, 180, 270, 0],
            "distance": [100, 60, 60, 60, 60],
        }
    ).to_csv(tables / "legs.csv", index=False)
    pd.DataFrame(
        [
            {
                "record": "MR-GRID-1",
                "label": "A",
                "from": "TP1",
                "bearing": 45,
                "distance": 10,
                "direction": 90,
                "spacing": 2,
                "count": 20,
                "ordnance": "PMN-2",
                "length": 38,
            }
        ]
    ).to_csv(tables / "rows.csv", index=False)


if __name__ == "__main__":
    main()
