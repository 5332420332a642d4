"""fewer index entries and key checks per imported row

Single-column indexes that a composite index already leads with are dropped: each was written
once per imported row and never needed for a read, a lookup by its column using the composite
index that starts with the same column.

- `ix_staff_organisation_id`: every staff list index and the unique staff number lead with it.
- `ix_staff_history_staff_id`: `ix_staff_history_staff_valid_from` leads with it.
- `ix_applicant_organisation_id`: the unique (organisation, reference) leads with it.
- `ix_application_organisation_id`: `ix_application_org_appointed` leads with it.
- `ix_application_applicant_id`: both unique constraints (applicant and vacancy, applicant and
  batch) lead with it.

A staff history version and an application each had a foreign key to the organisation beside
the one to their person (staff, applicant): PostgreSQL checks every key of every row written,
and the organisation's check cost a staff import about 3 microseconds a version and a
recruitment import as much an application. Each pair becomes one key, (organisation, person)
to the person's own (organisation, id), which also says what the two did not: that the row is
of the same organisation as its person. The organisation still cascades, through the person.
`uq_staff_org_id` and `uq_applicant_org_id` are what the keys refer to.

Revision ID: 0023_import_keys
Revises: 0022_list_indexes
"""

from contextlib import contextmanager

from alembic import op

revision = "0023_import_keys"
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

# (table, its person's table, the column naming the person)
KEYED = (
    ("staff_history", "staff", "staff_id"),
    ("application", "applicant", "applicant_id"),
)


@contextmanager
def _sqlite_foreign_keys_off():
    """SQLite changes a table's keys by rebuilding it, and with foreign keys on, dropping the old
    application table would cascade to its interview scores and justification reasons. The
    pragma is ignored inside a transaction, so the work so far is committed first; foreign keys
    are checked again before they are switched back on (as 0008_blind does)."""
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
    for name, table, _columns in DROPPED:
        op.drop_index(name, table_name=table)
    op.create_index("uq_staff_org_id", "staff", ["organisation_id", "id"], unique=True)
    op.create_index("uq_applicant_org_id", "applicant", ["organisation_id", "id"], unique=True)
    with _sqlite_foreign_keys_off():
        for table, person, column in KEYED:
            with op.batch_alter_table(table) as batch_op:
                batch_op.drop_constraint(f"fk_{table}_organisation_id_organisation", "foreignkey")
                batch_op.drop_constraint(f"fk_{table}_{column}_{person}", "foreignkey")
                batch_op.create_foreign_key(
                    f"fk_{table}_organisation_id_{person}",
                    person,
                    ["organisation_id", column],
                    ["organisation_id", "id"],
                    ondelete="CASCADE",
                )


def downgrade():
    with _sqlite_foreign_keys_off():
        for table, person, column in KEYED:
            with op.batch_alter_table(table) as batch_op:
                batch_op.drop_constraint(f"fk_{table}_organisation_id_{person}", "foreignkey")
                batch_op.create_foreign_key(
                    f"fk_{table}_organisation_id_organisation",
                    "organisation",
                    ["organisation_id"],
                    ["id"],
                    ondelete="CASCADE",
                )
                batch_op.create_foreign_key(
                    f"fk_{table}_{column}_{person}", person, [column], ["id"], ondelete="CASCADE"
                )
    op.drop_index("uq_applicant_org_id", table_name="applicant")
    op.drop_index("uq_staff_org_id", table_name="staff")
    for name, table, columns in DROPPED:
        op.create_index(name, table, columns)
