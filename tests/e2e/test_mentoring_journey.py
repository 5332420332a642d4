"""A senior leader records reverse mentoring, logs sessions and a goal, downloads the evidence;
the colleague sees it; HR sees the leader meeting the commitment."""

import re
from datetime import date, timedelta

import pytest

from app.workforce.wres_year import year_containing
from tests import factories
from tests.e2e.conftest import fill_date, sign_in

pytestmark = pytest.mark.e2e


def test_reverse_mentoring_journey(browser, live_server, db, organisation, tmp_path):
    factories.StaffFactory(
        organisation=organisation,
        full_name="Helen Carter",
        email="helen.carter@example.nhs.uk",
        pay_band="VSM",
        staff_group="non-clinical",
        ethnic_category="A",
        board_role="executive",
        board_voting=True,
    )
    factories.StaffFactory(
        organisation=organisation,
        full_name="Asha Patel",
        email="asha.patel@example.nhs.uk",
        pay_band="6",
        ethnic_category="H",
        staff_number="20000001",
    )
    for email, roles in [
        ("helen.carter@example.nhs.uk", ("senior-leader",)),
        ("asha.patel@example.nhs.uk", ("recruiting-manager",)),
        ("hr@example.nhs.uk", ("hr-admin",)),
    ]:
        factories.UserFactory(organisation=organisation, email=email, roles=roles)
    db.session.commit()
    db.session.close()
    today = date.today()
    year = year_containing(today)
    # Inside this appraisal year whatever today is, so the leader meets the commitment now.
    start = max(year.start, today - timedelta(days=20))
    session_dates = [max(start, today - timedelta(days=14)), today]

    def new_page():
        page = browser.new_context(base_url=live_server, accept_downloads=True).new_page()
        page.set_default_timeout(10_000)
        return page

    leader = new_page()
    sign_in(leader, "helen.carter@example.nhs.uk")
    leader.get_by_role("link", name="Mentoring").first.click()
    leader.get_by_role("link", name="Start a relationship").click()
    leader.get_by_label("Name or staff number").fill("Asha")
    leader.get_by_role("button", name="Find").click()
    leader.get_by_role("link", name="Asha Patel (20000001), Band 6, Clinical non-medical").click()
    leader.get_by_text("counts toward your commitment if their staff record").wait_for()
    leader.get_by_label("Type").select_option("reverse-mentoring")
    fill_date(leader, "Start date", start)
    leader.get_by_role("button", name="Save relationship").click()
    leader.get_by_text("Relationship recorded.").wait_for()
    leader.get_by_text("Counts toward the commitment").wait_for()
    for held_on, summary in zip(
        session_dates, ["Shadowed a ward handover", "Reviewed staff survey"], strict=True
    ):
        fill_date(leader, "Date", held_on)
        leader.get_by_label("Length in minutes").fill("45")
        leader.get_by_label("Format").select_option("video")
        leader.get_by_label("Shared summary").fill(summary)
        leader.get_by_label("Private note").fill("Only for us")
        leader.get_by_role("button", name="Log session").click()
        leader.get_by_text("Session logged.").wait_for()
    leader.get_by_label("Goal", exact=True).fill("Understand night-shift staffing pressures")
    leader.get_by_role("button", name="Add goal").click()
    leader.get_by_text("Goal added.").wait_for()
    assert leader.locator("#sessions tbody tr").count() == 2

    leader.goto("/mentoring/evidence")
    leader.get_by_text("The commitment is met for this year.").wait_for()
    # The printable evidence opens in the browser, styled, ready to print or save.
    leader.get_by_role(
        "link", name="Open the evidence to print or attach to your appraisal"
    ).click()
    leader.get_by_role("heading", name=re.compile("appraisal evidence")).wait_for()
    assert leader.evaluate("getComputedStyle(document.body).fontFamily").startswith("Arial")
    document = leader.content()
    assert "Reverse mentoring with Asha Patel" in document
    assert "Shadowed a ward handover" in document and "Only for us" not in document
    assert "Understand night-shift staffing pressures" in document

    colleague = new_page()
    sign_in(colleague, "asha.patel@example.nhs.uk")
    colleague.goto("/mentoring")
    colleague.get_by_role("link", name="Helen Carter").click()
    colleague.get_by_text("Reviewed staff survey").wait_for()
    colleague.get_by_text("Only for us").first.wait_for()

    hr = new_page()
    sign_in(hr, "hr@example.nhs.uk")
    hr.goto(f"/mentoring/coverage?year={year.year}")
    row = hr.locator("#coverage tbody tr", has_text="Helen Carter")
    assert row.locator("td").nth(4).inner_text() == "Yes"
    assert "Only for us" not in hr.content()
