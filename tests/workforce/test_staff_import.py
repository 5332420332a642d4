"""The ESR staff import: the example extract, idempotence, band history and every bad file."""

import json

import pytest
from sqlalchemy import func, select

from app.csvimport import ImportRefused
from app.import_history import DataImport
from app.workforce import services
from app.workforce.models import BandChange, Staff
from tests import factories

HEADER = (
    "staff_number,full_name,ethnic_category,pay_band,staff_group,board_member,"
    "start_date,leaving_date\n"
)


def _count(db, model):
    return db.session.scalar(select(func.count()).select_from(model))


def _refused(db, organisation, text: str | bytes):
    data = text.encode() if isinstance(text, str) else text
    with pytest.raises(ImportRefused) as refused:
        services.import_staff(organisation, data, "bad.csv", "test")
    db.session.rollback()
    assert _count(db, Staff) == 0
    assert _count(db, DataImport) == 0
    return refused.value.problems


def test_example_extract_imports_with_its_quirks(db, organisation, examples):
    result = services.import_staff(
        organisation, (examples / "staff.csv").read_bytes(), "staff.csv", "test"
    )
    db.session.commit()
    assert (result.rows_added, result.rows_updated, result.rows_unchanged) == (
        9,
        0,
        0,
    )
    people = {s.staff_number: s for s in Staff.query.all()}
    assert people["20000001"].ethnic_category == "H"
    assert people["20000004"].ethnic_category == "CP"
    assert people["20000006"].ethnic_category == "Z"
    assert people["20000008"].ethnic_category == "99"
    assert people["20000003"].pay_band == "8d"
    assert people["20000008"].pay_band == "VSM"
    assert people["20000007"].pay_band == "consultant"
    assert people["20000009"].pay_band is None
    assert people["20000009"].board_role == "non-executive" and people["20000009"].board_voting
    assert people["20000008"].board_voting
    assert people["20000004"].leaving_date.isoformat() == "2025-10-31"


def test_importing_the_same_file_twice_changes_nothing(db, organisation, examples):
    data = (examples / "staff.csv").read_bytes()
    services.import_staff(organisation, data, "staff.csv", "test")
    db.session.commit()
    before = [(s.id, s.updated_at, s.pay_band) for s in Staff.query.order_by(Staff.id)]
    second = services.import_staff(organisation, data, "staff.csv", "test")
    db.session.commit()
    assert (second.rows_added, second.rows_updated, second.rows_unchanged) == (
        0,
        0,
        9,
    )
    assert [(s.id, s.updated_at, s.pay_band) for s in Staff.query.order_by(Staff.id)] == before
    assert _count(db, BandChange) == 0


def test_a_band_change_is_kept_in_the_band_history(db, organisation):
    services.import_staff(
        organisation,
        (HEADER + "1,Asha Patel,H,Band 7,Clinical non-medical,,,\n").encode(),
        "a.csv",
        "test",
    )
    result = services.import_staff(
        organisation,
        (HEADER + "1,Asha Patel,H,Band 8a,Clinical non-medical,,,\n").encode(),
        "b.csv",
        "test",
    )
    db.session.commit()
    assert result.rows_updated == 1
    change = BandChange.query.one()
    assert (change.from_band, change.to_band, change.staff.pay_band) == ("7", "8a", "8a")
    assert change.data_import_id == result.id


def test_unknown_band_is_refused_with_line_and_column(db, organisation):
    problems = _refused(
        db, organisation, HEADER + "1,A,A,Band 5,Non-clinical,,,\n2,B,A,Band 12,Non-clinical,,,\n"
    )
    assert [(p.line, p.column) for p in problems] == [(3, "pay_band")]
    assert "not a pay band" in problems[0].message


def test_unreadable_ethnic_category_is_refused_not_made_unknown(db, organisation):
    problems = _refused(db, organisation, HEADER + "1,A,White British,Band 5,Non-clinical,,,\n")
    assert [(p.line, p.column) for p in problems] == [(2, "ethnic_category")]


def test_missing_required_column_is_refused(db, organisation):
    problems = _refused(db, organisation, "staff_number,pay_band\n1,Band 5\n")
    assert [(p.line, p.column) for p in problems] == [(1, "staff_group")]


def test_duplicate_staff_numbers_are_refused(db, organisation):
    problems = _refused(
        db,
        organisation,
        HEADER + "7,A,A,5,Non-clinical,,,\n8,B,A,5,Non-clinical,,,\n7,C,A,6,Non-clinical,,,\n",
    )
    assert [(p.line, p.column) for p in problems] == [(4, "staff_number")]
    assert "first on line 2" in problems[0].message


def test_leaving_before_starting_is_refused(db, organisation):
    problems = _refused(db, organisation, HEADER + "1,A,A,5,Non-clinical,,2024-05-01,2024-04-30\n")
    assert [(p.line, p.column) for p in problems] == [(2, "leaving_date")]
    assert "before the start date" in problems[0].message


def test_bytes_that_are_not_utf8_are_refused(db, organisation):
    data = HEADER.encode() + "1,Zo\u00eb Smith,A,5,Non-clinical,,,\n".encode("latin-1")
    problems = _refused(db, organisation, data)
    assert [p.line for p in problems] == [2]
    assert "not UTF-8" in problems[0].message


def test_every_problem_in_the_file_is_listed_together(db, organisation):
    problems = _refused(
        db,
        organisation,
        HEADER
        + "1,A,Q,Band 99,Nurses,,2024-13-01,\n"
        + ",B,A,,Non-clinical,,,\n"
        + "3,C,A,5,Non-clinical,Trustee,,\n",
    )
    assert [(p.line, p.column) for p in problems] == [
        (2, "ethnic_category"),
        (2, "pay_band"),
        (2, "staff_group"),
        (2, "start_date"),
        (3, "pay_band"),
        (3, "staff_number"),
        (4, "board_member"),
    ]


def test_a_non_executive_may_have_no_band_but_others_must(db, organisation):
    services.import_staff(
        organisation,
        (HEADER + "1,NED,J,,Non-clinical,Non-executive,,\n").encode(),
        "ok.csv",
        "test",
    )
    db.session.rollback()
    problems = _refused(db, organisation, HEADER + "1,Exec,A,,Non-clinical,Executive,,\n")
    assert [(p.line, p.column) for p in problems] == [(2, "pay_band")]


def test_another_organisations_rows_are_refused(db, organisation):
    problems = _refused(
        db,
        organisation,
        "staff_number,organisation_code,pay_band,staff_group\n"
        "1,RAB,5,Non-clinical\n2,RXX,5,Non-clinical\n",
    )
    assert [(p.line, p.column) for p in problems] == [(3, "organisation_code")]


def test_import_is_scoped_to_its_organisation(db, organisation):
    other = factories.OrganisationFactory(code="RXX")
    factories.StaffFactory(organisation=other, staff_number="1", pay_band="9")
    services.import_staff(
        organisation, (HEADER + "1,A,A,5,Non-clinical,,,\n").encode(), "a.csv", "test"
    )
    db.session.commit()
    assert sorted((s.organisation.code, s.pay_band) for s in Staff.query) == [
        ("RAB", "5"),
        ("RXX", "9"),
    ]


# The command line


def test_cli_imports_the_example_and_reports_json(runner, organisation, examples):
    result = runner.invoke(args=["staff", "import", str(examples / "staff.csv"), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {
        "organisation_code": "RAB",
        "file": "staff.csv",
        "rows": 9,
        "added": 9,
        "updated": 0,
        "unchanged": 0,
    }
    again = runner.invoke(args=["staff", "import", str(examples / "staff.csv"), "--json"])
    assert json.loads(again.stdout)["unchanged"] == 9


def test_cli_refuses_a_bad_file_and_writes_nothing(runner, db, organisation, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "1,A,A,Band 12,Non-clinical,,,\n1,B,A,5,Non-clinical,,,\n")
    result = runner.invoke(args=["staff", "import", str(bad), "--org", "RAB"])
    assert result.exit_code == 1
    assert "line 2, column pay_band" in result.stderr
    assert "line 3, column staff_number" in result.stderr
    assert _count(db, Staff) == 0


def test_cli_refuses_an_organisation_that_does_not_exist(runner, db, organisation, examples):
    result = runner.invoke(args=["staff", "import", str(examples / "staff.csv"), "--org", "RZZ"])
    assert result.exit_code == 1
    assert "There is no organisation RZZ" in result.stderr


def test_cli_shows_progress_for_big_files(runner, db, organisation, tmp_path):
    big = tmp_path / "big.csv"
    rows = "".join(f"{n},Person {n},A,5,Non-clinical,,,\n" for n in range(2500))
    big.write_text(HEADER + rows)
    result = runner.invoke(args=["staff", "import", str(big)])
    assert result.exit_code == 0, result.output
    assert "Checking and importing rows" in result.stderr
    assert _count(db, Staff) == 2500


# The upload page


def test_hr_uploads_a_file_and_sees_it_in_the_history(client, login_as, examples):
    login_as("hr-admin")
    with open(examples / "staff.csv", "rb") as handle:
        response = client.post(
            "/imports",
            data={"file": (handle, "staff.csv")},
            content_type="multipart/form-data",
            follow_redirects=True,
        )
    body = response.get_data(as_text=True)
    assert (
        "Imported staff.csv: 9 rows: 9 added, 0 updated, 0 unchanged; dates read as YYYY-MM-DD."
        in body
    )
    assert "<td>staff.csv</td>" in body


def test_upload_of_a_bad_file_lists_problems_and_writes_nothing(client, db, login_as):
    login_as("hr-admin")
    data = (HEADER + "1,A,A,Band 12,Non-clinical,,,\n").encode()
    import io

    response = client.post(
        "/imports", data={"file": (io.BytesIO(data), "bad.csv")}, content_type="multipart/form-data"
    )
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "The file was not imported" in body
    assert "pay_band" in body and "not a pay band" in body
    assert _count(db, Staff) == 0


def test_upload_without_a_file_says_so(client, login_as):
    login_as("hr-admin")
    response = client.post("/imports", data={}, content_type="multipart/form-data")
    assert "Choose a CSV file" in response.get_data(as_text=True)


def test_cli_without_org_uses_the_organisation_the_file_names(runner, db, organisation, examples):
    factories.OrganisationFactory(code="RXX")
    db.session.commit()
    result = runner.invoke(args=["staff", "import", str(examples / "staff.csv"), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["organisation_code"] == "RAB"
    unnamed = runner.invoke(
        args=["staff", "import", str(examples / "staff.csv").replace("staff.csv", "mentoring.csv")]
    )
    assert unnamed.exit_code == 1


def test_the_command_sets_up_no_mapper(tmp_path, examples):
    # Setting up the mappers (and, under `flask`, importing every feature's models for them)
    # cost about 0.09 s of each staff import command, half of re-importing an unchanged trust
    # file: the staff and panel imports read and write their tables as SQL. A mapped class's
    # attribute in one of their statements, or a mapped object, would set them up again.
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path}/import.sqlite3",
        "SECRET_KEY": "import-test-secret-key-0123456789",
        "AUDIT_KEY": "import-test-audit-key-9876543210",
        "AUDIT_CHECKPOINT_DIR": str(tmp_path),
        "FLASK_APP": "wsgi_dev.py",
        "APP_ENV": "development",
    }
    flask = str(Path(sys.executable).with_name("flask"))
    for args in (["db", "upgrade"], ["orgs", "add", "RAB", "--name", "Trust"]):
        done = subprocess.run([flask, *args], cwd=root, env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
    script = (
        "import sys\n"
        "from flask.cli import main\n"
        "sys.argv = ['flask', *sys.argv[1:]]\n"
        "try:\n"
        "    main()\n"
        "except SystemExit as exc:\n"
        "    assert not exc.code, exc.code\n"
        "from sqlalchemy import inspect\n"
        "from app.workforce.models import Staff\n"
        "print('configured' if inspect(Staff).configured else 'not configured')\n"
    )
    staff = ["staff", "import", str(examples / "staff.csv")]
    panels = ["panels", "import", str(examples / "panels.csv")]
    recruitment = ["recruitment", "import", str(examples / "recruitment.csv")]
    # New people, the same file again, and (after the recruitment file) a panel file.
    for args in (staff, staff, recruitment, panels):
        done = subprocess.run(
            [sys.executable, "-c", script, *args], cwd=root, env=env, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
        if args is not recruitment:
            assert done.stdout.strip().splitlines()[-1] == "not configured", (args, done.stderr)


# The same file again (migration 0026_file_digest): not read row by row when every record is
# still as that file left it, and read row by row whenever one is not.


@pytest.fixture
def rows_read(monkeypatch):
    """How many times the staff file was read row by row."""
    reads = []
    real = services.parse_staff_file

    def counted(*args, **kwargs):
        reads.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "parse_staff_file", counted)
    return reads


def _import(db, organisation, data: bytes, filename="staff.csv"):
    record = services.import_staff(organisation, data, filename, "test")
    db.session.commit()
    return record


def test_the_same_file_again_is_not_read_row_by_row(db, organisation, examples, rows_read):
    data = (examples / "staff.csv").read_bytes()
    first = _import(db, organisation, data)
    before = [(s.id, s.updated_at, s.row_digest) for s in Staff.query.order_by(Staff.id)]
    second = _import(db, organisation, data, "again.csv")
    assert rows_read == [1]
    assert (second.rows_added, second.rows_updated, second.rows_unchanged) == (0, 0, 9)
    # Described as the file read row by row described it, dates included.
    assert second.summary == f"9 rows: 0 added, 0 updated, 9 unchanged; {first.date_formats}"
    assert [(s.id, s.updated_at, s.row_digest) for s in Staff.query.order_by(Staff.id)] == before
    kept = db.session.get(DataImport, second.id)
    assert kept.file_digest == db.session.get(DataImport, first.id).file_digest
    assert kept.rows_unchanged == 9 and kept.filename == "again.csv"


def test_a_record_changed_since_makes_the_same_file_read_again(
    db, organisation, examples, rows_read
):
    data = (examples / "staff.csv").read_bytes()
    _import(db, organisation, data)
    person = Staff.query.filter_by(staff_number="20000003").one()
    person.full_name = "Changed on a page"
    db.session.commit()
    again = _import(db, organisation, data)
    assert len(rows_read) == 2
    assert (again.rows_added, again.rows_updated, again.rows_unchanged) == (0, 1, 8)
    assert Staff.query.filter_by(staff_number="20000003").one().full_name != "Changed on a page"


def test_a_record_removed_since_is_added_again_by_the_same_file(
    db, organisation, examples, rows_read
):
    data = (examples / "staff.csv").read_bytes()
    _import(db, organisation, data)
    db.session.execute(Staff.__table__.delete().where(Staff.staff_number == "20000009"))
    db.session.commit()
    again = _import(db, organisation, data)
    assert len(rows_read) == 2
    assert (again.rows_added, again.rows_updated, again.rows_unchanged) == (1, 0, 8)


def test_only_the_latest_import_of_the_very_same_bytes_counts(db, organisation, rows_read):
    one = (
        HEADER
        + "1,Asha Patel,H,Band 7,Clinical non-medical,,,\n"
        + "2,Bo Lee,A,Band 6,Clinical non-medical,,,\n"
    )
    other_bytes = one.replace("\n", "\r\n")  # the same rows, other line endings
    _import(db, organisation, one.encode())
    assert _import(db, organisation, other_bytes.encode()).rows_unchanged == 2
    assert len(rows_read) == 2
    # The latest import read other bytes: this file is read row by row, and changes nothing.
    assert _import(db, organisation, one.encode()).rows_unchanged == 2
    assert len(rows_read) == 3
    assert _import(db, organisation, one.encode()).rows_unchanged == 2
    assert len(rows_read) == 3


def test_the_same_file_for_another_organisation_is_read_row_by_row(
    db, organisation, examples, rows_read
):
    data = (examples / "staff.csv").read_bytes().replace(b"RAB", b"")
    _import(db, organisation, data)
    other = factories.OrganisationFactory(code="RZZ")
    db.session.commit()
    elsewhere = _import(db, other, data)
    assert len(rows_read) == 2
    assert (elsewhere.rows_added, elsewhere.rows_unchanged) == (9, 0)


def test_the_same_file_still_has_its_extract_date_checked(db, organisation, examples, rows_read):
    from datetime import timedelta

    from app.timeutil import today_london

    data = (examples / "staff.csv").read_bytes()
    services.import_staff(organisation, data, "staff.csv", "test", as_at=today_london())
    db.session.commit()
    with pytest.raises(ImportRefused) as refused:
        services.import_staff(
            organisation, data, "staff.csv", "test", as_at=today_london() - timedelta(days=1)
        )
    db.session.rollback()
    assert "already been imported" in str(refused.value.problems[0])
    assert rows_read == [1]
