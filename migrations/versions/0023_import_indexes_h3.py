"""drop the single-column indexes that a composite index already leads with

Each was written once per imported row and never needed for a read: a lookup by its column uses
the composite index that starts with the same column.

- `ix_staff_organisation_id`: every staff list index and the unique staff number lead with it.
- `ix_staff_history_staff_id`: `ix_staff_history_staff_valid_from` leads with it.
- `ix_applicant_organisation_id`: the unique (organisation, reference) leads with it.
- `ix_application_organisation_id`: `ix_application_org_appointed` leads with it.
- `ix_application_applicant_id`: both unique constraints (applicant and vacancy, applicant and
  batch) lead with it.

Revision ID: 0023_import_indexes_h3
Revises: 0022_list_indexes
"""

from alembic import op

revision = "0023_import_indexes_h3"
down_revision = "0022_list_indexes"
branch_labels = None
depends_on = None

DROPPED = (
    ("ix_staff_organisation_id", "staff", ["organisation_id"]),
    ("ix_staff_history_staff_id", "staff_history", ["staff_id"]),
    ("ix_applicant_organisation_id", "applicant", ["organisation_id"]),
    ("ix_application_organisation_id", "application", ["organisation_id"]),
    ("ix_application_applicant_id", "application", ["applicant_id"]),
)


def upgrade():
    for name, table, _columns in DROPPED:
        op.drop_index(name, table_name=table)


def downgrade():
    for name, table, columns in DROPPED:
        op.create_index(name, table, columns)
