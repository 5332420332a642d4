"""Uploads too big for a web request: stored, imported by the worker with visible progress, and
their result or problems kept. The full 200,000-row run is `make fuzz` (RUN_SLOW=1)."""

import io
import os
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from app import import_jobs
from app.import_jobs import ImportJob
from app.timeutil import utcnow
from app.workforce import services as workforce
from app.workforce.models import Staff
from tests import factories

HEADER = "staff_number,full_name,ethnic_category,pay_band,staff_group\n"


def _staff_file(rows: int, bad_line: int | None = None) -> bytes:
    lines = [
        f"{n},Person {n},{'A' if n % 3 else 'N'},{'Band 12' if n + 2 == bad_line else '5'},"
        "Non-clinical\n"
        for n in range(rows)
    ]
    return (HEADER + "".join(lines)).encode()


def _count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _upload(client, data: bytes, name: str = "esr.csv"):
    return client.post(
        "/imports",
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
        follow_redirects=True,
    )


@pytest.fixture
def small_limit(app):
    saved = app.config["BACKGROUND_IMPORT_ROWS"]
    app.config["BACKGROUND_IMPORT_ROWS"] = 100
    yield
    app.config["BACKGROUND_IMPORT_ROWS"] = saved


def test_a_big_upload_is_queued_shows_progress_and_is_imported_by_the_worker(
    client, db, login_as, runner, small_limit, monkeypatch
):
    login_as("hr-admin")
    page = _upload(client, _staff_file(1000)).get_data(as_text=True)
    assert "will be imported in the background" in page
    assert "Waiting to start" in page and "0 of 1,000 rows checked" in page
    assert '<meta http-equiv="refresh" content="3">' in page
    assert _count(db, Staff) == 0

    # What the page would show while the worker is still reading rows, read by another
    # connection, as the page's own request would.
    seen = []
    parse = workforce.parse_staff_file
    monkeypatch.setattr(import_jobs, "PROGRESS_EVERY_ROWS", 100)

    def parse_and_look(*args, **kwargs):
        result = parse(*args, **kwargs)
        with db.engine.connect() as connection:
            seen.append(connection.execute(text("SELECT status, rows_done FROM import_job")).one())
            connection.rollback()
        return result

    monkeypatch.setattr(workforce, "parse_staff_file", parse_and_look)
    result = runner.invoke(args=["imports", "run-pending"])
    assert result.exit_code == 0, result.output
    assert seen[0][0] == "running" and 900 <= seen[0][1] <= 1000

    db.session.rollback()
    assert _count(db, Staff) == 1000
    job = ImportJob.query.one()
    assert (job.status, job.rows_done, job.content) == ("done", 1000, None)
    page = client.get("/imports").get_data(as_text=True)
    assert "Imported" in page and "1000 rows: 1000 added, 0 updated, 0 unchanged" in page
    assert 'http-equiv="refresh"' not in page


def test_a_refused_background_file_keeps_its_problems_and_writes_nothing(
    client, db, login_as, runner, small_limit
):
    login_as("hr-admin")
    _upload(client, _staff_file(500, bad_line=321))
    assert runner.invoke(args=["imports", "run-pending"]).exit_code == 0
    db.session.rollback()
    assert _count(db, Staff) == 0
    job = ImportJob.query.one()
    assert job.status == "failed" and job.content is None
    assert [(p.line, p.column) for p in job.problems] == [(321, "pay_band")]
    page = client.get("/imports").get_data(as_text=True)
    assert "1 problem: nothing was changed" in page
    detail = client.get(f"/imports/jobs/{job.id}").get_data(as_text=True)
    assert "<td>321</td><td>pay_band</td>" in detail
    # The kind is free again: the corrected file goes through.
    _upload(client, _staff_file(500))
    assert runner.invoke(args=["imports", "run-pending"]).exit_code == 0
    db.session.rollback()
    assert _count(db, Staff) == 500


def test_an_import_that_breaks_is_failed_logged_and_the_command_exits_non_zero(
    client, db, login_as, runner, small_limit, monkeypatch
):
    login_as("hr-admin")
    _upload(client, _staff_file(200))

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(workforce, "import_staff", broken)
    result = runner.invoke(args=["imports", "run-pending"])
    assert result.exit_code == 1
    db.session.rollback()
    job = ImportJob.query.one()
    assert job.status == "failed"
    assert "error in the service, not in the file" in job.problems[0].message


def test_a_job_left_running_by_a_dead_worker_is_run_again(db, organisation, runner):
    job = import_jobs.queue(organisation.id, "staff", "esr.csv", _staff_file(10), None)
    job.status, job.started_at = "running", utcnow() - timedelta(hours=2)
    db.session.commit()
    assert runner.invoke(args=["imports", "run-pending"]).exit_code == 0
    db.session.rollback()
    assert ImportJob.query.one().status == "done"
    assert _count(db, Staff) == 10


def test_another_organisations_import_job_is_not_found(client, db, login_as, organisation):
    other = factories.OrganisationFactory(code="RXX", name="Other Trust")
    db.session.flush()
    job = import_jobs.queue(other.id, "staff", "theirs.csv", _staff_file(10), None)
    db.session.commit()
    login_as("hr-admin")
    assert client.get(f"/imports/jobs/{job.id}").status_code == 404
    assert "theirs.csv" not in client.get("/imports").get_data(as_text=True)


def test_the_scheduler_runs_queued_imports(app, db, organisation):
    from app.scheduler import JOBS, run_job

    import_jobs.queue(organisation.id, "staff", "esr.csv", _staff_file(10), None)
    db.session.commit()
    job = next(job for job in JOBS if job.id == "run-imports")
    assert run_job(app, job) is True
    assert _count(db, Staff) == 10


def test_an_upload_over_the_default_limit_goes_to_the_background(client, db, login_as, runner):
    login_as("hr-admin")
    page = _upload(client, _staff_file(6000)).get_data(as_text=True)
    assert "6,000 rows" in page and "Waiting to start" in page
    assert _count(db, Staff) == 0
    assert runner.invoke(args=["imports", "run-pending"]).exit_code == 0
    db.session.rollback()
    assert _count(db, Staff) == 6000


@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get("RUN_SLOW"), reason="full size: `make fuzz` runs it")
def test_a_200000_row_staff_file_uploaded_through_the_web_is_imported_in_the_background(
    client, db, login_as, runner
):
    login_as("hr-admin")
    data = _staff_file(200_000)
    response = _upload(client, data)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "200,000 rows" in page and "Waiting to start" in page
    assert runner.invoke(args=["imports", "run-pending"]).exit_code == 0
    db.session.rollback()
    assert _count(db, Staff) == 200_000
    page = client.get("/imports").get_data(as_text=True)
    assert "200000 rows: 200000 added" in page
