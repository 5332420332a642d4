"""Scheduled work for justifications. Idempotent: each reminder is claimed before it is sent,
so a re-run, or a second scheduler, sends nothing twice."""

from collections.abc import Callable
from datetime import date, timedelta

from sqlalchemy import select

from app.extensions import db
from app.justifications.models import OPEN_FOR_MANAGER, Justification
from app.justifications.services import _chairs, _link, _responsible_manager
from app.justifications.working_days import working_days_between
from app.notifications.services import notify, once
from app.recruitment.models import Panel
from app.timeutil import today_london, utcnow
from app.workforce.models import Organisation


def reminder_kind(due: date, today: date) -> str | None:
    """Two working days before, on the day, then weekly once overdue."""
    if today == due:
        return "due-today"
    if today < due:
        return "due-soon" if working_days_between(today, due) == 2 else None
    return "overdue" if (today - due).days % 7 == 0 else None


def send_reminders(today: date | None = None) -> dict[str, int]:
    today = today or today_london()
    sent = 0
    ids = list(
        db.session.scalars(
            select(Justification.id).where(Justification.status.in_(OPEN_FOR_MANAGER))
        )
    )
    for justification_id in ids:
        justification = db.session.get(Justification, justification_id)
        kind = reminder_kind(justification.due_date, today)
        if kind is None:
            continue
        manager = justification.manager or _responsible_manager(justification.owner)
        if manager is None or not once("justification", justification.id, kind, today):
            continue
        owner = justification.owner
        subject = {
            "due-soon": f"Reminder: justification for {owner.reference} due in 2 working days",
            "due-today": f"Reminder: justification for {owner.reference} is due today",
            "overdue": f"Overdue: justification for {owner.reference}",
        }[kind]
        notify(
            manager,
            subject,
            f"The justification to the chair for {owner.label} was due "
            f"{justification.due_date:%-d %B %Y}."
            if kind == "overdue"
            else f"The justification to the chair for {owner.label} is due "
            f"{justification.due_date:%-d %B %Y}.",
            _link(justification),
        )
        db.session.commit()
        sent += 1
    return {"reminders": sent}


# section(organisation_id, today) -> lines for the chair's weekly digest (empty: nothing to say).
# Other features add theirs here (the action plan's overdue actions) without this module
# knowing them.
digest_sections: list[Callable] = []


def send_chair_digest(today: date | None = None) -> dict[str, int]:
    """Each chair: overdue justifications, and panel exceptions confirmed in the last week."""
    today = today or today_london()
    sent = 0
    for organisation in db.session.scalars(select(Organisation)):
        overdue = list(
            db.session.scalars(
                select(Justification)
                .where(
                    Justification.organisation_id == organisation.id,
                    Justification.status.in_(OPEN_FOR_MANAGER),
                    Justification.due_date < today,
                )
                .order_by(Justification.due_date)
            )
        )
        week_ago = utcnow() - timedelta(days=7)
        exceptions = list(
            db.session.scalars(
                select(Panel).where(
                    Panel.organisation_id == organisation.id,
                    Panel.exception_reason.is_not(None),
                    Panel.confirmed_at >= week_ago,
                )
            )
        )
        chairs = _chairs(organisation.id)
        extra = [line for section in digest_sections for line in section(organisation.id, today)]
        if not chairs or (not overdue and not exceptions and not extra):
            continue
        if not once("organisation", organisation.id, "chair-digest", today):
            continue
        lines = [f"Overdue justifications: {len(overdue)}"]
        lines += [f"  {j.owner.label}: due {j.due_date:%-d %B %Y}" for j in overdue[:50]]
        lines.append(f"Panel exceptions recorded in the last week: {len(exceptions)}")
        lines += [
            f"  {p.owner.reference} ({p.stage}): {p.exception_reason}" for p in exceptions[:50]
        ]
        lines += extra
        for chair in chairs:
            notify(
                chair,
                "Weekly digest: justifications, panel exceptions and overdue actions",
                "\n".join(lines),
                "/justifications?status=overdue",
            )
        db.session.commit()
        sent += 1
    return {"digests": sent}
