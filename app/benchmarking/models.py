"""Each organisation's published figures for a closed WRES year, as the benchmarking pages show
them: stored once, after disclosure control, so comparing every NHS organisation reads one row per
organisation and year instead of recomputing (and re-protecting) anyone's figures on a page view."""

import json
from datetime import date, datetime

from sqlalchemy import Date, DateTime, Float, ForeignKey, Index, Integer, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.timeutil import utcnow
from app.workforce.models import Organisation


class PublishedFigures(db.Model):
    """A closed year's figures as published (`figures`: JSON, every count and rate after
    disclosure control). The columns beside it repeat the figures the pages sort and filter on,
    each `None` where the published value is `*` or not available."""

    __tablename__ = "published_figures"
    __table_args__ = (
        UniqueConstraint("organisation_id", "year"),
        Index("ix_published_figures_year", "year"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    year: Mapped[int] = mapped_column(Integer)
    as_at: Mapped[date] = mapped_column(Date)
    published_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    threshold: Mapped[int] = mapped_column(Integer)
    relative_likelihood: Mapped[float | None] = mapped_column(Float)
    ci_low: Mapped[float | None] = mapped_column(Float)
    ci_high: Mapped[float | None] = mapped_column(Float)
    shortlisted: Mapped[int | None] = mapped_column(Integer)  # white + BME, each rounded
    bme_shortlisted: Mapped[int | None] = mapped_column(Integer)
    appointed: Mapped[int | None] = mapped_column(Integer)  # white + BME, each rounded
    workforce_bme_share: Mapped[float | None] = mapped_column(Float)
    senior_bme_share: Mapped[float | None] = mapped_column(Float)  # 8a and above
    panel_compliance: Mapped[float | None] = mapped_column(Float)
    justifications_on_time: Mapped[float | None] = mapped_column(Float)
    mentoring_coverage: Mapped[float | None] = mapped_column(Float)
    figures: Mapped[str] = mapped_column(Text)

    organisation: Mapped[Organisation] = relationship()

    @property
    def data(self) -> dict:
        return json.loads(self.figures)
