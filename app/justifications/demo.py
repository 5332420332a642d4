"""Justifications for the demo trust: older ones written and decided, recent ones still open,
so the chair's queue and the figures look like a year in a real trust."""

import random
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from app.accounts.models import User
from app.extensions import db
from app.justifications import services
from app.justifications.models import Justification

REASONS = [
    "Scored below the appointed candidate on every interview question, most clearly on "
    "leading a team through change and on budget management",
    "Met the essential criteria but the appointed candidate had recent experience of the "
    "specialty that the person specification asked for",
    "Performed well on the presentation but the clinical scenario answers did not show the "
    "depth of experience the band requires",
]
FEEDBACK = "Offered a feedback call with the chair of the panel and a place on the "
FEEDBACK_OPTIONS = [
    "leadership development programme",
    "inclusion network mentoring scheme",
    "next aspiring leaders cohort",
]


def seed(organisation, rng: random.Random, today: date) -> dict:
    users = {
        u.email.split("@")[0]: u
        for u in db.session.scalars(select(User).where(User.organisation_id == organisation.id))
    }
    manager, chair = users.get("manager"), users.get("chair")
    if manager is None or chair is None:
        return {"justifications": 0}
    decided = 0
    for justification in db.session.scalars(
        select(Justification).where(
            Justification.organisation_id == organisation.id, Justification.status == "due"
        )
    ).all():
        if justification.decision_date > today - timedelta(days=45):
            continue  # recent ones stay open for the demo's queue
        reasons = {
            entry.application_id: services.Reason(
                rng.choice(REASONS), FEEDBACK + rng.choice(FEEDBACK_OPTIONS)
            )
            for entry in justification.applicants
        }
        late = rng.random() < 0.15
        submitted = datetime.combine(justification.due_date, time(15)) + timedelta(
            days=4 if late else -2
        )
        services.submit(justification, manager, reasons, None, at=submitted)
        outcome = "referred" if rng.random() < 0.05 else "accepted"
        services.review(
            justification,
            chair,
            outcome,
            "The scoring does not support the decision" if outcome == "referred" else "",
            "Chief people officer" if outcome == "referred" else "",
            None,
            at=submitted + timedelta(days=3),
        )
        decided += 1
    db.session.flush()
    return {"justifications": decided}
