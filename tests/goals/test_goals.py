"""Goals are proposed, changed while proposed, approved, and never edited after: a change is a
new version. Actions have owners, progress and reminders; overdue ones reach the chair's digest.
When a WRES year closes the required path is recomputed next to the goals and HR is told where
the goals fall short. Everything people do is in the audit trail."""

import csv
import io
from datetime import date, timedelta

import pytest

from app.audit import AuditEvent
from app.goals import jobs, planning, queries, services
from app.goals.models import Action, GoalSet, RequiredPath
from app.justifications import jobs as justification_jobs
from app.metrics import formulas
from app.metrics import jobs as metric_jobs
from app.notifications.models import Notification
from app.workforce import services as workforce
from tests import factories

YEARS = planning.goal_years(2026, 2028)


def _values(share=0.2, ratio=1.25):
    return {
        (m, y): ratio if m == planning.INDICATOR2 else share
        for m in planning.MEASURES
        for y in YEARS
    }


def _propose(organisation, hr, share=0.2):
    return services.propose(
        organisation.id,
        hr,
        base_year=2026,
        target_year=2028,
        model_as_at=date(2026, 3, 31),
        model_target_share=0.25,
        values=_values(share),
        model_values={},
        note="From the model",
    )


def test_an_approved_goal_is_never_edited_only_superseded(db, organisation):
    hr = factories.UserFactory(organisation=organisation, roles=("hr-admin",))
    chair = factories.UserFactory(organisation=organisation, roles=("chair",))
    first = _propose(organisation, hr)
    with pytest.raises(services.GoalError):
        _propose(organisation, hr)  # one proposal waits at a time
    services.change(first, hr, first.version, {("8a", 2027): 0.3}, "8a raised")
    with pytest.raises(services.StaleGoals):
        services.change(first, hr, first.version - 1, {("8a", 2027): 0.31}, "stale")
    services.approve(first, chair, first.version)
    db.session.commit()
    assert first.values()[("8a", 2027)] == 0.3
    with pytest.raises(services.GoalError, match="cannot be changed"):
        services.change(first, hr, first.version, {("8a", 2027): 0.1}, "too late")
    with pytest.raises(services.GoalError):
        services.approve(first, chair, first.version)

    second = _propose(organisation, hr, share=0.22)
    assert second.number == 2 and second.supersedes_id == first.id
    services.approve(second, hr, second.version)
    db.session.commit()
    assert db.session.get(GoalSet, first.id).status == "superseded"
    assert db.session.get(GoalSet, first.id).values()[("8a", 2027)] == 0.3  # kept as it was
    assert services.current(organisation.id).id == second.id
    actions = [
        e.action for e in AuditEvent.query.filter_by(object_type="goal_set").order_by(AuditEvent.id)
    ]
    assert actions == [
        "goals.proposed",
        "goals.changed",
        "goals.approved",
        "goals.proposed",
        "goals.approved",
    ]


def test_an_approved_goal_cannot_be_edited_through_the_page(client, db, login_as, organisation):
    hr = login_as("hr-admin")
    goal_set = _propose(organisation, hr)
    services.approve(goal_set, hr, goal_set.version)
    db.session.commit()
    response = client.get(f"/goals/{goal_set.id}/edit")
    assert response.status_code == 302 and response.headers["Location"].endswith(
        f"/goals/{goal_set.id}"
    )
    form = {f"g_{planning.slug(m)}_{y}": "1" for m in planning.MEASURES for y in YEARS}
    client.post(f"/goals/{goal_set.id}/edit", data={**form, "version": str(goal_set.version)})
    db.session.expire_all()
    assert db.session.get(GoalSet, goal_set.id).values()[("8a", 2027)] == 0.2


def test_actions_progress_reminders_and_the_chairs_digest(db, organisation):
    hr = factories.UserFactory(organisation=organisation, roles=("hr-admin",))
    chair = factories.UserFactory(organisation=organisation, roles=("chair",))
    owner = factories.UserFactory(organisation=organisation, roles=("senior-leader",))
    due = date(2026, 12, 1)
    action = services.add_action(
        organisation.id,
        hr,
        title="Reverse mentoring for executives",
        detail="",
        owner=owner,
        due_date=due,
        serves="mentoring",
    )
    with pytest.raises(services.GoalError, match="reason"):
        services.record_progress(
            action,
            owner,
            action.version,
            written_on=due,
            text="Stopped",
            status="dropped",
            reason="",
        )
    services.record_progress(
        action,
        owner,
        action.version,
        written_on=date(2026, 11, 2),
        text="Pairs matched",
        status="in-progress",
        reason="",
    )
    db.session.commit()
    assert [a.id for a in queries.open_actions_for(owner)] == [action.id]

    assert jobs.remind_action_owners(due - timedelta(days=7)) == {"reminders": 1}
    assert jobs.remind_action_owners(due - timedelta(days=7)) == {"reminders": 0}
    assert jobs.remind_action_owners(due - timedelta(days=6)) == {"reminders": 0}
    assert jobs.remind_action_owners(due + timedelta(days=7)) == {"reminders": 1}
    subjects = [n.subject for n in Notification.query.filter_by(user_id=owner.id)]
    assert any(s.startswith("Overdue: WRES action") for s in subjects)

    assert justification_jobs.send_chair_digest(due + timedelta(days=8)) == {"digests": 1}
    digest = Notification.query.filter_by(user_id=chair.id).one()
    assert "Overdue actions in the WRES action plan: 1" in digest.body
    assert "Reverse mentoring for executives" in digest.body

    services.record_progress(
        action,
        owner,
        action.version,
        written_on=due,
        text="Done",
        status="done",
        reason="",
    )
    db.session.commit()
    assert queries.open_actions_for(owner) == []
    trail = [e.action for e in AuditEvent.query.filter_by(object_type="action")]
    assert trail == ["action.added", "action.progress", "action.progress"]


def test_an_action_form_keeps_what_was_typed_and_the_services_keep_the_limits(
    client, db, login_as, organisation
):
    """The action form is the NHS.UK pattern: the date input in three boxes, the character count
    at the paragraph limit, every error in the summary linked to its box, nothing typed lost;
    and the services refuse what the forms refuse, for callers that are not forms."""
    hr = login_as("hr-admin")
    owner = factories.UserFactory(organisation=organisation, roles=("senior-leader",))
    db.session.commit()
    long_title = "Batch interviews " * 12  # 204 characters
    response = client.post(
        "/actions/new",
        data={
            "title": long_title,
            "detail": "Typed detail",
            "owner_id": str(owner.id),
            "due_date-day": "31",
            "due_date-month": "2",
            "due_date-year": "2027",
            "serves": "8a",
        },
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'href="#title"' in body and "Action must be 200 characters or fewer" in body
    assert 'href="#due_date-day"' in body and "Due date must be a real date" in body
    assert 'name="due_date-day"' in body and 'value="31"' in body and 'type="date"' not in body
    assert 'data-maxlength="4000"' in body and "Typed detail" in body
    assert f'value="{owner.id}" selected' in body and 'value="8a" selected' in body
    assert db.session.query(Action).count() == 0

    with pytest.raises(services.GoalError, match="200 characters") as refused:
        services.add_action(
            organisation.id,
            hr,
            title=long_title,
            detail="",
            owner=owner,
            due_date=date(2027, 2, 28),
            serves="8a",
        )
    assert refused.value.field == "title"
    action = services.add_action(
        organisation.id,
        hr,
        title="Batch interviews",
        detail="",
        owner=owner,
        due_date=date(2027, 2, 28),
        serves="8a",
    )
    with pytest.raises(services.GoalError, match="4,000 characters") as refused:
        services.record_progress(
            action,
            owner,
            action.version,
            written_on=date(2026, 11, 2),
            text="x" * 4001,
            status="in-progress",
            reason="",
        )
    assert refused.value.field == "text"
    with pytest.raises(services.GoalError, match="4,000 characters"):
        services.propose(
            organisation.id,
            hr,
            base_year=2026,
            target_year=2028,
            model_as_at=date(2026, 3, 31),
            model_target_share=0.25,
            values=_values(),
            model_values={},
            note="x" * 4001,
        )


def test_planning_sums():
    # A goal step from 10% to 15% in one year at 10% turnover, 100 staff: r = (0.15 - 0.09)/0.1.
    recruits, share = planning.implied_recruits(0.10, 0.15, 1, 0.10, 100)
    assert share == pytest.approx(0.6) and recruits == 6
    row = {"bme_share": 0.068, "required_recruit_share": 0.2568, "turnover": 0.1, "years": 10}
    path = planning.required_path(row, 0.191, date(2018, 3, 31), [2023, 2028, 2030])
    assert path[2023] == pytest.approx(formulas.share_after(5, 0.068, 0.2568, 0.1))
    assert path[2028] == path[2030] == 0.191
    assert planning.people_short(0.25, 2, 10) == 1
    assert planning.shortfalls({("8a", 2027): 0.2, ("8b", 2027): 0.3}, {"8a": {2027: 0.25}}) == [
        ("8a", 2027, 0.2, 0.25)
    ]
    closed = {"bme_share": 0.2, "bme": 2, "white": 8}
    assert planning.share_progress(0.25, 2026, closed, None, 2027).status == "behind"
    now = {"bme_share": 0.2, "bme": 2, "white": 8, "turnover": 0.2, "observed_recruit_share": 0.9}
    assert planning.share_progress(0.25, 2027, None, now, 2027).status == "on-track"
    assert planning.share_progress(0.15, 2027, None, now, 2027).status == "met"


def _staff_file(rows) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["staff_number", "ethnic_category", "pay_band", "staff_group"])
    writer.writerows(rows)
    return buffer.getvalue().encode()


def test_the_year_close_records_the_new_path_and_tells_hr_where_goals_fall_short(db, organisation):
    hr = factories.UserFactory(organisation=organisation, roles=("hr-admin",))
    rows = [[f"S{n}", "N" if n < 30 else "A", "5", "Clinical non-medical"] for n in range(100)]
    rows += [[f"M{n}", "N" if n < 2 else "A", "8a", "Non-clinical"] for n in range(20)]
    workforce.import_staff(
        organisation, _staff_file(rows), "march.csv", "upload", hr, as_at=date(2026, 3, 31)
    )
    goal_set = _propose(organisation, hr, share=0.05)  # far below any path to 30%
    services.approve(goal_set, hr, goal_set.version)
    db.session.commit()

    assert metric_jobs.take_snapshots(date(2026, 4, 1))["years_closed"] == 1
    path = RequiredPath.query.one()
    assert path.year == 2026 and path.target_share == pytest.approx(32 / 120)
    assert path.path["8a"][2027] > 0.1
    assert ("8a", 2027) in {(m, y) for m, y, _g, _p in path.shortfalls}
    message = (
        Notification.query.filter_by(user_id=hr.id)
        .filter(Notification.subject.like("Goals against the new required path%"))
        .one()
    )
    assert "Band 8a 2027: goal 5.0%" in message.body
    assert AuditEvent.query.filter_by(action="goals.path_recorded").count() == 1
    metric_jobs.take_snapshots(date(2026, 4, 2))
    assert RequiredPath.query.count() == 1
