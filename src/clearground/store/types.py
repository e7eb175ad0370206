"""Column types shared by SQLite and PostGIS."""

from __future__ import annotations

from typing import Any

import shapely
from geoalchemy2 import Geometry, WKBElement
from shapely.geometry.base import BaseGeometry
from sqlalchemy import LargeBinary
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine


class GeometryType(TypeDecorator[BaseGeometry]):
    """A lon/lat geometry (EPSG:4326) as a Shapely object in Python.

    Stored as WKB in a BLOB on SQLite and as a PostGIS ``geometry(Geometry, 4326)`` on
    PostgreSQL, where GeoAlchemy2's type handles the conversion.
    """

    impl = LargeBinary
    cache_ok = True
    # Read by GeoAlchemy2's DDL hooks on PostgreSQL: the GiST indexes are made by migrations.
    geometry_type = "GEOMETRY"
    srid = 4326
    dimension = 2
    spatial_index = False
    use_N_D_index = False
    use_typmod = None
    nullable = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect is None:  # GeoAlchemy2's DDL hooks ask without a dialect
            return LargeBinary()
        if dialect.name == "postgresql":
            return dialect.type_descriptor(Geometry(srid=4326, spatial_index=False))
        return dialect.type_descriptor(LargeBinary())

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if isinstance(value, bytes | bytearray | memoryview):
            value = shapely.from_wkb(bytes(value))
        if dialect.name == "postgresql":
            return WKBElement(shapely.to_wkb(value), srid=4326)
        return shapely.to_wkb(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> BaseGeometry | None:
        if value is None:
            return None
        if isinstance(value, WKBElement):
            data = value.data
            return shapely.from_wkb(bytes(data) if not isinstance(data, str) else data)
        return shapely.from_wkb(bytes(value))

    def copy(self, **kw: Any) -> GeometryType:
        return GeometryType()
