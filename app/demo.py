"""The demo trust for `make run`: staff and logins first, then each feature's own records."""

import random
from datetime import date

from app.justifications import demo as justifications_demo
from app.mentoring import demo as mentoring_demo
from app.recruitment import demo as recruitment_demo
from app.workforce import demo as workforce_demo


def seed(staff_count: int) -> dict:
    summary = workforce_demo.seed(staff_count)
    rng = random.Random(2019)
    organisation, today = summary["organisation"], date.today()
    summary |= recruitment_demo.seed(organisation, rng, today)
    summary |= justifications_demo.seed(organisation, rng, today)
    summary |= mentoring_demo.seed(organisation, rng, today)
    return summary
