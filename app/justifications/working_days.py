"""Working days in England and Wales: Monday to Friday, less bank holidays (the `holidays`
package, offline, with substitute days). Pure: no Flask, no database."""

from datetime import date, timedelta
from functools import cache


@cache
def _bank_holidays(year: int) -> frozenset[date]:
    import holidays  # half a second to import: only when a due date is worked out

    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year))


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _bank_holidays(day.year)


def add_working_days(start: date, days: int) -> date:
    """The date `days` working days after `start` (the start day itself is not counted)."""
    if days < 0:
        raise ValueError("days must not be negative")
    day = start
    remaining = days
    while remaining:
        day += timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return day


def working_days_between(start: date, end: date) -> int:
    """Working days after `start` up to and including `end` (negative when end is earlier)."""
    if end < start:
        return -working_days_between(end, start)
    return sum(
        1 for n in range(1, (end - start).days + 1) if is_working_day(start + timedelta(days=n))
    )


def due_phrase(due: date, today: date) -> str:
    """When something is due, in words a manager reads at a glance."""
    on = f"{due:%A} {due.day} {due:%B %Y}"
    if due == today:
        return f"{on}, today"
    days = abs(working_days_between(today, due))
    unit = "working day" if days == 1 else "working days"
    if due > today:
        return f"{on}, in {days} {unit}" if days else f"{on}, the next working day"
    return f"{on}, {days} {unit} ago: overdue" if days else f"{on}: overdue"
