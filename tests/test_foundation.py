"""Configuration, migrations and the audit trail."""

import warnings
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config as AlembicConfig
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from app import audit, create_app
from config import ConfigError, ProductionConfig

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"


def test_production_refuses_to_start_without_its_secrets(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY, DATABASE_URL"):
        ProductionConfig()


def test_production_refuses_to_start_without_an_audit_key_of_its_own(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "k" * 40)
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    monkeypatch.delenv("AUDIT_KEY", raising=False)
    with pytest.raises(ConfigError, match="AUDIT_KEY"):
        ProductionConfig()
    monkeypatch.setenv("AUDIT_KEY", "k" * 40)
    with pytest.raises(ConfigError, match="differ"):
        ProductionConfig()


def test_production_cookies_are_secure(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "k" * 40)
    monkeypatch.setenv("AUDIT_KEY", "a" * 40)
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    app = create_app("production")
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True


def test_there_is_one_migration_head():
    script = ScriptDirectory.from_config(_alembic_config())
    assert len(script.get_heads()) == 1


def _alembic_config() -> AlembicConfig:
    config = AlembicConfig(str(MIGRATIONS / "alembic.ini"))
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def test_upgrading_an_empty_database_yields_exactly_the_models(db):
    # The session's schema was built by `upgrade` from empty (see conftest).
    def comparable(item, name, kind, *_args):
        # An index on an expression: SQLite cannot reflect it and PostgreSQL reflects it in its
        # own spelling, so it is checked by name below and by the list's plan
        # (tests/test_pagination.py) instead.
        return not (kind == "index" and name in EXPRESSION_INDEXES)

    with db.engine.connect() as connection, warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Skipped unsupported reflection of expression")
        warnings.filterwarnings("ignore", message="autogenerate skipping metadata-specified expr")
        context = MigrationContext.configure(connection, opts={"include_object": comparable})
        differences = compare_metadata(context, db.metadata)
        if connection.dialect.name == "sqlite":
            names = "SELECT name FROM sqlite_master WHERE type = 'index'"
        else:
            names = "SELECT indexname FROM pg_indexes"
        indexes = set(connection.execute(text(names)).scalars())
    assert differences == []
    assert indexes >= EXPRESSION_INDEXES


EXPRESSION_INDEXES = {"ix_justification_queue"}


def test_audit_trail_is_chained_and_append_only(db, organisation):
    first = audit.record(organisation.id, None, "test.one", "thing", 1, {"a": 1})
    second = audit.record(organisation.id, None, "test.two", "thing", 2, reason="because")
    db.session.commit()
    assert second.prev_hash == first.hash
    assert audit.verify_chain(organisation.id) is None
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(text("UPDATE audit_event SET reason = 'edited'"))
    db.session.rollback()
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(text("DELETE FROM audit_event"))
    db.session.rollback()


def test_an_edit_behind_the_products_back_breaks_the_chain(db, organisation):
    audit.record(organisation.id, None, "test.one", "thing", 1)
    tampered = audit.record(organisation.id, None, "test.two", "thing", 2, {"n": 2})
    audit.record(organisation.id, None, "test.three", "thing", 3)
    db.session.commit()
    postgres = db.engine.dialect.name == "postgresql"
    lift = (
        "ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only"
        if postgres
        else "DROP TRIGGER audit_event_no_update"
    )
    db.session.execute(text(lift))
    db.session.execute(
        text("UPDATE audit_event SET detail = '{\"n\": 3}' WHERE id = :id"), {"id": tampered.id}
    )
    if postgres:
        db.session.execute(text("ALTER TABLE audit_event ENABLE TRIGGER audit_event_append_only"))
    db.session.commit()
    db.session.expire_all()
    assert audit.verify_chain(organisation.id) == tampered.id


def test_sqlite_connections_use_wal_foreign_keys_and_a_busy_timeout(db):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite connection settings")
    with db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10_000


def test_postgresql_connections_compile_no_statement_just_in_time(db):
    # A figure's statement is estimated far above its cost; compiling it took longer than
    # running it (mentoring coverage at national scale: 0.77 s of 1.2 s).
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL connection settings")
    db.session.rollback()  # a rolled-back transaction must not take the setting with it
    for _ in range(2):
        with db.engine.connect() as connection:
            assert connection.exec_driver_sql("SHOW jit").scalar() == "off"
            connection.rollback()


def test_error_pages_use_the_service_layout(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    body = response.get_data(as_text=True)
    assert "Page not found" in body and "nhsuk-header" in body
