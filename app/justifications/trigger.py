"""When a decision needs a justification to the chair (DOMAIN.md section 9). Pure."""

from dataclasses import dataclass

from app.workforce.ethnicity import WresGroup

DEFAULT_POLICY = "interviewed-bme-not-appointed"
STRICT_POLICY = "white-appointed-over-bme"


@dataclass(frozen=True)
class Candidate:
    application_id: int
    group: WresGroup
    interviewed: bool
    appointed: bool
    withdrawn: bool = False


def concerned(candidates: list[Candidate], policy: str) -> list[int]:
    """The applications a justification must cover; empty when none is needed.

    Default: every interviewed BME applicant not appointed, including when nobody was.
    Stricter local policy: the same people, but only when a white applicant was appointed.
    Someone who withdrew was not turned down, so they are not covered.
    """
    not_appointed = [
        c.application_id
        for c in candidates
        if c.group == WresGroup.BME and c.interviewed and not c.appointed and not c.withdrawn
    ]
    if policy == STRICT_POLICY:
        white_appointed = any(c.group == WresGroup.WHITE and c.appointed for c in candidates)
        return not_appointed if white_appointed else []
    return not_appointed
