from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.mentoring.eligibility import COUNTING_AFC_BANDS, counts, status
from app.workforce.bands import BANDS
from app.workforce.ethnicity import WresGroup


@pytest.mark.parametrize(
    ("band", "group", "ncg", "expected", "reason"),
    [
        ("6", WresGroup.BME, False, True, None),
        ("8d", WresGroup.BME, False, True, None),
        ("9", WresGroup.BME, False, False, "the colleague is Band 9"),
        ("VSM", WresGroup.BME, False, False, "the colleague is VSM"),
        ("7", WresGroup.UNKNOWN, False, False, "ethnicity is not recorded"),
        ("7", WresGroup.WHITE, False, False, "not in the group the commitment covers"),
        ("non-consultant-career-grade", WresGroup.BME, False, False, "Non consultant career grade"),
        ("non-consultant-career-grade", WresGroup.BME, True, True, None),
        ("consultant", WresGroup.BME, True, False, "Consultant"),
        (None, WresGroup.BME, False, False, "no pay band"),
    ],
)
def test_what_counts(band, group, ncg, expected, reason):
    verdict = counts("mentoring", band, group, ncg)
    assert verdict.counts is expected
    if reason:
        assert reason in verdict.reason
    else:
        assert verdict.reason is None


@given(
    st.sampled_from(BANDS),
    st.sampled_from(list(WresGroup)),
    st.sampled_from(["mentoring", "reverse-mentoring", "sponsorship"]),
    st.booleans(),
)
def test_counting_needs_a_bme_colleague_at_8d_or_below(band, group, kind, ncg):
    verdict = counts(kind, band, group, ncg)
    eligible_band = band in COUNTING_AFC_BANDS or (ncg and band == "non-consultant-career-grade")
    assert verdict.counts == (group == WresGroup.BME and eligible_band)
    assert verdict.counts or verdict.reason


def test_status_follows_the_dates():
    today = date(2026, 6, 1)
    assert status(date(2026, 7, 1), None, today) == "proposed"
    assert status(date(2026, 1, 1), None, today) == "active"
    assert status(date(2026, 1, 1), date(2026, 6, 1), today) == "active"
    assert status(date(2026, 1, 1), date(2026, 5, 31), today) == "ended"
