"""SQLite transactions: reads begin deferred (workers read side by side), writes take the lock
at their start, and a GET that writes without saying so is found under test."""

import sqlite3

import pytest
from flask import Flask
from sqlalchemy import create_engine, text

from app import database


@pytest.fixture
def sqlite_file(tmp_path):
    path = tmp_path / "locks.sqlite3"
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)"))
    yield path, engine
    engine.dispose()


def _flask(*, testing=True) -> Flask:
    bare = Flask(__name__)
    bare.testing = testing

    @bare.route("/read")
    def read():
        return ""

    @bare.route("/marked")
    @database.writes
    def marked():
        return ""

    return bare


def _someone_else_can_write(path) -> bool:
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError as error:
        assert "locked" in str(error)
        return False
    finally:
        other.close()


@pytest.mark.parametrize(
    ("method", "path", "reads_only"),
    [
        ("GET", "/read", True),
        ("HEAD", "/read", True),
        ("POST", "/read", False),
        ("GET", "/marked", False),
    ],
)
def test_only_reads_leave_the_write_lock_free(sqlite_file, method, path, reads_only):
    file, engine = sqlite_file
    with _flask().test_request_context(path, method=method), engine.connect() as connection:
        connection.execute(text("SELECT count(*) FROM t")).scalar()
        assert _someone_else_can_write(file) is reads_only
        connection.rollback()


def test_outside_a_request_commands_and_jobs_take_the_write_lock_at_once(sqlite_file):
    file, engine = sqlite_file
    with engine.connect() as connection:
        connection.execute(text("SELECT count(*) FROM t")).scalar()
        assert not _someone_else_can_write(file)


def test_a_get_that_writes_unmarked_is_an_error_under_test(sqlite_file):
    _file, engine = sqlite_file
    with _flask().test_request_context("/read"), engine.connect() as connection:
        with pytest.raises(database.WriteInReadTransaction):
            connection.execute(text("INSERT INTO t (v) VALUES ('x')"))
        connection.rollback()
    with _flask().test_request_context("/marked"), engine.begin() as connection:
        connection.execute(text("INSERT INTO t (v) VALUES ('x')"))
    with _flask(testing=False).test_request_context("/read"), engine.begin() as connection:
        connection.execute(text("INSERT INTO t (v) VALUES ('only a warning in production')"))
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM t")).scalar() == 2


def test_begin_writing_ends_the_read_and_the_next_transaction_takes_the_lock(app, db, sqlite_file):
    file, engine = sqlite_file
    with app.test_request_context("/", method="GET"):
        with engine.connect() as connection:
            connection.execute(text("SELECT 1")).scalar()
            assert _someone_else_can_write(file)
            connection.rollback()
        database.begin_writing()
        with engine.connect() as connection:
            connection.execute(text("SELECT 1")).scalar()
            assert not _someone_else_can_write(file)
            connection.rollback()
