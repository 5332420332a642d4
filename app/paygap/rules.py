"""The ethnicity pay gap's arithmetic (DOMAIN.md section 13; UK government guidance on ethnicity
pay reporting, 2023). Pure: no Flask, no database.

    mean gap %   = (mean_white - mean_bme) / mean_white x 100
    median gap % = (median_white - median_bme) / median_white x 100

Positive means BME staff are paid less an hour. Unknown ethnicities are in neither group and are
counted beside the figure. Pay quartiles: everyone with pay recorded, ordered by hourly pay and
split into four groups as equal as possible; the BME share of each is over known ethnicities.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction

SMALL_NUMBERS = 10
GROUPS = ("white", "bme", "unknown")


def median(values: Sequence) -> Fraction | None:
    """The median of values already sorted ascending; the mean of the middle two when even."""
    n = len(values)
    if not n:
        return None
    middle = n // 2
    if n % 2:
        return Fraction(values[middle])
    return (Fraction(values[middle - 1]) + Fraction(values[middle])) / 2


def gap_percent(white, bme) -> float | None:
    """(white - bme) / white x 100, from exact values; None when either is missing."""
    if white is None or bme is None or white == 0:
        return None
    white, bme = Fraction(white), Fraction(bme)
    return float((white - bme) / white * 100)


@dataclass(frozen=True)
class PayGap:
    white_staff: int
    bme_staff: int
    unknown_staff: int
    white_mean: Fraction | None
    bme_mean: Fraction | None
    white_median: Fraction | None
    bme_median: Fraction | None
    mean_gap_percent: float | None
    median_gap_percent: float | None
    note: str | None


def pay_gap(counts: dict, sums: dict, sorted_pay: dict) -> PayGap:
    """The gap for one group of staff. `counts` and `sums` map white/bme/unknown to the number of
    staff with pay and the sum of their hourly pay (from SQL); `sorted_pay` maps white and bme to
    their hourly pay in ascending order (for the medians)."""
    white_n, bme_n = counts.get("white", 0), counts.get("bme", 0)

    def mean(group, n):
        return Fraction(sums[group]) / n if n else None

    white_mean, bme_mean = mean("white", white_n), mean("bme", bme_n)
    white_median = median(sorted_pay.get("white", ()))
    bme_median = median(sorted_pay.get("bme", ()))
    missing = [name for name, n in (("white", white_n), ("BME", bme_n)) if n == 0]
    if missing:
        note = f"not available: no {' or '.join(missing)} staff with pay recorded"
    else:
        small = [name for name, n in (("white", white_n), ("BME", bme_n)) if n < SMALL_NUMBERS]
        note = (
            f"small numbers: fewer than {SMALL_NUMBERS} {' and '.join(small)} staff with pay "
            "recorded; read with care"
            if small
            else None
        )
    return PayGap(
        white_n,
        bme_n,
        counts.get("unknown", 0),
        white_mean,
        bme_mean,
        white_median,
        bme_median,
        gap_percent(white_mean, bme_mean),
        gap_percent(white_median, bme_median),
        note,
    )


def quartile_bounds(n: int) -> list[tuple[int, int]]:
    """Positions [start, end) of the four quartiles of n people ordered by pay, as equal as
    possible: sizes differ by at most one, the larger ones toward the top."""
    return [(k * n // 4, (k + 1) * n // 4) for k in range(4)]


def spread_ties(people: Iterable[tuple]) -> list[tuple]:
    """(pay, group) pairs in pay order, where people on the same pay are interleaved so each
    group is spread evenly through the run: a quartile boundary inside the run then splits every
    group in proportion (as the gender pay gap guidance asks for ties), and the order never
    depends on who was imported first."""
    ordered = sorted(people, key=lambda p: p[0])
    result = []
    start = 0
    while start < len(ordered):
        end = start
        while end < len(ordered) and ordered[end][0] == ordered[start][0]:
            end += 1
        run = ordered[start:end]
        if len(run) > 1:
            run = _interleave(run)
        result.extend(run)
        start = end
    return result


def _interleave(run: list[tuple]) -> list[tuple]:
    """People on one pay, reordered so that every prefix holds each group as near its share of
    the run as whole people allow: each next place goes to the group furthest behind its share
    (ties by group name), so any cut through the run splits every group in proportion."""
    n = len(run)
    waiting: dict = defaultdict(list)
    for pay, group in run:
        waiting[group].append(pay)
    sizes = {group: len(pays) for group, pays in waiting.items()}
    placed = dict.fromkeys(sizes, 0)
    ordered = []
    for position in range(1, n + 1):
        group = max(
            (g for g in sorted(sizes) if placed[g] < sizes[g]),
            key=lambda g: Fraction(position * sizes[g], n) - placed[g],
        )
        ordered.append((waiting[group][placed[group]], group))
        placed[group] += 1
    return ordered


def quartiles(people: Iterable[tuple]) -> list[dict]:
    """The four pay quartiles of (hourly pay, group) pairs, lowest paid first: headcount by
    group and the BME share of known ethnicities (None when a quartile has no one known)."""
    ordered = spread_ties(people)
    rows = []
    for number, (start, end) in enumerate(quartile_bounds(len(ordered)), start=1):
        counts = dict.fromkeys(GROUPS, 0)
        for _, group in ordered[start:end]:
            counts[group] += 1
        known = counts["white"] + counts["bme"]
        rows.append(
            {
                "quartile": number,
                "staff": end - start,
                **counts,
                "bme_share": counts["bme"] / known if known else None,
            }
        )
    return rows
