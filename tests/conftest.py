"""Fixtures: one app and schema per run (built by the real migrations), a clean database per
test, a client that sends CSRF tokens like a browser, and sign-in as any role.

TEST_DATABASE_URL selects PostgreSQL; otherwise a temporary SQLite file. In CI the variable is
set and an unreachable server fails the run rather than skipping anything.
"""

import hashlib
import os
from pathlib import Path

import flask_migrate
import pytest
from flask import g, has_app_context
from flask.testing import FlaskClient
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import text

from app import create_app
from app.extensions import db as _db
from tests import factories

# Copies of shared/examples: the quirks real extracts carry (BOM, ESR labels, sub-codes...).
EXAMPLES = Path(__file__).resolve().parent / "data"
PASSWORD = factories.PASSWORD


class BrowserLikeClient(FlaskClient):
    """Adds the CSRF token to form posts, as a page's hidden field would; csrf=False omits it."""

    def csrf_token(self) -> str:
        with self.session_transaction() as session:
            raw = session.setdefault("csrf_token", hashlib.sha1(os.urandom(64)).hexdigest())  # noqa: S324
        serializer = URLSafeTimedSerializer(self.application.secret_key, salt="wtf-csrf-token")
        return serializer.dumps(raw)

    def open(self, *args, **kwargs):
        # Requests reuse the test's app context, so `g` would carry the signed-in user from one
        # request to the next; a real request starts without it.
        if has_app_context():
            g.pop("_login_user", None)
        return super().open(*args, **kwargs)

    def post(self, *args, csrf: bool = True, **kwargs):
        if csrf:
            data = kwargs.setdefault("data", {})
            if isinstance(data, dict) and "csrf_token" not in data:
                data["csrf_token"] = self.csrf_token()
        return super().post(*args, **kwargs)


def _reset_schema(app) -> None:
    engine = _db.engine
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    flask_migrate.upgrade(directory=str(Path(app.root_path).parent / "migrations"))


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if os.environ.get("REQUIRE_POSTGRES") and not (url or "").startswith("postgresql"):
        pytest.fail("REQUIRE_POSTGRES is set but TEST_DATABASE_URL does not name PostgreSQL")
    if not url:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
    elif os.environ.get("PYTEST_XDIST_WORKER"):
        url = _worker_database(url, os.environ["PYTEST_XDIST_WORKER"])
    # Subprocesses (the scheduler, flask commands) and create_app("testing") read it from here.
    os.environ["TEST_DATABASE_URL"] = url
    return url


def _worker_database(url: str, worker: str) -> str:
    """Each pytest-xdist worker gets its own PostgreSQL database beside the one named, so
    workers never drop each other's schema; it is created on first use."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    base = make_url(url)
    name = f"{base.database}_{worker}"
    engine = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            exists = connection.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
            ).scalar()
            if not exists:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    app = create_app("testing")
    app.test_client_class = BrowserLikeClient
    app.config["AUDIT_CHECKPOINT_DIR"] = str(tmp_path_factory.mktemp("audit"))
    with app.app_context():
        _reset_schema(app)
        sqlite_triggers = []
        if _db.engine.dialect.name == "sqlite":
            with _db.engine.connect() as connection:
                sqlite_triggers = [
                    (row.name, row.sql)
                    for row in connection.execute(
                        text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
                    )
                ]
        app.config["TEST_SQLITE_TRIGGERS"] = sqlite_triggers
    yield app
    with app.app_context():
        _db.engine.dispose()  # close pooled connections before the run ends


def _empty_tables(app) -> None:
    tables = list(reversed(_db.metadata.sorted_tables))
    # The signed checkpoints would otherwise hold the next test's empty trail to this one's.
    (Path(app.config["AUDIT_CHECKPOINT_DIR"]) / "audit-checkpoints.jsonl").unlink(missing_ok=True)
    if _db.engine.dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in tables)
        with _db.engine.begin() as connection:
            # The audit tables refuse TRUNCATE; replica mode skips triggers for this clean-up
            # only (SET LOCAL ends with the transaction), so the guards stay as production has them.
            connection.execute(text("SET LOCAL session_replication_role = replica"))
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        return
    # SQLite: the guards on the audit trail and on submitted justifications would refuse the
    # DELETE, so they are lifted for the clean-up and put back exactly as the migrations made them.
    with _db.engine.begin() as connection:
        for name, _sql in app.config["TEST_SQLITE_TRIGGERS"]:
            connection.execute(text(f"DROP TRIGGER IF EXISTS {name}"))
        for table in tables:
            connection.execute(table.delete())
        for _name, sql in app.config["TEST_SQLITE_TRIGGERS"]:
            connection.execute(text(sql))


@pytest.fixture
def db(app):
    with app.app_context():
        yield _db
        _db.session.rollback()
        _db.session.remove()
        _empty_tables(app)


@pytest.fixture
def client(app, db):
    return app.test_client()


@pytest.fixture
def runner(app, db):
    return app.test_cli_runner()


@pytest.fixture
def organisation(db):
    organisation = factories.OrganisationFactory(code="RAB", name="Example NHS Trust")
    db.session.commit()
    return organisation


def sign_in(client, email: str, password: str = PASSWORD, **kwargs):
    return client.post("/sign-in", data={"email": email, "password": password}, **kwargs)


@pytest.fixture
def login_as(client, db, organisation):
    """Create a user with the given roles in `organisation` and sign the client in as them."""

    def login(*roles, org=None, email=None):
        user = factories.UserFactory(
            organisation=org or organisation, roles=roles, **({"email": email} if email else {})
        )
        db.session.commit()
        response = sign_in(client, user.email)
        assert response.status_code == 302, response.get_data(as_text=True)
        return user

    return login


@pytest.fixture
def examples() -> Path:
    return EXAMPLES


class _Inbox:
    """What a real SMTP server on loopback received."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        from email import message_from_bytes, policy

        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server(app):
    """A real aiosmtpd server on a free loopback port, with the app pointed at it."""
    from aiosmtpd.controller import Controller

    inbox = _Inbox()
    port = _free_port()
    state = {"controller": None}

    def start():
        state["controller"] = Controller(inbox, hostname="127.0.0.1", port=port)
        state["controller"].start()

    def stop():
        state["controller"].stop()
        state["controller"] = None

    inbox.start, inbox.stop, inbox.port = start, stop, port
    start()
    saved = {k: app.config[k] for k in ("MAIL_BACKEND", "MAIL_SERVER", "MAIL_PORT")}
    app.config.update(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    yield inbox
    if state["controller"] is not None:
        stop()
    app.config.update(saved)
