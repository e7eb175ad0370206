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


if __name__ == "__main__":
    main()
