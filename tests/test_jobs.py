"""Scheduled jobs: each sends or stores once, however often it runs."""

from datetime import date, timedelta

from app.justifications import jobs as justification_jobs
from app.justifications.models import Justification
from app.mentoring import jobs as mentoring_jobs
from app.mentoring import queries as mentoring_queries
from app.mentoring import services as mentoring
from app.metrics import jobs as metric_jobs
from app.metrics.models import MetricSnapshot
from app.notifications.models import Notification
from app.recruitment import services as recruitment
from app.recruitment.models import Panel
from app.timeutil import utcnow
from app.workforce.models import BandChange
from tests import factories


def test_weekly_chair_digest_lists_overdue_and_exceptions_once(db, organisation):
    chair = factories.UserFactory(organisation=organisation, roles=("chair",))
    manager = factories.UserFactory(organisation=organisation, roles=("recruiting-manager",))
    vacancy = recruitment.create_vacancy(
        organisation.id, manager, reference="V-9", title="Matron", pay_band="8a"
    )
    application = recruitment.add_applicant(vacancy, "P-1", manager)
    application.applicant.ethnic_category = "N"
    application.shortlisted = application.interviewed = True
    recruitment.record_decision(vacancy, date(2026, 1, 5), None, manager)
    db.session.add(
        Panel(
            organisation_id=organisation.id,
            vacancy_id=vacancy.id,
            stage="interview",
            status="confirmed",
            confirmed_at=utcnow(),
            exception_reason="No BME panel member could attend that week",
        )
    )
    db.session.commit()
    today = date(2026, 11, 30)
    assert justification_jobs.send_chair_digest(today) == {"digests": 1}
    assert justification_jobs.send_chair_digest(today) == {"digests": 0}
    digest = Notification.query.filter_by(user_id=chair.id).one()
    assert "Overdue justifications: 1" in digest.body
    assert "V-9 (interview): No BME panel member could attend that week" in digest.body
    assert Justification.query.one().status == "due"


def _relationship(db, organisation, start):
    leader = factories.StaffFactory(
        organisation=organisation,
        pay_band="VSM",
        board_role="executive",
        email="leader@example.nhs.uk",
    )
    colleague = factories.StaffFactory(organisation=organisation, pay_band="6", ethnic_category="N")
    user = factories.UserFactory(
        organisation=organisation, roles=("senior-leader",), email="leader@example.nhs.uk"
    )
    relationship = mentoring.create_relationship(leader, colleague, "mentoring", start, user)
    db.session.commit()
    return user, relationship, colleague


def test_quiet_relationships_are_reminded_once_per_quiet_spell(db, organisation):
    today = date.today()
    user, relationship, _ = _relationship(db, organisation, today - timedelta(weeks=12))
    mentoring.log_session(
        relationship, user, held_on=today - timedelta(weeks=9), minutes=60, format="video"
    )
    db.session.commit()
    assert mentoring_jobs.remind_quiet_relationships(today) == {"quiet": 1}
    assert mentoring_jobs.remind_quiet_relationships(today) == {"quiet": 0}
    mentoring.log_session(
        relationship, user, held_on=today - timedelta(days=1), minutes=30, format="phone"
    )
    db.session.commit()
    assert mentoring_jobs.remind_quiet_relationships(today) == {"quiet": 0}  # not quiet now
    assert Notification.query.filter_by(user_id=user.id).count() == 1


def test_leaders_without_a_counting_relationship_hear_at_the_quarter(db, organisation):
    factories.StaffFactory(
        organisation=organisation,
        pay_band="VSM",
        board_role="executive",
        email="lonely@example.nhs.uk",
    )
    user = factories.UserFactory(
        organisation=organisation, roles=("senior-leader",), email="lonely@example.nhs.uk"
    )
    db.session.commit()
    assert mentoring_jobs.remind_leaders_without_relationship(date(2026, 11, 30)) == {
        "leaders": 0
    }  # not a quarter's first day
    assert mentoring_jobs.remind_leaders_without_relationship(date(2026, 10, 1)) == {"leaders": 1}
    assert mentoring_jobs.remind_leaders_without_relationship(date(2026, 10, 1)) == {"leaders": 0}
    assert "mentoring commitment" in Notification.query.filter_by(user_id=user.id).one().subject


def test_mentee_progression_against_colleagues_without_a_relationship(db, organisation):
    start = date(2025, 6, 1)
    _user, _made, mentee = _relationship(db, organisation, start)
    others = [
        factories.StaffFactory(organisation=organisation, pay_band="6", ethnic_category="H")
        for _ in range(4)
    ]
    db.session.add(
        BandChange(staff_id=mentee.id, from_band="6", to_band="7", recorded_on=date(2026, 2, 1))
    )
    mentee.pay_band = "7"
    db.session.add(
        BandChange(staff_id=others[0].id, from_band="6", to_band="7", recorded_on=date(2026, 3, 1))
    )
    others[0].pay_band = "7"
    db.session.commit()
    mentees, comparison = mentoring_queries.outcomes(organisation.id, date(2026, 11, 27))
    assert (mentees.people, mentees.promoted, mentees.share) == (1, 1, 1.0)
    assert (comparison.people, comparison.promoted) == (4, 1)  # bands 6 and 7, BME, in post


def test_nightly_snapshots_are_taken_once_a_day(db, organisation):
    factories.StaffFactory(organisation=organisation, pay_band="8a", ethnic_category="N")
    db.session.commit()
    today = date(2026, 3, 31)
    assert metric_jobs.take_snapshots(today) == {
        "snapshots": 1,
        "years_closed": 0,
        "years_published": 0,
    }
    assert metric_jobs.take_snapshots(today) == {
        "snapshots": 0,
        "years_closed": 0,
        "years_published": 0,
    }
    snapshot = MetricSnapshot.query.one()
    assert snapshot.data["band_bme_shares"]["8a"] == 1.0
    assert snapshot.data["year"] == 2026


def test_the_one_list_of_jobs_has_every_job_and_each_resolves(runner):
    from app.scheduler import JOBS, _resolve

    assert [job.id for job in JOBS] == [
        "deliver-outbox",
        "justification-reminders",
        "mentoring-quiet",
        "mentoring-quarterly",
        "metric-snapshots",
        "audit-checkpoint",
        "chair-digest",
        "action-reminders",
        "run-imports",
    ]
    for job in JOBS:
        assert callable(_resolve(job.func)), job.id
    listed = runner.invoke(args=["scheduler", "jobs"]).output
    assert all(job.id in listed for job in JOBS)


def test_run_job_runs_one_job_under_the_lock(runner, db, organisation):
    result = runner.invoke(args=["scheduler", "run-job", "metric-snapshots"])
    assert result.exit_code == 0, result.output
    assert MetricSnapshot.query.count() == 1
    assert runner.invoke(args=["scheduler", "run-job", "no-such-job"]).exit_code == 2
