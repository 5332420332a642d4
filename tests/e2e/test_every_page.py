"""Every page reachable from each role's navigation, on the demo trust, at a phone's width (390
px) and a desktop's (1280 px): no horizontal scroll, no console error, no missing asset, and no
serious or critical axe-core violation (nor the moderate ones once found here and fixed).

One seeded database and one browser for the whole crawl; each page is loaded once per role and
resized rather than reloaded."""

import re
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

from app import demo
from app.workforce.demo import DOMAIN, PASSWORD
from tests.e2e.conftest import axe_violations

pytestmark = pytest.mark.e2e

ROLES = ["hr", "manager", "chair", "leader", "regional"]
WIDTHS = (1280, 390)
# Moderate rules this crawl once found and that were fixed: they stay fixed.
FIXED_MODERATE = {"region", "landmark-unique", "heading-order", "empty-table-header"}
# Links that download a file, change something or end the session are not pages to visit.
NOT_A_PAGE = re.compile(
    r"\.(csv|xlsx|pdf|json)(\?|$)|/board-report/report\.|/export|format=|/sign-out|/evidence[^?]*\.html"
)
# Pages of the same shape (ids and queries aside) are checked once: each role's home and
# navigation pages for that role, the pages they link to once for all roles.
SHAPE = re.compile(r"\d+")
MAX_PAGES_PER_ROLE = 45
# Each role's home page on the demo trust, for the README: made here so they stay current.
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def _shape(url: str) -> str:
    return SHAPE.sub("N", urlsplit(url).path)


def _links(page, selector: str, origin: str) -> list[str]:
    hrefs = page.eval_on_selector_all(selector, "links => links.map(a => a.href)")
    found = []
    for href in hrefs:
        url = urljoin(page.url, href).split("#")[0]
        if url.startswith(origin) and not NOT_A_PAGE.search(url):
            found.append(url)
    return found


def _overflow(page) -> tuple[int, list[str]]:
    """How far the page is wider than the window, in pixels (0: no horizontal scroll), and the
    outermost elements that stick out, to say what to fix."""
    return page.evaluate(
        """async () => {
          // The header moves navigation items into its "More" menu on the next frame.
          await new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
          const width = document.documentElement.clientWidth;
          const over = Math.max(document.documentElement.scrollWidth,
                                document.body.scrollWidth) - width;
          const culprits = [];
          if (over > 0) {
            for (const el of document.querySelectorAll("body *")) {
              if (el.getBoundingClientRect().right > width + 1
                  && !(el.parentElement && el.parentElement.getBoundingClientRect().right
                       > width + 1)) {
                culprits.push(el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
                  + (el.className && typeof el.className === "string"
                     ? "." + el.className.trim().split(/\\s+/).join(".") : ""));
                if (culprits.length === 3) break;
              }
            }
          }
          return [over, culprits];
        }"""
    )


def test_every_page_fits_a_phone_and_passes_axe(browser, live_server, db):
    demo.seed(500, 40, 400)
    db.session.commit()
    db.session.close()
    problems: list[str] = []
    visited = 0
    linked_seen: set[str] = set()
    for role in ROLES:
        context = browser.plain_context(
            base_url=live_server, viewport={"width": 1280, "height": 900}
        )
        page = context.new_page()
        page.set_default_timeout(15_000)
        errors: list[str] = []
        page.on("console", lambda m, e=errors: m.type == "error" and e.append(m.text))
        page.on("pageerror", lambda exc, e=errors: e.append(str(exc)))
        page.on(
            "response",
            lambda r, e=errors: r.status >= 400 and e.append(f"{r.status} {r.url}"),
        )
        page.goto("/sign-in")
        page.get_by_label("Email address").fill(f"{role}@{DOMAIN}")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("button", name="Sign out").wait_for()

        home = page.url
        queue = [home, *_links(page, "header nav a, .nhsuk-header__navigation a", live_server)]
        seen: set[str] = set()
        nav_pages = set(queue)
        while queue and len(seen) < MAX_PAGES_PER_ROLE:
            url = queue.pop(0)
            shape = _shape(url)
            if shape in seen or (url not in nav_pages and shape in linked_seen):
                continue
            seen.add(shape)
            if url not in nav_pages:
                linked_seen.add(shape)
            errors.clear()
            page.set_viewport_size({"width": 1280, "height": 900})
            response = page.goto(url)
            visited += 1
            where = f"{role} {urlsplit(page.url).path}"
            if response is None or response.status != 200:
                problems.append(f"{where}: status {response and response.status}")
                continue
            if url == home:
                SCREENSHOTS.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=SCREENSHOTS / f"{role}.png")
            for width in WIDTHS:
                page.set_viewport_size({"width": width, "height": 900})
                overflow, culprits = _overflow(page)
                if overflow > 0:
                    problems.append(f"{where} at {width} px: {overflow} px too wide: {culprits}")
            problems += [
                f"{where}: axe {v['id']} ({v['impact']}) {v['help']} {v['nodes']}"
                for v in axe_violations(page, FIXED_MODERATE)
            ]
            problems += [f"{where}: {error}" for error in errors]
            if url in nav_pages:  # one level below each navigation page
                queue += _links(page, "main a", live_server)
        context.close()
    assert visited > 30
    assert not problems, "\n".join(problems)
