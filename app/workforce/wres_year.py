"""The WRES data year (DOMAIN.md section 4): year Y runs 1 April Y-1 to 31 March Y.

Pure rules: no Flask, no database. The mentoring appraisal year uses the same window.
"""

from dataclasses import dataclass
from datetime import date

FIRST_YEAR = 2000
LAST_YEAR = 2100


@dataclass(frozen=True)
class WresYear:
    year: int

    def __post_init__(self) -> None:
        if not FIRST_YEAR <= self.year <= LAST_YEAR:
            raise ValueError(
                f"WRES year must be between {FIRST_YEAR} and {LAST_YEAR}, got {self.year}"
            )

    @property
    def start(self) -> date:
        return date(self.year - 1, 4, 1)

    @property
    def end(self) -> date:
        return date(self.year, 3, 31)

    @property
    def snapshot(self) -> date:
        """Workforce snapshots are taken on the year's last day."""
        return self.end

    @property
    def label(self) -> str:
        return f"{self.year - 1}/{str(self.year)[-2:]}"

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end


def year_containing(day: date) -> WresYear:
    return WresYear(day.year + 1 if day.month >= 4 else day.year)
