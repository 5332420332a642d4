"""imports in sets: how an import read its dates, and the compressed changes of an import

One audit entry per import carries the SHA-256 of its per-row changes, kept compressed in
audit_attachment; like the trail itself, attachments can be added but never changed or removed.

Revision ID: 0014_imports
Revises: 0013_benchmark
"""

import sqlalchemy as sa
from alembic import op

revision = "0014_imports"
down_revision = "0013_benchmark"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("data_import", schema=None) as batch_op:
        batch_op.add_column(sa.Column("date_formats", sa.String(length=80), nullable=True))
    op.create_table(
        "audit_attachment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("audit_event_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_audit_attachment_organisation_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_attachment")),
        sa.UniqueConstraint("audit_event_id", name=op.f("uq_audit_attachment_audit_event_id")),
    )
    with op.batch_alter_table("audit_attachment", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_audit_attachment_organisation_id"), ["organisation_id"], unique=False
        )
    if op.get_bind().dialect.name == "postgresql":
        # The function from 0001 refuses whatever fires it.
        op.execute(
            "CREATE TRIGGER audit_attachment_append_only BEFORE UPDATE OR DELETE ON "
            "audit_attachment FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()"
        )
        op.execute(
            "CREATE TRIGGER audit_attachment_no_truncate BEFORE TRUNCATE ON audit_attachment "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()"
        )
    else:
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_attachment_no_{event.lower()} BEFORE {event} ON "
                "audit_attachment BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END"
            )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_attachment_append_only ON audit_attachment")
        op.execute("DROP TRIGGER IF EXISTS audit_attachment_no_truncate ON audit_attachment")
    else:
        for event in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS audit_attachment_no_{event}")
    with op.batch_alter_table("audit_attachment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_attachment_organisation_id"))
    op.drop_table("audit_attachment")
    with op.batch_alter_table("data_import", schema=None) as batch_op:
        batch_op.drop_column("date_formats")
