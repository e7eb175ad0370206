"""Monitoring visits (IMAS 07.40): the table of the first kind added through the kind
registry.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "monitoring_visit",
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("visit_date", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("result", sa.String(length=20), nullable=False),
        sa.Column("monitor", sa.String(length=200), nullable=True),
        sa.Column("critical_findings", sa.Integer(), nullable=False),
        sa.Column("major_findings", sa.Integer(), nullable=False),
        sa.Column("minor_findings", sa.Integer(), nullable=False),
        sa.Column("checklist", sa.JSON(), nullable=True),
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
        sa.ForeignKeyConstraint(
            ["task_id"], ["task.id"], name=op.f("fk_monitoring_visit_task_id_task")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitoring_visit")),
        sa.UniqueConstraint("local_id", name=op.f("uq_monitoring_visit_local_id")),
    )
    with op.batch_alter_table("monitoring_visit") as batch_op:
        batch_op.create_index(batch_op.f("ix_monitoring_visit_task_id"), ["task_id"])
        batch_op.create_index(batch_op.f("ix_monitoring_visit_review_status"), ["review_status"])


def downgrade() -> None:
    op.drop_table("monitoring_visit")
