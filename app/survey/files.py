"""Reading the staff survey results file (INTERFACES.md, "Staff survey results by ethnic group").
Pure: no Flask, no database. Every row is checked and every problem kept."""

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from app.csvimport import Problem, Row, read_rows

COLUMNS = (
    "survey_year",
    "indicator",
    "white_percent",
    "bme_percent",
    "white_respondents",
    "bme_respondents",
)
REQUIRED = COLUMNS
INDICATORS = (5, 6, 7, 8)
FIRST_SURVEY_YEAR = 2003  # the NHS Staff Survey's first national run
# Percentages are stored to four decimal places; more would not survive a round trip, and a
# second import of the same file must change nothing.
PERCENT_PLACES = 4
GROUP_NAMES = {"white": "white", "bme": "BME"}
# More respondents than any organisation has staff is a mistake in the file.
MAX_RESPONDENTS = 1_000_000
# ASCII digits only (str.isdigit would take "²"), at most 9 so the number fits the column.
_WHOLE = re.compile(r"-?[0-9]{1,9}")


@dataclass(frozen=True)
class SurveyRow:
    line: int
    survey_year: int
    indicator: int
    white_percent: Decimal | None
    bme_percent: Decimal | None
    white_respondents: int
    bme_respondents: int


def _whole(row: Row, column: str, what: str) -> int | None:
    text = row.text(column)
    if not text:
        row.problem(column, f"is blank: expected {what}")
        return None
    if not _WHOLE.fullmatch(text):
        row.problem(column, f"{text!r} is not a whole number: expected {what}")
        return None
    return int(text)


def _percent(row: Row, column: str) -> Decimal | None:
    text = row.text(column).rstrip("%").strip()
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        row.problem(
            column, f"{row.text(column)!r} is not a number: expected a percentage, 0 to 100"
        )
        return None
    if not value.is_finite() or value < 0 or value > 100:
        row.problem(column, f"{row.text(column)!r} is outside 0 to 100: expected a percentage")
        return None
    if -value.as_tuple().exponent > PERCENT_PLACES:
        row.problem(
            column,
            f"{row.text(column)!r} has more than {PERCENT_PLACES} decimal places: expected the "
            "percentage as the survey reports it, e.g. 24.1",
        )
        return None
    return value


def _parse_row(row: Row, latest_year: int) -> SurveyRow | None:
    year = _whole(row, "survey_year", "the calendar year the survey ran in, e.g. 2025")
    if year is not None and not FIRST_SURVEY_YEAR <= year <= latest_year:
        row.problem(
            "survey_year",
            f"{year} is not a survey year: expected {FIRST_SURVEY_YEAR} to {latest_year} (the "
            "calendar year the survey ran in; a later year has not run yet)",
        )
    indicator = _whole(row, "indicator", "the WRES indicator, 5, 6, 7 or 8")
    if indicator is not None and indicator not in INDICATORS:
        row.problem(
            "indicator",
            f"{indicator} is not a staff survey indicator: expected 5, 6, 7 or 8",
        )
    values = {}
    for group, name in GROUP_NAMES.items():
        respondents = _whole(row, f"{group}_respondents", f"the number of {name} respondents")
        if respondents is not None and respondents < 0:
            row.problem(
                f"{group}_respondents",
                f"{respondents} is below 0: expected the number of {name} respondents",
            )
        elif respondents is not None and respondents > MAX_RESPONDENTS:
            row.problem(
                f"{group}_respondents",
                f"{respondents:,} is more respondents than an organisation has staff: expected "
                f"the number of {name} respondents",
            )
        percent = _percent(row, f"{group}_percent")
        given = bool(row.text(f"{group}_percent"))
        if respondents == 0 and given:
            row.problem(
                f"{group}_percent",
                f"is {row.text(f'{group}_percent')}, but {group}_respondents is 0: a percentage "
                "of no respondents cannot be right; leave it blank",
            )
        elif respondents and not given:
            row.problem(
                f"{group}_percent",
                f"is blank: expected the percentage of the {respondents} {name} respondents, "
                "0 to 100",
            )
        values[group] = (percent, respondents)
    if row.problems:
        return None
    return SurveyRow(
        row.line,
        year,
        indicator,
        values["white"][0],
        values["bme"][0],
        values["white"][1],
        values["bme"][1],
    )


def parse_survey_file(data: bytes, latest_year: int) -> tuple[list[SurveyRow], list[Problem]]:
    """All readable rows and every problem. `latest_year` is the current calendar year: a survey
    cannot have run after it. File-level problems raise ImportRefused."""
    rows: list[SurveyRow] = []
    problems: list[Problem] = []
    first_line: dict[tuple[int, int], int] = {}
    for raw in read_rows(data, REQUIRED, COLUMNS):
        parsed = _parse_row(raw, latest_year)
        if parsed is not None:
            key = (parsed.survey_year, parsed.indicator)
            if key in first_line:
                raw.problem(
                    "indicator",
                    f"survey year {key[0]} indicator {key[1]} is also on line {first_line[key]}: "
                    "expected each survey year and indicator once",
                )
            else:
                first_line[key] = raw.line
        problems.extend(raw.problems)
        if parsed is not None and not raw.problems:
            rows.append(parsed)
    if not rows and not problems:
        problems.append(Problem(0, "", "the file has a header row but no survey results"))
    return rows, problems
