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


def band_reason(
    colleague_band: str | None, include_non_consultant_medical: bool = False
) -> str | None:
    """Why a relationship with a colleague of this band could never count, or None when it could.
    The band is all it looks at, so a search may show it beside everyone it finds: whether the
    colleague's ethnic group is the one the commitment covers is never shown in a list."""
    eligible_bands = set(COUNTING_AFC_BANDS)
    if include_non_consultant_medical:
        eligible_bands.add("non-consultant-career-grade")
    if colleague_band is None:
        return "no pay band in the staff record"
    if colleague_band not in eligible_bands:
        return (
            "above band 8d"
            if colleague_band in AFC_BANDS
            else f"{band_name(colleague_band)}: the commitment covers band 8d or below"
        )
    return None


def counts(
    kind: str,
    colleague_band: str | None,
    colleague_group: WresGroup,
    include_non_consultant_medical: bool = False,
    at_start: bool = False,
) -> Verdict:
    """With `at_start`, the record given is the colleague's when the relationship started, and
    the reason says so."""
    if kind not in TYPES:
        return Verdict(False, "the type is not mentoring, reverse mentoring or sponsorship")
    is_, has, then = (
        ("was", "had", " when the relationship started") if at_start else ("is", "has", "")
    )
    eligible_bands = set(COUNTING_AFC_BANDS)
    if include_non_consultant_medical:
        eligible_bands.add("non-consultant-career-grade")
    if colleague_band is None:
        return Verdict(False, f"the colleague {has} no pay band in the staff record{then}")
    if colleague_band not in eligible_bands:
        return Verdict(
            False,
            f"the colleague {is_} {band_name(colleague_band)}{then}; the commitment "
            "covers colleagues at band 8d or below",
        )
    if colleague_group == WresGroup.UNKNOWN:
        return Verdict(
            False, f"the colleague's ethnicity {is_} not recorded in the staff record{then}"
        )
    if colleague_group != WresGroup.BME:
        return Verdict(False, f"the colleague {is_} not in the group the commitment covers{then}")
    return Verdict(True)


def counts_at_start(
    kind: str,
    colleague_band: str | None,
    colleague_group: WresGroup,
    leader_band: str | None,
    leader_board_role: str | None,
    include_non_consultant_medical: bool = False,
) -> Verdict:
    """Whether a relationship counts, judged on both people's records when it started
    (DOMAIN.md section 11): a colleague promoted above 8d since still counts, and a relationship
    begun before the leader was a VSM or board member never does."""
    if not is_senior_leader(leader_band, leader_board_role):
        return Verdict(
            False, "the senior leader was not a VSM or board member when the relationship started"
        )
    return counts(
        kind, colleague_band, colleague_group, include_non_consultant_medical, at_start=True
    )


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
