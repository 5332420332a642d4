"""The NHS Staff Survey's results by ethnic group, for WRES indicators 5 to 8 (DOMAIN.md
section 13): one row per organisation, survey year and indicator."""

from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Integer, Numeric, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.timeutil import utcnow


class SurveyResult(db.Model):
    __tablename__ = "survey_result"
    __table_args__ = (
        UniqueConstraint("organisation_id", "survey_year", "indicator"),
        CheckConstraint("indicator BETWEEN 5 AND 8", name="indicator_5_to_8"),
        CheckConstraint(
            "(white_percent IS NULL OR (white_percent >= 0 AND white_percent <= 100)) AND "
            "(bme_percent IS NULL OR (bme_percent >= 0 AND bme_percent <= 100))",
            name="percent_range",
        ),
        CheckConstraint(
            "white_respondents >= 0 AND bme_respondents >= 0", name="respondents_not_negative"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    # The calendar year the survey ran in (the autumn): reported for WRES year survey_year + 1.
    survey_year: Mapped[int] = mapped_column(Integer)
    indicator: Mapped[int] = mapped_column(Integer)
    # None only when the group had no respondents: a percentage of nobody is not a figure.
    white_percent: Mapped[Decimal | None] = mapped_column(Numeric(7, 4))
    bme_percent: Mapped[Decimal | None] = mapped_column(Numeric(7, 4))
    white_respondents: Mapped[int] = mapped_column(Integer)
    bme_respondents: Mapped[int] = mapped_column(Integer)
    data_import_id: Mapped[int | None] = mapped_column(
        ForeignKey("data_import.id", ondelete="SET NULL")
    )
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    @property
    def wres_year(self) -> int:
        return self.survey_year + 1
