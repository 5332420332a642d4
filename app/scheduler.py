"""The one list of scheduled jobs, and `flask scheduler run`.

Jobs run only in the scheduler process, never in web workers. The process holds a lock for its
whole life (a PostgreSQL advisory lock, or a file lock beside an SQLite database), so a second
scheduler waits instead of running every job twice. Jobs are also idempotent on their own:
reminders are claimed in a table before they are sent.
"""

import contextlib
import fcntl
import logging
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import text

from app.extensions import db

log = logging.getLogger(__name__)
LOCK_KEY = 720_128  # PostgreSQL advisory lock: "the scheduler"


def interval(**fields) -> tuple:
    """APScheduler's IntervalTrigger(**fields), built when the scheduler needs it."""
    return ("interval", fields)


def cron(**fields) -> tuple:
    """APScheduler's CronTrigger(**fields), built when the scheduler needs it."""
    return ("cron", fields)


@dataclass(frozen=True)
class Job:
    id: str
    func: str  # "module:function", imported when the job runs
    schedule: tuple  # (APScheduler trigger kind, its fields), built when the scheduler needs it
    description: str

    @property
    def trigger(self):
        # APScheduler (and its thread pools) load only for the scheduler's own commands, not
        # for every `flask` command.
        from apscheduler.triggers.cron import CronTrigger
        from apscheduler.triggers.interval import IntervalTrigger

        kind, fields = self.schedule
        return (CronTrigger if kind == "cron" else IntervalTrigger)(**fields)


JOBS = [
    Job(
        "deliver-outbox",
        "app.notifications.services:deliver_outbox",
        interval(minutes=1),
        "Send queued emails, retrying failures with backoff",
    ),
    Job(
        "justification-reminders",
        "app.justifications.jobs:send_reminders",
        cron(hour=7, minute=0, timezone="Europe/London"),
        "Remind managers 2 working days before a justification is due, on the day, and weekly "
        "when overdue",
    ),
    Job(
        "mentoring-quiet",
        "app.mentoring.jobs:remind_quiet_relationships",
        cron(day_of_week="mon", hour=8, minute=0, timezone="Europe/London"),
        "Remind senior leaders of relationships with no session for 8 weeks",
    ),
    Job(
        "mentoring-quarterly",
        "app.mentoring.jobs:remind_leaders_without_relationship",
        cron(day=1, month="1,4,7,10", hour=8, minute=0, timezone="Europe/London"),
        "At each quarter's start, remind leaders who have no counting relationship",
    ),
    Job(
        "metric-snapshots",
        "app.metrics.jobs:take_snapshots",
        cron(hour=2, minute=0, timezone="Europe/London"),
        "Store each organisation's headline figures as reported today",
    ),
    Job(
        "audit-checkpoint",
        "app.audit:checkpoint_job",
        cron(hour=2, minute=0, timezone="Europe/London"),
        "With the nightly snapshots: verify the audit trail and sign a checkpoint of it",
    ),
    Job(
        "chair-digest",
        "app.justifications.jobs:send_chair_digest",
        cron(day_of_week="mon", hour=7, minute=30, timezone="Europe/London"),
        "Weekly digest to the chair: overdue justifications, panel exceptions and overdue actions",
    ),
    Job(
        "action-reminders",
        "app.goals.jobs:remind_action_owners",
        cron(hour=7, minute=15, timezone="Europe/London"),
        "Remind owners of WRES actions a week before they are due, on the day, and weekly "
        "when overdue",
    ),
    Job(
        "run-imports",
        "app.import_jobs:run_pending",
        interval(seconds=5),
        "Run uploaded files too big for a web request, one at a time, showing their progress",
    ),
]


def _resolve(path: str) -> Callable:
    module, _, name = path.partition(":")
    return getattr(__import__(module, fromlist=[name]), name)


def run_job(app: Flask, job: Job) -> bool:
    """Run one job in its own app context; it commits its own work, a failure rolls back and is
    logged. False when the job failed (the scheduler carries on; `run-job` exits non-zero)."""
    with app.app_context():
        try:
            result = _resolve(job.func)()
            db.session.commit()
            log.info("Job %s done: %s", job.id, result)
            return True
        except Exception:
            db.session.rollback()
            log.exception("Job %s failed", job.id)
            return False
        finally:
            db.session.remove()


@contextlib.contextmanager
def scheduler_lock(app: Flask, wait: bool = True) -> Iterator[bool]:
    """Hold the one scheduler lock for the block; yields False if not waiting and it is taken."""
    engine = db.engine
    if engine.dialect.name == "postgresql":
        connection = engine.connect()
        try:
            query = "SELECT pg_advisory_lock(:k)" if wait else "SELECT pg_try_advisory_lock(:k)"
            got = connection.execute(text(query), {"k": LOCK_KEY}).scalar()
            got = True if got is None else bool(got)
            connection.commit()
            yield got
        finally:
            with contextlib.suppress(Exception):
                connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": LOCK_KEY})
                connection.commit()
            connection.close()
        return
    path = lock_path(app)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def lock_path(app: Flask) -> Path:
    database = db.engine.url.database or ""
    if database and database != ":memory:":
        return Path(database).with_suffix(".scheduler.lock")
    return Path(app.instance_path) / "scheduler.lock"


scheduler_cli = AppGroup("scheduler", help="Scheduled jobs (run in their own process).")


@scheduler_cli.command("run")
@click.option(
    "--for-seconds",
    type=float,
    default=None,
    help="Stop after this long (for tests and one-off runs).",
)
@click.option("--now", "run_now", is_flag=True, help="Run every job once at start.")
def run(for_seconds: float | None, run_now: bool) -> None:
    """Run the scheduler until stopped. A second one waits for the first."""
    app = current_app._get_current_object()
    click.echo("Waiting for the scheduler lock...", err=True)
    with scheduler_lock(app):
        click.echo(f"Scheduler running {len(JOBS)} jobs.", err=True)
        if run_now:
            for job in JOBS:
                run_job(app, job)
        from apscheduler.schedulers.background import BackgroundScheduler

        scheduler = BackgroundScheduler(timezone="UTC")
        for job in JOBS:
            scheduler.add_job(
                run_job,
                job.trigger,
                args=[app, job],
                id=job.id,
                name=job.description,
                coalesce=True,
                max_instances=1,
                misfire_grace_time=300,
            )
        scheduler.start()
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        with contextlib.suppress(KeyboardInterrupt):
            stop.wait(for_seconds)
        scheduler.shutdown(wait=True)
        click.echo("Scheduler stopped.", err=True)


@scheduler_cli.command("jobs")
def list_jobs() -> None:
    """List the scheduled jobs."""
    for job in JOBS:
        click.echo(f"{job.id:26} {job.trigger}  {job.description}")


@scheduler_cli.command("run-job")
@click.argument("job_id")
def run_one(job_id: str) -> None:
    """Run one job now, under the scheduler lock."""
    job = next((j for j in JOBS if j.id == job_id), None)
    if job is None:
        raise click.BadParameter(f"no job {job_id}: see `flask scheduler jobs`")
    app = current_app._get_current_object()
    with scheduler_lock(app):
        succeeded = run_job(app, job)
    if not succeeded:
        click.echo(f"Error: job {job_id} failed; see the log above for why.", err=True)
        sys.exit(1)
