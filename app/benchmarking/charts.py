"""Geometry of the benchmarking charts: the funnel plot of indicator 2 against shortlisted
numbers, and one organisation's indicator 2 over the years. Pure: no Flask, no database.

The pictures are drawn by templates from what these functions return (autoescaped SVG in the
page), so a mark is an element a test can find by its organisation's code, and a page with every
NHS organisation on it costs no plotting library's start-up. Each has its data table beside it.
"""

import math
from dataclasses import dataclass, field

from app.benchmarking.publication import NON_ADVERSE_HIGH, NON_ADVERSE_LOW

Z95 = 1.959964
WIDTH, HEIGHT = 640, 380
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 16, 48
Y_TICKS = (0.1, 0.2, 0.25, 0.5, 0.8, 1.0, 1.25, 2.0, 4.0, 5.0, 10.0)
MARKS = {
    "above": "Interval wholly above the non-adverse range (adverse to BME applicants)",
    "below": "Interval wholly below the non-adverse range (adverse to white applicants)",
    "overlaps": "Interval overlaps the non-adverse range",
    None: "Interval withheld or not available",
}

# The same, in the few words a narrow table column holds.
SHORT_MARKS = {
    "above": "Wholly above",
    "below": "Wholly below",
    "overlaps": "Overlaps",
    None: "Withheld",
}


@dataclass
class Point:
    """One organisation's published indicator 2."""

    organisation_id: int
    code: str
    name: str
    label: str  # the x value's label (shortlisted) or the year
    x: float
    ratio: float
    ci_low: float | None
    ci_high: float | None
    position: str | None


COLOURS = {"above": "#d5281b", "below": "#003087"}
GREY = "#768692"


@dataclass
class Plotted:
    """A point placed on the chart, with what its mark is drawn from worked out here (the page
    draws hundreds: each value the template prints is one more escape)."""

    point: Point
    cx: float
    cy: float
    y_low: float | None
    y_high: float | None
    clipped: bool

    @property
    def colour(self) -> str:
        return COLOURS.get(self.point.position, GREY)

    @property
    def triangle(self) -> str | None:
        """The path of a marked point's triangle (up: above the range, down: below)."""
        x, y = self.cx, self.cy
        if self.point.position == "above":
            return f"M{x} {y - 6} L{x + 6} {y + 5} L{x - 6} {y + 5} Z"
        if self.point.position == "below":
            return f"M{x} {y + 6} L{x + 6} {y - 5} L{x - 6} {y - 5} Z"
        return None

    @property
    def title(self) -> str:
        p = self.point
        text = f"{p.name} ({p.label}): {p.ratio:.2f}"
        if p.ci_low is not None and p.ci_high is not None:
            text += f", 95% interval {p.ci_low:.2f} to {p.ci_high:.2f}"
        text += f". {MARKS[p.position]}"
        return text + (" (cut at the edge of the chart)" if self.clipped else "")

    @property
    def interval_text(self) -> str:
        p = self.point
        if p.ci_low is None or p.ci_high is None:
            return f"{p.ratio:.2f} (*)"
        return f"{p.ratio:.2f} ({p.ci_low:.2f} to {p.ci_high:.2f})"


@dataclass
class Chart:
    width: int
    height: int
    left: float
    right: float
    top: float
    bottom: float
    band_top: float  # y of the range's upper bound
    band_bottom: float
    one: float  # y of 1.0
    y_ticks: list = field(default_factory=list)  # (y, label)
    x_ticks: list = field(default_factory=list)  # (x, label)
    points: list = field(default_factory=list)
    funnel: list = field(default_factory=list)  # polylines as "x,y x,y ..."
    line: str = ""  # the trend's path through the years
    low: float = float(NON_ADVERSE_LOW)
    high: float = float(NON_ADVERSE_HIGH)


def _nice_ceiling(value: float) -> float:
    if value <= 0:
        return 10.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power


def _y_scale(values: list[float], top: float, bottom: float):
    """A log scale covering the range and every value (within 0.1 to 10), and its ticks."""
    low = min([0.5, *values])
    high = max([2.0, *values])
    low, high = max(0.1, low / 1.1), min(10.0, high * 1.1)
    span = math.log(high) - math.log(low)

    def y(value: float) -> float:
        value = min(max(value, low), high)
        return bottom - (math.log(value) - math.log(low)) / span * (bottom - top)

    ticks = [(y(t), f"{t:.2f}") for t in Y_TICKS if low <= t <= high]
    return y, low, high, ticks


def funnel_limits(n: float, rate: float, bme_share: float) -> tuple[float, float] | None:
    """Where, for an organisation with `n` shortlisted, a 95% interval stops touching the range:
    the range's bounds widened by 1.96 standard errors of the log ratio, with the appointment rate
    and the BME share of shortlisted applicants at the values of all the organisations shown."""
    if not (0 < rate < 1 and 0 < bme_share < 1 and n > 0):
        return None
    se = math.sqrt((1 - rate) / rate * (1 / ((1 - bme_share) * n) + 1 / (bme_share * n)))
    return (
        float(NON_ADVERSE_LOW) * math.exp(-Z95 * se),
        float(NON_ADVERSE_HIGH) * math.exp(Z95 * se),
    )


def _frame(values: list[float]) -> tuple[Chart, callable, float, float]:
    top, bottom = TOP, HEIGHT - BOTTOM
    y, low, high, ticks = _y_scale(values, top, bottom)
    chart = Chart(
        WIDTH,
        HEIGHT,
        LEFT,
        WIDTH - RIGHT,
        top,
        bottom,
        band_top=y(float(NON_ADVERSE_HIGH)),
        band_bottom=y(float(NON_ADVERSE_LOW)),
        one=y(1.0),
        y_ticks=ticks,
    )
    return chart, y, low, high


def _plot(chart: Chart, point: Point, cx: float, y, low: float, high: float) -> Plotted:
    clipped = not (low <= point.ratio <= high) or any(
        v is not None and not (low <= v <= high) for v in (point.ci_low, point.ci_high)
    )
    return Plotted(
        point,
        round(cx, 1),
        round(y(point.ratio), 1),
        None if point.ci_low is None else round(y(point.ci_low), 1),
        None if point.ci_high is None else round(y(point.ci_high), 1),
        clipped,
    )


def funnel(points: list[Point], rate: float | None, bme_share: float | None) -> Chart:
    """Each organisation at (shortlisted, indicator 2) with its interval, on a log scale, over the
    non-adverse range and the funnel where intervals stop touching it."""
    values = [p.ratio for p in points]
    chart, y, low, high = _frame(values)
    x_max = _nice_ceiling(max([p.x for p in points], default=0))
    span = chart.right - chart.left

    def x(value: float) -> float:
        return chart.left + value / x_max * span

    chart.x_ticks = [(round(x(x_max * i / 5), 1), f"{x_max * i / 5:,.0f}") for i in range(6)]
    chart.points = [_plot(chart, p, x(p.x), y, low, high) for p in points]
    if rate is not None and bme_share is not None:
        steps = [x_max * (i / 60) ** 2 for i in range(1, 61)]  # dense where the funnel is steep
        limits = [(n, funnel_limits(n, rate, bme_share)) for n in steps]
        for side in (0, 1):
            chart.funnel.append(
                " ".join(
                    f"{x(n):.1f},{y(limit[side]):.1f}" for n, limit in limits if limit is not None
                )
            )
    return chart


def trend(points: list[Point]) -> Chart:
    """One organisation's indicator 2, year by year, with intervals, over the range."""
    chart, y, low, high = _frame([p.ratio for p in points])
    count = max(1, len(points))
    span = chart.right - chart.left

    def x(index: int) -> float:
        return chart.left + (index + 0.5) / count * span

    chart.points = [_plot(chart, p, x(i), y, low, high) for i, p in enumerate(points)]
    chart.x_ticks = [(round(x(i), 1), p.label) for i, p in enumerate(points)]
    chart.line = " ".join(f"{p.cx},{p.cy}" for p in chart.points)
    return chart
