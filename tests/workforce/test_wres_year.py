from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.workforce.wres_year import WresYear, year_containing


def test_year_2026_is_april_2025_to_march_2026():
    year = WresYear(2026)
    assert (year.start, year.end, year.snapshot) == (
        date(2025, 4, 1),
        date(2026, 3, 31),
        date(2026, 3, 31),
    )
    assert year.label == "2025/26"


@given(st.dates(min_value=date(2001, 1, 1), max_value=date(2098, 12, 31)))
def test_every_day_falls_in_exactly_one_year(day):
    year = year_containing(day)
    assert year.contains(day)
    assert not WresYear(year.year - 1).contains(day)
    assert not WresYear(year.year + 1).contains(day)


@given(st.integers(2001, 2099))
def test_years_are_contiguous_and_cover_a_whole_year(y):
    assert WresYear(y).end + timedelta(days=1) == WresYear(y + 1).start
    assert 365 <= (WresYear(y).end - WresYear(y).start).days + 1 <= 366


def test_out_of_range_year_is_refused():
    with pytest.raises(ValueError, match="between"):
        WresYear(1066)
