"""The mentoring import in sets: one audit entry per import whose attachment says what it did to
each relationship, shown in that relationship's history; the rules against what the database
already holds; problems by line, capped."""

from datetime import date

import pytest
from sqlalchemy import func, select

from app import audit
from app.audit import AuditEvent
from app.csvimport import MAX_PROBLEMS_SHOWN, ImportRefused
from app.mentoring import services
from app.mentoring.imports import import_mentoring
from app.mentoring.models import MentoringRelationship, MentoringSession
from app.workforce import services as workforce
from app.workforce.models import Staff
from tests import factories
from tests.conftest import sign_in

HEADER = "mentor_staff_number,mentee_staff_number,type,start_date,end_date,last_session_date\n"


@pytest.fixture
def staffed(db, organisation, examples):
    workforce.import_staff(organisation, (examples / "staff.csv").read_bytes(), "staff.csv", "test")
    db.session.commit()
    return {s.staff_number: s for s in Staff.query}


def _relationship(db, leader, colleague):
    return db.session.scalar(
        select(MentoringRelationship).where(
            MentoringRelationship.leader_id == leader.id,
            MentoringRelationship.colleague_id == colleague.id,
        )
    )


def test_an_import_is_one_entry_and_each_relationship_shows_it(
    client, db, organisation, staffed, examples
):
    hr = factories.UserFactory(organisation=organisation, roles=("hr-admin",))
    db.session.commit()
    record = import_mentoring(
        organisation, (examples / "mentoring.csv").read_bytes(), "mentoring.csv", "web", hr
    )
    db.session.commit()
    assert (record.rows_added, record.rows_updated, record.rows_unchanged) == (3, 0, 0)
    entries = AuditEvent.query.filter_by(action="mentoring.imported").all()
    assert len(entries) == 1 and entries[0].actor_label == hr.email
    assert AuditEvent.query.filter_by(object_type="relationship").count() == 0
    first = _relationship(db, staffed["20000005"], staffed["20000001"])
    assert audit.changes_of(entries[0])[0] == {
        "relationship_id": first.id,
        "line": 2,
        "mentor_staff_number": "20000005",
        "mentee_staff_number": "20000001",
        "type": "reverse-mentoring",
        "start_date": "2025-05-01",
        "end_date": None,
        "change": "added",
        "session_added": "2025-10-14",
    }
    assert [s.held_on for s in first.sessions] == [date(2025, 10, 14)]
    assert first.sessions[0].imported and first.sessions[0].minutes is None
    assert first.created_by_id == hr.id and first.version == 1 and first.agreement == ""

    changed = (
        (examples / "mentoring.csv")
        .read_text()
        .replace("2025-05-01,,2025-10-14", "2025-05-01,2026-03-01,2025-10-14")
    )
    changed = changed.replace("2025-06-01,,2025-09-09", "2025-06-01,,2025-11-09")
    record = import_mentoring(organisation, changed.encode(), "later.csv", "web", hr)
    db.session.commit()
    assert (record.rows_added, record.rows_updated, record.rows_unchanged) == (0, 2, 1)
    db.session.refresh(first)
    assert first.end_date == date(2026, 3, 1)
    third = _relationship(db, staffed["20000009"], staffed["20000006"])
    assert sorted(s.held_on for s in third.sessions) == [date(2025, 9, 9), date(2025, 11, 9)]
    later = AuditEvent.query.filter_by(action="mentoring.imported").order_by(AuditEvent.id)
    assert [c["change"] for c in audit.changes_of(later.all()[1])] == ["updated", "updated"]
    assert audit.changes_of(later.all()[1])[0]["fields"] == {"end_date": [None, "2026-03-01"]}
    assert audit.verify_all().intact

    sign_in(client, hr.email)
    page = client.get(f"/mentoring/{first.id}").get_data(as_text=True)
    assert "Relationship recorded, with a session, imported from mentoring.csv" in page
    assert "End date set to 1 March 2026, imported from later.csv" in page
    assert page.index("later.csv") < page.index("imported from mentoring.csv")  # newest first
    assert hr.email in page
    page = client.get(f"/mentoring/{third.id}").get_data(as_text=True)
    assert "Session imported from later.csv" in page
    second = _relationship(db, staffed["20000008"], staffed["20000003"])
    page = client.get(f"/mentoring/{second.id}").get_data(as_text=True)
    assert "later.csv" not in page  # unchanged by the second import

    # The same file again changes nothing and adds no session twice.
    again = import_mentoring(organisation, changed.encode(), "again.csv", "web", hr)
    assert (again.rows_added, again.rows_updated, again.rows_unchanged) == (0, 0, 3)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(MentoringSession)) == 4


def test_rules_against_relationships_already_recorded(db, organisation, staffed):
    leader, colleague = staffed["20000005"], staffed["20000001"]
    services.create_relationship(leader, colleague, "mentoring", date(2025, 5, 1), None)
    db.session.commit()
    overlapping = HEADER + "20000005,20000001,sponsorship,2025-09-01,,\n"
    with pytest.raises(ImportRefused) as refused:
        import_mentoring(organisation, overlapping.encode(), "a.csv", "test")
    db.session.rollback()
    assert [(p.line, p.column, p.message) for p in refused.value.problems] == [
        (2, "start_date", "These two people already have a relationship for some of these dates")
    ]
    # The same relationship (two people, type, start) is matched, not an overlap; an earlier
    # one that ended before this starts is no overlap either.
    same = (
        HEADER
        + "20000005,20000001,mentoring,2025-05-01,2026-01-31,\n"
        + "20000005,20000001,sponsorship,2024-01-01,2024-12-31,\n"
    )
    record = import_mentoring(organisation, same.encode(), "b.csv", "test")
    assert (record.rows_added, record.rows_updated, record.rows_unchanged) == (1, 1, 0)
    db.session.commit()
    assert _relationship(db, leader, colleague) is not None
    assert db.session.scalar(select(func.count()).select_from(MentoringRelationship)) == 2


def test_overlaps_in_the_file_name_the_earlier_line(db, organisation, staffed):
    text = (
        HEADER
        + "20000005,20000001,mentoring,2024-01-01,2024-02-01,\n"
        + "20000005,20000003,mentoring,2024-01-01,,\n"
        + "20000005,20000001,mentoring,2024-03-01,,\n"
        + "20000005,20000001,sponsorship,2024-03-15,,\n"
    )
    with pytest.raises(ImportRefused) as refused:
        import_mentoring(organisation, text.encode(), "a.csv", "test")
    db.session.rollback()
    assert [(p.line, p.column, p.message) for p in refused.value.problems] == [
        (
            5,
            "start_date",
            "the same two people have a relationship on line 4 with overlapping dates: "
            "expected one relationship at a time",
        )
    ]


def test_problems_are_capped_with_their_total(db, organisation, staffed):
    text = HEADER + "".join(f"20000005,{90000000 + n},mentoring,2025-05-01,,\n" for n in range(150))
    with pytest.raises(ImportRefused) as refused:
        import_mentoring(organisation, text.encode(), "a.csv", "test")
    db.session.rollback()
    assert refused.value.total == 150
    assert len(refused.value.problems) == MAX_PROBLEMS_SHOWN
    assert refused.value.problems[0].message == "there is no staff member 90000000 in RAB"
    assert db.session.scalar(select(func.count()).select_from(MentoringRelationship)) == 0
