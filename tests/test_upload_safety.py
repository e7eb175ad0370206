"""Hostile uploads (issue 23): files that make GDAL open other files, zip bombs, climbing
names, files too large in rows or vertices, and the session key out of the database's reach.

The hostile files are in tests/data/hostile/ (made by make_hostile.py there). Each test here
failed on the code before these rules: the VRT-in-GML upload returned the database's
``setting`` rows in its import report; the zips were opened by GDAL's /vsizip/.
"""

from __future__ import annotations

import io
import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest
import shapely
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.engine import make_url

from clearground.domain.errors import BadInput, TooLarge
from clearground.intake import safety
from clearground.store import tables as t
from clearground.store.database import Store
from clearground.store.keys import key_path
from clearground.web.app import create_app
from tests.conftest import BACKEND, run_cli
from tests.test_ogc import fill

HOSTILE = Path(__file__).parent / "data" / "hostile"
SECRETS = ("conflict_start", "1988-02-20", "data_version", "root:x:0:0")


@pytest.fixture
def api(store: Store) -> tuple[TestClient, dict[str, Any]]:
    ids = fill(store)
    return TestClient(create_app(store.url)), ids


def _as(ids: dict[str, Any], role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {ids['tokens'][role]}"}


def _gdal_name(url: str) -> str:
    """How a VRT names the live database: its file, or a PG: connection string."""
    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        return str(u.database)
    return f"PG:host={u.host} port={u.port} dbname={u.database} user={u.username}"


def _upload(
    client: TestClient, headers: dict[str, str], name: str, body: bytes, **data: str
) -> Any:
    return client.post(
        "/api/import/hazards",
        files={"file": (name, io.BytesIO(body), "application/octet-stream")},
        data={"dry_run": "true", **data},
        headers=headers,
    )


@pytest.mark.parametrize(
    "name",
    [
        "vrt-as.gml",
        "vrt-as.geojson",
        "vrt-as.kml",
        "vrt-passwd-as.fgb",
        "vrt-in.zip",
        "xxe.gml",
        "xxe.kml",
    ],
)
def test_a_disguised_file_is_refused_before_gdal_reads_anything(api: Any, name: str) -> None:
    client, ids = api
    body = (
        (HOSTILE / name)
        .read_bytes()
        .replace(b"@DATABASE@", _gdal_name(client.app.state.store.url).encode())
    )
    r = _upload(client, _as(ids, "im_officer"), name, body)
    assert r.status_code == 400, r.text
    err = r.json()["error"]
    assert err["code"] == "bad_input" and err["field"] == "file"
    assert "report" not in err  # refused before any row was read
    assert not any(s in r.text for s in SECRETS)


def test_the_vrt_upload_cannot_reach_the_database_even_renamed_to_its_own_format(
    api: Any, tmp_path: Path
) -> None:
    """A .vrt is refused by name; the same content under every allowed vector name is
    refused by content; the reader's GDAL has no VRT driver at all."""
    client, ids = api
    vrt = (HOSTILE / "vrt-as.gml").read_bytes()
    for suffix in (".vrt", ".gpkg", ".fgb", ".shp", ".json", ".csv", ".sqlite"):
        r = _upload(client, _as(ids, "admin"), "x" + suffix, vrt)
        assert r.status_code == 400, (suffix, r.text)
        assert not any(s in r.text for s in SECRETS), suffix
    drivers = safety.run_limited("pyogrio:list_drivers", (), tmp_path, safety.Limits())
    assert set(drivers) <= safety.ALLOWED_DRIVERS | {"Memory", "MEM"}
    assert "OGR_VRT" not in drivers and "SQLite" not in drivers and "GML" not in drivers


def test_saves_after_a_hostile_upload_survive_a_restart(api: Any) -> None:
    """The review's VRT upload removed the live SQLite database's -wal file: later saves
    were answered 200 and lost on restart."""
    client, ids = api
    url = client.app.state.store.url
    body = (HOSTILE / "vrt-as.gml").read_bytes().replace(b"@DATABASE@", _gdal_name(url).encode())
    assert _upload(client, _as(ids, "im_officer"), "h.gml", body).status_code == 400
    poly = shapely.geometry.mapping(shapely.box(46.95, 39.95, 46.96, 39.955))
    made = client.post(
        "/api/records/hazards",
        json={
            "values": {
                "local_id": "AFTER-1",
                "kind": "SHA",
                "info_date": "2022-05-01",
                "geometry": poly,
            }
        },
        headers=_as(ids, "im_officer"),
    )
    assert made.status_code in (200, 201), made.text
    client.app.state.store.dispose()
    fresh = Store(url)
    try:
        with fresh.session() as s:
            got = s.execute(select(t.Hazard.local_id).where(t.Hazard.local_id == "AFTER-1"))
            assert got.scalar_one_or_none() == "AFTER-1"
    finally:
        fresh.dispose()


def test_a_zip_holds_only_the_parts_of_an_allowed_format(api: Any) -> None:
    client, ids = api
    r = _upload(
        client, _as(ids, "im_officer"), "points.zip", (HOSTILE / "bomb-csv.zip").read_bytes()
    )
    assert r.status_code == 400, r.text
    assert "points.csv" in r.json()["error"]["message"]


def test_zip_and_xlsx_bombs_are_refused_by_their_unpacked_size(
    api: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLEARGROUND_UPLOAD_MAX_UNPACKED_MB", "16")
    client, ids = api
    for name in ("bomb-dbf.zip", "bomb.xlsx"):
        r = _upload(client, _as(ids, "im_officer"), name, (HOSTILE / name).read_bytes())
        assert r.status_code == 413, (name, r.text)
        err = r.json()["error"]
        assert err["code"] == "too_large" and "16 MiB" in err["message"], name


def test_unpacking_counts_bytes_and_stops_at_the_limit(tmp_path: Path) -> None:
    """Even when the zip's header understates a member's size, unpacking stops at the limit:
    here the limit is below the member's true size."""
    limits = safety.Limits(unpacked_bytes=8 * safety.MIB)
    with pytest.raises(TooLarge):
        safety.unpack(HOSTILE / "bomb-dbf.zip", tmp_path / "out", limits, safety.SHAPEFILE_PARTS)
    written = (
        sum(p.stat().st_size for p in (tmp_path / "out").glob("*"))
        if (tmp_path / "out").exists()
        else 0
    )
    assert written <= 8 * safety.MIB + safety.MIB


def test_zip_member_names_that_climb_out_are_refused(api: Any) -> None:
    client, ids = api
    escaped = Path("/tmp/clearground-escaped.shp")
    escaped.unlink(missing_ok=True)
    r = _upload(
        client, _as(ids, "im_officer"), "c.zip", (HOSTILE / "climbing-names.zip").read_bytes()
    )
    assert r.status_code == 400, r.text
    assert "climbs out" in r.json()["error"]["message"]
    assert not escaped.exists()


@pytest.mark.parametrize("name", ["..", "../../etc/passwd", "./.", "\\..\\..\\x.geojson", ""])
def test_upload_names_are_made_safe(api: Any, name: str) -> None:
    """The review's file name '..' gave a 500 and dropped the connection."""
    client, ids = api
    doc = json.dumps({"type": "FeatureCollection", "features": []}).encode()
    r = _upload(client, _as(ids, "im_officer"), name, doc)
    assert r.status_code in (200, 400), r.text
    assert r.headers["content-type"].startswith("application/json")


def test_more_rows_than_allowed_is_refused_with_413(
    api: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLEARGROUND_IMPORT_MAX_ROWS", "5")
    client, ids = api
    rows = "".join(f"P{i},46.9{i},39.9{i}\n" for i in range(10))
    csv = ("local_id,lon,lat\n" + rows).encode()
    r = client.post(
        "/api/import/finds",
        files={"file": ("f.csv", io.BytesIO(csv), "text/csv")},
        data={"dry_run": "true"},
        headers=_as(ids, "im_officer"),
    )
    assert r.status_code == 413, r.text
    assert "10 rows" in r.json()["error"]["message"]


def _many_vertices(n: int) -> shapely.Polygon:
    return shapely.Point(46.95, 39.95).buffer(0.01, quad_segs=n // 4)


def test_a_geometry_with_too_many_vertices_is_refused_on_every_path(
    api: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLEARGROUND_MAX_VERTICES", "1000")
    client, ids = api
    poly = _many_vertices(4000)
    assert shapely.get_num_coordinates(poly) > 1000
    h = _as(ids, "im_officer")
    entry = client.post(
        "/api/records/hazards",
        json={
            "values": {
                "local_id": "BIG-1",
                "kind": "SHA",
                "info_date": "2022-05-01",
                "geometry": shapely.geometry.mapping(poly),
            }
        },
        headers=h,
    )
    assert entry.status_code == 400, entry.text
    assert "vertices" in entry.text
    feature = {
        "type": "Feature",
        "geometry": shapely.geometry.mapping(poly),
        "properties": {"local_id": "BIG-2", "kind": "SHA", "info_date": "2022-05-01"},
    }
    doc = json.dumps({"type": "FeatureCollection", "features": [feature]}).encode()
    r = _upload(client, h, "big.geojson", doc, dry_run="false")
    assert r.status_code == 400, r.text
    checks = [i["check"] for i in r.json()["error"]["report"]["issues"]]
    assert checks == ["too_many_vertices"]


def test_a_large_report_lists_the_first_issues_and_counts_all(
    api: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLEARGROUND_REPORT_MAX_ISSUES", "50")
    client, ids = api
    n = 300
    csv = (
        "local_id,lon,lat,found_date\n" + "".join(f"X{i},abc,def,2022-01-01\n" for i in range(n))
    ).encode()
    r = client.post(
        "/api/import/finds",
        files={"file": ("f.csv", io.BytesIO(csv), "text/csv")},
        data={"dry_run": "true"},
        headers=_as(ids, "im_officer"),
    )
    report = r.json()["error"]["report"] if r.status_code == 400 else r.json()
    assert report["rejected"] == n
    assert report["issues_listed"] == 50 and len(report["issues"]) == 50
    assert report["issues_total"] >= n
    assert sum(report["rejected_by_reason"].values()) == report["issues_total"] - sum(
        report["warned_by_reason"].values()
    )


def test_the_reader_child_has_limits_of_time_and_memory(tmp_path: Path) -> None:
    with pytest.raises(TooLarge, match="longer than 1 s"):
        safety.run_limited("time:sleep", (30,), tmp_path, safety.Limits(seconds=1))
    with pytest.raises(TooLarge, match="memory"):
        safety.run_limited(
            "builtins:bytearray",
            (3 * 1024 * safety.MIB,),
            tmp_path,
            safety.Limits(memory_bytes=1024 * safety.MIB),
        )
    with pytest.raises(BadInput, match="does not exist"):
        safety.run_limited(
            "clearground.intake.importer:read_input",
            ("hazards", tmp_path / "no.geojson"),
            tmp_path,
            safety.Limits(),
        )


def test_the_session_key_is_not_in_the_database(api: Any) -> None:
    """A reader of the database (the VRT upload read ``setting``) must not find the key that
    signs session cookies: it is in a 0600 file, and rotate-key replaces it."""
    client, ids = api
    url = client.app.state.store.url
    with client.app.state.store.session() as s:
        values = list(s.execute(select(t.Setting.key, t.Setting.value)))
    path = key_path(url)
    key = path.read_text().strip()
    assert len(key) >= 32
    assert all(key not in (k, v) for k, v in values)
    assert "web_secret" not in {k for k, _ in values}
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    # a signed-in browser's cookie stops working once the key is rotated (and a server restarts)
    browser = TestClient(create_app(url))
    csrf = browser.get("/login").json()["csrf_token"]
    creds = {"name": "u_im_officer", "password": "pw-im_officer-1"}
    assert browser.post("/login", json=creds, headers={"X-CSRF-Token": csrf}).status_code == 200
    assert browser.get("/api/records/victims").status_code == 200
    cookie = browser.cookies.get("session")
    db = url if BACKEND == "postgis" else str(make_url(url).database)
    run_cli("rotate-key", "--db", db)
    assert path.read_text().strip() != key
    restarted = TestClient(create_app(url))
    restarted.cookies.set("session", cookie or "")
    assert restarted.get("/api/records/victims").status_code == 401
    assert os.environ.get("CLEARGROUND_SECRET") is None
