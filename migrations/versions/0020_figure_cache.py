"""figure_version: the token every write changes, under which home and dashboard figures are kept

Revision ID: 0020_figure_cache
Revises: 0019_mentor_coverage
"""

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0020_figure_cache"
down_revision = "0019_mentor_coverage"
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table(
        "figure_version",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("token", sa.String(32), nullable=False),
    )
    op.bulk_insert(table, [{"id": 1, "token": secrets.token_hex(16)}])


def downgrade():
    op.drop_table("figure_version")
