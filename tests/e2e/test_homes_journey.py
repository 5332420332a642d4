"""From each role's home page, without typing a URL: HR sees an applicant interviewed without
equality data and fixes it; the senior leader sees this year's commitment status."""

import pytest

from app.mentoring.models import MentoringRelationship, MentoringSession
from app.recruitment import services as recruitment
from app.timeutil import today_london
from app.workforce.wres_year import year_containing
from tests import factories
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e


def go_home(page) -> None:
    page.locator("header a[href='/']").first.click()
    page.wait_for_load_state()


def test_hr_sees_and_fixes_an_applicant_without_equality_data(
    browser, live_server, db, organisation
):
    hr = factories.UserFactory(organisation=organisation, email="hr@example.nhs.uk")
    manager = factories.UserFactory(
        organisation=organisation, roles=("recruiting-manager",), email="rm@example.nhs.uk"
    )
    vacancy = recruitment.create_vacancy(
        organisation.id, manager, reference="V-601", title="Ward Sister", pay_band="7"
    )
    for reference, category in (("NJ-11", "A"), ("NJ-12", "99")):
        application = recruitment.add_applicant(vacancy, reference, manager)
        application.applicant.ethnic_category = category
        application.shortlisted = application.interviewed = True
    db.session.commit()
    assert hr.id
    db.session.close()

    page = browser.new_context(base_url=live_server).new_page()
    page.set_default_timeout(10_000)
    sign_in(page, "hr@example.nhs.uk")
    page.get_by_text("Applicants interviewed without equality data: 1").wait_for()
    page.get_by_role("link", name="Enter equality data for V-601: Ward Sister").click()
    page.get_by_text("Equality data missing for 1 applicant").wait_for()
    page.get_by_role("link", name="Enter equality data for NJ-12").click()
    page.get_by_label("Ethnic category (equality monitoring)").select_option("N")
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Equality monitoring data for NJ-12 saved.").wait_for()

    go_home(page)
    page.get_by_text("Data gaps to fix: 0").wait_for()
    assert page.get_by_text("Applicants interviewed without equality data").count() == 0


def test_the_leader_sees_this_years_commitment_on_the_home_page(
    browser, live_server, db, organisation
):
    leader = factories.StaffFactory(
        organisation=organisation,
        full_name="Helen Carter",
        email="helen.carter@example.nhs.uk",
        pay_band="VSM",
        staff_group="non-clinical",
        board_role="executive",
        board_voting=True,
    )
    colleague = factories.StaffFactory(organisation=organisation, ethnic_category="N", pay_band="6")
    factories.UserFactory(
        organisation=organisation, email="helen.carter@example.nhs.uk", roles=("senior-leader",)
    )
    relationship = MentoringRelationship(
        organisation_id=organisation.id,
        leader_id=leader.id,
        colleague_id=colleague.id,
        kind="reverse-mentoring",
        start_date=today_london(),
    )
    db.session.add(relationship)
    db.session.flush()
    db.session.add(MentoringSession(relationship_id=relationship.id, held_on=today_london()))
    db.session.commit()
    db.session.close()

    page = browser.new_context(base_url=live_server).new_page()
    page.set_default_timeout(10_000)
    sign_in(page, "helen.carter@example.nhs.uk")
    year = year_containing(today_london())
    page.get_by_role("heading", name=f"Your mentoring commitment for {year.label}").wait_for()
    status = page.locator("#commitment-status")
    assert status.inner_text().strip() == "Met"
    assert "1 relationship that counts, with 1 session held" in page.inner_text("main")
