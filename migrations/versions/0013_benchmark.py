"""benchmarking: organisations' peer group, and published figures per organisation and year

Revision ID: 0013_benchmark
Revises: 0012_goals
Create Date: 2026-11-28 21:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0013_benchmark"
down_revision = "0012_goals"
branch_labels = None
depends_on = None


def upgrade():
    # Plain ALTER TABLE ADD COLUMN, never a batch copy: on SQLite a batch would drop and recreate
    # `organisation`, and dropping it deletes (by cascade) into the append-only audit trail,
    # whose guard refuses it on any database that has an audit trail.
    op.add_column(
        "organisation",
        sa.Column("organisation_type", sa.String(length=40), server_default="", nullable=False),
    )
    op.add_column(
        "organisation",
        sa.Column("size_band", sa.String(length=20), server_default="", nullable=False),
    )

    op.create_table(
        "published_figures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("as_at", sa.Date(), nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=False),
        sa.Column("threshold", sa.Integer(), nullable=False),
        sa.Column("relative_likelihood", sa.Float(), nullable=True),
        sa.Column("ci_low", sa.Float(), nullable=True),
        sa.Column("ci_high", sa.Float(), nullable=True),
        sa.Column("shortlisted", sa.Integer(), nullable=True),
        sa.Column("bme_shortlisted", sa.Integer(), nullable=True),
        sa.Column("appointed", sa.Integer(), nullable=True),
        sa.Column("workforce_bme_share", sa.Float(), nullable=True),
        sa.Column("senior_bme_share", sa.Float(), nullable=True),
        sa.Column("panel_compliance", sa.Float(), nullable=True),
        sa.Column("justifications_on_time", sa.Float(), nullable=True),
        sa.Column("mentoring_coverage", sa.Float(), nullable=True),
        sa.Column("figures", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_published_figures_organisation_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_published_figures")),
        sa.UniqueConstraint(
            "organisation_id", "year", name=op.f("uq_published_figures_organisation_id_year")
        ),
    )
    with op.batch_alter_table("published_figures", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_published_figures_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index("ix_published_figures_year", ["year"], unique=False)


def downgrade():
    with op.batch_alter_table("published_figures", schema=None) as batch_op:
        batch_op.drop_index("ix_published_figures_year")
        batch_op.drop_index(batch_op.f("ix_published_figures_organisation_id"))
    op.drop_table("published_figures")
    # ALTER TABLE DROP COLUMN (SQLite 3.35 and later), for the reason given in upgrade().
    op.drop_column("organisation", "size_band")
    op.drop_column("organisation", "organisation_type")
