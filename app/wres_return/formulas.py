"""Indicators 3 and 4 (DOMAIN.md section 13): relative likelihoods over headcounts, with the
section 5 treatment. Pure: no Flask, no database.

Both are the likelihood of one group over the other's, where a likelihood is the people of a group
who entered a formal disciplinary investigation (3) or accessed non-mandatory training (4) over its
headcount. Indicator 3 puts BME staff on top (above 1.25: more BME staff disciplined), indicator 4
white staff (above 1.25: more white staff trained); in both, above the range is adverse to BME
staff, so classification reuses indicator 2's exact rule and words.
"""

import math
from dataclasses import dataclass
from fractions import Fraction

from app.metrics.formulas import SMALL_NUMBERS, Z_95, Number, classify

WHAT = {
    3: "entered a formal disciplinary investigation",
    4: "accessed non-mandatory training",
}
# Which group's likelihood is on top of the ratio.
ON_TOP = {3: "bme", 4: "white"}
NAMES = {"white": "white", "bme": "BME"}


@dataclass(frozen=True)
class RelativeLikelihood:
    white_headcount: int
    white_count: int
    bme_headcount: int
    bme_count: int
    unknown_headcount: int
    unknown_count: int
    white_likelihood: float | None
    bme_likelihood: float | None
    relative_likelihood: float | None
    ci_low: float | None
    ci_high: float | None
    classification: str
    note: str | None


def interval(a_top: int, n_top: int, a_bottom: int, n_bottom: int, ratio: float):
    """95% interval for a ratio of two proportions, log method (DOMAIN.md section 5). None when
    undefined: a zero count, or counts above their headcounts (people who entered in the year but
    had left by 31 March can outnumber those in post in a tiny group)."""
    if not (a_top and a_bottom and n_top and n_bottom) or ratio <= 0:
        return None, None
    variance = 1 / a_top - 1 / n_top + 1 / a_bottom - 1 / n_bottom
    if variance <= 0:
        return None, None
    se = math.sqrt(variance)
    return math.exp(math.log(ratio) - Z_95 * se), math.exp(math.log(ratio) + Z_95 * se)


def relative_likelihood(
    indicator: int,
    white_headcount: int,
    white_count: int,
    bme_headcount: int,
    bme_count: int,
    unknown_headcount: int = 0,
    unknown_count: int = 0,
    low: Number = Fraction(4, 5),
    high: Number = Fraction(5, 4),
) -> RelativeLikelihood:
    """Indicator 3 or 4 from its counts."""
    what = WHAT[indicator]
    top = ON_TOP[indicator]
    bottom = "white" if top == "bme" else "bme"
    headcount = {"white": white_headcount, "bme": bme_headcount}
    count = {"white": white_count, "bme": bme_count}
    likelihood = {g: (count[g] / headcount[g] if headcount[g] else None) for g in ("white", "bme")}
    counts = (
        white_headcount,
        white_count,
        bme_headcount,
        bme_count,
        unknown_headcount,
        unknown_count,
    )

    def result(ratio, ci, classification, note):
        return RelativeLikelihood(
            *counts, likelihood["white"], likelihood["bme"], ratio, *ci, classification, note
        )

    missing = [NAMES[g] for g in ("white", "bme") if headcount[g] == 0]
    if missing:
        return result(
            None,
            (None, None),
            "not-available",
            f"Not available: no {' or '.join(missing)} staff were in post on 31 March",
        )
    if white_count == 0 and bme_count == 0:
        return result(
            None,
            (None, None),
            "not-available",
            f"Not available: neither white nor BME staff {what}",
        )
    small = [
        NAMES[g]
        for g in ("white", "bme")
        if count[g] < SMALL_NUMBERS or headcount[g] < SMALL_NUMBERS
    ]
    small_note = (
        f"Small numbers: fewer than {SMALL_NUMBERS} {' and '.join(small)} staff {what} or were "
        "in post, so the figure can swing widely"
        if small
        else None
    )

    def with_small(text):
        return text + (f". {small_note}" if small_note else "")

    if count[bottom] == 0:
        return result(
            None,
            (None, None),
            "adverse-to-bme",
            with_small(
                f"No {NAMES[bottom]} staff {what} while {NAMES[top]} staff did, so the ratio has "
                "no upper bound"
            ),
        )
    ratio = likelihood[top] / likelihood[bottom]
    ci = interval(count[top], headcount[top], count[bottom], headcount[bottom], ratio)
    note = small_note
    if count[top] == 0:
        note = with_small(
            f"No {NAMES[top]} staff {what}: the ratio is 0 and its interval is not defined"
        )
    exact_ratio = Fraction(count[top] * headcount[bottom], headcount[top] * count[bottom])
    return result(ratio, ci, classify(exact_ratio, low, high), note)
