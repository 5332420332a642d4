"""Every form in the app, posted empty, answers with the NHS.UK error summary: there, focused on
load (nhsuk-frontend's error-summary module), every link landing on an element of the page, and
what the person typed still in the form.

The forms are found from the URL map: every rule that takes POST is either a case below (the
page the form is on, where it posts, as whom) or in NOT_FORMS with the reason it has nothing to
fill in. A route added without either fails `test_every_post_route_is_a_form_case` by name.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from html import unescape

import pytest

from app.accounts import services as accounts
from app.accounts.roles import Role
from app.extensions import db
from app.goals import planning
from app.goals import services as goals
from app.justifications import services as justifications
from app.mentoring import services as mentoring
from app.recruitment import services as recruitment
from app.timeutil import today_london
from app.workforce.wres_year import year_containing
from tests import factories
from tests.conftest import _empty_tables, sign_in

HR, RM, CH, SL = (
    r.value for r in (Role.HR_ADMIN, Role.RECRUITING_MANAGER, Role.CHAIR, Role.SENIOR_LEADER)
)
ANONYMOUS = "anonymous"
# HR in a second organisation, which has no proposal waiting: the first one's waits, to be changed,
# and while one waits "Propose goals" sends HR to it instead of showing the form.
HR_NO_PROPOSAL = "hr-admin, no proposal waiting"

# POST routes that are a single button with nothing to fill in (CSRF and, at most, a version).
NOT_FORMS = {
    "accounts.logout": "a sign-out button",
    "accounts.enable_user": "a button",
    "accounts.reissue_invitation": "a button",
    "notifications.mark_all_read": "a button",
    "recruitment.close": "a button",
    "recruitment.remove_from_pool": "a button",
    "recruitment.panel_declaration": "two buttons, yes or no",
    "goals.approve": "a button, with the proposal's version",
}


@dataclass
class Case:
    role: str
    page: Callable[[dict], str]  # the page the form is on
    action: Callable[[dict], str] | None = None  # where it posts, when not to the page itself
    version: str | None = None  # the version field's name, read from the page
    data: dict = field(default_factory=dict)  # what the person pressed (a button's value)
    typed: dict = field(default_factory=dict)  # typed into a field that is not in error


def _vacancy(d):
    return f"/vacancies/{d['vacancy']}"


CASES: dict[str, Case] = {
    "accounts.login": Case(ANONYMOUS, lambda d: "/sign-in"),
    "accounts.forgotten_password": Case(ANONYMOUS, lambda d: "/forgotten-password"),
    "accounts.accept_invitation": Case(ANONYMOUS, lambda d: f"/invitation/{d['token']}"),
    "accounts.change_password": Case(HR, lambda d: "/account/password"),
    "accounts.invite_user": Case(
        HR, lambda d: "/users/invite", typed={"full_name": "Typed Person"}
    ),
    "accounts.user_detail": Case(HR, lambda d: f"/users/{d['user']}"),
    "accounts.link_staff": Case(
        HR, lambda d: f"/users/{d['user']}", lambda d: f"/users/{d['user']}/staff-record"
    ),
    "accounts.disable_user": Case(
        HR, lambda d: f"/users/{d['user']}/disable", typed={"reason": "x" * 4001}
    ),
    "workforce.settings": Case(HR, lambda d: "/settings"),
    "workforce.import_history": Case(
        HR, lambda d: "/imports", typed={"as_at-day": "14", "as_at-month": "13"}
    ),
    "recruitment.imports_page": Case(HR, lambda d: "/recruitment/imports", data={"kind": "panels"}),
    "mentoring.imports_page": Case(HR, lambda d: "/mentoring/imports"),
    "survey.imports_page": Case(HR, lambda d: "/survey/imports"),
    "wres_return.imports_page": Case(HR, lambda d: "/disciplinary/imports"),
    "recruitment.pool": Case(HR, lambda d: "/panel-pool", typed={"note": "Typed note"}),
    "recruitment.applicant_detail": Case(
        HR, lambda d: f"/applicants/{d['applicant']}", data={"ethnic_category": "Q"}
    ),
    "recruitment.new_vacancy": Case(
        RM, lambda d: "/vacancies/new", typed={"department": "Typed department"}
    ),
    "recruitment.edit_vacancy": Case(
        HR,
        lambda d: f"{_vacancy(d)}/edit",
        version="version",
        data={"title": "", "reference": ""},
        typed={"department": "Typed department"},
    ),
    "recruitment.new_batch": Case(
        RM, lambda d: "/batches/new", typed={"name": "Typed batch", "interview_date-day": "14"}
    ),
    "recruitment.new_batch_vacancy": Case(
        RM, lambda d: f"/batches/{d['batch']}/vacancies/new", typed={"title": "Typed title"}
    ),
    "recruitment.new_applicant": Case(RM, lambda d: f"{_vacancy(d)}/applicants/new"),
    "recruitment.decision": Case(
        RM, lambda d: f"/vacancies/{d['shortlisted']}/decision", version="version"
    ),
    "recruitment.outcomes": Case(
        RM,
        lambda d: f"{_vacancy(d)}/outcomes",
        version="version",
        data={"interviewed-{application}": "y"},  # interviewed, not shortlisted: a conflict
    ),
    "recruitment.scores": Case(
        RM,
        lambda d: f"/vacancies/{d['confirmed']}/scores",
        version="version",
        data={"out_of": ""},
    ),
    "recruitment.add_staff_member": Case(
        RM,
        lambda d: f"{_vacancy(d)}/panels/interview?find=Smith",
        lambda d: f"{_vacancy(d)}/panels/interview/staff?find=Smith&page=1",
        version="staff-version",
        typed={"staff-role": "independent"},
    ),
    "recruitment.add_external_member": Case(
        RM,
        lambda d: f"{_vacancy(d)}/panels/interview",
        lambda d: f"{_vacancy(d)}/panels/interview/external",
        version="external-version",
    ),
    "recruitment.confirm_panel": Case(
        RM,
        lambda d: f"{_vacancy(d)}/panels/shortlisting",
        lambda d: f"{_vacancy(d)}/panels/shortlisting/confirm",
        version="confirm-version",
        typed={"confirm-method": "Typed method"},
    ),
    "recruitment.remove_member": Case(
        RM,
        lambda d: f"/vacancies/{d['confirmed']}/panels/interview/members/{d['member']}/remove",
        version="remove-version",
    ),
    "justifications.write": Case(
        RM,
        lambda d: f"/justifications/{d['due']}/write",
        version="version",
        data={"action": "submit"},
        typed={"feedback-{justified_application}": "Typed feedback"},
    ),
    "justifications.review": Case(
        CH,
        lambda d: f"/justifications/{d['submitted']}",
        lambda d: f"/justifications/{d['submitted']}/review",
        version="version",
        typed={"referred_to": "Typed person"},
    ),
    "mentoring.new": Case(
        SL,
        lambda d: f"/mentoring/new?colleague={d['colleague']}",
        typed={"agreement": "Typed agreement"},
    ),
    "mentoring.change": Case(
        SL,
        lambda d: f"/mentoring/{d['relationship']}/change",
        version="version",
        data={"start_date-day": "", "start_date-month": "", "start_date-year": ""},
        typed={"agreement": "Typed agreement"},
    ),
    "mentoring.end": Case(SL, lambda d: f"/mentoring/{d['relationship']}/end", version="version"),
    "mentoring.log_session": Case(
        SL,
        lambda d: f"/mentoring/{d['relationship']}",
        lambda d: f"/mentoring/{d['relationship']}/sessions",
        data={"minutes": ""},
        typed={"summary": "Typed summary"},
    ),
    "mentoring.add_goal": Case(
        SL,
        lambda d: f"/mentoring/{d['relationship']}",
        lambda d: f"/mentoring/{d['relationship']}/goals",
        typed={"target_date-year": "2027"},
    ),
    "mentoring.update_goal": Case(
        SL,
        lambda d: f"/mentoring/{d['relationship']}",
        lambda d: f"/mentoring/{d['relationship']}/goals/{d['goal']}",
        data={"progress": "x" * 4001},
    ),
    "goals.new": Case(
        HR_NO_PROPOSAL,
        lambda d: "/goals/new",
        typed={"{first_goal}": "31.5", "note": "Typed note"},
    ),
    "goals.edit": Case(
        HR,
        lambda d: f"/goals/{d['goal_set']}/edit",
        version="version",
        typed={"{first_goal}": "31.5", "note": "Typed note"},
    ),
    "goals.new_action": Case(
        CH,
        lambda d: "/actions/new",
        typed={"title": "Typed action", "due_date-day": "14", "serves": "8a"},
    ),
    "goals.edit_action": Case(
        HR,
        lambda d: f"/actions/{d['action']}/edit",
        version="version",
        data={"title": "", "owner_id": ""},
        typed={"detail": "Typed detail", "due_date-month": "13"},
    ),
    "goals.progress": Case(
        RM,  # the action's owner
        lambda d: f"/actions/{d['action']}",
        lambda d: f"/actions/{d['action']}/progress",
        version="version",
        typed={"reason": "Typed reason", "written_on-year": "2026"},
    ),
}


def _data_set(organisation) -> tuple[dict, dict]:
    users = {
        role: factories.UserFactory(
            organisation=organisation, roles=(role,), email=f"{role}@forms.nhs.uk"
        )
        for role in (HR, RM, CH, SL)
    }
    leader = factories.StaffFactory(organisation=organisation, pay_band="VSM")
    colleague = factories.StaffFactory(organisation=organisation, ethnic_category="N")
    for _ in range(3):
        factories.StaffFactory(organisation=organisation, full_name="Anna Smith")
    db.session.flush()
    users[SL].staff_id = leader.id
    relationship = mentoring.create_relationship(
        leader, colleague, "mentoring", today_london() - timedelta(days=60), users[HR]
    )
    goal = mentoring.add_goal(relationship, users[HR], "Chair a board sub-committee", None)
    manager = users[RM]

    def vacancy(reference):
        return recruitment.create_vacancy(
            organisation.id,
            manager,
            reference=reference,
            title="Ward Sister",
            pay_band="7",
            posts=1,
            recruiting_manager_id=manager.id,
        )

    open_vacancy = vacancy("V-OPEN")
    application = recruitment.add_applicant(open_vacancy, "APP-1", manager)
    shortlisted = vacancy("V-SHORT")
    recruitment.add_applicant(shortlisted, "APP-2", manager).shortlisted = True
    confirmed = vacancy("V-CONF")
    interviewed = recruitment.add_applicant(confirmed, "APP-3", manager)
    interviewed.shortlisted = interviewed.interviewed = True
    panel = recruitment.panel_for(confirmed, "interview")
    member = recruitment.add_member(
        panel, users[HR], version=None, external_name="Dr Ade", external_ethnic_category="N"
    )
    recruitment.confirm_panel(panel, manager, version=None)
    batch = recruitment.create_batch(
        organisation.id,
        manager,
        reference="B-1",
        name="Band 5 nurses",
        interview_date=None,
        recruiting_manager_id=manager.id,
    )

    def justified(reference):
        decided = vacancy(reference)
        for applicant_reference, category, appointed in (
            (f"{reference}-A", "A", True),
            (f"{reference}-N", "N", False),
        ):
            entry = recruitment.add_applicant(decided, applicant_reference, manager)
            entry.applicant.ethnic_category = category
            entry.shortlisted = entry.interviewed = True
            entry.appointed = appointed
        recruitment.record_decision(decided, today_london() - timedelta(days=3), None, manager)
        return justifications.for_owner(decided)

    due = justified("V-DUE")
    submitted = justified("V-SUB")
    justifications.submit(
        submitted,
        manager,
        {
            e.application_id: justifications.Reason(
                "Scored well below the appointed candidate on every question asked", "A call"
            )
            for e in submitted.applicants
        },
        submitted.version,
    )
    target = factories.UserFactory(organisation=organisation, roles=(CH,))
    token = accounts.issue_invitation(target, timedelta(days=7), users[HR])
    base_year = year_containing(today_london()).year  # as a proposal made today starts
    years = planning.goal_years(base_year, 2028)
    goal_set = goals.propose(
        organisation.id,
        users[HR],
        base_year=base_year,
        target_year=2028,
        model_as_at=today_london(),
        model_target_share=0.2,
        values={
            (m, y): 1.25 if m == planning.INDICATOR2 else 0.2
            for m in planning.MEASURES
            for y in years
        },
        model_values={},
        note="",
    )
    action = goals.add_action(
        organisation.id,
        users[HR],
        title="Batch interviews at 8a",
        detail="",
        owner=users[RM],
        due_date=today_london() + timedelta(days=90),
        serves="8a",
    )
    other = factories.OrganisationFactory(code="RFN")
    users[HR_NO_PROPOSAL] = factories.UserFactory(
        organisation=other, roles=(HR,), email="hr@no-proposal.nhs.uk"
    )
    db.session.commit()
    return users, {
        "vacancy": open_vacancy.id,
        "application": application.id,
        "shortlisted": shortlisted.id,
        "confirmed": confirmed.id,
        "member": member.id,
        "batch": batch.id,
        "applicant": application.applicant_id,
        "due": due.id,
        "justified_application": due.applicants[0].application_id,
        "submitted": submitted.id,
        "relationship": relationship.id,
        "goal": goal.id,
        "colleague": colleague.id,
        "user": target.id,
        "token": token,
        "goal_set": goal_set.id,
        "action": action.id,
        "first_goal": f"g_8a_{years[0]}",  # the box for band 8a's first goal year
    }


@pytest.fixture(scope="module")
def world(app):
    with app.app_context():
        _empty_tables(app)
        organisation = factories.OrganisationFactory(code="RFM")
        users, ids = _data_set(organisation)
        yield users, ids
        db.session.remove()
        _empty_tables(app)


def test_every_post_route_is_a_form_case(app):
    posting = {rule.endpoint for rule in app.url_map.iter_rules() if "POST" in rule.methods}
    assert sorted(posting - set(CASES) - set(NOT_FORMS)) == []
    assert sorted((set(CASES) | set(NOT_FORMS)) - posting) == []


SUMMARY = re.compile(
    r'<div\s+class="nhsuk-error-summary"\s+data-module="nhsuk-error-summary".*?</ul>', re.S
)


def _fill(template: dict, ids: dict) -> dict:
    return {key.format(**ids): value for key, value in template.items()}


@pytest.mark.parametrize("endpoint", sorted(CASES))
def test_a_form_posted_empty_shows_a_focused_summary_linked_to_its_fields(app, world, endpoint):
    users, ids = world
    case = CASES[endpoint]
    client = app.test_client()
    if case.role != ANONYMOUS:
        assert sign_in(client, users[case.role].email).status_code == 302
    page_url = case.page(ids)
    page = client.get(page_url)
    assert page.status_code == 200, (endpoint, page.status_code)
    data = {**_fill(case.data, ids), **_fill(case.typed, ids)}
    if case.version:
        found = re.search(rf'name="{case.version}"[^>]*value="(\d+)"', page.get_data(as_text=True))
        assert found, f"{endpoint}: no {case.version} on {page_url}"
        data[case.version] = found.group(1)
    response = client.post((case.action or case.page)(ids), data=data)
    body = response.get_data(as_text=True)
    assert response.status_code in (200, 400), (endpoint, response.status_code)
    summary = SUMMARY.search(body)
    assert summary, f"{endpoint}: no error summary"
    links = re.findall(r'<a href="#([^"]+)"', summary.group(0))
    items = re.findall(r"<li>", summary.group(0))
    assert items, f"{endpoint}: an empty summary"
    for target in links:
        assert re.search(rf'\bid="{re.escape(target)}"', body), f"{endpoint}: #{target} is nowhere"
    for name, value in _fill(case.typed, ids).items():
        assert _kept(body, name, value), f"{endpoint}: {name} lost what was typed"


def _kept(body: str, name: str, value: str) -> bool:
    """Whether the page shows `value` in the field `name` again: an input's value, a textarea's
    text, a select's chosen option."""
    select = re.search(rf'<select[^>]*name="{re.escape(name)}".*?</select>', body, re.S)
    if select:
        return f'value="{value}" selected' in select.group(0)
    textarea = re.search(rf'<textarea[^>]*name="{re.escape(name)}"[^>]*>([^<]*)</textarea>', body)
    if textarea:
        return unescape(textarea.group(1)) == value
    field = re.search(rf'<input[^>]*name="{re.escape(name)}"[^>]*>', body)
    return field is not None and f'value="{value}"' in unescape(field.group(0))
