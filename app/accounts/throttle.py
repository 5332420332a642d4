"""Failure counters kept in the database, shared by every web worker and process.

Keys are hashed before they are stored, so the table holds no email addresses. Counting is one
atomic upsert and a locked read, so concurrent failures are all counted.
"""

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select

from app.accounts.models import ThrottleCounter
from app.accounts.throttle_rules import Policy, seconds_left
from app.extensions import db


@dataclass(frozen=True)
class State:
    failures: int
    wait_seconds: int


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def state(key: str, policy: Policy, now: datetime) -> State:
    counter = db.session.scalar(
        select(ThrottleCounter).where(ThrottleCounter.key_hash == _hash(key))
    )
    if counter is None or counter.last_failure_at < now - timedelta(seconds=policy.window_seconds):
        return State(0, 0)
    return State(counter.failures, seconds_left(counter.next_allowed_at, now))


def record_failure(key: str, policy: Policy, now: datetime) -> State:
    key_hash = _hash(key)
    dialect = db.session.get_bind().dialect.name
    # Imported here: the PostgreSQL dialect is a tenth of a second of start-up on SQLite.
    from sqlalchemy.dialects import postgresql, sqlite

    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    db.session.execute(
        insert(ThrottleCounter)
        .values(key_hash=key_hash, failures=0, last_failure_at=now, next_allowed_at=now)
        .on_conflict_do_nothing(index_elements=["key_hash"])
    )
    counter = db.session.scalar(
        select(ThrottleCounter)
        .where(ThrottleCounter.key_hash == key_hash)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if counter.last_failure_at < now - timedelta(seconds=policy.window_seconds):
        counter.failures = 0
    counter.failures += 1
    counter.last_failure_at = now
    counter.next_allowed_at = now + timedelta(seconds=policy.wait_after(counter.failures))
    db.session.flush()
    return State(counter.failures, seconds_left(counter.next_allowed_at, now))


def clear(key: str) -> None:
    db.session.execute(delete(ThrottleCounter).where(ThrottleCounter.key_hash == _hash(key)))
