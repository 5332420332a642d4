"""the band and staff group given on an application's own row (batch applicants not appointed)

Revision ID: 0010_figures
Revises: 0005_metrics
Create Date: 2026-11-28 18:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0010_figures'
down_revision = '0009_import_jobs'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('application', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pay_band', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('staff_group', sa.String(length=30), nullable=True))


def downgrade():
    with op.batch_alter_table('application', schema=None) as batch_op:
        batch_op.drop_column('staff_group')
        batch_op.drop_column('pay_band')
