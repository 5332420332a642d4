"""blind panel checks: panel declarations, diverse pool members, superseded justifications

Revision ID: 0008_blind
Revises: 0005_metrics
Create Date: 2026-11-28 18:00:00

"""

from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0008_blind"
down_revision = "0007_integrity"
branch_labels = None
depends_on = None

_CURRENT = "status <> 'superseded'"


@contextmanager
def _sqlite_foreign_keys_off():
    """SQLite changes a table's constraints by rebuilding it, and with foreign keys on, dropping
    the old copy would cascade to the justification's applicants (and be refused for its
    versions). The pragma is ignored inside a transaction, so the work so far is committed
    first; foreign keys are checked again before they are switched back on."""
    if op.get_bind().dialect.name != "sqlite":
        yield
        return
    raw = op.get_bind().connection.dbapi_connection
    if raw.in_transaction:
        raw.commit()
    raw.execute("PRAGMA foreign_keys=OFF")
    try:
        yield
        if raw.in_transaction:
            raw.commit()
        broken = raw.execute("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise RuntimeError(f"Foreign keys broken by the rebuild: {broken[:5]}")
    finally:
        if raw.in_transaction:
            raw.commit()
        raw.execute("PRAGMA foreign_keys=ON")


def upgrade():
    op.create_table(
        "panel_declaration",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("declared_at", sa.DateTime(), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_panel_declaration_organisation_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff.id"],
            name=op.f("fk_panel_declaration_staff_id_staff"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_panel_declaration")),
        sa.UniqueConstraint("staff_id", name=op.f("uq_panel_declaration_staff_id")),
    )
    with op.batch_alter_table("panel_declaration", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_panel_declaration_organisation_id"), ["organisation_id"], unique=False
        )

    with op.batch_alter_table("panel_pool_member", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("diverse_member", sa.Boolean(), server_default=sa.false(), nullable=False)
        )

    with _sqlite_foreign_keys_off():
        with op.batch_alter_table("justification", schema=None) as batch_op:
            batch_op.add_column(sa.Column("superseded_at", sa.DateTime(), nullable=True))
            batch_op.add_column(sa.Column("superseded_by_id", sa.Integer(), nullable=True))
            batch_op.add_column(sa.Column("superseded_reason", sa.Text(), nullable=True))
            batch_op.create_foreign_key(
                batch_op.f("fk_justification_superseded_by_id_user_account"),
                "user_account",
                ["superseded_by_id"],
                ["id"],
            )
            batch_op.drop_constraint(batch_op.f("uq_justification_vacancy_id"), type_="unique")
            batch_op.drop_constraint(batch_op.f("uq_justification_batch_id"), type_="unique")
        op.create_index(
            "uq_justification_current_vacancy",
            "justification",
            ["vacancy_id"],
            unique=True,
            sqlite_where=sa.text(_CURRENT),
            postgresql_where=sa.text(_CURRENT),
        )
        op.create_index(
            "uq_justification_current_batch",
            "justification",
            ["batch_id"],
            unique=True,
            sqlite_where=sa.text(_CURRENT),
            postgresql_where=sa.text(_CURRENT),
        )


def downgrade():
    superseded = op.get_bind().scalar(
        sa.text("SELECT count(*) FROM justification WHERE status = 'superseded'")
    )
    if superseded:
        raise RuntimeError(
            f"{superseded} superseded justifications exist; the older schema allows one "
            "justification per decision and cannot hold them. Nothing was changed."
        )
    with _sqlite_foreign_keys_off():
        op.drop_index("uq_justification_current_batch", table_name="justification")
        op.drop_index("uq_justification_current_vacancy", table_name="justification")
        with op.batch_alter_table("justification", schema=None) as batch_op:
            batch_op.create_unique_constraint(batch_op.f("uq_justification_batch_id"), ["batch_id"])
            batch_op.create_unique_constraint(
                batch_op.f("uq_justification_vacancy_id"), ["vacancy_id"]
            )
            batch_op.drop_constraint(
                batch_op.f("fk_justification_superseded_by_id_user_account"), type_="foreignkey"
            )
            batch_op.drop_column("superseded_reason")
            batch_op.drop_column("superseded_by_id")
            batch_op.drop_column("superseded_at")

    with op.batch_alter_table("panel_pool_member", schema=None) as batch_op:
        batch_op.drop_column("diverse_member")

    with op.batch_alter_table("panel_declaration", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_panel_declaration_organisation_id"))

    op.drop_table("panel_declaration")
