"""Writes the hostile files of this folder (run once; the files are kept in git).

Each imitates a file an attacker uploaded in the security review (issue 23): GDAL opens files
by content, so a VRT under another name reads whatever its source names; XML entities read
server files; zips unpack to far more than they weigh; member names climb out of folders.
``@DATABASE@`` in a file is replaced by the tests with the live database's path.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

HERE = Path(__file__).parent
VRT = """<OGRVRTDataSource>
  <OGRVRTLayer name="stolen">
    <SrcDataSource>@DATABASE@</SrcDataSource>
    <SrcSQL>SELECT key AS local_id, value AS kind FROM setting</SrcSQL>
  </OGRVRTLayer>
</OGRVRTDataSource>
"""
PASSWD_VRT = """<OGRVRTDataSource>
  <OGRVRTLayer name="passwd">
    <SrcDataSource>CSV:/etc/passwd</SrcDataSource>
  </OGRVRTLayer>
</OGRVRTDataSource>
"""
XXE_GML = """<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<ogr:FeatureCollection xmlns:ogr="http://ogr.maptools.org/" xmlns:gml="http://www.opengis.net/gml">
  <gml:featureMember><ogr:h><ogr:local_id>&x;</ogr:local_id>
  <ogr:geometryProperty><gml:Point><gml:coordinates>46.9,39.9</gml:coordinates></gml:Point>
  </ogr:geometryProperty></ogr:h></gml:featureMember>
</ogr:FeatureCollection>
"""
XXE_KML = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE kml [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document><Placemark><name>&x;</name>
<Point><coordinates>46.9,39.9</coordinates></Point></Placemark></Document></kml>
"""


def _bomb(name: str, member: str, mib: int, line: bytes) -> None:
    block = line * (1024 * 1024 // len(line))
    with (
        zipfile.ZipFile(HERE / name, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z,
        z.open(member, "w", force_zip64=True) as out,
    ):
        for _ in range(mib):
            out.write(block)


def main() -> None:
    (HERE / "vrt-as.gml").write_text(VRT)
    (HERE / "vrt-as.geojson").write_text(VRT)
    (HERE / "vrt-as.kml").write_text(VRT)
    (HERE / "vrt-passwd-as.fgb").write_text(PASSWD_VRT)
    (HERE / "xxe.gml").write_text(XXE_GML)
    (HERE / "xxe.kml").write_text(XXE_KML)
    # a zip holding a CSV read through GDAL (the 1 MB zip of the review held 1 GiB)
    _bomb("bomb-csv.zip", "points.csv", 100, b"lon,lat,local_id\n")
    # a zipped Shapefile whose .dbf unpacks to 100 MiB (the tests lower the limit to 16 MiB)
    _bomb("bomb-dbf.zip", "hazards.dbf", 100, b"\x00" * 64)
    with zipfile.ZipFile(HERE / "bomb-dbf.zip", "a") as z:
        z.writestr("hazards.shp", b"\x00\x00\x27\x0a" + b"\x00" * 96)
        z.writestr("hazards.shx", b"\x00\x00\x27\x0a" + b"\x00" * 96)
    # member names that climb out of the folder the zip is unpacked in
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("../../../tmp/clearground-escaped.shp", b"\x00\x00\x27\x0a")
        z.writestr("ok.dbf", b"")
    (HERE / "climbing-names.zip").write_bytes(buf.getvalue())
    # a VRT inside a zip (GDAL's /vsizip/ would have opened it)
    with zipfile.ZipFile(HERE / "vrt-in.zip", "w") as z:
        z.writestr("layer.vrt", VRT)
    # an XLSX whose sheet unpacks to 100 MiB
    _bomb("bomb.xlsx", "xl/worksheets/sheet1.xml", 100, b"<row/>")


if __name__ == "__main__":
    main()
