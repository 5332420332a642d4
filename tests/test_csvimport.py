from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.csvimport import ImportRefused, normalise_header, parse_date, parse_yes_no, read_rows


def test_headers_match_ignoring_case_spaces_and_underscores():
    assert normalise_header(" Staff Number ") == "staff_number"
    assert normalise_header("STAFF_NUMBER") == "staff_number"
    assert normalise_header("staff  number") == "staff_number"


def test_byte_order_mark_and_unknown_columns_are_fine():
    data = "\ufeffStaff Number,Assignment Category\n1,Permanent\n".encode()
    rows = list(read_rows(data, ["staff_number"], ["staff_number"]))
    assert rows[0].values == {"staff_number": "1"}
    assert rows[0].line == 2


def test_missing_required_column_is_named():
    with pytest.raises(ImportRefused) as refused:
        list(read_rows(b"name\nx\n", ["staff_number"], ["staff_number", "name"]))
    assert refused.value.problems[0].column == "staff_number"
    assert "missing" in refused.value.problems[0].message


def test_every_non_utf8_line_is_reported():
    data = b"a\nok\n\xff\xfe bad\nok\n\xe9t\xe9\n"
    with pytest.raises(ImportRefused) as refused:
        list(read_rows(data, ["a"], ["a"]))
    assert [p.line for p in refused.value.problems] == [3, 5]
    assert "not UTF-8" in refused.value.problems[0].message


def test_empty_file_is_refused():
    with pytest.raises(ImportRefused, match="problem"):
        list(read_rows(b"", ["a"], ["a"]))


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Y", True),
        ("yes", True),
        ("TRUE", True),
        ("1", True),
        ("N", False),
        ("No", False),
        ("false", False),
        ("0", False),
        ("", False),
    ],
)
def test_yes_no(text, value):
    assert parse_yes_no(text) is value


@pytest.mark.parametrize("text", ["maybe", "2", "ja"])
def test_yes_no_refuses_other_words(text):
    with pytest.raises(ValueError, match="not yes or no"):
        parse_yes_no(text)


@given(st.dates())
def test_iso_dates_round_trip(day):
    if day.year >= 1000:
        assert parse_date(day.isoformat()) == day


@pytest.mark.parametrize(
    "text",
    [
        "2026-3-31",
        "2026-02-30",
        "yesterday",
        "31/02/2026",
        "3/1/2026",
        "01-Sepp-2016",
        "01-Spt-2016",
    ],
)
def test_other_date_forms_are_refused(text):
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        parse_date(text)


def test_date_helper_accepts_iso():
    assert parse_date("2026-03-31") == date(2026, 3, 31)


@pytest.mark.parametrize(
    "text", ["31/03/2026", "31-Mar-2026", "31-MAR-2026", "31-mar-2026", "2026-03-31"]
)
def test_uk_and_esr_dates_are_read_day_first(text):
    assert parse_date(text) == date(2026, 3, 31)
