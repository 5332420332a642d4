"""Managers' and HR's recruitment pages: rules, blind screens, concurrency, permissions."""

import re
from datetime import date, timedelta

import pytest

from app.audit import AuditEvent
from app.recruitment import services
from app.recruitment.models import (
    Applicant,
    Application,
    Panel,
    PanelDeclaration,
    PoolMember,
    Vacancy,
)
from app.workforce.models import OrganisationSettings
from tests import factories

BME, WHITE = "N", "A"


@pytest.fixture
def manager(login_as):
    return login_as("recruiting-manager")


def _vacancy(db, organisation, manager, reference="V-1", posts=1, band="6"):
    vacancy = services.create_vacancy(
        organisation.id,
        manager,
        reference=reference,
        title="Ward Sister",
        pay_band=band,
        posts=posts,
    )
    db.session.commit()
    return vacancy


def _staff(db, organisation, name, category, **extra):
    staff = factories.StaffFactory(
        organisation=organisation, full_name=name, ethnic_category=category, **extra
    )
    db.session.commit()
    return staff


def _declared(db, staff):
    """The person declared in their own account that they count as a BME panel member."""
    db.session.add(PanelDeclaration(organisation_id=staff.organisation_id, staff_id=staff.id))
    db.session.commit()
    return staff


def _applicants(db, vacancy, *pairs):
    for reference, category in pairs:
        application = services.add_applicant(vacancy, reference, None)
        application.applicant.ethnic_category = category
    db.session.commit()
    return {a.applicant.reference: a for a in services.applications_of(vacancy)}


def test_manager_creates_a_vacancy_and_sees_it_in_their_list(client, db, manager):
    response = client.post(
        "/vacancies/new",
        data={
            "reference": "V-77",
            "title": "Charge Nurse",
            "pay_band": "6",
            "staff_group": "clinical-non-medical",
            "posts": "2",
        },
    )
    assert response.status_code == 302
    vacancy = Vacancy.query.one()
    assert (vacancy.recruiting_manager_id, vacancy.posts) == (manager.id, 2)
    assert "V-77" in client.get("/vacancies").get_data(as_text=True)


def test_vacancy_form_keeps_what_was_typed(client, db, manager, organisation):
    _vacancy(db, organisation, manager, "V-1")
    body = client.post(
        "/vacancies/new",
        data={"reference": "V-1", "title": "Typed title", "pay_band": "", "posts": "0"},
    ).get_data(as_text=True)
    assert 'value="Typed title"' in body
    assert "Choose the band of the post" in body
    assert "Enter a number of posts from 1 to 500" in body


def test_panel_rule_is_checked_at_once_and_confirming_a_breach_needs_a_reason(
    client, db, manager, organisation
):
    vacancy = _vacancy(db, organisation, manager)
    white = _staff(db, organisation, "Tom Walsh", WHITE)
    url = f"/vacancies/{vacancy.id}/panels/interview"
    client.get(url)
    version = Panel.query.one().version
    client.post(
        f"{url}/staff",
        data={"staff-staff_id": white.id, "staff-role": "chair", "staff-version": version},
    )
    page = client.get(url).get_data(as_text=True)
    assert "This panel does not meet the rule" in page
    assert "The panel needs at least 1 BME member" in page
    panel = Panel.query.one()
    short = client.post(
        f"{url}/confirm",
        data={"confirm-version": panel.version, "confirm-exception_reason": "Nobody free"},
    )
    assert short.status_code == 400
    assert "Explain the exception in a few sentences" in short.get_data(as_text=True)
    assert "Nobody free</textarea>" in short.get_data(as_text=True)
    reason = (
        "Two BME colleagues from the pool were asked and both were on leave for the "
        "only interview date the candidates could make"
    )
    ok = client.post(
        f"{url}/confirm",
        data={"confirm-version": panel.version, "confirm-exception_reason": reason},
    )
    assert ok.status_code == 302
    db.session.refresh(panel)
    assert (panel.status, panel.exception_reason) == ("confirmed", reason)
    event = AuditEvent.query.filter_by(action="panel.confirmed").one()
    assert event.reason == reason and event.actor_id == manager.id


def test_a_pool_suggestion_makes_the_panel_meet_the_rule(client, db, manager, organisation):
    vacancy = _vacancy(db, organisation, manager)
    white = _staff(db, organisation, "Tom Walsh", WHITE)
    bme = _staff(db, organisation, "Asha Patel", "H")
    _staff(db, organisation, "Not Pooled", BME)
    db.session.add(
        PoolMember(
            organisation_id=organisation.id,
            staff_id=bme.id,
            training_date=date(2026, 1, 10),
            note="Inclusion ambassador",
            diverse_member=True,
        )
    )
    db.session.add(PoolMember(organisation_id=organisation.id, staff_id=white.id))
    # BME in ESR and in the pool, but not as a diverse member: ESR is never read for this.
    pooled = _staff(db, organisation, "Pooled Plainly", BME)
    db.session.add(PoolMember(organisation_id=organisation.id, staff_id=pooled.id))
    panel = services.panel_for(vacancy, "shortlisting")
    services.add_member(panel, manager, version=None, staff=white, role="chair")
    db.session.commit()
    url = f"/vacancies/{vacancy.id}/panels/shortlisting"
    page = client.get(url).get_data(as_text=True)
    suggestions = page.split('id="suggestions"')[1].split("</table>")[0]
    assert "Asha Patel" in suggestions and "Not Pooled" not in suggestions
    assert "Pooled Plainly" not in suggestions
    assert "Tom Walsh" not in suggestions
    assert "BME" not in suggestions  # suggested without saying why
    client.post(
        f"{url}/staff",
        data={"staff-staff_id": bme.id, "staff-role": "member", "staff-version": panel.version},
    )
    page = client.get(url).get_data(as_text=True)
    assert "This panel meets your organisation" in page
    assert 'id="suggestions"' not in page


def test_changing_a_confirmed_panel_needs_a_reason_and_is_recorded(
    client, db, manager, organisation
):
    vacancy = _vacancy(db, organisation, manager)
    bme = _declared(db, _staff(db, organisation, "Asha Patel", BME))
    white = _staff(db, organisation, "Tom Walsh", WHITE)
    panel = services.panel_for(vacancy, "interview")
    services.add_member(panel, manager, version=None, staff=bme)
    services.add_member(panel, manager, version=None, staff=white)
    services.confirm_panel(panel, manager, version=None)
    db.session.commit()
    member = next(m for m in panel.members if m.staff_id == white.id)
    url = f"/vacancies/{vacancy.id}/panels/interview/members/{member.id}/remove"
    assert "Remove Tom Walsh from the interview panel?" in client.get(url).get_data(as_text=True)
    refused = client.post(url, data={"remove-version": panel.version})
    assert refused.status_code == 400
    assert "give a reason for the change" in refused.get_data(as_text=True)
    done = client.post(
        url, data={"remove-version": panel.version, "remove-reason": "Called away to an emergency"}
    )
    assert done.status_code == 302
    event = AuditEvent.query.filter_by(action="panel.member_removed").one()
    assert (event.reason, event.actor_id) == ("Called away to an emergency", manager.id)
    history = client.get(f"/vacancies/{vacancy.id}").get_data(as_text=True)
    assert "Called away to an emergency" in history


def test_removing_the_only_bme_member_of_a_confirmed_panel_needs_an_exception(
    db, manager, organisation
):
    vacancy = _vacancy(db, organisation, manager)
    bme = _declared(db, _staff(db, organisation, "Asha Patel", BME))
    panel = services.panel_for(vacancy, "interview")
    member = services.add_member(panel, manager, version=None, staff=bme)
    services.confirm_panel(panel, manager, version=None)
    with pytest.raises(services.RecruitmentError, match="exception reason"):
        services.remove_member(panel, member.id, manager, version=None, reason="Ill")


def test_someone_else_changed_this_keeps_what_was_typed(client, db, manager, organisation):
    vacancy = _vacancy(db, organisation, manager)
    white = _staff(db, organisation, "Tom Walsh", WHITE)
    panel = services.panel_for(vacancy, "interview")
    db.session.commit()
    stale_version = panel.version
    services.add_member(panel, manager, version=None, staff=white)  # another tab, first
    db.session.commit()
    url = f"/vacancies/{vacancy.id}/panels/interview"
    response = client.post(
        f"{url}/external",
        data={
            "external-version": stale_version,
            "external-external_name": "Jo Marsh (lay member)",
            "external-external_ethnic_category": "A",
            "external-role": "independent",
        },
    )
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "Someone else changed this" in body
    assert 'value="Jo Marsh (lay member)"' in body
    assert len(Panel.query.one().members) == 1


def test_outcome_rules(db, manager, organisation):
    vacancy = _vacancy(db, organisation, manager, posts=1)
    apps = _applicants(db, vacancy, ("P-1", WHITE), ("P-2", BME))
    p1, p2 = apps["P-1"].id, apps["P-2"].id
    with pytest.raises(services.RecruitmentError, match="needs shortlisted"):
        services.record_outcomes(vacancy, {p1: services.Outcome(interviewed=True)}, None, None)
    with pytest.raises(services.RecruitmentError, match="1 post but 2 people"):
        services.record_outcomes(
            vacancy,
            {p1: services.Outcome(True, True, True), p2: services.Outcome(True, True, True)},
            None,
            None,
        )
    with pytest.raises(services.RecruitmentError, match="withdrawn applicant cannot"):
        services.record_outcomes(
            vacancy, {p1: services.Outcome(True, True, True, True)}, None, None
        )
    services.record_outcomes(
        vacancy,
        {p1: services.Outcome(True, True, True), p2: services.Outcome(True, True, False)},
        None,
        None,
    )
    with pytest.raises(services.RecruitmentError, match="Enter the date"):
        services.record_decision(vacancy, None, None, None)
    with pytest.raises(services.RecruitmentError, match="today or in the past"):
        services.record_decision(vacancy, date.today() + timedelta(days=2), None, None)
    services.record_decision(vacancy, date(2026, 1, 19), None, None)
    assert vacancy.status == "decided"


def test_a_batch_appoints_each_person_to_at_most_one_of_its_vacancies(
    client, db, manager, organisation
):
    batch = services.create_batch(
        organisation.id, manager, reference="B-9", name="Nurses", interview_date=None
    )
    posts = [
        services.create_vacancy(
            organisation.id, manager, reference=f"V-{n}", title="Nurse", pay_band="5", batch=batch
        )
        for n in (1, 2)
    ]
    apps = _applicants(db, batch, ("P-1", BME), ("P-2", WHITE))
    url = f"/batches/{batch.id}/outcomes"
    response = client.post(
        url,
        data={
            "version": batch.version,
            f"shortlisted-{apps['P-1'].id}": "y",
            f"interviewed-{apps['P-1'].id}": "y",
            f"post-{apps['P-1'].id}": posts[1].id,
            f"shortlisted-{apps['P-2'].id}": "y",
            f"post-{apps['P-2'].id}": posts[1].id,
        },
    )
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "interviewed or appointed needs shortlisted" not in body
    assert "V-2 has 1 post but 2 people are appointed to it" in body
    assert f'value="{posts[1].id}" selected' in body  # kept what was chosen
    ok = client.post(
        url,
        data={
            "version": batch.version,
            f"shortlisted-{apps['P-1'].id}": "y",
            f"interviewed-{apps['P-1'].id}": "y",
            f"post-{apps['P-1'].id}": posts[1].id,
            f"shortlisted-{apps['P-2'].id}": "y",
            f"interviewed-{apps['P-2'].id}": "y",
            f"post-{apps['P-2'].id}": posts[0].id,
        },
    )
    assert ok.status_code == 302
    assert Application.query.filter_by(appointed=True).count() == 2


def test_no_manager_page_shows_ethnicity(client, db, manager, organisation):
    vacancy = _vacancy(db, organisation, manager)
    bme = _staff(db, organisation, "Asha Patel", "H")
    db.session.add(PoolMember(organisation_id=organisation.id, staff_id=bme.id))
    panel = services.panel_for(vacancy, "interview")
    services.add_member(
        panel, manager, version=None, external_name="Jo Marsh", external_ethnic_category="N"
    )
    _applicants(db, vacancy, ("P-1", "H"), ("P-2", "M"))
    db.session.commit()
    words = re.compile(
        r"\b(BME|White - |Asian|Black|Indian|Caribbean|African|"
        r"ethnic group|WRES group)\b"
    )
    for path in [
        f"/vacancies/{vacancy.id}",
        f"/vacancies/{vacancy.id}/panels/interview",
        f"/vacancies/{vacancy.id}/panels/shortlisting",
        f"/vacancies/{vacancy.id}/outcomes",
        f"/vacancies/{vacancy.id}/decision",
        "/vacancies",
        f"/vacancies/{vacancy.id}/panels/interview?find=Asha",
    ]:
        body = client.get(path).get_data(as_text=True)
        # The empty form to record a new external member's declared category lists the
        # categories; it must never come back with a person's category chosen.
        declare = re.search(
            r'<select[^>]*id="external-external_ethnic_category".*?</select>', body, re.S
        )
        if declare:
            assert re.findall(r'value="(\w+)" selected', declare.group(0)) in ([], ["99"])
            body = body.replace(declare.group(0), "")
        found = [m for m in words.findall(body) if m != "BME"]
        assert not found, (path, found)
        # "BME" may appear only in the rule's own wording, never next to a person.
        for line in body.splitlines():
            if "BME" in line:
                generic = ("needs at least", "meet the rule", "BME panel member")
                assert any(g in line for g in generic), (path, line)


def test_hr_sees_and_sets_an_applicants_ethnicity_and_the_view_is_audited(
    client, db, login_as, organisation
):
    hr = login_as("hr-admin")
    vacancy = _vacancy(db, organisation, hr)
    apps = _applicants(db, vacancy, ("P-1", "99"))
    applicant = apps["P-1"].applicant
    page = client.get(f"/applicants/{applicant.id}").get_data(as_text=True)
    assert "Equality monitoring" in page
    client.post(f"/applicants/{applicant.id}", data={"ethnic_category": "N"})
    assert db.session.get(Applicant, applicant.id).ethnic_category == "N"
    assert AuditEvent.query.filter_by(action="applicant.ethnicity_viewed").count() == 1
    assert AuditEvent.query.filter_by(action="applicant.ethnicity_changed").count() == 1


def test_managers_cannot_reach_hr_recruitment_pages(client, manager):
    for path in ["/panel-pool", "/recruitment/imports", "/panels/compliance", "/applicants/1"]:
        assert client.get(path).status_code == 403, path


def test_another_organisations_vacancies_batches_and_panels_are_404(client, db, manager):
    other = factories.OrganisationFactory(code="RXX")
    their_manager = factories.UserFactory(organisation=other, roles=("recruiting-manager",))
    vacancy = services.create_vacancy(
        other.id, their_manager, reference="V-X", title="X", pay_band="5"
    )
    batch = services.create_batch(
        other.id, their_manager, reference="B-X", name="X", interview_date=None
    )
    db.session.commit()
    for path in [
        f"/vacancies/{vacancy.id}",
        f"/batches/{batch.id}",
        f"/vacancies/{vacancy.id}/panels/interview",
        f"/batches/{batch.id}/outcomes",
        f"/vacancies/{vacancy.id}/edit",
        f"/batches/{batch.id}/panels/shortlisting",
    ]:
        assert client.get(path).status_code == 404, path
    assert client.post(f"/vacancies/{vacancy.id}/decision", data={}).status_code == 404
    assert Panel.query.count() == 0


def test_another_managers_vacancy_is_forbidden(client, db, manager, organisation):
    colleague = factories.UserFactory(organisation=organisation, roles=("recruiting-manager",))
    vacancy = services.create_vacancy(
        organisation.id, colleague, reference="V-C", title="C", pay_band="5"
    )
    db.session.commit()
    assert client.get(f"/vacancies/{vacancy.id}").status_code == 403
    assert "V-C" not in client.get("/vacancies").get_data(as_text=True)


def test_minimum_band_setting_switches_the_rule_off_below_it(db, manager, organisation):
    settings = db.session.get(OrganisationSettings, organisation.id)
    settings.panel_rule_min_band = "8a"
    vacancy = _vacancy(db, organisation, manager, band="5")
    white = _staff(db, organisation, "Tom Walsh", WHITE)
    panel = services.panel_for(vacancy, "interview")
    services.add_member(panel, manager, version=None, staff=white)
    assert services.panel_needs(panel) == []
    senior = _vacancy(db, organisation, manager, reference="V-2", band="8b")
    senior_panel = services.panel_for(senior, "interview")
    services.add_member(senior_panel, manager, version=None, staff=white)
    assert services.panel_needs(senior_panel) == ["The panel needs at least 1 BME member"]


def test_training_and_independent_member_settings(db, manager, organisation):
    settings = db.session.get(OrganisationSettings, organisation.id)
    settings.panel_training_months = 12
    settings.panel_independent_required = True
    vacancy = _vacancy(db, organisation, manager)
    bme = _staff(db, organisation, "Asha Patel", BME)
    db.session.add(
        PoolMember(
            organisation_id=organisation.id,
            staff_id=bme.id,
            training_date=date.today() - timedelta(days=800),
            diverse_member=True,
        )
    )
    panel = services.panel_for(vacancy, "interview")
    services.add_member(panel, manager, version=None, staff=bme)
    assert services.panel_needs(panel) == [
        "The panel needs an independent member",
        "1 staff member of the panel has no fair-recruitment training recorded in the last 12 "
        "months",
    ]
    PoolMember.query.one().training_date = date.today() - timedelta(days=30)
    services.add_member(
        panel,
        manager,
        version=None,
        external_name="Lay Member",
        external_ethnic_category="99",
        role="independent",
    )
    assert services.panel_needs(panel) == []


@pytest.mark.parametrize("version", ["abc", "-1", "1.5", "999999"])
def test_a_tampered_version_is_a_stale_edit_not_a_crash(client, db, manager, organisation, version):
    vacancy = _vacancy(db, organisation, manager)
    _applicants(db, vacancy, ("P-1", WHITE))
    response = client.post(
        f"/vacancies/{vacancy.id}/decision",
        data={"version": version, "decision_date": "2026-01-05"},
    )
    assert response.status_code == 400
    assert "Someone else changed this" in response.get_data(as_text=True)
