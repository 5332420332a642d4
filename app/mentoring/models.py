"""Mentoring, reverse mentoring and sponsorship relationships, their sessions and goals.

Private notes live in their own table, read by exactly one query that requires the reader to be
one of the two people: no page, file or report for anyone else ever selects from it.
"""

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.mentoring.eligibility import status
from app.timeutil import utcnow
from app.workforce.models import Staff, StaffHistory


class MentoringRelationship(db.Model):
    __tablename__ = "mentoring_relationship"
    __table_args__ = (
        CheckConstraint("end_date IS NULL OR end_date >= start_date", name="end_after_start"),
        CheckConstraint("leader_id <> colleague_id", name="two_people"),
        CheckConstraint("kind IN ('mentoring', 'reverse-mentoring', 'sponsorship')", name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    leader_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    colleague_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    agreement: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    leader = relationship(Staff, foreign_keys=[leader_id])
    colleague = relationship(Staff, foreign_keys=[colleague_id])
    sessions: Mapped[list["MentoringSession"]] = relationship(
        back_populates="relationship",
        order_by="MentoringSession.held_on.desc()",
        cascade="all, delete-orphan",
    )
    goals: Mapped[list["MentoringGoal"]] = relationship(
        back_populates="relationship", order_by="MentoringGoal.id", cascade="all, delete-orphan"
    )

    def status_on(self, today: date) -> str:
        return status(self.start_date, self.end_date, today)


class MentoringSession(db.Model):
    __tablename__ = "mentoring_session"
    __table_args__ = (
        CheckConstraint("minutes IS NULL OR minutes > 0", name="minutes_positive"),
        CheckConstraint("format IN ('in-person', 'video', 'phone')", name="format"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    relationship_id: Mapped[int] = mapped_column(
        ForeignKey("mentoring_relationship.id", ondelete="CASCADE"), index=True
    )
    held_on: Mapped[date] = mapped_column(Date)
    minutes: Mapped[int | None] = mapped_column(Integer)  # None: imported, length not known
    format: Mapped[str] = mapped_column(String(20), default="in-person")
    summary: Mapped[str] = mapped_column(Text, default="")  # shared: appears in evidence
    imported: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    relationship: Mapped[MentoringRelationship] = relationship(back_populates="sessions")


class PrivateNote(db.Model):
    """Seen only by the two people in the relationship."""

    __tablename__ = "mentoring_private_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("mentoring_session.id", ondelete="CASCADE"), unique=True
    )
    text: Mapped[str] = mapped_column(Text)


class MentoringGoal(db.Model):
    __tablename__ = "mentoring_goal"

    id: Mapped[int] = mapped_column(primary_key=True)
    relationship_id: Mapped[int] = mapped_column(
        ForeignKey("mentoring_relationship.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str] = mapped_column(Text)
    target_date: Mapped[date | None] = mapped_column(Date)
    progress: Mapped[str] = mapped_column(Text, default="")
    done: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    relationship: Mapped[MentoringRelationship] = relationship(back_populates="goals")


# Who was a VSM or board member on a date (coverage's leaders): a few hundred versions of a
# trust's tens of thousands, so the figure reads them from this index instead of every version.
# Queries repeat the condition as it is written here, so the database can use the index.
SENIOR_SQL = "pay_band = 'VSM' OR board_role IS NOT NULL"
Index(
    "ix_staff_history_org_senior",
    StaffHistory.organisation_id,
    StaffHistory.valid_from,
    sqlite_where=db.text(SENIOR_SQL),
    postgresql_where=db.text(SENIOR_SQL),
)
# Whether a relationship or a session counts reads each person's version in force on a day, or
# their first (history.judged_on): one seek each in this index, instead of reading every version
# of the person from the table.
Index("ix_staff_history_staff_valid_from", StaffHistory.staff_id, StaffHistory.valid_from)
