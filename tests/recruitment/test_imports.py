"""Recruitment and panel files: the examples, idempotence, every bad file, the commands."""

import json

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import DatabaseError

from app import bulk
from app.csvimport import ImportRefused
from app.recruitment import files, imports
from app.recruitment.models import Applicant, Application, Batch, Panel, PanelMember, Vacancy
from app.workforce import services as workforce

HEADER = (
    "vacancy_reference,batch_reference,job_title,pay_band,staff_group,"
    "applicant_reference,ethnic_category,shortlisted,interviewed,appointed,decision_date,"
    "international_recruit\n"
)
PANEL_HEADER = (
    "vacancy_reference,batch_reference,stage,staff_number,external_name,"
    "ethnic_category,role,exception_reason\n"
)


def _count(db, model):
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def trust(db, organisation, examples):
    """The example trust: staff, then recruitment outcomes, then panels."""
    workforce.import_staff(organisation, (examples / "staff.csv").read_bytes(), "staff.csv", "test")
    imports.import_recruitment(
        organisation, (examples / "recruitment.csv").read_bytes(), "recruitment.csv", "test"
    )
    imports.import_panels(
        organisation, (examples / "panels.csv").read_bytes(), "panels.csv", "test"
    )
    db.session.commit()
    return organisation


def _refused(db, organisation, text, importer=imports.import_recruitment):
    before = {
        m: _count(db, m) for m in (Vacancy, Batch, Applicant, Application, Panel, PanelMember)
    }
    with pytest.raises(ImportRefused) as refused:
        importer(organisation, text.encode(), "bad.csv", "test")
    db.session.rollback()
    assert {m: _count(db, m) for m in before} == before
    return [(p.line, p.column) for p in refused.value.problems], refused.value.problems


def test_example_recruitment_file(trust, db):
    v1001 = Vacancy.query.filter_by(reference="V-1001").one()
    assert (v1001.title, v1001.pay_band, v1001.staff_group) == (
        "Head of Finance",
        "8b",
        "non-clinical",
    )
    assert v1001.decision_date.isoformat() == "2025-11-03" and v1001.status == "decided"
    batch = Batch.query.filter_by(reference="B-01").one()
    assert sorted(v.reference for v in batch.vacancies) == ["V-2001", "V-2002"]
    assert batch.decision_date.isoformat() == "2025-12-22"
    # A-502 applied twice (two vacancies): one person, two applications.
    a502 = Applicant.query.filter_by(reference="A-502").one()
    assert a502.ethnic_category == "M"
    assert Application.query.filter_by(applicant_id=a502.id).count() == 2
    # Batch applicants apply once to the batch; the appointed one names the post.
    batch_apps = Application.query.filter_by(batch_id=batch.id).all()
    assert len(batch_apps) == 4
    a601 = next(a for a in batch_apps if a.applicant.reference == "A-601")
    assert a601.appointed_vacancy.reference == "V-2001"
    assert Applicant.query.filter_by(reference="A-503").one().ethnic_category == "99"


def test_example_panels_and_compliance(trust, runner):
    result = runner.invoke(args=["panels", "compliance", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report == {
        "year": None,
        "panels_total": 4,
        "panels_compliant": 2,
        "exceptions": [
            {
                "vacancy_reference": None,
                "batch_reference": "B-01",
                "stage": "shortlisting",
                "reason": "The only trained shortlister free that week was "
                "unavailable; panel reviewed by the inclusion lead",
            }
        ],
        "breaches": [
            {"vacancy_reference": "V-1001", "batch_reference": None, "stage": "shortlisting"}
        ],
    }


def test_compliance_for_a_year_counts_only_what_was_decided_in_it(trust, runner):
    in_year = json.loads(
        runner.invoke(args=["panels", "compliance", "--year", "2026", "--json"]).stdout
    )
    assert in_year["panels_total"] == 4
    other = json.loads(
        runner.invoke(args=["panels", "compliance", "--year", "2025", "--json"]).stdout
    )
    assert (other["year"], other["panels_total"], other["breaches"]) == (2025, 0, [])


def test_reimporting_both_files_changes_nothing(trust, db, organisation, examples, runner):
    counts = {
        m: _count(db, m) for m in (Vacancy, Batch, Applicant, Application, Panel, PanelMember)
    }
    again = runner.invoke(
        args=["recruitment", "import", str(examples / "recruitment.csv"), "--json"]
    )
    assert json.loads(again.stdout) == {
        "organisation_code": "RAB",
        "file": "recruitment.csv",
        "added": 0,
        "updated": 0,
        "unchanged": 10,
    }
    panels = runner.invoke(args=["panels", "import", str(examples / "panels.csv"), "--json"])
    assert json.loads(panels.stdout)["unchanged"] == 8
    assert {m: _count(db, m) for m in counts} == counts


def test_an_import_raises_posts_to_the_number_appointed(db, organisation):
    imports.import_recruitment(
        organisation,
        (
            HEADER
            + "V-9,,Nurse,5,,P-1,A,Y,Y,Y,2026-01-05,N\n"
            + "V-9,,Nurse,5,,P-2,N,Y,Y,Y,2026-01-05,N\n"
        ).encode(),
        "a.csv",
        "test",
    )
    assert Vacancy.query.one().posts == 2


def test_appointments_from_a_batch_count_toward_the_posts_of_their_vacancy(db, organisation):
    imports.import_recruitment(
        organisation,
        (
            HEADER
            + "V-7,B-1,Nurse,5,,P-1,A,Y,Y,Y,2026-01-05,N\n"
            + "V-7,B-1,Nurse,5,,P-2,N,Y,Y,Y,2026-01-05,N\n"
            + "V-8,B-1,Nurse,5,,P-3,N,Y,Y,Y,2026-01-05,N\n"
            + ",B-1,Nurse,5,,P-4,N,Y,Y,N,2026-01-05,N\n"
        ).encode(),
        "a.csv",
        "test",
    )
    posts = dict(db.session.execute(select(Vacancy.reference, Vacancy.posts)).all())
    assert posts == {"V-7": 2, "V-8": 1}


def test_appointed_without_shortlisting_is_refused(db, organisation):
    where, problems = _refused(
        db, organisation, HEADER + "V-9,,Nurse,5,,P-1,A,N,N,Y,2026-01-05,N\n"
    )
    assert where == [(2, "appointed")]
    assert "shortlisted" in problems[0].message


def test_a_batch_applicant_appointed_to_two_vacancies_is_refused(db, organisation):
    where, problems = _refused(
        db,
        organisation,
        HEADER
        + "V-1,B-1,Nurse,5,,P-1,A,Y,Y,Y,2026-01-05,N\n"
        + "V-2,B-1,Nurse,5,,P-1,A,Y,Y,Y,2026-01-05,N\n",
    )
    assert where == [(3, "applicant_reference")]
    assert "appointed to two vacancies of batch B-1" in problems[0].message


def test_a_vacancy_with_two_bands_is_refused(db, organisation):
    where, problems = _refused(
        db,
        organisation,
        HEADER
        + "V-1,,Nurse,Band 5,,P-1,A,Y,Y,Y,2026-01-05,N\n"
        + "V-1,,Nurse,Band 6,,P-2,A,Y,N,N,2026-01-05,N\n",
    )
    assert where == [(3, "pay_band")]
    assert "expected the same" in problems[0].message


def test_a_decision_date_in_the_future_is_refused(db, organisation):
    where, _ = _refused(db, organisation, HEADER + "V-1,,Nurse,5,,P-1,A,Y,N,N,2099-01-05,N\n")
    assert where == [(2, "decision_date")]


def test_a_shortlisted_row_needs_a_decision_date(db, organisation):
    where, _ = _refused(db, organisation, HEADER + "V-1,,Nurse,5,,P-1,A,Y,N,N,,N\n")
    assert where == [(2, "decision_date")]


def test_every_problem_is_listed_at_once(db, organisation):
    where, _ = _refused(
        db,
        organisation,
        HEADER + "V-1,,Nurse,Band 12,,P-1,Q,maybe,N,N,2026-01-05,N\n" + ",,Nurse,5,,,A,N,N,N,,N\n",
    )
    assert where == [
        (2, "ethnic_category"),
        (2, "pay_band"),
        (2, "shortlisted"),
        (3, "applicant_reference"),
        (3, "vacancy_reference"),
    ]


def test_panel_file_with_an_unknown_staff_number_is_refused(trust, db, organisation):
    where, problems = _refused(
        db,
        organisation,
        PANEL_HEADER + "V-1001,,interview,99999999,,,member,\n",
        imports.import_panels,
    )
    assert where == [(2, "staff_number")]
    assert "no staff member 99999999" in problems[0].message


def test_panel_row_naming_staff_and_external_is_refused(trust, db, organisation):
    where, _ = _refused(
        db,
        organisation,
        PANEL_HEADER + "V-1001,,interview,20000002,Jo Marsh,A,member,\n",
        imports.import_panels,
    )
    assert where == [(2, "staff_number")]


def test_panel_row_for_a_vacancy_that_does_not_exist_is_refused(trust, db, organisation):
    where, problems = _refused(
        db,
        organisation,
        PANEL_HEADER + "V-404,,interview,20000002,,,member,\n",
        imports.import_panels,
    )
    assert where == [(2, "vacancy_reference")]
    assert "import the recruitment file first" in problems[0].message


def test_commands_refuse_bad_files_with_exit_1(runner, db, organisation, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "V-1,,Nurse,5,,P-1,A,N,N,Y,2026-01-05,N\n")
    result = runner.invoke(args=["recruitment", "import", str(bad)])
    assert result.exit_code == 1
    assert "line 2, column appointed" in result.stderr
    assert _count(db, Vacancy) == 0


def test_hr_uploads_both_files_on_the_imports_page(client, db, login_as, examples, organisation):
    login_as("hr-admin")
    workforce.import_staff(organisation, (examples / "staff.csv").read_bytes(), "s.csv", "t")
    db.session.commit()
    for kind in ("recruitment", "panels"):
        with open(examples / f"{kind}.csv", "rb") as handle:
            response = client.post(
                "/recruitment/imports",
                data={"kind": kind, f"{kind}-file": (handle, f"{kind}.csv")},
                content_type="multipart/form-data",
                follow_redirects=True,
            )
        assert f"Imported {kind}.csv" in response.get_data(as_text=True)
    page = client.get("/panels/compliance").get_data(as_text=True)
    assert "Breaches (no exception recorded)</th><td>1" in page


def test_a_bad_upload_lists_problems_on_the_page(client, db, login_as):
    login_as("hr-admin")
    import io

    response = client.post(
        "/recruitment/imports",
        data={
            "kind": "recruitment",
            "recruitment-file": (
                io.BytesIO((HEADER + "V-1,,N,5,,P,A,N,Y,N,,N\n").encode()),
                "bad.csv",
            ),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert "The file was not imported" in response.get_data(as_text=True)
    assert _count(db, Vacancy) == 0


def _applications(db, organisation_id):
    return sorted(
        db.session.execute(
            select(
                Applicant.reference,
                Applicant.ethnic_category,
                Vacancy.reference,
                Batch.reference,
                Application.shortlisted,
                Application.interviewed,
                Application.appointed,
                Application.international_recruit,
                Application.pay_band,
                Application.staff_group,
            )
            .join(Applicant, Applicant.id == Application.applicant_id)
            .outerjoin(Vacancy, Vacancy.id == Application.vacancy_id)
            .outerjoin(Batch, Batch.id == Application.batch_id)
            .where(Application.organisation_id == organisation_id)
        ).all(),
        key=repr,
    )


def test_a_file_of_up_to_the_kept_rows_is_read_once(db, organisation, examples, monkeypatch):
    """Its second reading gives the first reading's rows instead of parsing the file again; a
    longer file is read again, and both write the same."""
    readings = []

    class CountedRecords(files.Records):
        def __init__(self, *args, **kwargs):
            readings.append(1)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(files, "Records", CountedRecords)
    data = (examples / "recruitment.csv").read_bytes()
    imports.import_recruitment(organisation, data, "recruitment.csv", "test")
    assert len(readings) == 1
    kept = _applications(db, organisation.id)

    readings.clear()
    monkeypatch.setattr(files, "KEPT_ROWS", 3)
    other = workforce.create_organisation("RYY", "Other NHS Trust")
    imports.import_recruitment(other, data, "recruitment.csv", "test")
    assert len(readings) == 2
    assert _applications(db, other.id) == kept and len(kept) > 3


def test_an_application_is_of_an_applicant_of_its_own_organisation(trust, db):
    """One key, (organisation, applicant), says both that the applicant exists and that the
    application is of the same organisation: one filed under another organisation is refused."""
    other = workforce.create_organisation("RYY", "Other NHS Trust")
    applicant = Applicant(organisation_id=trust.id, reference="A-NEW", ethnic_category="A")
    db.session.add(applicant)
    db.session.flush()
    vacancy = db.session.scalars(select(Vacancy)).first()
    db.session.add(
        Application(organisation_id=other.id, applicant_id=applicant.id, vacancy_id=vacancy.id)
    )
    with pytest.raises(DatabaseError, match=r"(?i)foreign key"):
        db.session.flush()
    db.session.rollback()


def test_new_applicants_are_numbered_in_the_order_the_file_first_names_them(db, organisation):
    imports.import_recruitment(
        organisation,
        (
            HEADER
            + "V-1,,Nurse,5,,Z-9,A,N,N,N,,N\n"
            + "V-1,,Nurse,5,,A-1,99,N,N,N,,N\n"
            + "V-2,,Nurse,5,,M-5,N,N,N,N,,N\n"
            + "V-2,,Nurse,5,,A-1,C,N,N,N,,N\n"
            + "V-2,,Nurse,5,,B-2,,N,N,N,,N\n"
        ).encode(),
        "a.csv",
        "test",
    )
    found = db.session.execute(
        select(Applicant.reference, Applicant.ethnic_category).order_by(Applicant.id)
    ).all()
    # A-1's first rows said 99: the category a later row gives is theirs.
    assert found == [("Z-9", "A"), ("A-1", "C"), ("M-5", "N"), ("B-2", "99")]


_FIRST = (
    HEADER
    + "V-1,,Nurse,5,,P-1,99,Y,Y,N,2026-01-05,N\n"
    + "V-1,,Nurse,5,,P-2,A,Y,Y,Y,2026-01-05,N\n"
    + "V-1,,Nurse,5,,P-3,M,N,N,N,2026-01-05,N\n"
    + "V-2,,Porter,2,,P-1,,N,N,N,,N\n"
    + "V-2,,Porter,2,,P-4,N,N,N,N,,N\n"
    + "V-3,B-1,Nurse,5,,P-5,A,Y,Y,Y,2026-01-06,N\n"
    + ",B-1,Nurse,5,,P-6,M,Y,Y,N,2026-01-06,N\n"
)
# Changed outcomes, a known person's category given at last (on a later row than their first),
# new people between known ones, a new vacancy's applications among old ones.
_SECOND = (
    HEADER
    + "V-1,,Nurse,5,,P-1,99,Y,Y,N,2026-01-05,N\n"
    + "V-1,,Nurse,5,,P-2,A,Y,Y,Y,2026-01-05,N\n"
    + "V-1,,Nurse,5,,P-3,M,Y,N,N,2026-01-05,N\n"
    + "V-4,,Clerk,3,,N-1,C,N,N,N,,N\n"
    + "V-4,,Clerk,3,,N-2,A,N,N,N,,N\n"
    + "V-2,,Porter,2,,P-1,D,N,N,N,,N\n"
    + "V-2,,Porter,2,,P-4,N,N,N,N,,N\n"
    + "V-4,,Clerk,3,,N-3,99,N,N,N,,N\n"
    + "V-3,B-1,Nurse,5,,P-5,A,Y,Y,Y,2026-01-06,N\n"
    + ",B-1,Nurse,5,,P-6,M,Y,Y,N,2026-01-06,N\n"
    + "V-4,,Clerk,3,,P-4,N,N,N,N,,N\n"
)


def _imported(db, organisation) -> tuple:
    counts = []
    for text in (_FIRST, _SECOND):
        record = imports.import_recruitment(organisation, text.encode(), "r.csv", "test")
        counts.append((record.rows_added, record.rows_updated, record.rows_unchanged))
    people = sorted(
        db.session.execute(
            select(Applicant.reference, Applicant.ethnic_category).where(
                Applicant.organisation_id == organisation.id
            )
        ).all()
    )
    return counts, people, _applications(db, organisation.id)


def test_applying_a_chunk_at_a_time_writes_what_applying_it_whole_does(
    db, organisation, monkeypatch
):
    """New people's applications go out in one stream across chunks; a chunk naming someone
    already there stops it to read their applications. Chunks of two rows cross every one of
    those boundaries, and must write and count exactly what one chunk does."""
    whole = _imported(db, organisation)
    # P-1 given a category at last: both their rows count as updated, whichever chunk.
    assert whole[0] == [(7, 0, 0), (4, 3, 4)]
    assert ("P-1", "D") in whole[1]

    every = bulk.chunks
    monkeypatch.setattr(bulk, "chunks", lambda values, size=2: every(values, 2))
    other = workforce.create_organisation("RYY", "Other NHS Trust")
    assert _imported(db, other) == whole
