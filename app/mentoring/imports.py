"""Applying a mentoring file: all rows or none; relationships are matched on the two people,
type and start date, so importing the same file again changes nothing."""

from sqlalchemy import select

from app import audit, bulk
from app.csvimport import ImportRefused, Problem, describe_date_formats, noting_date_formats
from app.extensions import db
from app.import_history import DataImport, finish_import, start_import
from app.mentoring import services
from app.mentoring.files import parse_mentoring_file
from app.mentoring.models import MentoringRelationship, MentoringSession
from app.timeutil import today_london
from app.workforce.models import Staff


def import_mentoring(
    organisation, data: bytes, filename: str, source: str, actor=None
) -> DataImport:
    with noting_date_formats() as formats:
        rows, problems = parse_mentoring_file(data, today_london())
    numbers = {n for r in rows for n in (r.leader_number, r.colleague_number)}
    staff = {}
    for chunk in bulk.chunks(numbers):
        for person in db.session.scalars(
            select(Staff).where(
                Staff.organisation_id == organisation.id, bulk.among(Staff.staff_number, chunk)
            )
        ):
            staff[person.staff_number] = person
    # Every relationship of the people named, in a few queries rather than one per row.
    relationships = {}
    for chunk in bulk.chunks([person.id for person in staff.values()]):
        for found in db.session.scalars(
            select(MentoringRelationship).where(bulk.among(MentoringRelationship.leader_id, chunk))
        ):
            key = (found.leader_id, found.colleague_id, found.kind, found.start_date)
            relationships[key] = found
    matched = []
    for row in rows:
        leader, colleague = staff.get(row.leader_number), staff.get(row.colleague_number)
        for number, column in (
            (row.leader_number, "mentor_staff_number"),
            (row.colleague_number, "mentee_staff_number"),
        ):
            if number not in staff:
                problems.append(
                    Problem(
                        row.line,
                        column,
                        f"there is no staff member {number} in {organisation.code}",
                    )
                )
        if leader is None or colleague is None:
            continue
        existing = relationships.get((leader.id, colleague.id, row.kind, row.start_date))
        for field, message in services.validate_relationship(
            leader,
            colleague,
            row.kind,
            row.start_date,
            row.end_date,
            existing.id if existing else None,
        ):
            column = {
                "leader": "mentor_staff_number",
                "colleague": "mentee_staff_number",
                "kind": "type",
            }.get(field, field)
            problems.append(Problem(row.line, column, message))
        matched.append((row, leader, colleague, existing))
    if problems:
        raise ImportRefused(problems)

    record = start_import(organisation.id, "mentoring", filename, source, actor)
    record.date_formats = describe_date_formats(formats)
    for row, leader, colleague, existing in matched:
        relationship = existing
        if relationship is None:
            relationship = services.create_relationship(
                leader, colleague, row.kind, row.start_date, actor, row.end_date
            )
            record.rows_added += 1
        elif relationship.end_date != row.end_date:
            relationship.end_date = row.end_date
            audit.record(
                organisation.id,
                actor,
                "mentoring.changed",
                "relationship",
                relationship.id,
                {"end_date": row.end_date, "source": "import"},
            )
            record.rows_updated += 1
        else:
            record.rows_unchanged += 1
        if row.last_session_date and not any(
            s.held_on == row.last_session_date and s.imported for s in relationship.sessions
        ):
            relationship.sessions.append(
                MentoringSession(
                    held_on=row.last_session_date,
                    minutes=None,
                    format="in-person",
                    summary="Imported from another platform",
                    imported=True,
                )
            )
            if (
                existing is not None
                and record.rows_unchanged
                and relationship.end_date == row.end_date
            ):
                record.rows_unchanged -= 1
                record.rows_updated += 1
    finish_import(record, actor)
    return record
