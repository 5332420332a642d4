"""Applying a mentoring file: all rows or none; relationships are matched on the two people,
type and start date, so importing the same file again changes nothing.

Set-based, like the other imports (app/bulk.py): the people named and their relationships are
read a chunk at a time, every rule (DOMAIN.md section 11, and the overlap rule the form applies)
is checked in Python against what was read, and the writes are one multi-row statement each.
The import is one audit entry (who imported which file, when)
whose compressed attachment holds each relationship it added or changed, with its id and values;
each relationship's page shows that entry in its history (queries.relationship_history).
"""

from app import audit, bulk
from app.csvimport import ImportRefused, Problem, describe_date_formats, noting_date_formats
from app.import_history import DataImport, finish_import, start_import
from app.mentoring import services
from app.mentoring.files import parse_mentoring_file
from app.mentoring.models import MentoringRelationship, MentoringSession
from app.timeutil import today_london, utcnow
from app.workforce.models import Staff

_COLUMN_OF_FIELD = {
    "leader": "mentor_staff_number",
    "colleague": "mentee_staff_number",
    "kind": "type",
}
IMPORTED_SUMMARY = "Imported from another platform"


def _key(leader_id, colleague_id, kind, start_date) -> tuple:
    return (leader_id, colleague_id, kind, start_date)


def import_mentoring(
    organisation, data: bytes, filename: str, source: str, actor=None
) -> DataImport:
    with noting_date_formats() as formats:
        rows, problems = parse_mentoring_file(data, today_london())
    numbers = {n for r in rows for n in (r.leader_number, r.colleague_number)}
    staff = {
        person.staff_number: person
        for person in bulk.select_among(
            (Staff.id, Staff.staff_number, Staff.full_name, Staff.pay_band, Staff.board_role),
            Staff.staff_number,
            numbers,
            Staff.organisation_id == organisation.id,
        )
    }
    # Every relationship of the senior leaders named, in a few queries rather than one per row.
    leader_ids = {staff[r.leader_number].id for r in rows if r.leader_number in staff}
    relationship = MentoringRelationship
    existing, of_pair = {}, {}
    for found in bulk.select_among(
        (
            relationship.id,
            relationship.leader_id,
            relationship.colleague_id,
            relationship.kind,
            relationship.start_date,
            relationship.end_date,
        ),
        relationship.leader_id,
        leader_ids,
    ):
        existing[_key(found.leader_id, found.colleague_id, found.kind, found.start_date)] = found
        of_pair.setdefault((found.leader_id, found.colleague_id), []).append(found)

    def overlapping(leader_id, colleague_id, start, end, except_id) -> bool:
        # services._overlapping's query, over the relationships read above.
        return any(
            (found.end_date is None or found.end_date >= start)
            and (end is None or found.start_date <= end)
            and not (except_id and found.id == except_id)
            for found in of_pair.get((leader_id, colleague_id), ())
        )

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
        found = existing.get(_key(leader.id, colleague.id, row.kind, row.start_date))
        for field, message in services.validate_relationship(
            leader,
            colleague,
            row.kind,
            row.start_date,
            row.end_date,
            found.id if found else None,
            overlapping,
        ):
            problems.append(Problem(row.line, _COLUMN_OF_FIELD.get(field, field), message))
        matched.append((row, leader, colleague, found))
    if problems:
        raise ImportRefused(problems)

    record = start_import(organisation.id, "mentoring", filename, source, actor)
    record.date_formats = describe_date_formats(formats)
    _apply(organisation.id, record, matched, actor)
    return record


def _apply(organisation_id: int, record: DataImport, matched: list, actor) -> None:
    # The imported sessions the relationships already have: a last session date imported before
    # is not added twice.
    held = {
        (relationship_id, held_on)
        for relationship_id, held_on in bulk.select_among(
            (MentoringSession.relationship_id, MentoringSession.held_on),
            MentoringSession.relationship_id,
            [found.id for row, _l, _c, found in matched if found and row.last_session_date],
            MentoringSession.imported.is_(True),
        )
    }
    now = utcnow()
    new, end_dates = [], []
    for row, leader, colleague, found in matched:
        if found is None:
            new.append(
                {
                    "organisation_id": organisation_id,
                    "leader_id": leader.id,
                    "colleague_id": colleague.id,
                    "kind": row.kind,
                    "start_date": row.start_date,
                    "end_date": row.end_date,
                    "agreement": "",
                    "created_by_id": getattr(actor, "id", None),
                    "created_at": now,
                    "version": 1,
                }
            )
        elif found.end_date != row.end_date:
            end_dates.append({"_id": found.id, "end_date": row.end_date})
    # Relationships are versioned rows: the chain's lock first (app/versioning.py).
    audit.lock_chain(organisation_id)
    table = MentoringRelationship.__table__
    bulk.insert_rows(table, new)
    bulk.update_rows(table, end_dates)
    ids = {}
    if new:
        added = {_key(r["leader_id"], r["colleague_id"], r["kind"], r["start_date"]) for r in new}
        for found in bulk.select_among(
            (table.c.id, table.c.leader_id, table.c.colleague_id, table.c.kind, table.c.start_date),
            table.c.leader_id,
            {r["leader_id"] for r in new},
            table.c.organisation_id == organisation_id,
        ):
            key = _key(found.leader_id, found.colleague_id, found.kind, found.start_date)
            if key in added:
                ids[key] = found.id

    sessions, changes = [], audit.ChangeLog()
    added = updated = unchanged = 0
    for row, leader, colleague, found in matched:
        relationship_id = (
            found.id if found else ids[_key(leader.id, colleague.id, row.kind, row.start_date)]
        )
        session = row.last_session_date
        if session and (relationship_id, session) in held:
            session = None
        if session:
            sessions.append(
                {
                    "relationship_id": relationship_id,
                    "held_on": session,
                    "minutes": None,
                    "format": "in-person",
                    "summary": IMPORTED_SUMMARY,
                    "imported": True,
                    "created_by_id": None,
                    "created_at": now,
                }
            )
        # What the relationship is (or became), for the audit trail: the relationship's page
        # shows the import's entry from these (queries.relationship_history).
        change = {
            "relationship_id": relationship_id,
            "line": row.line,
            "mentor_staff_number": row.leader_number,
            "mentee_staff_number": row.colleague_number,
            "type": row.kind,
            "start_date": row.start_date,
            "end_date": row.end_date,
        }
        if found is None:
            added += 1
            changes.add({**change, "change": "added", "session_added": session})
        elif found.end_date != row.end_date or session:
            updated += 1
            fields = {"end_date": [found.end_date, row.end_date]}
            if found.end_date == row.end_date:
                fields = {}
            changes.add({**change, "change": "updated", "fields": fields, "session_added": session})
        else:
            unchanged += 1
    bulk.insert_rows(MentoringSession.__table__, sessions)
    record.rows_added, record.rows_updated, record.rows_unchanged = added, updated, unchanged
    finish_import(record, actor, changes)
