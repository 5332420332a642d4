"""What an import says (issue 11): a file that is not CSV gets one message, dates may be ISO or
UK day/month/year and the result says which were read, and long problem lists are capped with a
count of the rest, on the upload page and on the command line."""

import io
import json

from sqlalchemy import func, select

from app.csvimport import MAX_PROBLEMS_SHOWN, NOT_CSV
from app.workforce.models import Staff

HEADER = "staff_number,full_name,ethnic_category,pay_band,staff_group,start_date\n"
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001") + bytes(range(256)) * 30


def _upload(client, data: bytes, name: str):
    return client.post(
        "/imports",
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
        follow_redirects=True,
    )


def _staff(db) -> int:
    return db.session.scalar(select(func.count()).select_from(Staff))


def test_a_png_uploaded_as_a_staff_file_gets_one_message(client, db, login_as):
    login_as("hr-admin")
    response = _upload(client, PNG, "photo.png")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert NOT_CSV in page
    assert "Correct these 1 problem in the file" in page
    assert "not UTF-8" not in page
    assert _staff(db) == 0


def test_uk_dates_are_imported_and_the_page_says_how_they_were_read(client, db, login_as):
    login_as("hr-admin")
    data = HEADER + "1,Ann,A,5,Non-clinical,01/09/2016\n2,Bo,N,6,Non-clinical,2016-09-02\n"
    page = _upload(client, data.encode(), "esr.csv").get_data(as_text=True)
    assert "dates read as YYYY-MM-DD and DD/MM/YYYY (UK)" in page
    first = db.session.scalar(select(Staff).where(Staff.staff_number == "1"))
    assert first.start_date.isoformat() == "2016-09-01"


def test_a_long_problem_list_is_capped_on_the_page(client, db, login_as):
    login_as("hr-admin")
    rows = "".join(f"{n},P,A,Band 12,Non-clinical,\n" for n in range(250))
    page = _upload(client, (HEADER + rows).encode(), "esr.csv").get_data(as_text=True)
    assert "Correct these 250 problems in the file" in page
    assert page.count("Band 12") == MAX_PROBLEMS_SHOWN
    assert f"and {250 - MAX_PROBLEMS_SHOWN} more were found" in page
    assert _staff(db) == 0


def test_the_command_refuses_a_png_with_one_message(runner, db, organisation, tmp_path):
    picture = tmp_path / "staff.csv"
    picture.write_bytes(PNG)
    result = runner.invoke(args=["staff", "import", str(picture), "--json"])
    assert result.exit_code == 1
    assert json.loads(result.stdout)["problems"] == [{"line": 0, "column": "", "message": NOT_CSV}]
    assert result.stderr.count("\n  ") == 1 and NOT_CSV in result.stderr


def test_the_command_reads_uk_dates_and_says_so(runner, db, organisation, tmp_path):
    extract = tmp_path / "esr.csv"
    extract.write_text(HEADER + "1,Ann,A,5,Non-clinical,01/09/2016\n")
    result = runner.invoke(args=["staff", "import", str(extract)])
    assert result.exit_code == 0, result.output
    assert "dates read as DD/MM/YYYY (UK)" in result.stderr
    db.session.rollback()
    assert db.session.scalar(select(Staff.start_date)).isoformat() == "2016-09-01"


def test_the_command_caps_its_problem_list(runner, db, organisation, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "".join(f"{n},P,A,Band 12,Non-clinical,\n" for n in range(130)))
    result = runner.invoke(args=["staff", "import", str(bad)])
    assert result.exit_code == 1
    assert result.stderr.count("column pay_band") == MAX_PROBLEMS_SHOWN
    result = runner.invoke(args=["staff", "import", str(bad), "--json"])
    document = json.loads(result.stdout)
    assert len(document["problems"]) == MAX_PROBLEMS_SHOWN
    assert document["more_problems"] == 30
    assert "and 30 more problems" in result.stderr
