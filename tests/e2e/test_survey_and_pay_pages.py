"""The chair opens the staff survey and pay gap pages of the demo trust from the dashboard: tables,
charts that load, units, and no pay figure for a small group."""

import pytest

from app import demo
from app.timeutil import today_london
from app.workforce.demo import PASSWORD
from app.workforce.wres_year import year_containing

pytestmark = pytest.mark.e2e


def _charts_load(page):
    charts = page.locator("img.app-chart")
    assert charts.count() >= 1
    for index in range(charts.count()):
        image = charts.nth(index)
        image.scroll_into_view_if_needed()
        page.wait_for_function(
            "img => img.complete && img.naturalWidth > 0", arg=image.element_handle()
        )
        assert image.get_attribute("alt")


def test_survey_and_pay_gap_pages_on_the_demo_trust(browser, live_server, db):
    demo.seed(1500)
    db.session.commit()
    db.session.close()
    page = browser.new_context(base_url=live_server).new_page()
    page.set_default_timeout(15_000)
    page.goto("/sign-in")
    page.get_by_label("Email address").fill("chair@demo.nhs.uk")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    previous = year_containing(today_london()).year - 1
    label = f"{previous - 1}/{str(previous)[-2:]}"
    page.goto(f"/dashboard?year={previous}")

    page.get_by_role("link", name="Indicators 5 to 8: the NHS Staff Survey").first.click()
    page.get_by_role("heading", name=f"Staff survey: WRES indicators 5 to 8, {label}").wait_for()
    rows = page.locator("table#survey-figures tbody tr")
    assert rows.count() == 4
    assert "points" in rows.first.inner_text() and "%" in rows.first.inner_text()
    assert page.locator("table#survey-trend tbody tr").count() >= 4
    _charts_load(page)

    page.goto(f"/dashboard?year={previous}")
    page.get_by_role("link", name="The ethnicity pay gap").first.click()
    page.get_by_role("heading", name=f"Ethnicity pay gap, {label}").wait_for()
    assert "Mean gap" in page.locator("#pay-gap-headline").inner_text()
    assert "£" in page.locator("table#pay-gap-whole").inner_text()
    assert page.locator("table#pay-quartiles tbody tr").count() == 4
    breakdown = page.locator("table#pay-gap-breakdown").inner_text()
    assert "Not shown: 7 or fewer" in breakdown  # VSM has fewer than 8 BME staff
    _charts_load(page)
