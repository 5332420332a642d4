"""A recruiting manager runs a batch interview round from start to decision in the browser."""

from datetime import date

import pytest

from app.recruitment.models import Application, Panel, PoolMember
from tests import factories
from tests.e2e.conftest import committed_user, fill_date, sign_in

pytestmark = pytest.mark.e2e


def test_manager_runs_a_batch_of_three_vacancies(page, db, organisation):
    chair = factories.StaffFactory(
        organisation=organisation, full_name="Tom Walsh", ethnic_category="B", pay_band="8a"
    )
    ambassador = factories.StaffFactory(
        organisation=organisation, full_name="Asha Patel", ethnic_category="H", pay_band="7"
    )
    db.session.flush()
    chair_number = chair.staff_number
    db.session.add(
        PoolMember(
            organisation_id=organisation.id,
            staff_id=ambassador.id,
            training_date=date(2026, 2, 1),
            note="Inclusion ambassador",
            diverse_member=True,
        )
    )
    email = committed_user(db, organisation, "recruiting-manager")
    sign_in(page, email)

    page.get_by_role("link", name="Vacancies").first.click()
    page.get_by_role("link", name="Start a batch interview round").first.click()
    page.get_by_label("Batch reference").fill("B-77")
    page.get_by_label("Name").fill("Staff nurses, winter intake")
    fill_date(page, "Interview date", date(2026, 11, 20))
    page.get_by_role("button", name="Save batch").click()
    for reference, title in [
        ("V-771", "Staff Nurse (Cardiology)"),
        ("V-772", "Staff Nurse (Respiratory)"),
        ("V-773", "Staff Nurse (Stroke)"),
    ]:
        page.get_by_role("link", name="Add a vacancy to this round").click()
        page.get_by_label("Vacancy reference").fill(reference)
        page.get_by_label("Job title").fill(title)
        page.get_by_label("Band").select_option("5")
        page.get_by_role("button", name="Save vacancy").click()
        page.get_by_text(f"Vacancy {reference} added to batch B-77.").wait_for()
    assert page.locator("#batch-vacancies tbody tr").count() == 3

    # Shortlisting panel: breaks the rule, confirmed with an exception.
    page.get_by_role("link", name="Build the shortlisting panel").click()
    page.get_by_label("Name or staff number").fill("Walsh")
    page.get_by_role("button", name="Find").click()
    page.get_by_label("Role on the panel").first.select_option("chair")
    page.get_by_role("button", name="Add to panel").first.click()
    page.locator("#panel-status").get_by_text("This panel does not meet the rule").wait_for()
    page.get_by_label("Exception reason").fill(
        "Both trained BME shortlisters were on annual leave for the whole shortlisting window "
        "and the closing date could not move"
    )
    page.get_by_role("button", name="Confirm panel").click()
    page.get_by_text("The shortlisting panel is confirmed.").wait_for()
    page.get_by_role("link", name="Back to B-77").click()

    # Interview panel: meets the rule through a suggestion from the pool.
    page.get_by_role("link", name="Build the interview panel").click()
    page.get_by_label("Name or staff number").fill(chair_number)
    page.get_by_role("button", name="Find").click()
    page.get_by_role("button", name="Add to panel").first.click()
    page.locator("#suggestions").get_by_role("button", name="Add Asha Patel").click()
    page.get_by_text("This panel meets your organisation's rule.").wait_for()
    page.get_by_role("button", name="Confirm panel").click()
    page.get_by_text("The interview panel is confirmed.").wait_for()
    page.get_by_role("link", name="Back to B-77").click()

    # Applicants, outcomes, decision.
    for reference in ("NJ-1", "NJ-2"):
        page.get_by_role("link", name="Add an applicant").click()
        page.get_by_label("Applicant reference").fill(reference)
        page.get_by_role("button", name="Add applicant").click()
    page.get_by_role("link", name="Record outcomes").click()
    for reference in ("NJ-1", "NJ-2"):
        page.get_by_label(f"{reference} shortlisted").check(force=True)
        page.get_by_label(f"{reference} interviewed").check(force=True)
    page.get_by_label("NJ-1 appointed to").select_option(label="V-772: Staff Nurse (Respiratory)")
    page.get_by_role("button", name="Save outcomes").click()
    page.get_by_text("Outcomes saved.").wait_for()
    page.get_by_role("link", name="Record the decision").click()
    fill_date(page, "Date of the decision", date.today())
    page.get_by_role("button", name="Record decision").click()
    page.get_by_text("Decision recorded.").wait_for()
    assert page.get_by_text("2 applied, 2 shortlisted, 2 interviewed, 1 appointed").is_visible()

    db.session.expire_all()
    panels = {p.stage: p for p in Panel.query.all()}
    assert panels["shortlisting"].status == panels["interview"].status == "confirmed"
    assert panels["shortlisting"].exception_reason.startswith("Both trained BME")
    assert panels["interview"].exception_reason is None
    appointed = Application.query.filter_by(appointed=True).one()
    assert appointed.appointed_vacancy.reference == "V-772"
    db.session.close()
