"""Read-only selects for recruitment pages, the compliance figures and the command line."""

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Select, and_, case, func, literal, or_, select
from sqlalchemy.orm import aliased

from app.extensions import db
from app.pagination import SortKey, ordered
from app.recruitment import panel_rules
from app.recruitment.models import Application, Batch, Panel, PanelMember, PoolMember, Vacancy
from app.timeutil import today_london
from app.workforce.bands import BANDS, band_order
from app.workforce.ethnicity import WresGroup, sql_group
from app.workforce.models import OrganisationSettings, Staff
from app.workforce.wres_year import WresYear

# The long lists' orders, for keyset pagination (the last key is unique in an organisation).
VACANCY_ORDER = (SortKey(Vacancy.created_at, descending=True), SortKey(Vacancy.id, descending=True))
BATCH_ORDER = (SortKey(Batch.created_at, descending=True), SortKey(Batch.id, descending=True))
POOL_ORDER = (SortKey(Staff.full_name), SortKey(PoolMember.id))


@dataclass(frozen=True)
class RecruitmentFilters:
    search: str = ""
    status: str = ""
    band: str = ""
    year: int | None = None
    mine: bool = False


def vacancy_list_query(base: Select, filters: RecruitmentFilters, user_id: int | None) -> Select:
    query = base
    if filters.mine and user_id:
        query = query.outerjoin(Batch, Vacancy.batch_id == Batch.id).where(
            or_(Vacancy.recruiting_manager_id == user_id, Batch.recruiting_manager_id == user_id)
        )
    if filters.search:
        like = f"%{filters.search.lower()}%"
        query = query.where(
            or_(func.lower(Vacancy.reference).like(like), func.lower(Vacancy.title).like(like))
        )
    if filters.status:
        query = query.where(Vacancy.status == filters.status)
    if filters.band:
        query = query.where(Vacancy.pay_band == filters.band)
    if filters.year:
        year = WresYear(filters.year)
        query = query.where(Vacancy.decision_date.between(year.start, year.end))
    return ordered(query, VACANCY_ORDER)


def batch_list_query(base: Select, filters: RecruitmentFilters, user_id: int | None) -> Select:
    query = base
    if filters.mine and user_id:
        query = query.where(Batch.recruiting_manager_id == user_id)
    if filters.search:
        like = f"%{filters.search.lower()}%"
        query = query.where(
            or_(func.lower(Batch.reference).like(like), func.lower(Batch.name).like(like))
        )
    if filters.status:
        query = query.where(Batch.status == filters.status)
    if filters.year:
        year = WresYear(filters.year)
        query = query.where(Batch.decision_date.between(year.start, year.end))
    return ordered(query, BATCH_ORDER)


def outcome_counts(owner) -> dict[str, int]:
    column = Application.vacancy_id if owner.kind == "vacancy" else Application.batch_id
    row = db.session.execute(
        select(
            func.count(),
            func.count().filter(Application.shortlisted & ~Application.withdrawn),
            func.count().filter(Application.interviewed & ~Application.withdrawn),
            func.count().filter(Application.appointed),
            func.count().filter(Application.withdrawn),
        ).where(column == owner.id)
    ).one()
    return dict(
        zip(("applied", "shortlisted", "interviewed", "appointed", "withdrawn"), row, strict=True)
    )


# Panel compliance


@dataclass
class ComplianceReport:
    year: int | None
    panels_total: int = 0
    panels_compliant: int = 0
    exceptions: list[dict] = field(default_factory=list)
    breaches: list[dict] = field(default_factory=list)
    # Set when only the counts were asked for (home page, dashboard): the lists stay empty.
    exception_count: int | None = None
    breach_count: int | None = None

    def __post_init__(self) -> None:
        if self.exception_count is None:
            self.exception_count = len(self.exceptions)
        if self.breach_count is None:
            self.breach_count = len(self.breaches)

    def as_json(self) -> dict:
        return {
            "year": self.year,
            "panels_total": self.panels_total,
            "panels_compliant": self.panels_compliant,
            "exceptions": self.exceptions,
            "breaches": self.breaches,
        }


def _compliance_panels(organisation_id: int, year: int | None, today: date):
    """Confirmed panels with whether each meets the organisation's rule, all in SQL.

    The rule (panel_rules.unmet_counts) is written here as a column so the counts are one
    grouped query and the lists read only the panels that break it.
    """
    settings = db.session.get(OrganisationSettings, organisation_id)
    rule = panel_rules.PanelRule.from_settings(settings)
    trained_since = (
        panel_rules.months_before(today, rule.training_months) if rule.training_months else None
    )
    category = func.coalesce(Staff.ethnic_category, PanelMember.external_ethnic_category, "99")
    untrained = (
        func.count().filter(
            PanelMember.staff_id.is_not(None)
            & or_(PoolMember.training_date.is_(None), PoolMember.training_date < trained_since)
        )
        if trained_since
        else literal(0)
    )
    members = (
        select(
            PanelMember.panel_id,
            func.count().filter(sql_group(category) == WresGroup.BME.value).label("bme"),
            func.count().filter(PanelMember.role == "independent").label("independent"),
            untrained.label("untrained"),
        )
        .join(Panel, PanelMember.panel_id == Panel.id)
        .outerjoin(Staff, PanelMember.staff_id == Staff.id)
        .outerjoin(
            PoolMember,
            (PoolMember.staff_id == Staff.id) & (PoolMember.organisation_id == organisation_id),
        )
        .where(Panel.organisation_id == organisation_id, Panel.status == "confirmed")
        .group_by(PanelMember.panel_id)
        .subquery()
    )
    bme = func.coalesce(members.c.bme, 0)
    meets = [bme >= rule.min_bme_members]
    if rule.independent_required:
        meets.append(func.coalesce(members.c.independent, 0) > 0)
    if trained_since:
        meets.append(func.coalesce(members.c.untrained, 0) == 0)
    if rule.min_band is not None:
        # panel_rules.applies_to: any post served at or above the minimum band (an unknown band
        # sorts above every known one, so "not below" is the same test).
        below = [b for b in BANDS if band_order(b) < band_order(rule.min_band)]
        batch_post = aliased(Vacancy)
        applies = or_(
            and_(Panel.vacancy_id.is_not(None), Vacancy.pay_band.not_in(below)),
            and_(
                Panel.batch_id.is_not(None),
                select(batch_post.id)
                .where(batch_post.batch_id == Panel.batch_id, batch_post.pay_band.not_in(below))
                .exists(),
            ),
        )
        compliant = or_(~applies, and_(*meets))
    else:
        compliant = and_(*meets)
    compliant = case((compliant, 1), else_=0)
    panels = (
        select(Panel.id)
        .outerjoin(Vacancy, Panel.vacancy_id == Vacancy.id)
        .outerjoin(Batch, Panel.batch_id == Batch.id)
        .outerjoin(members, members.c.panel_id == Panel.id)
        .where(Panel.organisation_id == organisation_id, Panel.status == "confirmed")
    )
    if year:
        wres_year = WresYear(year)
        decided = func.coalesce(Vacancy.decision_date, Batch.decision_date)
        panels = panels.where(decided.between(wres_year.start, wres_year.end))
    return panels, compliant


def panel_compliance(
    organisation_id: int,
    year: int | None = None,
    today: date | None = None,
    *,
    listed: bool = True,
) -> ComplianceReport:
    """Confirmed panels against the organisation's rule: one grouped query for the counts and,
    when `listed`, one for the panels that break it, whatever the number of panels."""
    panels, compliant = _compliance_panels(organisation_id, year, today or today_london())
    has_exception = func.coalesce(Panel.exception_reason, "") != ""
    total, met, excepted = db.session.execute(
        panels.with_only_columns(
            func.count(),
            func.coalesce(func.sum(compliant), 0),
            func.count().filter((compliant == 0) & has_exception),
        )
    ).one()
    report = ComplianceReport(year=year, panels_total=total, panels_compliant=met)
    if not listed:
        report.exception_count, report.breach_count = excepted, total - met - excepted
        return report
    for row in db.session.execute(
        panels.with_only_columns(
            Panel.stage,
            Panel.exception_reason,
            Vacancy.reference.label("vacancy_reference"),
            Batch.reference.label("batch_reference"),
        )
        .where(compliant == 0)
        .order_by(Panel.id)
    ):
        entry = {
            "vacancy_reference": row.vacancy_reference,
            "batch_reference": row.batch_reference,
            "stage": row.stage,
        }
        if row.exception_reason:
            report.exceptions.append({**entry, "reason": row.exception_reason})
        else:
            report.breaches.append(entry)
    report.exception_count, report.breach_count = len(report.exceptions), len(report.breaches)
    return report


def pool_query(organisation_id: int) -> Select:
    return ordered(
        select(PoolMember)
        .join(Staff)
        .where(PoolMember.organisation_id == organisation_id, PoolMember.active.is_(True)),
        POOL_ORDER,
    )


def open_counts(organisation_id: int, manager_id: int | None = None) -> dict[str, int]:
    """Open vacancies and batches, for a manager's or HR's home page."""
    vacancies = (
        select(func.count())
        .select_from(Vacancy)
        .where(
            Vacancy.organisation_id == organisation_id,
            Vacancy.status == "open",
            Vacancy.batch_id.is_(None),
        )
    )
    batches = (
        select(func.count())
        .select_from(Batch)
        .where(Batch.organisation_id == organisation_id, Batch.status == "open")
    )
    if manager_id is not None:
        vacancies = vacancies.where(Vacancy.recruiting_manager_id == manager_id)
        batches = batches.where(Batch.recruiting_manager_id == manager_id)
    return {"vacancies": db.session.scalar(vacancies), "batches": db.session.scalar(batches)}


# A manager's tasks, for the home page


def _my_open_owners(model, organisation_id: int, manager_id: int):
    query = select(model).where(
        model.organisation_id == organisation_id,
        model.status == "open",
        model.recruiting_manager_id == manager_id,
    )
    if model is Vacancy:
        query = query.where(Vacancy.batch_id.is_(None))  # a batch's vacancies go with the batch
    return query


def panels_to_confirm(organisation_id: int, manager_id: int) -> list[Panel]:
    """Draft panels with members on the manager's open vacancies and batches."""
    panels = []
    for model, column in ((Vacancy, Panel.vacancy_id), (Batch, Panel.batch_id)):
        owners = _my_open_owners(model, organisation_id, manager_id).with_only_columns(model.id)
        panels += db.session.scalars(
            select(Panel)
            .where(
                column.in_(owners),
                Panel.status == "draft",
                Panel.id.in_(select(PanelMember.panel_id)),
            )
            .order_by(Panel.id)
        )
    return panels


def decisions_to_record(organisation_id: int, manager_id: int) -> list:
    """Open vacancies and batches of the manager where someone has been interviewed."""
    owners = []
    for model, column in ((Vacancy, Application.vacancy_id), (Batch, Application.batch_id)):
        interviewed = select(column).where(Application.interviewed, ~Application.withdrawn)
        owners += db.session.scalars(
            _my_open_owners(model, organisation_id, manager_id)
            .where(model.decision_date.is_(None), model.id.in_(interviewed))
            .order_by(model.id)
        )
    return owners
