"""The panel composition rule (DOMAIN.md section 8). Pure: no Flask, no database.

What the rule says about a panel is worded so it never names which member is BME: a manager
learns whether the panel meets the rule and what it still needs, nothing about a person.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from app.workforce.bands import band_order
from app.workforce.ethnicity import WresGroup


@dataclass(frozen=True)
class PanelRule:
    min_bme_members: int = 1
    min_band: str | None = None  # the rule applies to posts at this band and above
    training_months: int | None = None
    independent_required: bool = False

    @classmethod
    def from_settings(cls, settings) -> "PanelRule":
        return cls(
            min_bme_members=settings.panel_min_bme_members,
            min_band=settings.panel_rule_min_band,
            training_months=settings.panel_training_months,
            independent_required=settings.panel_independent_required,
        )


@dataclass(frozen=True)
class MemberFacts:
    group: WresGroup
    role: str
    is_staff: bool
    training_date: date | None = None


def months_before(day: date, months: int) -> date:
    """The same day `months` earlier (the month's last day when it has no such day)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month, candidate)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def applies_to(rule: PanelRule, bands: Iterable[str]) -> bool:
    """The rule applies when any post the panel serves is at or above the minimum band."""
    if rule.min_band is None:
        return True
    return any(band_order(band) >= band_order(rule.min_band) for band in bands)


def trained(member: MemberFacts, rule: PanelRule, today: date) -> bool:
    if rule.training_months is None or not member.is_staff:
        return True
    since = months_before(today, rule.training_months)
    return member.training_date is not None and member.training_date >= since


def unmet(
    rule: PanelRule, members: list[MemberFacts], bands: Iterable[str], today: date
) -> list[str]:
    """What the panel still needs, in words a manager can act on; empty when the rule is met."""
    return unmet_counts(
        rule,
        bands,
        bme=sum(1 for m in members if m.group == WresGroup.BME),
        independent=sum(1 for m in members if m.role == "independent"),
        untrained=sum(1 for m in members if not trained(m, rule, today)),
    )


def unmet_counts(
    rule: PanelRule, bands: Iterable[str], *, bme: int, independent: int, untrained: int
) -> list[str]:
    """The same rule from counts, as reports get them from the database."""
    if not applies_to(rule, bands):
        return []
    needs = []
    if bme < rule.min_bme_members:
        noun = "member" if rule.min_bme_members == 1 else "members"
        needs.append(f"The panel needs at least {rule.min_bme_members} BME {noun}")
    if rule.independent_required and not independent:
        needs.append("The panel needs an independent member")
    if rule.training_months is not None and untrained:
        needs.append(
            f"{untrained} staff member{'s' if untrained != 1 else ''} of the panel "
            f"{'have' if untrained != 1 else 'has'} no fair-recruitment training recorded in "
            f"the last {rule.training_months} months"
        )
    return needs
