from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.justifications.working_days import (
    add_working_days,
    is_working_day,
    working_days_between,
)


@pytest.mark.parametrize(
    ("decided", "due"),
    [
        # Christmas 2025: 25 and 26 December are bank holidays; New Year's Day too.
        (date(2025, 12, 19), date(2026, 1, 7)),
        # Christmas 2026 falls on a Friday; Boxing Day (Saturday) is observed on Monday 28th.
        (date(2026, 12, 21), date(2027, 1, 7)),
        # Easter 2026: Good Friday 3 April and Easter Monday 6 April.
        (date(2026, 3, 30), date(2026, 4, 15)),
        # Easter 2027: Good Friday 26 March, Easter Monday 29 March.
        (date(2027, 3, 22), date(2027, 4, 7)),
        # An ordinary fortnight.
        (date(2026, 6, 1), date(2026, 6, 15)),
        # Decided on a Saturday: counting starts on Monday.
        (date(2026, 6, 6), date(2026, 6, 19)),
    ],
)
def test_ten_working_days_across_the_holidays(decided, due):
    assert add_working_days(decided, 10) == due


def test_bank_holidays_and_weekends_are_not_working_days():
    assert not is_working_day(date(2026, 12, 25))
    assert not is_working_day(date(2026, 12, 28))  # Boxing Day observed
    assert not is_working_day(date(2026, 4, 3))
    assert not is_working_day(date(2026, 11, 28))  # a Saturday
    assert is_working_day(date(2026, 11, 27))


@given(st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31)), st.integers(0, 40))
def test_adding_then_counting_gives_back_the_days(start, days):
    end = add_working_days(start, days)
    assert working_days_between(start, end) == days
    assert days == 0 or is_working_day(end)
    assert end - start >= timedelta(days=days)
