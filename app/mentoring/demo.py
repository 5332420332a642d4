"""Mentoring for the demo trust: most senior leaders have a counting relationship with
sessions this year, some have none, a few record relationships that don't count, and some
mentees have moved up a band since."""

import random
from datetime import date, timedelta

from sqlalchemy import or_, select

from app.extensions import db
from app.mentoring import services
from app.mentoring.eligibility import COUNTING_AFC_BANDS
from app.workforce import history
from app.workforce.bands import AFC_BANDS
from app.workforce.ethnicity import WresGroup, group_of
from app.workforce.models import BandChange, Staff, in_post_clause
from app.workforce.wres_year import year_containing

SUMMARIES = [
    "Shadowed a ward handover",
    "Talked through the staff survey results",
    "Reviewed a business case together",
    "Prepared for an 8b interview",
    "Walked the estate with the facilities team",
]
GOALS = [
    "Apply for the aspiring leaders programme",
    "Lead a service improvement project",
    "Understand how the board sets priorities",
]


def seed(organisation, rng: random.Random, today: date) -> dict:
    leaders = list(
        db.session.scalars(
            select(Staff)
            .where(
                Staff.organisation_id == organisation.id,
                in_post_clause(today),
                or_(Staff.pay_band == "VSM", Staff.board_role.is_not(None)),
            )
            .order_by(Staff.id)
        )
    )
    colleagues = [
        s
        for s in db.session.scalars(
            select(Staff).where(
                Staff.organisation_id == organisation.id,
                in_post_clause(today),
                Staff.pay_band.in_(list(COUNTING_AFC_BANDS[5:])),
            )
        )
        if group_of(s.ethnic_category) == WresGroup.BME
    ]
    others = list(
        db.session.scalars(
            select(Staff)
            .where(
                Staff.organisation_id == organisation.id, Staff.pay_band.in_(["9", "consultant"])
            )
            .limit(10)
        )
    )
    year_start = year_containing(today).start
    made = 0
    for leader in leaders:
        roll = 0.9 if leader.email else rng.random()  # the demo login has a full record
        if roll < 0.1 or not colleagues:
            continue  # no relationship: shows up as not met
        colleague = colleagues.pop(rng.randrange(len(colleagues)))
        kind = rng.choice(["mentoring", "reverse-mentoring", "sponsorship"])
        start = year_start - timedelta(days=rng.randint(0, 400))
        relationship = services.create_relationship(
            leader, colleague, kind, start, None, agreement="Meet monthly for an hour"
        )
        session_day = start + timedelta(days=rng.randint(5, 40))
        while roll > 0.2 and session_day <= today:
            services.log_session(
                relationship,
                None,
                held_on=session_day,
                minutes=rng.choice([30, 45, 60, 90]),
                format=rng.choice(["in-person", "video", "phone"]),
                summary=rng.choice(SUMMARIES),
            )
            session_day += timedelta(days=rng.randint(25, 50))
        services.add_goal(
            relationship, None, rng.choice(GOALS), today + timedelta(days=rng.randint(30, 200))
        )
        if rng.random() < 0.3 and colleague.pay_band in AFC_BANDS[:-3]:
            higher = AFC_BANDS[AFC_BANDS.index(colleague.pay_band) + 1]
            promoted_on = min(start + timedelta(days=200), today)
            db.session.add(
                BandChange(
                    staff_id=colleague.id,
                    from_band=colleague.pay_band,
                    to_band=higher,
                    recorded_on=promoted_on,
                )
            )
            # In the history too, so the years before the promotion still show the old band.
            history.record_change(colleague, promoted_on, pay_band=higher)
        made += 1
        if others and rng.random() < 0.1:  # recorded, but does not count
            services.create_relationship(leader, others.pop(), "sponsorship", start, None)
    db.session.flush()
    return {"relationships": made}
