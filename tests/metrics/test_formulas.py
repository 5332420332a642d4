"""The national formulas, by hand-computed examples, the check figures and every edge case."""

import math

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from app.metrics import disclosure
from app.metrics.formulas import (
    aspiration,
    classify,
    confidence_interval,
    indicator2,
    measured_turnover,
    recruits_per_year,
    required_recruit_share,
    share_after,
    trajectory,
)


def test_check_figures_of_the_board_paper():
    assert required_recruit_share(0.068, 0.191, 0.10, 10) == pytest.approx(0.2568, abs=5e-5)
    assert required_recruit_share(0.068, 0.191, 0.15, 10) == pytest.approx(0.2212, abs=5e-5)
    assert share_after(5, 0.068, 0.2568, 0.10) == pytest.approx(0.1453, abs=5e-5)


def test_indicator2_by_hand():
    # 30 of 100 white shortlisted appointed (0.30); 20 of 100 BME (0.20): ratio 1.5
    result = indicator2(100, 30, 100, 20, 12, 3)
    assert result.white_rate == 0.30 and result.bme_rate == 0.20
    assert result.relative_likelihood == pytest.approx(1.5)
    se = math.sqrt(1 / 30 - 1 / 100 + 1 / 20 - 1 / 100)
    assert result.ci_low == pytest.approx(math.exp(math.log(1.5) - 1.96 * se))
    assert result.ci_high == pytest.approx(math.exp(math.log(1.5) + 1.96 * se))
    assert (result.ci_low, result.ci_high) == pytest.approx((0.9160, 2.4565), abs=1e-4)
    assert result.classification == "adverse-to-bme"
    assert result.note is None
    assert (result.unknown_shortlisted, result.unknown_appointed) == (12, 3)


@pytest.mark.parametrize(
    ("ratio", "expected"),
    [
        (1.25, "non-adverse"),
        (0.80, "non-adverse"),
        (1.2501, "adverse-to-bme"),
        (0.7999, "adverse-to-white"),
        (1.0, "non-adverse"),
    ],
)
def test_classification_bounds_are_inclusive(ratio, expected):
    assert classify(ratio) == expected


def test_no_bme_shortlisted_is_not_available():
    result = indicator2(50, 10, 0, 0)
    assert (result.relative_likelihood, result.classification) == (None, "not-available")
    assert "no BME applicants were shortlisted" in result.note


def test_no_appointments_at_all_is_not_available():
    result = indicator2(50, 0, 40, 0)
    assert result.relative_likelihood is None and result.classification == "not-available"
    assert "neither white nor BME" in result.note


def test_no_bme_appointed_is_unbounded_never_inf():
    result = indicator2(50, 10, 40, 0)
    assert result.relative_likelihood is None
    assert result.classification == "adverse-to-bme"
    assert result.note.startswith("No BME applicant appointed")
    assert result.bme_rate == 0.0


def test_no_white_appointed_is_zero_with_no_interval():
    result = indicator2(50, 0, 40, 8)
    assert result.relative_likelihood == 0.0
    assert (result.ci_low, result.ci_high) == (None, None)
    assert result.classification == "adverse-to-white"


def test_small_numbers_are_flagged():
    assert "Small numbers" in indicator2(9, 3, 40, 8).note


@given(st.integers(1, 500), st.integers(1, 500), st.data())
def test_ratio_is_inside_its_interval_and_never_infinite(n_w, n_b, data):
    a_w = data.draw(st.integers(1, n_w))
    a_b = data.draw(st.integers(1, n_b))
    result = indicator2(n_w, a_w, n_b, a_b)
    assert math.isfinite(result.relative_likelihood)
    assert result.ci_low <= result.relative_likelihood <= result.ci_high
    assert result.relative_likelihood == pytest.approx((a_w / n_w) / (a_b / n_b))


@given(st.integers(0, 300), st.integers(0, 300), st.integers(0, 300), st.integers(0, 300))
def test_indicator2_never_raises_and_never_inf(n_w, a_w, n_b, a_b):
    assume(a_w <= n_w and a_b <= n_b)
    result = indicator2(n_w, a_w, n_b, a_b)
    for value in (result.relative_likelihood, result.ci_low, result.ci_high):
        assert value is None or math.isfinite(value)
    assert result.classification in {
        "adverse-to-bme",
        "non-adverse",
        "adverse-to-white",
        "not-available",
    }


def test_confidence_interval_undefined_without_appointments():
    assert confidence_interval(0, 10, 5, 10, 0.0) == (None, None)


@given(st.floats(0.0, 0.9), st.floats(0.01, 0.6), st.floats(0.01, 0.9), st.integers(1, 30))
def test_required_share_reaches_the_target_by_the_year(p0, target, turnover, years):
    r = required_recruit_share(p0, target, turnover, years)
    assert share_after(years, p0, r, turnover) == pytest.approx(target, abs=1e-9)


def test_turnover_of_zero_and_one():
    assert required_recruit_share(0.1, 0.2, 0.0, 5) is None
    assert required_recruit_share(0.1, 0.2, 1.0, 5) == pytest.approx(0.2)
    none = aspiration(100, 0.1, 0.2, 0.0, 5, None, 2028)
    assert none.status == "unreachable" and "no turnover" in none.note
    full = aspiration(100, 0.1, 0.2, 1.0, 5, 0.25, 2028)
    assert (full.status, full.required_recruit_share) == ("on-track", pytest.approx(0.2))


def test_aspiration_guards():
    met = aspiration(40, 0.30, 0.28, 0.1, 2, 0.2, 2028)
    assert met.status == "target-met" and met.required_recruit_share == 0.28
    assert met.on_track is False  # keeping the share needs 28% of recruits, 20% observed
    unreachable = aspiration(40, 0.05, 0.28, 0.1, 2, 0.5, 2028)
    assert unreachable.status == "unreachable"
    assert unreachable.required_recruit_share > 1  # shown, not clamped
    assert "even if every recruit were BME" in unreachable.note
    past = aspiration(40, 0.10, 0.28, 0.1, 0, 0.5, 2023)
    assert (past.status, past.required_recruit_share) == ("behind", None)
    assert "has passed" in past.note
    assert aspiration(0, None, 0.28, 0.1, 2, None, 2028).status == "not-available"
    assert aspiration(10, None, 0.28, 0.1, 2, None, 2028).status == "not-available"
    assert aspiration(10, 0.1, None, 0.1, 2, None, 2028).status == "not-available"


def test_on_track_and_additional_recruits():
    # H=100, t=0.1, p0=0.068, T=0.191, N=10: r*=0.2568 -> 2.568 -> 3 BME recruits a year
    behind = aspiration(100, 0.068, 0.191, 0.10, 10, 0.15, 2036)
    assert behind.required_bme_recruits_per_year == 3
    assert behind.status == "behind" and behind.on_track is False
    # (0.2568 - 0.15) x 0.1 x 100 = 1.07 more a year, rounded up to 2 people
    assert behind.additional_bme_recruits_per_year == 2
    ahead = aspiration(100, 0.068, 0.191, 0.10, 10, 0.30, 2036)
    assert (ahead.status, ahead.additional_bme_recruits_per_year) == ("on-track", 0)


def test_recruits_round_up_and_turnover_is_averaged():
    assert recruits_per_year(0.2568, 0.1, 100) == 3
    assert recruits_per_year(0.25, 0.1, 40) == 1
    assert measured_turnover(5, 40, 60) == 0.1
    assert measured_turnover(0, 0, 0) is None


def test_trajectory_starts_now_and_ends_at_the_target():
    path = trajectory(0.068, 0.2568, 0.10, 10)
    assert len(path) == 11 and path[0] == 0.068
    assert path[-1] == pytest.approx(0.191, abs=1e-4)


def test_rounding_and_small_counts():
    figures = disclosure.Figures(counts={"a": 3, "b": 12, "c": 0, "d": 8, "e": 13})
    shown = disclosure.publish(figures, 7).counts
    assert shown == {"a": "*", "b": 10, "c": 0, "d": 10, "e": 15}


def test_the_issues_example_cannot_be_undone():
    # Total 43 less a visible 40 and a visible 0 left 3 across three hidden cells: each was 1.
    counts = {"total": 43, "big": 40, "zero": 0, "h1": 1, "h2": 1, "h3": 1}
    figures = disclosure.Figures(counts=counts)
    figures.add_sum("total", ["big", "zero", "h1", "h2", "h3"])
    published = disclosure.publish(figures, 7)
    assert published.counts["total"] == 45 and published.counts["big"] == 40
    bounds = disclosure.attack(
        figures, published.counts, published.derived, 7, published.primary, published.secondary
    )
    assert all(bounds[h][0] < bounds[h][1] for h in ("h1", "h2", "h3"))


def test_a_total_less_rounded_parts_that_would_pin_a_cell_gets_one_more_hidden():
    # 12 + 12 + 12 + 7 = 43: shown 10, 10, 10 and 45, the hidden cell is at least 45-2-36 = 7.
    counts = {"total": 43, "p1": 12, "p2": 12, "p3": 12, "h": 7}
    figures = disclosure.Figures(counts=counts)
    figures.add_sum("total", ["p1", "p2", "p3", "h"])
    bounds = disclosure.attack(
        figures,
        {"total": 45, "p1": 10, "p2": 10, "p3": 10, "h": "*"},
        {},
        7,
        {"h"},
        set(),
    )
    assert bounds["h"] == (7, 7)  # rounding alone would give it away
    published = disclosure.publish(figures, 7)
    assert published.secondary and published.counts["h"] == "*"
    bounds = disclosure.attack(
        figures, published.counts, published.derived, 7, published.primary, published.secondary
    )
    assert bounds["h"][0] < bounds["h"][1]


def test_a_share_that_would_pin_a_hidden_count_is_withheld():
    # total 22 = a 21 + h 1 (hidden). Rounded, h could be 1 to 4; but the share a / (a + w),
    # 21/34 = 61.8%, pins a = 21 among the values its rounding allows, and then h = 1.
    figures = disclosure.Figures(counts={"total": 22, "a": 21, "h": 1, "w": 13})
    figures.derived["share"] = disclosure.Derived(21 / 34, ("a", "w"), "share", numerator=("a",))
    alone = disclosure.publish(figures, 7)
    assert alone.derived["share"] == 0.618  # nothing links a to h yet
    figures.add_sum("total", ["a", "h"])
    published = disclosure.publish(figures, 7)
    assert published.derived["share"] == "*"
    assert published.counts == {"total": 20, "a": 20, "h": "*", "w": 15}
