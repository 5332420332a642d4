"""fewer index entries per application, justification and audit entry an import writes

Single-column indexes that a composite index already leads with are dropped, as
0023_import_keys did for staff and applications: each was written once per row and never needed
for a read. A recruitment import now writes a justification, its applicants and an audit entry
for each decision that needs one (7,660 justifications at the bench's mid size).

- `ix_justification_organisation_id`: every justification list index leads with it.
- `ix_justification_applicant_justification_id`: the unique (justification, application)
  leads with it.
- `ix_audit_event_organisation_id`: `ix_audit_event_org_chain` (organisation, id) leads with it.

An application is to a vacancy or to a batch, never both (ck_application_vacancy_or_batch), and
the index on each owner held an entry for every application, a null for those of the other
kind: they become partial, of the rows that have that owner. Every lookup by owner compares it
with a value, which only a row with an owner can match, so each still uses its index.

Revision ID: 0025_fewer_index_entries
Revises: 0024_row_digest
"""

import sqlalchemy as sa
from alembic import op

revision = "0025_fewer_index_entries"
down_revision = "0024_row_digest"
branch_labels = None
depends_on = None

DROPPED = (
    ("ix_justification_organisation_id", "justification", ["organisation_id"]),
    ("ix_justification_applicant_justification_id", "justification_applicant", ["justification_id"]),
    ("ix_audit_event_organisation_id", "audit_event", ["organisation_id"]),
)

PARTIAL = (
    ("ix_application_vacancy_id", "vacancy_id"),
    ("ix_application_batch_id", "batch_id"),
)


def upgrade():
    for name, table, _columns in DROPPED:
        op.drop_index(name, table_name=table)
    for name, column in PARTIAL:
        where = sa.text(f"{column} IS NOT NULL")
        op.drop_index(name, table_name="application")
        op.create_index(
            name, "application", [column], postgresql_where=where, sqlite_where=where
        )


def downgrade():
    for name, column in PARTIAL:
        op.drop_index(name, table_name="application")
        op.create_index(name, "application", [column], unique=False)
    for name, table, columns in DROPPED:
        op.create_index(name, table, columns, unique=False)
