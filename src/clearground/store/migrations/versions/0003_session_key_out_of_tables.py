"""the key that signs session cookies leaves the database; import jobs

A key kept in the ``setting`` table could be read by anything that reads the database (a
hostile upload once did, through GDAL) and then forge any user's session. It now lives in a
file of mode 0600 beside the database, or in CLEARGROUND_SECRET (store/keys.py); the old row
is removed, which signs every user out once.

``import_job``: imports started from the web run in the background; the page polls them.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(sa.text("DELETE FROM setting WHERE key = 'web_secret'"))
    op.create_table(
        "import_job",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_name", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("stage", sa.String(length=40), nullable=True),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("report", sa.JSON(), nullable=True),
        sa.Column("error", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_job")),
    )
    op.create_index(op.f("ix_import_job_user_name"), "import_job", ["user_name"])


def downgrade() -> None:
    # the key is not put back in a table; a new one is made in the key file
    op.drop_index(op.f("ix_import_job_user_name"), table_name="import_job")
    op.drop_table("import_job")
