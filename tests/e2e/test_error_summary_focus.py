"""The NHS.UK error summary takes focus when a form comes back with errors, and its links take
the person to the field (or the row) in error: on a plain form, a date, a table and a search."""

from datetime import date, timedelta

from playwright.sync_api import expect

from app.justifications import services as justifications
from app.recruitment import services as recruitment
from app.timeutil import today_london
from tests import factories
from tests.e2e.conftest import sign_in


def _focused_summary(page) -> None:
    page.locator(".nhsuk-error-summary").wait_for()
    # expect() polls from Playwright's side: a string for wait_for_function would be evaluated
    # in the page, which the app's CSP (no 'unsafe-eval') rightly refuses.
    expect(page.locator(".nhsuk-error-summary")).to_be_focused()


def _link_lands(page, href: str) -> None:
    page.locator(f'.nhsuk-error-summary a[href="{href}"]').click()
    expect(page.locator(href)).to_be_focused()


def test_the_summary_is_focused_and_its_links_land(page, db, organisation):
    manager = factories.UserFactory(organisation=organisation, roles=("recruiting-manager",))
    email = manager.email
    vacancy = recruitment.create_vacancy(
        organisation.id,
        manager,
        reference="V-F",
        title="Ward Sister",
        pay_band="7",
        posts=1,
        recruiting_manager_id=manager.id,
    )
    application = recruitment.add_applicant(vacancy, "F-1", manager)
    decided = recruitment.create_vacancy(
        organisation.id,
        manager,
        reference="V-D",
        title="Ward Sister",
        pay_band="7",
        posts=1,
        recruiting_manager_id=manager.id,
    )
    for reference, category, appointed in (("D-A", "A", True), ("D-N", "N", False)):
        entry = recruitment.add_applicant(decided, reference, manager)
        entry.applicant.ethnic_category = category
        entry.shortlisted = entry.interviewed = True
        entry.appointed = appointed
    recruitment.record_decision(decided, today_london() - timedelta(days=1), None, manager)
    justification = justifications.for_owner(decided)
    for _ in range(2):
        factories.StaffFactory(organisation=organisation, full_name="Anna Smith")
    db.session.commit()
    ids = (vacancy.id, application.id, justification.id)
    reason_box = f"reason-{justification.applicants[0].application_id}"
    # End this thread's transaction: on SQLite an open one would hold the lock the server needs.
    db.session.close()
    vacancy_id, application_id, justification_id = ids
    sign_in(page, email)

    # A plain form.
    page.goto("/vacancies/new")
    page.get_by_role("button", name="Save vacancy").click()
    _focused_summary(page)
    _link_lands(page, "#reference")

    # A date: the link lands on the part that is missing.
    page.goto("/batches/new")
    group = page.get_by_role("group", name="Interview date")
    group.get_by_label("Day").fill("14")
    group.get_by_label("Year").fill(str(date.today().year))
    page.get_by_role("button", name="Save batch").click()
    _focused_summary(page)
    page.get_by_text("Interview date must include a month").first.wait_for()
    assert group.get_by_label("Day").input_value() == "14"
    _link_lands(page, "#interview_date-month")

    # A table: the outcomes conflict lands on its row's box.
    page.goto(f"/vacancies/{vacancy_id}/outcomes")
    page.locator(f"#interviewed-{application_id}").check()
    page.get_by_role("button", name="Save outcomes").click()
    _focused_summary(page)
    _link_lands(page, f"#shortlisted-{application_id}")

    # The justification: submitted empty.
    page.goto(f"/justifications/{justification_id}/write")
    page.get_by_role("button", name="Submit to the chair").click()
    _focused_summary(page)
    _link_lands(page, f"#{reason_box}")

    # A search: Add with nobody chosen keeps the results and lands on the first radio.
    page.goto(f"/vacancies/{vacancy_id}/panels/interview")
    page.get_by_label("Name or staff number").fill("Smith")
    page.get_by_role("button", name="Find").click()
    page.get_by_role("button", name="Add to panel").first.click()
    _focused_summary(page)
    page.get_by_text("Showing 1 to 2 of 2 people").wait_for()
    _link_lands(page, "#staff-staff_id")
