"""Publishing a closed year's figures for benchmarking. Flushes, never commits."""

import json
from datetime import date

from sqlalchemy import select

from app import audit
from app.benchmarking import publication
from app.benchmarking.models import PublishedFigures
from app.extensions import db
from app.metrics import export
from app.metrics import queries as metrics_queries
from app.metrics.models import WresYearSnapshot
from app.workforce.models import Organisation, OrganisationSettings


def publish_year(organisation: Organisation, year: int, today: date) -> PublishedFigures:
    """Publish the year's figures once: the year's return (its stored 31 March snapshot and the
    year's indicator 2) and the year's operational figures, after disclosure control. A year
    already published keeps what it published, like the snapshot it rests on."""
    existing = db.session.scalar(
        select(PublishedFigures).where(
            PublishedFigures.organisation_id == organisation.id, PublishedFigures.year == year
        )
    )
    if existing is not None:
        return existing
    threshold = db.session.get(OrganisationSettings, organisation.id).suppression_threshold
    ret = export.build(organisation, year, today)
    operational = metrics_queries.operational(organisation.id, year, today)
    return store(organisation, year, ret.as_at, publication.publish(ret, operational, threshold))


def store(organisation: Organisation, year: int, as_at: date, doc: dict) -> PublishedFigures:
    """Store a published document (what `publication.publish` made) with its sortable columns."""
    row = PublishedFigures(
        organisation_id=organisation.id,
        year=year,
        as_at=as_at,
        threshold=doc["threshold"],
        figures=json.dumps(doc),
        **publication.columns(doc),
    )
    db.session.add(row)
    db.session.flush()
    audit.record(
        organisation.id, None, "figures.published", "organisation", organisation.id, {"year": year}
    )
    return row


def unpublished_years() -> list[tuple[int, int]]:
    """(organisation id, year) of each stored year snapshot not yet published."""
    return list(
        db.session.execute(
            select(WresYearSnapshot.organisation_id, WresYearSnapshot.year)
            .outerjoin(
                PublishedFigures,
                (PublishedFigures.organisation_id == WresYearSnapshot.organisation_id)
                & (PublishedFigures.year == WresYearSnapshot.year),
            )
            .where(PublishedFigures.id.is_(None))
            .order_by(WresYearSnapshot.organisation_id, WresYearSnapshot.year)
        ).tuples()
    )
