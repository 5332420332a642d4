"""The home page's and the dashboard's kept figures never outlive a change to the data, whatever
made the change: the upload page, a form, a command, the scheduler's job, a set-based statement."""

import io
import re

from sqlalchemy import event, text

from app import figure_cache, import_jobs
from app.extensions import db as _db
from app.timeutil import today_london
from app.workforce.wres_year import year_containing

HEADER = "staff_number,full_name,ethnic_category,pay_band,staff_group\n"


def _staff_file(first: int, rows: int) -> bytes:
    lines = [f"{n},Person {n},{'A' if n % 3 else 'N'},5,Non-clinical\n" for n in range(first, rows)]
    return (HEADER + "".join(lines)).encode()


def _in_post(client) -> int:
    page = client.get("/").get_data(as_text=True)
    _db.session.rollback()  # the request shared the test's session: end its read
    return int(re.search(r"(\d+) people, ", page).group(1))


def _page(client, path: str) -> str:
    """The page without what differs on every response (the script nonce, the form token)."""
    page = client.get(path).get_data(as_text=True)
    return re.sub(r'(nonce|name="csrf_token" value)="[^"]*"', "", page)


def _fresh(app, client, path: str) -> str:
    """The page as it is with nothing kept: an empty folder and empty memory."""
    saved = app.config["FIGURE_CACHE_DIR"]
    figure_cache._memory.clear()
    app.config["FIGURE_CACHE_DIR"] = str(app.config["FIGURE_CACHE_DIR_FRESH"])
    try:
        return _page(client, path)
    finally:
        app.config["FIGURE_CACHE_DIR"] = saved


def _queries(client, path: str) -> int:
    statements = []

    def count(*_args):
        statements.append(1)

    event.listen(_db.engine, "before_cursor_execute", count)
    try:
        assert client.get(path).status_code == 200
    finally:
        event.remove(_db.engine, "before_cursor_execute", count)
    return len(statements)


def test_an_upload_shows_on_the_home_page_at_once(client, db, login_as):
    login_as("hr-admin")
    assert _in_post(client) == 0
    assert _in_post(client) == 0  # kept
    response = client.post(
        "/imports",
        data={"file": (io.BytesIO(_staff_file(0, 9)), "esr.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    assert _in_post(client) == 9


def test_a_command_and_the_scheduler_job_show_on_the_home_page(
    app, client, db, login_as, runner, organisation, tmp_path
):
    from app.scheduler import JOBS, run_job

    login_as("hr-admin")
    assert _in_post(client) == 0
    extract = tmp_path / "esr.csv"
    extract.write_bytes(_staff_file(0, 4))
    assert runner.invoke(args=["staff", "import", str(extract)]).exit_code == 0
    assert _in_post(client) == 4

    import_jobs.queue(organisation.id, "staff", "esr.csv", _staff_file(0, 10), None)
    db.session.commit()
    assert _in_post(client) == 4  # queued, not imported yet
    job = next(job for job in JOBS if job.id == "run-imports")
    assert run_job(app, job) is True
    assert _in_post(client) == 10


def test_a_set_based_statement_shows_and_a_rolled_back_one_does_not(client, db, login_as):
    login_as("hr-admin")
    client.post(
        "/imports",
        data={"file": (io.BytesIO(_staff_file(0, 6)), "esr.csv")},
        content_type="multipart/form-data",
    )
    assert _in_post(client) == 6
    token = db.session.scalar(text("SELECT token FROM figure_version"))
    db.session.execute(text("UPDATE staff SET leaving_date = '2001-01-01'"))
    db.session.rollback()
    assert db.session.scalar(text("SELECT token FROM figure_version")) == token
    assert _in_post(client) == 6
    with db.engine.begin() as connection:  # outside the session, as a bulk import may write
        connection.execute(text("UPDATE staff SET leaving_date = '2001-01-01'"))
    db.session.rollback()
    assert db.session.scalar(text("SELECT token FROM figure_version")) != token
    assert _in_post(client) == 0


def test_rows_written_through_the_drivers_own_cursor_change_the_token(client, db, login_as):
    """bulk.insert_rows writes by COPY or the driver's executemany, which no SQLAlchemy event
    sees: it marks the transaction itself."""
    from app import bulk
    from app.timeutil import utcnow
    from app.workforce.models import Organisation

    login_as("hr-admin")
    token = db.session.scalar(text("SELECT token FROM figure_version"))
    bulk.insert_rows(
        Organisation.__table__,
        [{"code": "ZZ9", "name": "Driver cursor trust", "created_at": utcnow()}],
    )
    db.session.commit()
    assert db.session.scalar(text("SELECT token FROM figure_version")) != token


def test_a_kept_figure_is_read_from_the_shared_folder_by_another_worker(client, db, login_as):
    login_as("hr-admin")
    computed = _queries(client, "/")
    kept = _queries(client, "/")
    figure_cache._memory.clear()  # as another worker's process, which shares only the folder
    from_folder = _queries(client, "/")
    assert kept == from_folder < computed


def test_the_dashboard_after_an_upload_is_the_dashboard_computed_afresh(
    app, client, db, login_as, tmp_path
):
    app.config["FIGURE_CACHE_DIR_FRESH"] = tmp_path / "fresh"
    login_as("hr-admin", "chair")
    year = year_containing(today_london()).year
    paths = [f"/dashboard?year={year}", f"/dashboard/indicator-1?year={year}"]
    before = [_page(client, path) for path in paths]
    client.post(
        "/imports",
        data={"file": (io.BytesIO(_staff_file(0, 12)), "esr.csv")},
        content_type="multipart/form-data",
        follow_redirects=True,  # shows, and so ends, the flash message
    )
    for path, _old in zip(paths, before, strict=True):
        page = _page(client, path)
        assert page == _fresh(app, client, path)
    assert _page(client, paths[1]) != before[1]


def test_a_what_if_turnover_is_never_kept(client, db, login_as):
    login_as("hr-admin")
    year = year_containing(today_london()).year
    path = f"/dashboard/aspiration?year={year}&turnover=12.5"
    client.get(f"/dashboard/aspiration?year={year}")
    kept = _queries(client, f"/dashboard/aspiration?year={year}")
    assert _queries(client, path) == _queries(client, path) > kept


def test_signing_in_keeps_the_figures_and_a_renamed_manager_does_not(app, client, db, login_as):
    from tests.conftest import sign_in

    hr = login_as("hr-admin")
    token = db.session.scalar(text("SELECT token FROM figure_version"))
    client.post("/sign-out", data={})
    assert sign_in(client, hr.email).status_code == 302
    assert db.session.scalar(text("SELECT token FROM figure_version")) == token
    hr.full_name = "Renamed"
    db.session.commit()
    assert db.session.scalar(text("SELECT token FROM figure_version")) != token


def test_the_nightly_job_removes_figures_kept_for_past_days(app, client, db, login_as):
    import os
    from datetime import timedelta

    from app.metrics import jobs

    login_as("hr-admin")
    client.get("/")
    folder = figure_cache._folder()
    kept = sorted(folder.glob("*.pickle"), key=lambda p: p.stat().st_mtime)[-1]
    old = kept.stat().st_mtime - 3 * 86400
    os.utime(kept, (old, old))
    jobs.take_snapshots(today_london() - timedelta(days=5))
    assert kept.exists()
    jobs.take_snapshots()
    assert not kept.exists()
