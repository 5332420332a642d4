"""The roles a user can hold (a user may hold several)."""

from enum import StrEnum


class Role(StrEnum):
    HR_ADMIN = "hr-admin"
    RECRUITING_MANAGER = "recruiting-manager"
    CHAIR = "chair"
    SENIOR_LEADER = "senior-leader"
    REGIONAL_VIEWER = "regional-viewer"


ROLE_NAMES = {
    Role.HR_ADMIN: "HR / WRES lead",
    Role.RECRUITING_MANAGER: "Recruiting manager",
    Role.CHAIR: "Chair",
    Role.SENIOR_LEADER: "Senior leader (VSM or board member)",
    Role.REGIONAL_VIEWER: "Regional viewer (aggregate figures only)",
}


def parse_role(text: str) -> Role:
    try:
        return Role(text.strip().lower())
    except ValueError:
        raise ValueError(
            f"{text!r} is not a role: expected one of {', '.join(r.value for r in Role)}"
        ) from None
