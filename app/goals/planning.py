"""The organisation's goals against the aspiration model (DOMAIN.md section 7). Pure: no Flask,
no database.

A goal is a BME share (of known ethnicities) for a row of the aspiration table at a WRES year's
31 March, a relative likelihood for indicator 2, or a share of senior leaders meeting the
mentoring commitment. The form starts from the model's required path; beside each number it
shows the BME recruits a year that number implies at the row's turnover, from the step before
it (today's share for the first year) to that year.
"""

import math
from dataclasses import dataclass
from datetime import date

from app.metrics import formulas
from app.workforce.bands import SENIOR_BANDS

SHARE_ROWS = (*SENIOR_BANDS, "8a+", "board")
INDICATOR2 = "indicator2"
MENTORING = "mentoring"
MEASURES = (*SHARE_ROWS, INDICATOR2, MENTORING)
YEARS_AHEAD = 3

MEASURE_NAMES = {
    **{band: f"Band {band}" for band in SENIOR_BANDS if band != "VSM"},
    "VSM": "Very senior managers",
    "8a+": "8a and above",
    "board": "Voting board",
    INDICATOR2: "Indicator 2 (relative likelihood)",
    MENTORING: "Mentoring coverage",
}
# What an action can serve: a goal, or one of the commitments the figures track.
SERVES = {
    **{m: f"Goal: {MEASURE_NAMES[m]}" for m in MEASURES},
    "panel-compliance": "Panel compliance",
    "justifications": "Justifications to the chair",
}
ACTION_STATUSES = {
    "not-started": "Not started",
    "in-progress": "In progress",
    "done": "Done",
    "dropped": "Dropped",
}
OPEN_STATUSES = ("not-started", "in-progress")
PROGRESS_WORDS = {"met": "Met", "on-track": "On track", "behind": "Behind", "no-data": "No data"}


def slug(measure: str) -> str:
    """A form field name for a measure ("8a+" is not a name a form can carry)."""
    return measure.replace("+", "plus")


def goal_years(base_year: int, target_year: int) -> list[int]:
    """The next three WRES years after the base year, and the target year when it lies beyond
    them (DOMAIN.md section 7's target year, default 2028)."""
    years = [base_year + n for n in range(1, YEARS_AHEAD + 1)]
    if target_year > years[-1]:
        years.append(target_year)
    return years


def required_path(row: dict, target: float | None, as_at: date, years: list[int]) -> dict:
    """The model's required BME share at each goal year's 31 March for one aspiration row:
    p_n = r* + (p0 - r*)(1 - t)^n up to the target year, then the target held. A row whose
    target is met keeps the target; one with no measurable share has no path."""
    p0 = row.get("bme_share")
    if p0 is None or target is None:
        return dict.fromkeys(years)
    recruit = row.get("required_recruit_share")
    left = max(row.get("years") or 0, 0)
    path = {}
    for year in years:
        n = year - as_at.year
        if p0 >= target or recruit is None or left <= 0:
            path[year] = max(target, p0) if p0 >= target else target
        elif n >= left:
            path[year] = target
        else:
            path[year] = formulas.share_after(max(n, 0), p0, recruit, row["turnover"])
    return path


def implied_recruits(
    start_share: float | None,
    goal_share: float | None,
    years: int,
    turnover: float,
    headcount: int,
) -> tuple[int | None, float | None]:
    """(BME recruits a year, BME share of recruits) that moving from `start_share` to
    `goal_share` in `years` years implies at this turnover and headcount (held constant).
    None where it cannot be said: no start, no goal, no time, no turnover or nobody in post."""
    if start_share is None or goal_share is None or years <= 0 or headcount <= 0:
        return None, None
    recruit_share = formulas.required_recruit_share(start_share, goal_share, turnover, years)
    if recruit_share is None:
        return None, None
    recruits = max(0, formulas.recruits_per_year(max(recruit_share, 0), turnover, headcount))
    return recruits, recruit_share


def implied_steps(
    share_now: float | None, goals: dict, as_at: date, turnover: float, headcount: int
) -> dict:
    """For each goal year, what the step from the previous goal (today's share first) implies:
    {year: (recruits a year, share of recruits)}."""
    steps = {}
    previous_share, previous_year = share_now, as_at.year
    for year in sorted(goals):
        goal = goals[year]
        steps[year] = implied_recruits(
            previous_share, goal, year - previous_year, turnover, headcount
        )
        if goal is not None:
            previous_share, previous_year = goal, year
    return steps


def people_short(goal_share: float, bme: int, known: int) -> int:
    """BME people the row is short of the goal, at its present known headcount: the smallest k
    with (bme + k) / known >= goal (each a BME recruit replacing a leaver who was not)."""
    if known <= 0:
        return 0
    return max(0, math.ceil(goal_share * known - bme - 1e-9))


@dataclass(frozen=True)
class Progress:
    status: str  # met | on-track | behind | no-data
    actual: float | None
    gap_points: float | None  # percentage points (shares) or ratio points (indicator 2)
    gap_people: int | None
    basis: str  # where the actual figure came from


def share_progress(
    goal: float,
    year: int,
    closed: dict | None,
    now: dict | None,
    current_year: int,
) -> Progress:
    """A share goal for `year`. `closed`: the row as stored at that year's 31 March (a closed
    year); `now`: today's row with its observed share of appointments and turnover. A closed
    year is met or behind; a year still ahead is met (already there), on track (the last 12
    months' BME share of appointments is at least what reaching the goal needs) or behind."""
    if closed is not None:
        share = closed.get("bme_share")
        if share is None:
            return Progress("no-data", None, None, None, f"stored 31 March {year} figures")
        known = closed["bme"] + closed["white"]
        met = share >= goal - 1e-12
        return Progress(
            "met" if met else "behind",
            share,
            0.0 if met else 100 * (goal - share),
            people_short(goal, closed["bme"], known),
            f"stored 31 March {year} figures",
        )
    if now is None or now.get("bme_share") is None:
        return Progress("no-data", None, None, None, "today's figures")
    share = now["bme_share"]
    known = now["bme"] + now["white"]
    gap_people = people_short(goal, now["bme"], known)
    if share >= goal - 1e-12:
        return Progress("met", share, 0.0, 0, "today's figures")
    years = max(1, year - current_year + 1)
    needed = formulas.required_recruit_share(share, goal, now["turnover"], years)
    observed = now.get("observed_recruit_share")
    on_track = needed is not None and needed <= 1 and observed is not None and observed >= needed
    return Progress(
        "on-track" if on_track else "behind",
        share,
        100 * (goal - share),
        gap_people,
        "today's figures",
    )


def indicator2_progress(goal: float, figures: dict | None, closed: bool) -> Progress:
    """A relative likelihood goal: at most `goal` (1.25 is the top of the non-adverse range).
    The gap in people is the further BME appointments, from the same BME shortlist, that would
    have brought the figure down to the goal."""
    basis = "the year's decisions" if closed else "decisions so far this year"
    if figures is None or not figures.get("bme_shortlisted"):
        return Progress("no-data", None, None, None, basis)
    ratio = figures.get("relative_likelihood")
    white_rate = figures.get("white_rate")
    needed = None
    if white_rate is not None:
        needed = max(
            0,
            math.ceil(white_rate * figures["bme_shortlisted"] / goal - 1e-9)
            - figures["bme_appointed"],
        )
        needed = min(needed, figures["bme_shortlisted"] - figures["bme_appointed"])
    if ratio is None:
        if figures.get("classification") == "adverse-to-bme":  # no BME applicant appointed
            return Progress("behind", None, None, needed, basis)
        return Progress("no-data", None, None, None, basis)
    if ratio <= goal + 1e-12:
        return Progress("met" if closed else "on-track", ratio, 0.0, 0, basis)
    return Progress("behind", ratio, ratio - goal, needed, basis)


def coverage_progress(goal: float, met: int, total: int, closed: bool) -> Progress:
    basis = "the year's appraisal records" if closed else "the appraisal year so far"
    if total == 0:
        return Progress("no-data", None, None, None, basis)
    share = met / total
    if share >= goal - 1e-12:
        return Progress("met" if closed else "on-track", share, 0.0, 0, basis)
    return Progress(
        "behind", share, 100 * (goal - share), math.ceil(goal * total - met - 1e-9), basis
    )


def default_indicator2(current: float | None, high: float, years: list[int]) -> dict:
    """From today's figure down to the top of the non-adverse range by the last goal year, in
    equal steps; the top of the range throughout when today's figure is already inside it."""
    if current is None or current <= high:
        return dict.fromkeys(years, round(high, 2))
    steps = len(years)
    return {
        year: round(current - (current - high) * (i + 1) / steps, 2) for i, year in enumerate(years)
    }


def shortfalls(goals: dict, path: dict) -> list[tuple[str, int, float, float]]:
    """Where approved goals fall short of a new required path: (measure, year, goal, path),
    for share rows whose goal is more than 0.05 points below the path."""
    found = []
    for (measure, year), goal in sorted(goals.items()):
        if measure not in SHARE_ROWS or goal is None:
            continue
        wanted = path.get(measure, {}).get(year)
        if wanted is not None and goal < wanted - 0.0005:
            found.append((measure, year, goal, wanted))
    return found


def reminder_kind(due: date, today: date) -> str | None:
    """An action's owner is reminded a week before it is due, on the day, then weekly."""
    if today == due:
        return "due-today"
    if today < due:
        return "due-soon" if (due - today).days == 7 else None
    return "overdue" if (today - due).days % 7 == 0 else None
