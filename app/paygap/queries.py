"""The ethnicity pay gap as at 31 March, from the staff history (DOMAIN.md sections 6 and 13).

Staff in post on the WRES year's 31 March with a pay band (the workforce; non-executive
directors excluded) and hourly pay recorded, as their records stood that day. Counts and sums
are grouped in SQL; the medians and quartiles need the pay in order, so one query reads the
hourly pay column sorted, with only the keys it is grouped by, never whole person rows.
"""

from collections import defaultdict
from datetime import date

from sqlalchemy import func, select

from app.extensions import db
from app.paygap import rules
from app.workforce import history
from app.workforce.bands import STAFF_GROUPS, band_order
from app.workforce.ethnicity import sql_group
from app.workforce.models import StaffHistory as Version
from app.workforce.wres_year import WresYear

GROUPS = rules.GROUPS


def _pounds(value) -> float | None:
    return None if value is None else float(value)


def _document(gap: rules.PayGap) -> dict:
    return {
        "white_staff": gap.white_staff,
        "bme_staff": gap.bme_staff,
        "unknown_staff": gap.unknown_staff,
        "white_mean_hourly": _pounds(gap.white_mean),
        "bme_mean_hourly": _pounds(gap.bme_mean),
        "white_median_hourly": _pounds(gap.white_median),
        "bme_median_hourly": _pounds(gap.bme_median),
        "mean_gap_percent": gap.mean_gap_percent,
        "median_gap_percent": gap.median_gap_percent,
        "note": gap.note,
    }


class _Cell:
    """Counts, sums and sorted pay of one breakdown row, by ethnic group."""

    def __init__(self):
        self.counts = dict.fromkeys(GROUPS, 0)
        self.sums = dict.fromkeys(GROUPS, 0)
        self.pay: dict[str, list] = {"white": [], "bme": []}

    def gap(self) -> rules.PayGap:
        return rules.pay_gap(self.counts, self.sums, self.pay)


def _workforce(organisation_id: int, day: date) -> tuple:
    return (*history.in_post_as_at(organisation_id, day), Version.pay_band.is_not(None))


def pay_gap(organisation_id: int, year: int, in_post: list | None = None) -> dict:
    """The JSON document of INTERFACES.md (`flask metrics pay-gap`), with each breakdown's counts
    and note, and the staff in post without pay recorded (a data-quality measure). `in_post`:
    history.in_post_counts on 31 March, when the caller has read it already."""
    as_at = WresYear(year).snapshot
    workforce = _workforce(organisation_id, as_at)
    group = sql_group(Version.ethnic_category)
    with_pay = Version.hourly_pay.is_not(None)
    whole, bands, staff_groups = _Cell(), defaultdict(_Cell), defaultdict(_Cell)
    for band, staff_group, grp, n, total in db.session.execute(
        select(
            Version.pay_band,
            Version.staff_group,
            group,
            func.count(),
            func.sum(Version.hourly_pay),
        )
        .where(*workforce, with_pay)
        .group_by(Version.pay_band, Version.staff_group, group)
    ):
        for cell in (whole, bands[band], staff_groups[staff_group]):
            cell.counts[grp] += n
            cell.sums[grp] += total
    people = []
    for band, staff_group, grp, pay in db.session.execute(
        select(Version.pay_band, Version.staff_group, group, Version.hourly_pay)
        .where(*workforce, with_pay)
        .order_by(Version.hourly_pay)
    ):
        people.append((pay, grp))
        if grp != "unknown":
            for cell in (whole, bands[band], staff_groups[staff_group]):
                cell.pay[grp].append(pay)
    if in_post is None:
        without_pay = db.session.scalar(
            select(func.count()).where(*workforce, Version.hourly_pay.is_(None))
        )
    else:
        without_pay = sum(r.n for r in in_post if r.pay_band is not None and not r.has_pay)
    return {
        "year": year,
        "as_at": as_at.isoformat(),
        **_document(whole.gap()),
        "staff_without_pay": without_pay,
        "quartiles": rules.quartiles(people),
        "bands": [{"band": b, **_document(bands[b].gap())} for b in sorted(bands, key=band_order)],
        "staff_groups": [
            {"staff_group": sg, **_document(staff_groups[sg].gap())}
            for sg in sorted(
                staff_groups, key=lambda s: STAFF_GROUPS.index(s) if s in STAFF_GROUPS else 99
            )
        ],
    }
