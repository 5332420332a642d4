"""Vacancies, batch interview rounds, applicants and their applications, panels and the pool."""

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.extensions import db
from app.timeutil import utcnow
from app.workforce.ethnicity import WresGroup, group_of
from app.workforce.models import Staff

VACANCY_STATUSES = {"open": "Open", "decided": "Decision recorded", "closed": "Closed"}
STAGES = ("shortlisting", "interview")
MEMBER_ROLES = {"chair": "Chair of panel", "member": "Member", "independent": "Independent member"}


class Batch(db.Model):
    """One interview round for several vacancies (DOMAIN.md section 10)."""

    __tablename__ = "batch"
    __table_args__ = (
        UniqueConstraint("organisation_id", "reference"),
        Index("ix_batch_org_created", "organisation_id", "created_at", "id"),
        Index("ix_batch_org_status", "organisation_id", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    reference: Mapped[str] = mapped_column(String(50))
    name: Mapped[str] = mapped_column(String(200), default="")
    interview_date: Mapped[date | None] = mapped_column(Date)
    recruiting_manager_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id"), index=True
    )
    status: Mapped[str] = mapped_column(String(20), default="open")
    decision_date: Mapped[date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    recruiting_manager = relationship(User)
    vacancies: Mapped[list["Vacancy"]] = relationship(
        back_populates="batch", order_by="Vacancy.reference"
    )

    kind = "batch"

    @property
    def label(self) -> str:
        return f"{self.reference}: {self.name}" if self.name else self.reference


class Vacancy(db.Model):
    __tablename__ = "vacancy"
    __table_args__ = (
        UniqueConstraint("organisation_id", "reference"),
        CheckConstraint("posts >= 1", name="posts_positive"),
        Index("ix_vacancy_org_decision", "organisation_id", "decision_date"),
        Index("ix_vacancy_org_created", "organisation_id", "created_at", "id"),
        Index("ix_vacancy_org_status", "organisation_id", "status", "created_at"),
        Index("ix_vacancy_org_band", "organisation_id", "pay_band", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    reference: Mapped[str] = mapped_column(String(50))
    title: Mapped[str] = mapped_column(String(200), default="")
    pay_band: Mapped[str] = mapped_column(String(40))
    staff_group: Mapped[str | None] = mapped_column(String(30))
    department: Mapped[str] = mapped_column(String(200), default="")
    recruiting_manager_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id"), index=True
    )
    status: Mapped[str] = mapped_column(String(20), default="open")
    decision_date: Mapped[date | None] = mapped_column(Date)
    international_recruitment: Mapped[bool] = mapped_column(Boolean, default=False)
    posts: Mapped[int] = mapped_column(Integer, default=1)
    batch_id: Mapped[int | None] = mapped_column(
        ForeignKey("batch.id", ondelete="SET NULL"), index=True
    )
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    recruiting_manager = relationship(User)
    batch: Mapped[Batch | None] = relationship(back_populates="vacancies")

    kind = "vacancy"

    @property
    def label(self) -> str:
        return f"{self.reference}: {self.title}" if self.title else self.reference


class Applicant(db.Model):
    """A person who applied; ethnicity comes from the equality monitoring data, never a panel."""

    __tablename__ = "applicant"
    __table_args__ = (
        UniqueConstraint("organisation_id", "reference"),
        # What an application's (organisation, applicant) key refers to.
        Index("uq_applicant_org_id", "organisation_id", "id", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # No index of its own: the unique (organisation, reference) one leads with it.
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"))
    reference: Mapped[str] = mapped_column(String(50))
    ethnic_category: Mapped[str] = mapped_column(String(2), default="99")
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))

    staff = relationship(Staff)

    @property
    def wres_group(self) -> WresGroup:
        return group_of(self.ethnic_category)


class Application(db.Model):
    """One person's application to a vacancy, or to a batch (once, however many posts)."""

    __tablename__ = "application"
    __table_args__ = (
        UniqueConstraint("applicant_id", "vacancy_id"),
        UniqueConstraint("applicant_id", "batch_id"),
        CheckConstraint("(vacancy_id IS NULL) <> (batch_id IS NULL)", name="vacancy_or_batch"),
        CheckConstraint(
            "shortlisted OR NOT (interviewed OR appointed)", name="outcome_needs_shortlisting"
        ),
        CheckConstraint(
            "appointed_vacancy_id IS NULL OR batch_id IS NOT NULL", name="appointed_in_batch"
        ),
        # The aspiration's recruits of the year: about one application in twelve, read by index.
        Index("ix_application_org_appointed", "organisation_id", "appointed"),
        # An application is to a vacancy or to a batch, never both: each index leaves out the
        # rows without its owner (a vacancy's applications write no entry in the batch index).
        Index(
            "ix_application_vacancy_id",
            "vacancy_id",
            postgresql_where=text("vacancy_id IS NOT NULL"),
            sqlite_where=text("vacancy_id IS NOT NULL"),
        ),
        Index(
            "ix_application_batch_id",
            "batch_id",
            postgresql_where=text("batch_id IS NOT NULL"),
            sqlite_where=text("batch_id IS NOT NULL"),
        ),
        # One key for the applicant and their organisation: an application is of an applicant
        # of the same organisation, and the organisation exists because the applicant's does.
        # PostgreSQL checks a key per row written, and a separate one for the organisation cost
        # an import a check per application.
        ForeignKeyConstraint(
            ["organisation_id", "applicant_id"],
            ["applicant.organisation_id", "applicant.id"],
            ondelete="CASCADE",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Neither has an index of its own: ix_application_org_appointed leads with the organisation
    # and both unique constraints with the applicant (each costs an import a write per row).
    organisation_id: Mapped[int] = mapped_column()
    applicant_id: Mapped[int] = mapped_column()
    vacancy_id: Mapped[int | None] = mapped_column(ForeignKey("vacancy.id", ondelete="CASCADE"))
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("batch.id", ondelete="CASCADE"))
    shortlisted: Mapped[bool] = mapped_column(Boolean, default=False)
    interviewed: Mapped[bool] = mapped_column(Boolean, default=False)
    appointed: Mapped[bool] = mapped_column(Boolean, default=False)
    withdrawn: Mapped[bool] = mapped_column(Boolean, default=False)
    # For a batch application: the one vacancy of the batch the person was appointed to.
    appointed_vacancy_id: Mapped[int | None] = mapped_column(
        ForeignKey("vacancy.id", ondelete="SET NULL")
    )
    international_recruit: Mapped[bool] = mapped_column(Boolean, default=False)
    # The band and staff group given on the application's own row of an imported file: for a
    # batch applicant not appointed, the only record of which post they were considered for
    # (DOMAIN.md section 10). Blank for applications entered on screen.
    pay_band: Mapped[str | None] = mapped_column(String(40))
    staff_group: Mapped[str | None] = mapped_column(String(30))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    applicant: Mapped[Applicant] = relationship()
    vacancy: Mapped[Vacancy | None] = relationship(foreign_keys=[vacancy_id])
    batch: Mapped[Batch | None] = relationship()
    appointed_vacancy: Mapped[Vacancy | None] = relationship(foreign_keys=[appointed_vacancy_id])


class Panel(db.Model):
    """The shortlisting or interview panel of a vacancy, or of a batch for all its vacancies."""

    __tablename__ = "panel"
    __table_args__ = (
        UniqueConstraint("vacancy_id", "stage"),
        UniqueConstraint("batch_id", "stage"),
        CheckConstraint("(vacancy_id IS NULL) <> (batch_id IS NULL)", name="vacancy_or_batch"),
        CheckConstraint("stage IN ('shortlisting', 'interview')", name="stage"),
        CheckConstraint("status IN ('draft', 'confirmed')", name="status"),
        Index("ix_panel_org_status", "organisation_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    vacancy_id: Mapped[int | None] = mapped_column(ForeignKey("vacancy.id", ondelete="CASCADE"))
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("batch.id", ondelete="CASCADE"))
    stage: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="draft")
    exception_reason: Mapped[str | None] = mapped_column(Text)
    # How the stage was run: shortlisting method, or interview format; and assessment methods.
    method: Mapped[str] = mapped_column(String(300), default="")
    assessment: Mapped[str] = mapped_column(Text, default="")
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime)
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)

    vacancy: Mapped[Vacancy | None] = relationship()
    batch: Mapped[Batch | None] = relationship()
    members: Mapped[list["PanelMember"]] = relationship(
        back_populates="panel", cascade="all, delete-orphan", order_by="PanelMember.id"
    )

    @property
    def owner(self):
        return self.vacancy or self.batch


class PanelMember(db.Model):
    __tablename__ = "panel_member"
    __table_args__ = (
        CheckConstraint("(staff_id IS NULL) <> (external_name IS NULL)", name="staff_or_external"),
        CheckConstraint("role IN ('chair', 'member', 'independent')", name="role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    panel_id: Mapped[int] = mapped_column(ForeignKey("panel.id", ondelete="CASCADE"), index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="RESTRICT"))
    external_name: Mapped[str | None] = mapped_column(String(200))
    # Declared by an external member; a staff member's comes from their staff record.
    external_ethnic_category: Mapped[str | None] = mapped_column(String(2))
    role: Mapped[str] = mapped_column(String(20), default="member")

    panel: Mapped[Panel] = relationship(back_populates="members")
    staff = relationship(Staff)

    @property
    def name(self) -> str:
        return self.staff.full_name if self.staff else self.external_name

    @property
    def ethnic_category(self) -> str:
        return self.staff.ethnic_category if self.staff else (self.external_ethnic_category or "99")


class InterviewScore(db.Model):
    """Optional: one panel member's score for one applicant; feeds "the process followed"."""

    __tablename__ = "interview_score"
    __table_args__ = (UniqueConstraint("application_id", "panel_member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("application.id", ondelete="CASCADE"), index=True
    )
    panel_member_id: Mapped[int] = mapped_column(ForeignKey("panel_member.id", ondelete="CASCADE"))
    score: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    out_of: Mapped[Decimal] = mapped_column(Numeric(6, 2))


class PoolMember(db.Model):
    """A member of staff who volunteered to sit on panels, with their training date."""

    __tablename__ = "panel_pool_member"
    __table_args__ = (UniqueConstraint("organisation_id", "staff_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"))
    training_date: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Joined the pool as a diverse (BME) panel member: given for panel purposes, so a manager's
    # panel check may count it. The ESR ethnicity of a pool member is never used for that.
    diverse_member: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    staff = relationship(Staff)


class PanelDeclaration(db.Model):
    """A member of staff's own statement that they count as a BME panel member.

    Kept apart from the staff record (ESR): it is given only so that panels can be checked on
    managers' screens, and the person can withdraw it from their account page.
    """

    __tablename__ = "panel_declaration"
    __table_args__ = (UniqueConstraint("staff_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"))
    declared_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime)

    @property
    def active(self) -> bool:
        return self.withdrawn_at is None
