"""The demo trust for `make run`: staff and logins first, then each feature's own records; two
smaller neighbouring trusts and a regional team, so the regional view has something to compare."""

import random
from datetime import date

from app.accounts import services as accounts
from app.accounts.roles import Role
from app.justifications import demo as justifications_demo
from app.mentoring import demo as mentoring_demo
from app.recruitment import demo as recruitment_demo
from app.workforce import demo as workforce_demo
from app.workforce import services as workforce


def _records(organisation, rng: random.Random, today: date, vacancies: int) -> dict:
    summary = recruitment_demo.seed(organisation, rng, today, vacancies)
    summary |= justifications_demo.seed(organisation, rng, today)
    summary |= mentoring_demo.seed(organisation, rng, today)
    return summary


def seed(staff_count: int, vacancies: int = 260, neighbour_staff: int | None = None) -> dict:
    """The demo trust, its neighbours and the regional team. `vacancies` and `neighbour_staff`
    make a smaller region (browser tests); left out, the neighbours have their usual sizes."""
    today = date.today()
    summary = workforce_demo.seed(staff_count)
    summary |= _records(summary["organisation"], random.Random(2019), today, vacancies)
    for code, name, staff, seed_value in workforce_demo.NEIGHBOURS:
        neighbour = workforce_demo.seed(
            neighbour_staff or staff, seed_value, code, name, logins=False
        )
        _records(
            neighbour["organisation"],
            random.Random(seed_value),
            today,
            90 if neighbour_staff is None else max(12, vacancies // 3),
        )
    code, name = workforce_demo.REGIONAL_TEAM
    team = workforce.create_organisation(code, name, workforce_demo.REGION)
    accounts.create_user(
        team.id,
        f"regional@{workforce_demo.DOMAIN}",
        [Role.REGIONAL_VIEWER],
        "Regional Analyst",
        workforce_demo.PASSWORD,
    )
    return summary
