"""Headline figures stored as they were reported, so trends show what was known at the time.

Foundation tables (`extensions.FoundationModel`): the staff history checks a closed year's
snapshot on every staff import, which then configures no feature's mappers."""

import json
from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Integer, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import FoundationModel
from app.timeutil import utcnow


class MetricSnapshot(FoundationModel):
    __tablename__ = "metric_snapshot"
    __table_args__ = (UniqueConstraint("organisation_id", "taken_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    taken_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    figures: Mapped[str] = mapped_column(Text)  # JSON

    @property
    def data(self) -> dict:
        return json.loads(self.figures)


class WresYearSnapshot(FoundationModel):
    """A closed WRES year's 31 March figures (indicators 1 and 9, the aspiration), stored once
    and never changed: the year's return publishes these. Database triggers refuse UPDATE and
    DELETE."""

    __tablename__ = "wres_year_snapshot"
    __table_args__ = (UniqueConstraint("organisation_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    year: Mapped[int] = mapped_column(Integer)
    as_at: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    figures: Mapped[str] = mapped_column(Text)  # JSON

    @property
    def data(self) -> dict:
        return json.loads(self.figures)
