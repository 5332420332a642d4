"""The demo trust's goals and action plan: goals proposed from the model's path by HR, one of
them raised, approved by the chair; actions owned by the demo logins, some with progress."""

from datetime import date, timedelta

from sqlalchemy import select

from app.accounts.models import User
from app.extensions import db
from app.goals import planning, queries, services
from app.workforce.demo import DOMAIN

ACTIONS = [
    (
        "manager",
        "Batch interviews for band 8a ward manager posts, with a BME panel member on every panel",
        "8a",
        45,
    ),
    ("leader", "Start a reverse mentoring scheme for executive directors", "mentoring", 60),
    (
        "hr",
        "Review shortlisting for posts at 8b and above where BME applicants were less likely "
        "to be appointed",
        "indicator2",
        -7,
    ),
    ("hr", "Report panel compliance to the people committee every quarter", "panel-compliance", 90),
]


def seed(organisation, today: date) -> dict:
    users = {
        email.split("@")[0]: db.session.scalar(select(User).where(User.email == email))
        for email in (f"{name}@{DOMAIN}" for name in ("hr", "chair", "manager", "leader"))
    }
    m = queries.model(organisation.id, today)
    values = {(row.measure, y): row.goals[y] for row in m.rows for y in m.years}
    # The board chose to reach the voting board's goal a year early.
    board = [y for y in m.years if values.get(("board", y)) is not None]
    if len(board) >= 2 and values[("board", board[1])] is not None:
        values[("board", board[0])] = values[("board", board[1])]
    values = {k: v for k, v in values.items() if v is not None}
    if len(values) != len(planning.MEASURES) * len(m.years):
        return {"goals": 0}
    goal_set = services.propose(
        organisation.id,
        users["hr"],
        base_year=m.base_year,
        target_year=m.target_year,
        model_as_at=m.as_at,
        model_target_share=m.target_share,
        values=values,
        model_values={(r.measure, y): r.model.get(y) for r in m.rows for y in m.years},
        note="From the aspiration model's required path; the voting board a year early.",
    )
    services.approve(goal_set, users["chair"], goal_set.version)
    for owner, title, serves, days in ACTIONS:
        action = services.add_action(
            organisation.id,
            users["hr"],
            title=title,
            detail="",
            owner=users[owner],
            due_date=today + timedelta(days=days),
            serves=serves,
        )
        if days < 0 or serves == "8a":
            services.record_progress(
                action,
                users[owner],
                action.version,
                written_on=today - timedelta(days=3),
                text="Started: first round agreed with the recruiting managers.",
                status="in-progress",
                reason="",
            )
    return {"goals": 1, "actions": len(ACTIONS)}
