"""Whether a relationship counts toward the senior leaders' commitment (DOMAIN.md section 11).
Pure: no Flask, no database.

What a senior leader is told is whether it counts and, if not, a reason that does not disclose
the colleague's ethnic group beyond what the commitment itself implies.
"""

from dataclasses import dataclass
from datetime import date

from app.workforce.bands import AFC_BANDS, band_name
from app.workforce.ethnicity import WresGroup

TYPES = {
    "mentoring": "Mentoring",
    "reverse-mentoring": "Reverse mentoring",
    "sponsorship": "Sponsorship",
}
FORMATS = {"in-person": "In person", "video": "Video call", "phone": "Phone call"}
COUNTING_AFC_BANDS = AFC_BANDS[: AFC_BANDS.index("8d") + 1]


@dataclass(frozen=True)
class Verdict:
    counts: bool
    reason: str | None = None


def counts(
    kind: str,
    colleague_band: str | None,
    colleague_group: WresGroup,
    include_non_consultant_medical: bool = False,
) -> Verdict:
    if kind not in TYPES:
        return Verdict(False, "the type is not mentoring, reverse mentoring or sponsorship")
    eligible_bands = set(COUNTING_AFC_BANDS)
    if include_non_consultant_medical:
        eligible_bands.add("non-consultant-career-grade")
    if colleague_band is None:
        return Verdict(False, "the colleague has no pay band in the staff record")
    if colleague_band not in eligible_bands:
        return Verdict(
            False,
            f"the colleague is {band_name(colleague_band)}; the commitment "
            "covers colleagues at band 8d or below",
        )
    if colleague_group == WresGroup.UNKNOWN:
        return Verdict(False, "the colleague's ethnicity is not recorded in the staff record")
    if colleague_group != WresGroup.BME:
        return Verdict(False, "the colleague is not in the group the commitment covers")
    return Verdict(True)


def is_senior_leader(band: str | None, board_role: str | None) -> bool:
    """VSMs and board members (executive or non-executive) make the commitment."""
    return band == "VSM" or board_role is not None


def leader_role(band: str | None, board_role: str | None) -> str:
    return board_role or ("vsm" if band == "VSM" else "")


def status(start: date, end: date | None, today: date) -> str:
    """Proposed until it starts, active while it runs, ended after its end date."""
    if start > today:
        return "proposed"
    if end is not None and end < today:
        return "ended"
    return "active"


def active_during(start: date, end: date | None, period_start: date, period_end: date) -> bool:
    return start <= period_end and (end is None or end >= period_start)
