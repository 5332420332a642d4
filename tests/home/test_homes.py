"""Each role's home lists what is waiting for it: HR's data gaps, the leader's commitment."""

import json
import re
from datetime import timedelta

from app.import_history import DataImport
from app.import_jobs import ImportJob
from app.mentoring.models import MentoringRelationship, MentoringSession
from app.recruitment import services as recruitment
from app.timeutil import today_london, utcnow
from app.workforce.wres_year import year_containing
from tests import factories


def _interviewed(manager, reference, outcomes, organisation_id=None):
    """outcomes: (applicant reference, ethnic category, interviewed)."""
    vacancy = recruitment.create_vacancy(
        organisation_id or manager.organisation_id,
        manager,
        reference=reference,
        title="Staff Nurse",
        pay_band="5",
    )
    for applicant, category, interviewed in outcomes:
        application = recruitment.add_applicant(vacancy, applicant, manager)
        application.applicant.ethnic_category = category
        application.shortlisted = True
        application.interviewed = interviewed
    return vacancy


def test_hr_home_lists_applicants_interviewed_without_equality_data(client, db, login_as):
    hr = login_as("hr-admin")
    gap = _interviewed(hr, "V-GAP", [("P-1", "99", True), ("P-2", "99", True), ("P-3", "N", True)])
    # Declined ("Z") is an answer; not interviewed is not a gap yet; another org's is not ours.
    _interviewed(hr, "V-OK", [("P-4", "Z", True), ("P-5", "99", False)])
    other = factories.OrganisationFactory()
    other_hr = factories.UserFactory(organisation=other)
    _interviewed(other_hr, "V-ELSEWHERE", [("Q-1", "99", True)])
    db.session.commit()

    page = client.get("/").get_data(as_text=True)
    assert "Applicants interviewed without equality data: 2" in page
    assert f'href="/vacancies/{gap.id}#equality-data-missing"' in page
    assert "2 applicants without equality data" in page
    assert "V-OK" not in page and "V-ELSEWHERE" not in page

    vacancy_page = client.get(f"/vacancies/{gap.id}").get_data(as_text=True)
    assert "Equality data missing for 2 applicants" in vacancy_page
    applicants = re.findall(
        r'href="/applicants/(\d+)">Enter equality data for (P-\d)', vacancy_page
    )
    assert [ref for _, ref in applicants] == ["P-1", "P-2"]

    first = applicants[0][0]
    response = client.post(f"/applicants/{first}", data={"ethnic_category": "H"})
    assert response.status_code == 302
    assert "Equality data missing for 1 applicant<" in client.get(f"/vacancies/{gap.id}").get_data(
        as_text=True
    )
    assert "Applicants interviewed without equality data: 1" in client.get("/").get_data(
        as_text=True
    )


def test_the_vacancy_shows_missing_equality_data_to_hr_only(client, db, organisation, login_as):
    hr = factories.UserFactory(organisation=organisation)
    manager = login_as("recruiting-manager")
    vacancy = _interviewed(manager, "V-1", [("P-1", "99", True)])
    vacancy.recruiting_manager_id = manager.id
    db.session.commit()
    assert hr.id
    page = client.get(f"/vacancies/{vacancy.id}").get_data(as_text=True)
    assert "Equality data missing" not in page
    assert 'href="/applicants/' not in page


def test_hr_home_lists_vacancies_without_a_manager_with_an_assign_action(client, db, login_as):
    hr = login_as("hr-admin")
    manager = factories.UserFactory(organisation=hr.organisation, roles=("recruiting-manager",))
    unassigned = _interviewed(hr, "V-NOBODY", [])
    unassigned.recruiting_manager_id = None  # as an import leaves it
    assigned = _interviewed(hr, "V-SOMEONE", [])
    assigned.recruiting_manager_id = manager.id
    db.session.commit()

    page = client.get("/").get_data(as_text=True)
    assert "Open vacancies without a recruiting manager: 1" in page
    assert f'href="/vacancies/{unassigned.id}/edit"' in page
    assert "V-SOMEONE" not in page

    edit = client.get(f"/vacancies/{unassigned.id}/edit").get_data(as_text=True)
    version = re.search(r'name="version"[^>]*value="(\d+)"', edit).group(1)
    response = client.post(
        f"/vacancies/{unassigned.id}/edit",
        data={
            "reference": "V-NOBODY",
            "title": "Staff Nurse",
            "pay_band": "5",
            "staff_group": "",
            "department": "",
            "posts": "1",
            "recruiting_manager_id": str(manager.id),
            "version": version,
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    page = client.get("/").get_data(as_text=True)
    assert "without a recruiting manager" not in page
    assert "Data gaps to fix: 0" in page


def test_hr_home_lists_a_refused_import_until_the_kind_is_imported(client, db, login_as):
    hr = login_as("hr-admin")
    job = ImportJob(
        organisation_id=hr.organisation_id,
        kind="staff",
        filename="esr-november.csv",
        status="failed",
        finished_at=utcnow() - timedelta(hours=1),
        problems_json=json.dumps([{"line": 2, "column": "pay_band", "message": "not a band"}] * 3),
    )
    db.session.add(job)
    db.session.commit()
    page = client.get("/").get_data(as_text=True)
    assert "Imports refused and not yet redone: 1" in page
    assert f'href="/imports/jobs/{job.id}"' in page
    assert "esr-november.csv" in page and "3 problems" in page

    db.session.add(
        DataImport(
            organisation_id=hr.organisation_id,
            kind="staff",
            source="upload",
            filename="esr-november-fixed.csv",
            imported_at=utcnow(),
        )
    )
    db.session.commit()
    assert "Imports refused" not in client.get("/").get_data(as_text=True)


def _leader(db, organisation, login_as):
    user = login_as("senior-leader", email="leader@example.nhs.uk")
    leader = factories.StaffFactory(
        organisation=organisation, email="leader@example.nhs.uk", pay_band="VSM"
    )
    factories.link_account(leader)
    db.session.commit()
    return user, leader


def test_the_leaders_home_shows_this_years_commitment_status(client, db, organisation, login_as):
    _, leader = _leader(db, organisation, login_as)
    year = year_containing(today_london())
    page = client.get("/").get_data(as_text=True)
    assert f"Your mentoring commitment for {year.label}" in page
    assert ">Not met<" in page
    assert "No relationship active this year counts yet" in page

    colleague = factories.StaffFactory(organisation=organisation, ethnic_category="N", pay_band="6")
    relationship = MentoringRelationship(
        organisation_id=organisation.id,
        leader_id=leader.id,
        colleague_id=colleague.id,
        kind="mentoring",
        start_date=today_london(),
    )
    db.session.add(relationship)
    db.session.commit()
    page = client.get("/").get_data(as_text=True)
    assert ">Not met yet<" in page
    assert "You have 1 relationship that counts, but no session recorded" in page

    db.session.add(MentoringSession(relationship_id=relationship.id, held_on=today_london()))
    db.session.commit()
    page = client.get("/").get_data(as_text=True)
    assert ">Met<" in page
    assert "1 relationship that counts, with 1 session held" in page


def test_a_senior_leader_without_a_senior_record_is_told_why(client, db, login_as):
    login_as("senior-leader")
    page = client.get("/").get_data(as_text=True)
    assert "your commitment cannot be shown" in page
