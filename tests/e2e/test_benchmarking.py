"""The national viewer reaches benchmarking from the navigation, at a phone's width and a
desktop's: the funnel plot, the table, an organisation's page and back, and the download."""

import csv
import io
import random
from datetime import date

import pytest
from sqlalchemy import func, select

from app.benchmarking import services, synthetic
from app.benchmarking.models import PublishedFigures
from tests import factories
from tests.e2e.conftest import committed_user, sign_in

pytestmark = pytest.mark.e2e
REGIONS = ("Midlands", "London", "North West")


def _published_organisations(db, count: int = 30) -> None:
    rng = random.Random(11)
    for n in range(count):
        organisation = factories.OrganisationFactory(
            code=f"RE{n:02d}",
            name=f"Example {n:02d} University Hospitals NHS Foundation Trust",
            region=REGIONS[n % 3],
            organisation_type="acute",
            size_band="large",
        )
        trust = synthetic.trust(rng)
        for year in (2025, 2026):
            doc = synthetic.published(
                organisation.code, year, synthetic.plain_counts(rng, trust, year)
            )
            services.store(organisation, year, date(year, 3, 31), doc)
    db.session.commit()


def _no_horizontal_scroll(page) -> None:
    # Measured once the header has moved what does not fit into its "More" menu, which its
    # script does on the next frames after loading (as tests/e2e/test_every_page.py waits).
    page.wait_for_load_state()
    width = page.evaluate(
        """async () => {
          await new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
          return document.documentElement.scrollWidth;
        }"""
    )
    assert width <= page.viewport_size["width"], (page.url, width)


@pytest.mark.parametrize("width", [390, 1280])
def test_national_viewer_compares_drills_down_and_downloads(browser, live_server, db, width):
    _published_organisations(db)
    plotted = db.session.scalar(  # every organisation whose 2025/26 ratio was published
        select(func.count())
        .select_from(PublishedFigures)
        .where(
            PublishedFigures.year == 2026,
            PublishedFigures.relative_likelihood.is_not(None),
            PublishedFigures.shortlisted.is_not(None),
        )
    )
    team = factories.OrganisationFactory(code="NATNL", name="National team", region="")
    email = committed_user(db, team, "national-viewer")
    context = browser.new_context(
        base_url=live_server, accept_downloads=True, viewport={"width": width, "height": 900}
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    sign_in(page, email)
    if width < 1000:  # the NHS.UK header folds its links into "More" on a phone
        page.goto("/")
        page.get_by_role("link", name="Every organisation's published figures side by side").click()
    else:
        page.get_by_role("link", name="Benchmarking").first.click()
    page.get_by_role("heading", name="Every organisation's published figures, 2025/26").wait_for()
    assert page.locator("svg#funnel g.app-mark").count() == plotted
    assert page.locator("table#benchmarking tbody tr").count() == 25
    _no_horizontal_scroll(page)

    page.get_by_label("Region").select_option("London")
    page.get_by_role("button", name="Show").click()
    page.locator("table#benchmarking tbody tr").first.wait_for()
    assert page.locator("table#benchmarking tbody tr").count() == 10
    _no_horizontal_scroll(page)

    with page.expect_download() as download:
        page.get_by_role(
            "link", name="Download these organisations' published figures (CSV)"
        ).click()
    with open(download.value.path(), encoding="utf-8-sig") as file:
        rows = list(csv.DictReader(io.StringIO(file.read())))
    assert len(rows) == 10 and {r["region"] for r in rows} == {"London"}

    page.locator("table#benchmarking tbody tr a").first.click()
    page.locator("svg#trend").wait_for()
    assert page.locator("svg#trend g.app-mark").count() >= 1
    _no_horizontal_scroll(page)
    page.get_by_role("link", name="Back to every organisation").first.click()
    page.locator("table#benchmarking").wait_for()
    assert page.get_by_label("Region").input_value() == "London"
    context.close()
