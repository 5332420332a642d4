"""mentoring coverage: an index of the senior leaders' versions of the staff history

Coverage reads the VSMs and board members in post at the year's end; without it the database
reads every version of the organisation's staff history to find a few hundred. Whether a
relationship or session counts reads a person's version in force on a day, or their first: one
seek in an index of each person's versions by date.

Revision ID: 0019_mentor_coverage
Revises: 0018_audit_chain
"""

import sqlalchemy as sa
from alembic import op

revision = "0019_mentor_coverage"
down_revision = "0018_audit_chain"
branch_labels = None
depends_on = None

SENIOR_SQL = "pay_band = 'VSM' OR board_role IS NOT NULL"


def upgrade():
    op.create_index(
        "ix_staff_history_org_senior",
        "staff_history",
        ["organisation_id", "valid_from"],
        sqlite_where=sa.text(SENIOR_SQL),
        postgresql_where=sa.text(SENIOR_SQL),
    )
    op.create_index(
        "ix_staff_history_staff_valid_from", "staff_history", ["staff_id", "valid_from"]
    )


def downgrade():
    op.drop_index("ix_staff_history_staff_valid_from", table_name="staff_history")
    op.drop_index("ix_staff_history_org_senior", table_name="staff_history")
