"""The justification lifecycle: triggered by a decision, written by the manager, reviewed by
the chair. Services flush and never commit; nothing submitted is ever changed."""

import functools
from dataclasses import dataclass

from sqlalchemy import or_, select

from app import audit, bulk
from app.accounts.models import User, UserRole
from app.accounts.roles import Role
from app.extensions import db
from app.justifications import trigger
from app.justifications.diff import Line, changed, line_diff
from app.justifications.models import (
    OPEN_FOR_MANAGER,
    Justification,
    JustificationApplicant,
    JustificationReason,
    JustificationReview,
    JustificationVersion,
)
from app.justifications.working_days import add_working_days
from app.notifications.services import notify
from app.recruitment import services as recruitment
from app.recruitment.models import InterviewScore, PanelMember
from app.text_limits import LONG_TEXT, too_long_message
from app.timeutil import today_london, utcnow
from app.versioning import bump, check_and_bump
from app.workforce.ethnicity import group_of
from app.workforce.models import OrganisationSettings

MIN_REASON_WORDS = 6


class JustificationError(ValueError):
    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class StaleJustification(JustificationError):
    def __init__(self, message: str | None = None):
        super().__init__(
            message
            or "Someone else changed this since you opened it. What you typed has "
            "been kept: check the page, then save again."
        )


def _check_version(justification, version) -> None:
    check_and_bump(justification, version, StaleJustification)


def _owner_column(owner):
    return Justification.vacancy_id if owner.kind == "vacancy" else Justification.batch_id


def for_owner(owner) -> Justification | None:
    """The current justification of a decision (superseded ones are kept beside it)."""
    return db.session.scalar(
        select(Justification).where(
            _owner_column(owner) == owner.id, Justification.status != "superseded"
        )
    )


def all_for_owner(owner) -> list[Justification]:
    return list(
        db.session.scalars(
            select(Justification)
            .where(_owner_column(owner) == owner.id)
            .order_by(Justification.id.desc())
        )
    )


def decision_locked(owner) -> bool:
    """Once a decision has triggered a justification, its decision and outcomes are fixed for
    the manager: recording and reverting would otherwise reveal who is BME."""
    if owner.kind == "vacancy" and owner.batch_id:
        owner = owner.batch
    return (
        db.session.scalar(select(Justification.id).where(_owner_column(owner) == owner.id).limit(1))
        is not None
    )


def _link(justification: Justification) -> str:
    # A plain path: the trigger also runs from the command line, outside any request.
    return f"/justifications/{justification.id}"


def _chairs(organisation_id: int) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .join(UserRole)
            .where(
                User.organisation_id == organisation_id,
                User.disabled.is_(False),
                UserRole.role == Role.CHAIR.value,
            )
        )
    )


def _responsible_manager(owner) -> User | None:
    manager_id = owner.recruiting_manager_id
    return db.session.get(User, manager_id) if manager_id else None


# The trigger


def on_decision(owner, actor, reason: str | None = None) -> None:
    """Called in the decision's own transaction, for recorded and imported decisions alike."""
    if owner.kind == "vacancy" and owner.batch_id:
        return  # a batch's vacancies are justified together, on the batch
    settings = db.session.get(OrganisationSettings, owner.organisation_id)
    applications = recruitment.applications_of(owner)
    wanted = trigger.concerned(
        [
            trigger.Candidate(
                a.id, group_of(a.applicant.ethnic_category), a.interviewed, a.appointed, a.withdrawn
            )
            for a in applications
        ],
        settings.justification_policy,
    )
    justification = for_owner(owner)
    decided_on = owner.decision_date or today_london()
    due = add_working_days(decided_on, settings.justification_due_working_days)
    if justification is not None:
        current = sorted(a.application_id for a in justification.applicants)
        if current == sorted(wanted) and justification.decision_date == decided_on:
            return
        _supersede(justification, owner, actor, reason, len(wanted))
    if not wanted:
        return
    justification = Justification(
        organisation_id=owner.organisation_id,
        status="due",
        decision_date=decided_on,
        due_date=due,
        manager_id=owner.recruiting_manager_id,
        **{f"{owner.kind}_id": owner.id},
    )
    justification.applicants = [JustificationApplicant(application_id=i) for i in wanted]
    db.session.add(justification)
    db.session.flush()
    audit.record(
        owner.organisation_id,
        actor,
        "justification.created",
        "justification",
        justification.id,
        {"reference": owner.reference, "due_date": due, "applicants": len(wanted)},
    )
    manager = _responsible_manager(owner)
    if manager:
        notify(
            manager,
            f"Justification to the chair due by {due:%-d %B %Y}",
            f"The decision for {owner.label} needs a justification to the chair: "
            f"{len(wanted)} interviewed applicant{'s' if len(wanted) != 1 else ''} "
            "were not appointed. Write it by the due date.",
            _link(justification),
        )


_OWNERS_PER_QUERY = 2000


def on_decisions_imported(organisation_id: int, vacancy_ids, batch_ids, actor) -> None:
    """The trigger for a whole import at once: the same rule as `on_decision`, read in grouped
    queries per chunk of owners, and new justifications written with multi-row INSERTs. An owner
    with a current justification that must change, or a manager to tell, goes through
    `on_decision` itself (few: an import mostly brings decisions nobody has seen yet)."""
    from app.recruitment.models import Applicant, Application, Batch, Vacancy

    settings = db.session.get(OrganisationSettings, organisation_id)
    policy, days = settings.justification_policy, settings.justification_due_working_days
    # A few codes, asked for every interviewed or appointed applicant.
    group = functools.cache(group_of)
    due_on: dict = {}
    new: list[tuple[dict, list[int], str]] = []
    one_by_one = []
    for kind, model, owner_ids in (("vacancy", Vacancy, vacancy_ids), ("batch", Batch, batch_ids)):
        application_owner = getattr(Application, f"{kind}_id")
        justification_owner = getattr(Justification, f"{kind}_id")
        for start in range(0, len(owner_ids), _OWNERS_PER_QUERY):
            chunk = owner_ids[start : start + _OWNERS_PER_QUERY]
            batch_column = model.batch_id if kind == "vacancy" else db.literal(None)
            owners = db.session.execute(
                select(
                    model.id,
                    model.reference,
                    model.decision_date,
                    model.recruiting_manager_id,
                    batch_column,
                ).where(bulk.among(model.id, chunk))
            ).all()
            candidates: dict[int, list] = {}
            for (
                owner_id,
                application_id,
                ethnic,
                interviewed,
                appointed,
                withdrawn,
            ) in bulk.fetch_all(
                select(
                    application_owner,
                    Application.id,
                    # Each applicant by its key, not joined: in the import's transaction the
                    # planner misjudged the tables just filled and hashed every applicant for
                    # each chunk of 2,000 owners (300 ms a chunk, 12 s of a national import;
                    # a chunk reads its 12,000 candidates' applicants in tens of ms by key).
                    select(Applicant.ethnic_category)
                    .where(Applicant.id == Application.applicant_id)
                    .scalar_subquery(),
                    Application.interviewed,
                    Application.appointed,
                    Application.withdrawn,
                )
                # Only the interviewed and the appointed can weigh in the rule
                # (trigger.concerned): the rest, half an import's applications, are not read.
                .where(
                    bulk.among(application_owner, chunk),
                    or_(Application.interviewed, Application.appointed),
                )
            ):
                candidates.setdefault(owner_id, []).append(
                    trigger.Candidate(
                        application_id, group(ethnic), interviewed, appointed, withdrawn
                    )
                )
            current = {
                owner_id: (justification_id, decided)
                for owner_id, justification_id, decided in db.session.execute(
                    select(
                        justification_owner, Justification.id, Justification.decision_date
                    ).where(
                        bulk.among(justification_owner, chunk), Justification.status != "superseded"
                    )
                )
            }
            covered: dict[int, list[int]] = {}
            if current:
                for justification_id, application_id in db.session.execute(
                    select(
                        JustificationApplicant.justification_id,
                        JustificationApplicant.application_id,
                    ).where(
                        bulk.among(
                            JustificationApplicant.justification_id,
                            [found[0] for found in current.values()],
                        )
                    )
                ):
                    covered.setdefault(justification_id, []).append(application_id)
            for owner_id, reference, decision_date, manager_id, batch_id in owners:
                if kind == "vacancy" and batch_id:
                    continue  # a batch's vacancies are justified together, on the batch
                wanted = trigger.concerned(candidates.get(owner_id, []), policy)
                decided_on = decision_date or today_london()
                if owner_id in current:
                    justification_id, decided = current[owner_id]
                    if sorted(covered.get(justification_id, [])) == sorted(wanted) and (
                        decided == decided_on
                    ):
                        continue
                    one_by_one.append((model, owner_id))
                    continue
                if not wanted:
                    continue
                if manager_id:
                    one_by_one.append((model, owner_id))
                    continue
                if decided_on not in due_on:
                    due_on[decided_on] = add_working_days(decided_on, days)
                new.append(
                    (
                        {
                            "organisation_id": organisation_id,
                            "vacancy_id": owner_id if kind == "vacancy" else None,
                            "batch_id": owner_id if kind == "batch" else None,
                            "manager_id": None,
                            "status": "due",
                            "decision_date": decided_on,
                            "due_date": due_on[decided_on],
                            "created_at": utcnow(),
                            "version": 1,
                        },
                        wanted,
                        reference,
                    )
                )
    _insert_justifications(organisation_id, new, actor)
    for model, owner_id in one_by_one:
        on_decision(db.session.get(model, owner_id), actor)


def _insert_justifications(organisation_id: int, new: list, actor) -> None:
    if not new:
        return
    table = Justification.__table__
    # COPY / executemany, then the new ids by owner (one current justification per owner): a
    # multi-row INSERT ... RETURNING is a statement psycopg parses a placeholder at a time.
    bulk.insert_rows(table, [values for values, _wanted, _reference in new])
    id_of: dict[tuple[str, int], int] = {}
    for column in ("vacancy_id", "batch_id"):
        owners = [values[column] for values, _w, _r in new if values[column] is not None]
        for owner_id, justification_id in bulk.select_among(
            (table.c[column], table.c.id), table.c[column], owners, table.c.status != "superseded"
        ):
            id_of[column, owner_id] = justification_id
    ids = [
        id_of["vacancy_id", values["vacancy_id"]]
        if values["vacancy_id"] is not None
        else id_of["batch_id", values["batch_id"]]
        for values, _wanted, _reference in new
    ]
    links = [
        {"justification_id": justification_id, "application_id": application_id}
        for justification_id, (_values, wanted, _reference) in zip(ids, new, strict=True)
        for application_id in wanted
    ]
    bulk.insert_rows(JustificationApplicant.__table__, links)
    audit.record_many(
        organisation_id,
        actor,
        [
            (
                "justification.created",
                "justification",
                justification_id,
                {"reference": reference, "due_date": values["due_date"], "applicants": len(wanted)},
                None,
            )
            for justification_id, (values, wanted, reference) in zip(ids, new, strict=True)
        ],
    )


def _supersede(justification, owner, actor, reason: str | None, applicants_now: int) -> None:
    """A changed decision never rewrites or drops the justification: it is kept, marked
    superseded with who and why, and a new one follows when the new decision needs it."""
    before = justification.status
    justification.status = "superseded"
    justification.superseded_at = utcnow()
    justification.superseded_by_id = getattr(actor, "id", None)
    justification.superseded_reason = (reason or "").strip() or "The decision was changed"
    db.session.flush()
    bump(justification)
    audit.record(
        owner.organisation_id,
        actor,
        "justification.superseded",
        "justification",
        justification.id,
        {"reference": owner.reference, "status_before": before, "applicants_now": applicants_now},
        reason=justification.superseded_reason,
    )


def close_guard(owner) -> str | None:
    justification = for_owner(owner)
    if justification is not None and justification.status in OPEN_FOR_MANAGER:
        return "The justification to the chair must be submitted before this can be closed"
    return None


def related_link(owner) -> list[tuple[str, str]]:
    from app.justifications.models import STATUSES

    return [
        (
            f"Justification to the chair: {STATUSES[justification.status].lower()}, due "
            f"{justification.due_date:%-d %B %Y}",
            _link(justification),
        )
        for justification in all_for_owner(owner)
    ]


def follow_up(owner) -> tuple[str, str] | None:
    """A decision that has just triggered a justification leads straight to it."""
    if owner.kind == "vacancy" and owner.batch_id:
        owner = owner.batch
    justification = for_owner(owner)
    if justification is None or justification.status != "due" or justification.versions:
        return None
    return (
        "Decision recorded. A justification to the chair is now due by "
        f"{justification.due_date:%-d %B %Y}.",
        _link(justification),
    )


# What the chair sees of the process


def process_followed(justification: Justification) -> str:
    """The process as the record shows it: panels, exceptions, methods, scores, outcomes."""
    owner = justification.owner
    lines = []
    for stage in ("shortlisting", "interview"):
        panel = recruitment.panel_for(owner, stage, create=False)
        title = f"{stage.capitalize()} panel"
        if panel is None or not panel.members:
            lines.append(f"{title}: not recorded.")
            continue
        members = ", ".join(f"{m.name} ({m.role})" for m in panel.members)
        state = "confirmed" if panel.status == "confirmed" else "draft, not confirmed"
        lines.append(f"{title} ({state}): {members}.")
        needs = recruitment.panel_needs(panel)
        if not needs:
            lines.append("  The panel met the organisation's composition rule.")
        else:
            lines.append("  The panel did not meet the composition rule: " + "; ".join(needs) + ".")
            lines.append("  Exception recorded: " + (panel.exception_reason or "none (a breach)"))
        if panel.method:
            label = "Shortlisting method" if stage == "shortlisting" else "Interview format"
            lines.append(f"  {label}: {panel.method}")
        if panel.assessment:
            lines.append(f"  Assessment methods: {panel.assessment}")
    applications = recruitment.applications_of(owner)
    lines.append(
        f"Outcomes: {len(applications)} applied, "
        f"{sum(a.shortlisted and not a.withdrawn for a in applications)} shortlisted, "
        f"{sum(a.interviewed and not a.withdrawn for a in applications)} interviewed, "
        f"{sum(a.appointed for a in applications)} appointed."
    )
    scores = _scores(justification)
    if scores:
        lines.append("Interview scores (average across the panel):")
        lines.extend(f"  {ref}: {score}" for ref, score in scores)
    return "\n".join(lines)


def _scores(justification: Justification) -> list[tuple[str, str]]:
    owner = justification.owner
    applications = recruitment.applications_of(owner)
    by_id = {a.id: a for a in applications}
    rows = db.session.execute(
        select(InterviewScore.application_id, InterviewScore.score, InterviewScore.out_of)
        .join(PanelMember, InterviewScore.panel_member_id == PanelMember.id)
        .where(InterviewScore.application_id.in_(list(by_id)))
    ).all()
    totals: dict[int, list] = {}
    for application_id, score, out_of in rows:
        totals.setdefault(application_id, []).append(float(score) / float(out_of))
    return [
        (by_id[i].applicant.reference, f"{100 * sum(v) / len(v):.0f}%")
        for i, v in sorted(totals.items(), key=lambda kv: by_id[kv[0]].applicant.reference)
    ]


# The manager writes


@dataclass
class Reason:
    reason: str = ""
    feedback: str = ""


def reason_problems(justification: Justification, reasons: dict[int, Reason]) -> dict[int, str]:
    problems = {}
    for entry in justification.applicants:
        text = (reasons.get(entry.application_id) or Reason()).reason.strip()
        if not text:
            problems[entry.application_id] = "Give the reasons this applicant was not appointed"
        elif len(text.split()) < MIN_REASON_WORDS:
            problems[entry.application_id] = (
                "Be specific: say how the applicant compared against the person specification "
                "and the other candidates, in a sentence or more"
            )
    return problems


def _writable(justification: Justification) -> None:
    if justification.status == "superseded":
        raise JustificationError(
            "This justification was superseded when the decision was changed; it is kept as it was"
        )
    if justification.status not in OPEN_FOR_MANAGER:
        raise JustificationError(
            "This justification has been submitted and can no longer be changed"
        )


def _refuse_too_long(reasons: dict[int, Reason]) -> None:
    """Text over the limit is refused, never cut short or saved as it is."""
    for given in reasons.values():
        for label, text in (("The reasons", given.reason), ("The feedback", given.feedback)):
            if len(text) > LONG_TEXT:
                raise JustificationError(too_long_message(label, LONG_TEXT))


def save_draft(
    justification: Justification, actor, reasons: dict[int, Reason], version
) -> JustificationVersion:
    _writable(justification)
    _refuse_too_long(reasons)
    _check_version(justification, version)
    draft = justification.draft
    if draft is None:
        draft = JustificationVersion(number=len(justification.versions) + 1, author_id=actor.id)
        justification.versions.append(draft)
        db.session.flush()
    existing = {r.application_id: r for r in draft.reasons}
    for entry in justification.applicants:
        given = reasons.get(entry.application_id) or Reason()
        row = existing.get(entry.application_id)
        if row is None:
            row = JustificationReason(application_id=entry.application_id)
            draft.reasons.append(row)
        row.reason, row.feedback = given.reason.strip(), given.feedback.strip()
    draft.author_id = actor.id
    draft.updated_at = utcnow()
    db.session.flush()
    return draft


def submit(
    justification: Justification, actor, reasons: dict[int, Reason], version, at=None
) -> None:
    """Final: the version is frozen. `at` backdates it (demo data only)."""
    _writable(justification)
    _refuse_too_long(reasons)
    problems = reason_problems(justification, reasons)
    if problems:
        raise JustificationError("Some reasons are missing or too short")
    draft = save_draft(justification, actor, reasons, version)
    draft.process_followed = process_followed(justification)
    draft.submitted_at = at or utcnow()
    justification.status = "submitted"
    justification.submitted_at = draft.submitted_at
    justification.first_submitted_at = justification.first_submitted_at or draft.submitted_at
    db.session.flush()
    owner = justification.owner
    audit.record(
        justification.organisation_id,
        actor,
        "justification.submitted",
        "justification",
        justification.id,
        {"reference": owner.reference, "version": draft.number},
    )
    for chair in _chairs(justification.organisation_id):
        notify(
            chair,
            f"Justification submitted: {owner.reference}",
            f"{actor.display_name} has submitted a justification for {owner.label} "
            f"(version {draft.number}). Review it in your queue.",
            _link(justification),
        )


# What changed between the last two submitted versions


@dataclass
class FieldChange:
    label: str
    lines: list[Line]

    @property
    def changed(self) -> bool:
        return changed(self.lines)


@dataclass
class ApplicantChange:
    reference: str
    fields: list[FieldChange]


@dataclass
class Changes:
    before: JustificationVersion
    after: JustificationVersion
    applicants: list[ApplicantChange]


def changes(justification: Justification) -> Changes | None:
    """Per applicant and per field, so the chair reads only what the manager rewrote."""
    submitted = justification.submitted_versions
    if len(submitted) < 2:
        return None
    before, after = submitted[-2], submitted[-1]
    old = {r.application_id: r for r in before.reasons}
    new = {r.application_id: r for r in after.reasons}
    applicants = []
    for entry in justification.applicants:
        was, now = old.get(entry.application_id), new.get(entry.application_id)
        applicants.append(
            ApplicantChange(
                entry.application.applicant.reference,
                [
                    FieldChange(
                        "Reasons",
                        line_diff(was.reason if was else "", now.reason if now else ""),
                    ),
                    FieldChange(
                        "Feedback or development offered",
                        line_diff(was.feedback if was else "", now.feedback if now else ""),
                    ),
                ],
            )
        )
    return Changes(before, after, applicants)


def starting_text(justification: Justification) -> dict[int, Reason]:
    """What the writing page starts from: the draft, else the last submitted version, so an
    answer to the chair's question is a rewrite, not a blank page."""
    source = justification.draft or (
        justification.submitted_versions[-1] if justification.submitted_versions else None
    )
    return {
        r.application_id: Reason(r.reason, r.feedback) for r in (source.reasons if source else [])
    }


# The chair reviews

OUTCOMES = ("accepted", "more-information-requested", "referred")


def review(
    justification: Justification,
    actor,
    outcome: str,
    note: str,
    referred_to: str,
    version,
    at=None,
) -> JustificationReview:
    """The chair's decision on the latest version. `at` backdates it (demo data only)."""
    if justification.status != "submitted":
        raise JustificationError(
            "Only a submitted justification can be reviewed; this one is not waiting for you"
        )
    if outcome not in OUTCOMES:
        raise JustificationError("Choose accept, ask for more information, or refer", "outcome")
    note, referred_to = note.strip(), referred_to.strip()
    if outcome == "more-information-requested" and not note:
        raise JustificationError("Say what more information you need", "note")
    if outcome == "referred":
        if not referred_to:
            raise JustificationError("Say who you are referring it to", "referred_to")
        if not note:
            raise JustificationError("Say why you are referring it", "note")
    _check_version(justification, version)
    latest = justification.submitted_versions[-1]
    decision = JustificationReview(
        version_id=latest.id,
        outcome=outcome,
        note=note,
        referred_to=referred_to,
        reviewer_id=actor.id,
        reviewed_at=at or utcnow(),
    )
    justification.reviews.append(decision)
    justification.status = outcome
    if outcome in ("accepted", "referred"):
        justification.decided_at = at or utcnow()
    db.session.flush()
    owner = justification.owner
    audit.record(
        justification.organisation_id,
        actor,
        f"justification.{outcome}",
        "justification",
        justification.id,
        {
            "reference": owner.reference,
            "version": latest.number,
            "referred_to": referred_to or None,
        },
        reason=note or None,
    )
    manager = justification.manager or _responsible_manager(owner)
    if manager:
        words = {
            "accepted": "accepted",
            "more-information-requested": "asked for more information on",
            "referred": "referred",
        }[outcome]
        notify(
            manager,
            f"The chair {words} the justification for {owner.reference}",
            note or f"The justification for {owner.label} was {words}.",
            _link(justification),
        )
    return decision


# Who may do what


def responsible(user, owner) -> bool:
    """The recruiting manager of the vacancy, or of the batch it belongs to."""
    if owner.recruiting_manager_id == user.id:
        return True
    batch = getattr(owner, "batch", None)
    return batch is not None and batch.recruiting_manager_id == user.id


def can_view(user, justification: Justification) -> bool:
    if user.organisation_id != justification.organisation_id:
        return False
    if user.has_role(Role.CHAIR, Role.HR_ADMIN):
        return True
    return user.has_role(Role.RECRUITING_MANAGER) and responsible(user, justification.owner)


def can_write(user, justification: Justification) -> bool:
    return (
        user.organisation_id == justification.organisation_id
        and user.has_role(Role.RECRUITING_MANAGER)
        and responsible(user, justification.owner)
    )


def can_review(user, justification: Justification) -> bool:
    return user.organisation_id == justification.organisation_id and user.has_role(Role.CHAIR)
