"""HR proposes goals from the model's path and changes one; the chair approves; an action is
added with an owner, who sees it at home and records progress; the board report downloads as a
PDF whose text holds Table 3, the goals and the action plan."""

import subprocess
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from app.goals import planning
from app.timeutil import today_london
from app.workforce.wres_year import year_containing
from tests import factories
from tests.e2e.conftest import fill_date, follow_navigation, sign_in

pytestmark = pytest.mark.e2e


def _trust(db, organisation):
    for band, white, bme in (
        ("5", 30, 15),
        ("8a", 12, 3),
        ("8b", 8, 1),
        ("8c", 5, 1),
        ("VSM", 4, 0),
    ):
        for category, n in (("A", white), ("N", bme)):
            for _ in range(n):
                factories.StaffFactory(
                    organisation=organisation, pay_band=band, ethnic_category=category
                )
    for category in ("A", "A", "H"):
        factories.StaffFactory(
            organisation=organisation,
            pay_band="VSM",
            ethnic_category=category,
            board_role="executive",
            board_voting=True,
        )
    db.session.flush()


def test_goals_actions_and_the_board_report(browser, live_server, db, organisation, tmp_path):
    _trust(db, organisation)
    hr = factories.UserFactory(organisation=organisation, roles=("hr-admin",)).email
    chair = factories.UserFactory(organisation=organisation, roles=("chair",)).email
    owner = factories.UserFactory(
        organisation=organisation, roles=("recruiting-manager",), full_name="Owen Owner"
    ).email
    db.session.commit()
    db.session.close()  # on SQLite an open transaction would hold the lock the server needs
    years = planning.goal_years(year_containing(today_london()).year, 2028)

    context = browser.new_context(base_url=live_server, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    sign_in(page, hr)
    follow_navigation(page, "Goals and action plan")
    page.get_by_role("link", name="Propose goals").click()
    first = page.locator(f"#g_8a_{years[0]}")
    assert first.input_value() != ""  # started from the model's path
    first.fill("30")
    implied = page.locator(f"#implied-8a-{years[0]}")
    assert "BME recruits a year" in implied.inner_text()  # recomputed beside what was typed
    page.get_by_label("What these goals are based on").fill("The model's path; 8a raised")
    page.get_by_role("button", name="Propose these goals").click()
    page.get_by_role("heading", name="Goals, version 1").wait_for()
    assert "30.0%" in page.locator("#goal-set").inner_text()
    context.close()

    context = browser.new_context(base_url=live_server, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    sign_in(page, chair)
    page.goto("/goals")
    page.get_by_role("link", name="Review version 1").click()
    page.get_by_role("button", name="Approve these goals").click()
    page.get_by_text("Goals version 1 approved.").wait_for()
    page.goto("/actions/new")
    page.get_by_label("Action", exact=True).fill("Batch interviews for band 8a posts")
    page.get_by_label("Owner").select_option(label=f"Owen Owner ({owner})")
    fill_date(page, "Due date", today_london() + timedelta(days=365))
    page.get_by_label("The goal or indicator it serves").select_option("8a")
    page.get_by_role("button", name="Add the action").click()
    page.get_by_text("Action added to the plan.").wait_for()
    context.close()

    context = browser.new_context(base_url=live_server, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    sign_in(page, owner)
    page.goto("/")
    page.locator("#my-actions-list").get_by_role(
        "link", name="Batch interviews for band 8a posts"
    ).click()
    # Recorded with nothing written: the summary takes focus and its link lands on the box.
    page.get_by_role("button", name="Record progress").click()
    page.locator(".nhsuk-error-summary").wait_for()
    expect(page.locator(".nhsuk-error-summary")).to_be_focused()
    page.locator('.nhsuk-error-summary a[href="#text"]').click()
    expect(page.locator("#text")).to_be_focused()
    page.get_by_label("Progress", exact=True).fill("First batch round agreed with three managers")
    page.get_by_role("button", name="Record progress").click()
    page.get_by_text("Progress recorded.").wait_for()
    assert "First batch round agreed" in page.locator("#updates").inner_text()
    context.close()

    context = browser.new_context(base_url=live_server, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(60_000)
    sign_in(page, hr)
    follow_navigation(page, "Board report")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the PDF", exact=True).click()
    saved = tmp_path / download_info.value.suggested_filename
    download_info.value.save_as(saved)
    context.close()
    assert saved.read_bytes().startswith(b"%PDF")
    text = subprocess.run(
        ["pdftotext", str(saved), "-"], capture_output=True, text=True, check=True
    ).stdout
    text = " ".join(text.split())  # table cells wrap across lines
    assert "Table 3: BME recruitment needed to reach equality by 2028" in text
    for row in ("Band 8a", "Band 8b", "VSM", "8a and above", "Voting board"):
        assert row in text, row
    assert "Goals version 1" in text and "Goal 30.0%" in text
    # The rest of the return, as the demo trust's figures hold it.
    assert "Indicators 3 to 8 and the ethnicity pay gap" in text
    assert "Indicator 3: entering a formal disciplinary investigation" in text
    assert "Indicators 5 to 8" in text and "Ethnicity pay gap" in text
    assert "Batch interviews for band 8a posts" in text and "Owen Owner" in text
    picture = tmp_path / "first-page"
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "40",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(saved),
            str(picture),
        ],
        check=True,
    )
    assert (tmp_path / "first-page.png").stat().st_size > 1000
