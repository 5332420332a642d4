"""HR signs in, uploads the ESR extract and finds a person in the staff list."""

import pytest

from tests.conftest import PASSWORD
from tests.e2e.conftest import committed_user

pytestmark = pytest.mark.e2e


def _hr_user(db, organisation) -> str:
    return committed_user(db, organisation, "hr-admin")


def test_hr_uploads_staff_and_finds_a_person(page, db, organisation, examples):
    email = _hr_user(db, organisation)

    page.goto("/staff")
    assert page.url.endswith("/sign-in?next=/staff")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Staff", exact=True).wait_for()

    page.get_by_role("link", name="Imports").click()
    page.locator("input[type=file]").set_input_files(str(examples / "staff.csv"))
    page.get_by_role("button", name="Import file").click()
    page.get_by_text(
        "Imported staff.csv: 9 rows: 9 added, 0 updated, 0 unchanged; dates read as YYYY-MM-DD."
    ).wait_for()

    page.get_by_role("link", name="Staff", exact=True).click()
    page.get_by_label("Name, staff number or email").fill("mensah")
    page.get_by_role("button", name="Filter").click()
    page.get_by_text("Showing 1 to 1 of 1 people").wait_for()
    page.get_by_role("link", name="Grace Mensah").click()
    page.get_by_role("heading", name="Grace Mensah").wait_for()
    assert page.get_by_text("Band 8d").is_visible()


def test_a_bad_upload_lists_problems_in_the_browser(page, db, organisation, tmp_path):
    email = _hr_user(db, organisation)
    bad = tmp_path / "bad.csv"
    bad.write_text("staff_number,pay_band,staff_group\n1,Band 12,Nurses\n")

    page.goto("/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto("/imports")
    page.locator("input[type=file]").set_input_files(str(bad))
    page.get_by_role("button", name="Import file").click()
    page.get_by_text("The file was not imported").wait_for()
    rows = page.locator("#import-problems tbody tr")
    assert rows.count() == 2
