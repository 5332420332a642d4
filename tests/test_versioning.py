"""Optimistic concurrency: the database compares the version, a form without one is refused,
and concurrent saves or submissions give exactly one winner and no server error."""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest

from app import versioning
from app.justifications import services as justifications
from app.justifications.models import JustificationVersion
from app.recruitment import services as recruitment
from app.recruitment.models import Application, Vacancy
from tests import factories
from tests.conftest import sign_in

REASON = (
    "Scored 18 of 40 at interview against 31 for the appointed candidate, with gaps in "
    "budget management evidence"
)
CLIENTS = 8

postgres_only = pytest.mark.postgres


@pytest.fixture
def manager(db, organisation):
    user = factories.UserFactory(organisation=organisation, roles=("recruiting-manager",))
    db.session.commit()
    return user


def _vacancy_with_outcomes(db, organisation, manager) -> Vacancy:
    vacancy = recruitment.create_vacancy(
        organisation.id, manager, reference="V-1", title="Ward Sister", pay_band="7", posts=1
    )
    for reference, category in (("P-1", "A"), ("P-2", "N")):
        application = recruitment.add_applicant(vacancy, reference, manager)
        application.applicant.ethnic_category = category
        application.shortlisted = True
        application.interviewed = True
    db.session.commit()
    return vacancy


def _outcomes_form(vacancy, **extra) -> dict:
    data = dict(extra)
    for application in recruitment.applications_of(vacancy):
        data[f"shortlisted-{application.id}"] = "y"
    return data


def _require_postgres(db):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite serialises writers (BEGIN IMMEDIATE); the race needs PostgreSQL")


def _signed_in_clients(app, user, count=CLIENTS):
    clients = []
    for _ in range(count):
        client = app.test_client()
        assert sign_in(client, user.email).status_code == 302
        clients.append(client)
    return clients


def _all_at_once(monkeypatch, module, count=CLIENTS):
    """Hold every request just before its version check until all have read the row, so they
    race on the write as requests from several workers do."""
    barrier = threading.Barrier(count, timeout=30)
    real = module.check_and_bump

    def held(*args, **kwargs):
        barrier.wait()
        return real(*args, **kwargs)

    monkeypatch.setattr(module, "check_and_bump", held)


def test_an_empty_post_changes_no_outcome(client, db, organisation, manager):
    vacancy = _vacancy_with_outcomes(db, organisation, manager)
    before = vacancy.version
    sign_in(client, manager.email)
    response = client.post(f"/vacancies/{vacancy.id}/outcomes", data={})
    assert response.status_code == 400
    assert "reload the page" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Vacancy, vacancy.id).version == before
    applications = Application.query.all()
    assert [(a.shortlisted, a.interviewed) for a in applications] == [(True, True), (True, True)]


def test_a_form_without_its_version_is_refused_and_keeps_what_was_typed(
    client, db, organisation, manager
):
    vacancy = _vacancy_with_outcomes(db, organisation, manager)
    sign_in(client, manager.email)
    data = _outcomes_form(vacancy)
    data["version"] = "   "
    response = client.post(f"/vacancies/{vacancy.id}/outcomes", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "reload the page" in page
    # What was posted (only "shortlisted") is what the form shows again, not the saved state.
    first = recruitment.applications_of(vacancy)[0]
    assert f'name="shortlisted-{first.id}" value="y" checked>' in page
    assert f'name="interviewed-{first.id}" value="y" >' in page
    db.session.expire_all()
    assert all(a.interviewed for a in Application.query.all())


@pytest.mark.parametrize("version", ["²", "\u0661", "99999999999999999999", "2147483648"])
def test_unusual_digits_in_a_version_are_a_stale_edit_not_a_crash(
    client, db, organisation, manager, version
):
    vacancy = _vacancy_with_outcomes(db, organisation, manager)
    sign_in(client, manager.email)
    response = client.post(
        f"/vacancies/{vacancy.id}/outcomes", data=_outcomes_form(vacancy, version=version)
    )
    assert response.status_code == 400
    assert "Someone else changed this" in response.get_data(as_text=True)


def test_a_change_without_a_form_still_moves_the_version_on(db, organisation, manager):
    vacancy = _vacancy_with_outcomes(db, organisation, manager)
    opened_at = vacancy.version
    recruitment.record_decision(vacancy, date(2026, 1, 5), None, manager)  # the command line
    db.session.commit()
    # The decision is now locked for the manager, so the late form comes as HR's change with a
    # reason: past the lock, the stale version is what refuses it.
    with pytest.raises(recruitment.StaleEdit):
        recruitment.record_decision(
            vacancy, date(2026, 1, 6), opened_at, manager, override_reason="Date corrected"
        )
    db.session.rollback()
    assert db.session.get(Vacancy, vacancy.id).decision_date == date(2026, 1, 5)


def test_versioning_compares_in_the_database_not_in_memory(db, organisation, manager):
    vacancy = _vacancy_with_outcomes(db, organisation, manager)
    opened_at = vacancy.version
    # Another request moved it on after this one read the row: the copy in memory still says
    # `opened_at`, so only a comparison made by the UPDATE itself can see the change.
    db.session.execute(
        Vacancy.__table__.update()
        .where(Vacancy.__table__.c.id == vacancy.id)
        .values(version=opened_at + 1)
    )
    assert vacancy.version == opened_at
    with pytest.raises(recruitment.StaleEdit):
        versioning.check_and_bump(vacancy, opened_at, recruitment.StaleEdit)


@postgres_only
def test_eight_concurrent_saves_at_one_version_give_exactly_one_success(
    app, db, organisation, manager, monkeypatch
):
    _require_postgres(db)
    vacancy = _vacancy_with_outcomes(db, organisation, manager)
    url, version = f"/vacancies/{vacancy.id}/outcomes", vacancy.version
    forms = []
    for number in range(CLIENTS):
        form = {"version": str(version)}
        for application in recruitment.applications_of(vacancy):
            form[f"shortlisted-{application.id}"] = "y"
            if number % 2:
                form[f"interviewed-{application.id}"] = "y"
        forms.append(form)
    clients = _signed_in_clients(app, manager)
    db.session.commit()
    _all_at_once(monkeypatch, recruitment)

    with ThreadPoolExecutor(CLIENTS) as pool:
        statuses = list(
            pool.map(
                lambda pair: pair[0].post(url, data=pair[1]).status_code,
                zip(clients, forms, strict=True),
            )
        )

    assert sorted(statuses) == [302] + [400] * (CLIENTS - 1)
    db.session.expire_all()
    assert db.session.get(Vacancy, vacancy.id).version == version + 1


@postgres_only
def test_eight_concurrent_submits_give_one_version_and_no_server_error(
    app, db, organisation, manager, monkeypatch
):
    _require_postgres(db)
    vacancy = recruitment.create_vacancy(
        organisation.id, manager, reference="V-1", title="Ward Sister", pay_band="7", posts=1
    )
    for reference, category, appointed in (("P-1", "A", True), ("P-2", "N", False)):
        application = recruitment.add_applicant(vacancy, reference, manager)
        application.applicant.ethnic_category = category
        application.shortlisted = application.interviewed = True
        application.appointed = appointed
    recruitment.record_decision(vacancy, date(2026, 1, 19), None, manager)
    db.session.commit()
    justification = justifications.for_owner(vacancy)
    entry = justification.applicants[0]
    url = f"/justifications/{justification.id}/write"
    form = {
        "version": str(justification.version),
        f"reason-{entry.application_id}": REASON,
        f"feedback-{entry.application_id}": "Offered a feedback call and a mentor",
        "action": "submit",
    }
    clients = _signed_in_clients(app, manager)
    db.session.commit()
    _all_at_once(monkeypatch, justifications)

    def submit(client):
        response = client.post(url, data=dict(form))
        followed = client.get(response.location) if response.status_code == 302 else response
        return response.status_code, followed.get_data(as_text=True)

    with ThreadPoolExecutor(CLIENTS) as pool:
        results = list(pool.map(submit, clients))

    assert all(status < 500 for status, _page in results)
    assert [status for status, _page in results].count(302) == CLIENTS
    told = [page for _status, page in results if "already been submitted" in page]
    assert len(told) == CLIENTS - 1
    db.session.expire_all()
    assert (
        JustificationVersion.query.filter(JustificationVersion.submitted_at.is_not(None)).count()
        == 1
    )


@postgres_only
def test_eight_concurrent_agreement_saves_give_exactly_one_success(
    app, db, organisation, examples, monkeypatch
):
    _require_postgres(db)
    from app.mentoring import services as mentoring
    from app.mentoring.models import MentoringRelationship
    from app.workforce import services as workforce
    from app.workforce.models import Staff
    from tests.mentoring.test_mentoring import _leader_and_colleague

    workforce.import_staff(organisation, (examples / "staff.csv").read_bytes(), "staff.csv", "t")
    db.session.commit()
    staffed = {s.staff_number: s for s in Staff.query}
    leader, _colleague, _hr, relationship = _leader_and_colleague(db, organisation, staffed)
    url, version = f"/mentoring/{relationship.id}/change", relationship.version
    forms = [
        {
            "version": str(version),
            "kind": relationship.kind,
            "start_date": relationship.start_date.isoformat(),
            "agreement": f"Agreement typed in tab {number}",
        }
        for number in range(CLIENTS)
    ]
    clients = _signed_in_clients(app, leader)
    db.session.commit()
    _all_at_once(monkeypatch, mentoring)

    with ThreadPoolExecutor(CLIENTS) as pool:
        responses = list(
            pool.map(lambda pair: pair[0].post(url, data=pair[1]), zip(clients, forms, strict=True))
        )

    assert sorted(r.status_code for r in responses) == [302] + [400] * (CLIENTS - 1)
    for response, form in zip(responses, forms, strict=True):
        if response.status_code == 400:  # the loser's text is kept for them
            assert form["agreement"] in response.get_data(as_text=True)
    db.session.expire_all()
    saved = db.session.get(MentoringRelationship, relationship.id)
    assert saved.version == version + 1
    winner = next(f for r, f in zip(responses, forms, strict=True) if r.status_code == 302)
    assert saved.agreement == winner["agreement"]
