"""Tables of the registry: one set of models for SQLite and PostGIS.

Every record table carries the common record columns (``RecordColumns``): a human-readable
``local_id``, the ``version`` (1 on creation, +1 per edit), the review status, the date of the
information, who reported it, and who made the current version, when and why. Before an edit
replaces a version, that version is copied whole into ``record_version``, so the full history
of a record is its superseded versions there plus its current row: nothing is ever lost.

Geometries are lon/lat (EPSG:4326). Tables with a geometry also store its bounding box
(``min_x`` ... ``max_y``, degrees), which feeds the SQLite R*Tree index; PostGIS uses a GiST
index on the geometry itself. Areas (``area_m2``) are derived from the polygons, in m².
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from shapely.geometry.base import BaseGeometry
from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from clearground.store.types import GeometryType

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class RecordColumns:
    """Columns every record has."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    local_id: Mapped[str] = mapped_column(String(80), unique=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    review_status: Mapped[str] = mapped_column(String(16), default="draft", index=True)
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    info_date: Mapped[dt.date | None] = mapped_column(Date)
    reported_by: Mapped[str | None] = mapped_column(String(200))
    updated_by: Mapped[str | None] = mapped_column(String(100))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    change_note: Mapped[str | None] = mapped_column(Text)


class SpatialColumns:
    """Bounding box of the record's ``geometry`` in degrees, maintained by the repository."""

    min_x: Mapped[float | None] = mapped_column(Float)
    min_y: Mapped[float | None] = mapped_column(Float)
    max_x: Mapped[float | None] = mapped_column(Float)
    max_y: Mapped[float | None] = mapped_column(Float)


class Location(RecordColumns, SpatialColumns, Base):
    __tablename__ = "location"
    kind: Mapped[str] = mapped_column(String(20), index=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    code: Mapped[str | None] = mapped_column(String(40))
    alt_names: Mapped[list[Any]] = mapped_column(default=list)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("location.id"))
    population: Mapped[int | None] = mapped_column(Integer)
    geometry: Mapped[BaseGeometry | None] = mapped_column(GeometryType())


class Organisation(RecordColumns, Base):
    __tablename__ = "organisation"
    name: Mapped[str] = mapped_column(String(200), unique=True)
    short_name: Mapped[str | None] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(30))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    country: Mapped[str | None] = mapped_column(String(3))
    accredited_from: Mapped[dt.date | None] = mapped_column(Date)
    accredited_until: Mapped[dt.date | None] = mapped_column(Date)


class Asset(RecordColumns, Base):
    __tablename__ = "asset"
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    model: Mapped[str | None] = mapped_column(String(100))
    method: Mapped[str] = mapped_column(String(20))
    productivity_m2_per_day: Mapped[float | None] = mapped_column(Float)
    terrain: Mapped[str | None] = mapped_column(String(40))
    in_service_from: Mapped[dt.date | None] = mapped_column(Date)


class Ordnance(RecordColumns, Base):
    __tablename__ = "ordnance"
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(20))
    subcategory: Mapped[str | None] = mapped_column(String(40))
    origin: Mapped[str | None] = mapped_column(String(80))
    description: Mapped[str | None] = mapped_column(Text)


class Handover(RecordColumns, Base):
    __tablename__ = "handover"
    handover_date: Mapped[dt.date] = mapped_column(Date)
    handed_over_by: Mapped[str] = mapped_column(String(200))
    received_by: Mapped[str | None] = mapped_column(String(200))
    exchanged_for: Mapped[str | None] = mapped_column(Text)
    districts: Mapped[list[Any]] = mapped_column(default=list)
    claimed_total: Mapped[int | None] = mapped_column(Integer)
    claimed_ap: Mapped[int | None] = mapped_column(Integer)
    claimed_at: Mapped[int | None] = mapped_column(Integer)
    description: Mapped[str | None] = mapped_column(Text)


class MinefieldRecord(RecordColumns, SpatialColumns, Base):
    __tablename__ = "minefield_record"
    handover_id: Mapped[int | None] = mapped_column(ForeignKey("handover.id"), index=True)
    location_id: Mapped[int | None] = mapped_column(ForeignKey("location.id"), index=True)
    record_number: Mapped[str | None] = mapped_column(String(80))
    laid_date: Mapped[dt.date | None] = mapped_column(Date)
    form: Mapped[dict[str, Any]] = mapped_column(default=dict)
    crs_as_written: Mapped[str] = mapped_column(String(40), default="EPSG:4326")
    bearing_type: Mapped[str] = mapped_column(String(10), default="true")
    claimed_ap: Mapped[int] = mapped_column(Integer, default=0)
    claimed_at: Mapped[int] = mapped_column(Integer, default=0)
    claimed_total: Mapped[int] = mapped_column(Integer, default=0)
    reliability: Mapped[int] = mapped_column(Integer, default=6)
    source_grade: Mapped[str | None] = mapped_column(String(1))
    closure_error_m: Mapped[float | None] = mapped_column(Float)
    area_m2: Mapped[float | None] = mapped_column(Float)
    geometry: Mapped[BaseGeometry | None] = mapped_column(GeometryType())
    rows_geometry: Mapped[BaseGeometry | None] = mapped_column(GeometryType())
    mines_geometry: Mapped[BaseGeometry | None] = mapped_column(GeometryType())


class Hazard(RecordColumns, SpatialColumns, Base):
    __tablename__ = "hazard"
    kind: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(10), default="open")
    contamination: Mapped[str] = mapped_column(String(20), default="mined_area")
    name: Mapped[str | None] = mapped_column(String(200))
    location_id: Mapped[int | None] = mapped_column(ForeignKey("location.id"), index=True)
    minefield_record_id: Mapped[int | None] = mapped_column(ForeignKey("minefield_record.id"))
    evidence: Mapped[str | None] = mapped_column(Text)
    blockages: Mapped[list[Any]] = mapped_column(default=list)
    expected_devices: Mapped[str | None] = mapped_column(String(200))
    estimated_area_m2: Mapped[float | None] = mapped_column(Float)
    area_m2: Mapped[float | None] = mapped_column(Float)
    geometry: Mapped[BaseGeometry | None] = mapped_column(GeometryType())


class Activity(RecordColumns, SpatialColumns, Base):
    __tablename__ = "activity"
    hazard_id: Mapped[int | None] = mapped_column(ForeignKey("hazard.id"), index=True)
    kind: Mapped[str] = mapped_column(String(12))
    result: Mapped[str] = mapped_column(String(10), default="none")
    method: Mapped[str] = mapped_column(String(12))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    asset_id: Mapped[int | None] = mapped_column(ForeignKey("asset.id"))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("task.id"))
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date, index=True)
    depth_cm: Mapped[int | None] = mapped_column(Integer)
    team_days: Mapped[float | None] = mapped_column(Float)
    area_m2: Mapped[float | None] = mapped_column(Float)
    geometry: Mapped[BaseGeometry | None] = mapped_column(GeometryType())


class Find(RecordColumns, SpatialColumns, Base):
    __tablename__ = "find"
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("activity.id"), index=True)
    ordnance_id: Mapped[int] = mapped_column(ForeignKey("ordnance.id"))
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    found_date: Mapped[dt.date] = mapped_column(Date, index=True)
    disposal: Mapped[str] = mapped_column(String(20), default="destroyed_in_situ")
    location_id: Mapped[int | None] = mapped_column(ForeignKey("location.id"), index=True)
    geometry: Mapped[BaseGeometry | None] = mapped_column(GeometryType())


class Accident(RecordColumns, SpatialColumns, Base):
    __tablename__ = "accident"
    kind: Mapped[str] = mapped_column(String(10))
    accident_date: Mapped[dt.date | None] = mapped_column(Date, index=True)
    """The first day of what is known of the date (its day, month or year); None if unknown."""
    accident_date_precision: Mapped[str] = mapped_column(String(10), default="day")
    location_id: Mapped[int | None] = mapped_column(ForeignKey("location.id"), index=True)
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("activity.id"))
    ordnance_id: Mapped[int | None] = mapped_column(ForeignKey("ordnance.id"))
    description: Mapped[str | None] = mapped_column(Text)
    geometry: Mapped[BaseGeometry | None] = mapped_column(GeometryType())


class Victim(RecordColumns, Base):
    __tablename__ = "victim"
    accident_id: Mapped[int] = mapped_column(ForeignKey("accident.id"), index=True)
    name: Mapped[str | None] = mapped_column(String(200))
    sex: Mapped[str] = mapped_column(String(10), default="unknown")
    age: Mapped[int | None] = mapped_column(Integer)
    age_group: Mapped[str] = mapped_column(String(10), default="unknown")
    status: Mapped[str] = mapped_column(String(10))
    outcome: Mapped[str] = mapped_column(String(10))
    activity_at_time: Mapped[str | None] = mapped_column(String(100))
    injuries: Mapped[str | None] = mapped_column(Text)
    home_location_id: Mapped[int | None] = mapped_column(ForeignKey("location.id"))


class Funding(RecordColumns, Base):
    __tablename__ = "funding"
    donor_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    recipient_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    amount: Mapped[Decimal] = mapped_column(Numeric(18, 2))
    currency: Mapped[str] = mapped_column(String(3))
    funding_date: Mapped[dt.date] = mapped_column(Date)
    purpose: Mapped[str | None] = mapped_column(Text)


class ExchangeRate(RecordColumns, Base):
    __tablename__ = "exchange_rate"
    __table_args__ = (UniqueConstraint("rate_date", "currency", "quote_currency"),)
    rate_date: Mapped[dt.date] = mapped_column(Date)
    currency: Mapped[str] = mapped_column(String(3))
    quote_currency: Mapped[str] = mapped_column(String(3))
    rate: Mapped[Decimal] = mapped_column(Numeric(18, 8))
    source: Mapped[str | None] = mapped_column(String(200))


class Task(RecordColumns, Base):
    __tablename__ = "task"
    hazard_id: Mapped[int | None] = mapped_column(ForeignKey("hazard.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    asset_id: Mapped[int | None] = mapped_column(ForeignKey("asset.id"))
    kind: Mapped[str] = mapped_column(String(12))
    status: Mapped[str] = mapped_column(String(12), default="planned")
    planned_start: Mapped[dt.date | None] = mapped_column(Date)
    planned_end: Mapped[dt.date | None] = mapped_column(Date)
    planned_area_m2: Mapped[float | None] = mapped_column(Float)
    description: Mapped[str | None] = mapped_column(Text)


class MonitoringVisit(RecordColumns, Base):
    """A visit of the national authority's monitors to an operator's task (IMAS 07.40): when,
    why, by whom, its findings (non-conformities) counted by severity, the checklist's answers
    (``{question: answer}``) and the result the findings allow (``domain/monitoring.py``)."""

    __tablename__ = "monitoring_visit"
    task_id: Mapped[int] = mapped_column(ForeignKey("task.id"), index=True)
    visit_date: Mapped[dt.date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(20))
    result: Mapped[str] = mapped_column(String(20))
    monitor: Mapped[str | None] = mapped_column(String(200))
    critical_findings: Mapped[int] = mapped_column(Integer, default=0)
    major_findings: Mapped[int] = mapped_column(Integer, default=0)
    minor_findings: Mapped[int] = mapped_column(Integer, default=0)
    checklist: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    description: Mapped[str | None] = mapped_column(Text)


class RecordVersion(Base):
    """Superseded versions of records, each whole, as JSON (the current one is the row)."""

    __tablename__ = "record_version"
    __table_args__ = (UniqueConstraint("kind", "record_id", "version"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer)
    data: Mapped[dict[str, Any]] = mapped_column()
    changed_by: Mapped[str | None] = mapped_column(String(100))
    changed_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    note: Mapped[str | None] = mapped_column(Text)


class Setting(Base):
    """Key/value facts about the database (country, demo seed and scale)."""

    __tablename__ = "setting"
    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class ImportJob(Base):
    """An import started from the web, run in the background; the page polls its state.

    ``state``: running, done (``report`` holds the import report, written or refused) or
    failed (``error`` holds the JSON error shape). ``stage``/``done``/``total`` are the
    progress of the current stage (rows).
    """

    __tablename__ = "import_job"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_name: Mapped[str] = mapped_column(String(100), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    source: Mapped[str] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(20), default="running")
    stage: Mapped[str | None] = mapped_column(String(40))
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    status_code: Mapped[int | None] = mapped_column(Integer)
    report: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)


SPATIAL_TABLES = [Location, MinefieldRecord, Hazard, Activity, Find, Accident]


class User(Base):
    """Someone who signs in to the web application, or a script with an API token.

    ``role`` is one of ``clearground.web.auth.ROLES``; operators and donors belong to an
    organisation. The password is stored as an Argon2 hash (``None``: token-only user).
    """

    __tablename__ = "user"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    disabled_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    """When an admin disabled the user (``clearground user disable``): no sign-in, no token."""


class WebSession(Base):
    """A signed-in browser. The cookie holds a random id; only its SHA-256 is kept here.

    A session ends (``ended_at`` and ``end_reason`` set) on sign-out, when an admin ends the
    user's sessions, when the password changes or the user is disabled; it also lapses after
    idle time (``last_seen``) or its absolute lifetime (``created_at``), see store/sessions.py.
    """

    __tablename__ = "web_session"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    id_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    last_seen: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    ended_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    end_reason: Mapped[str | None] = mapped_column(String(40))


class ApiToken(Base):
    """An API token (``Authorization: Bearer TOKEN``), stored as the SHA-256 of the token."""

    __tablename__ = "api_token"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    last_used: Mapped[dt.datetime | None] = mapped_column(DateTime)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
