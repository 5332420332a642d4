"""HR opens the dashboard on the demo trust, switches year, downloads the XLSX return."""

import pytest
from openpyxl import load_workbook

from app import demo
from app.timeutil import today_london
from app.workforce.demo import PASSWORD
from app.workforce.wres_year import year_containing

pytestmark = pytest.mark.e2e


def test_dashboard_on_the_demo_trust(browser, live_server, db, tmp_path):
    demo.seed(1500)
    db.session.commit()
    db.session.close()
    page = browser.new_context(base_url=live_server, accept_downloads=True).new_page()
    page.set_default_timeout(15_000)
    page.goto("/sign-in")
    page.get_by_label("Email address").fill("hr@demo.nhs.uk")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Figures").first.click()
    current = year_containing(today_london()).year
    page.get_by_role("heading", name=f"WRES figures, {current - 1}/{str(current)[-2:]}").wait_for()

    previous = current - 1
    page.get_by_label("WRES year").select_option(str(previous))
    page.get_by_role("button", name="Show year").click()
    page.get_by_role(
        "heading", name=f"WRES figures, {previous - 1}/{str(previous)[-2:]}"
    ).wait_for()
    for table in (
        "indicator2-counts",
        "indicator2-trend",
        "indicator1",
        "indicator9",
        "aspiration",
        "scenarios",
        "operational",
    ):
        assert page.locator(f"table#{table} tbody tr").count() > 0, table
    charts = page.locator("img.app-chart")
    assert charts.count() == 3
    for index in range(3):
        image = charts.nth(index)
        image.scroll_into_view_if_needed()
        page.wait_for_function(
            "img => img.complete && img.naturalWidth > 0", arg=image.element_handle()
        )
        assert image.get_attribute("alt")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="XLSX").first.click()
    saved = tmp_path / download_info.value.suggested_filename
    download_info.value.save_as(saved)
    assert saved.name == f"wres-RAB-{previous}.xlsx"
    book = load_workbook(saved)
    assert "Indicator 2" in book.sheetnames and "Leadership aspiration" in book.sheetnames
