"""Read-only: the goals with their progress, the model's path for a new proposal, actions."""

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.goals import planning
from app.goals.models import Action, GoalSet, RequiredPath
from app.mentoring.queries import coverage
from app.metrics import queries as metrics
from app.metrics import year_snapshots
from app.workforce.models import OrganisationSettings
from app.workforce.wres_year import year_containing


@dataclass
class Row:
    """One measure of the goals form or table."""

    measure: str
    name: str
    kind: str  # share | ratio
    now: float | None  # today's figure
    headcount: int = 0
    turnover: float | None = None
    goals: dict = field(default_factory=dict)  # year -> value
    model: dict = field(default_factory=dict)  # year -> the model's path
    implied: dict = field(default_factory=dict)  # year -> (recruits a year, share of recruits)
    progress: dict = field(default_factory=dict)  # year -> planning.Progress


@dataclass
class Model:
    """Today's aspiration figures and the required path for goal years."""

    as_at: date
    base_year: int
    target_year: int
    target_share: float | None
    years: list[int]
    aspiration: dict
    indicator2: dict
    mentoring: tuple[int, int]  # (leaders met, leaders)
    rows: list[Row]


def model(organisation_id: int, today: date, base_year: int | None = None) -> Model:
    """The model's required path for the next three WRES years (and the target year), from
    today's figures: where a new proposal starts."""
    settings = db.session.get(OrganisationSettings, organisation_id)
    current_year = year_containing(today).year
    base_year = base_year or current_year
    as_at = metrics.aspiration_as_at(current_year, today)
    aspiration = metrics.aspiration(organisation_id, as_at, settings.target_year)
    years = planning.goal_years(base_year, settings.target_year)
    two = metrics.indicator2(organisation_id, current_year)
    cover = coverage(organisation_id, current_year)
    rows = []
    for band in aspiration["bands"]:
        path = planning.required_path(band, aspiration["target_share"], as_at, years)
        # A row nobody is in (or whose every ethnicity is unknown) has no path of its own: it
        # starts from the target itself, which is what anyone recruited into it should reach.
        fallback = aspiration["target_share"] if aspiration["target_share"] is not None else 0.0
        path = {y: fallback if v is None else v for y, v in path.items()}
        rows.append(
            Row(
                band["band"],
                planning.MEASURE_NAMES[band["band"]],
                "share",
                band["bme_share"],
                band["headcount"],
                band["turnover"],
                model=path,
            )
        )
    rows.append(
        Row(
            planning.INDICATOR2,
            planning.MEASURE_NAMES[planning.INDICATOR2],
            "ratio",
            two["relative_likelihood"],
            model=planning.default_indicator2(
                two["relative_likelihood"], float(settings.non_adverse_high), years
            ),
        )
    )
    leaders = len(cover.leaders)
    rows.append(
        Row(
            planning.MENTORING,
            planning.MEASURE_NAMES[planning.MENTORING],
            "share",
            cover.leaders_met / leaders if leaders else None,
            leaders,
            model=dict.fromkeys(years, 1.0),
        )
    )
    for row in rows:
        row.goals = dict(row.model)
    return Model(
        as_at,
        base_year,
        settings.target_year,
        aspiration["target_share"],
        years,
        aspiration,
        two,
        (cover.leaders_met, leaders),
        rows,
    )


def with_implied(m: Model) -> Model:
    """Beside each share goal: the BME recruits a year it implies at the row's turnover."""
    for row in m.rows:
        if row.measure in planning.SHARE_ROWS and row.turnover is not None:
            row.implied = planning.implied_steps(
                row.now, row.goals, m.as_at, row.turnover, row.headcount
            )
    return m


def for_goal_set(goal_set: GoalSet, today: date) -> Model:
    """A goal set beside today's figures, with the progress against each goal."""
    m = model(goal_set.organisation_id, today, goal_set.base_year)
    m.years = goal_set.years
    values = goal_set.values()
    model_values = {(t.measure, t.year): t.model_value for t in goal_set.targets}
    for row in m.rows:
        row.goals = {y: values.get((row.measure, y)) for y in m.years}
        row.model = {y: model_values.get((row.measure, y)) for y in m.years}
    with_implied(m)
    _progress(goal_set.organisation_id, m, today)
    return m


def _progress(organisation_id: int, m: Model, today: date) -> None:
    current_year = year_containing(today).year
    now_rows = {b["band"]: b for b in m.aspiration["bands"]}
    closed_years = {
        y: year_snapshots.stored(organisation_id, y) for y in m.years if y < current_year
    }
    two_by_year = {
        y: metrics.indicator2(organisation_id, y) if y < current_year else m.indicator2
        for y in m.years
        if y <= current_year
    }
    for row in m.rows:
        for year in m.years:
            goal = row.goals.get(year)
            if goal is None:
                continue
            closed = year < current_year
            if row.measure in planning.SHARE_ROWS:
                stored = closed_years.get(year)
                closed_row = None
                if stored is not None:
                    closed_row = next(
                        (b for b in stored.data["aspiration"]["bands"] if b["band"] == row.measure),
                        None,
                    )
                if closed and closed_row is None:
                    row.progress[year] = planning.Progress(
                        "no-data", None, None, None, "31 March figures not stored"
                    )
                    continue
                row.progress[year] = planning.share_progress(
                    goal, year, closed_row, now_rows.get(row.measure), current_year
                )
            elif row.measure == planning.INDICATOR2:
                figures = two_by_year.get(year, m.indicator2)
                row.progress[year] = planning.indicator2_progress(goal, figures, closed)
            else:
                if closed:
                    cover = coverage(organisation_id, year)
                    met, total = cover.leaders_met, len(cover.leaders)
                else:
                    met, total = m.mentoring
                row.progress[year] = planning.coverage_progress(goal, met, total, closed)


def goal_sets(organisation_id: int) -> list[GoalSet]:
    return list(
        db.session.scalars(
            select(GoalSet)
            .where(GoalSet.organisation_id == organisation_id)
            .options(selectinload(GoalSet.targets))
            .order_by(GoalSet.number.desc())
        )
    )


def latest_path(organisation_id: int) -> RequiredPath | None:
    return db.session.scalar(
        select(RequiredPath)
        .where(RequiredPath.organisation_id == organisation_id)
        .order_by(RequiredPath.year.desc())
        .limit(1)
    )


# Actions


def actions(organisation_id: int) -> list[Action]:
    return list(
        db.session.scalars(
            select(Action)
            .where(Action.organisation_id == organisation_id)
            .options(selectinload(Action.owner), selectinload(Action.updates))
            .order_by(Action.due_date, Action.id)
        )
    )


def open_actions_for(user) -> list[Action]:
    """The user's own open actions, soonest due first (their home page)."""
    if user is None or not user.is_authenticated:
        return []
    return list(
        db.session.scalars(
            select(Action)
            .where(
                Action.organisation_id == user.organisation_id,
                Action.owner_id == user.id,
                Action.status.in_(planning.OPEN_STATUSES),
            )
            .order_by(Action.due_date, Action.id)
        )
    )


def overdue_actions(organisation_id: int, today: date) -> list[Action]:
    return list(
        db.session.scalars(
            select(Action)
            .where(
                Action.organisation_id == organisation_id,
                Action.status.in_(planning.OPEN_STATUSES),
                Action.due_date < today,
            )
            .options(selectinload(Action.owner))
            .order_by(Action.due_date, Action.id)
        )
    )


def action_counts(organisation_id: int, today: date) -> dict:
    """Actions by status, and how many open ones are overdue: one grouped query and a count."""
    counts = dict.fromkeys(planning.ACTION_STATUSES, 0)
    for status, n in db.session.execute(
        select(Action.status, func.count())
        .where(Action.organisation_id == organisation_id)
        .group_by(Action.status)
    ):
        counts[status] = n
    counts["overdue"] = db.session.scalar(
        select(func.count()).where(
            Action.organisation_id == organisation_id,
            Action.status.in_(planning.OPEN_STATUSES),
            Action.due_date < today,
        )
    )
    counts["total"] = sum(counts[s] for s in planning.ACTION_STATUSES)
    return counts
