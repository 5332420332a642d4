"""What people do to goals and actions. Plain arguments; flush, never commit; every change
audited. An approved goal set is never edited: a change is a new version that supersedes it."""

import json
from datetime import date

from sqlalchemy import func, select

from app import audit
from app.accounts.models import User, UserRole
from app.accounts.roles import Role
from app.extensions import db
from app.goals import planning
from app.goals.models import Action, ActionUpdate, GoalSet, GoalTarget, RequiredPath
from app.metrics import year_snapshots
from app.notifications.services import notify
from app.text_limits import LONG_TEXT, SHORT_TEXT, too_long_message
from app.timeutil import utcnow
from app.versioning import check_and_bump
from app.workforce.models import OrganisationSettings


class GoalError(ValueError):
    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def _within(label: str, text: str, limit: int, field: str) -> None:
    """The forms' limits again, for callers that are not forms (the demo, scripts)."""
    if len(text.strip()) > limit:
        raise GoalError(too_long_message(label, limit), field)


class StaleGoals(GoalError):
    def __init__(self, message: str | None = None):
        super().__init__(
            message
            or "Someone else changed these goals while you were editing. What you typed has "
            "been kept: check the current goals, then save again."
        )


class StaleAction(GoalError):
    def __init__(self, message: str | None = None):
        super().__init__(
            message
            or "Someone else changed this action while you were editing. What you typed has "
            "been kept: check it, then save again."
        )


def _link_goals(goal_set: GoalSet) -> str:
    return f"/goals/{goal_set.id}"


def _link_action(action: Action) -> str:
    return f"/actions/{action.id}"


def _targets_detail(values: dict) -> dict:
    return {f"{m} {y}": round(v, 6) for (m, y), v in sorted(values.items())}


def pending(organisation_id: int) -> GoalSet | None:
    return db.session.scalar(
        select(GoalSet).where(
            GoalSet.organisation_id == organisation_id, GoalSet.status == "proposed"
        )
    )


def current(organisation_id: int) -> GoalSet | None:
    return db.session.scalar(
        select(GoalSet).where(
            GoalSet.organisation_id == organisation_id, GoalSet.status == "approved"
        )
    )


def _check_values(values: dict, years: list[int]) -> None:
    for (measure, year), value in values.items():
        if measure not in planning.MEASURES or year not in years:
            raise GoalError(f"No goal is set for {measure} in {year}")
        if value is None:
            raise GoalError(f"Enter a goal for {planning.MEASURE_NAMES[measure]} in {year}")
        if measure == planning.INDICATOR2:
            if not 0 < value <= 10:
                raise GoalError("Enter a relative likelihood above 0 and at most 10")
        elif not 0 <= value <= 1:
            raise GoalError("Enter a share from 0 to 100 per cent")


def propose(
    organisation_id: int,
    actor,
    *,
    base_year: int,
    target_year: int,
    model_as_at: date,
    model_target_share: float | None,
    values: dict,
    model_values: dict,
    note: str,
) -> GoalSet:
    """A new version of the goals, waiting for approval. Only one proposal waits at a time."""
    if pending(organisation_id) is not None:
        raise GoalError(
            "A proposal is already waiting for approval: change that one, or have it approved"
        )
    years = planning.goal_years(base_year, target_year)
    _check_values(values, years)
    _within("The note", note, LONG_TEXT, "note")
    number = (
        db.session.scalar(
            select(func.max(GoalSet.number)).where(GoalSet.organisation_id == organisation_id)
        )
        or 0
    ) + 1
    was = current(organisation_id)
    goal_set = GoalSet(
        organisation_id=organisation_id,
        number=number,
        status="proposed",
        base_year=base_year,
        target_year=target_year,
        model_as_at=model_as_at,
        model_target_share=model_target_share,
        note=note.strip(),
        proposed_by_id=actor.id if actor else None,
        proposed_at=utcnow(),
        supersedes_id=was.id if was else None,
    )
    goal_set.targets = [
        GoalTarget(measure=m, year=y, value=v, model_value=model_values.get((m, y)))
        for (m, y), v in sorted(values.items())
    ]
    db.session.add(goal_set)
    db.session.flush()
    audit.record(
        organisation_id,
        actor,
        "goals.proposed",
        "goal_set",
        goal_set.id,
        {"number": number, "supersedes": was.number if was else None}
        | {"targets": _targets_detail(values)},
        reason=goal_set.note or None,
    )
    for chair in _users(organisation_id, Role.CHAIR):
        if actor is None or chair.id != actor.id:
            notify(
                chair,
                f"Goals version {number} proposed for approval",
                "HR has proposed the organisation's goals for the leadership aspiration, "
                "indicator 2 and mentoring coverage. Review and approve them.",
                _link_goals(goal_set),
            )
    return goal_set


def change(goal_set: GoalSet, actor, version, values: dict, note: str) -> None:
    """Change a proposal's numbers. An approved (or superseded) set is refused: propose a new
    version instead."""
    if goal_set.status != "proposed":
        raise GoalError(
            "These goals are approved and cannot be changed: propose a new version instead"
        )
    _check_values(values, goal_set.years)
    _within("The note", note, LONG_TEXT, "note")
    check_and_bump(goal_set, version, StaleGoals)
    before = goal_set.values()
    changed = {k: v for k, v in values.items() if abs(before.get(k, -1) - v) > 1e-9}
    for target in goal_set.targets:
        key = (target.measure, target.year)
        if key in values:
            target.value = values[key]
    goal_set.note = note.strip()
    db.session.flush()
    audit.record(
        goal_set.organisation_id,
        actor,
        "goals.changed",
        "goal_set",
        goal_set.id,
        {
            "number": goal_set.number,
            "before": _targets_detail({k: before[k] for k in changed}),
            "after": _targets_detail(changed),
        },
        reason=goal_set.note or None,
    )


def approve(goal_set: GoalSet, actor, version) -> None:
    """The proposal becomes the organisation's goals; the version it supersedes is kept, marked
    superseded."""
    if goal_set.status != "proposed":
        raise GoalError("Only proposed goals can be approved")
    check_and_bump(goal_set, version, StaleGoals)
    was = current(goal_set.organisation_id)
    if was is not None:
        was.status = "superseded"
        db.session.flush()
    goal_set.status = "approved"
    goal_set.approved_by_id = actor.id if actor else None
    goal_set.approved_at = utcnow()
    db.session.flush()
    audit.record(
        goal_set.organisation_id,
        actor,
        "goals.approved",
        "goal_set",
        goal_set.id,
        {"number": goal_set.number, "superseded": was.number if was else None},
    )


def _users(organisation_id: int, role: Role) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .join(UserRole)
            .where(
                User.organisation_id == organisation_id,
                User.disabled.is_(False),
                UserRole.role == role.value,
            )
            .order_by(User.id)
        )
    )


# The action plan


def _check_action(title: str, detail: str, serves: str, owner, organisation_id: int) -> None:
    if not title.strip():
        raise GoalError("Enter what the action is", "title")
    _within("Action", title, SHORT_TEXT, "title")
    _within("Detail", detail, LONG_TEXT, "detail")
    if serves not in planning.SERVES:
        raise GoalError("Choose the goal or indicator the action serves", "serves")
    if owner is None or owner.organisation_id != organisation_id or owner.disabled:
        raise GoalError("Choose the owner from your organisation's users", "owner_id")


def add_action(
    organisation_id: int,
    actor,
    *,
    title: str,
    detail: str,
    owner,
    due_date: date,
    serves: str,
) -> Action:
    _check_action(title, detail, serves, owner, organisation_id)
    action = Action(
        organisation_id=organisation_id,
        title=title.strip(),
        detail=detail.strip(),
        owner_id=owner.id,
        due_date=due_date,
        serves=serves,
        status="not-started",
        created_by_id=actor.id if actor else None,
    )
    db.session.add(action)
    db.session.flush()
    audit.record(
        organisation_id,
        actor,
        "action.added",
        "action",
        action.id,
        {"title": action.title, "owner": owner.email, "due": due_date, "serves": serves},
    )
    if actor is None or owner.id != actor.id:
        notify(
            owner,
            f"An action in the WRES action plan is yours: {action.title}",
            f"You own this action in the organisation's WRES action plan. It is due "
            f"{due_date:%-d %B %Y}. Record progress on it as you go.",
            _link_action(action),
        )
    return action


def change_action(
    action: Action,
    actor,
    version,
    *,
    title: str,
    detail: str,
    owner,
    due_date: date,
    serves: str,
) -> None:
    _check_action(title, detail, serves, owner, action.organisation_id)
    check_and_bump(action, version, StaleAction)
    before = {
        "title": action.title,
        "owner": action.owner.email,
        "due": action.due_date,
        "serves": action.serves,
    }
    new_owner = owner.id != action.owner_id
    action.title, action.detail = title.strip(), detail.strip()
    action.owner_id, action.due_date, action.serves = owner.id, due_date, serves
    db.session.flush()
    audit.record(
        action.organisation_id,
        actor,
        "action.changed",
        "action",
        action.id,
        {
            "before": before,
            "after": {
                "title": action.title,
                "owner": owner.email,
                "due": due_date,
                "serves": serves,
            },
        },
    )
    if new_owner and (actor is None or owner.id != actor.id):
        db.session.refresh(action)
        notify(
            owner,
            f"An action in the WRES action plan is now yours: {action.title}",
            f"It is due {due_date:%-d %B %Y}.",
            _link_action(action),
        )


def record_progress(
    action: Action, actor, version, *, written_on: date, text: str, status: str, reason: str
) -> ActionUpdate:
    """A dated progress note, and the status it leaves the action in. Dropping an action needs
    a reason."""
    if status not in planning.ACTION_STATUSES:
        raise GoalError("Choose a status", "status")
    if not text.strip():
        raise GoalError("Describe the progress", "text")
    _within("Progress", text, LONG_TEXT, "text")
    _within("Reason it is dropped", reason, LONG_TEXT, "reason")
    if status == "dropped" and not reason.strip():
        raise GoalError("Give the reason the action is dropped", "reason")
    check_and_bump(action, version, StaleAction)
    before = action.status
    action.status = status
    if status == "dropped":
        action.dropped_reason = reason.strip()
    update = ActionUpdate(
        action_id=action.id,
        written_on=written_on,
        text=text.strip(),
        status=status,
        author_id=actor.id if actor else None,
    )
    db.session.add(update)
    db.session.flush()
    audit.record(
        action.organisation_id,
        actor,
        "action.progress",
        "action",
        action.id,
        {"written_on": written_on, "status_before": before, "status": status},
        reason=reason.strip() or None,
    )
    return update


# The periodic update: when a WRES year closes


def record_required_path(organisation_id: int, year: int) -> RequiredPath | None:
    """The closed year's stored figures give a new target (the workforce's share at its 31 March)
    and a new required path. Record the path next to the goals, and tell HR where the approved
    goals now fall short of it. Once per organisation and year."""
    exists = db.session.scalar(
        select(RequiredPath.id).where(
            RequiredPath.organisation_id == organisation_id, RequiredPath.year == year
        )
    )
    if exists:
        return None
    snapshot = year_snapshots.stored(organisation_id, year)
    if snapshot is None:
        return None
    aspiration = snapshot.data["aspiration"]
    as_at = date.fromisoformat(aspiration["as_at"])
    goals = current(organisation_id)
    settings = db.session.get(OrganisationSettings, organisation_id)
    target_year = aspiration.get("target_year") or settings.target_year
    years = sorted(
        set(planning.goal_years(year, target_year)) | (set(goals.years) if goals else set())
    )
    years = [y for y in years if y > year]
    path = {
        row["band"]: planning.required_path(row, aspiration["target_share"], as_at, years)
        for row in aspiration["bands"]
    }
    short = planning.shortfalls(goals.values(), path) if goals else []
    record = RequiredPath(
        organisation_id=organisation_id,
        year=year,
        as_at=as_at,
        target_year=target_year,
        target_share=aspiration["target_share"],
        goal_set_id=goals.id if goals else None,
        path_json=json.dumps({m: {str(y): v for y, v in ys.items()} for m, ys in path.items()}),
        shortfalls_json=json.dumps(short),
    )
    db.session.add(record)
    db.session.flush()
    audit.record(
        organisation_id,
        None,
        "goals.path_recorded",
        "goal_set",
        goals.id if goals else None,
        {"year": year, "target_share": aspiration["target_share"], "shortfalls": len(short)},
    )
    target = aspiration["target_share"]
    lines = [
        f"The WRES year {year - 1}/{str(year)[-2:]} has closed. The target is now the whole "
        f"workforce's BME share at 31 March {year}: "
        + ("not measurable." if target is None else f"{100 * target:.1f}%.")
    ]
    if goals is None:
        lines.append("No goals are approved yet: propose them from the new required path.")
    elif short:
        lines.append(f"Approved goals (version {goals.number}) now fall short of the path:")
        lines += [
            f"  {planning.MEASURE_NAMES[m]} {y}: goal {100 * g:.1f}%, path {100 * p:.1f}%"
            for m, y, g, p in short
        ]
        lines.append("Propose a new version of the goals to keep up with the target.")
    else:
        lines.append(f"Approved goals (version {goals.number}) are at or above the new path.")
    for hr in _users(organisation_id, Role.HR_ADMIN):
        notify(hr, f"Goals against the new required path for {year}", "\n".join(lines), "/goals")
    return record
