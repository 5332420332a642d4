from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.csvimport import (
    MAX_PROBLEMS_SHOWN,
    NOT_CSV,
    ImportRefused,
    Problem,
    describe_date_formats,
    looks_binary,
    normalise_header,
    noting_date_formats,
    parse_date,
    parse_yes_no,
    read_rows,
)


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
    "text", ["03/31/2026", "31/02/2026", "2026-3-31", "2026-02-30", "yesterday", "1-Sem-2016"]
)
def test_other_date_forms_are_refused(text):
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        parse_date(text)


def test_date_helper_accepts_iso():
    assert parse_date("2026-03-31") == date(2026, 3, 31)


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("01/09/2016", date(2016, 9, 1)),  # how Excel saves a UK date: 1 September
        ("1/9/2016", date(2016, 9, 1)),
        ("31/03/2026", date(2026, 3, 31)),
        ("01-Sep-2016", date(2016, 9, 1)),
        ("2016-09-01", date(2016, 9, 1)),
    ],
)
def test_uk_and_esr_dates_are_read_day_first(text, day):
    assert parse_date(text) == day


def test_the_date_layouts_read_are_noted_for_the_result():
    with noting_date_formats() as seen:
        parse_date("01/09/2016")
        parse_date("2016-09-01")
    assert describe_date_formats(seen) == "dates read as YYYY-MM-DD and DD/MM/YYYY (UK)"
    with noting_date_formats() as seen:
        parse_date("01/09/2016")
    assert describe_date_formats(seen) == "dates read as DD/MM/YYYY (UK)"
    assert describe_date_formats(set()) == ""


PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452") + bytes(range(256)) * 40


@pytest.mark.parametrize(
    "data",
    [
        PNG,
        b"PK\x03\x04\x14\x00\x06\x00" + bytes(range(256)) * 4,  # an .xlsx workbook
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + bytes(range(128, 256)) * 30,
        "staff_number\n1\n".encode("utf-16"),
    ],
)
def test_a_file_that_is_not_text_gets_one_message(data):
    assert looks_binary(data)
    with pytest.raises(ImportRefused) as refused:
        list(read_rows(data, ["staff_number"], ["staff_number"]))
    assert refused.value.problems == [Problem(0, "", NOT_CSV)]
    assert refused.value.more == 0


def test_a_csv_in_another_encoding_is_still_text():
    data = "staff_number,name\n1,Zo\u00eb\n2,Ann\n3,Bob\n".encode("latin-1")
    assert not looks_binary(data)


def test_problems_are_capped_with_a_count_of_the_rest():
    problems = [Problem(line, "a", "bad") for line in range(1000, 1, -1)]
    refused = ImportRefused(problems)
    assert len(refused.problems) == MAX_PROBLEMS_SHOWN
    assert refused.problems[0].line == 2 and refused.problems[-1].line == MAX_PROBLEMS_SHOWN + 1
    assert refused.more == 999 - MAX_PROBLEMS_SHOWN and refused.total == 999
