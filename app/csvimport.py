"""Reading import files (INTERFACES.md): decoding, headers, yes/no and dates, with problems that
name the line and column. Pure: no Flask, no database; each feature's import builds on it.

An import is all or nothing, so nothing here stops at the first problem: every problem in the file
is collected and reported together.
"""

import contextlib
import contextvars
import csv
import functools
import heapq
import io
import operator
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date

# A file with a systematic fault has a problem on every row: people read the first ones, fix the
# cause, and import again; a page or terminal of 900,000 lines helps nobody.
MAX_PROBLEMS_SHOWN = 100
NOT_CSV = "This is not a CSV file: save it from Excel as CSV UTF-8"
# How much of the start of a file decides whether it is text at all.
_SNIFF_BYTES = 4096
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


# The date layouts an import has read, so its result can say how it understood them.
_date_formats: contextvars.ContextVar[set[str] | None] = contextvars.ContextVar(
    "date_formats", default=None
)
ISO, UK, ESR = "YYYY-MM-DD", "DD/MM/YYYY", "DD-Mon-YYYY"


@contextlib.contextmanager
def noting_date_formats() -> Iterator[set[str]]:
    """Collect, in the set yielded, the layouts of the dates read inside the block."""
    seen: set[str] = set()
    token = _date_formats.set(seen)
    try:
        yield seen
    finally:
        _date_formats.reset(token)


def describe_date_formats(formats: Iterable[str]) -> str:
    """The wording results use: "dates read as DD/MM/YYYY (UK)"."""
    names = {ISO: "YYYY-MM-DD", UK: "DD/MM/YYYY (UK)", ESR: "DD-Mon-YYYY (ESR)"}
    ordered = [names[f] for f in (ISO, UK, ESR) if f in set(formats)]
    return "dates read as " + " and ".join(ordered) if ordered else ""


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


class ProblemList(list):
    """The problems shown, and how many more the file had (`more`, `total`)."""

    more = 0

    @property
    def total(self) -> int:
        return len(self) + self.more


def capped(problems: Iterable[Problem], more: int = 0) -> ProblemList:
    shown = ProblemList(heapq.nsmallest(MAX_PROBLEMS_SHOWN, problems))
    shown.more = more
    return shown


# Two imports changed the same records at once: the database refused the second as a whole.
RACE = Problem(
    0,
    "",
    "someone else changed the same records at the same moment, so nothing was imported: "
    "import the file again",
)


class ImportRefused(Exception):
    """The file has problems; nothing was written. Keeps the first MAX_PROBLEMS_SHOWN problems
    in line order, and how many more there were (`more`)."""

    def __init__(self, problems: Iterable[Problem], more: int = 0):
        problems = list(problems)
        self.total = len(problems) + more
        self.problems = capped(problems, self.total - min(len(problems), MAX_PROBLEMS_SHOWN))
        self.more = self.problems.more
        super().__init__(f"{self.total} problem(s) in the file; nothing was imported")


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


_UK_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_ESR_DATE = re.compile(r"^(\d{1,2})-([A-Za-z]{3})-(\d{4})$")
_MONTHS = {
    name: number
    for number, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1
    )
}


# Pure, and an import asks the same few spellings hundreds of thousands of times.
@functools.lru_cache(maxsize=4096)
def read_date(text: str) -> tuple[date, str]:
    """A date and the layout it was written in: ISO, UK day/month/year (as Excel saves UK dates)
    or ESR's 01-Sep-2016. Never month/day/year: 01/09/2016 is the 1st of September."""
    try:
        if len(text) == 10 and text[4] == "-":
            return date.fromisoformat(text), ISO
        if found := _UK_DATE.match(text):
            day, month, year = map(int, found.groups())
            return date(year, month, day), UK
        if (found := _ESR_DATE.match(text)) and found.group(2).lower() in _MONTHS:
            day, year = int(found.group(1)), int(found.group(3))
            return date(year, _MONTHS[found.group(2).lower()], day), ESR
    except ValueError:
        pass
    raise ValueError(
        f"{text!r} is not a date: expected YYYY-MM-DD or DD/MM/YYYY, e.g. 2026-03-31 or 31/03/2026"
    )


def parse_date(text: str) -> date:
    day, layout = read_date(text)
    seen = _date_formats.get()
    if seen is not None:
        seen.add(layout)
    return day


# What a Parsed lookup holds for text its rule refuses.
INVALID = object()


class Parsed(dict):
    """A rule's result for each raw cell text it has been asked about (outer spaces stripped
    before the rule sees them), or INVALID where the rule raised ValueError. A hit is one dict
    lookup: an import asks the same few spellings and dates hundreds of thousands of times."""

    def __init__(self, rule: Callable[[str], object]):
        super().__init__()
        self.rule = rule

    def __missing__(self, text: str) -> object:
        try:
            value = self.rule(text.strip())
        except ValueError:
            value = INVALID
        self[text] = value
        return value


_YES = {"y", "yes", "true", "1"}
_NO = {"", "n", "no", "false", "0"}


def parse_yes_no(text: str) -> bool:
    folded = text.strip().lower()
    if folded in _YES:
        return True
    if folded in _NO:
        return False
    raise ValueError(f"{text!r} is not yes or no: expected Y/N, Yes/No, true/false, 1/0 or blank")


def looks_binary(data: bytes) -> bool:
    """Whether the start of a file is not text: a picture, a spreadsheet saved as .xlsx, a PDF.
    A CSV file saved in another encoding still reads as text here (its lines are then listed)."""
    start = data[:_SNIFF_BYTES]
    nuls = start.count(b"\x00")
    if nuls >= 4 and nuls * 100 >= len(start):  # a stray NUL in a CSV is a row problem
        return True
    lines = start.splitlines()[:-1] or start.splitlines()  # the last may be cut short
    undecodable = 0
    for number, line in enumerate(lines):
        try:
            line.decode("utf-8-sig")
        except UnicodeDecodeError:
            # A header row is plain text in any CSV; Latin-1 text has the odd bad line only.
            if number == 0:
                return True
            undecodable += 1
    if undecodable * 2 > len(lines):
        return True
    text = start.decode("utf-8", errors="replace")
    controls = sum(1 for char in text if char < " " and char not in "\r\n\t")
    unreadable = text.count("\ufffd")
    return controls * 20 > max(len(text), 1) or unreadable * 3 > max(len(text), 1)


def _decode_problems(data: bytes) -> list[Problem]:
    """UTF-8 with or without a byte-order mark; every line with other bytes is a problem."""
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
    return problems


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
    if looks_binary(data):
        raise ImportRefused([Problem(0, "", NOT_CSV)])
    if not data.removeprefix(b"\xef\xbb\xbf").strip():
        raise ImportRefused([Problem(0, "", "the file is empty: expected a header row and data")])
    # Decoded as it is read, so a file never sits in memory twice.
    text = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig", newline="")
    try:
        yield from _read_text(text, required_columns, known_columns, max_lengths)
    except UnicodeDecodeError:
        raise ImportRefused(_decode_problems(data)) from None


def _read_text(
    text: io.TextIOBase,
    required_columns: Iterable[str],
    known_columns: Iterable[str],
    max_lengths: Mapping[str, int],
) -> Iterator[Row]:
    records = _records(csv.reader(text, strict=True))
    _, header = next(records)
    positions = _header_positions(header, required_columns, known_columns)
    progress = _row_progress.get()
    for line, fields in records:
        if not any(value.strip() for value in fields):
            continue  # blank lines at the end of spreadsheet exports
        values = {key: fields[i] if i < len(fields) else "" for key, i in positions.items()}
        row = Row(line, values)
        _check_text(row, max_lengths)
        if progress is not None:
            progress(line)
        yield row


def _records(reader) -> Iterator[tuple[int, list[str]]]:
    """Each record with the line it ends on; broken quoting raises csv.Error carrying that
    line, for the problem to name."""
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            exc.line = reader.line_num
            raise
        yield reader.line_num, fields


def _check_text(row: Row, max_lengths: Mapping[str, int]) -> None:
    """Every known column is text bound for the database: no control characters, no more than
    its column holds."""
    values = row.values
    # Nearly every row is clean: one search over the whole row and one length check per value
    # decide that, and only a row that fails looks column by column.
    if _CONTROL.search("".join(values.values())) is None and all(
        len(value) <= max_lengths.get(column, DEFAULT_MAX_LENGTH)
        for column, value in values.items()
    ):
        return
    for column, value in values.items():
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


class Records:
    """The fast way through a large file: each row as a tuple of its raw values, one per known
    column in the order given ("" where the file has no such column), with whether it is clean
    (no control characters, nothing longer than its column holds).

    Iterating yields (line, values, clean). An import checks a clean row with its own
    precompiled rules and set lookups; a row those rules do not plainly accept goes through
    `row(line, values)`, the same Row (text problems included) that read_rows would have given,
    so every problem is worded and placed exactly as before. File-level problems raise
    ImportRefused, as read_rows does.

    With `joined=True` iterating yields (line, values, text) instead: the values joined by the
    unit separator (US, a control character, so never inside a clean value), for a reader that
    passes over most rows by that text alone and asks `clean(values)` only of the rows it reads.
    """

    def __init__(
        self,
        data: bytes,
        required_columns: Iterable[str],
        known_columns: Iterable[str],
        max_lengths: Mapping[str, int] | None = None,
        joined: bool = False,
    ):
        self.known = tuple(known_columns)
        max_lengths = max_lengths or {}
        self._max_lengths = max_lengths
        self._limits = tuple(max_lengths.get(c, DEFAULT_MAX_LENGTH) for c in self.known)
        self._data = data
        self._joined = joined
        self._rows = self._read(required_columns)
        # Reading the header now raises the file's problems before any row is looked at.
        self.present: frozenset[str] = next(self._rows)

    def __iter__(self) -> Iterator[tuple[int, tuple, bool]]:
        return self._rows

    def row(self, line: int, values: tuple) -> Row:
        """The row as read_rows gives it: values of the file's columns in header order."""
        row = Row(line, {column: values[index] for column, index in self._order})
        _check_text(row, self._max_lengths)
        return row

    def clean(self, values: tuple) -> bool:
        """Whether a row's values are clean, as iterating without `joined` says."""
        return _CONTROL.search("".join(values)) is None and all(
            map(operator.le, map(len, values), self._limits)
        )

    def _read(self, required_columns: Iterable[str]):
        data = self._data
        # One generator, the reader's loop inside it: each generator between the caller and the
        # reader costs a resumption a row.
        try:
            if looks_binary(data):
                raise ImportRefused([Problem(0, "", NOT_CSV)])
            if not data.removeprefix(b"\xef\xbb\xbf").strip():
                raise ImportRefused(
                    [Problem(0, "", "the file is empty: expected a header row and data")]
                )
            text = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig", newline="")
            reader = csv.reader(text, strict=True)
            try:
                _, header = next(_records(reader))
                positions = _header_positions(header, required_columns, self.known)
                self._order = [
                    (column, self.known.index(column))
                    for column, _ in sorted(positions.items(), key=lambda item: item[1])
                ]
                yield frozenset(positions)
                # Columns the file lacks read the "" appended to every row's fields.
                indexes = [positions.get(column, -1) for column in self.known]
                width = max(indexes) + 1
                pick = operator.itemgetter(*indexes) if len(indexes) > 1 else _single(indexes[0])
                limits = self._limits
                le, search, join = operator.le, _CONTROL.search, "".join
                # The unit separator is whitespace to strip(), so a blank row joins blank too.
                join_us = "\x1f".join
                joined = self._joined
                progress = _row_progress.get()
                for fields in reader:
                    if len(fields) < width:
                        fields += [""] * (width - len(fields))
                    fields.append("")
                    values = pick(fields)
                    text = join_us(values) if joined else join(values)
                    # Blank lines at the end of spreadsheet exports: every field blank (the
                    # known columns' being blank says so of nearly every other row).
                    if not text.strip() and not join(fields).strip():
                        continue
                    if progress is not None:
                        progress(reader.line_num)
                    if joined:
                        yield reader.line_num, values, text
                    else:
                        clean = search(text) is None and all(map(le, map(len, values), limits))
                        yield reader.line_num, values, clean
            except UnicodeDecodeError:
                raise ImportRefused(_decode_problems(data)) from None
            except csv.Error as exc:
                exc.line = reader.line_num
                raise
        except csv.Error as exc:
            raise ImportRefused([_csv_problem(exc)]) from None


def _single(index: int) -> Callable[[list], tuple]:
    return lambda fields: (fields[index],)


def _header_positions(
    header: list[str], required_columns: Iterable[str], known_columns: Iterable[str]
) -> dict[str, int]:
    problems: list[Problem] = []
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
    return positions
