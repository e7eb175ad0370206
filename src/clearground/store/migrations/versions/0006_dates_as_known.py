"""Dates as they are known: an accident's date may be known only to its month or year, or
not at all (``accident_date_precision``; ``accident_date`` nullable).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

from clearground.store.spatial_index import rtree_triggers

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("accident") as batch_op:
        batch_op.add_column(
            sa.Column(
                "accident_date_precision",
                sa.String(length=10),
                nullable=False,
                server_default="day",
            )
        )
        batch_op.alter_column("accident_date", existing_type=sa.Date(), nullable=True)
    with op.batch_alter_table("accident") as batch_op:
        batch_op.alter_column("accident_date_precision", server_default=None)
    _spatial_index_triggers()


def _spatial_index_triggers() -> None:
    """On SQLite a batch alteration copies the table anew, which drops the triggers that keep
    its R*Tree (``rtree_accident``, migration 0001) in step: make them again, and refill the
    R*Tree from the table. PostgreSQL alters in place; its GiST index stays."""
    if op.get_bind().dialect.name != "sqlite":
        return
    table, rtree = "accident", "rtree_accident"
    for trigger in ("insert", "update", "delete"):
        op.execute(f"DROP TRIGGER IF EXISTS {rtree}_{trigger}")
    for statement in rtree_triggers(table):
        op.execute(statement)
    op.execute(f"DELETE FROM {rtree}")
    op.execute(
        f"INSERT INTO {rtree} SELECT id, min_x, max_x, min_y, max_y FROM {table} "
        "WHERE min_x IS NOT NULL"
    )


def downgrade() -> None:
    unknown = (
        op.get_bind()
        .execute(sa.text("SELECT count(*) FROM accident WHERE accident_date IS NULL"))
        .scalar_one()
    )
    if unknown:  # a downgrade never drops records
        raise RuntimeError(
            f"{unknown} accident(s) have an unknown date, which the older schema cannot hold: "
            "give them a date before downgrading"
        )
    with op.batch_alter_table("accident") as batch_op:
        batch_op.alter_column("accident_date", existing_type=sa.Date(), nullable=False)
        batch_op.drop_column("accident_date_precision")
    _spatial_index_triggers()
