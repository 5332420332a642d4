"""A small trust whose every figure was computed by hand (see test_figures.py)."""

from datetime import date

import pytest

from app.recruitment.models import Applicant, Application, Vacancy
from tests import factories

WHITE, BME, UNKNOWN = "A", "N", "99"


def _vacancy(db, org, reference, band, group, decided, international=False, posts=20):
    vacancy = Vacancy(
        organisation_id=org.id,
        reference=reference,
        title=reference,
        pay_band=band,
        staff_group=group,
        decision_date=decided,
        status="decided",
        posts=posts,
        international_recruitment=international,
    )
    db.session.add(vacancy)
    db.session.flush()
    return vacancy


def _applications(db, vacancy, category, shortlisted, appointed, applied_only=0, withdrawn=0):
    n = Applicant.query.count()
    specs = (
        [(True, True, False)] * appointed
        + [(True, False, False)] * (shortlisted - appointed)
        + [(False, False, False)] * applied_only
        + [(True, False, True)] * withdrawn
    )
    for index, (is_short, is_appointed, is_withdrawn) in enumerate(specs):
        applicant = Applicant(
            organisation_id=vacancy.organisation_id,
            reference=f"P-{n + index}",
            ethnic_category=category,
        )
        db.session.add(applicant)
        db.session.flush()
        db.session.add(
            Application(
                organisation_id=vacancy.organisation_id,
                applicant_id=applicant.id,
                vacancy_id=vacancy.id,
                shortlisted=is_short,
                interviewed=is_short,
                appointed=is_appointed,
                withdrawn=is_withdrawn,
            )
        )
    db.session.flush()


@pytest.fixture
def trust(db, organisation):
    org = organisation
    v1 = _vacancy(db, org, "V1", "5", "clinical-non-medical", date(2025, 6, 1))
    _applications(db, v1, WHITE, 10, 3, applied_only=5)
    _applications(db, v1, BME, 12, 2, withdrawn=1)
    _applications(db, v1, UNKNOWN, 2, 1)
    v2 = _vacancy(db, org, "V2", "8a", "non-clinical", date(2025, 9, 1))
    _applications(db, v2, WHITE, 1, 1)
    _applications(db, v2, BME, 1, 0)
    v3 = _vacancy(db, org, "V3", "5", "clinical-non-medical", date(2025, 3, 31))
    _applications(db, v3, WHITE, 4, 1)
    v4 = _vacancy(db, org, "V4", "5", "clinical-non-medical", date(2026, 3, 31), international=True)
    _applications(db, v4, BME, 1, 1)

    def staff(n, band, group, category, **extra):
        for _ in range(n):
            factories.StaffFactory(
                organisation=org,
                pay_band=band,
                staff_group=group,
                ethnic_category=category,
                start_date=extra.pop("start_date", date(2015, 1, 1)),
                **extra,
            )

    staff(3, "8a", "non-clinical", WHITE)
    staff(1, "8a", "non-clinical", BME)
    staff(1, "8a", "non-clinical", UNKNOWN)
    staff(1, "8a", "non-clinical", WHITE, leaving_date=date(2025, 12, 1))  # a leaver
    staff(4, "5", "clinical-non-medical", WHITE)
    staff(4, "5", "clinical-non-medical", BME)
    staff(1, "5", "clinical-non-medical", BME, leaving_date=date(2026, 1, 1))
    staff(1, "5", "clinical-non-medical", WHITE, start_date=date(2026, 5, 1))
    staff(1, None, "non-clinical", BME, board_role="non-executive", board_voting=True)
    staff(1, None, "non-clinical", WHITE, board_role="non-executive", board_voting=True)
    staff(2, "VSM", "non-clinical", WHITE, board_role="executive", board_voting=True)
    staff(1, "VSM", "non-clinical", BME, board_role="executive", board_voting=False)
    db.session.commit()
    return org
