"""Browser tests: the app served from a thread on a free loopback port, driven by Playwright in
Debian's Chromium (no browser downloads exist here)."""

import contextlib
import os
import re
from pathlib import Path

import pytest

from tests.live_server import serving

ROOT = Path(__file__).resolve().parents[2]
# axe-core from npm (package.json), injected by Playwright into each page; the app never serves it.
AXE_PATH = ROOT / "node_modules" / "axe-core" / "axe.min.js"
FAILING_IMPACTS = ("serious", "critical")
# Runs axe once each document has loaded and keeps the promise, so the test can wait for it.
AXE_ON_LOAD = """
window.addEventListener("load", () => {
  if (window.top !== window || !window.axe) return;
  window.__axeRun = window.axe.run(document, {resultTypes: ["violations"]}).then(
    (result) => window.__reportAxe(location.href, result.violations
      .filter((v) => v.impact === "serious" || v.impact === "critical")
      .map((v) => ({id: v.id, impact: v.impact, help: v.help,
                    nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" "))}))),
    () => null);
});
"""

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
    with serving(app) as address:
        yield address


class AxeBrowser:
    """The browser, whose every new context runs axe-core on each page it loads and keeps the
    serious and critical violations for the test to fail on (see `_accessible` below)."""

    def __init__(self, browser):
        self._browser = browser
        self._axe = AXE_PATH.read_text(encoding="utf-8")
        self.violations: list[tuple[str, dict]] = []
        self.contexts: list = []

    def new_context(self, **kwargs):
        context = self._browser.new_context(**kwargs)
        offline_fonts(context)
        context.expose_function("__reportAxe", self._report)
        context.add_init_script(self._axe)
        context.add_init_script(AXE_ON_LOAD)
        self.contexts.append(context)
        return context

    def new_page(self, **kwargs):
        return self.new_context(**kwargs).new_page()

    def _report(self, url: str, violations: list) -> None:
        self.violations += [(url, v) for v in violations]

    def finish_pending(self) -> None:
        """Wait for the checks of the pages still open (the last page of each test)."""
        for context in self.contexts:
            for open_page in context.pages:
                # A page closing or navigating away has nothing left to wait for.
                with contextlib.suppress(Exception):
                    open_page.evaluate("() => window.__axeRun || null")
        self.contexts = [c for c in self.contexts if c.pages]

    def plain_context(self, **kwargs):
        """A context without the automatic checks, for a test that runs its own."""
        context = self._browser.new_context(**kwargs)
        offline_fonts(context)
        return context

    def __getattr__(self, name):
        return getattr(self._browser, name)


_AXE_SOURCE: list[str] = []


def _axe_source() -> str:
    if not _AXE_SOURCE:
        _AXE_SOURCE.append(AXE_PATH.read_text(encoding="utf-8"))
    return _AXE_SOURCE[0]


def axe_violations(page, also: frozenset[str] = frozenset()) -> list[dict]:
    """Run axe-core on the page as it is now (injecting it if the page has not got it): its
    serious and critical violations, and those of the rules named in `also`."""
    if not page.evaluate("() => !!window.axe"):
        # Evaluated, not added as a <script>: the page's CSP would refuse an inline script.
        page.evaluate(_axe_source() + "\n;0")
    violations = page.evaluate(
        """() => window.axe.run(document, {resultTypes: ["violations"]}).then((result) =>
             result.violations.map((v) => ({id: v.id, impact: v.impact, help: v.help,
               nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" "))})))"""
    )
    return [v for v in violations if v["impact"] in FAILING_IMPACTS or v["id"] in also]


def offline_fonts(context) -> None:
    """The NHS.UK fonts come from assets.nhs.uk, which this machine cannot reach: answer those
    requests empty so an unreachable host is not counted as the page's error."""
    context.route(
        re.compile(r"^https://assets\.nhs\.uk/"),
        lambda route: route.fulfill(status=200, body=b"", content_type="font/woff2"),
    )


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium is not installed at {CHROMIUM}: apt-get install chromium")
    if not AXE_PATH.exists():
        pytest.fail(f"axe-core is not installed at {AXE_PATH}: make install")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield AxeBrowser(browser)
        browser.close()


@pytest.fixture(autouse=True)
def _accessible(request):
    """Every browser test fails on a serious or critical axe-core violation on a page it
    visited."""
    if "browser" not in request.fixturenames:
        yield
        return
    axe_browser = request.getfixturevalue("browser")
    axe_browser.violations.clear()
    yield
    axe_browser.finish_pending()
    found = {(url, v["id"]): v for url, v in axe_browser.violations}
    axe_browser.violations.clear()
    assert not found, "axe-core: " + "; ".join(
        f"{url}: {v['id']} ({v['impact']}) {v['help']} at {v['nodes']}"
        for (url, _), v in found.items()
    )


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    browser.finish_pending()
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


def follow_navigation(page, name: str) -> None:
    """Click a header navigation link by its text. The NHS.UK header moves the items that do not
    fit into a "More" menu (how many fit depends on the fonts): open it when the link is there."""
    page.wait_for_load_state()  # the header's script has sorted the items by then
    header = page.locator("header")
    if not header.locator("a:visible", has_text=name).count():
        header.get_by_role("button", name="More").click()
    header.locator("a:visible", has_text=name).first.click()
