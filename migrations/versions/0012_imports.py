"""imports in sets: how an import read its dates, and the compressed changes of an import

Revision ID: 0012_imports
Revises: 0011_history
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_imports"
down_revision = "0011_history"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("data_import", schema=None) as batch_op:
        batch_op.add_column(sa.Column("date_formats", sa.String(length=80), nullable=True))


def downgrade():
    with op.batch_alter_table("data_import", schema=None) as batch_op:
        batch_op.drop_column("date_formats")
