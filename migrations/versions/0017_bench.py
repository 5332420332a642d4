"""indexes led by organisation_id for every long list's order and filters

Keyset pagination reads a page from an index in the list's order; each filter of the vacancy,
batch, staff and justification lists, and the compliance figure's confirmed panels, has an index
that starts with the organisation.

Revision ID: 0017_bench
Revises: 0016_return34
"""

from alembic import op

revision = "0017_bench"
down_revision = "0016_return34"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_vacancy_org_created", "vacancy", ["organisation_id", "created_at", "id"])
    op.create_index("ix_vacancy_org_status", "vacancy", ["organisation_id", "status", "created_at"])
    op.create_index("ix_vacancy_org_band", "vacancy", ["organisation_id", "pay_band", "created_at"])
    op.create_index("ix_batch_org_created", "batch", ["organisation_id", "created_at", "id"])
    op.create_index("ix_batch_org_status", "batch", ["organisation_id", "status", "created_at"])
    op.create_index("ix_staff_org_name", "staff", ["organisation_id", "full_name", "staff_number"])
    op.create_index("ix_staff_org_group", "staff", ["organisation_id", "staff_group"])
    op.create_index("ix_staff_org_leaving", "staff", ["organisation_id", "leaving_date"])
    op.create_index("ix_staff_org_board", "staff", ["organisation_id", "board_role"])
    op.create_index("ix_justification_org_due", "justification", ["organisation_id", "due_date"])
    op.create_index("ix_panel_org_status", "panel", ["organisation_id", "status"])


def downgrade():
    op.drop_index("ix_panel_org_status", table_name="panel")
    op.drop_index("ix_justification_org_due", table_name="justification")
    op.drop_index("ix_staff_org_board", table_name="staff")
    op.drop_index("ix_staff_org_leaving", table_name="staff")
    op.drop_index("ix_staff_org_group", table_name="staff")
    op.drop_index("ix_staff_org_name", table_name="staff")
    op.drop_index("ix_batch_org_status", table_name="batch")
    op.drop_index("ix_batch_org_created", table_name="batch")
    op.drop_index("ix_vacancy_org_band", table_name="vacancy")
    op.drop_index("ix_vacancy_org_status", table_name="vacancy")
    op.drop_index("ix_vacancy_org_created", table_name="vacancy")
