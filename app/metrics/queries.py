"""Every figure the metrics pages, commands and export show, aggregated in the database.

Each function issues a fixed number of GROUP BY queries, whatever the number of staff or
applications, and shapes the result with plain Python over the grouped rows (or pandas where a
table is wanted). One query layer serves the pages, the commands and the export.
"""

from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from fractions import Fraction

from sqlalchemy import Date, Integer, and_, case, cast, extract, func, literal, or_, select

from app.extensions import db
from app.justifications.models import OPEN_FOR_MANAGER, Justification
from app.mentoring.queries import coverage
from app.metrics import formulas
from app.recruitment.models import Applicant, Application, Batch, Vacancy
from app.recruitment.queries import panel_compliance
from app.workforce import history
from app.workforce.bands import SENIOR_BANDS, STAFF_GROUPS, band_order
from app.workforce.ethnicity import sql_group
from app.workforce.models import OrganisationSettings
from app.workforce.models import StaffHistory as Version
from app.workforce.wres_year import WresYear

GROUPS = ("white", "bme", "unknown")


def _settings(organisation_id: int) -> OrganisationSettings:
    return db.session.get(OrganisationSettings, organisation_id)


# Applications, with the facts indicator 2 needs, as SQL expressions

# A table alias, not an ORM one: aliasing the class would configure every mapper at import,
# which every `flask` command would then pay for before doing anything.
APPOINTED_VACANCY = Vacancy.__table__.alias("appointed_vacancy")
AppointedVacancy = APPOINTED_VACANCY.c


BATCH_ACROSS_BANDS = "batch-across-bands"

DECISION = func.coalesce(Vacancy.decision_date, Batch.decision_date)
# DOMAIN.md section 10: an appointed batch applicant counts under the band of the post; anyone
# else under the band on their own row; a batch applicant with neither under a row of its own,
# never under some other vacancy of the batch.
BAND = func.coalesce(
    AppointedVacancy.pay_band, Vacancy.pay_band, Application.pay_band, BATCH_ACROSS_BANDS
)
STAFF_GROUP = func.coalesce(
    AppointedVacancy.staff_group, Vacancy.staff_group, Application.staff_group, "not-recorded"
)
INTERNATIONAL = or_(
    Application.international_recruit,
    func.coalesce(Vacancy.international_recruitment, False),
    func.coalesce(AppointedVacancy.international_recruitment, False),
)
GROUP = sql_group(Applicant.ethnic_category)
# An applicant who withdrew after shortlisting is in neither count (DOMAIN.md section 5): the
# figure measures the organisation's decisions. They are counted beside it.
SHORTLISTED = and_(Application.shortlisted, ~Application.withdrawn)
APPOINTED = and_(Application.appointed, ~Application.withdrawn)
WITHDRAWN = and_(Application.shortlisted, Application.withdrawn)
# Each group's applications, shortlisted, appointed and withdrawn after shortlisting: the
# columns every indicator 2 query adds to its own grouping keys.
_OUTCOME_COUNTS = (
    GROUP.label("grp"),
    func.count().label("applied"),
    func.count().filter(SHORTLISTED).label("shortlisted"),
    func.count().filter(APPOINTED).label("appointed"),
    func.count().filter(WITHDRAWN).label("withdrawn"),
)


def _applications(organisation_id: int, *columns):
    return (
        select(*columns)
        .select_from(Application)
        .join(Applicant, Application.applicant_id == Applicant.id)
        .outerjoin(Vacancy, Application.vacancy_id == Vacancy.id)
        .outerjoin(Batch, Application.batch_id == Batch.id)
        .outerjoin(APPOINTED_VACANCY, Application.appointed_vacancy_id == AppointedVacancy.id)
        .where(Application.organisation_id == organisation_id)
    )


def _wres_year_of(column):
    """The WRES year a date falls in, in SQL: April onwards belongs to the next year."""
    return cast(extract("year", column), Integer) + case(
        (extract("month", column) >= 4, 1), else_=0
    )


# Indicator 2


@dataclass
class Counts:
    applied: dict = field(default_factory=lambda: dict.fromkeys(GROUPS, 0))
    shortlisted: dict = field(default_factory=lambda: dict.fromkeys(GROUPS, 0))
    appointed: dict = field(default_factory=lambda: dict.fromkeys(GROUPS, 0))
    withdrawn: dict = field(default_factory=lambda: dict.fromkeys(GROUPS, 0))

    def add(self, row) -> None:
        for stage in ("applied", "shortlisted", "appointed", "withdrawn"):
            getattr(self, stage)[row.grp] += getattr(row, stage)


def _indicator2_json(year: WresYear, counts: Counts, low: float, high: float) -> dict:
    result = formulas.indicator2(
        counts.shortlisted["white"],
        counts.appointed["white"],
        counts.shortlisted["bme"],
        counts.appointed["bme"],
        counts.shortlisted["unknown"],
        counts.appointed["unknown"],
        low,
        high,
    )
    document = {
        "year": year.year,
        "period_start": year.start.isoformat(),
        "period_end": year.end.isoformat(),
    }
    document |= {k: v for k, v in asdict(result).items()}
    document |= {f"{g}_withdrawn": counts.withdrawn[g] for g in GROUPS}
    document["withdrawn"] = sum(counts.withdrawn.values())
    return document


def shares_2e(counts: Counts) -> dict:
    """EDI improvement plan measure 2e: BME share at each stage, over known ethnicities (e.g.
    "applied") and over everyone at that stage ("applied_of_all")."""
    shares = {}
    for stage in ("applied", "shortlisted", "appointed"):
        c = getattr(counts, stage)
        shares[stage] = formulas.share(c["bme"], c["bme"] + c["white"])
        shares[f"{stage}_of_all"] = formulas.share(c["bme"], sum(c.values()))
    return shares


def indicator2_counts(
    organisation_id: int, year: int, by: str | None = None, exclude_international: bool = False
) -> dict[str | None, Counts]:
    wres_year = WresYear(year)
    key = {"band": BAND, "staff-group": STAFF_GROUP}.get(by, literal(None))
    query = (
        _applications(
            organisation_id,
            key.label("key"),
            *_OUTCOME_COUNTS,
        )
        .where(DECISION.between(wres_year.start, wres_year.end))
        .group_by(key, GROUP)
    )
    if exclude_international:
        query = query.where(~INTERNATIONAL)
    result: dict[str | None, Counts] = defaultdict(Counts)
    for row in db.session.execute(query):
        result[row.key].add(row)
    return result


def indicator2_breakdowns(organisation_id: int, year: int) -> dict:
    """Indicator 2's counts whole, by band and by staff group, keyed None, ("band", b) and
    ("staff-group", s) as the return wants them: one query grouped by band and staff group
    together, each cell summed three ways, where three queries read the year's applications
    three times. Keys in sorted order (as SQLite's GROUP BY gave them to the return before)."""
    wres_year = WresYear(year)
    query = (
        _applications(
            organisation_id,
            BAND.label("band"),
            STAFF_GROUP.label("staff_group"),
            *_OUTCOME_COUNTS,
        )
        .where(DECISION.between(wres_year.start, wres_year.end))
        .group_by(BAND, STAFF_GROUP, GROUP)
    )
    whole = Counts()
    by_band: dict[str, Counts] = defaultdict(Counts)
    by_group: dict[str, Counts] = defaultdict(Counts)
    for row in db.session.execute(query):
        whole.add(row)
        by_band[row.band].add(row)
        by_group[row.staff_group].add(row)
    return {
        None: whole,
        **{("band", key): by_band[key] for key in sorted(by_band)},
        **{("staff-group", key): by_group[key] for key in sorted(by_group)},
    }


def indicator2(
    organisation_id: int, year: int, by: str | None = None, exclude_international: bool = False
) -> dict:
    """The JSON document of INTERFACES.md: one object, or {"groups": [...]} with --by."""
    settings = _settings(organisation_id)
    low, high = settings.non_adverse_low, settings.non_adverse_high
    wres_year = WresYear(year)
    counts = indicator2_counts(organisation_id, year, by, exclude_international)
    if by is None:
        return _indicator2_json(wres_year, counts.get(None, Counts()), low, high)
    name = "band" if by == "band" else "staff_group"
    keys = sorted(counts, key=band_order) if by == "band" else sorted(counts, key=str)
    return {
        "year": year,
        "period_start": wres_year.start.isoformat(),
        "period_end": wres_year.end.isoformat(),
        "groups": [
            {name: key, **_indicator2_json(wres_year, counts[key], low, high)} for key in keys
        ],
    }


def indicator2_trend(organisation_id: int) -> list[dict]:
    """Indicator 2 for every WRES year with decisions recorded: one grouped query."""
    settings = _settings(organisation_id)
    low, high = settings.non_adverse_low, settings.non_adverse_high
    year_expr = _wres_year_of(DECISION)
    query = (
        _applications(
            organisation_id,
            year_expr.label("year"),
            *_OUTCOME_COUNTS,
        )
        .where(DECISION.is_not(None))
        .group_by(year_expr, GROUP)
    )
    by_year: dict[int, Counts] = defaultdict(Counts)
    for row in db.session.execute(query):
        by_year[int(row.year)].add(row)
    return [
        _indicator2_json(WresYear(y), by_year[y], low, high) | {"shares": shares_2e(by_year[y])}
        for y in sorted(by_year)
    ]


# Indicators 1 and 9


def _row(counts: dict) -> dict:
    known = counts["white"] + counts["bme"]
    total = known + counts["unknown"]
    return {
        **counts,
        "total": total,
        "bme_share": formulas.share(counts["bme"], known),
        "bme_share_of_headcount": formulas.share(counts["bme"], total),
    }


def indicator1(organisation_id: int, year: int, in_post: list | None = None) -> dict:
    """Headcount in post at 31 March by staff group and band, White / BME / Unknown.
    `in_post`: history.in_post_counts on that day, when the caller has read it already."""
    snapshot = WresYear(year).snapshot
    if in_post is None:
        in_post = history.in_post_counts(organisation_id, snapshot)
    table: dict[tuple, dict] = defaultdict(lambda: dict.fromkeys(GROUPS, 0))
    for row in in_post:
        if row.pay_band is not None:
            table[(row.staff_group, row.pay_band)][row.grp] += row.n
    rows = []
    totals: dict[str, dict] = defaultdict(lambda: dict.fromkeys(GROUPS, 0))
    for (staff_group, band), counts in sorted(
        table.items(), key=lambda kv: (STAFF_GROUPS.index(kv[0][0]), band_order(kv[0][1]))
    ):
        rows.append({"staff_group": staff_group, "band": band, **_row(counts)})
        for grp in GROUPS:
            totals[staff_group][grp] += counts[grp]
            totals["all"][grp] += counts[grp]
    return {
        "year": year,
        "snapshot": snapshot.isoformat(),
        "rows": rows,
        "staff_groups": [
            {"staff_group": sg, **_row(totals[sg])} for sg in STAFF_GROUPS if sg in totals
        ],
        "total": _row(totals["all"]),
    }


def indicator9(organisation_id: int, year: int, in_post: list | None = None) -> dict:
    """Board BME share minus workforce BME share, in percentage points."""
    snapshot = WresYear(year).snapshot
    if in_post is None:
        in_post = history.in_post_counts(organisation_id, snapshot)
    counts = {
        name: dict.fromkeys(GROUPS, 0) for name in ("board-voting", "board-executive", "workforce")
    }
    for row in in_post:
        grp, n = row.grp, row.n
        if row.pay_band is not None:
            counts["workforce"][grp] += n
        if row.board_role is not None and row.board_voting:
            counts["board-voting"][grp] += n
        if row.board_role == "executive":
            counts["board-executive"][grp] += n
    rows = {name: _row(c) for name, c in counts.items()}
    workforce = rows["workforce"]["bme_share"]

    def gap(board):
        share = rows[board]["bme_share"]
        return None if share is None or workforce is None else 100 * (share - workforce)

    return {
        "year": year,
        "snapshot": snapshot.isoformat(),
        **rows,
        "voting_gap_points": gap("board-voting"),
        "executive_gap_points": gap("board-executive"),
    }


# Leadership aspiration


def _window(as_at: date) -> tuple[date, date]:
    """The 12 months ending on as_at: after the same day a year earlier, up to as_at."""
    try:
        start = as_at.replace(year=as_at.year - 1)
    except ValueError:  # 29 February
        start = as_at - timedelta(days=365)
    return start, as_at


# Turnover is measured only where there are enough staff for a year's leavers to mean something;
# below this average headcount one leaver more or less would swing it by ten points or more.
MIN_HEADCOUNT_FOR_TURNOVER = 10
WEIGHTED = "weighted-mean-of-bands"


def _exact_share(part: int, whole: int) -> Fraction | None:
    return Fraction(part, whole) if whole else None


def _float(value) -> float | None:
    return None if value is None else float(value)


def aspiration_as_at(year: int, today: date) -> date:
    """The one as-at date of a WRES year's aspiration figures, for the dashboard, the commands
    and both export formats: 31 March at the year's end, or today while the year is open."""
    return min(WresYear(year).snapshot, today)


def _turnovers(senior, bands, leavers, start_heads, default, override) -> dict:
    """The turnover each row uses, exactly, with where it came from (DOMAIN.md section 7). The
    8a-and-above pipeline uses the headcount-weighted mean of the turnovers its bands use, so the
    pipeline and its bands never tell different stories."""
    if override is not None:
        value = formulas.exact(override)
        return {name: (value, "override") for name in [*senior, "8a+", "board"]}
    used = {}
    for name in [*senior, "board"]:
        headcount = sum(bands[name].values())
        average = Fraction(start_heads.get(name, 0) + headcount, 2)
        left = leavers.get(name, 0)
        if left and average >= MIN_HEADCOUNT_FOR_TURNOVER:
            used[name] = (min(left / average, Fraction(1)), "measured")
        else:
            used[name] = (default, "default")
    weights = {name: sum(bands[name].values()) for name in senior}
    total = sum(weights.values())
    used["8a+"] = (
        (sum(weights[name] * used[name][0] for name in senior) / total, WEIGHTED)
        if total
        else (default, "default")
    )
    return used


def aspiration_facts(organisation_id: int, as_at: date) -> tuple:
    """The counts the aspiration model needs as at a date, whatever the target year, in two
    grouped queries: a page showing several target years reads them once and passes them on."""
    start, end = _window(as_at)
    senior = list(SENIOR_BANDS)

    # One pass over the history gives the headcounts on `as_at`, the headcounts at the window's
    # start as the records stood then, and the leavers in the window as the records stood at its
    # end (a leaving date recorded later does not count): every version in force on either day.
    # Five separate scans cost five times one.
    now = and_(history.in_force(end), history.in_post(end))
    then = and_(history.in_force(start), history.in_post(start))
    left = and_(history.in_force(end), Version.leaving_date > start, Version.leaving_date <= end)
    group = sql_group(Version.ethnic_category)
    keys = (Version.pay_band, Version.board_role, Version.board_voting, group)
    rows = db.session.execute(
        select(
            *keys,
            func.count().filter(now),
            func.count().filter(then),
            func.count().filter(left),
        )
        .where(
            Version.organisation_id == organisation_id,
            Version.valid_from <= end,
            or_(Version.valid_to.is_(None), Version.valid_to > start),
        )
        .group_by(*keys)
    ).all()

    workforce = dict.fromkeys(GROUPS, 0)
    bands: dict[str, dict] = {b: dict.fromkeys(GROUPS, 0) for b in [*senior, "board"]}
    start_heads: dict = {}
    leavers: dict = {}
    board_start = board_leavers = 0
    for band, board_role, voting, grp, n, n_then, n_left in rows:
        on_board = board_role is not None and bool(voting)
        if band is not None:
            workforce[grp] += n
        if band in bands:
            bands[band][grp] += n
        if on_board:
            bands["board"][grp] += n
            board_start += n_then
            board_leavers += n_left
        if band in senior:
            start_heads[band] = start_heads.get(band, 0) + n_then
            leavers[band] = leavers.get(band, 0) + n_left
    bands["8a+"] = {g: sum(bands[b][g] for b in senior) for g in GROUPS}
    exact_target = _exact_share(workforce["bme"], workforce["bme"] + workforce["white"])
    target = _float(exact_target)

    start_heads["8a+"] = sum(start_heads.get(b, 0) for b in senior)
    leavers["8a+"] = sum(leavers.get(b, 0) for b in senior)
    start_heads["board"], leavers["board"] = board_start, board_leavers

    observed_counts: dict[str, dict] = defaultdict(lambda: dict.fromkeys(GROUPS, 0))
    for band, grp, n in db.session.execute(
        _applications(organisation_id, BAND.label("band"), GROUP.label("grp"), func.count())
        .where(APPOINTED, start < DECISION, end >= DECISION)
        .group_by(BAND, GROUP)
    ):
        if band in senior:
            observed_counts[band][grp] += n
            observed_counts["8a+"][grp] += n

    return workforce, bands, exact_target, target, start_heads, leavers, observed_counts


def aspiration(
    organisation_id: int,
    as_at: date,
    target_year: int | None = None,
    turnover_override: float | None = None,
    facts: tuple | None = None,
) -> dict:
    settings = _settings(organisation_id)
    target_year = target_year or settings.target_year
    senior = list(SENIOR_BANDS)
    workforce, bands, exact_target, target, start_heads, leavers, observed_counts = (
        facts or aspiration_facts(organisation_id, as_at)
    )

    years = target_year - as_at.year
    turnovers = _turnovers(
        senior, bands, leavers, start_heads, Fraction(settings.default_turnover), turnover_override
    )
    rows = []
    for name in [*senior, "8a+", "board"]:
        counts = bands[name]
        headcount = sum(counts.values())
        p0 = _exact_share(counts["bme"], counts["bme"] + counts["white"])
        turnover, source = turnovers[name]
        observed_group = observed_counts.get(name)
        observed = (
            _exact_share(observed_group["bme"], observed_group["bme"] + observed_group["white"])
            if observed_group
            else None
        )
        model = formulas.aspiration(
            headcount, p0, exact_target, turnover, years, observed, target_year
        )
        rows.append(
            {
                "band": name,
                "headcount": headcount,
                "bme": counts["bme"],
                "white": counts["white"],
                "unknown": counts["unknown"],
                "bme_share": _float(p0),
                "bme_share_of_headcount": formulas.share(counts["bme"], headcount),
                "turnover": float(turnover),
                "turnover_source": source,
                "years": years,
                "required_recruit_share": _float(model.required_recruit_share),
                "required_bme_recruits_per_year": model.required_bme_recruits_per_year,
                "observed_recruit_share": _float(observed),
                "on_track": model.on_track,
                "status": model.status,
                "additional_bme_recruits_per_year": model.additional_bme_recruits_per_year,
                "note": model.note,
            }
        )
    return {
        "as_at": as_at.isoformat(),
        "target_year": target_year,
        "target_share": target,
        "target_snapshot": as_at.isoformat(),
        "workforce": _row(workforce),
        "bands": rows,
    }


def senior_shares_history(organisation_id: int, snapshots: list[date]) -> list[dict]:
    """BME share (known) of the 8a-and-above pipeline at past 31 Marches, from the staff records
    as they stood on each: one query per snapshot, a handful of snapshots."""
    rows = []
    for day in snapshots:
        counts = dict.fromkeys(GROUPS, 0)
        for grp, n in db.session.execute(
            select(sql_group(Version.ethnic_category), func.count())
            .where(
                *history.in_post_as_at(organisation_id, day),
                Version.pay_band.in_(list(SENIOR_BANDS)),
            )
            .group_by(sql_group(Version.ethnic_category))
        ):
            counts[grp] += n
        rows.append(
            {
                "as_at": day,
                "bme_share": formulas.share(counts["bme"], counts["bme"] + counts["white"]),
            }
        )
    return rows


# Operational commitments


def operational(organisation_id: int, year: int, today: date) -> dict:
    """Panel compliance, justifications on time, mentoring coverage, for a WRES year."""
    wres_year = WresYear(year)
    compliance = panel_compliance(organisation_id, year, today, listed=False)
    due = (
        Justification.organisation_id == organisation_id,
        Justification.status != "not-needed",
        Justification.due_date.between(wres_year.start, min(wres_year.end, today)),
    )
    submitted_on = _day(Justification.first_submitted_at)
    counts = db.session.execute(
        select(
            func.count(),
            func.count(Justification.first_submitted_at),
            func.count().filter(submitted_on <= Justification.due_date),
        ).where(*due)
    ).one()
    due_total, submitted, on_time = counts
    median = _median_days(
        _days_between(submitted_on, Justification.decision_date),
        submitted,
        *due,
        Justification.first_submitted_at.is_not(None),
    )
    overdue = db.session.scalar(
        select(func.count())
        .select_from(Justification)
        .where(
            Justification.organisation_id == organisation_id,
            Justification.status.in_(OPEN_FOR_MANAGER),
            Justification.due_date < today,
        )
    )
    mentoring = coverage(organisation_id, year)
    return {
        "panels_total": compliance.panels_total,
        "panels_compliant": compliance.panels_compliant,
        "panel_compliance_share": formulas.share(
            compliance.panels_compliant, compliance.panels_total
        ),
        "panel_exceptions": compliance.exception_count,
        "panel_breaches": compliance.breach_count,
        "justifications_due": due_total,
        "justifications_on_time": on_time,
        "justifications_on_time_share": formulas.share(on_time, due_total),
        "justification_median_days": median,
        "justifications_overdue_now": overdue,
        "leaders_total": len(mentoring.leaders),
        "leaders_met": mentoring.leaders_met,
        "mentoring_coverage_share": formulas.share(mentoring.leaders_met, len(mentoring.leaders)),
    }


def _day(moment):
    """The date part of a stored UTC datetime, as the database compares dates."""
    if db.engine.dialect.name == "sqlite":
        return func.date(moment)
    return cast(moment, Date)


def _days_between(later_day, earlier: date):
    if db.engine.dialect.name == "sqlite":
        return cast(func.julianday(later_day) - func.julianday(earlier), Integer)
    return later_day - earlier


def _median_days(days, count: int, *where) -> float | None:
    """The median of `days` over `count` rows: the middle one or two read by the index, not
    every row loaded to sort in Python."""
    if not count:
        return None
    middle = db.session.scalars(
        select(days).where(*where).order_by(days).offset((count - 1) // 2).limit(2 - count % 2)
    ).all()
    return float(sum(middle)) / len(middle)
