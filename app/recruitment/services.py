"""What recruiting managers and HR do: vacancies, batches, applicants, outcomes, decisions,
panels and the panel pool. Services take plain arguments, flush and never commit."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from app import audit
from app.extensions import db
from app.recruitment import events, panel_rules
from app.recruitment.models import (
    MEMBER_ROLES,
    STAGES,
    Applicant,
    Application,
    Batch,
    InterviewScore,
    Panel,
    PanelDeclaration,
    PanelMember,
    PoolMember,
    Vacancy,
)
from app.text_limits import LONG_TEXT, too_long_message
from app.timeutil import today_london, utcnow
from app.versioning import check_and_bump
from app.workforce.ethnicity import WresGroup, group_of
from app.workforce.models import OrganisationSettings, Staff


class RecruitmentError(ValueError):
    """A change that breaks a recruitment rule; `field` names the form field when there is one,
    and `problems` lists (message, field id) pairs when the change breaks several rows' rules."""

    def __init__(
        self,
        message: str,
        field: str | None = None,
        problems: list[tuple[str, str | None]] | None = None,
    ):
        super().__init__(message)
        self.field = field
        self.problems = problems or [(message, field)]


class StaleEdit(RecruitmentError):
    """Someone else saved a change since the form was opened."""

    def __init__(self, message: str | None = None):
        super().__init__(
            message
            or "Someone else changed this since you opened it. Check the current "
            "details below; what you typed has been kept."
        )


def _check_version(row, version) -> None:
    check_and_bump(row, version, StaleEdit)


def _owner_ref(owner) -> dict:
    return (
        {"vacancy_reference": owner.reference}
        if owner.kind == "vacancy"
        else {"batch_reference": owner.reference}
    )


# Vacancies and batches


def _reference_taken(model, organisation_id: int, reference: str, own_id=None) -> bool:
    query = select(model.id).where(
        model.organisation_id == organisation_id, model.reference == reference
    )
    if own_id:
        query = query.where(model.id != own_id)
    return db.session.scalar(query) is not None


def create_vacancy(
    organisation_id: int,
    actor,
    *,
    reference: str,
    title: str,
    pay_band: str,
    staff_group: str | None = None,
    department: str = "",
    posts: int = 1,
    international_recruitment: bool = False,
    batch: Batch | None = None,
    recruiting_manager_id: int | None = None,
) -> Vacancy:
    reference = reference.strip()
    if _reference_taken(Vacancy, organisation_id, reference):
        raise RecruitmentError(f"There is already a vacancy {reference}", "reference")
    vacancy = Vacancy(
        organisation_id=organisation_id,
        reference=reference,
        title=title.strip(),
        pay_band=pay_band,
        staff_group=staff_group or None,
        department=department.strip(),
        posts=posts,
        international_recruitment=international_recruitment,
        batch=batch,
        recruiting_manager_id=recruiting_manager_id or getattr(actor, "id", None),
    )
    db.session.add(vacancy)
    db.session.flush()
    audit.record(
        organisation_id,
        actor,
        "vacancy.created",
        "vacancy",
        vacancy.id,
        {"reference": reference, "batch": batch.reference if batch else None},
    )
    return vacancy


def update_vacancy(vacancy: Vacancy, actor, version: int | None, **values) -> None:
    _check_version(vacancy, version)
    changed = {}
    for name, value in values.items():
        if getattr(vacancy, name) != value:
            changed[name] = {"from": getattr(vacancy, name), "to": value}
            setattr(vacancy, name, value)
    db.session.flush()
    if changed:
        audit.record(
            vacancy.organisation_id, actor, "vacancy.changed", "vacancy", vacancy.id, changed
        )


def create_batch(
    organisation_id: int,
    actor,
    *,
    reference: str,
    name: str,
    interview_date: date | None,
    recruiting_manager_id: int | None = None,
) -> Batch:
    reference = reference.strip()
    if _reference_taken(Batch, organisation_id, reference):
        raise RecruitmentError(f"There is already a batch {reference}", "reference")
    batch = Batch(
        organisation_id=organisation_id,
        reference=reference,
        name=name.strip(),
        interview_date=interview_date,
        recruiting_manager_id=recruiting_manager_id or getattr(actor, "id", None),
    )
    db.session.add(batch)
    db.session.flush()
    audit.record(
        organisation_id, actor, "batch.created", "batch", batch.id, {"reference": reference}
    )
    return batch


# Applicants and outcomes


def applications_of(owner) -> list[Application]:
    column = Application.vacancy_id if owner.kind == "vacancy" else Application.batch_id
    return list(
        db.session.scalars(
            select(Application)
            .join(Applicant)
            .where(column == owner.id)
            .order_by(Applicant.reference)
        )
    )


REFERENCE_IN_USE = (
    "{reference} is already in use. Use the reference this recruitment's applicant has in "
    "NHS Jobs or Trac; if the same person applied for more than one post, HR can add them."
)


def add_applicant(
    owner, reference: str, actor, *, may_reuse: bool = True, override_reason: str | None = None
) -> Application:
    """Add an application by the applicant's reference.

    `may_reuse` is False for a recruiting manager: an existing reference (another vacancy's
    applicant, or one HR imported) carries equality data the manager must not be able to
    attach and then probe through the justification trigger, so it is refused whatever it is.
    """
    reference = reference.strip()
    if not reference:
        raise RecruitmentError("Enter the applicant's reference", "reference")
    _guard_locked(owner, override_reason)
    applicant = db.session.scalar(
        select(Applicant).where(
            Applicant.organisation_id == owner.organisation_id, Applicant.reference == reference
        )
    )
    if applicant is None:
        applicant = Applicant(organisation_id=owner.organisation_id, reference=reference)
        db.session.add(applicant)
        db.session.flush()
    elif any(a.applicant_id == applicant.id for a in applications_of(owner)):
        raise RecruitmentError(f"{reference} has already applied here", "reference")
    elif not may_reuse:
        raise RecruitmentError(REFERENCE_IN_USE.format(reference=reference), "reference")
    application = Application(
        organisation_id=owner.organisation_id, applicant=applicant, **{f"{owner.kind}_id": owner.id}
    )
    db.session.add(application)
    db.session.flush()
    audit.record(
        owner.organisation_id,
        actor,
        "application.added",
        owner.kind,
        owner.id,
        {"applicant_reference": reference},
        reason=override_reason,
    )
    return application


LOCKED = (
    "The decision is recorded and an interviewed applicant was not appointed, so the decision "
    "and the outcomes are locked. If they are wrong, ask HR to change them: HR records why, and "
    "any justification to the chair is kept and marked superseded."
)


class Locked(RecruitmentError):
    def __init__(self):
        super().__init__(LOCKED)


def locked(owner) -> bool:
    """Locked for the manager once the decision triggered a justification (DOMAIN.md section 9),
    and equally when it could have: whether a justification then appears depends on the
    ethnicity of those interviewed and not appointed, so deciding, changing the outcomes and
    deciding again would tell the manager who is not BME. Both cases look the same."""
    if events.decision_locked(owner):
        return True
    if owner.status == "open":
        return False
    return any(
        a.interviewed and not a.appointed and not a.withdrawn for a in applications_of(owner)
    )


def _guard_locked(owner, override_reason: str | None) -> None:
    """Only an HR change with a reason gets past the lock; routes pass a reason only for HR."""
    if not locked(owner):
        return
    if override_reason is None:
        raise Locked()
    if not override_reason.strip():
        raise RecruitmentError(
            "The decision is locked: give the reason for this change", "override_reason"
        )
    if len(override_reason) > LONG_TEXT:
        raise RecruitmentError(too_long_message("The reason", LONG_TEXT), "override_reason")


@dataclass
class Outcome:
    shortlisted: bool = False
    interviewed: bool = False
    appointed: bool = False
    withdrawn: bool = False
    appointed_vacancy_id: int | None = None  # a batch application's post


def outcome_problems(
    owner, outcomes: dict[int, Outcome], references: dict[int, str]
) -> list[tuple[str, str]]:
    """Every way the outcomes break the rules of DOMAIN.md section 5, each with the id of the
    box on the applicant's row it concerns, so the error summary can take the person there."""
    problems = []
    batch_vacancies = {v.id: v for v in owner.vacancies} if owner.kind == "batch" else {}
    appointed_box = "post" if owner.kind == "batch" else "appointed"
    appointed_to: dict[int, list[int]] = {}
    for application_id, outcome in outcomes.items():
        ref = references[application_id]
        if (outcome.interviewed or outcome.appointed) and not outcome.shortlisted:
            problems.append(
                (
                    f"{ref}: interviewed or appointed needs shortlisted as well",
                    f"shortlisted-{application_id}",
                )
            )
        if owner.kind == "batch":
            if outcome.appointed and outcome.appointed_vacancy_id not in batch_vacancies:
                problems.append(
                    (
                        f"{ref}: choose the vacancy of the batch they are appointed to",
                        f"post-{application_id}",
                    )
                )
            if outcome.appointed_vacancy_id and not outcome.appointed:
                outcome.appointed_vacancy_id = None
        if outcome.appointed:
            post = outcome.appointed_vacancy_id if owner.kind == "batch" else owner.id
            appointed_to.setdefault(post, []).append(application_id)
        if outcome.withdrawn and outcome.appointed:
            problems.append(
                (
                    f"{ref}: a withdrawn applicant cannot be appointed",
                    f"withdrawn-{application_id}",
                )
            )
    posts = {v.id: v for v in owner.vacancies} if owner.kind == "batch" else {owner.id: owner}
    for vacancy_id, appointed in appointed_to.items():
        vacancy = posts.get(vacancy_id)
        if vacancy and len(appointed) > vacancy.posts:
            # The first row past the number of posts is where one too many was appointed.
            problems.append(
                (
                    f"{vacancy.reference} has {vacancy.posts} post"
                    f"{'s' if vacancy.posts != 1 else ''} but {len(appointed)} people are "
                    "appointed to it",
                    f"{appointed_box}-{appointed[vacancy.posts]}",
                )
            )
    return problems


def record_outcomes(
    owner,
    outcomes: dict[int, Outcome],
    version: int | None,
    actor,
    override_reason: str | None = None,
) -> None:
    _guard_locked(owner, override_reason)
    applications = {a.id: a for a in applications_of(owner)}
    unknown = set(outcomes) - set(applications)
    if unknown:
        raise RecruitmentError("Some applicants are not part of this recruitment")
    problems = outcome_problems(
        owner, outcomes, {i: applications[i].applicant.reference for i in outcomes}
    )
    if problems:
        raise RecruitmentError("; ".join(text for text, _ in problems), problems=problems)
    _check_version(owner, version)
    changes = {}
    for application_id, outcome in outcomes.items():
        application = applications[application_id]
        before = (
            application.shortlisted,
            application.interviewed,
            application.appointed,
            application.withdrawn,
            application.appointed_vacancy_id,
        )
        application.shortlisted = outcome.shortlisted
        application.interviewed = outcome.interviewed
        application.appointed = outcome.appointed
        application.withdrawn = outcome.withdrawn
        application.appointed_vacancy_id = (
            outcome.appointed_vacancy_id if owner.kind == "batch" else None
        )
        after = (
            outcome.shortlisted,
            outcome.interviewed,
            outcome.appointed,
            outcome.withdrawn,
            application.appointed_vacancy_id,
        )
        if before != after:
            changes[application.applicant.reference] = {
                "shortlisted": outcome.shortlisted,
                "interviewed": outcome.interviewed,
                "appointed": outcome.appointed,
                "withdrawn": outcome.withdrawn,
            }
    db.session.flush()
    if changes:
        audit.record(
            owner.organisation_id,
            actor,
            "outcomes.recorded",
            owner.kind,
            owner.id,
            changes,
            reason=override_reason,
        )
        if locked(owner):
            # The outcomes of a decided recruitment are part of its decision.
            events.decision_recorded(owner, actor, reason=override_reason)


def record_decision(
    owner,
    decision_date: date | None,
    version: int | None,
    actor,
    override_reason: str | None = None,
) -> None:
    """Record the appointment decision of a vacancy or batch, with its date."""
    _guard_locked(owner, override_reason)
    anyone_shortlisted = any(a.shortlisted and not a.withdrawn for a in applications_of(owner))
    if decision_date is None and anyone_shortlisted:
        raise RecruitmentError("Enter the date of the decision", "decision_date")
    if decision_date and decision_date > today_london():
        raise RecruitmentError("The decision date must be today or in the past", "decision_date")
    _check_version(owner, version)
    before = owner.decision_date
    owner.decision_date = decision_date
    owner.status = "decided"
    if owner.kind == "batch":
        for vacancy in owner.vacancies:
            vacancy.decision_date = decision_date
            vacancy.status = "decided"
    db.session.flush()
    audit.record(
        owner.organisation_id,
        actor,
        "decision.recorded",
        owner.kind,
        owner.id,
        {**_owner_ref(owner), "decision_date": decision_date, "previous_decision_date": before},
        reason=override_reason,
    )
    events.decision_recorded(owner, actor, reason=override_reason)


def record_scores(
    owner,
    scores: dict[tuple[int, int], Decimal | None],
    out_of: Decimal,
    version: int | None,
    actor,
) -> int:
    """Interview scores per (application, interview panel member); None clears a score.

    Only interviewed applicants and members of the confirmed interview panel can be scored.
    """
    panel = panel_for(owner, "interview", create=False)
    if panel is None or panel.status != "confirmed":
        raise RecruitmentError("Confirm the interview panel before recording scores")
    if out_of is None or out_of <= 0:
        raise RecruitmentError("Enter the highest possible score, above 0", "out_of")
    interviewed = {a.id for a in applications_of(owner) if a.interviewed}
    members = {m.id for m in panel.members}
    for (application_id, member_id), score in scores.items():
        if application_id not in interviewed or member_id not in members:
            raise RecruitmentError(
                "Scores can be recorded only for interviewed applicants and "
                "members of the interview panel"
            )
        if score is not None and not 0 <= score <= out_of:
            raise RecruitmentError(f"Each score must be between 0 and {out_of}", "out_of")
    _check_version(owner, version)
    existing = {
        (s.application_id, s.panel_member_id): s
        for s in db.session.scalars(
            select(InterviewScore).where(InterviewScore.application_id.in_(interviewed))
        )
    }
    saved = 0
    for key, score in scores.items():
        row = existing.get(key)
        if score is None:
            if row is not None:
                db.session.delete(row)
            continue
        if row is None:
            row = InterviewScore(application_id=key[0], panel_member_id=key[1])
            db.session.add(row)
        row.score, row.out_of = score, out_of
        saved += 1
    db.session.flush()
    audit.record(
        owner.organisation_id,
        actor,
        "scores.recorded",
        owner.kind,
        owner.id,
        {**_owner_ref(owner), "scores": saved},
    )
    return saved


def scores_of(owner) -> dict[tuple[int, int], InterviewScore]:
    ids = [a.id for a in applications_of(owner)]
    if not ids:
        return {}
    return {
        (s.application_id, s.panel_member_id): s
        for s in db.session.scalars(
            select(InterviewScore).where(InterviewScore.application_id.in_(ids))
        )
    }


def close(owner, actor) -> None:
    if owner.status != "decided":
        raise RecruitmentError("Record the decision before closing")
    if refused := events.close_refused(owner):
        raise RecruitmentError(refused)
    owner.status = "closed"
    if owner.kind == "batch":
        for vacancy in owner.vacancies:
            vacancy.status = "closed"
    db.session.flush()
    audit.record(
        owner.organisation_id, actor, "recruitment.closed", owner.kind, owner.id, _owner_ref(owner)
    )


# Panels


def panel_for(owner, stage: str, create: bool = True) -> Panel | None:
    if stage not in STAGES:
        raise RecruitmentError(f"{stage!r} is not a panel stage")
    column = Panel.vacancy_id if owner.kind == "vacancy" else Panel.batch_id
    panel = db.session.scalar(select(Panel).where(column == owner.id, Panel.stage == stage))
    if panel is None and create:
        panel = Panel(
            organisation_id=owner.organisation_id, stage=stage, **{f"{owner.kind}_id": owner.id}
        )
        db.session.add(panel)
        db.session.flush()
    return panel


def settings_of(organisation_id: int) -> OrganisationSettings:
    return db.session.get(OrganisationSettings, organisation_id)


def training_dates(organisation_id: int, staff_ids: Iterable[int]) -> dict[int, date | None]:
    ids = list(staff_ids)
    if not ids:
        return {}
    return dict(
        db.session.execute(
            select(PoolMember.staff_id, PoolMember.training_date).where(
                PoolMember.organisation_id == organisation_id, PoolMember.staff_id.in_(ids)
            )
        ).all()
    )


def declared_for_panels(organisation_id: int, staff_ids: Iterable[int]) -> set[int]:
    """Staff who gave their ethnicity for panel purposes: diverse members of the panel pool
    and people who declared it in their own account. Nobody's ESR record is read here."""
    ids = list(staff_ids)
    if not ids:
        return set()
    pooled = select(PoolMember.staff_id).where(
        PoolMember.organisation_id == organisation_id,
        PoolMember.staff_id.in_(ids),
        PoolMember.active.is_(True),
        PoolMember.diverse_member.is_(True),
    )
    declared = select(PanelDeclaration.staff_id).where(
        PanelDeclaration.organisation_id == organisation_id,
        PanelDeclaration.staff_id.in_(ids),
        PanelDeclaration.withdrawn_at.is_(None),
    )
    return set(db.session.scalars(pooled.union(declared)))


def declared_group(member: PanelMember, declared: set[int]) -> WresGroup:
    """A member's group for the panel rule: as declared for that purpose, else not known."""
    if member.staff_id is None:
        return group_of(member.external_ethnic_category or "99")
    return WresGroup.BME if member.staff_id in declared else WresGroup.UNKNOWN


def member_facts(panel: Panel) -> list[panel_rules.MemberFacts]:
    staff_ids = [m.staff_id for m in panel.members if m.staff_id]
    trained_on = training_dates(panel.organisation_id, staff_ids)
    declared = declared_for_panels(panel.organisation_id, staff_ids)
    return [
        panel_rules.MemberFacts(
            group=declared_group(m, declared),
            role=m.role,
            is_staff=m.staff_id is not None,
            training_date=trained_on.get(m.staff_id),
        )
        for m in panel.members
    ]


def panel_bands(panel: Panel) -> list[str]:
    owner = panel.owner
    return [owner.pay_band] if owner.kind == "vacancy" else [v.pay_band for v in owner.vacancies]


def panel_needs(panel: Panel, today: date | None = None) -> list[str]:
    """What the panel lacks under the organisation's rule (empty: it meets the rule)."""
    rule = panel_rules.PanelRule.from_settings(settings_of(panel.organisation_id))
    return panel_rules.unmet(rule, member_facts(panel), panel_bands(panel), today or today_london())


def _guard_confirmed_change(panel: Panel, reason: str | None) -> None:
    if panel.status == "confirmed" and not (reason or "").strip():
        raise RecruitmentError("This panel is confirmed: give a reason for the change", "reason")


def _after_change(panel: Panel, exception_reason: str | None) -> None:
    """A confirmed panel must still meet the rule or carry an exception."""
    if exception_reason and exception_reason.strip():
        panel.exception_reason = exception_reason.strip()
    if panel.status == "confirmed" and panel_needs(panel) and not panel.exception_reason:
        raise RecruitmentError(
            "After this change the panel would not meet the rule: record an "
            "exception reason as well",
            "exception_reason",
        )


def add_member(
    panel: Panel,
    actor,
    *,
    version: int | None,
    role: str = "member",
    staff: Staff | None = None,
    external_name: str | None = None,
    external_ethnic_category: str | None = None,
    reason: str | None = None,
    exception_reason: str | None = None,
) -> PanelMember:
    if role not in MEMBER_ROLES:
        raise RecruitmentError("Choose the member's role", "role")
    if (staff is None) == (not (external_name or "").strip()):
        raise RecruitmentError(
            "Choose a member of staff or give an external member's name", "staff_number"
        )
    if staff is not None and any(m.staff_id == staff.id for m in panel.members):
        raise RecruitmentError(f"{staff.full_name} is already on this panel", "staff_number")
    _guard_confirmed_change(panel, reason)
    _check_version(panel, version)
    member = PanelMember(
        role=role,
        staff=staff,
        external_name=external_name.strip() if external_name else None,
        external_ethnic_category=external_ethnic_category if not staff else None,
    )
    panel.members.append(member)
    db.session.flush()
    _after_change(panel, exception_reason)
    audit.record(
        panel.organisation_id,
        actor,
        "panel.member_added",
        "panel",
        panel.id,
        {
            **_owner_ref(panel.owner),
            "stage": panel.stage,
            "member": member.name,
            "role": role,
            "panel_status": panel.status,
        },
        reason=reason,
    )
    return member


def remove_member(
    panel: Panel,
    member_id: int,
    actor,
    *,
    version: int | None,
    reason: str | None = None,
    exception_reason: str | None = None,
) -> None:
    member = next((m for m in panel.members if m.id == member_id), None)
    if member is None:
        raise RecruitmentError("That person is not on this panel")
    _guard_confirmed_change(panel, reason)
    _check_version(panel, version)
    name = member.name
    panel.members.remove(member)
    db.session.flush()
    _after_change(panel, exception_reason)
    audit.record(
        panel.organisation_id,
        actor,
        "panel.member_removed",
        "panel",
        panel.id,
        {
            **_owner_ref(panel.owner),
            "stage": panel.stage,
            "member": name,
            "panel_status": panel.status,
        },
        reason=reason,
    )


MIN_EXCEPTION_WORDS = 8


def confirm_panel(
    panel: Panel,
    actor,
    *,
    version: int | None,
    exception_reason: str | None = None,
    method: str = "",
    assessment: str = "",
) -> None:
    """Fix the panel's composition. Breaking the rule needs a written exception reason."""
    if panel.status == "confirmed":
        raise RecruitmentError("This panel is already confirmed")
    if not panel.members:
        raise RecruitmentError("Add the panel's members before confirming it")
    needs = panel_needs(panel)
    reason = (exception_reason or "").strip()
    if needs:
        if not reason:
            raise RecruitmentError(
                "This panel does not meet the rule. To confirm it anyway, "
                "explain why in a few sentences",
                "exception_reason",
            )
        if len(reason.split()) < MIN_EXCEPTION_WORDS:
            raise RecruitmentError(
                "Explain the exception in a few sentences: what you tried "
                "and why no panel meeting the rule was possible",
                "exception_reason",
            )
    _check_version(panel, version)
    panel.status = "confirmed"
    panel.exception_reason = reason if needs else None
    panel.method = method.strip()
    panel.assessment = assessment.strip()
    panel.confirmed_at = utcnow()
    panel.confirmed_by_id = getattr(actor, "id", None)
    db.session.flush()
    audit.record(
        panel.organisation_id,
        actor,
        "panel.confirmed",
        "panel",
        panel.id,
        {**_owner_ref(panel.owner), "stage": panel.stage, "meets_rule": not needs, "unmet": needs},
        reason=panel.exception_reason,
    )


def pool_suggestions(panel: Panel, limit: int = 5) -> list[PoolMember]:
    """Pool members who would help the panel meet the BME rule, in a stable order.

    Shown without a reason: the page must not say who is BME.
    """
    rule = panel_rules.PanelRule.from_settings(settings_of(panel.organisation_id))
    facts = member_facts(panel)
    bme_now = sum(1 for f in facts if f.group == WresGroup.BME)
    if bme_now >= rule.min_bme_members or not panel_rules.applies_to(rule, panel_bands(panel)):
        return []
    on_panel = {m.staff_id for m in panel.members if m.staff_id}
    candidates = db.session.scalars(
        select(PoolMember)
        .join(Staff)
        .where(
            PoolMember.organisation_id == panel.organisation_id,
            PoolMember.active.is_(True),
            PoolMember.diverse_member.is_(True),
            Staff.leaving_date.is_(None) | (Staff.leaving_date > today_london()),
        )
        .order_by(PoolMember.training_date.desc().nulls_last(), Staff.full_name)
    )
    today = today_london()
    chosen = []
    for pool_member in candidates:
        staff = pool_member.staff
        if staff.id in on_panel:
            continue
        facts_if_added = panel_rules.MemberFacts(
            WresGroup.BME, "member", True, pool_member.training_date
        )
        if not panel_rules.trained(facts_if_added, rule, today):
            continue
        chosen.append(pool_member)
        if len(chosen) == limit:
            break
    return chosen


# The panel pool


def add_to_pool(
    organisation_id: int,
    staff: Staff,
    training_date: date | None,
    note: str,
    actor,
    diverse_member: bool = False,
) -> PoolMember:
    existing = db.session.scalar(
        select(PoolMember).where(
            PoolMember.organisation_id == organisation_id, PoolMember.staff_id == staff.id
        )
    )
    if existing and existing.active:
        raise RecruitmentError(f"{staff.full_name} is already in the pool", "staff_number")
    if training_date and training_date > today_london():
        raise RecruitmentError("The training date must be today or in the past", "training_date")
    member = existing or PoolMember(organisation_id=organisation_id, staff_id=staff.id)
    member.active = True
    member.training_date = training_date
    member.note = note.strip()
    member.diverse_member = diverse_member
    db.session.add(member)
    db.session.flush()
    audit.record(
        organisation_id,
        actor,
        "pool.member_added",
        "staff",
        staff.id,
        {"training_date": training_date, "diverse_member": diverse_member},
    )
    return member


def remove_from_pool(member: PoolMember, actor) -> None:
    member.active = False
    db.session.flush()
    audit.record(member.organisation_id, actor, "pool.member_removed", "staff", member.staff_id)


def staff_by_number(organisation_id: int, staff_number: str) -> Staff | None:
    return db.session.scalar(
        select(Staff).where(
            Staff.organisation_id == organisation_id, Staff.staff_number == staff_number.strip()
        )
    )


# Declarations for panel purposes, made by the person in their own account


def current_declaration(staff: Staff) -> PanelDeclaration | None:
    return db.session.scalar(
        select(PanelDeclaration).where(
            PanelDeclaration.staff_id == staff.id, PanelDeclaration.withdrawn_at.is_(None)
        )
    )


def declare_for_panels(staff: Staff, actor) -> PanelDeclaration:
    row = db.session.scalar(select(PanelDeclaration).where(PanelDeclaration.staff_id == staff.id))
    if row is not None and row.withdrawn_at is None:
        return row
    if row is None:
        row = PanelDeclaration(organisation_id=staff.organisation_id, staff_id=staff.id)
        db.session.add(row)
    row.declared_at, row.withdrawn_at = utcnow(), None
    db.session.flush()
    # The trail says a declaration changed, not what it says: it is read by more people.
    audit.record(staff.organisation_id, actor, "panel_declaration.changed", "staff", staff.id)
    return row


def withdraw_panel_declaration(staff: Staff, actor) -> None:
    row = current_declaration(staff)
    if row is None:
        return
    row.withdrawn_at = utcnow()
    db.session.flush()
    audit.record(staff.organisation_id, actor, "panel_declaration.changed", "staff", staff.id)
