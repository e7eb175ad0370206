"""the key that signs session cookies leaves the database

A key kept in the ``setting`` table could be read by anything that reads the database (a
hostile upload once did, through GDAL) and then forge any user's session. It now lives in a
file of mode 0600 beside the database, or in CLEARGROUND_SECRET (store/keys.py); the old row
is removed, which signs every user out once.

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


def downgrade() -> None:
    pass  # the key is not put back in a table; a new one is made in the key file
