"""Reading the disciplinary cases and training records files (INTERFACES.md). Pure: no Flask, no
database.

Each reader yields one entry per data row, (the row or None, its problems), as it reads, so an
import can look rows up and write them in chunks without holding a year of training records as
objects. Problems that need the whole file (a case reference or a training record given twice)
are found here too, against what was read before.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from app.csvimport import Problem, Row, read_rows
from app.wres_return.models import CASE_REFERENCE_LENGTH, COURSE_LENGTH

DISCIPLINARY_COLUMNS = ("case_reference", "staff_number", "investigation_start_date")
TRAINING_COLUMNS = ("staff_number", "course", "start_date", "mandatory")
STAFF_NUMBER_LENGTH = 30


@dataclass(frozen=True, slots=True)
class CaseRow:
    line: int
    case_reference: str
    staff_number: str
    investigation_start_date: date


@dataclass(frozen=True, slots=True)
class TrainingRow:
    line: int
    staff_number: str
    course: str
    start_date: date
    mandatory: bool


def _past_date(raw: Row, column: str, what: str, today: date) -> date | None:
    if not raw.text(column):
        raw.problem(column, f"is blank: expected {what}")
        return None
    day = raw.date(column)
    if day is not None and day > today:
        raw.problem(
            column,
            f"{day.isoformat()} is in the future: expected {what}, on or before "
            f"{today.isoformat()}",
        )
        return None
    return day


def read_disciplinary(data: bytes, today: date) -> Iterator[tuple[CaseRow | None, list[Problem]]]:
    first_line: dict[str, int] = {}
    rows = read_rows(
        data,
        DISCIPLINARY_COLUMNS,
        DISCIPLINARY_COLUMNS,
        {"case_reference": CASE_REFERENCE_LENGTH, "staff_number": STAFF_NUMBER_LENGTH},
    )
    for raw in rows:
        reference = raw.required("case_reference", "the case reference")
        number = raw.required("staff_number", "the staff number of the member of staff")
        started = _past_date(
            raw,
            "investigation_start_date",
            "the day the formal disciplinary investigation began",
            today,
        )
        if reference is not None and not raw.problems:
            earlier = first_line.setdefault(reference, raw.line)
            if earlier != raw.line:
                raw.problem(
                    "case_reference",
                    f"{reference!r} is also on line {earlier}: expected each case once",
                )
        if raw.problems:
            yield None, raw.problems
        else:
            yield CaseRow(raw.line, reference, number, started), []


def _mandatory(raw: Row) -> bool | None:
    if not raw.text("mandatory"):
        raw.problem(
            "mandatory",
            "is blank: expected Y or N (whether the course is mandatory; only "
            "non-mandatory courses count for indicator 4)",
        )
        return None
    return raw.yes_no("mandatory")


def read_training(data: bytes, today: date) -> Iterator[tuple[TrainingRow | None, list[Problem]]]:
    first_line: dict[tuple, int] = {}
    rows = read_rows(
        data,
        TRAINING_COLUMNS,
        TRAINING_COLUMNS,
        {"course": COURSE_LENGTH, "staff_number": STAFF_NUMBER_LENGTH},
    )
    for raw in rows:
        number = raw.required("staff_number", "the staff number of the member of staff")
        course = raw.required("course", "the course name or code")
        started = _past_date(raw, "start_date", "the date the course started", today)
        mandatory = _mandatory(raw)
        if not raw.problems:
            earlier = first_line.setdefault((number, course, started), raw.line)
            if earlier != raw.line:
                raw.problem(
                    "course",
                    f"staff number {number} starting {course!r} on {started.isoformat()} is "
                    f"also on line {earlier}: expected each person's course and start date once",
                )
        if raw.problems:
            yield None, raw.problems
        else:
            yield TrainingRow(raw.line, number, course, started, mandatory), []
