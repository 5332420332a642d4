"""The append-only audit trail.

Each entry carries the hash of the entry before it in the same organisation, so a row edited or
deleted behind the product's back breaks the chain and verify_chain() shows where.
"""

import hashlib
import json
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, select, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.timeutil import utcnow

GENESIS = "0" * 64


class AuditEvent(db.Model):
    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    actor_label: Mapped[str] = mapped_column(String(254))  # kept if the user is later removed
    action: Mapped[str] = mapped_column(String(80), index=True)
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[str] = mapped_column(Text, default="{}")  # JSON
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    actor = relationship("User")

    @property
    def detail_dict(self) -> dict[str, Any]:
        return json.loads(self.detail)


def _digest(event: AuditEvent) -> str:
    payload = json.dumps(
        [
            event.prev_hash,
            event.organisation_id,
            event.actor_id,
            event.actor_label,
            event.action,
            event.object_type,
            event.object_id,
            event.detail,
            event.reason,
            event.created_at.isoformat(timespec="microseconds"),
        ],
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def _lock_chain(organisation_id: int) -> None:
    """Serialise appends per organisation so two transactions never fork the chain.

    SQLite already serialises writers (BEGIN IMMEDIATE); PostgreSQL takes an advisory lock that
    ends with the transaction.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(
            text("SELECT pg_advisory_xact_lock(:space, :key)"),
            {"space": 7_201, "key": organisation_id},
        )


def record(
    organisation_id: int,
    actor,
    action: str,
    object_type: str,
    object_id: int | None = None,
    detail: dict[str, Any] | None = None,
    reason: str | None = None,
) -> AuditEvent:
    """Append an entry. `actor` is a User, or None for the command line and scheduled jobs."""
    _lock_chain(organisation_id)
    previous = db.session.scalar(
        select(AuditEvent.hash)
        .where(AuditEvent.organisation_id == organisation_id)
        .order_by(AuditEvent.id.desc())
        .limit(1)
    )
    event = AuditEvent(
        organisation_id=organisation_id,
        actor_id=getattr(actor, "id", None),
        actor_label=getattr(actor, "email", None) or "command line",
        action=action,
        object_type=object_type,
        object_id=object_id,
        detail=json.dumps(detail or {}, sort_keys=True, default=str),
        reason=reason,
        created_at=utcnow(),
        prev_hash=previous or GENESIS,
    )
    event.hash = _digest(event)
    db.session.add(event)
    db.session.flush()
    return event


def verify_chain(organisation_id: int) -> int | None:
    """The id of the first entry that does not fit the chain, or None when it is intact."""
    expected_prev = GENESIS
    events = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.organisation_id == organisation_id)
        .order_by(AuditEvent.id)
        .execution_options(yield_per=1000)
    )
    with events:  # closes PostgreSQL's server-side cursor when we stop early
        for event in events:
            if event.prev_hash != expected_prev or _digest(event) != event.hash:
                return event.id
            expected_prev = event.hash
    return None
