"""Time in one place: stored as naive UTC, shown in Europe/London."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


def utcnow() -> datetime:
    """Now, as the naive UTC datetime every DateTime column stores."""
    return datetime.now(UTC).replace(tzinfo=None)


def today_london() -> date:
    return datetime.now(LONDON).date()


def to_london(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC).astimezone(LONDON)
