"""0006_sessions fixes each existing account's staff record once, from the email match that
linked it until then; a downgrade gives every account a session token again."""

from pathlib import Path

import flask_migrate
from sqlalchemy import text

import config as settings
from app import create_app
from app.extensions import db

MIGRATIONS = str(Path(__file__).resolve().parents[2] / "migrations")


def test_upgrade_keeps_the_links_accounts_had_and_downgrade_returns(tmp_path):
    config = settings.TestingConfig()
    config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'upgrade.sqlite3'}"
    app = create_app(config)
    with app.app_context():
        flask_migrate.upgrade(directory=MIGRATIONS, revision="0005_metrics")
        with db.engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO organisation (id, code, name, region, created_at) "
                    "VALUES (1, 'RAB', 'A', '', '2026-01-01')"
                )
            )
            for staff_id, number, email in [
                (10, "S10", "leader@example.nhs.uk"),
                (11, "S11", "leader@example.nhs.uk"),  # a duplicate email: the first wins
                (12, "S12", None),
            ]:
                connection.execute(
                    text(
                        "INSERT INTO staff (id, organisation_id, staff_number, full_name, email,"
                        " ethnic_category, pay_band, staff_group, board_voting, created_at,"
                        " updated_at) VALUES (:id, 1, :number, 'X', :email, 'A', '6',"
                        " 'non-clinical', 0, '2026-01-01', '2026-01-01')"
                    ),
                    {"id": staff_id, "number": number, "email": email},
                )
            for user_id, email in [(1, "leader@example.nhs.uk"), (2, "nobody@example.nhs.uk")]:
                connection.execute(
                    text(
                        "INSERT INTO user_account (id, organisation_id, email, full_name,"
                        " disabled, session_token, created_at) VALUES (:id, 1, :email, '', 0,"
                        " 'token', '2026-01-01')"
                    ),
                    {"id": user_id, "email": email},
                )
        flask_migrate.upgrade(directory=MIGRATIONS)
        with db.engine.connect() as connection:
            links = dict(connection.execute(text("SELECT id, staff_id FROM user_account")).all())
        assert links == {1: 10, 2: None}
        flask_migrate.downgrade(directory=MIGRATIONS, revision="0005_metrics")
        with db.engine.connect() as connection:
            tokens = connection.execute(text("SELECT session_token FROM user_account")).scalars()
            assert all(tokens)
        db.engine.dispose()
