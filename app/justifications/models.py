"""Justifications to the chair, their versions, the reasons per applicant and the chair's
reviews. A submitted version is never changed or deleted: the database refuses it too."""

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, query_expression, relationship

from app.accounts.models import User
from app.extensions import db
from app.timeutil import utcnow

STATUSES = {
    "due": "Due",
    "submitted": "Submitted to the chair",
    "more-information-requested": "More information requested",
    "accepted": "Accepted",
    "referred": "Referred",
    "not-needed": "No longer needed",
    "superseded": "Superseded: the decision was changed",
}
OPEN_FOR_MANAGER = ("due", "more-information-requested")
DECIDED = ("accepted", "referred")
# The queue's leading sort key, spelt with literal statuses so that the query and the index
# `ix_justification_queue` are the same expression (a bound parameter would not match it).
OPEN_FIRST_SQL = (
    "CASE WHEN status IN ("
    + ", ".join(f"'{status}'" for status in OPEN_FOR_MANAGER)
    + ") THEN 0 ELSE 1 END"
)


class Justification(db.Model):
    __tablename__ = "justification"
    __table_args__ = (
        # One current justification per decision; superseded ones are kept beside it.
        Index(
            "uq_justification_current_vacancy",
            "vacancy_id",
            unique=True,
            sqlite_where=text("status <> 'superseded'"),
            postgresql_where=text("status <> 'superseded'"),
        ),
        Index(
            "uq_justification_current_batch",
            "batch_id",
            unique=True,
            sqlite_where=text("status <> 'superseded'"),
            postgresql_where=text("status <> 'superseded'"),
        ),
        CheckConstraint("(vacancy_id IS NULL) <> (batch_id IS NULL)", name="vacancy_or_batch"),
        # The bucket counts read status and due date from this index alone.
        Index("ix_justification_org_status_due", "organisation_id", "status", "due_date"),
        # The queue's order (queries.queue_order), so a page is read from the index, unsorted.
        Index("ix_justification_queue", "organisation_id", text(OPEN_FIRST_SQL), "due_date", "id"),
        Index("ix_justification_org_due", "organisation_id", "due_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Looked up through the list indexes above, which lead with it (no index of its own).
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"))
    vacancy_id: Mapped[int | None] = mapped_column(ForeignKey("vacancy.id", ondelete="CASCADE"))
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("batch.id", ondelete="CASCADE"))
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    status: Mapped[str] = mapped_column(String(40), default="due")
    decision_date: Mapped[date | None] = mapped_column(Date)
    due_date: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    first_submitted_at: Mapped[datetime | None] = mapped_column(DateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # An HR change to a locked decision supersedes the justification: kept, never dropped.
    superseded_at: Mapped[datetime | None] = mapped_column(DateTime)
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    superseded_reason: Mapped[str | None] = mapped_column(Text)

    vacancy = relationship("Vacancy")
    batch = relationship("Batch")
    manager = relationship(User, foreign_keys=[manager_id])
    superseded_by = relationship(User, foreign_keys=[superseded_by_id])
    applicants: Mapped[list["JustificationApplicant"]] = relationship(
        back_populates="justification",
        cascade="all, delete-orphan",
        order_by="JustificationApplicant.id",
    )
    versions: Mapped[list["JustificationVersion"]] = relationship(
        back_populates="justification", order_by="JustificationVersion.number"
    )
    # How many applicants it concerns, where a list asked for it (`queries.queue_query`): a
    # count in the page's query rather than every applicant loaded to be counted.
    applicant_count: Mapped[int | None] = query_expression()
    reviews: Mapped[list["JustificationReview"]] = relationship(
        back_populates="justification", order_by="JustificationReview.id"
    )

    @property
    def owner(self):
        return self.vacancy or self.batch

    @property
    def draft(self) -> "JustificationVersion | None":
        return next((v for v in self.versions if v.submitted_at is None), None)

    @property
    def submitted_versions(self) -> list["JustificationVersion"]:
        return [v for v in self.versions if v.submitted_at is not None]


class JustificationApplicant(db.Model):
    """An applicant the justification concerns (an interviewed BME applicant not appointed)."""

    __tablename__ = "justification_applicant"
    __table_args__ = (UniqueConstraint("justification_id", "application_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Looked up through the unique (justification, application), which leads with it.
    justification_id: Mapped[int] = mapped_column(
        ForeignKey("justification.id", ondelete="CASCADE")
    )
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id", ondelete="CASCADE"))

    justification: Mapped[Justification] = relationship(back_populates="applicants")
    application = relationship("Application")


class JustificationVersion(db.Model):
    __tablename__ = "justification_version"
    __table_args__ = (UniqueConstraint("justification_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    justification_id: Mapped[int] = mapped_column(
        ForeignKey("justification.id", ondelete="RESTRICT"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    # Filled from the record when the version is submitted, so the chair sees what was true then.
    process_followed: Mapped[str] = mapped_column(Text, default="")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime)

    justification: Mapped[Justification] = relationship(back_populates="versions")
    author = relationship(User)
    reasons: Mapped[list["JustificationReason"]] = relationship(
        back_populates="version", order_by="JustificationReason.id"
    )


class JustificationReason(db.Model):
    __tablename__ = "justification_reason"
    __table_args__ = (UniqueConstraint("version_id", "application_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("justification_version.id", ondelete="RESTRICT"), index=True
    )
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"))
    reason: Mapped[str] = mapped_column(Text, default="")
    feedback: Mapped[str] = mapped_column(Text, default="")

    version: Mapped[JustificationVersion] = relationship(back_populates="reasons")
    application = relationship("Application")


class JustificationReview(db.Model):
    """The chair's response to a submitted version."""

    __tablename__ = "justification_review"
    __table_args__ = (
        CheckConstraint(
            "outcome IN ('accepted', 'more-information-requested', 'referred')", name="outcome"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    justification_id: Mapped[int] = mapped_column(
        ForeignKey("justification.id", ondelete="RESTRICT"), index=True
    )
    version_id: Mapped[int] = mapped_column(ForeignKey("justification_version.id"))
    outcome: Mapped[str] = mapped_column(String(40))
    note: Mapped[str] = mapped_column(Text, default="")
    referred_to: Mapped[str] = mapped_column(String(200), default="")
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    reviewed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    justification: Mapped[Justification] = relationship(back_populates="reviews")
    reviewer = relationship(User)
    version = relationship("JustificationVersion")
