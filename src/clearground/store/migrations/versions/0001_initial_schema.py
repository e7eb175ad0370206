"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-25

Spatial indexes: an R*Tree per spatial table on SQLite (kept in step by triggers from the
bounding-box columns), a GiST index on the geometry on PostGIS.
"""

import sqlalchemy as sa
from alembic import op

import clearground.store.types
from clearground.store.spatial_index import rtree_triggers

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    op.create_table(
        "exchange_rate",
        sa.Column("rate_date", sa.Date(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("quote_currency", sa.String(length=3), nullable=False),
        sa.Column("rate", sa.Numeric(precision=18, scale=8), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("local_id", sa.String(length=80), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("review_status", sa.String(length=16), nullable=False),
        sa.Column("rejection_reason", sa.Text(), nullable=True),
        sa.Column("info_date", sa.Date(), nullable=True),
        sa.Column("reported_by", sa.String(length=200), nullable=True),
        sa.Column("updated_by", sa.String(length=100), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("change_note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_rate")),
        sa.UniqueConstraint("local_id", name=op.f("uq_exchange_rate_local_id")),
        sa.UniqueConstraint(
            "rate_date", "currency", "quote_currency", name=op.f("uq_exchange_rate_rate_date")
        ),
    )
    with op.batch_alter_table("exchange_rate", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_exchange_rate_review_status"), ["review_status"], unique=False
        )

    op.create_table(
        "handover",
        sa.Column("handover_date", sa.Date(), nullable=False),
        sa.Column("handed_over_by", sa.String(length=200), nullable=False),
        sa.Column("received_by", sa.String(length=200), nullable=True),
        sa.Column("exchanged_for", sa.Text(), nullable=True),
        sa.Column("districts", sa.JSON(), nullable=False),
        sa.Column("claimed_total", sa.Integer(), nullable=True),
        sa.Column("claimed_ap", sa.Integer(), nullable=True),
        sa.Column("claimed_at", sa.Integer(), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("local_id", sa.String(length=80), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("review_status", sa.String(length=16), nullable=False),
        sa.Column("rejection_reason", sa.Text(), nullable=True),
        sa.Column("info_date", sa.Date(), nullable=True),
        sa.Column("reported_by", sa.String(length=200), nullable=True),
        sa.Column("updated_by", sa.String(length=100), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("change_note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handover")),
        sa.UniqueConstraint("local_id", name=op.f("uq_handover_local_id")),
    )
    with op.batch_alter_table("handover", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_handover_review_status"), ["review_status"], unique=False
        )

    op.create_table(
        "location",
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=True),
        sa.Column("alt_names", sa.JSON(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("population", sa.Integer(), nullable=True),
        sa.Column("geometry", clearground.store.types.GeometryType(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("local_id", sa.String(length=80), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("review_status", sa.String(length=16), nullable=False),
        sa.Column("rejection_reason", sa.Text(), nullable=True),
        sa.Column("info_date", sa.Date(), nullable=True),
        sa.Column("reported_by", sa.String(length=200), nullable=True),
        sa.Column("updated_by", sa.String(length=100), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("change_note", sa.Text(), nullable=True),
        sa.Column("min_x", sa.Float(), nullable=True),
        sa.Column("min_y", sa.Float(), nullable=True),
        sa.Column("max_x", sa.Float(), nullable=True),
        sa.Column("max_y", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["location.id"], name=op.f("fk_location_parent_id_location")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_location")),
        sa.UniqueConstraint("local_id", name=op.f("uq_location_local_id")),
    )
    with op.batch_alter_table("location", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_location_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_location_name"), ["name"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_location_review_status"), ["review_status"], unique=False
        )

    op.create_table(
        "ordnance",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("subcategory", sa.String(length=40), nullable=True),
        sa.Column("origin", sa.String(length=80), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("local_id", sa.String(length=80), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("review_status", sa.String(length=16), nullable=False),
        sa.Column("rejection_reason", sa.Text(), nullable=True),
        sa.Column("info_date", sa.Date(), nullable=True),
        sa.Column("reported_by", sa.String(length=200), nullable=True),
        sa.Column("updated_by", sa.String(length=100), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("change_note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ordnance")),
        sa.UniqueConstraint("code", name=op.f("uq_ordnance_code")),
        sa.UniqueConstraint("local_id", name=op.f("uq_ordnance_local_id")),
    )
    with op.batch_alter_table("ordnance", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_ordnance_review_status"), ["review_status"], unique=False
        )

    op.create_table(
        "organisation",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("short_name", sa.String(length=40), nullable=True),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("country", sa.String(length=3), nullable=True),
        sa.Column("accredited_from", sa.Date(), nullable=True),
        sa.Column("accredited_until", sa.Date(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("local_id", sa.String(length=80), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("review_status", sa.String(length=16), nullable=False),
        sa.Column("rejection_reason", sa.Text(), nullable=True),
        sa.Column("info_date", sa.Date(), nullable=True),
        sa.Column("reported_by", sa.String(length=200), nullable=True),
        sa.Column("updated_by", sa.String(length=100), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("change_note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["organisation.id"], name=op.f("fk_organisation_parent_id_organisation")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisation")),
        sa.UniqueConstraint("local_id", name=op.f("uq_organisation_local_id")),
        sa.UniqueConstraint("name", name=op.f("uq_organisation_name")),
    )
    with op.batch_alter_table("organisation", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_organisation_review_status"), ["review_status"], unique=False
        )

    op.create_table(
        "record_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("changed_by", sa.String(length=100), nullable=True),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record_version")),
        sa.UniqueConstraint("kind", "record_id", "version", name=op.f("uq_record_version_kind")),
    )
    op.create_table(
        "setting",
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_setting")),
    )
    op.create_table(
        "asset",
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("model", sa.String(length=100), nullable=True),
        sa.Column("method", sa.String(length=20), nullable=False),
        sa.Column("productivity_m2_per_day", sa.Float(), nullable=True),
        sa.Column("terrain", sa.String(length=40), nullable=True),
        sa.Column("in_service_from", sa.Date(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("local_id", sa.String(length=80), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("review_status", sa.String(length=16), nullable=False),
        sa.Column("rejection_reason", sa.Text(), nullable=True),
        sa.Column("info_date", sa.Date(), nullable=True),
        sa.Column("reported_by", sa.String(length=200), nullable=True),
        sa.Column("updated_by", sa.String(length=100), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("change_note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_asset_organisation_id_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_asset")),
        sa.UniqueConstraint("local_id", name=op.f("uq_asset_local_id")),
    )
    with op.batch_alter_table("asset", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_asset_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_asset_review_status"), ["review_status"], unique=False)

    op.create_table(
        "funding",
        sa.Column("donor_id", sa.Integer(), nullable=False),
        sa.Column("recipient_id", sa.Integer(), nullable=True),
        sa.Column("amount", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("funding_date", sa.Date(), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("local_id", sa.String(length=80), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("review_status", sa.String(length=16), nullable=False),
        sa.Column("rejection_reason", sa.Text(), nullable=True),
        sa.Column("info_date", sa.Date(), nullable=True),
        sa.Column("reported_by", sa.String(length=200), nullable=True),
        sa.Column("updated_by", sa.String(length=100), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("change_note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["donor_id"], ["organisation.id"], name=op.f("fk_funding_donor_id_organisation")
        ),
        sa.ForeignKeyConstraint(
            ["recipient_id"], ["organisation.id"], name=op.f("fk_funding_recipient_id_organisation")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_funding")),
        sa.UniqueConstraint("local_id", name=op.f("uq_funding_local_id")),
    )
    with op.batch_alter_table("funding", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_funding_donor_id"), ["donor_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_funding_review_status"), ["review_status"], unique=False
        )

    op.create_table(
        "minefield_record",
        sa.Column("handover_id", sa.Integer(), nullable=True),
        sa.Column("location_id", sa.Integer(), nullable=True),
        sa.Column("record_number", sa.String(length=80), nullable=True),
        sa.Column("laid_date", sa.Date(), nullable=True),
        sa.Column("form", sa.JSON(), nullable=False),
        sa.Column("crs_as_written", sa.String(length=40), nullable=False),
        sa.Column("bearing_type", sa.String(length=10), nullable=False),
        sa.Column("claimed_ap", sa.Integer(), nullable=False),
        sa.Column("claimed_at", sa.Integer(), nullable=False),
        sa.Column("claimed_total", sa.Integer(), nullable=False),
        sa.Column("reliability", sa.Integer(), nullable=False),
        sa.Column("source_grade", sa.String(length=1), nullable=True),
        sa.Column("closure_error_m", sa.Float(), nullable=True),
        sa.Column("area_m2", sa.Float(), nullable=True),
        sa.Column("geometry", clearground.store.types.GeometryType(), nullable=True),
        sa.Column("rows_geometry", clearground.store.types.GeometryType(), nullable=True),
        sa.Column("mines_geometry", clearground.store.types.GeometryType(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("local_id", sa.String(length=80), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("review_status", sa.String(length=16), nullable=False),
        sa.Column("rejection_reason", sa.Text(), nullable=True),
        sa.Column("info_date", sa.Date(), nullable=True),
        sa.Column("reported_by", sa.String(length=200), nullable=True),
        sa.Column("updated_by", sa.String(length=100), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("change_note", sa.Text(), nullable=True),
        sa.Column("min_x", sa.Float(), nullable=True),
        sa.Column("min_y", sa.Float(), nullable=True),
        sa.Column("max_x", sa.Float(), nullable=True),
        sa.Column("max_y", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["handover_id"], ["handover.id"], name=op.f("fk_minefield_record_handover_id_handover")
        ),
        sa.ForeignKeyConstraint(
            ["location_id"], ["location.id"], name=op.f("fk_minefield_record_location_id_location")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_minefield_record")),
        sa.UniqueConstraint("local_id", name=op.f("uq_minefield_record_local_id")),
    )
    with op.batch_alter_table("minefield_record", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_minefield_record_handover_id"), ["handover_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_minefield_record_location_id"), ["location_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_minefield_record_review_status"), ["review_status"], unique=False
        )

    op.create_table(
        "hazard",
        sa.Column("kind", sa.String(length=3), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("contamination", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("location_id", sa.Integer(), nullable=True),
        sa.Column("minefield_record_id", sa.Integer(), nullable=True),
        sa.Column("evidence", sa.Text(), nullable=True),
        sa.Column("blockages", sa.JSON(), nullable=False),
        sa.Column("expected_devices", sa.String(length=200), nullable=True),
        sa.Column("estimated_area_m2", sa.Float(), nullable=True),
        sa.Column("area_m2", sa.Float(), nullable=True),
        sa.Column("geometry", clearground.store.types.GeometryType(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("local_id", sa.String(length=80), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("review_status", sa.String(length=16), nullable=False),
        sa.Column("rejection_reason", sa.Text(), nullable=True),
        sa.Column("info_date", sa.Date(), nullable=True),
        sa.Column("reported_by", sa.String(length=200), nullable=True),
        sa.Column("updated_by", sa.String(length=100), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("change_note", sa.Text(), nullable=True),
        sa.Column("min_x", sa.Float(), nullable=True),
        sa.Column("min_y", sa.Float(), nullable=True),
        sa.Column("max_x", sa.Float(), nullable=True),
        sa.Column("max_y", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["location_id"], ["location.id"], name=op.f("fk_hazard_location_id_location")
        ),
        sa.ForeignKeyConstraint(
            ["minefield_record_id"],
            ["minefield_record.id"],
            name=op.f("fk_hazard_minefield_record_id_minefield_record"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hazard")),
        sa.UniqueConstraint("local_id", name=op.f("uq_hazard_local_id")),
    )
    with op.batch_alter_table("hazard", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_hazard_location_id"), ["location_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_hazard_review_status"), ["review_status"], unique=False
        )

    op.create_table(
        "task",
        sa.Column("hazard_id", sa.Integer(), nullable=True),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("asset_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("planned_start", sa.Date(), nullable=True),
        sa.Column("planned_end", sa.Date(), nullable=True),
        sa.Column("planned_area_m2", sa.Float(), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("local_id", sa.String(length=80), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("review_status", sa.String(length=16), nullable=False),
        sa.Column("rejection_reason", sa.Text(), nullable=True),
        sa.Column("info_date", sa.Date(), nullable=True),
        sa.Column("reported_by", sa.String(length=200), nullable=True),
        sa.Column("updated_by", sa.String(length=100), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("change_note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["asset_id"], ["asset.id"], name=op.f("fk_task_asset_id_asset")),
        sa.ForeignKeyConstraint(
            ["hazard_id"], ["hazard.id"], name=op.f("fk_task_hazard_id_hazard")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_task_organisation_id_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task")),
        sa.UniqueConstraint("local_id", name=op.f("uq_task_local_id")),
    )
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_task_hazard_id"), ["hazard_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_task_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_task_review_status"), ["review_status"], unique=False)

    op.create_table(
        "activity",
        sa.Column("hazard_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("result", sa.String(length=10), nullable=False),
        sa.Column("method", sa.String(length=12), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("asset_id", sa.Integer(), nullable=True),
        sa.Column("task_id", sa.Integer(), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("depth_cm", sa.Integer(), nullable=True),
        sa.Column("team_days", sa.Float(), nullable=True),
        sa.Column("area_m2", sa.Float(), nullable=True),
        sa.Column("geometry", clearground.store.types.GeometryType(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("local_id", sa.String(length=80), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("review_status", sa.String(length=16), nullable=False),
        sa.Column("rejection_reason", sa.Text(), nullable=True),
        sa.Column("info_date", sa.Date(), nullable=True),
        sa.Column("reported_by", sa.String(length=200), nullable=True),
        sa.Column("updated_by", sa.String(length=100), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("change_note", sa.Text(), nullable=True),
        sa.Column("min_x", sa.Float(), nullable=True),
        sa.Column("min_y", sa.Float(), nullable=True),
        sa.Column("max_x", sa.Float(), nullable=True),
        sa.Column("max_y", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["asset_id"], ["asset.id"], name=op.f("fk_activity_asset_id_asset")
        ),
        sa.ForeignKeyConstraint(
            ["hazard_id"], ["hazard.id"], name=op.f("fk_activity_hazard_id_hazard")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_activity_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(["task_id"], ["task.id"], name=op.f("fk_activity_task_id_task")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activity")),
        sa.UniqueConstraint("local_id", name=op.f("uq_activity_local_id")),
    )
    with op.batch_alter_table("activity", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_activity_end_date"), ["end_date"], unique=False)
        batch_op.create_index(batch_op.f("ix_activity_hazard_id"), ["hazard_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_activity_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_activity_review_status"), ["review_status"], unique=False
        )

    op.create_table(
        "accident",
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("accident_date", sa.Date(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=True),
        sa.Column("activity_id", sa.Integer(), nullable=True),
        sa.Column("ordnance_id", sa.Integer(), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("geometry", clearground.store.types.GeometryType(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("local_id", sa.String(length=80), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("review_status", sa.String(length=16), nullable=False),
        sa.Column("rejection_reason", sa.Text(), nullable=True),
        sa.Column("info_date", sa.Date(), nullable=True),
        sa.Column("reported_by", sa.String(length=200), nullable=True),
        sa.Column("updated_by", sa.String(length=100), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("change_note", sa.Text(), nullable=True),
        sa.Column("min_x", sa.Float(), nullable=True),
        sa.Column("min_y", sa.Float(), nullable=True),
        sa.Column("max_x", sa.Float(), nullable=True),
        sa.Column("max_y", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["activity_id"], ["activity.id"], name=op.f("fk_accident_activity_id_activity")
        ),
        sa.ForeignKeyConstraint(
            ["location_id"], ["location.id"], name=op.f("fk_accident_location_id_location")
        ),
        sa.ForeignKeyConstraint(
            ["ordnance_id"], ["ordnance.id"], name=op.f("fk_accident_ordnance_id_ordnance")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accident")),
        sa.UniqueConstraint("local_id", name=op.f("uq_accident_local_id")),
    )
    with op.batch_alter_table("accident", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_accident_accident_date"), ["accident_date"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_accident_location_id"), ["location_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_accident_review_status"), ["review_status"], unique=False
        )

    op.create_table(
        "find",
        sa.Column("activity_id", sa.Integer(), nullable=True),
        sa.Column("ordnance_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("found_date", sa.Date(), nullable=False),
        sa.Column("disposal", sa.String(length=20), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=True),
        sa.Column("geometry", clearground.store.types.GeometryType(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("local_id", sa.String(length=80), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("review_status", sa.String(length=16), nullable=False),
        sa.Column("rejection_reason", sa.Text(), nullable=True),
        sa.Column("info_date", sa.Date(), nullable=True),
        sa.Column("reported_by", sa.String(length=200), nullable=True),
        sa.Column("updated_by", sa.String(length=100), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("change_note", sa.Text(), nullable=True),
        sa.Column("min_x", sa.Float(), nullable=True),
        sa.Column("min_y", sa.Float(), nullable=True),
        sa.Column("max_x", sa.Float(), nullable=True),
        sa.Column("max_y", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["activity_id"], ["activity.id"], name=op.f("fk_find_activity_id_activity")
        ),
        sa.ForeignKeyConstraint(
            ["location_id"], ["location.id"], name=op.f("fk_find_location_id_location")
        ),
        sa.ForeignKeyConstraint(
            ["ordnance_id"], ["ordnance.id"], name=op.f("fk_find_ordnance_id_ordnance")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_find")),
        sa.UniqueConstraint("local_id", name=op.f("uq_find_local_id")),
    )
    with op.batch_alter_table("find", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_find_activity_id"), ["activity_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_find_found_date"), ["found_date"], unique=False)
        batch_op.create_index(batch_op.f("ix_find_location_id"), ["location_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_find_review_status"), ["review_status"], unique=False)

    op.create_table(
        "victim",
        sa.Column("accident_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("sex", sa.String(length=10), nullable=False),
        sa.Column("age", sa.Integer(), nullable=True),
        sa.Column("age_group", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("outcome", sa.String(length=10), nullable=False),
        sa.Column("activity_at_time", sa.String(length=100), nullable=True),
        sa.Column("injuries", sa.Text(), nullable=True),
        sa.Column("home_location_id", sa.Integer(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("local_id", sa.String(length=80), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("review_status", sa.String(length=16), nullable=False),
        sa.Column("rejection_reason", sa.Text(), nullable=True),
        sa.Column("info_date", sa.Date(), nullable=True),
        sa.Column("reported_by", sa.String(length=200), nullable=True),
        sa.Column("updated_by", sa.String(length=100), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("change_note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["accident_id"], ["accident.id"], name=op.f("fk_victim_accident_id_accident")
        ),
        sa.ForeignKeyConstraint(
            ["home_location_id"], ["location.id"], name=op.f("fk_victim_home_location_id_location")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_victim")),
        sa.UniqueConstraint("local_id", name=op.f("uq_victim_local_id")),
    )
    with op.batch_alter_table("victim", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_victim_accident_id"), ["accident_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_victim_review_status"), ["review_status"], unique=False
        )

    _create_spatial_indexes()


def downgrade() -> None:
    _drop_spatial_indexes()
    with op.batch_alter_table("victim", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_victim_review_status"))
        batch_op.drop_index(batch_op.f("ix_victim_accident_id"))

    op.drop_table("victim")
    with op.batch_alter_table("find", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_find_review_status"))
        batch_op.drop_index(batch_op.f("ix_find_location_id"))
        batch_op.drop_index(batch_op.f("ix_find_found_date"))
        batch_op.drop_index(batch_op.f("ix_find_activity_id"))

    op.drop_table("find")
    with op.batch_alter_table("accident", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_accident_review_status"))
        batch_op.drop_index(batch_op.f("ix_accident_location_id"))
        batch_op.drop_index(batch_op.f("ix_accident_accident_date"))

    op.drop_table("accident")
    with op.batch_alter_table("activity", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_activity_review_status"))
        batch_op.drop_index(batch_op.f("ix_activity_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_activity_hazard_id"))
        batch_op.drop_index(batch_op.f("ix_activity_end_date"))

    op.drop_table("activity")
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_task_review_status"))
        batch_op.drop_index(batch_op.f("ix_task_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_task_hazard_id"))

    op.drop_table("task")
    with op.batch_alter_table("hazard", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hazard_review_status"))
        batch_op.drop_index(batch_op.f("ix_hazard_location_id"))

    op.drop_table("hazard")
    with op.batch_alter_table("minefield_record", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_minefield_record_review_status"))
        batch_op.drop_index(batch_op.f("ix_minefield_record_location_id"))
        batch_op.drop_index(batch_op.f("ix_minefield_record_handover_id"))

    op.drop_table("minefield_record")
    with op.batch_alter_table("funding", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_funding_review_status"))
        batch_op.drop_index(batch_op.f("ix_funding_donor_id"))

    op.drop_table("funding")
    with op.batch_alter_table("asset", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_asset_review_status"))
        batch_op.drop_index(batch_op.f("ix_asset_organisation_id"))

    op.drop_table("asset")
    op.drop_table("setting")
    op.drop_table("record_version")
    with op.batch_alter_table("organisation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_organisation_review_status"))

    op.drop_table("organisation")
    with op.batch_alter_table("ordnance", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ordnance_review_status"))

    op.drop_table("ordnance")
    with op.batch_alter_table("location", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_location_review_status"))
        batch_op.drop_index(batch_op.f("ix_location_name"))
        batch_op.drop_index(batch_op.f("ix_location_kind"))

    op.drop_table("location")
    with op.batch_alter_table("handover", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_handover_review_status"))

    op.drop_table("handover")
    with op.batch_alter_table("exchange_rate", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exchange_rate_review_status"))

    op.drop_table("exchange_rate")


SPATIAL_TABLES = ("location", "minefield_record", "hazard", "activity", "find", "accident")


def _create_spatial_indexes() -> None:
    bind = op.get_bind()
    for table in SPATIAL_TABLES:
        if bind.dialect.name == "postgresql":
            op.execute(f"CREATE INDEX ix_{table}_geometry ON {table} USING GIST (geometry)")
            continue
        rtree = f"rtree_{table}"
        op.execute(f"CREATE VIRTUAL TABLE {rtree} USING rtree(id, min_x, max_x, min_y, max_y)")
        for statement in rtree_triggers(table):
            op.execute(statement)


def _drop_spatial_indexes() -> None:
    bind = op.get_bind()
    for table in SPATIAL_TABLES:
        if bind.dialect.name == "postgresql":
            op.execute(f"DROP INDEX IF EXISTS ix_{table}_geometry")
        else:
            op.execute(f"DROP TABLE IF EXISTS rtree_{table}")
