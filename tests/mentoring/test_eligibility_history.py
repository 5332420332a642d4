"""Mentoring credit follows the staff history (DOMAIN.md section 11): judged when the
relationship started, and earned only while the leader is a VSM or board member."""

from datetime import date

from app.mentoring import queries, services
from app.workforce import services as workforce
from app.workforce.models import Staff

HEADER = "staff_number,full_name,ethnic_category,pay_band,staff_group,board_member,start_date\n"


def _extract(db, organisation, leader_band: str, as_at: date) -> None:
    data = HEADER + (
        f"1,Leader,A,{leader_band},Non-clinical,,2015-01-01\n"
        "2,Colleague,N,7,Clinical non-medical,,2018-01-01\n"
    )
    workforce.import_staff(organisation, data.encode(), "esr.csv", "test", as_at=as_at)
    db.session.commit()


def test_a_leader_earns_no_credit_while_not_senior(db, organisation):
    _extract(db, organisation, "VSM", date(2025, 4, 1))
    leader, colleague = (Staff.query.filter_by(staff_number=n).one() for n in ("1", "2"))
    relationship = services.create_relationship(
        leader, colleague, "mentoring", date(2025, 5, 1), None
    )
    _extract(db, organisation, "8d", date(2025, 9, 30))  # steps down
    services.log_session(relationship, None, held_on=date(2025, 11, 2), minutes=60, format="video")
    _extract(db, organisation, "VSM", date(2026, 1, 31))  # back as a VSM before the year ends
    db.session.commit()

    (coverage,) = queries.coverage(organisation.id, 2026).leaders
    assert coverage.counting_relationships == 1  # the leader was a VSM when it started
    assert coverage.sessions_in_year == 0  # the only session was while not senior
    assert not coverage.met

    services.log_session(relationship, None, held_on=date(2026, 2, 1), minutes=60, format="video")
    db.session.commit()
    assert queries.coverage(organisation.id, 2026).leaders[0].met


def test_a_relationship_begun_before_the_leader_was_senior_does_not_count(db, organisation):
    _extract(db, organisation, "8d", date(2025, 4, 1))
    _extract(db, organisation, "VSM", date(2025, 6, 1))
    leader, colleague = (Staff.query.filter_by(staff_number=n).one() for n in ("1", "2"))
    relationship = services.create_relationship(
        leader, colleague, "mentoring", date(2025, 5, 1), None
    )
    services.log_session(relationship, None, held_on=date(2025, 7, 1), minutes=60, format="video")
    db.session.commit()
    (coverage,) = queries.coverage(organisation.id, 2026).leaders
    assert (coverage.counting_relationships, coverage.met) == (0, False)
    verdict = services.verdict(relationship)
    assert not verdict.counts
    assert "not a VSM or board member when the relationship started" in verdict.reason
