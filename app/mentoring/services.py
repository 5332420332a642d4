"""What senior leaders and colleagues do: relationships, sessions, goals. Services flush and
never commit; every create, end and change of a relationship is audited."""

from datetime import date

from sqlalchemy import select

from app import audit
from app.extensions import db
from app.mentoring.eligibility import (
    FORMATS,
    TYPES,
    Verdict,
    band_reason,
    counts,
    is_senior_leader,
)
from app.mentoring.models import MentoringGoal, MentoringRelationship, MentoringSession, PrivateNote
from app.mentoring.queries import verdicts_at_start
from app.timeutil import today_london
from app.versioning import check_and_bump
from app.workforce.ethnicity import WresGroup
from app.workforce.models import OrganisationSettings, Staff


class MentoringError(ValueError):
    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class StaleRelationship(MentoringError):
    def __init__(self, message: str | None = None):
        super().__init__(
            message
            or "Someone else changed this relationship since you opened it. What you "
            "typed has been kept."
        )


def verdict(relationship_or_kind, colleague: Staff | None = None) -> Verdict:
    """Whether the relationship counts, judged on the records when it started; or whether a
    proposed kind with this colleague would count, on the colleague's record now."""
    if isinstance(relationship_or_kind, MentoringRelationship):
        return verdicts_at_start([relationship_or_kind])[relationship_or_kind.id]
    kind = relationship_or_kind
    settings = db.session.get(OrganisationSettings, colleague.organisation_id)
    return counts(
        kind,
        colleague.pay_band,
        colleague.wres_group,
        settings.mentoring_counts_non_consultant_medical,
    )


def proposal_verdict(kind: str, colleague: Staff) -> Verdict | None:
    """What a senior leader is told before recording a relationship: why it could never count
    when the type or the colleague's band rules it out, else None. Whether the colleague is in the
    group the commitment covers is not said here: any colleague can be chosen, so saying it would
    let anyone look up anyone's ethnic group without a trace. Once recorded (an audited act), the
    relationship's page says whether it counts."""
    type_verdict = counts(kind, "1", WresGroup.BME)  # the type alone
    if not type_verdict.counts:
        return type_verdict
    settings = db.session.get(OrganisationSettings, colleague.organisation_id)
    reason = band_reason(colleague.pay_band, settings.mentoring_counts_non_consultant_medical)
    return Verdict(False, reason) if reason else None


def _overlapping(
    leader_id: int, colleague_id: int, start: date, end: date | None, except_id: int | None = None
) -> MentoringRelationship | None:
    query = select(MentoringRelationship).where(
        MentoringRelationship.leader_id == leader_id,
        MentoringRelationship.colleague_id == colleague_id,
        (MentoringRelationship.end_date.is_(None)) | (MentoringRelationship.end_date >= start),
    )
    if end is not None:
        query = query.where(MentoringRelationship.start_date <= end)
    if except_id:
        query = query.where(MentoringRelationship.id != except_id)
    return db.session.scalars(query).first()


def validate_relationship(
    leader: Staff,
    colleague: Staff,
    kind: str,
    start: date | None,
    end: date | None,
    except_id: int | None = None,
    overlapping=_overlapping,
) -> list[tuple]:
    """Every problem as (field, message); empty when the relationship can be recorded.
    `overlapping(leader_id, colleague_id, start, end, except_id)` finds a relationship of the
    same two people over some of the dates: a query by default; an import passes its own, over
    the relationships it has already read."""
    problems = []
    if not is_senior_leader(leader.pay_band, leader.board_role):
        problems.append(
            (
                "leader",
                f"{leader.full_name or leader.staff_number} is not a VSM or "
                "board member: only they record relationships for the "
                "commitment",
            )
        )
    if leader.id == colleague.id:
        problems.append(("colleague", "Choose a colleague other than the senior leader"))
    if kind not in TYPES:
        problems.append(("kind", "Choose mentoring, reverse mentoring or sponsorship"))
    if start is None:
        problems.append(("start_date", "Enter the start date"))
    elif end is not None and end < start:
        problems.append(("end_date", "The end date must be on or after the start date"))
    elif leader.id != colleague.id and overlapping(leader.id, colleague.id, start, end, except_id):
        problems.append(
            ("start_date", "These two people already have a relationship for some of these dates")
        )
    return problems


def create_relationship(
    leader: Staff,
    colleague: Staff,
    kind: str,
    start: date | None,
    actor,
    end: date | None = None,
    agreement: str = "",
) -> MentoringRelationship:
    problems = validate_relationship(leader, colleague, kind, start, end)
    if problems:
        field, message = problems[0]
        raise MentoringError(message, field)
    relationship = MentoringRelationship(
        organisation_id=leader.organisation_id,
        leader_id=leader.id,
        colleague_id=colleague.id,
        kind=kind,
        start_date=start,
        end_date=end,
        agreement=agreement.strip(),
        created_by_id=getattr(actor, "id", None),
    )
    db.session.add(relationship)
    db.session.flush()
    audit.record(
        leader.organisation_id,
        actor,
        "mentoring.created",
        "relationship",
        relationship.id,
        {"type": kind, "start_date": start, "counts": verdict(relationship).counts},
    )
    return relationship


def _check_version(relationship, version) -> None:
    check_and_bump(relationship, version, StaleRelationship)


def change_relationship(
    relationship: MentoringRelationship,
    actor,
    version,
    *,
    kind: str,
    start: date | None,
    agreement: str,
) -> None:
    problems = validate_relationship(
        relationship.leader,
        relationship.colleague,
        kind,
        start,
        relationship.end_date,
        relationship.id,
    )
    earliest = min((s.held_on for s in relationship.sessions), default=None)
    if start and earliest and start > earliest:
        problems.append(
            (
                "start_date",
                "A session is recorded before that date: the start "
                "must be on or before the first session",
            )
        )
    if problems:
        field, message = problems[0]
        raise MentoringError(message, field)
    _check_version(relationship, version)
    before = {
        "type": relationship.kind,
        "start_date": relationship.start_date,
        "agreement_changed": False,
    }
    relationship.kind, relationship.start_date = kind, start
    changed_agreement = relationship.agreement != agreement.strip()
    relationship.agreement = agreement.strip()
    db.session.flush()
    audit.record(
        relationship.organisation_id,
        actor,
        "mentoring.changed",
        "relationship",
        relationship.id,
        {
            "before": before,
            "after": {"type": kind, "start_date": start, "agreement_changed": changed_agreement},
        },
    )


def end_relationship(relationship: MentoringRelationship, end: date | None, actor, version) -> None:
    if end is None:
        raise MentoringError("Enter the date the relationship ended", "end_date")
    if end < relationship.start_date:
        raise MentoringError("The end date must be on or after the start date", "end_date")
    latest = max((s.held_on for s in relationship.sessions), default=None)
    if latest and end < latest:
        raise MentoringError("A session is recorded after that date", "end_date")
    _check_version(relationship, version)
    relationship.end_date = end
    db.session.flush()
    audit.record(
        relationship.organisation_id,
        actor,
        "mentoring.ended",
        "relationship",
        relationship.id,
        {"end_date": end},
    )


def log_session(
    relationship: MentoringRelationship,
    actor,
    *,
    held_on: date | None,
    minutes: int | None,
    format: str,
    summary: str = "",
    private_note: str = "",
    imported: bool = False,
) -> MentoringSession:
    if held_on is None:
        raise MentoringError("Enter the date of the session", "held_on")
    if held_on < relationship.start_date:
        raise MentoringError(
            f"The session is before the relationship started ({relationship.start_date:%-d %B %Y})",
            "held_on",
        )
    if held_on > today_london():
        raise MentoringError("The session date must be today or in the past", "held_on")
    if relationship.end_date and held_on > relationship.end_date:
        raise MentoringError("The session is after the relationship ended", "held_on")
    if not minutes or minutes <= 0 or minutes > 8 * 60:
        raise MentoringError("Enter the length in minutes, up to 480", "minutes")
    if format not in FORMATS:
        raise MentoringError("Choose in person, video or phone", "format")
    session = MentoringSession(
        held_on=held_on,
        minutes=minutes,
        format=format,
        summary=summary.strip(),
        imported=imported,
        created_by_id=getattr(actor, "id", None),
    )
    relationship.sessions.append(session)
    db.session.flush()
    if private_note.strip():
        db.session.add(PrivateNote(session_id=session.id, text=private_note.strip()))
        db.session.flush()
    return session


def add_goal(
    relationship: MentoringRelationship, actor, text: str, target_date: date | None
) -> MentoringGoal:
    if len(text.strip()) < 3:
        raise MentoringError("Describe the goal", "text")
    goal = MentoringGoal(text=text.strip(), target_date=target_date)
    relationship.goals.append(goal)
    db.session.flush()
    return goal


def update_goal(goal: MentoringGoal, progress: str, done: bool) -> None:
    goal.progress = progress.strip()
    goal.done = done
    db.session.flush()


def is_participant(relationship: MentoringRelationship, staff: Staff | None) -> bool:
    return staff is not None and staff.id in (relationship.leader_id, relationship.colleague_id)


def private_notes(relationship: MentoringRelationship, reader: Staff | None) -> dict[int, str]:
    """The only read of private notes; anyone but the two people gets a refusal, not data."""
    if not is_participant(relationship, reader):
        raise PermissionError("Private notes are for the two people in the relationship only")
    ids = [s.id for s in relationship.sessions]
    if not ids:
        return {}
    return dict(
        db.session.execute(
            select(PrivateNote.session_id, PrivateNote.text).where(PrivateNote.session_id.in_(ids))
        ).all()
    )
