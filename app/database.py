"""Connection behaviour for the embedded SQLite database.

SQLite needs WAL (readers don't block the writer), foreign keys switched on, a busy timeout, and
write transactions begun with BEGIN IMMEDIATE: a deferred BEGIN that later upgrades to a write lock
fails at once with "database is locked" instead of waiting (SQLite never waits for a lock while the
connection holds a read snapshot).

Reads are not serialised behind that lock, though: a GET or HEAD request begins with a plain
(deferred) BEGIN, so the web workers read side by side. A GET that writes says so: its view is
marked `@writes` (its transactions begin IMMEDIATE from the start), or it calls `begin_writing()`
first, which ends the read and makes the request's next transaction begin IMMEDIATE. Commands,
jobs and every other method begin IMMEDIATE. A write in a deferred transaction is an error under
test (so a GET that writes unmarked is found) and a warning otherwise.
"""

import itertools
import logging
import re

from flask import current_app, g, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

BUSY_TIMEOUT_MS = 10_000
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_WRITE = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE)
_DEFERRED = "sqlite_deferred"

log = logging.getLogger(__name__)


class WriteInReadTransaction(RuntimeError):
    """A write in a transaction begun deferred: under contention it would fail at once."""


def writes(view):
    """Mark a view that writes even when read with GET: its transactions begin IMMEDIATE."""
    view.writes_on_read = True
    return view


def begin_writing() -> None:
    """Before the first write of a request that began as a read: end the read transaction, so
    the next one begins IMMEDIATE and waits its turn for the write lock."""
    if not has_request_context() or g.get("sqlite_writing"):
        return
    from app.extensions import db

    g.sqlite_writing = True
    if db.engine.dialect.name == "sqlite":  # elsewhere a read transaction can simply write
        db.session.commit()


def _reads_only() -> bool:
    if not has_request_context() or request.method not in READ_METHODS:
        return False
    if g.get("sqlite_writing"):
        return False
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    return not getattr(view, "writes_on_read", False)


def _is_sqlite(dbapi_connection) -> bool:
    return type(dbapi_connection).__module__.startswith("sqlite3")


@event.listens_for(Engine, "connect")
def _sqlite_on_connect(dbapi_connection, _record) -> None:
    if not _is_sqlite(dbapi_connection):
        return
    # Take transaction control away from the driver so "begin" below decides how to start.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


@event.listens_for(Engine, "connect")
def _postgresql_on_connect(dbapi_connection, _record) -> None:
    """No just-in-time compilation. PostgreSQL compiles a statement whose estimated cost passes
    jit_above_cost, and a figure's grouped statement (correlated look-ups per relationship, per
    session) is estimated far above what it costs: mentoring coverage at national scale spent
    0.77 s compiling to run for 0.45 s. Nothing here runs long enough to repay it."""
    if _is_sqlite(dbapi_connection):
        return
    # Outside a transaction, or the first rollback would undo the setting.
    autocommit = dbapi_connection.autocommit
    dbapi_connection.autocommit = True
    dbapi_connection.execute("SET jit = off")
    dbapi_connection.autocommit = autocommit


_serials = itertools.count()


def _request_serial() -> int:
    """This request's number, never another's: the id() of a request that has ended can be a
    later request's, which then passed for the one that began a read (a test failed so)."""
    return request.environ.setdefault("wres.request_serial", next(_serials))


@event.listens_for(Engine, "begin")
def _sqlite_begin(connection) -> None:
    if connection.dialect.name != "sqlite":
        return
    deferred = _reads_only()
    # Which request began it: under test one request's transaction can outlive it (the test's
    # own app context keeps the session open), and only that request is bound to read.
    connection.info[_DEFERRED] = _request_serial() if deferred else None
    connection.exec_driver_sql("BEGIN" if deferred else "BEGIN IMMEDIATE")


@event.listens_for(Engine, "before_cursor_execute")
def _sqlite_no_write_in_read(connection, _cursor, statement, *_rest) -> None:
    began = connection.info.get(_DEFERRED)
    if began is None or connection.dialect.name != "sqlite" or not _WRITE.match(statement):
        return
    if not has_request_context() or _request_serial() != began:
        return
    message = (
        f"{request.method} {request.path} writes in a read transaction: mark its view "
        "@database.writes or call database.begin_writing() before the write"
    )
    if current_app.testing:
        raise WriteInReadTransaction(message)
    log.warning(message)
