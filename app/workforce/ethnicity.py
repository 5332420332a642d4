"""NHS Data Dictionary ETHNIC CATEGORY codes and their WRES grouping (DOMAIN.md section 2).

Pure rules: no Flask, no database. Import files carry bare codes, local sub-codes ("CP") and
ESR labels ("A White - British"); all of them normalise to a stored code here.
"""

import functools
import re
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import case, func, literal_column


class WresGroup(StrEnum):
    WHITE = "white"
    BME = "bme"
    UNKNOWN = "unknown"


CATEGORIES: dict[str, str] = {
    "A": "White - British",
    "B": "White - Irish",
    "C": "White - Any other White background",
    "D": "Mixed - White and Black Caribbean",
    "E": "Mixed - White and Black African",
    "F": "Mixed - White and Asian",
    "G": "Mixed - Any other mixed background",
    "H": "Asian or Asian British - Indian",
    "J": "Asian or Asian British - Pakistani",
    "K": "Asian or Asian British - Bangladeshi",
    "L": "Asian or Asian British - Any other Asian background",
    "M": "Black or Black British - Caribbean",
    "N": "Black or Black British - African",
    "P": "Black or Black British - Any other Black background",
    "R": "Other ethnic groups - Chinese",
    "S": "Other ethnic groups - Any other ethnic group",
    "Z": "Not stated",
    "99": "Not known",
}

WHITE_CODES = frozenset("ABC")
BME_CODES = frozenset("DEFGHJKLMNPRS")
NOT_STATED = "Z"
NOT_KNOWN = "99"

# Spellings that mean "we don't know", as extracts write them.
_UNKNOWN_SPELLINGS = {"", "99", "9", "x", "unspecified", "not known", "unknown"}
_NOT_STATED_SPELLINGS = {"z", "not stated", "not stated (asked, declined)"}
_BY_NAME = {name.lower(): code for code, name in CATEGORIES.items() if len(code) == 1}
# A national code, optionally followed by one local sub-code character, then optionally a label.
_CODE_WITH_LABEL = re.compile(r"^(?P<code>[A-Z][A-Z0-9]?)(?:\s+(?P<label>\S.*))?$")


class EthnicityError(ValueError):
    """The text cannot be read as an ethnic category."""


@dataclass(frozen=True)
class Ethnicity:
    code: str  # as stored: "A".."S", a two-character sub-code such as "CP", "Z" or "99"

    @property
    def national_code(self) -> str:
        return self.code if self.code == NOT_KNOWN else self.code[0]

    @property
    def group(self) -> WresGroup:
        return group_of(self.code)

    @property
    def label(self) -> str:
        return CATEGORIES[self.national_code]


def group_of(code: str | None) -> WresGroup:
    """The WRES group of a stored code; a sub-code groups by its first character."""
    if not code or code == NOT_KNOWN:
        return WresGroup.UNKNOWN
    first = code[0].upper()
    if first in WHITE_CODES:
        return WresGroup.WHITE
    if first in BME_CODES:
        return WresGroup.BME
    return WresGroup.UNKNOWN


# Pure, and an import asks the same few spellings hundreds of thousands of times.
@functools.lru_cache(maxsize=4096)
def parse_ethnicity(text: str | None) -> Ethnicity:
    """Read a code, a sub-code, an ESR label or a category name; raise EthnicityError otherwise."""
    raw = (text or "").strip()
    folded = " ".join(raw.lower().split())
    if folded in _UNKNOWN_SPELLINGS:
        return Ethnicity(NOT_KNOWN)
    if folded in _NOT_STATED_SPELLINGS:
        return Ethnicity(NOT_STATED)
    if folded in _BY_NAME:
        return Ethnicity(_BY_NAME[folded])
    if folded.split(" ")[0] in {"99", "9", "x"}:  # "99 Not known", "X Unspecified"
        return Ethnicity(NOT_KNOWN)
    match = _CODE_WITH_LABEL.match(raw.upper() if len(raw) <= 2 else raw)
    if match:
        code = match.group("code")
        first = code[0]
        if first in WHITE_CODES or first in BME_CODES:
            return Ethnicity(code)
        if first == "Z" and len(code) == 1:
            return Ethnicity(NOT_STATED)
    raise EthnicityError(
        f"{raw!r} is not an ethnic category: expected a code A-H, J-N, P, R, S (optionally with "
        "a local sub-code such as CP), an ESR label such as 'A White - British', "
        "or Z / 99 / blank for not stated or not known"
    )


def sql_group(code_column):
    """A SQL expression giving the WRES group of a stored code column, for GROUP BY in reports.

    Built from the same code sets as group_of so SQL and Python cannot disagree.
    """

    # Constants are written into the SQL rather than bound, so the same expression in SELECT
    # and GROUP BY is textually identical (PostgreSQL matches GROUP BY expressions by text).
    def sql(text: str):
        return literal_column(f"'{text}'")

    first = func.substr(code_column, literal_column("1"), literal_column("1"))
    return case(
        (code_column == sql(NOT_KNOWN), sql(WresGroup.UNKNOWN.value)),
        (first.in_([sql(c) for c in sorted(WHITE_CODES)]), sql(WresGroup.WHITE.value)),
        (first.in_([sql(c) for c in sorted(BME_CODES)]), sql(WresGroup.BME.value)),
        else_=sql(WresGroup.UNKNOWN.value),
    )
