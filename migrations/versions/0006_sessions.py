"""server-side sessions, shared throttle counters, accounts linked to staff records by id

Revision ID: 0006_sessions
Revises: 0005_metrics
Create Date: 2026-11-28 17:49:06.921305

The session token column goes: sessions now live in user_session, one row per signed-in browser.
Existing accounts keep the staff record their email matched at the moment of the upgrade; from
then on an import's email column never changes whose record an account is.
"""
import secrets

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0006_sessions'
down_revision = '0005_metrics'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('throttle_counter',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('last_failure_at', sa.DateTime(), nullable=False),
    sa.Column('next_allowed_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_throttle_counter')),
    sa.UniqueConstraint('key_hash', name=op.f('uq_throttle_counter_key_hash'))
    )
    op.create_table('user_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('secret_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(), nullable=False),
    sa.Column('ended_at', sa.DateTime(), nullable=True),
    sa.Column('end_reason', sa.String(length=30), nullable=True),
    sa.Column('user_agent', sa.String(length=300), nullable=False),
    sa.Column('ip_address', sa.String(length=45), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_user_session_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_session')),
    sa.UniqueConstraint('secret_hash', name=op.f('uq_user_session_secret_hash'))
    )
    with op.batch_alter_table('user_session', schema=None) as batch_op:
        batch_op.create_index('ix_user_session_user_open', ['user_id', 'ended_at'], unique=False)

    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('staff_id', sa.Integer(), nullable=True))

    # The link the email match gave until now, fixed once: the lowest-numbered record with the
    # account's email in its organisation. (Account emails are unique, so no record is taken twice.)
    op.execute(
        """
        UPDATE user_account SET staff_id = (
            SELECT MIN(staff.id) FROM staff
            WHERE staff.organisation_id = user_account.organisation_id
              AND staff.email = user_account.email
        )
        """
    )

    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.create_unique_constraint(batch_op.f('uq_user_account_staff_id'), ['staff_id'])
        batch_op.create_foreign_key(batch_op.f('fk_user_account_staff_id_staff'), 'staff', ['staff_id'], ['id'], ondelete='SET NULL')
        batch_op.drop_column('session_token')


def downgrade():
    # Every session ends: each account gets a new random token, as a password change gave.
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_token', sa.String(length=64), nullable=True))
    connection = op.get_bind()
    for (user_id,) in connection.execute(sa.text("SELECT id FROM user_account")).all():
        connection.execute(
            sa.text("UPDATE user_account SET session_token = :token WHERE id = :id"),
            {"token": secrets.token_urlsafe(24), "id": user_id},
        )
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.alter_column('session_token', existing_type=sa.String(length=64), nullable=False)
        batch_op.drop_constraint(batch_op.f('fk_user_account_staff_id_staff'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_user_account_staff_id'), type_='unique')
        batch_op.drop_column('staff_id')

    with op.batch_alter_table('user_session', schema=None) as batch_op:
        batch_op.drop_index('ix_user_session_user_open')

    op.drop_table('user_session')
    op.drop_table('throttle_counter')
