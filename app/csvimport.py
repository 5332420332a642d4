"""Reading import files (INTERFACES.md): decoding, headers, yes/no and dates, with problems that
name the line and column. Pure: no Flask, no database; each feature's import builds on it.

An import is all or nothing, so nothing here stops at the first problem: every problem in the file
is collected and reported together.
"""

import contextlib
import contextvars
import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date

MAX_PROBLEMS_SHOWN = 500
# No cell of any import is free prose: a longer value is a mistake (or an attack), and the csv
# module's own limit would otherwise surface as an exception rather than a problem.
MAX_FIELD_CHARACTERS = 131_072
DEFAULT_MAX_LENGTH = 200
# C0 and C1 control characters and DEL. A reference with CR/LF once reached an email subject;
# NUL is refused by PostgreSQL. Values are data, so none of these belong in them.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROL_NAMES = {
    "\r": "a carriage return",
    "\n": "a line break",
    "\t": "a tab",
    "\x00": "a NUL byte",
}

# Background imports report how many rows have been read; the pure readers stay unaware of where
# that goes.
_row_progress: contextvars.ContextVar[Callable[[int], None] | None] = contextvars.ContextVar(
    "row_progress", default=None
)


@contextlib.contextmanager
def reporting_progress(callback: Callable[[int], None]) -> Iterator[None]:
    """Call `callback(line)` for each row read_rows yields inside the block."""
    token = _row_progress.set(callback)
    try:
        yield
    finally:
        _row_progress.reset(token)


def control_character(text: str) -> str | None:
    """A description of the first control character in `text`, or None if it has none."""
    found = _CONTROL.search(text)
    if found is None:
        return None
    char = found.group()
    name = _CONTROL_NAMES.get(char, f"the control character U+{ord(char):04X}")
    return f"{name} at character {found.start() + 1}"


@dataclass(frozen=True, order=True)
class Problem:
    line: int  # 1 is the header row, as a spreadsheet numbers it
    column: str
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" if self.line else "file"
        if self.column:
            where += f", column {self.column}"
        return f"{where}: {self.message}"


class ImportRefused(Exception):
    """The file has problems; nothing was written."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = sorted(problems)
        super().__init__(f"{len(self.problems)} problem(s) in the file; nothing was imported")


def normalise_header(name: str) -> str:
    """Headers match case-insensitively, ignoring outer spaces; spaces and underscores alike."""
    return "_".join(name.strip().lower().replace("_", " ").split())


@dataclass
class Row:
    line: int
    values: dict[str, str]
    problems: list[Problem] = field(default_factory=list)

    def text(self, column: str) -> str:
        return (self.values.get(column) or "").strip()

    def problem(self, column: str, message: str) -> None:
        self.problems.append(Problem(self.line, column, message))

    def required(self, column: str, what: str) -> str | None:
        value = self.text(column)
        if not value:
            self.problem(column, f"is blank: expected {what}")
            return None
        return value

    def date(self, column: str) -> date | None:
        value = self.text(column)
        if not value:
            return None
        try:
            return parse_date(value)
        except ValueError as exc:
            self.problem(column, str(exc))
            return None

    def yes_no(self, column: str) -> bool:
        try:
            return parse_yes_no(self.text(column))
        except ValueError as exc:
            self.problem(column, str(exc))
            return False


_MONTHS = {
    name: number
    for number, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"),
        start=1,
    )
}
_UK_DATE = re.compile(r"(\d{2})/(\d{2})/(\d{4})")
_ESR_DATE = re.compile(r"(\d{2})-([A-Za-z]{3})-(\d{4})")


def parse_date(text: str) -> date:
    """YYYY-MM-DD, UK DD/MM/YYYY (how Excel saves a CSV) or ESR's DD-Mon-YYYY (INTERFACES.md)."""
    try:
        if len(text) == 10 and text[4] == "-" and text[7] == "-":
            return date.fromisoformat(text)  # the common case first: large files are ISO
        if uk := _UK_DATE.fullmatch(text):
            return date(int(uk[3]), int(uk[2]), int(uk[1]))
        if esr := _ESR_DATE.fullmatch(text):
            month = _MONTHS.get(esr[2].lower())
            if month is None:
                raise ValueError
            return date(int(esr[3]), month, int(esr[1]))
        if len(text) != 10:
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"{text!r} is not a date: expected YYYY-MM-DD, DD/MM/YYYY or DD-Mon-YYYY, "
            "e.g. 2026-03-31, 31/03/2026 or 31-Mar-2026"
        ) from None


_YES = {"y", "yes", "true", "1"}
_NO = {"", "n", "no", "false", "0"}


def parse_yes_no(text: str) -> bool:
    folded = text.strip().lower()
    if folded in _YES:
        return True
    if folded in _NO:
        return False
    raise ValueError(f"{text!r} is not yes or no: expected Y/N, Yes/No, true/false, 1/0 or blank")


def _decode(data: bytes) -> tuple[str | None, list[Problem]]:
    """UTF-8 with or without a byte-order mark; every line with other bytes is a problem."""
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError:
        pass
    problems = []
    for number, raw_line in enumerate(data.splitlines(), start=1):
        try:
            raw_line.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError as exc:
            problems.append(
                Problem(
                    number,
                    "",
                    f"byte {exc.start + 1} of the line is not UTF-8: save the file as "
                    "'CSV UTF-8' and import it again",
                )
            )
            if len(problems) >= MAX_PROBLEMS_SHOWN:
                break
    return None, problems


def read_rows(
    data: bytes,
    required_columns: Iterable[str],
    known_columns: Iterable[str],
    max_lengths: Mapping[str, int] | None = None,
) -> Iterator[Row]:
    """Rows of a CSV file, keyed by normalised known column names.

    Raises ImportRefused for problems with the file as a whole (encoding, header, broken CSV
    quoting, an enormous field); row problems (including control characters and over-long values
    in any known column) are left on each Row for the caller's rules to add to.
    """
    try:
        yield from _read_rows(data, required_columns, known_columns, max_lengths or {})
    except csv.Error as exc:
        raise ImportRefused([_csv_problem(exc)]) from None


def _csv_problem(exc: csv.Error) -> Problem:
    line = getattr(exc, "line", 0)
    detail = str(exc)
    if "field larger than field limit" in detail:
        message = (
            f"a value is longer than {MAX_FIELD_CHARACTERS:,} characters: check the file is the "
            "CSV export and that every quoted value has its closing quote"
        )
    elif "unexpected end of data" in detail or "EOF" in detail:
        message = (
            "the file ends inside a quoted value: a value that opens with a double quote needs a "
            "closing double quote"
        )
    else:
        message = f"the file is not valid CSV ({detail}): save it from the spreadsheet as CSV"
    return Problem(line, "", message)


def _read_rows(
    data: bytes,
    required_columns: Iterable[str],
    known_columns: Iterable[str],
    max_lengths: Mapping[str, int],
) -> Iterator[Row]:
    text, problems = _decode(data)
    if text is None:
        raise ImportRefused(problems)
    if not text.strip():
        raise ImportRefused([Problem(0, "", "the file is empty: expected a header row and data")])
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
    except csv.Error as exc:
        exc.line = reader.line_num
        raise
    known = set(known_columns)
    positions: dict[str, int] = {}
    for index, name in enumerate(header):
        key = normalise_header(name)
        if key in known:
            if key in positions:
                problems.append(Problem(1, name.strip(), "this column appears twice"))
            positions[key] = index
    for column in required_columns:
        if column not in positions:
            problems.append(
                Problem(1, column, "this required column is missing from the header row")
            )
    if problems:
        raise ImportRefused(problems)
    progress = _row_progress.get()
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            exc.line = reader.line_num
            raise
        line = reader.line_num
        if not any(value.strip() for value in fields):
            continue  # blank lines at the end of spreadsheet exports
        values = {key: fields[i] if i < len(fields) else "" for key, i in positions.items()}
        row = Row(line, values)
        _check_text(row, max_lengths)
        if progress is not None:
            progress(line)
        yield row


def _check_text(row: Row, max_lengths: Mapping[str, int]) -> None:
    """Every known column is text bound for the database: no control characters, no more than
    its column holds."""
    for column, value in row.values.items():
        if not value:
            continue
        found = control_character(value)
        if found:
            row.problem(
                column,
                f"contains {found}: expected plain text on one line (no line breaks, tabs or "
                "other control characters)",
            )
            continue
        limit = max_lengths.get(column, DEFAULT_MAX_LENGTH)
        if len(value.strip()) > limit:
            row.problem(
                column, f"is {len(value.strip()):,} characters long: expected at most {limit}"
            )
