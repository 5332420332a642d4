"""HR opens the dashboard on the demo trust, switches year, downloads the XLSX return."""

import pytest
from openpyxl import load_workbook

from app import demo
from app.timeutil import today_london
from app.workforce.demo import PASSWORD
from app.workforce.wres_year import year_containing

pytestmark = pytest.mark.e2e


def test_dashboard_on_the_demo_trust(browser, live_server, db, tmp_path):
    demo.seed(1500, 120, 400)
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
    # Each section is its own page, reached from the contents list.
    tables = {
        "Indicator 2: appointment from shortlisting": [
            "indicator2-counts",
            "indicator2-trend",
            "indicator2-breakdown",
        ],
        "Indicator 1: the workforce by band": ["indicator1"],
        "Indicator 9: the board": ["indicator9"],
        "The leadership aspiration": ["aspiration", "scenarios"],
        "The commitments in practice": ["operational"],
    }
    charts = 0
    for title, ids in tables.items():
        page.locator("nav.nhsuk-contents-list").get_by_role("link", name=title).click()
        page.get_by_role("heading", name=title, level=1).wait_for()
        assert page.locator("#as-at").inner_text().strip()  # one as-at sentence per section
        for table in ids:
            assert page.locator(f"table#{table} tbody tr").count() > 0, table
        images = page.locator("img.app-chart")
        for index in range(images.count()):
            image = images.nth(index)
            image.scroll_into_view_if_needed()
            page.wait_for_function(
                "img => img.complete && img.naturalWidth > 0", arg=image.element_handle()
            )
            assert image.get_attribute("alt")
        charts += images.count()
        body = page.inner_text("main")
        for code in ("adverse-to-bme", "board-voting", "not-available", "8a+", "on-track"):
            assert code not in body, (title, code)
    assert charts == 3
    page.get_by_role("link", name="All WRES figures").click()

    with page.expect_download() as download_info:
        page.get_by_role("link", name="XLSX").first.click()
    saved = tmp_path / download_info.value.suggested_filename
    download_info.value.save_as(saved)
    assert saved.name == f"wres-RAB-{previous}.xlsx"
    book = load_workbook(saved)
    assert "Indicator 2" in book.sheetnames and "Leadership aspiration" in book.sheetnames
