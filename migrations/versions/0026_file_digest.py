"""the digest of the file each import read

A staff import keeps the BLAKE2 digest of the file's bytes, read for the organisation's code
(`data_import.file_digest`: rows naming a code are checked against it). When
an organisation's latest staff import read the same bytes, and every record of the
organisation is still as that file left it (each has the row digest only an import writes,
which a trigger forgets at any other change, and there are as many records as the file had
rows), the file is not read again row by row: every row of it is its record's, unchanged.

Revision ID: 0026_file_digest
Revises: 0025_fewer_index_entries
"""

import sqlalchemy as sa
from alembic import op

revision = "0026_file_digest"
down_revision = "0025_fewer_index_entries"
branch_labels = None
depends_on = None


def upgrade():
    # ADD COLUMN, not a batch copy, on SQLite too: data_import is never rebuilt.
    op.add_column("data_import", sa.Column("file_digest", sa.String(32), nullable=True))


def downgrade():
    with op.batch_alter_table("data_import") as batch:
        batch.drop_column("file_digest")
