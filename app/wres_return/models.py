"""Disciplinary case starts and training records, as imported. Each belongs to a member of staff
of the organisation; the figures count people, never cases or courses."""

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.timeutil import utcnow

CASE_REFERENCE_LENGTH = 60
COURSE_LENGTH = 200


class DisciplinaryCase(db.Model):
    """The start of a formal disciplinary investigation (indicator 3). Matched on its case
    reference when a file is imported again."""

    __tablename__ = "disciplinary_case"
    __table_args__ = (
        UniqueConstraint("organisation_id", "case_reference"),
        Index("ix_disciplinary_case_org_started", "organisation_id", "investigation_start_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"))
    case_reference: Mapped[str] = mapped_column(String(CASE_REFERENCE_LENGTH))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), index=True)
    investigation_start_date: Mapped[date] = mapped_column(Date)
    data_import_id: Mapped[int | None] = mapped_column(
        ForeignKey("data_import.id", ondelete="SET NULL")
    )
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class TrainingRecord(db.Model):
    """One course a member of staff started (indicator 4 counts the non-mandatory ones).
    Identified by the person, the course and the start date."""

    __tablename__ = "training_record"
    __table_args__ = (
        UniqueConstraint("organisation_id", "staff_id", "course", "start_date"),
        Index("ix_training_record_org_started", "organisation_id", "start_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), index=True)
    course: Mapped[str] = mapped_column(String(COURSE_LENGTH))
    start_date: Mapped[date] = mapped_column(Date)
    mandatory: Mapped[bool] = mapped_column(Boolean, default=False)
    data_import_id: Mapped[int | None] = mapped_column(
        ForeignKey("data_import.id", ondelete="SET NULL")
    )
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
