"""A decision triggers a justification; the manager writes it, the chair is emailed, asks for
more, the manager resubmits from the previous text, the chair sees what changed and accepts;
both versions stay visible. Everyone starts from their home page and never types a URL."""

import re
from datetime import date

import pytest

from app.notifications.services import deliver_outbox
from app.recruitment import services as recruitment
from tests import factories
from tests.e2e.conftest import fill_date, sign_in

pytestmark = pytest.mark.e2e

FIRST = (
    "Scored 18 of 40 at interview against 31 for the appointed candidate, with little "
    "evidence of leading change"
)
SECOND = (
    FIRST + ". Since the chair asked: a feedback call took place on 20 November and a "
    "mentor from the inclusion network starts in December"
)
QUESTION = "What feedback and development were offered, and when?"


def test_justification_round_trip(browser, live_server, db, organisation, smtp_server):
    manager = factories.UserFactory(
        organisation=organisation, roles=("recruiting-manager",), email="manager@example.nhs.uk"
    )
    factories.UserFactory(
        organisation=organisation,
        roles=("chair",),
        email="chair@example.nhs.uk",
        full_name="Pat Chair",
    )
    vacancy = recruitment.create_vacancy(
        organisation.id, manager, reference="V-501", title="Head of Finance", pay_band="8b"
    )
    for reference, category, appointed in [("NJ-1", "A", True), ("NJ-2", "N", False)]:
        application = recruitment.add_applicant(vacancy, reference, manager)
        application.applicant.ethnic_category = category
        application.shortlisted = application.interviewed = True
        application.appointed = appointed
    db.session.commit()
    db.session.close()

    manager_page = browser.new_context(base_url=live_server).new_page()
    manager_page.set_default_timeout(10_000)
    sign_in(manager_page, "manager@example.nhs.uk")
    go_home(manager_page)
    manager_page.get_by_text("Decisions to record: 1").wait_for()
    manager_page.get_by_role("link", name="Record the decision for V-501: Head of Finance").click()
    fill_date(manager_page, "Date of the decision", date.today())
    manager_page.get_by_role("button", name="Record decision").click()
    # The decision lands on the justification, with what happens next.
    manager_page.get_by_text("A justification to the chair is now due by").wait_for()
    next_steps = manager_page.locator("#what-happens-next")
    assert "must write and submit this justification" in next_steps.inner_text()
    link = re.search(r"/justifications/\d+$", manager_page.url).group(0)

    # From home, the due justification is one click away.
    go_home(manager_page)
    manager_page.get_by_text("Justifications to the chair: 1 due, 0 overdue").wait_for()
    manager_page.get_by_role(
        "link", name="Write the justification for V-501: Head of Finance"
    ).click()
    assert manager_page.url.endswith(link)
    manager_page.get_by_role("link", name="Write the justification").click()
    manager_page.get_by_label("Reasons NJ-2 was not appointed").fill(FIRST)
    manager_page.get_by_label("Feedback or development offered to NJ-2").fill(
        "Offered a feedback call"
    )
    manager_page.get_by_role("button", name="Submit to the chair").click()
    manager_page.get_by_text("Submitted to the chair.").wait_for()

    deliver_outbox()  # what the scheduler's every-minute job does
    db.session.close()
    to_chair = [m for m in smtp_server.messages if m["To"] == "chair@example.nhs.uk"]
    assert len(to_chair) == 1
    assert to_chair[0]["Subject"] == "Justification submitted: V-501"
    assert link in to_chair[0].get_content()

    chair_page = browser.new_context(base_url=live_server).new_page()
    chair_page.set_default_timeout(10_000)
    sign_in(chair_page, "chair@example.nhs.uk")
    go_home(chair_page)
    chair_page.get_by_role("link", name="1 waiting for you").click()
    chair_page.get_by_text("Waiting for your review: 1").wait_for()
    chair_page.locator("#queue").get_by_role("link", name="V-501: Head of Finance").click()
    assert chair_page.url.endswith(link)
    chair_page.get_by_text(FIRST).wait_for()
    chair_page.get_by_label("Ask the manager for more information").check(force=True)
    chair_page.get_by_label("Note to the manager").fill(QUESTION)
    chair_page.get_by_role("button", name="Record decision").click()
    chair_page.get_by_text("Recorded: more information requested.").wait_for()

    # The manager rewrites from the previous text, with the chair's question above it.
    go_home(manager_page)
    manager_page.get_by_role(
        "link", name="Rewrite the justification for V-501: Head of Finance"
    ).click()
    manager_page.get_by_role("link", name="Continue writing").click()
    manager_page.get_by_text(QUESTION).wait_for()
    reasons = manager_page.get_by_label("Reasons NJ-2 was not appointed")
    assert reasons.input_value() == FIRST
    feedback = manager_page.get_by_label("Feedback or development offered to NJ-2")
    assert feedback.input_value() == "Offered a feedback call"
    reasons.fill(SECOND)
    manager_page.get_by_role("button", name="Submit to the chair").click()
    manager_page.get_by_text("Submitted to the chair.").wait_for()

    go_home(chair_page)
    chair_page.get_by_role("link", name="1 waiting for you").click()
    chair_page.locator("#queue").get_by_role("link", name="V-501: Head of Finance").click()
    changed = chair_page.locator("#what-changed + h3 + dl")
    changed.locator("ins").get_by_text(SECOND).wait_for()
    assert changed.locator("del").inner_text().endswith(FIRST)
    assert "No change." in changed.inner_text()  # the feedback was kept as it was
    chair_page.get_by_label("Accept the justification").check(force=True)
    chair_page.get_by_role("button", name="Record decision").click()
    chair_page.get_by_text("Recorded: accepted.").wait_for()
    go_home(chair_page)
    chair_page.get_by_role("link", name="0 waiting for you").wait_for()
    chair_page.get_by_role("link", name="0 waiting for you").click()
    chair_page.get_by_role("link", name=re.compile("^Decided: 1")).click()
    chair_page.locator("#queue").get_by_role("link", name="V-501: Head of Finance").click()
    chair_page.locator("#version-2").wait_for()  # the page has loaded
    assert chair_page.locator("#version-1").get_by_text(FIRST, exact=True).is_visible()
    assert chair_page.locator("#version-2").get_by_text(SECOND).is_visible()
    assert chair_page.locator("#reviews tbody tr").count() == 2
    manager_page.reload()
    assert manager_page.locator("#version-1").is_visible()
    assert manager_page.locator("#version-2").is_visible()


def go_home(page) -> None:
    """The service name in the header, as a person would click it."""
    page.locator("header a[href='/']").first.click()
    page.wait_for_load_state()
