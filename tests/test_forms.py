"""Text is data: every form refuses control characters with a clear message and keeps what was
typed; multi-line fields keep their line breaks and tabs."""

import importlib
import pkgutil
import re
import unicodedata
from datetime import date

import pytest
from flask_wtf import FlaskForm
from hypothesis import given
from hypothesis import strategies as st
from wtforms import HiddenField, StringField

import app as app_package
from app.forms import AppForm, text_rule
from app.justifications import services as justifications
from app.mentoring.models import MentoringGoal, MentoringRelationship
from app.plain_text import control_character_problem, control_characters
from app.recruitment import services as recruitment
from app.recruitment.models import Vacancy
from tests import factories
from tests.conftest import sign_in


@given(st.text(), st.booleans())
def test_the_rule_finds_exactly_the_control_characters(text, multi_line):
    found = control_characters(text, multi_line=multi_line)
    expected = {
        c for c in text if unicodedata.category(c) == "Cc" and not (multi_line and c in "\t\n\r")
    }
    assert set(found) == expected and len(found) == len(expected)
    assert (control_character_problem("Name", text, multi_line=multi_line) is None) == (
        not expected
    )


@pytest.mark.parametrize("character", ["\0", "\x07", "\x1b", "\x7f", "\x85", "\x9f"])
def test_c0_and_c1_are_refused_everywhere(character):
    assert control_character_problem("Name", f"a{character}b") is not None
    assert control_character_problem("Notes", f"a{character}b", multi_line=True) is not None


def test_line_breaks_and_tabs_only_where_text_runs_over_lines():
    assert control_character_problem("Reference", "V-1\r\nBcc: x") == (
        "Reference must be on one line: remove the line break"
    )
    assert control_character_problem("Reference", "V\t1") is not None
    assert control_character_problem("Notes", "one\r\ntwo\tthree", multi_line=True) is None


def _all_forms():
    for module in pkgutil.walk_packages(app_package.__path__, "app."):
        if module.name.endswith(".forms"):
            importlib.import_module(module.name)
    found, todo = set(), [FlaskForm]
    while todo:
        for sub in todo.pop().__subclasses__():
            if sub not in found:
                found.add(sub)
                todo.append(sub)
    return [form for form in found if form.__module__.startswith("app.")]


def test_every_form_in_the_app_takes_the_text_rule(app):
    forms = _all_forms()
    assert len(forms) > 20
    assert [f.__name__ for f in forms if not issubclass(f, AppForm)] == []
    with app.test_request_context():
        for form_class in forms:
            for field in form_class(formdata=None, meta={"csrf": False}):
                if isinstance(field, StringField) and not isinstance(field, HiddenField):
                    assert text_rule(field) is not None, (form_class.__name__, field.name)


@pytest.fixture
def manager(login_as):
    return login_as("recruiting-manager")


def test_a_single_line_field_refuses_a_line_break_and_keeps_what_was_typed(client, db, manager):
    response = client.post(
        "/vacancies/new",
        data={
            "reference": "V-9\r\nBcc: everyone@example.org",
            "title": "Ward <Sister>",
            "pay_band": "6",
            "department": "Renal\x85unit",
            "posts": "1",
        },
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Vacancy reference must be on one line: remove the line break" in body
    assert "Department cannot contain the control character U+0085" in body
    assert 'value="Ward &lt;Sister&gt;"' in body
    assert "Renal\x85unit" in body
    assert Vacancy.query.count() == 0


def _relationship(db, organisation, email):
    leader = factories.StaffFactory(organisation=organisation, email=email, pay_band="VSM")
    factories.link_account(leader)
    colleague = factories.StaffFactory(organisation=organisation, ethnic_category="N")
    relationship = MentoringRelationship(
        organisation_id=organisation.id,
        leader_id=leader.id,
        colleague_id=colleague.id,
        kind="mentoring",
        start_date=date(2025, 5, 1),
    )
    db.session.add(relationship)
    db.session.commit()
    return relationship


def test_a_multi_line_field_keeps_its_lines_and_refuses_other_controls(
    client, db, organisation, login_as
):
    user = login_as("senior-leader")
    relationship = _relationship(db, organisation, user.email)
    url = f"/mentoring/{relationship.id}/change"
    refused = client.post(
        url,
        data={
            "version": relationship.version,
            "kind": "mentoring",
            "start_date": "2025-05-01",
            "agreement": "Monthly\x00 meetings",
        },
    )
    assert refused.status_code == 400
    body = refused.get_data(as_text=True)
    assert "What you have agreed cannot contain a NUL character" in body
    assert "Monthly\x00 meetings" in body
    saved = client.post(
        url,
        data={
            "version": relationship.version,
            "kind": "mentoring",
            "start_date": "2025-05-01",
            "agreement": "Monthly <b>meetings</b>\r\nShadow a board\tmeeting",
        },
    )
    assert saved.status_code == 302, re.findall(
        "start_date-error.{0,300}", saved.get_data(as_text=True), re.S
    )
    db.session.expire_all()
    assert db.session.get(MentoringRelationship, relationship.id).agreement == (
        "Monthly <b>meetings</b>\r\nShadow a board\tmeeting"
    )
    page = client.get(f"/mentoring/{relationship.id}").get_data(as_text=True)
    assert re.search(r"Monthly &lt;b&gt;meetings&lt;/b&gt;<br>\s*Shadow a board\tmeeting", page)


def test_a_refused_goal_progress_is_kept_with_its_message(client, db, organisation, login_as):
    user = login_as("senior-leader")
    relationship = _relationship(db, organisation, user.email)
    goal = MentoringGoal(text="Lead a board item")
    relationship.goals.append(goal)
    db.session.commit()
    response = client.post(
        f"/mentoring/{relationship.id}/goals/{goal.id}", data={"progress": "Half\x1bway"}
    )
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "Progress cannot contain the control character U+001B" in body
    assert "Half\x1bway</textarea>" in body
    assert f'href="#progress-{goal.id}"' in body
    db.session.expire_all()
    assert db.session.get(MentoringGoal, goal.id).progress == ""


def test_justification_reasons_refuse_control_characters_and_keep_the_text(
    client, db, organisation
):
    manager = factories.UserFactory(organisation=organisation, roles=("recruiting-manager",))
    vacancy = recruitment.create_vacancy(
        organisation.id, manager, reference="V-1", title="Ward Sister", pay_band="7", posts=1
    )
    application = recruitment.add_applicant(vacancy, "P-1", manager)
    application.applicant.ethnic_category = "N"
    application.shortlisted = application.interviewed = True
    recruitment.record_decision(vacancy, date(2026, 1, 19), None, manager)
    db.session.commit()
    justification = justifications.for_owner(vacancy)
    sign_in(client, manager.email)
    typed = "Scored 18 of 40 at interview\r\nagainst 31 for the appointed\x00 candidate"
    response = client.post(
        f"/justifications/{justification.id}/write",
        data={
            "version": justification.version,
            f"reason-{application.id}": typed,
            f"feedback-{application.id}": "Offered a call",
            "action": "save",
        },
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "P-1: The reasons cannot contain a NUL character" in body
    assert typed.replace("\r\n", "\n") in body.replace("\r\n", "\n")
    db.session.expire_all()
    assert justifications.for_owner(vacancy).draft is None
