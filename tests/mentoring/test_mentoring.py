"""Import, coverage, bad input, private notes, evidence, permissions."""

import json
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app.csvimport import ImportRefused
from app.mentoring import services
from app.mentoring.imports import import_mentoring
from app.mentoring.models import MentoringRelationship, MentoringSession
from app.workforce import services as workforce
from app.workforce.models import Staff
from tests import factories
from tests.conftest import sign_in

HEADER = "mentor_staff_number,mentee_staff_number,type,start_date,end_date,last_session_date\n"
SECRET = "Talked about a difficult conversation with my line manager"


@pytest.fixture
def staffed(db, organisation, examples):
    workforce.import_staff(organisation, (examples / "staff.csv").read_bytes(), "staff.csv", "test")
    db.session.commit()
    return {s.staff_number: s for s in Staff.query}


def _count(db, model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_example_file_and_coverage(runner, db, staffed, examples):
    result = runner.invoke(args=["mentoring", "import", str(examples / "mentoring.csv"), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["added"] == 3
    coverage = runner.invoke(args=["mentoring", "coverage", "--year", "2026", "--json"])
    assert json.loads(coverage.stdout) == {
        "year": 2026,
        "leaders_total": 3,
        "leaders_met": 1,
        "leaders": [
            {
                "staff_number": "20000008",
                "name": "Chris Evans",
                "role": "executive",
                "counting_relationships": 1,
                "sessions_in_year": 0,
                "met": False,
            },
            {
                "staff_number": "20000009",
                "name": "Farah Khan",
                "role": "non-executive",
                "counting_relationships": 0,
                "sessions_in_year": 0,
                "met": False,
            },
            {
                "staff_number": "20000005",
                "name": "Helen Carter",
                "role": "executive",
                "counting_relationships": 1,
                "sessions_in_year": 1,
                "met": True,
            },
        ],
    }
    previous = json.loads(
        runner.invoke(args=["mentoring", "coverage", "--year", "2025", "--json"]).stdout
    )
    met = {x["staff_number"]: x["met"] for x in previous["leaders"]}
    assert met["20000008"] is True  # its session of 2 March 2025 falls in 2024/25
    again = runner.invoke(args=["mentoring", "import", str(examples / "mentoring.csv"), "--json"])
    assert json.loads(again.stdout) == {
        "organisation_code": "RAB",
        "file": "mentoring.csv",
        "added": 0,
        "updated": 0,
        "unchanged": 3,
    }
    assert _count(db, MentoringSession) == 3


def _refused(db, organisation, text):
    with pytest.raises(ImportRefused) as refused:
        import_mentoring(organisation, text.encode(), "bad.csv", "test")
    db.session.rollback()
    assert _count(db, MentoringRelationship) == 0
    return [(p.line, p.column) for p in refused.value.problems]


def test_bad_mentoring_files(db, organisation, staffed):
    assert _refused(db, organisation, HEADER + "20000002,20000001,mentoring,2025-05-01,,\n") == [
        (2, "mentor_staff_number")
    ]  # band 8a, not a VSM or board member
    assert _refused(db, organisation, HEADER + "20000005,99999999,mentoring,2025-05-01,,\n") == [
        (2, "mentee_staff_number")
    ]
    assert _refused(
        db, organisation, HEADER + "20000005,20000001,mentoring,2025-05-01,2025-04-01,\n"
    ) == [(2, "end_date")]
    assert _refused(
        db, organisation, HEADER + "20000005,20000001,mentoring,2025-05-01,,2025-04-01\n"
    ) == [(2, "last_session_date")]
    assert _refused(
        db,
        organisation,
        HEADER
        + "20000005,20000001,mentoring,2025-05-01,,\n"
        + "20000005,20000001,sponsorship,2025-09-01,,\n",
    ) == [(3, "start_date")]
    future = (date.today() + timedelta(days=3)).isoformat()
    assert _refused(
        db, organisation, HEADER + f"20000005,20000001,mentoring,2025-05-01,,{future}\n"
    ) == [(2, "last_session_date")]


def test_session_rules(db, organisation, staffed):
    relationship = services.create_relationship(
        staffed["20000005"], staffed["20000001"], "reverse-mentoring", date(2025, 5, 1), None
    )
    with pytest.raises(services.MentoringError, match="before the relationship started"):
        services.log_session(
            relationship, None, held_on=date(2025, 4, 30), minutes=60, format="video"
        )
    with pytest.raises(services.MentoringError, match="today or in the past"):
        services.log_session(
            relationship, None, held_on=date.today() + timedelta(days=1), minutes=60, format="video"
        )
    with pytest.raises(services.MentoringError, match="already have a relationship"):
        services.create_relationship(
            staffed["20000005"], staffed["20000001"], "sponsorship", date(2026, 1, 1), None
        )
    with pytest.raises(services.MentoringError, match="not a VSM or board member"):
        services.create_relationship(
            staffed["20000003"], staffed["20000001"], "mentoring", date(2026, 1, 1), None
        )


def _leader_and_colleague(db, organisation, staffed):
    leader_user = factories.UserFactory(
        organisation=organisation, roles=("senior-leader",), email="helen.carter@example.nhs.uk"
    )
    colleague_user = factories.UserFactory(
        organisation=organisation, roles=("recruiting-manager",), email="asha.patel@example.nhs.uk"
    )
    hr = factories.UserFactory(organisation=organisation, roles=("hr-admin",))
    relationship = services.create_relationship(
        staffed["20000005"], staffed["20000001"], "reverse-mentoring", date(2025, 5, 1), leader_user
    )
    services.log_session(
        relationship,
        leader_user,
        held_on=date(2025, 10, 14),
        minutes=45,
        format="video",
        summary="Agreed the reading list",
        private_note=SECRET,
    )
    db.session.commit()
    return leader_user, colleague_user, hr, relationship


def test_private_notes_are_only_for_the_two_people(app, client, db, organisation, staffed):
    leader_user, colleague_user, hr, relationship = _leader_and_colleague(db, organisation, staffed)
    sign_in(client, leader_user.email)
    assert SECRET in client.get(f"/mentoring/{relationship.id}").get_data(as_text=True)
    colleague = app.test_client()
    sign_in(colleague, colleague_user.email)
    assert SECRET in colleague.get(f"/mentoring/{relationship.id}").get_data(as_text=True)

    hr_client = app.test_client()
    sign_in(hr_client, hr.email)
    leader_id = staffed["20000005"].id
    for path in [
        f"/mentoring/{relationship.id}",
        "/mentoring/coverage?year=2026",
        "/mentoring/coverage?year=2026&format=csv",
        "/mentoring/outcomes",
        f"/mentoring/evidence/{leader_id}?year=2026",
        f"/mentoring/evidence/{leader_id}.html?year=2026",
        f"/mentoring/evidence/{leader_id}.csv?year=2026",
        "/mentoring",
    ]:
        response = hr_client.get(path)
        assert response.status_code == 200, path
        assert SECRET not in response.get_data(as_text=True), path
    # the evidence the leader downloads never has them either
    for path in ["/mentoring/evidence.html?year=2026", "/mentoring/evidence.csv?year=2026"]:
        body = client.get(path).get_data(as_text=True)
        assert "Agreed the reading list" in body and SECRET not in body
    with pytest.raises(PermissionError):
        services.private_notes(relationship, staffed["20000003"])


def test_someone_outside_the_relationship_is_refused(app, client, db, organisation, staffed):
    _leader, _colleague, _hr, relationship = _leader_and_colleague(db, organisation, staffed)
    stranger = factories.UserFactory(organisation=organisation, roles=("senior-leader",))
    other_org_hr = factories.UserFactory(
        organisation=factories.OrganisationFactory(), roles=("hr-admin",)
    )
    db.session.commit()
    sign_in(client, stranger.email)
    assert client.get(f"/mentoring/{relationship.id}").status_code == 403
    assert client.post(f"/mentoring/{relationship.id}/sessions", data={}).status_code == 403
    assert client.get("/mentoring/coverage").status_code == 403
    assert client.get("/mentoring/evidence").status_code == 403  # not a VSM or board member
    other = app.test_client()
    sign_in(other, other_org_hr.email)
    assert other.get(f"/mentoring/{relationship.id}").status_code == 404


def test_hr_can_read_but_not_write(app, client, db, organisation, staffed):
    _leader, _colleague, hr, relationship = _leader_and_colleague(db, organisation, staffed)
    sign_in(client, hr.email)
    assert (
        client.post(f"/mentoring/{relationship.id}/goals", data={"text": "A goal"}).status_code
        == 403
    )


def test_leader_starts_a_relationship_and_sees_whether_it_counts(client, db, organisation, staffed):
    leader_user = factories.UserFactory(
        organisation=organisation, roles=("senior-leader",), email="helen.carter@example.nhs.uk"
    )
    db.session.commit()
    sign_in(client, leader_user.email)
    found = client.get("/mentoring/new?find=a").get_data(as_text=True)
    # Anyone in post is found, each with their number, band and staff group...
    assert "Asha Patel (20000001), Band 6, Clinical non-medical" in found
    assert "Sam Lee (20000006)" in found and "Tom Walsh (20000002)" in found
    assert "Showing 1 to" in found
    # ...but not the leader themself (Helen Carter), whom a relationship could not be with...
    assert "Helen Carter" not in found.split("Showing 1 to", 1)[1]
    # ...and a band that rules it out is said; ethnicity never is, in the list or on choosing.
    assert re.search(
        r"Dr Ifeoma Obi \(20000007\).{0,200}would not count toward the commitment: "
        r"Consultant: the commitment covers band 8d or below",
        found,
        re.S,
    )
    tom = re.search(r"Tom Walsh \(20000002\)[^<]*</a>(<br>)?", found).group(0)
    asha_entry = re.search(r"Asha Patel \(20000001\)[^<]*</a>(<br>)?", found).group(0)
    assert not tom.endswith("<br>") and not asha_entry.endswith("<br>")
    asha, walsh = staffed["20000001"], staffed["20000002"]
    page = client.get(f"/mentoring/new?colleague={asha.id}").get_data(as_text=True)
    other = client.get(f"/mentoring/new?colleague={walsh.id}").get_data(as_text=True)
    verdict = re.compile(r'<p id="verdict">.*?</p>', re.S)
    assert verdict.search(page).group(0) == verdict.search(other).group(0)
    assert "counts toward your commitment if their staff record" in page
    assert "not in the group" not in other
    response = client.post(
        "/mentoring/new",
        data={
            "colleague_id": asha.id,
            "kind": "reverse-mentoring",
            "start_date": "2026-09-01",
            "agreement": "Monthly, an hour",
        },
    )
    assert response.status_code == 302
    relationship = MentoringRelationship.query.one()
    bad = client.post(
        f"/mentoring/{relationship.id}/sessions",
        data={
            "held_on": "2026-08-01",
            "minutes": "60",
            "format": "video",
            "summary": "Typed summary",
        },
    )
    assert bad.status_code == 400
    assert "before the relationship started" in bad.get_data(as_text=True)
    assert "Typed summary" in bad.get_data(as_text=True)
    body = client.get(f"/mentoring/{relationship.id}").get_data(as_text=True)
    assert "Black" not in body and "Asian" not in body and "BME colleague" not in body


def test_ending_a_relationship_is_audited_and_asks_first(client, db, organisation, staffed):
    leader_user, _c, _hr, relationship = _leader_and_colleague(db, organisation, staffed)
    sign_in(client, leader_user.email)
    assert "End the relationship with Asha Patel?" in client.get(
        f"/mentoring/{relationship.id}/end"
    ).get_data(as_text=True)
    response = client.post(
        f"/mentoring/{relationship.id}/end",
        data={"version": relationship.version, "end_date": "2025-06-01"},
    )
    assert "A session is recorded after that date" in response.get_data(as_text=True)
    response = client.post(
        f"/mentoring/{relationship.id}/end",
        data={"version": relationship.version, "end_date": "2025-11-01"},
    )
    assert response.status_code == 302
    history = client.get(f"/mentoring/{relationship.id}").get_data(as_text=True)
    assert re.search(r"Relationship ended", history)
