import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import literal, select

from app.workforce.ethnicity import (
    BME_CODES,
    CATEGORIES,
    WHITE_CODES,
    EthnicityError,
    WresGroup,
    group_of,
    parse_ethnicity,
    sql_group,
)

NATIONAL = sorted(WHITE_CODES | BME_CODES)


@pytest.mark.parametrize(
    ("text", "code", "group"),
    [
        ("A", "A", WresGroup.WHITE),
        ("a", "A", WresGroup.WHITE),
        ("CP", "CP", WresGroup.WHITE),
        ("A White - British", "A", WresGroup.WHITE),
        ("N Black or Black British - African", "N", WresGroup.BME),
        ("H Asian or Asian British - Indian", "H", WresGroup.BME),
        ("White - Irish", "B", WresGroup.WHITE),
        ("S", "S", WresGroup.BME),
        ("", "99", WresGroup.UNKNOWN),
        ("  ", "99", WresGroup.UNKNOWN),
        ("99", "99", WresGroup.UNKNOWN),
        ("9", "99", WresGroup.UNKNOWN),
        ("X", "99", WresGroup.UNKNOWN),
        ("Unspecified", "99", WresGroup.UNKNOWN),
        ("Z", "Z", WresGroup.UNKNOWN),
        ("Not Stated", "Z", WresGroup.UNKNOWN),
        ("Z Not Stated", "Z", WresGroup.UNKNOWN),
        (None, "99", WresGroup.UNKNOWN),
    ],
)
def test_spellings_real_extracts_use(text, code, group):
    parsed = parse_ethnicity(text)
    assert parsed.code == code
    assert parsed.group == group


@pytest.mark.parametrize("text", ["I", "O", "Q", "Asian", "White British", "Q Other", "123", "?"])
def test_unreadable_categories_are_errors_not_unknown(text):
    with pytest.raises(EthnicityError, match="not an ethnic category"):
        parse_ethnicity(text)


def test_every_code_in_the_table_has_a_group():
    assert set(CATEGORIES) == WHITE_CODES | BME_CODES | {"Z", "99"}
    assert not WHITE_CODES & BME_CODES


@given(st.sampled_from(NATIONAL), st.sampled_from("ABCDEFGHJKLMNPRSTUVWXYZ0123456789"))
def test_a_sub_code_groups_by_its_first_character(national, local):
    assert parse_ethnicity(national + local).group == group_of(national)


@given(
    st.sampled_from(NATIONAL),
    st.text(alphabet=st.characters(categories=["L", "Zs"]), min_size=1, max_size=40)
    .map(str.strip)
    .filter(bool),
)
def test_an_esr_label_is_read_by_its_leading_code(national, label):
    assert parse_ethnicity(f"{national} {label}").code == national


@given(st.text(max_size=30))
def test_any_text_is_read_or_refused_never_crashes(text):
    try:
        parsed = parse_ethnicity(text)
    except EthnicityError:
        return
    assert parsed.group in WresGroup


def test_sql_grouping_agrees_with_python(db):
    for code in [*CATEGORIES, "CP", "NX"]:
        assert db.session.scalar(select(sql_group(literal(code)))) == group_of(code).value
