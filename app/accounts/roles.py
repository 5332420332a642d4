"""The roles a user can hold (a user may hold several)."""

from enum import StrEnum


class Role(StrEnum):
    HR_ADMIN = "hr-admin"
    RECRUITING_MANAGER = "recruiting-manager"
    CHAIR = "chair"
    SENIOR_LEADER = "senior-leader"
    REGIONAL_VIEWER = "regional-viewer"
    NATIONAL_VIEWER = "national-viewer"


ROLE_NAMES = {
    Role.HR_ADMIN: "HR / WRES lead",
    Role.RECRUITING_MANAGER: "Recruiting manager",
    Role.CHAIR: "Chair",
    Role.SENIOR_LEADER: "Senior leader (VSM or board member)",
    Role.REGIONAL_VIEWER: "Regional viewer (aggregate figures only)",
    Role.NATIONAL_VIEWER: "National viewer (every organisation's published figures)",
}
# Teams outside any trust: they see published aggregates, never an organisation's own pages.
VIEWER_ROLES = frozenset({Role.REGIONAL_VIEWER, Role.NATIONAL_VIEWER})


def parse_role(text: str) -> Role:
    try:
        return Role(text.strip().lower())
    except ValueError:
        raise ValueError(
            f"{text!r} is not a role: expected one of {', '.join(r.value for r in Role)}"
        ) from None
