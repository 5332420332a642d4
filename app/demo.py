"""The demo trust for `make run`: staff and logins first, then each feature's own records; two
smaller neighbouring trusts and a regional team, so the regional view has something to compare;
published figures for benchmarking and a national team."""

import random
from datetime import date

from app.accounts import services as accounts
from app.accounts.roles import Role
from app.benchmarking import demo as benchmarking_demo
from app.goals import demo as goals_demo
from app.justifications import demo as justifications_demo
from app.mentoring import demo as mentoring_demo
from app.recruitment import demo as recruitment_demo
from app.survey import demo as survey_demo
from app.workforce import demo as workforce_demo
from app.workforce import services as workforce
from app.wres_return import demo as wres_return_demo


def _records(organisation, rng: random.Random, today: date, vacancies: int) -> dict:
    summary = recruitment_demo.seed(organisation, rng, today, vacancies)
    summary |= justifications_demo.seed(organisation, rng, today)
    summary |= mentoring_demo.seed(organisation, rng, today)
    # Its own random stream, so the records above stay as they were before the survey.
    summary |= survey_demo.seed(organisation, random.Random(rng.random()), today)
    summary |= wres_return_demo.seed(organisation, rng, today)
    return summary


def seed(staff_count: int) -> dict:
    today = date.today()
    summary = workforce_demo.seed(staff_count)
    summary |= _records(summary["organisation"], random.Random(2019), today, 260)
    summary |= goals_demo.seed(summary["organisation"], today)
    trusts = [(summary["organisation"], summary["staff"])]
    for code, name, staff, seed_value in workforce_demo.NEIGHBOURS:
        neighbour = workforce_demo.seed(staff, seed_value, code, name, logins=False)
        _records(neighbour["organisation"], random.Random(seed_value), today, 90)
        trusts.append((neighbour["organisation"], neighbour["staff"]))
    code, name = workforce_demo.REGIONAL_TEAM
    team = workforce.create_organisation(code, name, workforce_demo.REGION)
    accounts.create_user(
        team.id,
        f"regional@{workforce_demo.DOMAIN}",
        [Role.REGIONAL_VIEWER],
        "Regional Analyst",
        workforce_demo.PASSWORD,
    )
    summary |= benchmarking_demo.seed(trusts, workforce_demo.PASSWORD, workforce_demo.DOMAIN, today)
    return summary
