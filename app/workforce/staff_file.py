"""Reading the ESR staff extract (INTERFACES.md, "Staff"). Pure: no Flask, no database.

Every row is checked and every problem kept, so HR sees the whole list at once.
"""

import hashlib
from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from app.csvimport import INVALID, ImportRefused, Parsed, Problem, Records, Row, parse_date
from app.csvimport import parse_yes_no as _parse_yes_no
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


# A tuple rather than a dataclass: a national extract makes 320,000 of them.
class StaffRow(NamedTuple):
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
    digest: str | None = None  # row_digest of the row's text


class StaffFile(NamedTuple):
    rows: list[StaffRow]  # the rows read
    problems: list[Problem]
    unchanged: int  # rows not read again: their text is what their record was read from
    codes: set[str]  # the organisation codes those rows name (upper-case; "" for blank)


# Part of every row's digest: change it whenever what a row's text reads as could change (the
# rules here and in bands, ethnicity, pay and csvimport), so every row is read again once.
READING = "staff-1"


def row_digest(layout: str, values: tuple) -> str:
    """A stable digest (not Python's salted hash) of a row's raw values, one per known column
    (as csvimport.Records gives them), and of the file's `layout` (file_layout)."""
    return _digest("\x1f".join(values), _layout_key(layout))


def _digest(joined: str, key: bytes) -> str:
    return hashlib.blake2b(joined.encode(), digest_size=16, person=key).hexdigest()


def _layout_key(layout: str) -> bytes:
    # BLAKE2's personalisation: the layout is part of every digest at no cost per row.
    return hashlib.blake2b(layout.encode(), digest_size=16).digest()


def file_layout(present: frozenset[str]) -> str:
    """Which known columns the file has: the same text reads differently without them (a file
    without pay columns leaves pay as it was, one with blank pay columns clears it)."""
    return READING + ":" + ",".join(c for c in COLUMNS if c in present)


def _looks_like_email(text: str) -> bool:
    local, at, domain = text.partition("@")
    return bool(at and local and "." in domain and " " not in text and "@" not in domain)


class _Rules:
    """The rules of _parse_row for a clean row, as lookups of each cell's raw text (an extract
    repeats the same few spellings and dates). It returns None for any row it does not plainly
    accept; _parse_row then reads that row and words its problems."""

    def __init__(self, present: frozenset[str]):
        self.ethnicity = Parsed(lambda text: parse_ethnicity(text).code)
        self.band = Parsed(parse_band)
        self.group = Parsed(parse_staff_group)
        self.board = Parsed(parse_board_role)
        self.yes_no = Parsed(_parse_yes_no)
        self.date = Parsed(lambda text: parse_date(text) if text else None)
        self.pay_columns = [(c, COLUMNS.index(c)) for c in pay.COLUMNS if c in present]

    def __call__(self, line: int, v: tuple, digest: str | None = None) -> StaffRow | None:
        staff_number = v[0].strip()
        if not staff_number:
            return None
        email = v[3].strip().lower() or None
        if email and not _looks_like_email(email):
            return None
        ethnic_category = self.ethnicity[v[4]]
        board_role = self.board[v[7]]
        staff_group = self.group[v[6]]
        board_voting = self.yes_no[v[8]]
        start_date = self.date[v[9]]
        leaving_date = self.date[v[10]]
        if INVALID in (ethnic_category, board_role, staff_group, board_voting):
            return None
        if start_date is INVALID or leaving_date is INVALID:
            return None
        if v[5].strip():
            pay_band = self.band[v[5]]
            if pay_band is INVALID:
                return None
        elif board_role == "non-executive":
            pay_band = None
        else:
            return None
        if board_voting and board_role is None:
            return None
        if start_date and leaving_date and leaving_date < start_date:
            return None
        hourly_pay = None
        if self.pay_columns:
            cells = Row(line, {c: v[i] for c, i in self.pay_columns})
            hourly_pay = pay.parse_pay(cells)
            if cells.problems:
                return None
        return StaffRow(
            line,
            staff_number,
            v[1].strip().upper(),
            v[2].strip(),
            email,
            ethnic_category,
            pay_band,
            staff_group,
            board_role,
            board_voting,
            start_date,
            leaving_date,
            hourly_pay,
            bool(self.pay_columns),
            digest,
        )


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
    data: bytes,
    progress: Callable[[int], None] | None = None,
    known: Mapping[str, str | None] | None = None,
) -> StaffFile:
    """All readable rows, and every problem found. File-level problems raise ImportRefused.

    `known`: the row digest of each staff number's record, where it has one. A row whose
    digest is its staff number's is not read again (it reads as its record already is): it is
    counted in `unchanged` and its organisation code kept in `codes`, for the caller to check as
    it checks the rows read. The checks between rows (each staff number and email once) and the
    layouts of its dates are still taken, so the rows, problems and date layouts noted are the
    same as reading every row."""
    rows: list[StaffRow] = []
    problems: list[Problem] = []
    first_line_of: dict[str, int] = {}
    email_line: dict[str, int] = {}
    records = Records(data, REQUIRED, COLUMNS, MAX_LENGTHS, joined=True)
    rules = _Rules(records.present)
    key = _layout_key(file_layout(records.present))
    known = known or {}
    dates = rules.date
    # The keyed hash begun once and copied a row: cheaper than making it from its arguments.
    keyed = hashlib.blake2b(digest_size=16, person=key).copy
    read = unchanged = 0
    codes: set[str] = set()
    for line, values, joined in records:
        # The digest of `joined`, as row_digest has it. A digest found is a clean row's (the
        # unit separators between the values are the only control characters in its text).
        row_hash = keyed()
        row_hash.update(joined.encode())
        digest = row_hash.hexdigest()
        number = values[0].strip()
        if digest == known.get(number):
            email = values[3].strip().lower()
            if (
                number not in first_line_of
                and email not in email_line
                # The dates' layouts are noted as reading them would (they read before).
                and dates[values[9]] is not INVALID
                and dates[values[10]] is not INVALID
            ):
                first_line_of[number] = line
                if email:
                    email_line[email] = line
                codes.add(values[1])
                unchanged += 1
                read += 1
                if progress and read >= PROGRESS_EVERY:
                    progress(read)
                    read = 0
                continue
        parsed = rules(line, values, digest) if records.clean(values) else None
        if parsed is not None:
            number, email = parsed.staff_number, parsed.email
            if number not in first_line_of and (email is None or email not in email_line):
                first_line_of[number] = line
                if email:
                    email_line[email] = line
                rows.append(parsed)
                read += 1
                if progress and read >= PROGRESS_EVERY:
                    progress(read)
                    read = 0
                continue
        raw = records.row(line, values)
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
            rows.append(parsed._replace(digest=digest))
        read += 1
    if progress and read:
        progress(read)
    if not rows and not unchanged and not problems:
        problems.append(Problem(0, "", "the file has a header row but no staff rows"))
    return StaffFile(rows, problems, unchanged, {code.strip().upper() for code in codes})


# Progress is counted in steps: a call per row would cost more than reading it.
PROGRESS_EVERY = 1000


__all__ = [
    "COLUMNS",
    "REQUIRED",
    "ImportRefused",
    "StaffFile",
    "StaffRow",
    "parse_staff_file",
    "row_digest",
]
