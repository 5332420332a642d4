"""Pay bands and staff groups (DOMAIN.md section 3): slugs, display names and usual spellings.

Pure rules: no Flask, no database.
"""

import functools
import re

AFC_BANDS = ("under-1", "1", "2", "3", "4", "5", "6", "7", "8a", "8b", "8c", "8d", "9", "VSM")
MEDICAL_GRADES = ("consultant", "non-consultant-career-grade", "trainee", "other-medical")
BANDS = AFC_BANDS + MEDICAL_GRADES
SENIOR_BANDS = ("8a", "8b", "8c", "8d", "9", "VSM")

STAFF_GROUPS = ("non-clinical", "clinical-non-medical", "medical-dental")
STAFF_GROUP_NAMES = {
    "non-clinical": "Non-clinical",
    "clinical-non-medical": "Clinical non-medical",
    "medical-dental": "Medical and dental",
}

BOARD_ROLES = ("executive", "non-executive")
BOARD_ROLE_NAMES = {"executive": "Executive", "non-executive": "Non-executive"}

_MEDICAL_SPELLINGS = {
    "consultant": "consultant",
    "consultants": "consultant",
    "non consultant career grade": "non-consultant-career-grade",
    "non-consultant career grade": "non-consultant-career-grade",
    "non-consultant-career-grade": "non-consultant-career-grade",
    "ncg": "non-consultant-career-grade",
    "sas": "non-consultant-career-grade",
    "specialty doctor": "non-consultant-career-grade",
    "trainee": "trainee",
    "trainee grade": "trainee",
    "trainee grades": "trainee",
    "doctor in training": "trainee",
    "doctors in training": "trainee",
    "other medical": "other-medical",
    "other-medical": "other-medical",
    "other medical and dental": "other-medical",
}
_VSM_SPELLINGS = {"vsm", "very senior manager", "very senior managers", "band vsm"}
_UNDER_1_SPELLINGS = {"under 1", "under-1", "under1", "band under 1", "under band 1"}
_AFC_NUMBER = re.compile(r"^(?:afc\s*)?(?:band\s*)?(?P<band>[1-79]|8\s*[a-d])$")

_STAFF_GROUP_SPELLINGS = {
    "non-clinical": "non-clinical",
    "non clinical": "non-clinical",
    "nonclinical": "non-clinical",
    "clinical non-medical": "clinical-non-medical",
    "clinical non medical": "clinical-non-medical",
    "clinical - non-medical": "clinical-non-medical",
    "clinical-non-medical": "clinical-non-medical",
    "medical and dental": "medical-dental",
    "medical & dental": "medical-dental",
    "medical/dental": "medical-dental",
    "medical-dental": "medical-dental",
    "medical and dental staff": "medical-dental",
}


class BandError(ValueError):
    """The text is not a pay band, grade or staff group."""


def _fold(text: str | None) -> str:
    return " ".join((text or "").strip().lower().split())


# Pure, and an import asks the same few spellings hundreds of thousands of times.
@functools.lru_cache(maxsize=4096)
def parse_band(text: str | None) -> str:
    """The band slug for a spelling such as "Band 8a", "8A", "Very Senior Manager"."""
    folded = _fold(text)
    if folded in _VSM_SPELLINGS:
        return "VSM"
    if folded in _UNDER_1_SPELLINGS:
        return "under-1"
    if folded in _MEDICAL_SPELLINGS:
        return _MEDICAL_SPELLINGS[folded]
    match = _AFC_NUMBER.match(folded)
    if match:
        return match.group("band").replace(" ", "")
    raise BandError(
        f"{(text or '').strip()!r} is not a pay band: expected an Agenda for Change band "
        "(under 1, 1-7, 8a-8d, 9, VSM, e.g. 'Band 8a') or a medical grade "
        "(Consultant, Non-consultant career grade, Trainee, Other medical)"
    )


# Pure, and an import asks the same few spellings hundreds of thousands of times.
@functools.lru_cache(maxsize=4096)
def parse_staff_group(text: str | None) -> str:
    folded = _fold(text)
    if folded in _STAFF_GROUP_SPELLINGS:
        return _STAFF_GROUP_SPELLINGS[folded]
    raise BandError(
        f"{(text or '').strip()!r} is not a staff group: expected Non-clinical, "
        "Clinical non-medical or Medical and dental"
    )


# Pure, and an import asks the same few spellings hundreds of thousands of times.
@functools.lru_cache(maxsize=4096)
def parse_board_role(text: str | None) -> str | None:
    folded = _fold(text)
    if folded == "":
        return None
    for role in BOARD_ROLES:
        if folded in {role, role.replace("-", " "), f"{role} director", f"{role} member"}:
            return role
    if folded in {"ned", "non executive director"}:
        return "non-executive"
    raise BandError(
        f"{(text or '').strip()!r} is not a board role: expected Executive, Non-executive or blank"
    )


def band_name(slug: str | None) -> str:
    """How a band reads on screen: "Band 8a", "VSM", "Consultant"."""
    if slug is None:
        return "No band"
    if slug == "VSM":
        return "VSM"
    if slug == "under-1":
        return "Under band 1"
    if slug in AFC_BANDS:
        return f"Band {slug}"
    return slug.replace("-", " ").capitalize()


def band_order(slug: str | None) -> int:
    """Sort key: AfC bands low to high, then medical grades, then no band."""
    if slug in BANDS:
        return BANDS.index(slug)
    return len(BANDS)
