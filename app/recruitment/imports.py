"""Applying recruitment outcome and panel member files: all rows or none, matched on their
references so a second import of the same file changes nothing."""

from collections import defaultdict

from sqlalchemy import select

from app import audit
from app.csvimport import ImportRefused, Problem
from app.extensions import db
from app.import_history import DataImport, finish_import, start_import
from app.recruitment import events, files
from app.recruitment.models import Applicant, Application, Batch, PanelMember, Vacancy
from app.timeutil import today_london
from app.versioning import bump
from app.workforce.models import Staff


def _by_reference(model, organisation_id: int, references: set[str]) -> dict:
    if not references:
        return {}
    return {
        row.reference: row
        for row in db.session.scalars(
            select(model).where(
                model.organisation_id == organisation_id, model.reference.in_(references)
            )
        )
    }


def _set(row, name, value, changed: list) -> None:
    if getattr(row, name) != value:
        setattr(row, name, value)
        changed.append(name)


def import_recruitment(
    organisation, data: bytes, filename: str, source: str, actor=None
) -> DataImport:
    rows, problems = files.parse_recruitment_file(data, today_london())
    if problems:
        raise ImportRefused(problems)
    org_id = organisation.id
    batches = _by_reference(Batch, org_id, {r.batch_reference for r in rows if r.batch_reference})
    vacancies = _by_reference(
        Vacancy, org_id, {r.vacancy_reference for r in rows if r.vacancy_reference}
    )
    applicants = _by_reference(Applicant, org_id, {r.applicant_reference for r in rows})
    record = start_import(org_id, "recruitment", filename, source, actor)

    decided: dict = {}
    for row in rows:
        if row.batch_reference and row.batch_reference not in batches:
            batch = Batch(organisation_id=org_id, reference=row.batch_reference)
            db.session.add(batch)
            batches[row.batch_reference] = batch
        if row.vacancy_reference and row.vacancy_reference not in vacancies:
            vacancy = Vacancy(
                organisation_id=org_id, reference=row.vacancy_reference, pay_band=row.pay_band
            )
            db.session.add(vacancy)
            vacancies[row.vacancy_reference] = vacancy
        if row.applicant_reference not in applicants:
            applicant = Applicant(organisation_id=org_id, reference=row.applicant_reference)
            db.session.add(applicant)
            applicants[row.applicant_reference] = applicant
    db.session.flush()

    existing = _existing_applications([a.id for a in applicants.values()])
    for row in rows:
        changed: list[str] = []
        batch = batches.get(row.batch_reference)
        if row.vacancy_reference:
            vacancy = vacancies[row.vacancy_reference]
            _set(vacancy, "pay_band", row.pay_band, changed)
            if row.job_title:
                _set(vacancy, "title", row.job_title, changed)
            if row.staff_group:
                _set(vacancy, "staff_group", row.staff_group, changed)
            if batch is not None:
                _set(vacancy, "batch_id", batch.id, changed)
            if row.decision_date:
                decided[vacancy] = row.decision_date
        if batch is not None and row.decision_date:
            decided[batch] = row.decision_date
        applicant = applicants[row.applicant_reference]
        if row.ethnic_category and (row.ethnic_category != "99" or applicant.id is None):
            _set(applicant, "ethnic_category", row.ethnic_category, changed)
        record_outcome(
            row, applicant, batch, vacancies.get(row.vacancy_reference), record, changed, existing
        )

    for owner, decision_date in decided.items():
        if owner.decision_date != decision_date or owner.status == "open":
            owner.decision_date = decision_date
            owner.status = "decided" if owner.status == "open" else owner.status
    db.session.flush()
    _fit_posts(vacancies.values())
    finish_import(record, actor)
    for owner in decided:
        events.decision_recorded(owner, actor)
    return record


def _chunks(values: list, size: int = 5000):
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _existing_applications(applicant_ids: list[int]) -> dict[tuple, Application]:
    """The applications these people already have, keyed by (person, vacancy, batch): a few
    queries for the whole file instead of one per row."""
    found = {}
    for chunk in _chunks(applicant_ids):
        for application in db.session.scalars(
            select(Application).where(Application.applicant_id.in_(chunk))
        ):
            key = (application.applicant_id, application.vacancy_id, application.batch_id)
            found[key] = application
    return found


def record_outcome(
    row, applicant, batch, vacancy, record: DataImport, changed: list, existing: dict
) -> None:
    key = (
        applicant.id,
        None if batch is not None else vacancy.id,
        batch.id if batch is not None else None,
    )
    application = existing.get(key)
    if application is None:
        application = Application(
            organisation_id=applicant.organisation_id,
            applicant_id=applicant.id,
            batch_id=batch.id if batch is not None else None,
            vacancy_id=vacancy.id if batch is None else None,
        )
        db.session.add(application)
        existing[key] = application
        record.rows_added += 1
        changed = None
    appointed_vacancy_id = vacancy.id if (batch is not None and row.appointed) else None
    values = {
        "shortlisted": row.shortlisted,
        "interviewed": row.interviewed,
        "appointed": row.appointed,
        "international_recruit": row.international_recruit,
        "appointed_vacancy_id": appointed_vacancy_id,
        "pay_band": row.pay_band or None,
        "staff_group": row.staff_group,
    }
    outcome_changed: list[str] = []
    for name, value in values.items():
        _set(application, name, value, outcome_changed)
    if changed is not None:
        if changed or outcome_changed:
            record.rows_updated += 1
        else:
            record.rows_unchanged += 1


def _fit_posts(vacancies) -> None:
    """A vacancy has at least as many posts as it has appointments (two grouped queries)."""
    by_id = {vacancy.id: vacancy for vacancy in vacancies}
    appointed: dict[int, int] = defaultdict(int)
    for chunk in _chunks(list(by_id)):
        for column in (Application.vacancy_id, Application.appointed_vacancy_id):
            for vacancy_id, count in db.session.execute(
                select(column, db.func.count())
                .where(column.in_(chunk), Application.appointed)
                .group_by(column)
            ):
                appointed[vacancy_id] += count
    for vacancy_id, count in appointed.items():
        if count > by_id[vacancy_id].posts:
            by_id[vacancy_id].posts = count


def import_panels(organisation, data: bytes, filename: str, source: str, actor=None) -> DataImport:
    """Each panel named in the file gets exactly the members the file lists, confirmed as held."""
    rows, problems = files.parse_panel_file(data)
    org_id = organisation.id
    vacancies = _by_reference(
        Vacancy, org_id, {r.vacancy_reference for r in rows if r.vacancy_reference}
    )
    batches = _by_reference(Batch, org_id, {r.batch_reference for r in rows if r.batch_reference})
    numbers = {r.staff_number for r in rows if r.staff_number}
    staff = (
        {
            s.staff_number: s
            for s in db.session.scalars(
                select(Staff).where(
                    Staff.organisation_id == org_id, Staff.staff_number.in_(numbers)
                )
            )
        }
        if numbers
        else {}
    )
    for row in rows:
        if row.vacancy_reference and row.vacancy_reference not in vacancies:
            problems.append(
                Problem(
                    row.line,
                    "vacancy_reference",
                    f"there is no vacancy {row.vacancy_reference} in "
                    f"{organisation.code}: import the recruitment file first",
                )
            )
        if row.batch_reference and row.batch_reference not in batches:
            problems.append(
                Problem(
                    row.line,
                    "batch_reference",
                    f"there is no batch {row.batch_reference} in "
                    f"{organisation.code}: import the recruitment file first",
                )
            )
        if row.staff_number and row.staff_number not in staff:
            problems.append(
                Problem(
                    row.line,
                    "staff_number",
                    f"there is no staff member {row.staff_number} in "
                    f"{organisation.code}: expected a staff number from the "
                    "staff records",
                )
            )
    if problems:
        raise ImportRefused(problems)

    record = start_import(org_id, "panels", filename, source, actor)
    wanted: dict[tuple, list] = defaultdict(list)
    for row in rows:
        owner = vacancies.get(row.vacancy_reference) or batches[row.batch_reference]
        wanted[(owner, row.stage)].append(row)
    for (owner, stage), members in wanted.items():
        _apply_panel(owner, stage, members, staff, record, actor)
    finish_import(record, actor)
    return record


def _member_key(member) -> tuple:
    return (
        member.staff_id,
        (member.external_name or "").lower(),
        member.external_ethnic_category,
        member.role,
    )


def _apply_panel(owner, stage, rows, staff, record: DataImport, actor) -> None:
    from app.recruitment.services import panel_for

    panel = panel_for(owner, stage)
    reason = next((r.exception_reason for r in rows if r.exception_reason), None)
    wanted = [
        PanelMember(
            staff_id=staff[r.staff_number].id if r.staff_number else None,
            external_name=r.external_name or None,
            external_ethnic_category=r.ethnic_category,
            role=r.role,
        )
        for r in rows
    ]
    same = (
        sorted(map(_member_key, panel.members), key=str)
        == sorted(map(_member_key, wanted), key=str)
        and panel.status == "confirmed"
        and panel.exception_reason == reason
    )
    if same:
        record.rows_unchanged += len(rows)
        return
    if panel.members or panel.status == "confirmed":
        record.rows_updated += len(rows)
    else:
        record.rows_added += len(rows)
    panel.members.clear()
    db.session.flush()
    panel.members.extend(wanted)
    panel.status = "confirmed"
    panel.exception_reason = reason
    db.session.flush()
    bump(panel)
    audit.record(
        panel.organisation_id,
        actor,
        "panel.imported",
        "panel",
        panel.id,
        {"reference": owner.reference, "stage": stage, "members": len(rows)},
        reason=reason,
    )
