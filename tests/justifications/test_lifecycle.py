"""Trigger, writing, review, immutability, permissions, the command and the register."""

import json
from datetime import date

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from app.audit import AuditEvent
from app.justifications import services
from app.justifications.models import Justification, JustificationVersion
from app.justifications.working_days import add_working_days
from app.notifications.models import Notification, OutboxMessage
from app.recruitment import imports
from app.recruitment import services as recruitment
from app.workforce.models import OrganisationSettings
from tests import factories

REASON = (
    "Scored 18 of 40 at interview against 31 for the appointed candidate, with gaps in "
    "budget management evidence"
)


@pytest.fixture
def people(db, organisation):
    manager = factories.UserFactory(
        organisation=organisation, roles=("recruiting-manager",), email="manager@example.nhs.uk"
    )
    chair = factories.UserFactory(
        organisation=organisation, roles=("chair",), email="chair@example.nhs.uk"
    )
    db.session.commit()
    return manager, chair


def _decided_vacancy(db, organisation, manager, outcomes, decision=date(2026, 1, 19)):
    """outcomes: (reference, category, interviewed, appointed) per applicant."""
    vacancy = recruitment.create_vacancy(
        organisation.id, manager, reference="V-1", title="Ward Sister", pay_band="7", posts=1
    )
    for reference, category, interviewed, appointed in outcomes:
        application = recruitment.add_applicant(vacancy, reference, manager)
        application.applicant.ethnic_category = category
        application.shortlisted = True
        application.interviewed = interviewed
        application.appointed = appointed
    recruitment.record_decision(vacancy, decision, None, manager)
    db.session.commit()
    return vacancy


def test_a_decision_with_an_interviewed_bme_applicant_not_appointed_needs_one(
    db, organisation, people
):
    manager, _chair = people
    vacancy = _decided_vacancy(
        db,
        organisation,
        manager,
        [
            ("P-1", "A", True, True),
            ("P-2", "N", True, False),
            ("P-3", "H", False, False),
            ("P-4", "M", True, False),
        ],
    )
    justification = services.for_owner(vacancy)
    assert justification.status == "due"
    assert justification.due_date == date(2026, 2, 2)  # 10 working days after 19 January
    assert sorted(a.application.applicant.reference for a in justification.applicants) == [
        "P-2",
        "P-4",
    ]
    note = Notification.query.filter_by(user_id=manager.id).one()
    assert "due by 2 February 2026" in note.subject
    assert OutboxMessage.query.filter_by(to_email=manager.email).count() == 1


def test_nobody_appointed_still_needs_one(db, organisation, people):
    vacancy = _decided_vacancy(
        db, organisation, people[0], [("P-1", "N", True, False), ("P-2", "A", True, False)]
    )
    assert services.for_owner(vacancy).status == "due"


def test_no_justification_when_every_bme_interviewee_was_appointed(db, organisation, people):
    vacancy = _decided_vacancy(
        db, organisation, people[0], [("P-1", "N", True, True), ("P-2", "A", True, False)]
    )
    assert services.for_owner(vacancy) is None


def test_the_stricter_policy_needs_a_white_appointment(db, organisation, people):
    db.session.get(
        OrganisationSettings, organisation.id
    ).justification_policy = "white-appointed-over-bme"
    vacancy = _decided_vacancy(
        db, organisation, people[0], [("P-1", "N", True, False), ("P-2", "A", True, False)]
    )
    assert services.for_owner(vacancy) is None


def test_due_days_come_from_the_settings(db, organisation, people):
    db.session.get(OrganisationSettings, organisation.id).justification_due_working_days = 5
    vacancy = _decided_vacancy(db, organisation, people[0], [("P-1", "N", True, False)])
    assert services.for_owner(vacancy).due_date == add_working_days(date(2026, 1, 19), 5)


def test_a_triggered_decision_is_locked_for_the_manager_and_hr_supersedes_it(
    db, organisation, people
):
    manager, _ = people
    hr = factories.UserFactory(organisation=organisation, roles=("hr-admin",))
    vacancy = _decided_vacancy(
        db, organisation, manager, [("P-1", "N", True, False), ("P-2", "A", True, True)]
    )
    first = services.for_owner(vacancy)
    apps = {a.applicant.reference: a for a in recruitment.applications_of(vacancy)}
    reverted = {
        apps["P-1"].id: recruitment.Outcome(True, True, True),
        apps["P-2"].id: recruitment.Outcome(True, True, False),
    }
    # Recording and reverting would tell the manager who is BME: both are refused.
    with pytest.raises(recruitment.Locked):
        recruitment.record_outcomes(vacancy, reverted, None, manager)
    with pytest.raises(recruitment.Locked):
        recruitment.record_decision(vacancy, date(2026, 1, 20), None, manager)
    with pytest.raises(recruitment.Locked):
        recruitment.add_applicant(vacancy, "P-9", manager, may_reuse=False)
    with pytest.raises(recruitment.RecruitmentError, match="give the reason"):
        recruitment.record_outcomes(vacancy, reverted, None, hr, override_reason=" ")
    recruitment.record_outcomes(
        vacancy, reverted, None, hr, override_reason="P-1 accepted; the panel's letter was wrong"
    )
    db.session.commit()
    db.session.refresh(first)
    assert first.status == "superseded"  # kept, not dropped
    assert first.superseded_reason == "P-1 accepted; the panel's letter was wrong"
    assert first.superseded_by_id == hr.id
    assert [a.application.applicant.reference for a in first.applicants] == ["P-1"]
    assert services.for_owner(vacancy) is None  # the new decision needs none
    assert Justification.query.count() == 1
    event = AuditEvent.query.filter_by(action="justification.superseded").one()
    assert event.reason == "P-1 accepted; the panel's letter was wrong"
    assert AuditEvent.query.filter_by(action="outcomes.recorded").one().actor_id == hr.id
    # Still locked for the manager: a superseded justification was triggered all the same.
    with pytest.raises(recruitment.Locked):
        recruitment.record_decision(vacancy, date(2026, 1, 21), None, manager)
    # HR changes it back: a new justification, the superseded one beside it.
    recruitment.record_outcomes(
        vacancy,
        {
            apps["P-1"].id: recruitment.Outcome(True, True, False),
            apps["P-2"].id: recruitment.Outcome(True, True, True),
        },
        None,
        hr,
        override_reason="P-1 withdrew the acceptance",
    )
    db.session.commit()
    assert sorted(j.status for j in Justification.query) == ["due", "superseded"]
    assert services.for_owner(vacancy).id != first.id


def test_a_superseded_justification_is_shown_in_lists_and_history(
    app, client, db, organisation, people
):
    manager, _ = people
    hr = factories.UserFactory(organisation=organisation, roles=("hr-admin",))
    vacancy = _decided_vacancy(db, organisation, manager, [("P-1", "N", True, False)])
    first = services.for_owner(vacancy)
    recruitment.record_decision(vacancy, date(2026, 1, 22), None, hr, override_reason="Wrong date")
    db.session.commit()
    from tests.conftest import sign_in

    sign_in(client, hr.email)
    queue = client.get("/justifications?status=superseded").get_data(as_text=True)
    assert "Superseded: the decision was changed" in queue and "V-1" in queue
    detail = client.get(f"/justifications/{first.id}").get_data(as_text=True)
    assert "Reason: Wrong date" in detail
    assert "Other justifications for this decision" in detail
    page = client.get(f"/vacancies/{vacancy.id}").get_data(as_text=True)
    assert page.count("Justification to the chair:") == 2


def test_a_vacancy_cannot_close_while_its_justification_is_due(db, organisation, people):
    vacancy = _decided_vacancy(db, organisation, people[0], [("P-1", "N", True, False)])
    with pytest.raises(recruitment.RecruitmentError, match="must be submitted"):
        recruitment.close(vacancy, people[0])


def test_imported_decisions_trigger_and_the_command_lists_them(runner, db, organisation, examples):
    imports.import_recruitment(
        organisation, (examples / "recruitment.csv").read_bytes(), "recruitment.csv", "test"
    )
    db.session.commit()
    result = runner.invoke(args=["justifications", "list", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == [
        {
            "vacancy_reference": "V-1001",
            "batch_reference": None,
            "applicants": ["A-502"],
            "status": "due",
            "decision_date": "2025-11-03",
            "due_date": "2025-11-17",
            "submitted_at": None,
        },
        {
            "vacancy_reference": None,
            "batch_reference": "B-01",
            "applicants": ["A-603"],
            "status": "due",
            "decision_date": "2025-12-22",
            "due_date": "2026-01-08",
            "submitted_at": None,
        },
    ]
    submitted = runner.invoke(args=["justifications", "list", "--status", "submitted", "--json"])
    assert json.loads(submitted.stdout) == []


def _write(client, justification, reason=REASON, action="submit"):
    entry = justification.applicants[0]
    return client.post(
        f"/justifications/{justification.id}/write",
        data={
            "version": justification.version,
            f"reason-{entry.application_id}": reason,
            f"feedback-{entry.application_id}": "Offered a feedback call and a mentor",
            "action": action,
        },
    )


def test_the_whole_cycle_through_the_pages(app, client, db, organisation, people):
    manager, chair = people
    vacancy = _decided_vacancy(db, organisation, manager, [("P-1", "N", True, False)])
    justification = services.for_owner(vacancy)
    from tests.conftest import sign_in

    sign_in(client, manager.email)
    vacancy_page = client.get(f"/vacancies/{vacancy.id}").get_data(as_text=True)
    assert (
        f'href="/justifications/{justification.id}">Justification to the chair: due' in vacancy_page
    )
    page = client.get(f"/justifications/{justification.id}/write").get_data(as_text=True)
    assert "P-1" in page and "Outcomes: 1 applied" in page
    empty = _write(client, justification, reason="")
    assert empty.status_code == 400
    assert "Give the reasons this applicant was not appointed" in empty.get_data(as_text=True)
    short = _write(client, justification, reason="Weaker")
    assert "Be specific" in short.get_data(as_text=True)
    assert "Weaker</textarea>" in short.get_data(as_text=True)  # kept what was typed
    assert _write(client, justification, reason="Draft so far", action="save").status_code == 302
    db.session.refresh(justification)
    assert justification.status == "due" and justification.draft.reasons[0].reason == "Draft so far"
    assert _write(client, justification).status_code == 302
    db.session.refresh(justification)
    assert justification.status == "submitted"
    assert OutboxMessage.query.filter_by(to_email=chair.email).count() == 1
    # Submitted: the manager can no longer change it.
    assert _write(client, justification, reason=REASON + " again").status_code == 302
    assert justification.versions[0].reasons[0].reason == REASON

    chair_client = app.test_client()
    sign_in(chair_client, chair.email)
    queue = chair_client.get("/justifications?status=submitted").get_data(as_text=True)
    assert "V-1: Ward Sister" in queue
    no_note = chair_client.post(
        f"/justifications/{justification.id}/review",
        data={"version": justification.version, "outcome": "more-information-requested"},
    )
    assert "Say what more information you need" in no_note.get_data(as_text=True)
    asked = chair_client.post(
        f"/justifications/{justification.id}/review",
        data={
            "version": justification.version,
            "outcome": "more-information-requested",
            "note": "What development was offered, and by when?",
        },
    )
    assert asked.status_code == 302
    db.session.refresh(justification)
    assert justification.status == "more-information-requested"

    page = client.get(f"/justifications/{justification.id}/write").get_data(as_text=True)
    assert "What development was offered, and by when?" in page
    assert (
        _write(
            client,
            justification,
            reason=REASON + ". A mentor was offered from "
            "the inclusion network, starting next month",
        ).status_code
        == 302
    )
    db.session.refresh(justification)
    assert [v.number for v in justification.submitted_versions] == [1, 2]
    chair_client.post(
        f"/justifications/{justification.id}/review",
        data={"version": justification.version, "outcome": "accepted"},
    )
    db.session.refresh(justification)
    assert justification.status == "accepted"
    detail = chair_client.get(f"/justifications/{justification.id}").get_data(as_text=True)
    assert "Version 1, submitted" in detail and "Version 2, submitted" in detail
    # Decided: neither review nor resubmission is possible any more.
    again = chair_client.post(
        f"/justifications/{justification.id}/review",
        data={
            "version": justification.version,
            "outcome": "referred",
            "note": "x",
            "referred_to": "Board",
        },
    )
    assert again.status_code == 400
    with pytest.raises(services.JustificationError):
        services.submit(justification, manager, {}, None)


def test_submitted_versions_cannot_be_changed_even_in_the_database(db, organisation, people):
    manager, _ = people
    vacancy = _decided_vacancy(db, organisation, manager, [("P-1", "N", True, False)])
    justification = services.for_owner(vacancy)
    entry = justification.applicants[0]
    services.submit(justification, manager, {entry.application_id: services.Reason(REASON)}, None)
    db.session.commit()
    with pytest.raises(DBAPIError, match="cannot be changed"):
        db.session.execute(text("UPDATE justification_reason SET reason = 'rewritten'"))
    db.session.rollback()
    with pytest.raises(DBAPIError, match="cannot be changed"):
        db.session.execute(text("DELETE FROM justification_version"))
    db.session.rollback()
    assert JustificationVersion.query.one().reasons[0].reason == REASON


def test_referring_needs_to_whom_and_why(db, organisation, people):
    manager, chair = people
    vacancy = _decided_vacancy(db, organisation, manager, [("P-1", "N", True, False)])
    justification = services.for_owner(vacancy)
    entry = justification.applicants[0]
    services.submit(justification, manager, {entry.application_id: services.Reason(REASON)}, None)
    with pytest.raises(services.JustificationError, match="who you are referring"):
        services.review(justification, chair, "referred", "Not convinced", "", None)
    services.review(
        justification,
        chair,
        "referred",
        "Not convinced by the scoring",
        "Chief people officer",
        None,
    )
    assert justification.status == "referred"


def test_another_manager_and_another_organisations_chair_are_refused(
    app, client, db, organisation, people
):
    manager, _ = people
    vacancy = _decided_vacancy(db, organisation, manager, [("P-1", "N", True, False)])
    justification = services.for_owner(vacancy)
    other_manager = factories.UserFactory(organisation=organisation, roles=("recruiting-manager",))
    other_org = factories.OrganisationFactory(code="RXX")
    other_chair = factories.UserFactory(organisation=other_org, roles=("chair",))
    db.session.commit()
    from tests.conftest import sign_in

    sign_in(client, other_manager.email)
    assert client.get(f"/justifications/{justification.id}").status_code == 403
    assert client.get(f"/justifications/{justification.id}/write").status_code == 403
    assert "V-1" not in client.get("/justifications").get_data(as_text=True)
    chair_client = app.test_client()
    sign_in(chair_client, other_chair.email)
    assert chair_client.get(f"/justifications/{justification.id}").status_code == 404
    assert (
        chair_client.post(
            f"/justifications/{justification.id}/review", data={"outcome": "accepted"}
        ).status_code
        == 404
    )


def test_the_register_download_neutralises_formulas(app, client, db, organisation, people):
    manager, chair = people
    vacancy = _decided_vacancy(db, organisation, manager, [("P-1", "N", True, False)])
    vacancy.title = '=HYPERLINK("http://evil.example")'
    db.session.commit()
    from tests.conftest import sign_in

    sign_in(client, chair.email)
    response = client.get("/justifications/register.csv")
    assert response.mimetype == "text/csv"
    body = response.get_data(as_text=True)
    assert "'=HYPERLINK" in body and ",=HYPERLINK" not in body
    assert "V-1" in body


def test_audit_verify_names_an_edited_row(runner, db, organisation, people):
    manager, _ = people
    _decided_vacancy(db, organisation, manager, [("P-1", "N", True, False)])
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    target = AuditEvent.query.filter_by(action="justification.created").one()
    postgres = db.engine.dialect.name == "postgresql"
    db.session.execute(
        text(
            "ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only"
            if postgres
            else "DROP TRIGGER audit_event_no_update"
        )
    )
    db.session.execute(
        text("UPDATE audit_event SET reason = 'nothing to see' WHERE id = :id"), {"id": target.id}
    )
    if postgres:
        db.session.execute(text("ALTER TABLE audit_event ENABLE TRIGGER audit_event_append_only"))
    db.session.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"audit entry {target.id} has been changed" in result.stderr


def test_queue_counts_and_filters(app, client, db, organisation, people):
    manager, chair = people
    _decided_vacancy(
        db, organisation, manager, [("P-1", "N", True, False)], decision=date(2025, 6, 2)
    )
    from tests.conftest import sign_in

    sign_in(client, chair.email)
    page = client.get("/justifications").get_data(as_text=True)
    assert "Overdue: 1" in page and "Due: 0" in page
    assert "V-1: Ward Sister" in client.get("/justifications?status=overdue").get_data(as_text=True)
    assert "V-1: Ward Sister" not in client.get("/justifications?status=decided").get_data(
        as_text=True
    )
    assert Justification.query.count() == 1


def test_interview_scores_feed_the_process_the_chair_reads(app, client, db, organisation, people):
    manager, chair = people
    vacancy = recruitment.create_vacancy(
        organisation.id, manager, reference="V-S", title="Sister", pay_band="7"
    )
    panel = recruitment.panel_for(vacancy, "interview")
    for name in ("Tom Walsh", "Jo Marsh"):
        recruitment.add_member(
            panel, manager, version=None, external_name=name, external_ethnic_category="N"
        )
    recruitment.confirm_panel(panel, manager, version=None, method="Structured interview")
    for reference, category in (("P-1", "N"), ("P-2", "A")):
        application = recruitment.add_applicant(vacancy, reference, manager)
        application.applicant.ethnic_category = category
        application.shortlisted = application.interviewed = True
    db.session.commit()
    from tests.conftest import sign_in

    sign_in(client, manager.email)
    apps = {a.applicant.reference: a.id for a in recruitment.applications_of(vacancy)}
    members = [m.id for m in panel.members]
    form = {
        "version": vacancy.version,
        "out_of": "40",
        f"score-{apps['P-1']}-{members[0]}": "18",
        f"score-{apps['P-1']}-{members[1]}": "22",
        f"score-{apps['P-2']}-{members[0]}": "31",
        f"score-{apps['P-2']}-{members[1]}": "",
    }
    bad = client.post(f"/vacancies/{vacancy.id}/scores", data={**form, "out_of": "10"})
    assert bad.status_code == 400 and "between 0 and 10" in bad.get_data(as_text=True)
    assert 'value="18"' in bad.get_data(as_text=True)
    assert client.post(f"/vacancies/{vacancy.id}/scores", data=form).status_code == 302
    recruitment.record_decision(vacancy, date(2026, 1, 19), None, manager)
    db.session.commit()
    justification = services.for_owner(vacancy)
    process = services.process_followed(justification)
    assert "P-1: 50%" in process and "P-2: 78%" in process
    assert "Interview format: Structured interview" in process

    chair_client = app.test_client()
    sign_in(chair_client, chair.email)
    chair_client.get(f"/justifications/{justification.id}")
    assert AuditEvent.query.filter_by(action="justification.viewed", actor_id=chair.id).count() == 1
