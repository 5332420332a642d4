"""Applying the disciplinary and training files: all rows or none, set-based.

A year of training records at a large trust is about 200,000 rows, so rows are read, looked up and
written a chunk at a time: one SELECT of the chunk's staff numbers (bulk.CHUNK values at most, far
below PostgreSQL's 65,535 parameters), then one INSERT ... ON CONFLICT DO UPDATE of the chunk, sent
with the driver's executemany, which updates a known row only when it changed. All or nothing comes
from the transaction: once any row has a problem nothing more is written, every remaining row is
still checked, and ImportRefused makes the caller roll back what was written. The counts come from
the table afterwards (rows this import wrote carry its id), and one audit entry per import records
them.
"""

from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime

from sqlalchemy import func, select

from app.bulk import chunks
from app.csvimport import ImportRefused, Problem
from app.extensions import db
from app.import_history import DataImport, finish_import, start_import
from app.timeutil import today_london, utcnow
from app.workforce.models import Staff
from app.wres_return import files
from app.wres_return.models import DisciplinaryCase, TrainingRecord


def staff_ids(organisation_id: int, numbers: Iterable[str]) -> dict[str, int]:
    """Staff number -> id for the organisation, in bounded lookups."""
    found: dict[str, int] = {}
    for chunk in chunks(sorted(set(numbers))):
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
    model,
    entries: Iterator,
    write_chunk: Callable,
    filename: str,
    source: str,
    actor,
    empty_message: str,
) -> DataImport:
    record = start_import(organisation.id, kind, filename, source, actor)
    before = _count(model, organisation.id)
    problems: list[Problem] = []
    seen = 0
    for chunk in chunks(entries):
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
        if not problems and rows:
            write_chunk(organisation.id, record, rows, ids)
    if problems:
        raise ImportRefused(problems)
    if not seen:
        raise ImportRefused([Problem(0, "", empty_message)])
    # Every row written by this import carries its id: new ones, and changed ones.
    record.rows_added = _count(model, organisation.id) - before
    written = _count(model, organisation.id, model.data_import_id == record.id)
    record.rows_updated = written - record.rows_added
    record.rows_unchanged = seen - written
    return finish_import(record, actor)


def _upsert(table, columns: list[str], rows: list[tuple], key: list[str], changing: list[str]):
    """INSERT ... ON CONFLICT (key) DO UPDATE the changing columns, only where one of them
    differs: an unchanged row is neither written nor stamped with this import, which is how the
    counts are told apart afterwards. The statement is plain SQL that PostgreSQL and SQLite read
    alike, sent with the driver's own executemany (psycopg pipelines it): building the
    statement through SQLAlchemy cost more per row than the database's work."""
    connection = db.session.connection()
    mark = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    updated = [*changing, "data_import_id", "updated_at"]
    # Table and column names are this module's constants; every value is a bound parameter.
    sql = (
        f"INSERT INTO {table.name} ({', '.join(columns)}) "  # noqa: S608
        f"VALUES ({', '.join([mark] * len(columns))}) "
        f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET "
        + ", ".join(f"{name} = excluded.{name}" for name in updated)
        + " WHERE "
        + " OR ".join(f"{table.name}.{name} <> excluded.{name}" for name in changing)
    )
    if mark == "?":
        # As SQLAlchemy stores them on SQLite, without sqlite3's default adapters (deprecated
        # from Python 3.12).
        rows = [tuple(_sqlite_value(v) for v in row) for row in rows]
    connection.exec_driver_sql(sql, rows)


def _sqlite_value(value):
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _write_cases(organisation_id: int, record: DataImport, rows, ids) -> None:
    now = utcnow()
    _upsert(
        DisciplinaryCase.__table__,
        [
            "organisation_id",
            "case_reference",
            "staff_id",
            "investigation_start_date",
            "data_import_id",
            "updated_at",
        ],
        [
            (
                organisation_id,
                row.case_reference,
                ids[row.staff_number],
                row.investigation_start_date,
                record.id,
                now,
            )
            for row in rows
        ],
        ["organisation_id", "case_reference"],
        ["staff_id", "investigation_start_date"],
    )


def _write_training(organisation_id: int, record: DataImport, rows, ids) -> None:
    now = utcnow()
    _upsert(
        TrainingRecord.__table__,
        [
            "organisation_id",
            "staff_id",
            "course",
            "start_date",
            "mandatory",
            "data_import_id",
            "updated_at",
        ],
        [
            (
                organisation_id,
                ids[row.staff_number],
                row.course,
                row.start_date,
                row.mandatory,
                record.id,
                now,
            )
            for row in rows
        ],
        ["organisation_id", "staff_id", "course", "start_date"],
        ["mandatory"],
    )


def _count(model, organisation_id: int, *where) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(model)
        .where(model.organisation_id == organisation_id, *where)
    )


def import_disciplinary(
    organisation, data: bytes, filename: str, source: str, actor=None
) -> DataImport:
    """Case starts matched on their case reference: a new reference is added, a known one is
    updated when its staff number or date changed."""
    return _apply(
        organisation,
        "disciplinary",
        DisciplinaryCase,
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
        TrainingRecord,
        files.read_training(data, today_london()),
        _write_training,
        filename,
        source,
        actor,
        "the file has a header row but no training records",
    )
