"""The national formulas (DOMAIN.md sections 5-7). Pure: no Flask, no database.

Everything is computed from unrounded counts; rounding is for display only. Nothing here returns
infinity or NaN: an undefined figure is None, with a reason a person can read.
"""

import math
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

Z_95 = 1.96
SMALL_NUMBERS = 10


# Indicator 2: relative likelihood of appointment from shortlisting


@dataclass(frozen=True)
class Indicator2:
    white_shortlisted: int
    white_appointed: int
    bme_shortlisted: int
    bme_appointed: int
    unknown_shortlisted: int
    unknown_appointed: int
    white_rate: float | None
    bme_rate: float | None
    relative_likelihood: float | None
    ci_low: float | None
    ci_high: float | None
    classification: str
    note: str | None


def _rate(appointed: int, shortlisted: int) -> float | None:
    return appointed / shortlisted if shortlisted else None


Number = int | float | Decimal | Fraction


def exact(value: Number) -> Fraction:
    """The exact value of a setting or a ratio of counts. A float is read as the decimal it
    prints as (0.8 is 4/5, not the binary fraction nearest to it), because every float reaching
    here was typed or stored as a decimal."""
    if isinstance(value, float):
        return Fraction(repr(value))
    return Fraction(value)


def classify(ratio: Number, low: Number = Fraction(4, 5), high: Number = Fraction(5, 4)) -> str:
    """NHS England's non-adverse range, bounds inclusive, decided on exact values: a ratio of
    exactly 0.80 or 1.25 is non-adverse however floating point would round it."""
    ratio, low, high = exact(ratio), exact(low), exact(high)
    if ratio > high:
        return "adverse-to-bme"
    if ratio < low:
        return "adverse-to-white"
    return "non-adverse"


def confidence_interval(
    a_w: int, n_w: int, a_b: int, n_b: int, ratio: float
) -> tuple[float | None, float | None]:
    """95% interval for a ratio of two proportions, log method; None where it is undefined."""
    if not (a_w and a_b and n_w and n_b) or ratio <= 0:
        return None, None
    se = math.sqrt(1 / a_w - 1 / n_w + 1 / a_b - 1 / n_b)
    log_ratio = math.log(ratio)
    return math.exp(log_ratio - Z_95 * se), math.exp(log_ratio + Z_95 * se)


def indicator2(
    white_shortlisted: int,
    white_appointed: int,
    bme_shortlisted: int,
    bme_appointed: int,
    unknown_shortlisted: int = 0,
    unknown_appointed: int = 0,
    low: Number = Fraction(4, 5),
    high: Number = Fraction(5, 4),
) -> Indicator2:
    white_rate = _rate(white_appointed, white_shortlisted)
    bme_rate = _rate(bme_appointed, bme_shortlisted)
    counts = (
        white_shortlisted,
        white_appointed,
        bme_shortlisted,
        bme_appointed,
        unknown_shortlisted,
        unknown_appointed,
    )

    def result(ratio, ci, classification, note):
        return Indicator2(*counts, white_rate, bme_rate, ratio, *ci, classification, note)

    missing = [
        name for name, n in (("white", white_shortlisted), ("BME", bme_shortlisted)) if n == 0
    ]
    if missing:
        return result(
            None,
            (None, None),
            "not-available",
            f"Not available: no {' or '.join(missing)} applicants were shortlisted",
        )
    if white_appointed == 0 and bme_appointed == 0:
        return result(
            None,
            (None, None),
            "not-available",
            "Not available: neither white nor BME shortlisted applicants were appointed",
        )
    small = [
        name
        for name, n in (("white", white_shortlisted), ("BME", bme_shortlisted))
        if n < SMALL_NUMBERS
    ]
    small_note = (
        f"Small numbers: fewer than {SMALL_NUMBERS} {' and '.join(small)} "
        "applicants were shortlisted, so the figure can swing widely"
        if small
        else None
    )
    if bme_appointed == 0:
        return result(
            None,
            (None, None),
            "adverse-to-bme",
            "No BME applicant appointed: white shortlisted applicants were appointed "
            "and no BME shortlisted applicant was, so the ratio has no upper bound"
            + (f". {small_note}" if small_note else ""),
        )
    ratio = white_rate / bme_rate
    ci = confidence_interval(
        white_appointed, white_shortlisted, bme_appointed, bme_shortlisted, ratio
    )
    note = small_note
    if white_appointed == 0:
        note = "No white applicant appointed: the ratio is 0 and its interval is not defined" + (
            f". {small_note}" if small_note else ""
        )
    exact_ratio = Fraction(white_appointed * bme_shortlisted, white_shortlisted * bme_appointed)
    return result(ratio, ci, classify(exact_ratio, low, high), note)


def share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


# Leadership aspiration: stock-and-flow model


def share_after(years: int, p0: float, recruit_share: float, turnover: float) -> float:
    """p_n = r + (p0 - r)(1 - t)^n"""
    return recruit_share + (p0 - recruit_share) * (1 - turnover) ** years


def required_recruit_share(p0: float, target: float, turnover: float, years: int) -> float | None:
    """r* = (T - p0 (1-t)^N) / (1 - (1-t)^N); None when no recruitment can change the share
    (no years left, or no turnover)."""
    if years <= 0:
        return None
    remaining = (1 - turnover) ** years
    if remaining >= 1:
        return None
    return (target - p0 * remaining) / (1 - remaining)


def recruits_per_year(recruit_share: float, turnover: float, headcount: int) -> int:
    """r* · t · H, rounded up to whole people (exactly, when given exact values)."""
    product = recruit_share * turnover * headcount
    if isinstance(product, Fraction):
        return math.ceil(product)
    return math.ceil(product - 1e-9)


def measured_turnover(leavers: int, headcount_start: int, headcount_end: int) -> float | None:
    """Leavers in the year over the average headcount; None when there was nobody."""
    average = (headcount_start + headcount_end) / 2
    return leavers / average if average else None


@dataclass(frozen=True)
class Aspiration:
    years: int
    required_recruit_share: float | None
    required_bme_recruits_per_year: int | None
    status: str  # on-track | behind | target-met | unreachable | not-available
    on_track: bool | None
    additional_bme_recruits_per_year: int | None
    note: str | None


def aspiration(
    headcount: int,
    p0: float | None,
    target: float | None,
    turnover: float,
    years: int,
    observed: float | None,
    target_year: int,
) -> Aspiration:
    """One row of the leadership aspiration, with the guards of DOMAIN.md section 7."""
    if headcount == 0:
        return Aspiration(
            years, None, None, "not-available", None, None, "No staff in post in this band"
        )
    if p0 is None:
        return Aspiration(
            years,
            None,
            None,
            "not-available",
            None,
            None,
            "Every ethnicity in this band is unknown, so its BME share cannot be measured",
        )
    if target is None:
        return Aspiration(
            years,
            None,
            None,
            "not-available",
            None,
            None,
            "The organisation's BME share cannot be measured: every ethnicity is unknown",
        )
    if years <= 0:
        met = p0 >= target
        return Aspiration(
            years,
            None,
            None,
            "target-met" if met else "behind",
            met,
            None,
            f"The target year {target_year} has passed: the target was "
            f"{'met' if met else 'not met'}",
        )
    if p0 >= target:
        needed = recruits_per_year(target, turnover, headcount)
        on_track = observed is None or observed >= target
        return Aspiration(
            years,
            target,
            needed,
            "target-met",
            on_track,
            None,
            "Target met: recruits need to keep the BME share at the target",
        )
    required = required_recruit_share(p0, target, turnover, years)
    if required is None:
        return Aspiration(
            years,
            None,
            None,
            "unreachable",
            False,
            None,
            "With no turnover the share cannot change by recruitment",
        )
    needed = recruits_per_year(required, turnover, headcount)
    if required > 1:
        return Aspiration(
            years,
            required,
            needed,
            "unreachable",
            False,
            None,
            f"Not reachable by {target_year} even if every recruit were BME "
            f"(it would take {float(required):.0%} of recruits)",
        )
    if observed is None:
        return Aspiration(
            years,
            required,
            needed,
            "behind",
            False,
            needed,
            "No appointments into this band in the last 12 months to compare",
        )
    on_track = observed >= required
    additional = 0 if on_track else recruits_per_year(required - observed, turnover, headcount)
    return Aspiration(
        years, required, needed, "on-track" if on_track else "behind", on_track, additional, None
    )


def trajectory(p0: float, recruit_share: float, turnover: float, years: int) -> list[float]:
    """The share year by year from now (year 0) to the target year along the required path."""
    return [share_after(n, p0, recruit_share, turnover) for n in range(max(years, 0) + 1)]
