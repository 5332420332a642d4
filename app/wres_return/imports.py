"""Applying the disciplinary and training files: all rows or none, set-based.

A year of training records at a large trust is about 200,000 rows, so rows are read, looked up
and written a chunk at a time: one SELECT of the chunk's staff numbers, one of the records it
may already hold, one multi-row INSERT and one executemany UPDATE per chunk. No statement binds
more than CHUNK values, far below PostgreSQL's 65,535 parameters. All or nothing comes from the
transaction: once any row has a problem nothing more is written, every remaining row is still
checked, and ImportRefused makes the caller roll back what was written. One audit entry per
import records its counts.
"""

from collections.abc import Callable, Iterable, Iterator
from itertools import islice

from sqlalchemy import bindparam, insert, select, tuple_, update

from app.csvimport import ImportRefused, Problem
from app.extensions import db
from app.import_history import DataImport, finish_import, start_import
from app.timeutil import today_london, utcnow
from app.workforce.models import Staff
from app.wres_return import files
from app.wres_return.models import DisciplinaryCase, TrainingRecord

CHUNK = 5000


def _chunks(entries: Iterable, size: int = CHUNK) -> Iterator[list]:
    iterator = iter(entries)
    while chunk := list(islice(iterator, size)):
        yield chunk


def staff_ids(organisation_id: int, numbers: Iterable[str]) -> dict[str, int]:
    """Staff number -> id for the organisation, in bounded lookups."""
    found: dict[str, int] = {}
    for chunk in _chunks(sorted(set(numbers))):
        found.update(
            db.session.execute(
                select(Staff.staff_number, Staff.id).where(
                    Staff.organisation_id == organisation_id, Staff.staff_number.in_(chunk)
                )
            ).all()
        )
    return found


def _apply(
    organisation,
    kind: str,
    entries: Iterator,
    write_chunk: Callable,
    filename: str,
    source: str,
    actor,
    empty_message: str,
) -> DataImport:
    record = start_import(organisation.id, kind, filename, source, actor)
    problems: list[Problem] = []
    seen = 0
    for chunk in _chunks(entries):
        rows = []
        for row, row_problems in chunk:
            problems.extend(row_problems)
            if row is not None:
                rows.append(row)
        seen += len(chunk)
        ids = staff_ids(organisation.id, (r.staff_number for r in rows))
        for row in rows:
            if row.staff_number not in ids:
                problems.append(
                    Problem(
                        row.line,
                        "staff_number",
                        f"there is no staff member {row.staff_number} in {organisation.code}: "
                        "import the staff extract that includes them first",
                    )
                )
        if not problems:
            write_chunk(organisation.id, record, rows, ids)
    if problems:
        raise ImportRefused(problems)
    if not seen:
        raise ImportRefused([Problem(0, "", empty_message)])
    return finish_import(record, actor)


def _write_cases(organisation_id: int, record: DataImport, rows, ids) -> None:
    table = DisciplinaryCase.__table__
    existing = {
        reference: (case_id, staff_id, started)
        for case_id, reference, staff_id, started in db.session.execute(
            select(
                table.c.id,
                table.c.case_reference,
                table.c.staff_id,
                table.c.investigation_start_date,
            ).where(
                table.c.organisation_id == organisation_id,
                table.c.case_reference.in_([r.case_reference for r in rows]),
            )
        )
    }
    now = utcnow()
    added, changed = [], []
    for row in rows:
        staff_id = ids[row.staff_number]
        found = existing.get(row.case_reference)
        if found is None:
            added.append(
                {
                    "organisation_id": organisation_id,
                    "case_reference": row.case_reference,
                    "staff_id": staff_id,
                    "investigation_start_date": row.investigation_start_date,
                    "data_import_id": record.id,
                    "updated_at": now,
                }
            )
        elif found[1:] != (staff_id, row.investigation_start_date):
            changed.append(
                {
                    "case_id": found[0],
                    "staff": staff_id,
                    "started": row.investigation_start_date,
                    "import_id": record.id,
                    "now": now,
                }
            )
    if added:
        db.session.execute(insert(table), added)
    if changed:
        db.session.execute(
            update(table)
            .where(table.c.id == bindparam("case_id"))
            .values(
                staff_id=bindparam("staff"),
                investigation_start_date=bindparam("started"),
                data_import_id=bindparam("import_id"),
                updated_at=bindparam("now"),
            ),
            changed,
        )
    record.rows_added += len(added)
    record.rows_updated += len(changed)
    record.rows_unchanged += len(rows) - len(added) - len(changed)


def _write_training(organisation_id: int, record: DataImport, rows, ids) -> None:
    table = TrainingRecord.__table__
    keys = {(ids[r.staff_number], r.course, r.start_date) for r in rows}
    # Only the records this chunk names (three values each: 15,000 bound values at most).
    existing = {
        (staff_id, course, started): (record_id, mandatory)
        for staff_id, course, started, record_id, mandatory in db.session.execute(
            select(
                table.c.staff_id, table.c.course, table.c.start_date, table.c.id, table.c.mandatory
            ).where(
                table.c.organisation_id == organisation_id,
                tuple_(table.c.staff_id, table.c.course, table.c.start_date).in_(sorted(keys)),
            )
        )
    }
    now = utcnow()
    added, changed = [], []
    for row in rows:
        key = (ids[row.staff_number], row.course, row.start_date)
        found = existing.get(key)
        if found is None:
            added.append(
                {
                    "organisation_id": organisation_id,
                    "staff_id": key[0],
                    "course": row.course,
                    "start_date": row.start_date,
                    "mandatory": row.mandatory,
                    "data_import_id": record.id,
                    "updated_at": now,
                }
            )
        elif found[1] != row.mandatory:
            changed.append(
                {"record_id": found[0], "flag": row.mandatory, "import_id": record.id, "now": now}
            )
    if added:
        db.session.execute(insert(table), added)
    if changed:
        db.session.execute(
            update(table)
            .where(table.c.id == bindparam("record_id"))
            .values(
                mandatory=bindparam("flag"),
                data_import_id=bindparam("import_id"),
                updated_at=bindparam("now"),
            ),
            changed,
        )
    record.rows_added += len(added)
    record.rows_updated += len(changed)
    record.rows_unchanged += len(rows) - len(added) - len(changed)


def import_disciplinary(
    organisation, data: bytes, filename: str, source: str, actor=None
) -> DataImport:
    """Case starts matched on their case reference: a new reference is added, a known one is
    updated when its staff number or date changed."""
    return _apply(
        organisation,
        "disciplinary",
        files.read_disciplinary(data, today_london()),
        _write_cases,
        filename,
        source,
        actor,
        "the file has a header row but no cases",
    )


def import_training(
    organisation, data: bytes, filename: str, source: str, actor=None
) -> DataImport:
    """Training records matched on staff number, course and start date: a new one is added, a
    known one is updated when its mandatory flag changed."""
    return _apply(
        organisation,
        "training",
        files.read_training(data, today_london()),
        _write_training,
        filename,
        source,
        actor,
        "the file has a header row but no training records",
    )
