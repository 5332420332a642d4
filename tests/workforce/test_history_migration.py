"""The history migration on an installation that already has staff: every record gets one
version, so existing figures stay as they were; and it goes back down cleanly.

It runs in a database of its own (a temporary SQLite file, or a PostgreSQL schema of its own),
never in the one the other tests share.
"""

import os
from datetime import date
from pathlib import Path

import flask_migrate
from sqlalchemy import inspect, text

from app import create_app
from app.extensions import db as _db

SCHEMA = "history_migration_check"
STAFF = (
    # id, number, start date, created (first imported)
    (1, "1", "2015-01-01", "2026-01-10 09:00:00"),
    (2, "2", None, "2026-01-10 09:00:00"),
    (3, "3", "2026-06-01", "2026-01-10 09:00:00"),  # a future starter in that extract
)


def _other_database(db, tmp_path) -> str:
    url = os.environ["TEST_DATABASE_URL"]
    if not url.startswith("postgresql"):
        return f"sqlite:///{tmp_path / 'migration.sqlite3'}"
    with db.engine.begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        connection.execute(text(f"CREATE SCHEMA {SCHEMA}"))
    return f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{SCHEMA}"


def _seed_before_history(connection) -> None:
    connection.execute(
        text(
            "INSERT INTO organisation (id, code, name, region, created_at) "
            "VALUES (1, 'RAB', 'Example', '', '2026-01-01 00:00:00')"
        )
    )
    connection.execute(
        text(
            "INSERT INTO data_import (id, organisation_id, kind, source, filename, rows_added, "
            "rows_updated, rows_unchanged, imported_at) VALUES (1, 1, 'staff', 'command line', "
            "'esr.csv', 3, 0, 0, '2026-01-10 09:00:00')"
        )
    )
    for staff_id, number, start, created in STAFF:
        connection.execute(
            text(
                "INSERT INTO staff (id, organisation_id, staff_number, full_name, "
                "ethnic_category, pay_band, staff_group, board_voting, start_date, created_at, "
                "updated_at) VALUES (:id, 1, :number, '', 'N', '8a', 'non-clinical', false, "
                ":start, :created, :created)"
            ),
            {"id": staff_id, "number": number, "start": start, "created": created},
        )


def test_existing_staff_get_their_history_and_the_migration_goes_back_down(
    app, db, tmp_path, monkeypatch
):
    other = _other_database(db, tmp_path)
    monkeypatch.setenv("TEST_DATABASE_URL", other)
    second = create_app("testing")
    migrations = str(Path(second.root_path).parent / "migrations")
    try:
        with second.app_context():
            flask_migrate.upgrade(directory=migrations, revision="0005_metrics")
            with _db.engine.begin() as connection:
                _seed_before_history(connection)
            flask_migrate.upgrade(directory=migrations, revision="0011_history")
            with _db.engine.connect() as connection:
                versions = connection.execute(
                    text(
                        "SELECT staff_id, valid_from, valid_to, pay_band, changed "
                        "FROM staff_history ORDER BY staff_id"
                    )
                ).all()
                as_at = connection.execute(text("SELECT as_at FROM data_import")).scalar_one()
            assert [
                (v.staff_id, str(v.valid_from), v.valid_to, v.pay_band, v.changed) for v in versions
            ] == [
                (1, "2015-01-01", None, "8a", "added"),
                (2, "1900-01-01", None, "8a", "added"),
                (3, "2026-01-10", None, "8a", "added"),  # never after it was first imported
            ]
            assert str(as_at) == str(date(2026, 1, 10))

            flask_migrate.downgrade(directory=migrations, revision="-1")
            schema = inspect(_db.engine)
            assert "staff_history" not in schema.get_table_names()
            assert "wres_year_snapshot" not in schema.get_table_names()
            assert "as_at" not in {c["name"] for c in schema.get_columns("data_import")}
            _db.engine.dispose()
    finally:
        if other.startswith("postgresql"):
            with db.engine.begin() as connection:
                connection.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
