import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.workforce.bands import (
    AFC_BANDS,
    BANDS,
    SENIOR_BANDS,
    BandError,
    band_name,
    band_order,
    parse_band,
    parse_board_role,
    parse_staff_group,
)


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("Band 8a", "8a"),
        ("8A", "8a"),
        ("8D", "8d"),
        ("band 8 b", "8b"),
        ("Band 5", "5"),
        ("5", "5"),
        ("AfC Band 7", "7"),
        ("Very Senior Manager", "VSM"),
        ("VSM", "VSM"),
        ("vsm", "VSM"),
        ("Under 1", "under-1"),
        ("Band 9", "9"),
        ("Consultant", "consultant"),
        ("Non-consultant career grade", "non-consultant-career-grade"),
        ("Trainee", "trainee"),
        ("Other medical", "other-medical"),
    ],
)
def test_usual_band_spellings(text, slug):
    assert parse_band(text) == slug


@pytest.mark.parametrize("text", ["Band 10", "8e", "Band", "", "Senior", "0", "Band 8"])
def test_unknown_bands_are_errors(text):
    with pytest.raises(BandError, match="not a pay band"):
        parse_band(text)


@given(st.sampled_from(BANDS))
def test_every_display_name_parses_back_to_its_band(slug):
    assert parse_band(band_name(slug)) == slug


@given(
    st.sampled_from(AFC_BANDS[1:]), st.sampled_from(["", "Band ", "band ", "BAND "]), st.booleans()
)
def test_case_and_prefix_do_not_matter(slug, prefix, upper):
    text = prefix + band_name(slug).removeprefix("Band ")
    assert parse_band(text.upper() if upper else text) == slug


def test_bands_sort_low_to_high_and_senior_pipeline_is_8a_up():
    assert sorted(BANDS, key=band_order) == list(BANDS)
    assert AFC_BANDS[AFC_BANDS.index("8a") :] == SENIOR_BANDS


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("Non-clinical", "non-clinical"),
        ("Clinical non-medical", "clinical-non-medical"),
        ("Medical and dental", "medical-dental"),
        ("medical-dental", "medical-dental"),
        ("MEDICAL & DENTAL", "medical-dental"),
    ],
)
def test_staff_groups(text, slug):
    assert parse_staff_group(text) == slug


def test_unknown_staff_group_is_an_error():
    with pytest.raises(BandError, match="not a staff group"):
        parse_staff_group("Estates")


@pytest.mark.parametrize(
    ("text", "role"),
    [
        ("", None),
        ("Executive", "executive"),
        ("Non-executive", "non-executive"),
        ("non executive", "non-executive"),
    ],
)
def test_board_roles(text, role):
    assert parse_board_role(text) == role
