"""A re-import reads again only the rows whose text is not the one their record was read from
(the stored row digest); the result is what reading every row gives."""

import pytest
from sqlalchemy import select, text, update

from app import audit
from app.csvimport import ImportRefused
from app.import_history import DataImport
from app.workforce import history, services, staff_file
from app.workforce.models import Organisation, Staff, StaffHistory

# UK and ESR dates, a quoted name with a comma, pay columns and an unknown column.
FILE = (
    "staff_number,organisation_code,full_name,email,ethnic_category,pay_band,staff_group,"
    "board_member,board_voting,start_date,leaving_date,hourly_rate,assignment\n"
    '1,RAB,"Patel, Asha",asha@example.nhs.uk,H,Band 6,Clinical non-medical,,,01/09/2016,,'
    "16.42,Permanent\n"
    "2,rab,Tom Walsh,,B,Band 8a,Non-clinical,,,12-Mar-2012,,,Permanent\n"
    "3,,Grace Mensah,grace@example.nhs.uk,N,8D,Clinical non-medical,,,2009-11-02,"
    "2025-10-31,,Fixed Term\n"
    "4,RAB,Farah Khan,,J,,Non-clinical,Non-executive,Y,2022-06-01,,,Office holder\n"
)


@pytest.fixture
def rows_read(monkeypatch):
    """How many rows the import read (checked by the rules), as staff numbers."""
    read = []
    rules, parse_row = staff_file._Rules.__call__, staff_file._parse_row

    def counting_rules(self, line, values, digest=None):
        read.append(values[0])
        return rules(self, line, values, digest)

    def counting_parse_row(row):
        read.append(row.text("staff_number"))
        return parse_row(row)

    monkeypatch.setattr(staff_file._Rules, "__call__", counting_rules)
    monkeypatch.setattr(staff_file, "_parse_row", counting_parse_row)
    return read


def _import(db, organisation, data: str, name: str = "staff.csv") -> DataImport:
    record = services.import_staff(organisation, data.encode(), name, "test")
    db.session.commit()
    return record


def _result(db, record: DataImport) -> tuple:
    entry = db.session.scalar(
        select(audit.AuditEvent).where(
            audit.AuditEvent.action == "staff.imported",
            audit.AuditEvent.object_id == record.id,
        )
    )
    return (
        record.rows_added,
        record.rows_updated,
        record.rows_unchanged,
        record.date_formats,
        entry.detail_dict,
        audit.changes_of(entry),
    )


def _records(db) -> list[tuple]:
    return db.session.execute(
        select(
            Staff.staff_number,
            Staff.full_name,
            Staff.email,
            Staff.pay_band,
            Staff.start_date,
            Staff.hourly_pay,
            Staff.updated_at,
        ).order_by(Staff.staff_number)
    ).all()


def test_an_unchanged_file_is_not_read_again_and_gives_what_reading_it_gives(
    db, organisation, rows_read
):
    _import(db, organisation, FILE)
    assert len(rows_read) == 4
    records = _records(db)

    rows_read.clear()
    skipped = _import(db, organisation, FILE)
    assert rows_read == []
    assert _records(db) == records

    # The same file read in full, every record's digest forgotten first.
    db.session.execute(text("UPDATE staff SET row_digest = NULL"))
    db.session.commit()
    read = _import(db, organisation, FILE)
    assert len(rows_read) == 4
    assert _result(db, skipped) == _result(db, read)
    assert _result(db, read)[:4] == (
        0,
        0,
        4,
        "dates read as YYYY-MM-DD and DD/MM/YYYY (UK) and DD-Mon-YYYY (ESR)",
    )
    assert _records(db) == records


def test_only_the_rows_whose_text_changed_are_read_again(db, organisation, rows_read):
    _import(db, organisation, FILE)
    rows_read.clear()
    # Another layout of the same date reads the same: that record only learns the new digest.
    edited = FILE.replace("Tom Walsh", "Tom Walsh-Smith").replace("2009-11-02", "02/11/2009")
    result = _import(db, organisation, edited)
    assert sorted(rows_read) == ["2", "3"]
    assert (result.rows_added, result.rows_updated, result.rows_unchanged) == (0, 1, 3)
    rows_read.clear()
    again = _import(db, organisation, edited)
    assert rows_read == []
    assert (again.rows_added, again.rows_updated, again.rows_unchanged) == (0, 0, 4)


def test_a_file_without_its_pay_columns_is_read_again(db, organisation, rows_read):
    # The same text without pay columns leaves pay as it was; with blank ones it clears it.
    _import(db, organisation, FILE)
    no_pay = "\n".join(
        ",".join(line.split(",")[:12]) if n else line.replace(",hourly_rate", "")
        for n, line in enumerate(FILE.splitlines())
    )
    rows_read.clear()
    _import(db, organisation, no_pay.replace(",16.42", ""))
    assert len(rows_read) == 4


def test_a_record_changed_elsewhere_is_read_again_and_its_change_recorded(
    db, organisation, rows_read
):
    _import(db, organisation, FILE)
    asha = db.session.scalar(select(Staff).where(Staff.staff_number == "1"))
    assert asha.row_digest is not None
    # The demo's promotions change records through the ORM ...
    history.record_change(asha, asha.start_date, pay_band="7")
    # ... and SQL by hand changes them past it.
    db.session.execute(text("UPDATE staff SET full_name = 'T Walsh' WHERE staff_number = '2'"))
    db.session.commit()
    digests = dict(db.session.execute(select(Staff.staff_number, Staff.row_digest)).all())
    assert digests["1"] is None and digests["2"] is None
    assert digests["3"] is not None and digests["4"] is not None

    rows_read.clear()
    result = _import(db, organisation, FILE)
    assert sorted(rows_read) == ["1", "2"]
    assert (result.rows_added, result.rows_updated, result.rows_unchanged) == (0, 2, 2)
    changes = {c["staff_number"]: c["fields"] for c in _result(db, result)[5]}
    assert changes == {"1": {"pay_band": ["7", "6"]}, "2": {"full_name": ["T Walsh", "Tom Walsh"]}}
    asha = db.session.scalar(select(Staff).where(Staff.staff_number == "1"))
    assert asha.pay_band == "6" and asha.row_digest is not None
    open_version = db.session.scalar(
        select(StaffHistory).where(
            StaffHistory.staff_id == asha.id, StaffHistory.valid_to.is_(None)
        )
    )
    assert open_version.pay_band == "6"


def test_a_record_another_file_changed_is_read_again(db, organisation, rows_read):
    _import(db, organisation, FILE)
    _import(db, organisation, FILE.replace("Band 8a", "Band 8b"), "promotion.csv")
    rows_read.clear()
    result = _import(db, organisation, FILE)
    assert rows_read == ["2"]
    assert (result.rows_updated, result.rows_unchanged) == (1, 3)
    assert db.session.scalar(select(Staff.pay_band).where(Staff.staff_number == "2")) == "8a"


def test_a_duplicate_staff_number_is_refused_when_every_digest_matches(db, organisation, rows_read):
    _import(db, organisation, FILE)
    lines = FILE.splitlines(keepends=True)
    rows_read.clear()
    with pytest.raises(ImportRefused) as refused:
        services.import_staff(organisation, "".join([*lines, lines[2]]).encode(), "x.csv", "t")
    db.session.rollback()
    # Only the repeated row was read, to word its problem.
    assert set(rows_read) == {"2"}
    assert [(p.line, p.column) for p in refused.value.problems] == [(6, "staff_number")]
    assert "first on line 3" in refused.value.problems[0].message


def test_a_repeated_email_is_refused_when_every_digest_matches(db, organisation, rows_read):
    _import(db, organisation, FILE)
    lines = FILE.splitlines(keepends=True)
    extra = "5,RAB,Someone,ASHA@example.nhs.uk,A,Band 5,Non-clinical,,,,,,\n"
    with pytest.raises(ImportRefused) as refused:
        services.import_staff(organisation, "".join([*lines, extra]).encode(), "x.csv", "t")
    db.session.rollback()
    assert [(p.line, p.column) for p in refused.value.problems] == [(6, "email")]


def test_another_organisations_code_is_refused_when_every_digest_matches(
    db, organisation, rows_read
):
    _import(db, organisation, FILE)
    # The organisation's code changes (a merger); its old extract names the old code.
    db.session.execute(update(Organisation).values(code="RXY"))
    db.session.commit()
    rows_read.clear()
    with pytest.raises(ImportRefused) as refused:
        services.import_staff(organisation, FILE.encode(), "old.csv", "test")
    db.session.rollback()
    # Passed over first (each row would be here twice), then read again in full to list them.
    assert sorted(rows_read) == ["1", "2", "3", "4"]
    assert [(p.line, p.column) for p in refused.value.problems] == [
        (2, "organisation_code"),
        (3, "organisation_code"),
        (5, "organisation_code"),
    ]
    assert refused.value.problems[0].message == (
        "RAB is not the organisation being imported: expected RXY or blank"
    )


def _someone_writes_first(db, monkeypatch, step: str) -> list[str]:
    """services.<step> first commits, on a connection of its own, a change to staff number 2
    (the writes left to make are returned)."""
    real = getattr(services, step)
    writes = ["UPDATE staff SET full_name = 'T Walsh' WHERE staff_number = '2'"]

    def written_first(*args, **kwargs):
        if writes:
            with db.engine.begin() as connection:
                connection.execute(text(writes.pop()))
        return real(*args, **kwargs)

    monkeypatch.setattr(services, step, written_first)
    return writes


def _read_again_and_restored(db, result, rows_read) -> None:
    assert rows_read == ["2"]
    assert (result.rows_updated, result.rows_unchanged) == (1, 3)
    assert (
        db.session.scalar(select(Staff.full_name).where(Staff.staff_number == "2")) == "Tom Walsh"
    )


def test_a_record_changed_while_the_same_file_is_checked_is_read_again(
    db, organisation, rows_read, monkeypatch
):
    # The very same bytes as the latest import's are not read row by row when every record is
    # still as it left them (migration 0026_file_digest); on SQLite that is read beside the
    # session too, and a record changed before the import's transaction begins is found.
    if db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL reads the latest import in the import's own transaction")
    _import(db, organisation, FILE)
    writes = _someone_writes_first(db, monkeypatch, "_the_same_file")
    rows_read.clear()
    result = _import(db, organisation, FILE)
    assert not writes
    _read_again_and_restored(db, result, rows_read)


def test_the_digest_is_stable_and_names_the_file_layout():
    values = ("1", "RAB", "Asha", "", "H", "6", "Non-clinical", "", "", "", "", "", "", "")
    with_pay = staff_file.file_layout(frozenset(staff_file.COLUMNS))
    without_pay = staff_file.file_layout(frozenset(staff_file.COLUMNS[:11]))
    # Not Python's hash(), which changes from one process to the next.
    assert staff_file.row_digest(without_pay, values) == staff_file.row_digest(without_pay, values)
    assert len(staff_file.row_digest(without_pay, values)) == 32
    assert staff_file.row_digest(with_pay, values) != staff_file.row_digest(without_pay, values)
    assert staff_file.row_digest(without_pay, ("1", "RAB", "Asha,")) != staff_file.row_digest(
        without_pay, ("1", "RAB,Asha", "")
    )


def test_a_record_changed_while_the_file_is_read_is_read_again(
    db, organisation, rows_read, monkeypatch
):
    # On SQLite the digests are read beside the session, before its transaction begins, so a
    # background job's progress writer can commit while the file is read (bulk.read_ahead).
    if db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL reads the digests in the import's own transaction")
    _import(db, organisation, FILE)
    writes = _someone_writes_first(db, monkeypatch, "parse_staff_file")
    rows_read.clear()
    assert not db.session().in_transaction()
    # Other line endings: the same rows in other bytes, so the file is read row by row (the very
    # same bytes are not, test_a_record_changed_while_the_same_file_is_checked_is_read_again).
    result = _import(db, organisation, FILE.replace("\n", "\r\n"))
    assert not writes
    _read_again_and_restored(db, result, rows_read)
