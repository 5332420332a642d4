"""Reading the ESR staff extract (INTERFACES.md, "Staff"). Pure: no Flask, no database.

Every row is checked and every problem kept, so HR sees the whole list at once.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from app.csvimport import ImportRefused, Problem, Row, read_rows
from app.workforce import pay
from app.workforce.bands import BandError, parse_band, parse_board_role, parse_staff_group
from app.workforce.ethnicity import EthnicityError, parse_ethnicity

COLUMNS = (
    "staff_number",
    "organisation_code",
    "full_name",
    "email",
    "ethnic_category",
    "pay_band",
    "staff_group",
    "board_member",
    "board_voting",
    "start_date",
    "leaving_date",
    *pay.COLUMNS,  # pay gap hook: optional pay columns, read by app/workforce/pay.py
)
REQUIRED = ("staff_number", "pay_band", "staff_group")
# What the staff table holds; other columns are codes, at most csvimport.DEFAULT_MAX_LENGTH.
MAX_LENGTHS = {"staff_number": 30, "email": 254, "full_name": 200}


@dataclass(frozen=True, slots=True)
class StaffRow:
    line: int
    staff_number: str
    organisation_code: str  # upper-case; "" when the file leaves it out
    full_name: str
    email: str | None
    ethnic_category: str
    pay_band: str | None
    staff_group: str
    board_role: str | None
    board_voting: bool
    start_date: date | None
    leaving_date: date | None
    # Pay gap hook: hourly pay (None when not given); pay_in_file False when the extract has no
    # pay column at all, so its import leaves pay as it was.
    hourly_pay: Decimal | None = None
    pay_in_file: bool = False


def _looks_like_email(text: str) -> bool:
    local, at, domain = text.partition("@")
    return bool(at and local and "." in domain and " " not in text and "@" not in domain)


def _parse_row(row: Row) -> StaffRow | None:
    staff_number = row.required("staff_number", "the person's ESR staff number")
    email = row.text("email").lower() or None
    if email and not _looks_like_email(email):
        row.problem("email", f"{email!r} is not an email address: expected name@example.nhs.uk")
    try:
        ethnic_category = parse_ethnicity(row.text("ethnic_category")).code
    except EthnicityError as exc:
        row.problem("ethnic_category", str(exc))
        ethnic_category = ""
    try:
        board_role = parse_board_role(row.text("board_member"))
    except BandError as exc:
        row.problem("board_member", str(exc))
        board_role = None
    pay_band = None
    if row.text("pay_band"):
        try:
            pay_band = parse_band(row.text("pay_band"))
        except BandError as exc:
            row.problem("pay_band", str(exc))
    elif board_role != "non-executive":
        row.problem(
            "pay_band",
            "is blank: expected a pay band (only a non-executive director may have none)",
        )
    staff_group = ""
    try:
        staff_group = parse_staff_group(row.text("staff_group"))
    except BandError as exc:
        row.problem("staff_group", str(exc))
    board_voting = row.yes_no("board_voting")
    if board_voting and board_role is None:
        row.problem(
            "board_voting",
            "is yes, but board_member is blank: expected Executive or "
            "Non-executive for a voting board member",
        )
    start_date = row.date("start_date")
    leaving_date = row.date("leaving_date")
    if start_date and leaving_date and leaving_date < start_date:
        row.problem(
            "leaving_date",
            f"{leaving_date.isoformat()} is before the start date "
            f"{start_date.isoformat()}: expected a date on or after it",
        )
    hourly_pay = pay.parse_pay(row)  # pay gap hook
    if row.problems:
        return None
    return StaffRow(
        line=row.line,
        staff_number=staff_number,
        organisation_code=row.text("organisation_code").upper(),
        full_name=row.text("full_name"),
        email=email,
        ethnic_category=ethnic_category,
        pay_band=pay_band,
        staff_group=staff_group,
        board_role=board_role,
        board_voting=board_voting,
        start_date=start_date,
        leaving_date=leaving_date,
        hourly_pay=hourly_pay,
        pay_in_file=pay.in_file(row),
    )


def parse_staff_file(
    data: bytes, progress: Callable[[int], None] | None = None
) -> tuple[list[StaffRow], list[Problem]]:
    """All readable rows, and every problem found. File-level problems raise ImportRefused."""
    rows: list[StaffRow] = []
    problems: list[Problem] = []
    first_line_of: dict[str, int] = {}
    email_line: dict[str, int] = {}
    for raw in read_rows(data, REQUIRED, COLUMNS, MAX_LENGTHS):
        parsed = _parse_row(raw)
        number = raw.text("staff_number")
        if number:
            if number in first_line_of:
                raw.problem(
                    "staff_number",
                    f"{number} appears again: it is first on line "
                    f"{first_line_of[number]}; expected each staff "
                    "number once",
                )
            else:
                first_line_of[number] = raw.line
        email = raw.text("email").lower()
        if email:
            if email in email_line:
                raw.problem(
                    "email",
                    f"{email} is also on line {email_line[email]}: an email "
                    "links one staff record to a login, so it must be unique",
                )
            else:
                email_line[email] = raw.line
        problems.extend(raw.problems)
        if parsed is not None and not raw.problems:
            rows.append(parsed)
        if progress:
            progress(1)
    if not rows and not problems:
        problems.append(Problem(0, "", "the file has a header row but no staff rows"))
    return rows, problems


__all__ = ["COLUMNS", "REQUIRED", "ImportRefused", "StaffRow", "parse_staff_file"]
