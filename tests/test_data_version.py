"""Every committed write bumps the data version, whatever made it (issue 22, item 5): a
``clearground import`` from the command line changes what ``/`` and ``/dashboard`` show at
once, not when their caches' time runs out; so do the public OGC answers and the map, all
kept in the one cache of ``web/cache.py``.

On the code before, only web writes bumped the version (and the dashboard and the map had
change detectors of their own): after the import here the overview still counted three
hazards to release for up to 30 s, and the test failed.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from shapely.geometry import mapping
from sqlalchemy import update

from clearground.store import tables as t
from clearground.store.data_version import data_version
from clearground.store.database import Store
from clearground.store.repository import Registry
from clearground.web import maps
from clearground.web.app import create_app
from tests.conftest import run_cli
from tests.test_ogc import H3, fill


def _remaining(client: TestClient) -> int:
    shown = re.search(r'id="hazards-remaining">([\d,]+)<', client.get("/").text)
    assert shown is not None
    return int(shown.group(1).replace(",", ""))


def _open_hazards(client: TestClient, token: str) -> int:
    doc = client.get("/api/dashboard", headers={"Authorization": f"Bearer {token}"}).json()
    return int(doc["priorities"]["open_hazards"])


def _public_hazards(client: TestClient) -> int:
    return int(client.get("/ogc/collections/hazards/items").json()["numberMatched"])


def _approved_on_the_map(client: TestClient, token: str) -> int:
    r = client.get(
        "/api/map/hazards",
        params={"bbox": "-180,-90,180,90", "zoom": 14, "review_status": "approved"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert r.status_code == 200, r.text
    return len(r.json()["features"])


def test_a_command_line_import_shows_at_once(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(maps, "REFRESH_S", 0.0)  # the map asks the version at every request
    ids = fill(store)
    client = TestClient(create_app(store.url))
    officer = ids["tokens"]["im_officer"]
    assert _remaining(client) == 3
    assert client.get("/api/summary").json()["hazards"]["remaining"] == 3
    assert _open_hazards(client, officer) == 1  # H1 and H2 are cleared
    public, mapped = _public_hazards(client), _approved_on_the_map(client, officer)
    assert public == mapped == 3  # the approved hazards H1, H2, H3
    # H3 (open: no clearance yet) sent again with a changed outline: back to submitted, so
    # out of the figures
    changed = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": mapping(H3.buffer(0.001, join_style="mitre")),
                "properties": {"local_id": "H3", "kind": "CHA", "info_date": "2023-07-01"},
            }
        ],
    }
    path = tmp_path / "h3.geojson"
    path.write_text(json.dumps(changed))
    run_cli("import", "hazards", str(path), "--db", store.url)
    assert _remaining(client) == 2
    assert client.get("/api/summary").json()["hazards"]["remaining"] == 2
    assert _open_hazards(client, officer) == 0
    # the public OGC answer (cached for everyone) and the map's layer index, too
    assert _public_hazards(client) == public - 1
    assert _approved_on_the_map(client, officer) == mapped - 1


def _version(store: Store) -> str:
    with store.session() as s:
        return data_version(s)


def test_the_version_moves_on_commit_of_a_data_write_only(store: Store) -> None:
    fill(store)
    before = _version(store)
    with store.session() as s:  # a read
        Registry(s).get("hazards", 1)
    assert _version(store) == before
    try:
        with store.session() as s:  # a write rolled back
            Registry(s).add("organisations", {"local_id": "OX", "name": "X", "kind": "ngo"})
            raise RuntimeError("abandon")
    except RuntimeError:
        pass
    assert _version(store) == before
    with store.session() as s:  # a committed write
        Registry(s).add("organisations", {"local_id": "OY", "name": "Y", "kind": "ngo"})
    after = _version(store)
    assert int(after) == int(before) + 1
    with store.session() as s:  # bookkeeping is not data
        s.execute(update(t.User).values(role=t.User.role))
    assert _version(store) == after


def test_an_import_of_many_rows_bumps_once(store: Store, tmp_path: Path) -> None:
    fill(store)
    before = int(_version(store))
    rows = ["local_id,ordnance,found_date,lat,lon"] + [
        f"FN-{i},TM-62M,2021-03-15,{39.9021 + i * 1e-5:.6f},46.9051" for i in range(1500)
    ]
    path = tmp_path / "finds.csv"
    path.write_text("\n".join(rows) + "\n")
    run_cli("import", "finds", str(path), "--db", store.url)
    assert int(_version(store)) == before + 1
