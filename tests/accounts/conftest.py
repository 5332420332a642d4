"""A clock for the throttling tests: waits of a second or two must not run out on their own
while a busy machine runs the next request."""

import pytest
from sqlalchemy import func, select

from app.accounts import services
from app.accounts.models import ThrottleCounter
from app.extensions import db
from app.timeutil import utcnow


class Clock:
    def __init__(self):
        self.now = utcnow()

    def __call__(self):
        return self.now

    def wait_out(self) -> None:
        """Every wait so far has run out (the counts stay)."""
        latest = db.session.scalar(select(func.max(ThrottleCounter.next_allowed_at)))
        db.session.rollback()
        if latest and latest > self.now:
            self.now = latest


@pytest.fixture
def clock(monkeypatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(services, "utcnow", clock)
    return clock
