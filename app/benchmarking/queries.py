"""Read-only selects for the benchmarking pages: published figures only, within the viewer's
scope (a region, or every organisation). A bounded number of queries whatever the number of
organisations."""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import defer

from app.benchmarking.models import PublishedFigures
from app.extensions import db
from app.workforce.models import Organisation


@dataclass(frozen=True)
class Scope:
    """Which organisations a viewer compares: one region's, or (region None) every one."""

    region: str | None

    @property
    def national(self) -> bool:
        return self.region is None


def _in_scope(query, scope: Scope):
    if scope.national:
        return query
    # A regional team with no region set sees nobody rather than everybody.
    return query.where(Organisation.region == scope.region, Organisation.region != "")


SORTS = {
    "indicator2": ("Indicator 2, highest first", PublishedFigures.relative_likelihood, True),
    "interval": ("Lower end of the interval, highest first", PublishedFigures.ci_low, True),
    "shortlisted": ("Shortlisted applicants, most first", PublishedFigures.shortlisted, True),
    "name": ("Organisation name", Organisation.name, False),
    "workforce": (
        "Workforce BME share, highest first",
        PublishedFigures.workforce_bme_share,
        True,
    ),
    "senior": ("BME share at 8a and above, lowest first", PublishedFigures.senior_bme_share, False),
    "panels": ("Panels meeting the rule, lowest first", PublishedFigures.panel_compliance, False),
    "justifications": (
        "Justifications on time, lowest first",
        PublishedFigures.justifications_on_time,
        False,
    ),
    "mentoring": ("Mentoring coverage, lowest first", PublishedFigures.mentoring_coverage, False),
}


def years(scope: Scope) -> list[int]:
    """Years with published figures in scope, latest first."""
    query = (
        select(PublishedFigures.year)
        .join(Organisation, Organisation.id == PublishedFigures.organisation_id)
        .distinct()
        .order_by(PublishedFigures.year.desc())
    )
    return list(db.session.scalars(_in_scope(query, scope)))


def peer_options(scope: Scope, year: int) -> list[tuple[str, str, str]]:
    """The (region, type, size band) combinations present in the year, for the filters."""
    query = (
        select(Organisation.region, Organisation.organisation_type, Organisation.size_band)
        .join(PublishedFigures, Organisation.id == PublishedFigures.organisation_id)
        .where(PublishedFigures.year == year)
        .distinct()
    )
    return [tuple(r) for r in db.session.execute(_in_scope(query, scope))]


def published(
    scope: Scope,
    year: int,
    region: str = "",
    organisation_type: str = "",
    size_band: str = "",
    sort: str = "indicator2",
    documents: bool = False,
) -> list[tuple[PublishedFigures, Organisation]]:
    """Every published row of the year in scope and in the peer group chosen, sorted (figures
    withheld or not available last, then by name). Without `documents`, only the columns: the
    page reads the whole document of the rows it shows (`documents_of`)."""
    _label, column, descending = SORTS.get(sort, SORTS["indicator2"])
    query = (
        select(PublishedFigures, Organisation)
        .options(*(() if documents else (defer(PublishedFigures.figures, raiseload=True),)))
        .join(Organisation, Organisation.id == PublishedFigures.organisation_id)
        .where(PublishedFigures.year == year)
    )
    for attribute, value in (
        (Organisation.region, region),
        (Organisation.organisation_type, organisation_type),
        (Organisation.size_band, size_band),
    ):
        if value:
            query = query.where(attribute == value)
    order = [column.is_(None), column.desc() if descending else column.asc()]
    query = _in_scope(query, scope).order_by(*order, Organisation.name, Organisation.id)
    return [tuple(r) for r in db.session.execute(query)]


def previous_ratios(scope: Scope, year: int) -> dict[int, float | None]:
    """Each organisation's published indicator 2 of the year before, for the change column."""
    query = (
        select(PublishedFigures.organisation_id, PublishedFigures.relative_likelihood)
        .join(Organisation, Organisation.id == PublishedFigures.organisation_id)
        .where(PublishedFigures.year == year - 1)
    )
    return {org: ratio for org, ratio in db.session.execute(_in_scope(query, scope))}


def documents_of(ids: list[int]) -> dict[int, str]:
    """The published documents (JSON) of these rows, in one query."""
    if not ids:
        return {}
    query = select(PublishedFigures.id, PublishedFigures.figures).where(
        PublishedFigures.id.in_(ids)
    )
    return {row_id: figures for row_id, figures in db.session.execute(query)}


def organisation_in_scope(scope: Scope, organisation_id: int) -> Organisation | None:
    """The organisation, when it is in scope and has published figures; else None (a 404)."""
    query = select(Organisation).where(
        Organisation.id == organisation_id,
        select(PublishedFigures.id)
        .where(PublishedFigures.organisation_id == Organisation.id)
        .exists(),
    )
    return db.session.scalar(_in_scope(query, scope))


def history(organisation_id: int) -> list[PublishedFigures]:
    """The organisation's published years, oldest first."""
    return list(
        db.session.scalars(
            select(PublishedFigures)
            .where(PublishedFigures.organisation_id == organisation_id)
            .order_by(PublishedFigures.year)
        )
    )
