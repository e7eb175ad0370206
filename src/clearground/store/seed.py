"""What ``clearground init`` puts into a new database: ordnance catalogue and country."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from sqlalchemy import func, select

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


NAME_FIELDS = (
    "shapeName",  # geoBoundaries
    "name",
    "NAME",
    "MPIO_CNMBR",  # DANE (Colombia) municipalities, then departments
    "MPIO_CNMBRE",
    "DPTO_CNMBR",
    "DPTO_CNMBRE",
    "ADM3_EN",  # OCHA common operational datasets
    "ADM2_EN",
    "ADM1_EN",
    "NAME_3",  # GADM
    "NAME_2",
    "NAME_1",
)
"""Where a boundary file's place names are looked for, in this order (``--name-field``
names another)."""
COUNTRY_FIELDS = ("NAME_0", "COUNTRY", "ADM0_EN")
COUNTRY_NAMES = {"AZE": "Azerbaijan"}


@dataclass(frozen=True)
class Boundaries:
    """A boundary file and how to read it (the options of ``clearground init --country``).

    ``level``: what its polygons are, ``district`` (records are placed in these: the finest
    level) or ``region`` (the level above). ``add``: the database holds a country already and
    the file adds a level to it. The code and parent fields are detected when not given:
    geoBoundaries ``shapeISO``/``shapeID``, DANE ``MPIO_CDPMP``/``DPTO_CCDGO``, GADM
    ``GID_n``/``GID_n-1``; without a parent field a place's parent is the place of the level
    above that holds most of it.
    """

    path: Path | None = None
    name_field: str | None = None
    code_field: str | None = None
    parent_field: str | None = None
    country_name: str | None = None
    level: str = "district"
    add: bool = False


def read_districts(path: Path | None) -> tuple[str, gpd.GeoDataFrame]:
    """Country name and district polygons (``name``, ``code``, ``parent_code``) from a
    boundary file (any format GDAL reads); the default is Azerbaijan's ADM2 districts
    shipped with Clearground (geoBoundaries)."""
    return read_boundaries(Boundaries(path))


def read_boundaries(spec: Boundaries) -> tuple[str, gpd.GeoDataFrame]:
    """The country's name and the file's places as ``name``, ``code``, ``parent_code``
    (None where the file has none) and ``geometry`` (EPSG:4326, made valid)."""
    path = spec.path
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
    source = str(path) if path is not None else None
    if frame.crs is None:
        raise BadInput(
            "the country file has no coordinate reference system",
            source=source,
            fix="Save it with its CRS (e.g. EPSG:4326)",
        )
    if not len(frame):
        raise BadInput("the country file has no features", source=source, fix="Give polygons")
    frame = frame.to_crs(4326)
    columns = [str(c) for c in frame.columns if c != frame.geometry.name]
    name_col = _field(spec.name_field, NAME_FIELDS, columns, source, "--name-field")
    if name_col is None:
        raise BadInput(
            "the country file has no name column",
            source=source,
            field="name",
            fix=f"Name it with --name-field (the file's columns: {', '.join(columns)})",
        )
    code_col, codes = _codes(frame, spec.code_field, columns, source)
    parent_codes = _parent_codes(frame, spec.parent_field, columns, source)
    names = frame[name_col].map(lambda v: None if v is None or pd.isna(v) else str(v).strip())
    blank = np.flatnonzero(~names.astype(bool).to_numpy())
    if len(blank):
        raise BadInput(
            f"{len(blank)} feature(s) of the country file have no name in '{name_col}'",
            source=source,
            row=int(blank[0]) + 1,
            field=name_col,
            fix="Give every place a name, or name another column with --name-field",
        )
    if codes is not None:
        dupes = codes[codes.duplicated()].unique().tolist()
        if dupes:
            raise BadInput(
                f"the code(s) {', '.join(map(str, dupes[:5]))} of '{code_col}' are held by "
                "more than one feature",
                source=source,
                field=code_col,
                fix="Codes name one place each: give another column with --code-field",
            )
    country = spec.country_name or _country_name(frame)
    out = gpd.GeoDataFrame(
        {
            "name": names.to_numpy(),
            "code": None if codes is None else codes.to_numpy(),
            "parent_code": None if parent_codes is None else parent_codes.to_numpy(),
        },
        geometry=shapely.make_valid(frame.geometry.values),
        crs=4326,
    )
    return country, out


def _field(
    given: str | None, known: tuple[str, ...], columns: list[str], source: str | None, opt: str
) -> str | None:
    if given is None:
        return next((c for c in known if c in columns), None)
    if given not in columns:
        raise BadInput(
            f"the country file has no column '{given}'",
            source=source,
            field=opt,
            value=given,
            fix=f"Its columns are: {', '.join(columns)}",
        )
    return given


def _texts(series: pd.Series) -> pd.Series:
    return series.map(lambda v: None if v is None or pd.isna(v) else str(v).strip() or None)


def _unique_and_full(series: pd.Series) -> bool:
    return bool(series.notna().all() and not series.duplicated().any())


def _gadm_level(columns: list[str]) -> int | None:
    levels = [int(c[4:]) for c in columns if c.startswith("GID_") and c[4:].isdigit()]
    return max(levels) if levels else None


def _codes(
    frame: gpd.GeoDataFrame, given: str | None, columns: list[str], source: str | None
) -> tuple[str | None, pd.Series | None]:
    """The column holding each place's official code, and the codes."""
    if given is not None:
        _field(given, (), columns, source, "--code-field")
        return given, _texts(frame[given])
    if "MPIO_CDPMP" in columns:
        return "MPIO_CDPMP", _texts(frame["MPIO_CDPMP"])
    if "MPIO_CCDGO" in columns:
        mpio = _texts(frame["MPIO_CCDGO"])
        if "DPTO_CCDGO" in columns:  # a municipality's own code is 3 digits in some issues
            dpto = _texts(frame["DPTO_CCDGO"])
            mpio = pd.Series(
                [
                    m if m is None or d is None or len(m) > 3 else d + m
                    for d, m in zip(dpto, mpio, strict=True)
                ]
            )
        return "MPIO_CCDGO", mpio
    if "DPTO_CCDGO" in columns:
        return "DPTO_CCDGO", _texts(frame["DPTO_CCDGO"])
    level = _gadm_level(columns)
    if level is not None:
        return f"GID_{level}", _texts(frame[f"GID_{level}"])
    for col in ("shapeISO", "shapeID"):
        if col in columns and _unique_and_full(_texts(frame[col])):
            return col, _texts(frame[col])
    return None, None


def _parent_codes(
    frame: gpd.GeoDataFrame, given: str | None, columns: list[str], source: str | None
) -> pd.Series | None:
    """The code of each place's parent, where the file says it."""
    if given is not None:
        _field(given, (), columns, source, "--parent-field")
        return _texts(frame[given])
    if "DPTO_CCDGO" in columns and ("MPIO_CCDGO" in columns or "MPIO_CDPMP" in columns):
        return _texts(frame["DPTO_CCDGO"])
    level = _gadm_level(columns)
    if level is not None and level >= 2 and f"GID_{level - 1}" in columns:
        return _texts(frame[f"GID_{level - 1}"])
    return None


def _country_name(frame: gpd.GeoDataFrame) -> str:
    for col in COUNTRY_FIELDS:
        if col in frame.columns and frame[col].notna().any():
            return str(frame[col].dropna().iloc[0])
    if "shapeGroup" in frame.columns:
        group = str(frame["shapeGroup"].iloc[0])
        return COUNTRY_NAMES.get(group, group)
    return "Country"


def seed_country(registry: Registry, path: Path | None = None) -> int:
    """Create the country, its districts and (for the default) its populated places."""
    return seed_boundaries(registry, Boundaries(path))


def seed_boundaries(registry: Registry, spec: Boundaries) -> int:
    """Create the country and the places of ``spec``'s file (or add them as a level of the
    country already there, ``spec.add``); returns how many locations were created.

    Nothing is added to a database that holds a country unless ``spec.add`` says so, and a
    region level is not added under districts already there (regions first)."""
    session = registry.session
    existing = session.execute(select(t.Location.kind, func.count()).group_by(t.Location.kind))
    counts = {str(kind): int(n) for kind, n in existing}
    if counts and not spec.add:
        if spec.path is None:
            return 0  # init again on a database made before: nothing to do
        held = session.execute(
            select(t.Location.name).where(t.Location.kind == "country")
        ).scalar_one_or_none()
        raise BadInput(
            f"the database already holds the country {held} ({sum(counts.values())} "
            "locations); the file was not added",
            source=str(spec.path),
            field="--country",
            fix="Give --add to add the file as another level of that country (regions, then "
            "districts), or give a new database with --db",
        )
    if spec.level not in ("district", "region"):
        raise BadInput(
            f"unknown level '{spec.level}'",
            field="--level",
            value=spec.level,
            fix="Use district (the finest, records are placed in it) or region",
        )
    if spec.add and spec.level == "region" and counts.get("district"):
        raise BadInput(
            "the database has districts already: a region level goes in before them",
            source=str(spec.path),
            field="--level",
            fix="Start a new database with the regions, then --add the districts",
        )
    country_name, places = read_boundaries(spec)
    made = 0
    if spec.add and counts:
        cid = session.execute(
            select(t.Location.id).where(t.Location.kind == "country")
        ).scalar_one()
    else:
        outline = shapely.union_all(places.geometry.values)
        cid = registry.add(
            "locations",
            {
                "local_id": "LOC-COUNTRY",
                "kind": "country",
                "name": country_name,
                "geometry": outline,
            },
            status="approved",
        )
        made = 1
    parents = _parents(registry, places, cid, spec)
    rows = []
    for i, (place, parent) in enumerate(zip(places.itertuples(), parents, strict=True)):
        name = str(place.name)
        number = counts.get(spec.level, 0) + i + 1
        code = place.code if place.code is not None else f"{spec.level[0].upper()}{number:03d}"
        rows.append(
            {
                "local_id": f"LOC-{code}",
                "kind": spec.level,
                "name": name,
                "code": str(code),
                "alt_names": [short_name(name), *ALT_NAMES.get(name, [])],
                "parent_id": parent,
                "geometry": place.geometry,
            }
        )
    _refuse_taken_codes(registry, [r["code"] for r in rows], spec)
    ids = registry.add_many("locations", rows, status="approved", note="country boundary")
    made += len(ids)
    if spec.path is None and spec.level == "district":
        made += _seed_places(registry, places, ids)
    return made


def _parents(
    registry: Registry, places: gpd.GeoDataFrame, country_id: int, spec: Boundaries
) -> list[int]:
    """Each place's parent: the place whose code the file gives, else the place of the
    level above (regions, for districts) that holds most of it, else the country."""
    session = registry.session
    above = "region" if spec.level == "district" else None
    rows = (
        session.execute(
            select(t.Location.id, t.Location.code, t.Location.geometry).where(
                t.Location.kind == above
            )
        ).all()
        if above
        else []
    )
    by_code = {str(code): int(rid) for rid, code, _ in rows if code}
    out: list[int] = []
    shapes = [g for _, _, g in rows]
    tree = shapely.STRtree(shapes) if shapes else None
    for i, place in enumerate(places.itertuples()):
        parent_code = place.parent_code
        if parent_code is not None and rows:
            if parent_code not in by_code:
                raise BadInput(
                    f"the parent code '{parent_code}' names no {above} of the database",
                    source=str(spec.path),
                    row=i + 1,
                    field="--parent-field",
                    value=parent_code,
                    fix=f"Add the {above}s first (init --country FILE --level region), or "
                    "leave the parent to be found from the outlines",
                )
            out.append(by_code[parent_code])
            continue
        best = None
        if tree is not None:
            hits = tree.query(place.geometry, predicate="intersects").tolist()
            if hits:
                size = [shapely.area(shapely.intersection(shapes[h], place.geometry)) for h in hits]
                best = int(rows[hits[int(np.argmax(size))]][0])
        out.append(best if best is not None else country_id)
    return out


def _refuse_taken_codes(registry: Registry, codes: list[str], spec: Boundaries) -> None:
    taken = registry.session.execute(
        select(t.Location.code, t.Location.name).where(t.Location.code.in_(codes))
    ).first()
    if taken is not None:
        raise BadInput(
            f"the code '{taken[0]}' is held already (by {taken[1]})",
            source=str(spec.path),
            field="--code-field",
            value=str(taken[0]),
            fix="Each place has its own code: was this file added before?",
        )


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


SETTINGS = ("conflict_start", "border_tolerance_m", "border_warning_m")
"""The settings ``init`` takes: the date before which a record's date is refused, and the
two distances (metres) of the country border check (:mod:`clearground.intake.border`)."""


def init_database(
    store: Store,
    country_file: Path | None = None,
    *,
    boundaries: Boundaries | None = None,
    settings: dict[str, str] | None = None,
) -> dict[str, int]:
    """Seed a migrated database; returns how many records of each kind were created.

    ``boundaries`` (or just ``country_file``) names the country's boundary file; ``settings``
    sets any of :data:`SETTINGS` (on a new database or one made before)."""
    spec = boundaries or Boundaries(country_file)
    with store.session() as session:
        reg = Registry(session, user="init")
        made = {"ordnance": seed_ordnance(reg), "locations": seed_boundaries(reg, spec)}
        country = session.execute(
            select(t.Location.name).where(t.Location.kind == "country")
        ).scalar_one()
        if session.get(t.Setting, "country") is None:
            session.add(t.Setting(key="country", value=country))
        if spec.path is None and session.get(t.Setting, "conflict_start") is None:
            # dates before the first Karabakh war began are refused at import
            session.add(t.Setting(key="conflict_start", value="1988-02-20"))
        for key, value in (settings or {}).items():
            if key not in SETTINGS:
                raise BadInput(f"unknown setting '{key}'", field=key, fix=", ".join(SETTINGS))
            session.merge(t.Setting(key=key, value=value))
    return made
