"""Reading the mentoring relationships file (INTERFACES.md). Pure: no Flask, no database."""

from dataclasses import dataclass
from datetime import date

from app.csvimport import Problem, read_rows
from app.mentoring.eligibility import TYPES

COLUMNS = (
    "mentor_staff_number",
    "mentee_staff_number",
    "type",
    "start_date",
    "end_date",
    "last_session_date",
)
REQUIRED = ("mentor_staff_number", "mentee_staff_number", "type", "start_date")
MAX_LENGTHS = {"mentor_staff_number": 30, "mentee_staff_number": 30}


@dataclass(frozen=True, slots=True)
class MentoringRow:
    line: int
    leader_number: str
    colleague_number: str
    kind: str
    start_date: date
    end_date: date | None
    last_session_date: date | None


def parse_mentoring_file(data: bytes, today: date) -> tuple[list[MentoringRow], list[Problem]]:
    rows, problems = [], []
    for raw in read_rows(data, REQUIRED, COLUMNS, MAX_LENGTHS):
        leader = raw.required("mentor_staff_number", "the senior leader's staff number")
        colleague = raw.required("mentee_staff_number", "the colleague's staff number")
        kind = raw.text("type").lower().replace(" ", "-").replace("_", "-")
        if kind not in TYPES:
            raw.problem(
                "type",
                f"{raw.text('type')!r} is not a type: expected mentoring, "
                "reverse-mentoring or sponsorship",
            )
        start = raw.date("start_date")
        if start is None and not raw.text("start_date"):
            raw.problem("start_date", "is blank: expected the date the relationship started")
        end = raw.date("end_date")
        if start and end and end < start:
            raw.problem(
                "end_date",
                f"{end.isoformat()} is before the start date "
                f"{start.isoformat()}: expected a date on or after it",
            )
        session = raw.date("last_session_date")
        if session and start and session < start:
            raw.problem(
                "last_session_date",
                "is before the relationship started: expected a date on or after the start date",
            )
        if session and session > today:
            raw.problem("last_session_date", f"{session.isoformat()} is in the future")
        if session and end and session > end:
            raw.problem("last_session_date", "is after the relationship ended")
        if leader and colleague and leader == colleague:
            raw.problem("mentee_staff_number", "is the same person as the mentor")
        problems.extend(raw.problems)
        if not raw.problems:
            rows.append(MentoringRow(raw.line, leader, colleague, kind, start, end, session))
    # Each row against the earlier rows of the same two people only: a file of thousands of
    # rows is not compared pair by pair.
    earlier_of_pair: dict[tuple[str, str], list[MentoringRow]] = {}
    for row in rows:
        earlier_rows = earlier_of_pair.setdefault((row.leader_number, row.colleague_number), [])
        for earlier in earlier_rows:
            overlap = earlier.start_date <= (row.end_date or date.max) and row.start_date <= (
                earlier.end_date or date.max
            )
            if overlap:
                problems.append(
                    Problem(
                        row.line,
                        "start_date",
                        "the same two people have a "
                        f"relationship on line {earlier.line} with overlapping "
                        "dates: expected one relationship at a time",
                    )
                )
                break
        earlier_rows.append(row)
    if not rows and not problems:
        problems.append(Problem(0, "", "the file has a header row but no relationships"))
    return rows, problems
