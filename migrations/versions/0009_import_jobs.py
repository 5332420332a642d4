"""background import jobs; outbox messages that failed for good

Revision ID: 0009_import_jobs
Revises: 0005_metrics
Create Date: 2026-11-28 18:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009_import_jobs'
down_revision = '0008_blind'
branch_labels = None
depends_on = None

ACTIVE = sa.text("status IN ('queued', 'running')")


def upgrade():
    op.create_table('import_job',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('rows_total', sa.Integer(), nullable=False),
    sa.Column('rows_done', sa.Integer(), nullable=False),
    sa.Column('data_import_id', sa.Integer(), nullable=True),
    sa.Column('problems_json', sa.Text(), nullable=True),
    sa.Column('as_at', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=True),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['data_import_id'], ['data_import.id'], name=op.f('fk_import_job_data_import_id_data_import'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_import_job_organisation_id_organisation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['requested_by_id'], ['user_account.id'], name=op.f('fk_import_job_requested_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_job'))
    )
    with op.batch_alter_table('import_job', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_import_job_organisation_id'), ['organisation_id'], unique=False)
        # One queued or running import per kind and organisation.
        batch_op.create_index('uq_import_job_active_kind', ['organisation_id', 'kind'], unique=True, sqlite_where=ACTIVE, postgresql_where=ACTIVE)

    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('failed_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_column('failed_at')

    with op.batch_alter_table('import_job', schema=None) as batch_op:
        batch_op.drop_index('uq_import_job_active_kind')
        batch_op.drop_index(batch_op.f('ix_import_job_organisation_id'))

    op.drop_table('import_job')
