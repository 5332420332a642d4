"""The dashboard read as sections: a contents page with a headline and one as-at sentence per
section, a page per section, plain words for every code, units on figures, and every panel
breach and exception linked to its vacancy with its manager and decision date."""

import re
from datetime import date

from app.metrics.sections import SECTIONS, Dashboard, Section, find
from app.recruitment import services as recruitment
from app.recruitment.models import Panel
from app.workforce.wres_year import WresYear
from tests import factories

CODES = ("adverse-to-bme", "adverse-to-white", "board-voting", "board-executive", "not-available")


def _text(html: str) -> str:
    main = html.split("<main", 1)[1].split("</main>", 1)[0]
    return re.sub(r"<[^>]+>", " ", main)


def test_every_section_has_its_page_and_one_as_at_sentence(client, db, login_as):
    login_as("chair")
    overview = client.get("/dashboard?year=2026").get_data(as_text=True)
    for section in SECTIONS:
        assert f'href="/dashboard/{section.slug}?year=2026"' in overview
        page = client.get(f"/dashboard/{section.slug}?year=2026").get_data(as_text=True)
        assert page.count('id="as-at"') == 1, section.slug
        text = _text(page)
        for code in CODES:
            assert code not in text, (section.slug, code)
    # A closed year's figures are those of its last day: never "today" beside "31 March".
    indicator1 = _text(client.get("/dashboard/indicator-1?year=2026").get_data(as_text=True))
    assert "Staff in post on 31 March 2026, from the staff records as they stood that day" in (
        " ".join(indicator1.split())
    )
    assert "snapshot" not in indicator1


def test_scenario_years_already_passed_are_left_out(client, db, login_as):
    login_as("hr-admin")
    page = client.get("/dashboard/aspiration?year=2026").get_data(as_text=True)
    headers = re.findall(r"<th scope=\"col\">By (\d{4})</th>", page)
    assert "2023" not in headers and "2028" in headers and "2033" in headers
    assert "By 2023: behind" not in _text(page)


def test_breaches_and_exceptions_link_to_their_vacancy_with_manager_and_date(
    client, db, organisation, login_as
):
    hr = login_as("hr-admin")
    manager = factories.UserFactory(
        organisation=organisation, roles=("recruiting-manager",), full_name="Robin Manager"
    )
    broken = recruitment.create_vacancy(
        organisation.id, manager, reference="V-BREACH", title="Staff Nurse", pay_band="5"
    )
    excepted = recruitment.create_vacancy(
        organisation.id, hr, reference="V-EXCEPT", title="Porter", pay_band="2"
    )
    excepted.recruiting_manager_id = None
    for vacancy, reason in ((broken, None), (excepted, "Both BME members were on leave")):
        vacancy.decision_date = date(2025, 10, 1)
        vacancy.status = "decided"
        db.session.add(
            Panel(
                organisation_id=organisation.id,
                vacancy_id=vacancy.id,
                stage="interview",
                status="confirmed",
                exception_reason=reason,
            )
        )
    db.session.commit()

    for path in ("/dashboard/commitments?year=2026", "/panels/compliance?year=2026"):
        page = client.get(path).get_data(as_text=True)
        breaches = page.split('id="breaches-table"')[1].split("</table>")[0]
        assert f'href="/vacancies/{broken.id}">V-BREACH: Staff Nurse</a>' in breaches
        assert "Robin Manager" in breaches and "1 October 2025" in breaches
        exceptions = page.split('id="exceptions-table"')[1].split("</table>")[0]
        assert f'href="/vacancies/{excepted.id}"' in exceptions
        assert "Not assigned" in exceptions and "Both BME members were on leave" in exceptions


def test_a_new_section_is_one_entry(db, organisation):
    section = Section(
        "example",
        "Example",
        "One more section",
        "metrics/sections/indicator9.html",
        {"answer": lambda d: d.year.year * 2},
    )
    dashboard = Dashboard(organisation.id, WresYear(2026), date(2026, 5, 1))
    figures = section.figures_for(dashboard)
    assert figures.answer == 4052 and figures["answer"] == 4052
    assert find("indicator-2") is SECTIONS[0] and find("example") is None
