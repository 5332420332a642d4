"""The staff history the imports write (DOMAIN.md section 6): what changed and from when."""

import io
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select, text
from sqlalchemy.exc import DatabaseError

from app.csvimport import ImportRefused
from app.import_history import DataImport
from app.mentoring.eligibility import counts_at_start
from app.metrics import year_snapshots
from app.workforce import services
from app.workforce.bands import BANDS
from app.workforce.ethnicity import WresGroup
from app.workforce.models import Staff, StaffHistory

HEADER = (
    "staff_number,full_name,email,ethnic_category,pay_band,staff_group,board_member,"
    "start_date,leaving_date\n"
)
MARCH = HEADER + (
    "1,Asha Patel,asha@example.nhs.uk,H,Band 7,Clinical non-medical,,2016-09-01,\n"
    "2,Tom Walsh,,A,8a,Non-clinical,,2012-03-12,\n"
)


def _import(db, organisation, data: str, as_at: date | None):
    record = services.import_staff(organisation, data.encode(), "esr.csv", "test", as_at=as_at)
    db.session.commit()
    return record


def _versions(db, number: str) -> list[tuple]:
    return [
        (v.valid_from, v.valid_to, v.pay_band, v.changed)
        for v in db.session.scalars(
            select(StaffHistory)
            .join(Staff, Staff.id == StaffHistory.staff_id)
            .where(Staff.staff_number == number)
            .order_by(StaffHistory.valid_from, StaffHistory.id)
        )
    ]


def _count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_the_first_extract_stands_for_the_past_and_later_changes_count_from_their_date(
    db, organisation
):
    _import(db, organisation, MARCH, date(2026, 3, 31))
    assert _versions(db, "1") == [(date(2016, 9, 1), None, "7", "added")]
    later = MARCH.replace("H,Band 7", "H,8a") + (
        "3,Mei Chen,,R,6,Clinical non-medical,,2020-01-01,\n"  # not in the March extract
    )
    record = _import(db, organisation, later, date(2026, 9, 30))
    assert (record.rows_added, record.rows_updated, record.rows_unchanged) == (1, 1, 1)
    assert record.as_at == date(2026, 9, 30)
    assert _versions(db, "1") == [
        (date(2016, 9, 1), date(2026, 9, 30), "7", "added"),
        (date(2026, 9, 30), None, "8a", "pay_band"),
    ]
    # Someone first seen in a later extract counts from its date: March is not rewritten.
    assert _versions(db, "3") == [(date(2026, 9, 30), None, "6", "added")]


def test_an_unchanged_file_or_a_new_name_writes_no_history(db, organisation):
    _import(db, organisation, MARCH, date(2026, 3, 31))
    _import(db, organisation, MARCH, date(2026, 4, 30))
    _import(db, organisation, MARCH.replace("Tom Walsh,", "Thomas Walsh,"), date(2026, 5, 31))
    assert _count(db, StaffHistory) == 2
    assert Staff.query.filter_by(staff_number="2").one().full_name == "Thomas Walsh"


def test_every_changed_attribute_is_named(db, organisation):
    _import(db, organisation, MARCH, date(2026, 3, 31))
    changed = MARCH.replace(
        ",H,Band 7,Clinical non-medical,,2016-09-01,", ",Z,8a,Non-clinical,,2016-09-01,2026-06-30"
    )
    _import(db, organisation, changed, date(2026, 6, 1))
    assert _versions(db, "1")[-1][3] == "ethnic_category pay_band staff_group leaving_date"


@pytest.mark.parametrize(
    ("first", "second", "message"),
    [
        (date(2026, 3, 31), date(2026, 1, 31), "import extracts in date order"),
        (None, date(2099, 1, 1), "is in the future"),
    ],
)
def test_an_extract_that_would_rewrite_the_past_is_refused_whole(
    db, organisation, first, second, message
):
    _import(db, organisation, MARCH, first)
    before = (_count(db, StaffHistory), _count(db, DataImport))
    with pytest.raises(ImportRefused) as refused:
        _import(db, organisation, MARCH.replace("Band 7", "8b"), second)
    db.session.rollback()
    assert message in str(refused.value.problems[0])
    assert (_count(db, StaffHistory), _count(db, DataImport)) == before
    assert Staff.query.filter_by(staff_number="1").one().pay_band == "7"


def test_once_a_year_is_stored_an_extract_dated_inside_it_is_refused(db, organisation):
    _import(db, organisation, MARCH, date(2026, 3, 31))
    year_snapshots.store(organisation.id, 2026)
    db.session.commit()
    with pytest.raises(ImportRefused) as refused:
        _import(db, organisation, MARCH.replace("Band 7", "8b"), date(2026, 3, 31))
    db.session.rollback()
    assert "2025/26 WRES year is closed" in str(refused.value.problems[0])
    _import(db, organisation, MARCH.replace("Band 7", "8b"), date(2026, 4, 1))


def test_a_stored_year_cannot_be_changed_behind_the_products_back(db, organisation):
    _import(db, organisation, MARCH, date(2026, 3, 31))
    year_snapshots.store(organisation.id, 2026)
    db.session.commit()
    for statement in (
        "UPDATE wres_year_snapshot SET figures = '{}'",
        "DELETE FROM wres_year_snapshot",
    ):
        with pytest.raises(DatabaseError):
            db.session.execute(text(statement))
            db.session.flush()
        db.session.rollback()
    assert year_snapshots.stored(organisation.id, 2026).data["indicator1"]["total"]["total"] == 2


def test_the_upload_form_takes_the_extract_date(client, db, login_as):
    login_as("hr-admin")
    response = client.post(
        "/imports",
        data={"file": (io.BytesIO(MARCH.encode()), "esr.csv"), "as_at": "2026-03-31"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    assert DataImport.query.one().as_at == date(2026, 3, 31)
    later = MARCH.replace("Band 7", "8b").encode()
    refused = client.post(
        "/imports",
        data={"file": (io.BytesIO(later), "esr.csv"), "as_at": "2026-01-31"},
        content_type="multipart/form-data",
    )
    assert refused.status_code == 400
    assert "import extracts in date order" in refused.get_data(as_text=True)
    assert _count(db, StaffHistory) == 2


@given(
    st.sampled_from(BANDS),
    st.sampled_from(list(WresGroup)),
    st.sampled_from([*BANDS, None]),
    st.sampled_from([None, "executive", "non-executive"]),
)
def test_a_relationship_counts_only_if_both_records_qualified_when_it_started(
    colleague_band, group, leader_band, board_role
):
    verdict = counts_at_start("mentoring", colleague_band, group, leader_band, board_role)
    leader_senior = leader_band == "VSM" or board_role is not None
    colleague_eligible = group == WresGroup.BME and colleague_band in BANDS[: BANDS.index("8d") + 1]
    assert verdict.counts == (leader_senior and colleague_eligible)
    assert verdict.counts or "when the relationship started" in verdict.reason


def test_hr_sees_a_persons_record_history(client, db, login_as, organisation):
    _import(db, organisation, MARCH, date(2026, 3, 31))
    _import(db, organisation, MARCH.replace("H,Band 7", "H,8a"), date(2026, 9, 30))
    login_as("hr-admin")
    asha = Staff.query.filter_by(staff_number="1").one()
    body = client.get(f"/staff/{asha.id}").get_data(as_text=True)
    history = body[body.index('id="record-history"') :]
    assert history.index("1 September 2016") < history.index("30 September 2026")
    assert "<td>First recorded</td>" in history and "<td>Pay band</td>" in history


def test_new_peoples_first_versions_are_copied_from_their_records(db, organisation):
    """New people's versions are written in SQL from their rows (history.record_added): each
    value, pay included, as the file gave it; backdated to the start date only on the first
    extract date; and no other organisation's people are touched."""
    other = services.create_organisation("RXX", "Other NHS Trust")
    services.import_staff(other, MARCH.encode(), "other.csv", "test", as_at=date(2026, 3, 31))
    header = HEADER.rstrip("\n") + ",hourly_rate,board_voting\n"
    first = header + (
        "1,Asha Patel,asha@example.nhs.uk,H,Band 7,Clinical non-medical,,2016-09-01,,21.5,\n"
        "2,Tom Walsh,,,8a,Non-clinical,Executive,,,,Y\n"  # no start date: since EARLIEST
        "3,Mei Chen,,R,6,Clinical non-medical,,2026-06-01,2027-01-31,,\n"  # starts later
    )
    _import(db, organisation, first, date(2026, 3, 31))
    # The same extract date again, with someone new: still the first extract date.
    again = first + "4,Sam Okafor,,N,5,Clinical non-medical,,2019-05-05,,,\n"
    _import(db, organisation, again, date(2026, 3, 31))
    # A later extract: someone new counts from its date.
    later = again + "5,Ann Lee,,A,4,Non-clinical,,2010-01-01,,,\n"
    _import(db, organisation, later, date(2026, 9, 30))
    found = db.session.execute(
        select(
            Staff.staff_number,
            StaffHistory.valid_from,
            StaffHistory.valid_to,
            StaffHistory.ethnic_category,
            StaffHistory.pay_band,
            StaffHistory.staff_group,
            StaffHistory.board_role,
            StaffHistory.board_voting,
            StaffHistory.start_date,
            StaffHistory.leaving_date,
            StaffHistory.hourly_pay,
            StaffHistory.changed,
        )
        .join(Staff, Staff.id == StaffHistory.staff_id)
        .where(StaffHistory.organisation_id == organisation.id)
        .order_by(Staff.staff_number)
    ).all()
    assert [tuple(row) for row in found] == [
        ("1", date(2016, 9, 1), None, "H", "7", "clinical-non-medical", None, False,
         date(2016, 9, 1), None, pytest.approx(21.5), "added"),
        ("2", date(1900, 1, 1), None, "99", "8a", "non-clinical", "executive", True,
         None, None, None, "added"),
        ("3", date(2026, 3, 31), None, "R", "6", "clinical-non-medical", None, False,
         date(2026, 6, 1), date(2027, 1, 31), None, "added"),
        ("4", date(2019, 5, 5), None, "N", "5", "clinical-non-medical", None, False,
         date(2019, 5, 5), None, None, "added"),
        ("5", date(2026, 9, 30), None, "A", "4", "non-clinical", None, False,
         date(2010, 1, 1), None, None, "added"),
    ]  # fmt: skip
    imports = db.session.scalars(
        select(DataImport.id)
        .where(DataImport.organisation_id == organisation.id)
        .order_by(DataImport.id)
    ).all()
    by_import = db.session.execute(
        select(Staff.staff_number, StaffHistory.data_import_id)
        .join(Staff, Staff.id == StaffHistory.staff_id)
        .where(StaffHistory.organisation_id == organisation.id)
        .order_by(Staff.staff_number)
    ).all()
    assert [tuple(row) for row in by_import] == [
        ("1", imports[0]), ("2", imports[0]), ("3", imports[0]), ("4", imports[1]),
        ("5", imports[2]),
    ]  # fmt: skip
    other_versions = db.session.scalar(
        select(func.count()).where(StaffHistory.organisation_id == other.id)
    )
    assert other_versions == 2


def test_a_version_is_of_a_person_of_its_own_organisation(db, organisation):
    """One key, (organisation, person), says both that the person exists and that the version
    is of the same organisation: a version filed under another organisation is refused."""
    _import(db, organisation, MARCH, date(2025, 3, 31))
    other = services.create_organisation("RYY", "Other NHS Trust")
    asha = db.session.scalar(select(Staff).where(Staff.staff_number == "1"))
    db.session.add(
        StaffHistory(
            organisation_id=other.id,
            staff_id=asha.id,
            valid_from=date(2025, 4, 1),
            valid_to=date(2025, 5, 1),
            ethnic_category="H",
            pay_band="7",
            staff_group="clinical-non-medical",
            board_voting=False,
            changed="pay_band",
        )
    )
    with pytest.raises(DatabaseError, match=r"(?i)foreign key"):
        db.session.flush()
    db.session.rollback()
