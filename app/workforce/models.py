"""Organisations, their settings, staff records and the staff import history."""

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
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import FoundationModel, db
from app.timeutil import utcnow
from app.workforce.ethnicity import Ethnicity, WresGroup, group_of


class Organisation(FoundationModel):
    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(10), unique=True)  # ODS code
    name: Mapped[str] = mapped_column(String(200))
    # NHS England region, e.g. "London": regional viewers see the organisations of their own.
    region: Mapped[str] = mapped_column(String(100), default="", server_default="")
    # Peer group for benchmarking (codes in app/workforce/peer_groups.py); "" until HR or the
    # organisation list sets it.
    organisation_type: Mapped[str] = mapped_column(String(40), default="", server_default="")
    size_band: Mapped[str] = mapped_column(String(20), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    settings: Mapped["OrganisationSettings"] = relationship(
        back_populates="organisation", uselist=False, cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Organisation {self.code}>"


# Defaults from DOMAIN.md; every one is a per-organisation setting, never a constant in a rule.
JUSTIFICATION_POLICIES = {
    "interviewed-bme-not-appointed": "An interviewed BME applicant was not appointed (default)",
    "white-appointed-over-bme": "A white applicant was appointed over a BME interviewee",
}


class OrganisationSettings(FoundationModel):
    __tablename__ = "organisation_settings"
    __table_args__ = (
        CheckConstraint("panel_min_bme_members >= 0", name="panel_min_bme_members"),
        CheckConstraint("justification_due_working_days > 0", name="due_days_positive"),
        CheckConstraint("default_turnover > 0 AND default_turnover < 1", name="turnover_range"),
        CheckConstraint("suppression_threshold >= 0", name="suppression_threshold"),
        CheckConstraint(
            "non_adverse_low > 0 AND non_adverse_low < non_adverse_high", name="non_adverse_range"
        ),
    )

    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True
    )
    # Panels (DOMAIN.md section 8)
    panel_min_bme_members: Mapped[int] = mapped_column(Integer, default=1)
    panel_rule_min_band: Mapped[str | None] = mapped_column(String(40))  # None: every band
    panel_training_months: Mapped[int | None] = mapped_column(Integer)  # None: not required
    panel_independent_required: Mapped[bool] = mapped_column(Boolean, default=False)
    # Justifications (section 9)
    justification_due_working_days: Mapped[int] = mapped_column(Integer, default=10)
    justification_policy: Mapped[str] = mapped_column(
        String(40), default="interviewed-bme-not-appointed"
    )
    # Metrics (sections 5, 7, 12)
    default_turnover: Mapped[Decimal] = mapped_column(Numeric(5, 4), default=Decimal("0.10"))
    target_year: Mapped[int] = mapped_column(Integer, default=2028)
    suppression_threshold: Mapped[int] = mapped_column(Integer, default=7)
    non_adverse_low: Mapped[Decimal] = mapped_column(Numeric(4, 2), default=Decimal("0.80"))
    non_adverse_high: Mapped[Decimal] = mapped_column(Numeric(4, 2), default=Decimal("1.25"))
    # Mentoring (section 11)
    mentoring_counts_non_consultant_medical: Mapped[bool] = mapped_column(Boolean, default=False)

    organisation: Mapped[Organisation] = relationship(back_populates="settings")


class Staff(FoundationModel):
    """A person in the organisation's ESR extract (DOMAIN.md section 3)."""

    __tablename__ = "staff"
    __table_args__ = (
        UniqueConstraint("organisation_id", "staff_number"),
        CheckConstraint(
            "leaving_date IS NULL OR start_date IS NULL OR leaving_date >= start_date",
            name="leaving_after_start",
        ),
        CheckConstraint(
            "board_role IS NULL OR board_role IN ('executive', 'non-executive')",
            name="board_role",
        ),
        Index("ix_staff_org_email", "organisation_id", "email"),
        Index("ix_staff_org_band", "organisation_id", "pay_band"),
        Index("ix_staff_org_name", "organisation_id", "full_name", "staff_number"),
        Index("ix_staff_org_group", "organisation_id", "staff_group"),
        # Covers "in post on a date", so the staff list counts from the index alone.
        Index("ix_staff_org_in_post", "organisation_id", "leaving_date", "start_date"),
        Index("ix_staff_org_board", "organisation_id", "board_role"),
        # What a version's (organisation, person) key refers to (StaffHistory).
        Index("uq_staff_org_id", "organisation_id", "id", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # No index of its own: every index above and the staff number's unique one lead with it.
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"))
    staff_number: Mapped[str] = mapped_column(String(30))
    full_name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str | None] = mapped_column(String(254))  # stored lower-case
    ethnic_category: Mapped[str] = mapped_column(String(2), default="99")
    pay_band: Mapped[str | None] = mapped_column(String(40))  # None only for a non-executive
    staff_group: Mapped[str] = mapped_column(String(30))
    board_role: Mapped[str | None] = mapped_column(String(20))
    board_voting: Mapped[bool] = mapped_column(Boolean, default=False)
    start_date: Mapped[date | None] = mapped_column(Date)
    leaving_date: Mapped[date | None] = mapped_column(Date)
    # Basic hourly pay in pounds, for the ethnicity pay gap (app/workforce/pay.py); None: not given.
    hourly_pay: Mapped[Decimal | None] = mapped_column(Numeric(12, 4))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    # The digest of the extract row this record was last read from (staff_file.row_digest): a
    # re-import skips reading a row with the same digest. Only the import sets it; a trigger
    # (migration 0024) forgets it when anything else changes the record.
    row_digest: Mapped[str | None] = mapped_column(String(32))

    organisation: Mapped[Organisation] = relationship()
    band_changes: Mapped[list["BandChange"]] = relationship(
        back_populates="staff", order_by="BandChange.id", cascade="all, delete-orphan"
    )

    @property
    def ethnicity(self) -> Ethnicity:
        return Ethnicity(self.ethnic_category)

    @property
    def wres_group(self) -> WresGroup:
        return group_of(self.ethnic_category)

    def in_post_on(self, day: date) -> bool:
        started = self.start_date is None or self.start_date <= day
        not_left = self.leaving_date is None or self.leaving_date > day
        return started and not_left

    def __repr__(self) -> str:
        return f"<Staff {self.staff_number}>"


def in_post_clause(day: date):
    """SQL for DOMAIN.md's "in post on a date": started on or before it and not yet left."""
    return db.and_(
        db.or_(Staff.start_date.is_(None), Staff.start_date <= day),
        db.or_(Staff.leaving_date.is_(None), Staff.leaving_date > day),
    )


class BandChange(FoundationModel):
    """A change of pay band seen between two imports: the promotions later reports count."""

    __tablename__ = "band_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), index=True)
    from_band: Mapped[str | None] = mapped_column(String(40))
    to_band: Mapped[str | None] = mapped_column(String(40))
    recorded_on: Mapped[date] = mapped_column(Date)
    data_import_id: Mapped[int | None] = mapped_column(
        ForeignKey("data_import.id", ondelete="SET NULL")
    )

    @property
    def changes_described(self) -> str:
        if self.changed == "added":
            return "First recorded"
        return ", ".join(name.replace("_", " ") for name in self.changed.split()).capitalize()

    note: Mapped[str | None] = mapped_column(Text)

    staff: Mapped[Staff] = relationship(back_populates="band_changes")


class StaffHistory(FoundationModel):
    """One version of a person's "as at" attributes, in force from `valid_from` up to, not
    including, `valid_to` (open while it is the latest). Figures for a date read the version in
    force on that date, so a later import closes versions rather than rewriting them."""

    __tablename__ = "staff_history"
    __table_args__ = (
        CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", name="valid_range"),
        CheckConstraint(
            "board_role IS NULL OR board_role IN ('executive', 'non-executive')",
            name="board_role",
        ),
        Index("ix_staff_history_org_valid_from", "organisation_id", "valid_from"),
        # At most one open version per person, whatever two imports do at once.
        Index(
            "uq_staff_history_open",
            "staff_id",
            unique=True,
            sqlite_where=db.text("valid_to IS NULL"),
            postgresql_where=db.text("valid_to IS NULL"),
        ),
        # One key for the person and their organisation: a version is of a person of the same
        # organisation, and the organisation exists because the person's does. PostgreSQL
        # checks a key per row written, and a separate one for the organisation cost an import
        # a check per version.
        ForeignKeyConstraint(
            ["organisation_id", "staff_id"],
            ["staff.organisation_id", "staff.id"],
            ondelete="CASCADE",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column()
    # Looked up by ix_staff_history_staff_valid_from (app/mentoring/models.py), which leads with it.
    staff_id: Mapped[int] = mapped_column()
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    ethnic_category: Mapped[str] = mapped_column(String(2))
    pay_band: Mapped[str | None] = mapped_column(String(40))
    staff_group: Mapped[str] = mapped_column(String(30))
    board_role: Mapped[str | None] = mapped_column(String(20))
    board_voting: Mapped[bool] = mapped_column(Boolean)
    start_date: Mapped[date | None] = mapped_column(Date)
    leaving_date: Mapped[date | None] = mapped_column(Date)
    hourly_pay: Mapped[Decimal | None] = mapped_column(Numeric(12, 4))
    # What the import changed: "added", or the attribute names, space-separated.
    changed: Mapped[str] = mapped_column(String(200))
    data_import_id: Mapped[int | None] = mapped_column(
        ForeignKey("data_import.id", ondelete="SET NULL")
    )

    @property
    def changes_described(self) -> str:
        if self.changed == "added":
            return "First recorded"
        return ", ".join(name.replace("_", " ") for name in self.changed.split()).capitalize()
