"""The email outbox and each user's in-app inbox."""

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.extensions import db
from app.timeutil import utcnow


class OutboxMessage(db.Model):
    """An email written in the same transaction as the change that caused it; the scheduler
    delivers it, with retries, so an SMTP outage loses nothing."""

    __tablename__ = "outbox_message"
    __table_args__ = (Index("ix_outbox_pending", "sent_at", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    to_email: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    # Set when the message can never go (it cannot be built, or the server refused it for good):
    # it leaves the queue, keeps its reason, and is listed for the organisation's HR.
    failed_at: Mapped[datetime | None] = mapped_column(DateTime)


class Notification(db.Model):
    __tablename__ = "notification"
    __table_args__ = (Index("ix_notification_user_unread", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(DateTime)

    user = relationship(User)


class ReminderSent(db.Model):
    """Which reminder went for what and when: makes reminder jobs idempotent."""

    __tablename__ = "reminder_sent"
    __table_args__ = (db.UniqueConstraint("subject_type", "subject_id", "kind", "for_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(40))
    for_date: Mapped[datetime] = mapped_column(db.Date)
    sent_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
