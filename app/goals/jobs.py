"""Scheduled work for the action plan: reminders to owners, and overdue actions in the chair's
weekly digest. Idempotent: each reminder is claimed before it is sent."""

from datetime import date

from sqlalchemy import select

from app.extensions import db
from app.goals import planning, queries
from app.goals.models import Action
from app.justifications import jobs as justification_jobs
from app.notifications.services import notify, once
from app.timeutil import today_london


def remind_action_owners(today: date | None = None) -> dict[str, int]:
    """A week before an action is due, on the day, and weekly once it is overdue."""
    today = today or today_london()
    sent = 0
    ids = list(
        db.session.scalars(select(Action.id).where(Action.status.in_(planning.OPEN_STATUSES)))
    )
    for action_id in ids:
        action = db.session.get(Action, action_id)
        kind = planning.reminder_kind(action.due_date, today)
        if kind is None or action.owner.disabled:
            continue
        if not once("action", action.id, kind, today):
            continue
        due = f"{action.due_date:%-d %B %Y}"
        subject = {
            "due-soon": f"Reminder: WRES action due in a week: {action.title}",
            "due-today": f"Reminder: WRES action due today: {action.title}",
            "overdue": f"Overdue: WRES action {action.title}",
        }[kind]
        notify(
            action.owner,
            subject,
            f"Your action in the WRES action plan was due {due}. Record its progress, or mark "
            "it done or dropped (with the reason)."
            if kind == "overdue"
            else f"Your action in the WRES action plan is due {due}. Record its progress.",
            f"/actions/{action.id}",
        )
        db.session.commit()
        sent += 1
    return {"reminders": sent}


def digest_lines(organisation_id: int, today: date) -> list[str]:
    """The chair's weekly digest: open actions past their due date."""
    overdue = queries.overdue_actions(organisation_id, today)
    if not overdue:
        return []
    lines = [f"Overdue actions in the WRES action plan: {len(overdue)}"]
    lines += [
        f"  {a.title} ({a.owner.display_name}): due {a.due_date:%-d %B %Y}" for a in overdue[:50]
    ]
    return lines


justification_jobs.digest_sections.append(digest_lines)
