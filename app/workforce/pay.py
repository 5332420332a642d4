"""The optional pay columns of the ESR staff extract, for the ethnicity pay gap (DOMAIN.md
section 13; INTERFACES.md, "Staff"). Pure: no Flask, no database.

A row gives basic pay either as an hourly rate, or as annual basic pay with contracted weekly
hours, from which the hourly rate is worked out as the government's ethnicity pay reporting
guidance does: annual / (weekly hours x 52.143). Only the hourly pay is kept, in the staff record
and its history, so the pay gap "as at 31 March" reads the pay in force on that day.
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from app.csvimport import Row

COLUMNS = ("hourly_rate", "annual_basic_pay", "contracted_hours")
WEEKS_PER_YEAR = Decimal("52.143")
# Stored to a hundredth of a penny: far below any difference the gap can show.
PLACES = Decimal("0.0001")
# Above these, the value is almost certainly in the wrong column (annual pay as an hourly rate,
# pence for pounds) rather than a real rate.
MAX_HOURLY = Decimal("1000")
MAX_ANNUAL = Decimal("10000000")
MAX_HOURS = Decimal("168")


def _amount(row: Row, column: str, what: str, limit: Decimal) -> Decimal | None:
    text = row.text(column)
    if not text:
        return None
    cleaned = text.replace("£", "").replace(",", "").strip()
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        row.problem(column, f"{text!r} is not a number: expected {what}")
        return None
    if not value.is_finite() or value <= 0:
        row.problem(column, f"{text!r} is not above 0: expected {what}")
        return None
    if value > limit:
        row.problem(column, f"{text!r} is too large: expected {what}")
        return None
    return value


def hourly_from_annual(annual: Decimal, weekly_hours: Decimal) -> Decimal:
    """Hourly pay from annual basic pay and contracted weekly hours (DOMAIN.md section 13)."""
    return (annual / (weekly_hours * WEEKS_PER_YEAR)).quantize(PLACES, rounding=ROUND_HALF_UP)


def parse_pay(row: Row) -> Decimal | None:
    """The row's hourly pay in pounds, or None when it gives none. Problems go on the row.

    The hourly rate wins when a row gives both; the other two columns are still checked, so a
    mistake in them is not hidden."""
    hourly = _amount(row, "hourly_rate", "basic hourly pay in pounds, e.g. 15.34", MAX_HOURLY)
    annual = _amount(row, "annual_basic_pay", "annual basic pay in pounds, e.g. 31049", MAX_ANNUAL)
    hours = _amount(row, "contracted_hours", "contracted hours a week, e.g. 37.5", MAX_HOURS)
    if row.text("annual_basic_pay") and not row.text("contracted_hours") and not hourly:
        row.problem(
            "contracted_hours",
            "is blank, but annual_basic_pay is given: expected the contracted weekly hours, "
            "so the hourly pay can be worked out (or give hourly_rate instead)",
        )
    if row.text("contracted_hours") and not row.text("annual_basic_pay") and not hourly:
        row.problem(
            "annual_basic_pay",
            "is blank, but contracted_hours is given: expected the annual basic pay (or give "
            "hourly_rate instead)",
        )
    if hourly is not None:
        pay, column = hourly.quantize(PLACES, rounding=ROUND_HALF_UP), "hourly_rate"
    elif annual is not None and hours is not None:
        pay, column = hourly_from_annual(annual, hours), "annual_basic_pay"
    else:
        return None
    if pay <= 0:
        row.problem(column, "gives an hourly pay below £0.0001: expected pay in pounds")
        return None
    return pay


def in_file(row: Row) -> bool:
    """Whether the file has any pay column: an extract without them leaves pay as it was."""
    return any(column in row.values for column in COLUMNS)
