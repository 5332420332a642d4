"""Mentoring reminders: quiet relationships, and leaders with no counting relationship at the
start of each quarter. Claimed before sending, so nothing goes twice."""

from datetime import date, timedelta

from sqlalchemy import func, or_, select

from app.accounts.models import User
from app.extensions import db
from app.mentoring.eligibility import is_senior_leader
from app.mentoring.models import MentoringRelationship, MentoringSession
from app.mentoring.queries import coverage
from app.notifications.services import notify, once
from app.timeutil import today_london
from app.workforce.models import Organisation, Staff
from app.workforce.wres_year import year_containing

QUIET_AFTER = timedelta(weeks=8)


def _user_for(staff: Staff) -> User | None:
    # The account linked to the record when it was made, never one matched by email.
    return db.session.scalar(
        select(User).where(User.staff_id == staff.id, User.disabled.is_(False))
    )


def remind_quiet_relationships(today: date | None = None) -> dict[str, int]:
    """Active relationships with no session for 8 weeks: remind the senior leader."""
    today = today or today_london()
    last = (
        select(MentoringSession.relationship_id, func.max(MentoringSession.held_on).label("last"))
        .group_by(MentoringSession.relationship_id)
        .subquery()
    )
    quiet = db.session.execute(
        select(
            MentoringRelationship.id, func.coalesce(last.c.last, MentoringRelationship.start_date)
        )
        .outerjoin(last, last.c.relationship_id == MentoringRelationship.id)
        .where(
            MentoringRelationship.start_date <= today,
            or_(MentoringRelationship.end_date.is_(None), MentoringRelationship.end_date >= today),
        )
    ).all()
    sent = 0
    for relationship_id, last_date in quiet:
        if today - last_date < QUIET_AFTER:
            continue
        relationship = db.session.get(MentoringRelationship, relationship_id)
        user = _user_for(relationship.leader)
        # one reminder per quiet spell: keyed on the date of the last session
        if user is None or not once("relationship", relationship_id, "quiet", last_date):
            continue
        notify(
            user,
            f"No session with {relationship.colleague.full_name} for 8 weeks",
            "Log a session, or end the relationship if it has finished.",
            f"/mentoring/{relationship_id}",
        )
        db.session.commit()
        sent += 1
    return {"quiet": sent}


def remind_leaders_without_relationship(today: date | None = None) -> dict[str, int]:
    """At each quarter's start: senior leaders with no counting relationship this year."""
    today = today or today_london()
    if today.day != 1 or today.month not in (1, 4, 7, 10):
        return {"leaders": 0}
    year = year_containing(today).year
    sent = 0
    for organisation in db.session.scalars(select(Organisation)):
        for leader in coverage(organisation.id, year).leaders:
            if leader.counting_relationships:
                continue
            staff = db.session.get(Staff, leader.staff_id)
            user = _user_for(staff)
            if (
                user is None
                or not is_senior_leader(staff.pay_band, staff.board_role)
                or not once("staff", staff.id, "no-relationship", today)
            ):
                continue
            notify(
                user,
                "Your mentoring commitment",
                "You have no mentoring, reverse mentoring or sponsorship relationship with a "
                "BME colleague at band 8d or below this year. Start one before appraisal.",
                "/mentoring/new",
            )
            db.session.commit()
            sent += 1
    return {"leaders": sent}
