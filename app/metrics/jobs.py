"""The nightly snapshot of each organisation's headline figures (idempotent: one a day), and
each closed WRES year's 31 March figures (once a year)."""

import json
from datetime import date, timedelta

from sqlalchemy import select

from app import figure_cache
from app.benchmarking import services as benchmarking
from app.extensions import db
from app.metrics import events, queries, year_snapshots
from app.metrics.models import MetricSnapshot
from app.timeutil import today_london
from app.workforce.models import Organisation
from app.workforce.wres_year import year_containing


def headline(organisation_id: int, today: date) -> dict:
    year = year_containing(today).year
    two = queries.indicator2(organisation_id, year)
    aspiration = queries.aspiration(organisation_id, today)
    return {
        "year": year,
        "indicator2": two["relative_likelihood"],
        "indicator2_classification": two["classification"],
        "workforce_bme_share": aspiration["target_share"],
        "band_bme_shares": {b["band"]: b["bme_share"] for b in aspiration["bands"]},
        **queries.operational(organisation_id, year, today),
    }


def take_snapshots(today: date | None = None) -> dict[str, int]:
    """Today's headline figures for each organisation, and the figures of a WRES year that has
    closed, stored once."""
    today = today or today_london()
    taken = closed = 0
    for organisation_id in db.session.scalars(select(Organisation.id)).all():
        year = year_snapshots.closable_year(organisation_id, today)
        if year is not None:
            year_snapshots.store(organisation_id, year.year)
            events.year_closed(organisation_id, year.year)
            db.session.commit()
            closed += 1
        exists = db.session.scalar(
            select(MetricSnapshot.id).where(
                MetricSnapshot.organisation_id == organisation_id, MetricSnapshot.taken_on == today
            )
        )
        if exists:
            continue
        db.session.add(
            MetricSnapshot(
                organisation_id=organisation_id,
                taken_on=today,
                figures=json.dumps(headline(organisation_id, today), default=str),
            )
        )
        db.session.commit()
        taken += 1
    # Each stored year is published for benchmarking, including years stored before there was
    # benchmarking to publish them to.
    published = 0
    for organisation_id, year in benchmarking.unpublished_years():
        benchmarking.publish_year(db.session.get(Organisation, organisation_id), year, today)
        db.session.commit()
        published += 1
    # Kept home and dashboard figures are for one day: yesterday's are never read again.
    figure_cache.prune(today - timedelta(days=1))
    return {"snapshots": taken, "years_closed": closed, "years_published": published}
