"""Each closed WRES year's 31 March figures, stored once (DOMAIN.md section 6): indicator 1,
indicator 9 and the leadership aspiration as at the year's last day. The year's return publishes
the stored figures; until they are stored it computes the same figures from the staff history.

A year is stored once it has ended and the staff history reaches its 31 March (an extract as at
that day or later has been imported): from then on the staff import refuses extracts dated on or
before that day, so recomputing from the history always gives the stored numbers.
"""

import json
from datetime import date

from sqlalchemy import select

from app.extensions import db
from app.metrics import queries
from app.metrics.models import WresYearSnapshot
from app.workforce import history
from app.workforce.wres_year import WresYear, year_containing


def _plain(document: dict) -> dict:
    """The figures as stored: JSON, so stored and freshly computed figures compare and print
    identically."""
    return json.loads(json.dumps(document, default=str))


def compute(organisation_id: int, year: int) -> dict:
    """The year's 31 March figures from the staff history (and the recruitment records the
    aspiration's observed share comes from)."""
    as_at = WresYear(year).snapshot
    return _plain(
        {
            "year": year,
            "as_at": as_at.isoformat(),
            # The data source the year's notes name: the extract its 31 March figures rest on.
            "staff_extract_as_at": history.latest_extract_date(organisation_id, as_at),
            "indicator1": queries.indicator1(organisation_id, year),
            "indicator9": queries.indicator9(organisation_id, year),
            "aspiration": queries.aspiration(organisation_id, as_at),
        }
    )


def stored(organisation_id: int, year: int) -> WresYearSnapshot | None:
    return db.session.scalar(
        select(WresYearSnapshot).where(
            WresYearSnapshot.organisation_id == organisation_id, WresYearSnapshot.year == year
        )
    )


def figures(organisation_id: int, year: int) -> dict:
    """What the year's return publishes: the stored snapshot when the year is closed and stored,
    otherwise the same figures computed from the history."""
    snapshot = stored(organisation_id, year)
    return snapshot.data if snapshot is not None else compute(organisation_id, year)


def closable_year(organisation_id: int, today: date) -> WresYear | None:
    """The latest ended WRES year, when its figures are not stored yet and the staff history
    reaches its 31 March."""
    year = WresYear(year_containing(today).year - 1)
    latest = history.latest_extract_date(organisation_id)
    if latest is None or latest < year.end or stored(organisation_id, year.year) is not None:
        return None
    return year


def store(organisation_id: int, year: int) -> WresYearSnapshot:
    """Store the year's figures; never replaced (the table refuses UPDATE and DELETE)."""
    snapshot = WresYearSnapshot(
        organisation_id=organisation_id,
        year=year,
        as_at=WresYear(year).snapshot,
        figures=json.dumps(compute(organisation_id, year)),
    )
    db.session.add(snapshot)
    db.session.flush()
    return snapshot
