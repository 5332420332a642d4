"""the head of each organisation's audit chain found by index, not by sorting the chain

Revision ID: 0018_audit_chain
Revises: 0017_bench
"""

from alembic import op

revision = "0018_audit_chain"
down_revision = "0017_bench"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_audit_event_org_chain", "audit_event", ["organisation_id", "id"])


def downgrade():
    op.drop_index("ix_audit_event_org_chain", table_name="audit_event")
