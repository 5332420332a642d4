"""Browser tests: the app served from a thread on a free loopback port, driven by Playwright in
Debian's Chromium (no browser downloads exist here)."""

import os
import threading

import pytest
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def live_server(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium is not installed at {CHROMIUM}: apt-get install chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def committed_user(db, organisation, *roles, **extra) -> str:
    """A user with these roles, committed; returns the email to sign in with."""
    from tests import factories

    email = factories.UserFactory(organisation=organisation, roles=roles, **extra).email
    db.session.commit()
    # End this thread's transaction: on SQLite an open one would hold the lock the server needs.
    db.session.close()
    return email


def sign_in(page, email: str) -> None:
    from tests.conftest import PASSWORD

    page.goto("/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Sign out").or_(
        page.get_by_role("button", name="Sign out")
    ).first.wait_for()


def fill_date(page, legend: str, day) -> None:
    """Type a date into the NHS.UK date input whose fieldset has this legend, as a person does:
    day, month and year in their own boxes."""
    group = page.get_by_role("group", name=legend, exact=True)
    group.get_by_label("Day").fill(str(day.day))
    group.get_by_label("Month").fill(str(day.month))
    group.get_by_label("Year").fill(str(day.year))
