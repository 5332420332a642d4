"""Reading import files (INTERFACES.md): decoding, headers, yes/no and dates, with problems that
name the line and column. Pure: no Flask, no database; each feature's import builds on it.

An import is all or nothing, so nothing here stops at the first problem: every problem in the file
is collected and reported together.
"""

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date

MAX_PROBLEMS_SHOWN = 500


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


def parse_date(text: str) -> date:
    try:
        if len(text) != 10:
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a date: expected YYYY-MM-DD, e.g. 2026-03-31") from None


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
    data: bytes, required_columns: Iterable[str], known_columns: Iterable[str]
) -> Iterator[Row]:
    """Rows of a CSV file, keyed by normalised known column names.

    Raises ImportRefused for problems with the file as a whole (encoding, header); row problems
    are left on each Row for the caller's rules to add to.
    """
    text, problems = _decode(data)
    if text is None:
        raise ImportRefused(problems)
    if not text.strip():
        raise ImportRefused([Problem(0, "", "the file is empty: expected a header row and data")])
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader)
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
    for fields in reader:
        line = reader.line_num
        if not any(value.strip() for value in fields):
            continue  # blank lines at the end of spreadsheet exports
        values = {key: fields[i] if i < len(fields) else "" for key, i in positions.items()}
        yield Row(line, values)
