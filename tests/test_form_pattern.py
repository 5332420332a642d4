"""The one form pattern: the NHS.UK date input, one limit per kind of text, errors linked to
the row they concern, and the searches that find people."""

import re
from datetime import date, timedelta

import pytest
from werkzeug.datastructures import MultiDict

from app.forms import AppForm, DayMonthYearField, max_length
from app.justifications import services as justifications
from app.justifications.models import JustificationReason
from app.recruitment import services as recruitment
from app.recruitment.models import PanelMember
from app.text_limits import LONG_TEXT, SHORT_TEXT
from app.timeutil import today_london
from tests import factories
from tests.test_forms import _all_forms


class _DateForm(AppForm):
    held_on = DayMonthYearField("Date", required="Enter the date")
    target = DayMonthYearField("Target date")


def _date_form(app, **posted):
    with app.test_request_context():
        form = _DateForm(formdata=MultiDict(posted), meta={"csrf": False})
        form.validate()
        return form


@pytest.mark.parametrize(
    "posted, message, parts",
    [
        ({"held_on-day": "14", "held_on-year": "2026"}, "Date must include a month", {"month"}),
        ({"held_on-year": "2026"}, "Date must include a day and a month", {"day", "month"}),
        (
            {"held_on-day": "31", "held_on-month": "2", "held_on-year": "2026"},
            "Date must be a real date",
            {"day"},
        ),
        (
            {"held_on-day": "1", "held_on-month": "13", "held_on-year": "2026"},
            "Date must be a real date",
            {"month"},
        ),
        (
            {"held_on-day": "a", "held_on-month": "3", "held_on-year": "2026"},
            "Date must be a real date",
            {"day"},
        ),
        (
            {"held_on-day": "1", "held_on-month": "3", "held_on-year": "26"},
            "Date: the year must include 4 numbers",
            {"year"},
        ),
        ({}, "Enter the date", {"day", "month", "year"}),
        ({"held_on": "2026-02-30"}, "Date must be a real date", {"day", "month", "year"}),
    ],
)
def test_the_date_input_says_what_is_wrong_and_keeps_what_was_typed(app, posted, message, parts):
    form = _date_form(app, **posted)
    assert form.held_on.errors == [message]
    assert form.held_on.error_parts == parts
    assert form.held_on.data is None
    assert (
        form.held_on.error_target
        == f"held_on-{next(p for p in ('day', 'month', 'year') if p in parts)}"
    )
    for part in ("day", "month", "year"):
        assert form.held_on.parts[part] == posted.get(f"held_on-{part}", "").strip()


def test_a_date_in_three_parts_or_iso_is_read_and_an_optional_one_may_be_blank(app):
    form = _date_form(app, **{"held_on-day": " 5 ", "held_on-month": "03", "held_on-year": "2026"})
    assert form.held_on.errors == [] and form.held_on.data == date(2026, 3, 5)
    assert form.target.errors == [] and form.target.data is None
    assert _date_form(app, held_on="2026-03-05").held_on.data == date(2026, 3, 5)


def test_every_text_field_has_one_limit_for_its_kind(app):
    with app.test_request_context():
        for form_class in _all_forms():
            for field in form_class(formdata=None, meta={"csrf": False}):
                limit = max_length(field)
                if limit is not None:
                    assert limit in (30, 50, 128, 254, SHORT_TEXT, LONG_TEXT), (
                        form_class.__name__,
                        field.name,
                        limit,
                    )


def test_no_native_date_picker_is_left(app):
    from pathlib import Path

    templates = Path(app.root_path).rglob("*.html")
    assert [str(t) for t in templates if 'type="date"' in t.read_text()] == []


def _decided(db, organisation, manager):
    vacancy = recruitment.create_vacancy(
        organisation.id,
        manager,
        reference="V-J",
        title="Ward Sister",
        pay_band="7",
        posts=1,
        recruiting_manager_id=manager.id,
    )
    for reference, category, appointed in (("J-A", "A", True), ("J-N", "N", False)):
        application = recruitment.add_applicant(vacancy, reference, manager)
        application.applicant.ethnic_category = category
        application.shortlisted = application.interviewed = True
        application.appointed = appointed
    recruitment.record_decision(vacancy, today_london() - timedelta(days=1), None, manager)
    db.session.commit()
    return justifications.for_owner(vacancy)


def test_a_60000_character_draft_is_refused_with_a_message_and_kept(
    client, db, organisation, login_as
):
    manager = login_as("recruiting-manager")
    justification = _decided(db, organisation, manager)
    entry = justification.applicants[0].application_id
    huge = "word " * 12000
    response = client.post(
        f"/justifications/{justification.id}/write",
        data={"version": justification.version, "action": "save", f"reason-{entry}": huge},
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "The reasons must be 4,000 characters or fewer" in body
    assert f'href="#reason-{entry}"' in body
    assert 'data-module="nhsuk-character-count"' in body and 'data-maxlength="4000"' in body
    assert huge.strip() in body
    assert db.session.query(JustificationReason).count() == 0
    with pytest.raises(justifications.JustificationError, match="4,000 characters"):
        justifications.save_draft(
            justification,
            manager,
            {entry: justifications.Reason(huge, "")},
            justification.version,
        )


def test_an_outcomes_conflict_links_to_its_row(client, db, organisation, login_as):
    manager = login_as("recruiting-manager")
    vacancy = recruitment.create_vacancy(
        organisation.id,
        manager,
        reference="V-O",
        title="Ward Sister",
        pay_band="7",
        posts=1,
        recruiting_manager_id=manager.id,
    )
    first = recruitment.add_applicant(vacancy, "O-1", manager)
    second = recruitment.add_applicant(vacancy, "O-2", manager)
    db.session.commit()
    response = client.post(
        f"/vacancies/{vacancy.id}/outcomes",
        data={
            "version": vacancy.version,
            f"interviewed-{first.id}": "y",
            f"shortlisted-{second.id}": "y",
            f"appointed-{second.id}": "y",
            f"withdrawn-{second.id}": "y",
        },
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert re.search(
        rf'<a href="#shortlisted-{first.id}"[^>]*>\s*O-1: interviewed or appointed needs', body
    )
    assert re.search(rf'<a href="#withdrawn-{second.id}"[^>]*>\s*O-2: a withdrawn', body)
    assert f'id="withdrawn-{second.id}"' in body
    assert 'data-module="nhsuk-error-summary"' in body


# Searches that find people


@pytest.fixture
def smiths(db, organisation):
    people = [
        factories.StaffFactory(
            organisation=organisation,
            full_name="Anna Smith",
            staff_number=f"5{n:04d}",
            pay_band="5",
            staff_group="clinical-non-medical",
        )
        for n in range(37)
    ]
    db.session.commit()
    return people


def test_the_panel_search_pages_and_tells_namesakes_apart(
    client, db, organisation, smiths, login_as
):
    manager = login_as("recruiting-manager")
    vacancy = recruitment.create_vacancy(
        organisation.id,
        manager,
        reference="V-P",
        title="Ward Sister",
        pay_band="7",
        posts=1,
        recruiting_manager_id=manager.id,
    )
    db.session.commit()
    url = f"/vacancies/{vacancy.id}/panels/interview"
    first = client.get(f"{url}?find=smith").get_data(as_text=True)
    assert "Showing 1 to 20 of 37 people" in first
    assert "Anna Smith (50000), Band 5, Clinical non-medical" in first
    second = client.get(f"{url}?find=smith&page=2").get_data(as_text=True)
    assert "Showing 21 to 37 of 37 people" in second and "Anna Smith (50036)" in second

    # Add with nobody chosen: the search, its page and the role chosen stay; the error lands
    # on the first radio.
    version = re.search(r'name="staff-version"[^>]*value="(\d+)"', second).group(1)
    refused = client.post(
        f"{url}/staff?find=smith&page=2",
        data={"staff-version": version, "staff-role": "independent"},
    )
    body = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert 'href="#staff-staff_id"' in body and 'id="staff-staff_id"' in body
    assert "Showing 21 to 37 of 37 people" in body
    assert f'href="{url}?find=smith&amp;page=1"' in body  # back to the panel page, not the POST
    assert 'value="independent" selected' in body
    assert 'value="smith"' in body

    chosen = smiths[30]
    added = client.post(
        f"{url}/staff?find=smith&page=2",
        data={"staff-version": version, "staff-role": "member", "staff-staff_id": chosen.id},
    )
    assert added.status_code == 302
    panel = client.get(url).get_data(as_text=True)
    assert f"Anna Smith ({chosen.staff_number})" in panel
    assert db.session.query(PanelMember).one().staff_id == chosen.id


def test_a_choice_is_kept_across_an_error(client, db, organisation, smiths, login_as):
    manager = login_as("recruiting-manager")
    vacancy = recruitment.create_vacancy(
        organisation.id,
        manager,
        reference="V-K",
        title="Ward Sister",
        pay_band="7",
        posts=1,
        recruiting_manager_id=manager.id,
    )
    db.session.commit()
    url = f"/vacancies/{vacancy.id}/panels/interview"
    chosen = smiths[3]
    stale = client.post(
        f"{url}/staff?find=smith",
        data={"staff-version": "999", "staff-role": "chair", "staff-staff_id": chosen.id},
    )
    body = stale.get_data(as_text=True)
    assert stale.status_code == 400
    assert re.search(rf'value="{chosen.id}"\s*checked', body)
    assert 'value="chair" selected' in body


def test_the_mentoring_search_finds_anyone_paged(client, db, organisation, smiths, login_as):
    # A leader who matches their own search is not offered to themself (a made-up name with
    # "Smith" in it made this test fail now and then, with 38 colleagues).
    leader = factories.StaffFactory(
        organisation=organisation, pay_band="VSM", full_name="Zed Smith"
    )
    user = login_as("senior-leader")
    user.staff_id = leader.id
    db.session.commit()
    page = client.get("/mentoring/new?find=smith").get_data(as_text=True)
    assert "Showing 1 to 20 of 37 colleagues" in page
    assert "Anna Smith (50000), Band 5" in page
    assert "Anyone in post" in page and "Colleagues whom" not in page
    assert "Zed Smith" not in page.split("Showing 1 to", 1)[1]
