"""What ``clearground init`` puts into a new database: ordnance catalogue and country."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely
from sqlalchemy import select

from clearground.domain.catalogue import ORDNANCE
from clearground.domain.errors import BadInput
from clearground.store import tables as t
from clearground.store.database import Store
from clearground.store.repository import Registry

DATA = resources.files("clearground") / "data"

ALT_NAMES: dict[str, list[str]] = {
    "Agdam District": ["Aghdam", "Ağdam"],
    "Fuzuli District": ["Füzuli", "Fizuli"],
    "Jabrayil District": ["Jabrail", "Cəbrayıl"],
    "Qubadli District": ["Gubadli", "Qubadlı"],
    "Zangilan District": ["Zəngilan"],
    "Lachin District": ["Laçın", "Lachyn"],
    "Kalbajar District": ["Kəlbəcər", "Kelbajar"],
    "Khojaly District": ["Khojali", "Xocalı"],
    "Shusha District": ["Şuşa", "Shushi"],
    "Khojavend District": ["Xocavənd"],
    "Dashkasan District": ["Daşkəsən", "Dashkesan"],
    "Tartar District": ["Tərtər", "Terter"],
}


def short_name(name: str) -> str:
    """'Agdam District' -> 'Agdam'."""
    for suffix in (" District", " City", " Rayon"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def seed_ordnance(registry: Registry) -> int:
    existing = set(registry.session.execute(select(t.Ordnance.code)).scalars())
    rows = [
        {
            "local_id": f"ORD-{code}",
            "code": code,
            "name": name,
            "category": cat,
            "subcategory": sub,
            "origin": origin,
        }
        for code, name, cat, sub, origin in ORDNANCE
        if code not in existing
    ]
    return len(registry.add_many("ordnance", rows, status="approved", note="catalogue"))


def read_districts(path: Path | None) -> tuple[str, gpd.GeoDataFrame]:
    """Country name and district polygons from a boundary file (any format GDAL reads).

    The default is Azerbaijan's ADM2 districts shipped with Clearground (geoBoundaries).
    """
    if path is None:
        with resources.as_file(DATA / "azerbaijan" / "districts-adm2.geojson") as p:
            frame = gpd.read_file(p)
    else:
        try:
            frame = gpd.read_file(path)
        except Exception as exc:  # noqa: BLE001 - GDAL's many errors are all bad input here
            raise BadInput(
                f"cannot read the country file: {exc}",
                source=str(path),
                fix="Give a GeoPackage, GeoJSON or Shapefile of district polygons",
            ) from exc
    if frame.crs is None:
        raise BadInput(
            "the country file has no coordinate reference system",
            source=str(path),
            fix="Save it with its CRS (e.g. EPSG:4326)",
        )
    frame = frame.to_crs(4326)
    name_col = next(
        (c for c in ("shapeName", "name", "NAME", "ADM2_EN", "NAME_2") if c in frame.columns), None
    )
    if name_col is None:
        raise BadInput(
            "the country file has no name column",
            source=str(path),
            field="name",
            fix="Add a 'name' column with the district names",
        )
    frame = frame.rename(columns={name_col: "name"})
    country = str(frame["shapeGroup"].iloc[0]) if "shapeGroup" in frame.columns else "Country"
    if country == "AZE":
        country = "Azerbaijan"
    frame["geometry"] = shapely.make_valid(frame.geometry.values)
    return country, frame


def seed_country(registry: Registry, path: Path | None = None) -> int:
    """Create the country, its districts and (for the default) its populated places."""
    if registry.session.execute(select(t.Location.id).limit(1)).first() is not None:
        return 0
    country, districts = read_districts(path)
    outline = shapely.union_all(districts.geometry.values)
    cid = registry.add(
        "locations",
        {"local_id": "LOC-COUNTRY", "kind": "country", "name": country, "geometry": outline},
        status="approved",
    )
    rows = []
    for i, row in enumerate(districts.itertuples()):
        name = str(row.name)
        code = str(getattr(row, "shapeID", "") or f"D{i + 1:03d}")
        rows.append(
            {
                "local_id": f"LOC-{code}",
                "kind": "district",
                "name": name,
                "code": code,
                "alt_names": [short_name(name), *ALT_NAMES.get(name, [])],
                "parent_id": cid,
                "geometry": row.geometry,
            }
        )
    ids = registry.add_many("locations", rows, status="approved", note="country boundary")
    n = len(ids) + 1
    if path is None:
        n += _seed_places(registry, districts, ids)
    return n


def _seed_places(registry: Registry, districts: gpd.GeoDataFrame, ids: list[int]) -> int:
    with resources.as_file(DATA / "azerbaijan" / "places.csv") as p:
        places = pd.read_csv(p)
    pts = gpd.GeoDataFrame(
        places, geometry=gpd.points_from_xy(places.longitude, places.latitude), crs=4326
    )
    frame = districts.assign(location_id=ids)[["location_id", "geometry"]]
    joined = gpd.sjoin(pts, frame, how="left", predicate="within")
    joined = joined[~joined.index.duplicated()]
    rows = [
        {
            "local_id": f"LOC-GN{r.geonameid}",
            "kind": "settlement",
            "name": r.name,
            "code": str(r.geonameid),
            "population": int(r.population),
            "parent_id": None if pd.isna(r.location_id) else int(r.location_id),
            "geometry": r.geometry,
        }
        for r in joined.itertuples()
    ]
    return len(registry.add_many("locations", rows, status="approved", note="GeoNames places"))


def init_database(store: Store, country_file: Path | None = None) -> dict[str, int]:
    """Seed a migrated database; returns how many records of each kind were created."""
    with store.session() as session:
        reg = Registry(session, user="init")
        made = {"ordnance": seed_ordnance(reg), "locations": seed_country(reg, country_file)}
        if session.get(t.Setting, "country") is None:
            country = session.execute(
                select(t.Location.name).where(t.Location.kind == "country")
            ).scalar_one()
            session.add(t.Setting(key="country", value=country))
        if country_file is None and session.get(t.Setting, "conflict_start") is None:
            # dates before the first Karabakh war began are refused at import
            session.add(t.Setting(key="conflict_start", value="1988-02-20"))
    return made
