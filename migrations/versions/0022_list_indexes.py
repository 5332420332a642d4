"""indexes that let the staff and justification lists read a page and its counts from an index

- `ix_staff_org_in_post` (organisation, leaving date, start date) covers "in post today", so the
  staff list's capped count reads the index alone rather than 10,001 rows (mid size, SQLite:
  about 6 ms to under 1 ms per request).
- `ix_justification_queue` is the queue's order itself (open for the manager first, then due
  date, then id) led by the organisation, so the first page is the index's first 51 entries
  instead of a sort of every justification on every request. The statuses are literals: the
  query spells the same expression (`queries.OPEN_FIRST`) so both databases match it.
- `ix_justification_org_status_due` covers the bucket counts (status and due date).

Each replaces the index its columns start with (`ix_staff_org_leaving`,
`ix_justification_org_status`), so imports write no more index entries than before.

Revision ID: 0022_list_indexes
Revises: 0021_appointed_index
"""

import sqlalchemy as sa
from alembic import op

revision = "0022_list_indexes"
down_revision = "0021_appointed_index"
branch_labels = None
depends_on = None

OPEN_FIRST = "(CASE WHEN status IN ('due', 'more-information-requested') THEN 0 ELSE 1 END)"


def upgrade():
    op.create_index(
        "ix_staff_org_in_post", "staff", ["organisation_id", "leaving_date", "start_date"]
    )
    op.drop_index("ix_staff_org_leaving", table_name="staff")
    op.create_index(
        "ix_justification_queue",
        "justification",
        ["organisation_id", sa.text(OPEN_FIRST), "due_date", "id"],
    )
    op.create_index(
        "ix_justification_org_status_due",
        "justification",
        ["organisation_id", "status", "due_date"],
    )
    op.drop_index("ix_justification_org_status", table_name="justification")
    # SQLite plans from the statistics of the last ANALYZE, where there was one: an index it
    # has none for looked better than the staff list's own ordered index (a sort of every
    # person in post rather than reading 51 in name order), so they are brought up to date.
    bind = op.get_bind()
    if bind.dialect.name != "sqlite" or bind.execute(
        sa.text("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")
    ).first():
        op.execute("ANALYZE staff")
        op.execute("ANALYZE justification")


def downgrade():
    op.create_index("ix_justification_org_status", "justification", ["organisation_id", "status"])
    op.create_index("ix_staff_org_leaving", "staff", ["organisation_id", "leaving_date"])
    op.drop_index("ix_justification_org_status_due", table_name="justification")
    op.drop_index("ix_justification_queue", table_name="justification")
    op.drop_index("ix_staff_org_in_post", table_name="staff")
