"""Figures the home page and the dashboard show, computed once per change of the data.

Every transaction that writes to the database (the ORM, set-based statements or raw SQL, from a
form, an import, a command, a scheduler job or the demo seeding) sets a new random token in the
one-row table `figure_version` as it commits: the write is seen by the connection, not by the
code that makes it, so no write path can forget. A figure is stored under its organisation, name,
arguments and today's date, with the token it was computed under, and is used only while the
token is unchanged. Reading the token is one primary-key query per request.

The token is read before the figures are computed, so a figure computed while a write commits is
stored under the old token and is never used after it. Writes to tables no figure reads (sessions,
sign-in throttling, audit checkpoints) leave the token alone.

Stored figures are pickled to files in FIGURE_CACHE_DIR (shared by every worker on the machine),
with the latest few also kept in each process's memory. The files hold only what the app wrote
itself; a file that cannot be read or written is ignored and the figure computed.
"""

import hashlib
import os
import pickle
import re
import secrets
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

from flask import current_app, has_request_context, request
from sqlalchemy import Column, Integer, String, event, inspect, text
from sqlalchemy.engine import Engine

from app.extensions import db
from app.timeutil import today_london

# A table, not a model: its one row is the token. The bump below writes it whole, so it holds
# even where the row was removed (the test suite empties every table between tests).
figure_version = db.Table(
    "figure_version",
    Column("id", Integer, primary_key=True),
    Column("token", String(32), nullable=False),
)

# Tables no kept figure reads (the home page reads failed emails and import jobs afresh): the
# token would otherwise change on every sign-in, every minute's outbox run and every chunk of a
# background import's progress.
UNCOUNTED = frozenset(
    {
        "figure_version",
        "user_session",
        "throttle_counter",
        "audit_checkpoint",
        "outbox_message",
        "notification",
        "reminder_sent",
        "import_job",
    }
)
# Columns no figure reads, whose updates alone leave the token alone (signing in sets one).
UNCOUNTED_COLUMNS = {"user_account": frozenset({"last_login_at"})}
_SET = re.compile(r'^\s*UPDATE\s+"?(\w+)"?\s+SET\s+(.*?)\s+WHERE\s', re.IGNORECASE | re.DOTALL)
_COLUMN = re.compile(r'"?(\w+)"?\s*=')
_WRITE = re.compile(
    r"^\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|REPLACE\s+INTO|UPDATE(?:\s+OR\s+\w+)?|DELETE\s+FROM"
    r"|TRUNCATE(?:\s+TABLE)?|COPY|MERGE\s+INTO)\s+\"?(\w+)",
    re.IGNORECASE,
)
# Statements that change data without naming one table first: a write inside a WITH, and schema
# changes (a migration may rewrite what figures read).
_OTHER_WRITE = re.compile(
    r"^\s*(?:WITH\b.*\b(?:INSERT|UPDATE|DELETE)\b|ALTER\b|CREATE\b(?!\s+TEMP)|DROP\b)",
    re.IGNORECASE | re.DOTALL,
)
_DROP = re.compile(
    r'^\s*DROP\s+(?:SCHEMA|DATABASE|TABLE\s+(?:IF\s+EXISTS\s+)?"?figure_version)', re.IGNORECASE
)
_CHANGED = "figures_changed"
# Engines (by URL) whose database has the table: before its migration has run, nothing is bumped.
_HAS_TABLE: set[str] = set()
MEMORY_ENTRIES = 256
_memory: OrderedDict[str, tuple[str, Any]] = OrderedDict()
_memory_lock = threading.Lock()


def new_token() -> str:
    return secrets.token_hex(16)


@event.listens_for(Engine, "before_cursor_execute")
def _note_write(conn, _cursor, statement, _parameters, _context, _executemany) -> None:
    match = _WRITE.match(statement)
    if match:
        if match.group(1).lower() not in UNCOUNTED and not _uncounted_update(statement):
            conn.info[_CHANGED] = True
    elif _OTHER_WRITE.match(statement):
        conn.info[_CHANGED] = True
        if _DROP.match(statement):
            _HAS_TABLE.discard(str(conn.engine.url))


def _uncounted_update(statement: str) -> bool:
    update = _SET.match(statement)
    if not update or update.group(1).lower() not in UNCOUNTED_COLUMNS:
        return False
    columns = {c.lower() for c in _COLUMN.findall(update.group(2))}
    return columns <= UNCOUNTED_COLUMNS[update.group(1).lower()]


def note_write(conn) -> None:
    """For writes through the driver's own cursor (COPY, executemany), which no event sees."""
    conn.info[_CHANGED] = True


@event.listens_for(Engine, "commit")
def _bump_on_commit(conn) -> None:
    if not conn.info.pop(_CHANGED, False):
        return
    key = str(conn.engine.url)
    if key not in _HAS_TABLE:
        if not inspect(conn).has_table("figure_version"):
            return
        _HAS_TABLE.add(key)
    conn.execute(
        text(
            "INSERT INTO figure_version (id, token) VALUES (1, :token) "
            "ON CONFLICT (id) DO UPDATE SET token = excluded.token"
        ),
        {"token": new_token()},
    )


@event.listens_for(Engine, "rollback")
def _forget_on_rollback(conn) -> None:
    conn.info.pop(_CHANGED, None)


def current_token() -> str | None:
    """This request's token (read once per request; `g` can outlive a request in tests), or None
    where the table is not there yet."""
    memo = request.environ if has_request_context() else {}
    if "wres.figure_token" not in memo:
        token = None
        key = str(db.engine.url)
        if key in _HAS_TABLE or inspect(db.session.connection()).has_table("figure_version"):
            _HAS_TABLE.add(key)
            token = db.session.scalar(text("SELECT token FROM figure_version WHERE id = 1"))
        memo["wres.figure_token"] = token
    return memo["wres.figure_token"]


def _folder() -> Path:
    configured = current_app.config.get("FIGURE_CACHE_DIR")
    return Path(configured or Path(tempfile.gettempdir()) / "wres-figure-cache")


def cached(organisation_id: int, name: str, args: tuple, compute: Callable[[], Any]) -> Any:
    """`compute()`, or what it returned before under the same token, arguments and day."""
    token = current_token()
    if token is None:
        return compute()
    key = repr((organisation_id, name, args, today_london().isoformat()))
    with _memory_lock:
        hit = _memory.get(key)
    if hit is not None and hit[0] == token:
        return hit[1]
    path = _folder() / (hashlib.sha256(key.encode()).hexdigest() + ".pickle")
    try:
        # Only this app writes the folder (see the module's docstring).
        stored_key, stored_token, value = pickle.loads(path.read_bytes())  # noqa: S301
        if stored_key == key and stored_token == token:
            _remember(key, token, value)
            return value
    except Exception:  # noqa: S110  (missing, half-written or from an older release: recompute)
        pass
    value = compute()
    _remember(key, token, value)
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)  # pickles: this user only
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        partial.write_bytes(pickle.dumps((key, token, value), pickle.HIGHEST_PROTOCOL))
        os.replace(partial, path)
    except OSError:
        pass
    return value


def _remember(key: str, token: str, value: Any) -> None:
    with _memory_lock:
        _memory[key] = (token, value)
        _memory.move_to_end(key)
        while len(_memory) > MEMORY_ENTRIES:
            _memory.popitem(last=False)


def prune(older_than: date) -> int:
    """Remove stored figures last written before `older_than` (the nightly job: they are for
    past days, whose keys no request makes again)."""
    removed = 0
    folder = _folder()
    if not folder.is_dir():
        return 0
    limit = datetime.combine(older_than, datetime.min.time()).timestamp()
    for path in folder.glob("*.pickle"):
        try:
            if path.stat().st_mtime < limit:
                path.unlink()
                removed += 1
        except OSError:
            pass
    return removed
