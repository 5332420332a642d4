"""The nightly snapshot of each organisation's headline figures (idempotent: one a day)."""

import json
from datetime import date

from sqlalchemy import select

from app.extensions import db
from app.metrics import queries
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
    today = today or today_london()
    taken = 0
    for organisation_id in db.session.scalars(select(Organisation.id)).all():
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
    return {"snapshots": taken}
