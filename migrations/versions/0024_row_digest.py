"""staff.row_digest: the digest of the extract row each record was last read from

A staff re-import skips reading a row whose raw text (the file's known columns, as the reader
sees them) has the digest stored on that person's record: the record is what reading that text
gave. Anything else that changes a record must forget the digest, so the next import reads that
row again; a trigger does it for every writer (pages, demo data, SQL by hand), on both databases.
The import itself changes a record and its digest in one statement, which the trigger lets be.

SQLite: a migration that recreates `staff` (batch mode) drops this trigger with the old table;
create it again there (`_create_trigger`).

Revision ID: 0024_row_digest
Revises: 0023_import_keys
"""

import sqlalchemy as sa
from alembic import op

revision = "0024_row_digest"
down_revision = "0023_import_keys"
branch_labels = None
depends_on = None

# Every column a staff import reads or writes a value of, and the organisation and staff number
# that match a row to its record.
COLUMNS = (
    "organisation_id",
    "staff_number",
    "full_name",
    "email",
    "ethnic_category",
    "pay_band",
    "staff_group",
    "board_role",
    "board_voting",
    "start_date",
    "leaving_date",
    "hourly_pay",
)
TRIGGER = "staff_row_digest_forgotten"


def upgrade():
    op.add_column("staff", sa.Column("row_digest", sa.String(length=32), nullable=True))
    _create_trigger()


def _create_trigger():
    columns = ", ".join(COLUMNS)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"CREATE FUNCTION {TRIGGER}() RETURNS trigger AS $$ BEGIN "
            "NEW.row_digest := NULL; RETURN NEW; END; $$ LANGUAGE plpgsql"
        )
        old = ", ".join(f"OLD.{c}" for c in COLUMNS)
        new = ", ".join(f"NEW.{c}" for c in COLUMNS)
        op.execute(
            f"CREATE TRIGGER {TRIGGER} BEFORE UPDATE OF {columns} ON staff FOR EACH ROW "
            "WHEN (OLD.row_digest IS NOT NULL AND NEW.row_digest IS NOT DISTINCT FROM "
            f"OLD.row_digest AND ({old}) IS DISTINCT FROM ({new})) "
            f"EXECUTE FUNCTION {TRIGGER}()"
        )
    else:
        changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in COLUMNS)
        # Only this module's constant column names are formatted in.
        op.execute(
            f"CREATE TRIGGER {TRIGGER} AFTER UPDATE OF {columns} ON staff FOR EACH ROW "  # noqa: S608
            "WHEN OLD.row_digest IS NOT NULL AND NEW.row_digest IS OLD.row_digest "
            f"AND ({changed}) "
            "BEGIN UPDATE staff SET row_digest = NULL WHERE id = NEW.id; END"
        )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP TRIGGER IF EXISTS {TRIGGER} ON staff")
        op.execute(f"DROP FUNCTION IF EXISTS {TRIGGER}()")
        op.drop_column("staff", "row_digest")
    else:
        op.execute(f"DROP TRIGGER IF EXISTS {TRIGGER}")
        # SQLite 3.35 drops a plain column in place: batch mode would copy `staff`, and dropping
        # the old copy fails the foreign keys of everything that names a person.
        op.execute("ALTER TABLE staff DROP COLUMN row_digest")
