"""The organisation's goals (versioned: an approved set is never edited, only superseded), the
model's required path recorded at each year's close, and the action plan."""

import json
from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.extensions import db
from app.timeutil import utcnow


class GoalSet(db.Model):
    """One version of the organisation's goals: proposed by HR, approved by a chair or HR. Once
    approved its targets are fixed; a change is a new version that supersedes it on approval."""

    __tablename__ = "goal_set"
    __table_args__ = (
        UniqueConstraint("organisation_id", "number"),
        CheckConstraint("status IN ('proposed', 'approved', 'superseded')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)  # version 1, 2, ... in the organisation
    status: Mapped[str] = mapped_column(String(20), default="proposed")
    base_year: Mapped[int] = mapped_column(Integer)  # goals are for the WRES years after it
    target_year: Mapped[int] = mapped_column(Integer)
    # The aspiration model the proposal started from: its as-at date and target share.
    model_as_at: Mapped[date] = mapped_column(Date)
    model_target_share: Mapped[float | None] = mapped_column(Float)
    note: Mapped[str] = mapped_column(Text, default="")
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    proposed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    approved_at: Mapped[datetime | None] = mapped_column(DateTime)
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("goal_set.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)

    proposed_by = relationship(User, foreign_keys=[proposed_by_id])
    approved_by = relationship(User, foreign_keys=[approved_by_id])
    targets: Mapped[list["GoalTarget"]] = relationship(
        back_populates="goal_set",
        order_by="GoalTarget.id",
        cascade="all, delete-orphan",
    )

    def values(self) -> dict[tuple[str, int], float]:
        return {(t.measure, t.year): t.value for t in self.targets}

    @property
    def years(self) -> list[int]:
        return sorted({t.year for t in self.targets})


class GoalTarget(db.Model):
    __tablename__ = "goal_target"
    __table_args__ = (UniqueConstraint("goal_set_id", "measure", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    goal_set_id: Mapped[int] = mapped_column(
        ForeignKey("goal_set.id", ondelete="CASCADE"), index=True
    )
    measure: Mapped[str] = mapped_column(String(20))  # planning.MEASURES
    year: Mapped[int] = mapped_column(Integer)
    value: Mapped[float] = mapped_column(Float)  # a share (0.25), or a ratio for indicator 2
    model_value: Mapped[float | None] = mapped_column(Float)  # the model's path, when proposed

    goal_set: Mapped[GoalSet] = relationship(back_populates="targets")


class RequiredPath(db.Model):
    """The model's required path as recomputed when a WRES year closed (the target moves with
    the workforce's share), kept next to the goals with where they fall short of it."""

    __tablename__ = "goal_required_path"
    __table_args__ = (UniqueConstraint("organisation_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    year: Mapped[int] = mapped_column(Integer)  # the closed WRES year whose 31 March it uses
    as_at: Mapped[date] = mapped_column(Date)
    target_year: Mapped[int] = mapped_column(Integer)
    target_share: Mapped[float | None] = mapped_column(Float)
    goal_set_id: Mapped[int | None] = mapped_column(ForeignKey("goal_set.id"))
    path_json: Mapped[str] = mapped_column(Text)  # {measure: {year: share}}
    shortfalls_json: Mapped[str] = mapped_column(Text, default="[]")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    @property
    def path(self) -> dict:
        return {
            m: {int(y): v for y, v in ys.items()} for m, ys in json.loads(self.path_json).items()
        }

    @property
    def shortfalls(self) -> list:
        return json.loads(self.shortfalls_json)


class Action(db.Model):
    __tablename__ = "goal_action"
    __table_args__ = (
        CheckConstraint(
            "status IN ('not-started', 'in-progress', 'done', 'dropped')", name="status"
        ),
        CheckConstraint("status <> 'dropped' OR dropped_reason IS NOT NULL", name="dropped_why"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    detail: Mapped[str] = mapped_column(Text, default="")
    owner_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    due_date: Mapped[date] = mapped_column(Date)
    serves: Mapped[str] = mapped_column(String(30))  # planning.SERVES
    status: Mapped[str] = mapped_column(String(20), default="not-started")
    dropped_reason: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    owner = relationship(User, foreign_keys=[owner_id])
    updates: Mapped[list["ActionUpdate"]] = relationship(
        back_populates="action",
        order_by="ActionUpdate.id.desc()",
        cascade="all, delete-orphan",
    )

    def overdue_on(self, today: date) -> bool:
        return self.status in ("not-started", "in-progress") and self.due_date < today


class ActionUpdate(db.Model):
    """A dated note of progress, with the status it left the action in."""

    __tablename__ = "goal_action_update"

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(
        ForeignKey("goal_action.id", ondelete="CASCADE"), index=True
    )
    written_on: Mapped[date] = mapped_column(Date)
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    action: Mapped[Action] = relationship(back_populates="updates")
    author = relationship(User)
