"""Indicators 3 and 4 as GROUP BY queries over the staff history (DOMAIN.md sections 6 and 13).

Headcounts are staff in post on each 31 March as their records stood that day, with a pay band
(the workforce of indicator 1), non-executive directors excluded. A person counts once a year
however many cases or courses they have, in the group of their record on the day of their first
case or course of that year.
"""

from dataclasses import asdict
from datetime import date

from sqlalchemy import func, or_, select

from app.extensions import db
from app.workforce import history
from app.workforce.ethnicity import sql_group
from app.workforce.models import OrganisationSettings
from app.workforce.models import StaffHistory as Version
from app.workforce.wres_year import WresYear
from app.wres_return import formulas
from app.wres_return.models import DisciplinaryCase, TrainingRecord

GROUPS = ("white", "bme", "unknown")
# How many WRES years the dashboard's trend shows.
TREND_YEARS = 5


def headcount(organisation_id: int, day: date) -> dict[str, int]:
    """Staff in post on `day` with a pay band, non-executive directors excluded, by group."""
    group = sql_group(Version.ethnic_category)
    counts = dict.fromkeys(GROUPS, 0)
    for grp, n in db.session.execute(
        select(group, func.count())
        .where(
            *history.in_post_as_at(organisation_id, day),
            Version.pay_band.is_not(None),
            or_(Version.board_role.is_(None), Version.board_role != "non-executive"),
        )
        .group_by(group)
    ):
        counts[grp] += n
    return counts


def headcount_from(in_post: list) -> dict[str, int]:
    """`headcount` summed from history.in_post_counts rows the caller has already read."""
    counts = dict.fromkeys(GROUPS, 0)
    for row in in_post:
        if row.pay_band is not None and row.board_role != "non-executive":
            counts[row.grp] += row.n
    return counts


def _people(organisation_id: int, table, day_column, start: date, end: date, *where):
    """People with at least one row dated in [start, end], by the group of their record on the
    day of their first such row."""
    first = (
        select(table.staff_id.label("staff_id"), func.min(day_column).label("first_day"))
        .where(table.organisation_id == organisation_id, day_column.between(start, end), *where)
        .group_by(table.staff_id)
        .subquery()
    )
    group = sql_group(func.coalesce(Version.ethnic_category, "99"))
    counts = dict.fromkeys(GROUPS, 0)
    for grp, n in db.session.execute(
        select(group, func.count())
        .select_from(first)
        .outerjoin(Version, history.judged_on(first.c.staff_id, first.c.first_day, Version))
        .group_by(group)
    ):
        counts[grp] += n
    return counts


def entered_investigation(organisation_id: int, year: int) -> dict[str, int]:
    wres_year = WresYear(year)
    return _people(
        organisation_id,
        DisciplinaryCase,
        DisciplinaryCase.investigation_start_date,
        wres_year.start,
        wres_year.end,
    )


def accessed_training(organisation_id: int, year: int) -> dict[str, int]:
    wres_year = WresYear(year)
    return _people(
        organisation_id,
        TrainingRecord,
        TrainingRecord.start_date,
        wres_year.start,
        wres_year.end,
        ~TrainingRecord.mandatory,
    )


COUNTERS = {3: entered_investigation, 4: accessed_training}


def year_counts(
    organisation_id: int, indicator: int, year: int, headcounts: dict | None = None
) -> dict:
    """The plain counts of one WRES year: {"headcount": {...}, "count": {...}}; `headcounts`
    when the caller has them for that year's 31 March already."""
    return {
        "headcount": headcounts
        if headcounts is not None
        else headcount(organisation_id, WresYear(year).snapshot),
        "count": COUNTERS[indicator](organisation_id, year),
    }


def combine(parts: list[dict]) -> dict:
    """Counts summed over years: the two-year figure's headcounts and people."""
    return {
        measure: {g: sum(p[measure][g] for p in parts) for g in GROUPS}
        for measure in ("headcount", "count")
    }


def document(indicator: int, years: list[int], counts: dict, low, high) -> dict:
    """The JSON document of INTERFACES.md for counts covering `years` (oldest first)."""
    result = formulas.relative_likelihood(
        indicator,
        counts["headcount"]["white"],
        counts["count"]["white"],
        counts["headcount"]["bme"],
        counts["count"]["bme"],
        counts["headcount"]["unknown"],
        counts["count"]["unknown"],
        low,
        high,
    )
    return {
        "year": years[-1],
        "period_start": WresYear(years[0]).start.isoformat(),
        "period_end": WresYear(years[-1]).end.isoformat(),
        "years": years,
        "headcount_dates": [WresYear(y).snapshot.isoformat() for y in years],
        **asdict(result),
    }


def limits(organisation_id: int):
    settings = db.session.get(OrganisationSettings, organisation_id)
    return settings.non_adverse_low, settings.non_adverse_high


def indicator3(organisation_id: int, year: int, single_year: bool = False) -> dict:
    """Over the two WRES years ending with `year` (the return's rolling figure), or one."""
    years = [year] if single_year else [year - 1, year]
    counts = combine([year_counts(organisation_id, 3, y) for y in years])
    return document(3, years, counts, *limits(organisation_id))


def indicator4(organisation_id: int, year: int) -> dict:
    counts = year_counts(organisation_id, 4, year)
    return document(4, [year], counts, *limits(organisation_id))


def trend(organisation_id: int, indicator: int, year: int) -> list[dict]:
    """The single-year figure for the TREND_YEARS years up to `year`, oldest first, and for
    indicator 3 the two-year figure ending with each."""
    low, high = limits(organisation_id)
    first = max(year - TREND_YEARS + 1, 2001)
    per_year = {y: year_counts(organisation_id, indicator, y) for y in range(first - 1, year + 1)}
    rows = []
    for y in range(first, year + 1):
        row = {"single": document(indicator, [y], per_year[y], low, high)}
        if indicator == 3:
            both = combine([per_year[y - 1], per_year[y]])
            row["two_year"] = document(3, [y - 1, y], both, low, high)
        rows.append(row)
    return rows
