"""Coverage against a count made by hand (DOMAIN.md section 11), on the cases where the staff
records at a relationship's start differ from the records now or at the year's end."""

from datetime import date

from app.mentoring import queries
from app.mentoring.eligibility import counts_at_start
from app.mentoring.models import MentoringRelationship, MentoringSession
from app.workforce import services as workforce
from app.workforce.bands import BANDS
from app.workforce.ethnicity import group_of
from app.workforce.models import OrganisationSettings, Staff

HEADER = (
    "staff_number,full_name,ethnic_category,pay_band,staff_group,board_member,start_date,"
    "leaving_date\n"
)
# Everyone as at 1 April 2025 (standing for the past from their start dates).
FIRST = {
    "1": "Leader One,A,VSM,Non-clinical,,2015-01-01,",
    "2": "Leader Two,A,,Non-clinical,Non-executive,2015-01-01,",
    "3": "Leader Three,A,8d,Non-clinical,,2015-01-01,",  # a VSM from 1 October
    "4": "Leader Four,A,VSM,Non-clinical,,2015-01-01,",  # 8c from 1 October
    "5": "Leader Five,A,VSM,Non-clinical,,2015-01-01,2026-01-15",  # gone before the year ends
    "11": "Colleague BME 5,N,5,Clinical non-medical,,2018-01-01,",
    "12": "Colleague White 5,A,5,Clinical non-medical,,2018-01-01,",
    "13": "Colleague BME 9,H,9,Clinical non-medical,,2018-01-01,",
    "14": "Colleague Promoted,M,8d,Clinical non-medical,,2018-01-01,",  # 9 from 1 October
    "15": "Colleague Corrected,A,6,Clinical non-medical,,2018-01-01,",  # J from 1 October
    "16": "Colleague Unknown,99,4,Clinical non-medical,,2018-01-01,",
    "17": "Colleague BME 7,D,7,Clinical non-medical,,2018-01-01,",
    "18": "Colleague Doctor,N,non-consultant-career-grade,Medical and dental,,2018-01-01,",
}
# As at 1 October 2025: the changes, and two people whose history starts only then.
SECOND = {
    **FIRST,
    "3": "Leader Three,A,VSM,Non-clinical,,2015-01-01,",
    "4": "Leader Four,A,8c,Non-clinical,,2015-01-01,",
    "14": "Colleague Promoted,M,9,Clinical non-medical,,2018-01-01,",
    "15": "Colleague Corrected,J,6,Clinical non-medical,,2018-01-01,",
    "6": "Leader Six,A,VSM,Non-clinical,,2015-01-01,",
    "19": "Colleague Newly Extracted,N,5,Clinical non-medical,,2018-01-01,",
}


def _import(db, organisation, rows: dict, as_at: date) -> None:
    data = HEADER + "".join(f"{number},{row}\n" for number, row in rows.items())
    workforce.import_staff(organisation, data.encode(), "esr.csv", "test", as_at=as_at)
    db.session.commit()


def _relationship(db, organisation, leader, colleague, start, end=None, sessions=()):
    people = {s.staff_number: s.id for s in Staff.query.filter_by(organisation_id=organisation.id)}
    relationship = MentoringRelationship(
        organisation_id=organisation.id,
        leader_id=people[leader],
        colleague_id=people[colleague],
        kind="mentoring",
        start_date=start,
        end_date=end,
    )
    db.session.add(relationship)
    db.session.flush()
    for held_on in sessions:
        db.session.add(
            MentoringSession(relationship_id=relationship.id, held_on=held_on, minutes=30)
        )


def _counted(organisation):
    return {
        leader.staff_number: (
            leader.counting_relationships,
            leader.other_relationships,
            leader.sessions_in_year,
            leader.met,
        )
        for leader in queries.coverage(organisation.id, 2026).leaders
    }


def test_coverage_matches_a_count_by_hand(db, organisation):
    _import(db, organisation, FIRST, date(2025, 4, 1))
    _import(db, organisation, SECOND, date(2025, 10, 1))
    d = date
    # Leader One, a VSM throughout: 3 counting, 5 not, 3 sessions.
    _relationship(  # counts; a session before the year and one after it are not counted
        db,
        organisation,
        "1",
        "11",
        d(2025, 5, 1),
        sessions=[d(2025, 3, 15), d(2025, 6, 1), d(2025, 7, 1), d(2026, 4, 2)],
    )
    _relationship(db, organisation, "1", "12", d(2025, 5, 1), sessions=[d(2025, 6, 1)])  # white
    _relationship(db, organisation, "1", "13", d(2024, 6, 1), d(2025, 3, 31))  # ended before
    _relationship(db, organisation, "1", "13", d(2025, 5, 1))  # band 9
    # Band 8d when it started: still counts after the promotion; begun after it, it does not.
    _relationship(db, organisation, "1", "14", d(2025, 6, 1), d(2025, 10, 15), [d(2025, 9, 1)])
    _relationship(db, organisation, "1", "14", d(2025, 11, 1), sessions=[d(2025, 12, 1)])
    _relationship(db, organisation, "1", "15", d(2025, 5, 1))  # white then, BME since
    _relationship(db, organisation, "1", "16", d(2025, 5, 1))  # ethnicity not known
    _relationship(db, organisation, "1", "11", d(2026, 4, 1))  # starts after the year
    _relationship(db, organisation, "1", "19", d(2025, 6, 1))  # judged on the first record
    # Leader Two, a non-executive director: 2 counting, 2 sessions.
    _relationship(db, organisation, "2", "15", d(2025, 11, 1), sessions=[d(2025, 12, 1)])
    _relationship(  # ended on the year's first day: active in it
        db, organisation, "2", "11", d(2025, 3, 1), d(2025, 4, 1), [d(2025, 4, 1)]
    )
    # Leader Three, a VSM from 1 October: what began before does not count, nor its sessions.
    _relationship(db, organisation, "3", "11", d(2025, 5, 1), sessions=[d(2025, 11, 1)])
    _relationship(db, organisation, "3", "17", d(2025, 11, 1), sessions=[d(2025, 11, 15)])
    # Not VSM or board members in post at the year's end: not listed.
    _relationship(db, organisation, "4", "11", d(2025, 5, 1), sessions=[d(2025, 6, 1)])
    _relationship(db, organisation, "5", "11", d(2025, 5, 1), sessions=[d(2025, 6, 1)])
    # Leader Six, first extracted on 1 October: judged on that first record, sessions too.
    _relationship(db, organisation, "6", "11", d(2025, 5, 1), sessions=[d(2025, 5, 15)])
    _relationship(db, organisation, "6", "18", d(2025, 5, 1), sessions=[d(2025, 6, 15)])
    db.session.commit()

    assert _counted(organisation) == {
        "1": (3, 5, 3, True),
        "2": (2, 0, 2, True),
        "3": (1, 1, 1, True),
        "6": (1, 1, 1, True),
    }
    leaders = queries.coverage(organisation.id, 2026).leaders
    assert [leader.name for leader in leaders] == sorted(leader.name for leader in leaders)

    # The setting that counts non-consultant medical grades: the doctor's relationship counts.
    db.session.get(
        OrganisationSettings, organisation.id
    ).mentoring_counts_non_consultant_medical = True
    db.session.commit()
    assert _counted(organisation)["6"] == (2, 0, 2, True)


def test_a_leader_with_no_relationship_is_listed_with_nothing(db, organisation):
    _import(db, organisation, {"1": FIRST["1"], "11": FIRST["11"]}, date(2025, 4, 1))
    assert _counted(organisation) == {"1": (0, 0, 0, False)}


def test_the_database_judges_every_band_and_category_as_the_rule_does(db, organisation):
    """Coverage judges relationships in SQL: it must agree with eligibility.counts_at_start for
    every band and kind of ethnic category code, with and without the medical grades setting."""
    colleagues = {
        str(100 + i): (band, code)
        for i, (band, code) in enumerate(
            (band, code) for band in BANDS for code in ("A", "CP", "N", "NX", "Z", "99")
        )
    }
    leaders = {"1": ("VSM", ""), "2": ("9", ""), "3": ("", "Non-executive"), "4": ("8d", "")}
    rows = {
        number: f"Leader {number},A,{band},Non-clinical,{board},2015-01-01,"
        for number, (band, board) in leaders.items()
    } | {
        number: f"Colleague {number},{code},{band},Clinical non-medical,,2018-01-01,"
        for number, (band, code) in colleagues.items()
    }
    _import(db, organisation, rows, date(2025, 4, 1))
    for leader in leaders:
        for colleague in colleagues:
            _relationship(db, organisation, leader, colleague, date(2025, 5, 1))
    db.session.commit()
    for include_ncg in (False, True):
        settings = db.session.get(OrganisationSettings, organisation.id)
        settings.mentoring_counts_non_consultant_medical = include_ncg
        db.session.commit()
        expected = {}
        for leader, (leader_band, board) in leaders.items():
            counting = sum(
                counts_at_start(
                    "mentoring",
                    band,
                    group_of(code),
                    leader_band or None,
                    board.lower() or None,
                    include_ncg,
                ).counts
                for band, code in colleagues.values()
            )
            if leader_band == "VSM" or board:  # only they are listed
                expected[leader] = (counting, len(colleagues) - counting, 0, False)
        for number, (band, _code) in colleagues.items():
            if band == "VSM":  # listed too, with no relationship of their own
                expected[number] = (0, 0, 0, False)
        assert _counted(organisation) == expected
        assert expected["1"][0] == 2 * (12 + include_ncg)  # N and NX at band 8d or below
