"""Read-only selects for recruitment pages, the compliance figures and the command line."""

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Select, and_, bindparam, case, func, literal, or_, select
from sqlalchemy.orm import aliased, joinedload

from app.extensions import db
from app.pagination import SortKey, ordered
from app.recruitment import panel_rules
from app.recruitment.models import (
    Applicant,
    Application,
    Batch,
    Panel,
    PanelMember,
    PoolMember,
    Vacancy,
)
from app.timeutil import today_london
from app.workforce.bands import BANDS, band_order
from app.workforce.ethnicity import WresGroup, sql_group
from app.workforce.models import OrganisationSettings, Staff
from app.workforce.wres_year import WresYear

# The long lists' orders, for keyset pagination (the last key is unique in an organisation).
VACANCY_ORDER = (SortKey(Vacancy.created_at, descending=True), SortKey(Vacancy.id, descending=True))
BATCH_ORDER = (SortKey(Batch.created_at, descending=True), SortKey(Batch.id, descending=True))
POOL_ORDER = (SortKey(Staff.full_name), SortKey(PoolMember.id))


def vacancy_list_rows(query: Select) -> Select:
    """The vacancy list's SELECT narrowed to what its rows show, the batch's reference included:
    plain rows, since loading a page of whole Vacancy records (and each batch) into the session
    cost more than the rest of the page."""
    batch_reference = (
        select(Batch.reference)
        .where(Batch.id == Vacancy.batch_id)
        .correlate(Vacancy)
        .scalar_subquery()
        .label("batch_reference")
    )
    return query.with_only_columns(
        Vacancy.id,
        Vacancy.reference,
        Vacancy.title,
        Vacancy.pay_band,
        Vacancy.batch_id,
        batch_reference,
        Vacancy.status,
        Vacancy.decision_date,
        maintain_column_froms=True,
    )


@dataclass(frozen=True)
class RecruitmentFilters:
    search: str = ""
    status: str = ""
    band: str = ""
    year: int | None = None
    mine: bool = False


def vacancy_list_parameters(filters: RecruitmentFilters, user_id: int | None) -> dict:
    """The values of the filters that apply, by the name of the parameter each binds."""
    parameters = {}
    if filters.mine and user_id:
        parameters["manager_id"] = user_id
    if filters.search:
        parameters["search"] = f"%{filters.search.lower()}%"
    if filters.status:
        parameters["status"] = filters.status
    if filters.band:
        parameters["band"] = filters.band
    if filters.year:
        year = WresYear(filters.year)
        parameters.update(year_start=year.start, year_end=year.end)
    return parameters


def vacancy_list_query(base: Select, parameters: dict) -> Select:
    """The vacancy list's SELECT, each filter named in `parameters` a bound parameter: the same
    statement for every value, so it can be built once and kept (app/pagination.py)."""
    query = base
    if "manager_id" in parameters:
        manager = bindparam("manager_id")
        query = query.outerjoin(Batch, Vacancy.batch_id == Batch.id).where(
            or_(Vacancy.recruiting_manager_id == manager, Batch.recruiting_manager_id == manager)
        )
    if "search" in parameters:
        like = bindparam("search")
        query = query.where(
            or_(func.lower(Vacancy.reference).like(like), func.lower(Vacancy.title).like(like))
        )
    if "status" in parameters:
        query = query.where(Vacancy.status == bindparam("status"))
    if "band" in parameters:
        query = query.where(Vacancy.pay_band == bindparam("band"))
    if "year_start" in parameters:
        query = query.where(
            Vacancy.decision_date.between(bindparam("year_start"), bindparam("year_end"))
        )
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
        .where(Panel.organisation_id == organisation_id, Panel.status == "confirmed")
        .group_by(PanelMember.panel_id)
    )
    if trained_since:
        # At most one pool row per person and organisation (unique), so the join never
        # multiplies members; without a training rule nothing reads it.
        members = members.outerjoin(
            PoolMember,
            (PoolMember.staff_id == Staff.id) & (PoolMember.organisation_id == organisation_id),
        )
    members = members.subquery()
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
    """Confirmed panels against the organisation's rule: one query whatever the number of
    panels, giving the counts and, when `listed`, the panels that break it."""
    panels, compliant = _compliance_panels(organisation_id, year, today or today_london())
    if listed:
        return _listed_compliance(year, panels, compliant)
    has_exception = func.coalesce(Panel.exception_reason, "") != ""
    total, met, excepted = db.session.execute(
        panels.with_only_columns(
            func.count(),
            func.coalesce(func.sum(compliant), 0),
            func.count().filter((compliant == 0) & has_exception),
        )
    ).one()
    report = ComplianceReport(year=year, panels_total=total, panels_compliant=met)
    report.exception_count, report.breach_count = excepted, total - met - excepted
    return report


def _listed_compliance(year: int | None, panels, compliant) -> ComplianceReport:
    """The counts and the panels that break the rule in one statement: each panel is scored
    once (a CTE read twice is computed once on SQLite and PostgreSQL) and the counts ride on
    every listed row, or on one row of NULLs when no panel breaks it. Two statements scored
    every panel's members twice."""
    scored = panels.with_only_columns(
        Panel.id.label("id"),
        Panel.stage.label("stage"),
        Panel.exception_reason.label("exception_reason"),
        Vacancy.reference.label("vacancy_reference"),
        Batch.reference.label("batch_reference"),
        compliant.label("compliant"),
    ).cte("scored")
    totals = select(
        func.count().label("total"),
        func.coalesce(func.sum(scored.c.compliant), 0).label("met"),
    ).subquery("totals")
    broken = scored.alias("broken")
    rows = db.session.execute(
        select(totals.c.total, totals.c.met, broken)
        .select_from(totals.outerjoin(broken, broken.c.compliant == 0))
        .order_by(broken.c.id)
    ).all()
    report = ComplianceReport(year=year, panels_total=rows[0].total, panels_compliant=rows[0].met)
    for row in rows:
        if row.id is None:
            continue
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


# HR's data gaps, for the home page and the vacancy page

# "Not known": nobody recorded an answer. "Z" (asked and declined) is an answer, not a gap.
NOT_KNOWN = "99"


@dataclass(frozen=True)
class EqualityGap:
    """A vacancy or batch with interviewed applicants whose equality data is not known."""

    owner: object
    applicants: int


def equality_gaps(organisation_id: int, limit: int = 20) -> tuple[int, list[EqualityGap]]:
    """Applicants who reached interview with no equality monitoring data: they are in neither
    side of indicator 2 and cannot trigger a justification. The total of applicants, and the
    vacancies and batches they applied to, most applicants first."""
    missing = (
        select(Application.applicant_id, Application.vacancy_id, Application.batch_id)
        .join(Applicant, Applicant.id == Application.applicant_id)
        .where(
            Application.organisation_id == organisation_id,
            Application.interviewed,
            ~Application.withdrawn,
            Applicant.ethnic_category == NOT_KNOWN,
        )
        .subquery()
    )
    total = db.session.scalar(select(func.count(func.distinct(missing.c.applicant_id))))
    gaps = []
    for model, column in ((Vacancy, missing.c.vacancy_id), (Batch, missing.c.batch_id)):
        rows = db.session.execute(
            select(model, func.count(func.distinct(missing.c.applicant_id)).label("n"))
            .join(missing, column == model.id)
            .group_by(model.id)
            .order_by(func.count(func.distinct(missing.c.applicant_id)).desc(), model.id)
            .limit(limit)
        ).all()
        gaps += [EqualityGap(owner, n) for owner, n in rows]
    gaps.sort(key=lambda gap: (-gap.applicants, gap.owner.reference))
    return total or 0, gaps[:limit]


def applicants_missing_equality(owner) -> list:
    """The interviewed applicants of one vacancy or batch whose equality data is not known."""
    column = Application.vacancy_id if owner.kind == "vacancy" else Application.batch_id
    return list(
        db.session.scalars(
            select(Applicant)
            .join(Application, Application.applicant_id == Applicant.id)
            .where(
                column == owner.id,
                Application.interviewed,
                ~Application.withdrawn,
                Applicant.ethnic_category == NOT_KNOWN,
            )
            .order_by(Applicant.reference)
        )
    )


def unassigned_vacancies(organisation_id: int, limit: int = 20) -> tuple[int, list[Vacancy]]:
    """Open vacancies nobody is recruiting for (a batch's vacancies go with the batch's
    manager): their panels, decision and justification have no one to do them."""
    query = select(Vacancy).where(
        Vacancy.organisation_id == organisation_id,
        Vacancy.status == "open",
        Vacancy.batch_id.is_(None),
        Vacancy.recruiting_manager_id.is_(None),
    )
    total = db.session.scalar(query.with_only_columns(func.count()))
    return total or 0, list(
        db.session.scalars(query.order_by(Vacancy.created_at, Vacancy.id).limit(limit))
    )


def compliance_owners(organisation_id: int, report: ComplianceReport) -> dict[tuple, object]:
    """The vacancies and batches a compliance report's breaches and exceptions name, keyed
    ("vacancy" or "batch", reference), so each can link to its page with its manager and date:
    two queries whatever the count."""
    entries = report.breaches + report.exceptions
    owners: dict[tuple, object] = {}
    for kind, model, key in (
        ("batch", Batch, "batch_reference"),
        ("vacancy", Vacancy, "vacancy_reference"),
    ):
        references = {e[key] for e in entries if e.get(key)}
        if references:
            for owner in db.session.scalars(
                select(model)
                .options(joinedload(model.recruiting_manager))
                .where(model.organisation_id == organisation_id, model.reference.in_(references))
            ):
                owners[(kind, owner.reference)] = owner
    return owners


def compliance_owner(owners: dict, entry: dict):
    """A breach's or exception's vacancy or batch (a batch's panel names the batch)."""
    if entry.get("batch_reference"):
        return owners.get(("batch", entry["batch_reference"]))
    return owners.get(("vacancy", entry.get("vacancy_reference")))
