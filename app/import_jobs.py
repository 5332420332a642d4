"""Imports too big for a web request, and the one-import-at-a-time rule for every import.

An upload above the size a request handles in a few seconds is stored as an `import_job` and run
by the scheduler process (or `flask imports run-pending`); the imports pages show its progress and
keep its result or its problems. The import itself is the same all-or-nothing function the
request and the command line call.

Two imports of the same kind for the same organisation never run at once: a queued or running job
is a row that a unique partial index allows once per kind and organisation, and an import holds a
transaction-scoped advisory lock on PostgreSQL (SQLite's BEGIN IMMEDIATE already makes writers
take turns), so a second one is told an import is running instead of failing on a duplicate key.
"""

import json
import logging
import sys
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta

import click
from flask.cli import AppGroup
from sqlalchemy import (
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    func,
    select,
    text,
    update,
)
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.csvimport import (
    ImportRefused,
    Problem,
    ProblemList,
    capped,
    control_character,
    reporting_progress,
)
from app.database import BUSY_TIMEOUT_MS
from app.extensions import FoundationModel, db
from app.import_history import IMPORT_KINDS
from app.timeutil import utcnow

log = logging.getLogger(__name__)

IMPORTERS = {
    "staff": "app.workforce.services:import_staff",
    "recruitment": "app.recruitment.imports:import_recruitment",
    "panels": "app.recruitment.imports:import_panels",
    "mentoring": "app.mentoring.imports:import_mentoring",
    "survey": "app.survey.imports:import_survey",
    "disciplinary": "app.wres_return.imports:import_disciplinary",
    "training": "app.wres_return.imports:import_training",
}
ACTIVE = ("queued", "running")
# A job still "running" this long after it started belongs to a scheduler that died: its
# transaction rolled back with it, so running it again is safe.
STALE_AFTER = timedelta(hours=1)
PROGRESS_EVERY_ROWS = 2000
PROGRESS_EVERY_SECONDS = 1.0
LOCK_CLASS = 720_200  # PostgreSQL advisory lock keys: (LOCK_CLASS + kind, organisation id)


class ImportJob(FoundationModel):
    __tablename__ = "import_job"
    __table_args__ = (
        Index(
            "uq_import_job_active_kind",
            "organisation_id",
            "kind",
            unique=True,
            sqlite_where=text("status IN ('queued', 'running')"),
            postgresql_where=text("status IN ('queued', 'running')"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))
    requested_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    filename: Mapped[str] = mapped_column(String(255))
    # The uploaded file until it has been imported or refused; then only the outcome is kept.
    content: Mapped[bytes | None] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(10), default="queued")
    rows_total: Mapped[int] = mapped_column(Integer, default=0)
    rows_done: Mapped[int] = mapped_column(Integer, default=0)
    data_import_id: Mapped[int | None] = mapped_column(
        ForeignKey("data_import.id", ondelete="SET NULL")
    )
    problems_json: Mapped[str | None] = mapped_column(Text)
    # The date a staff extract describes (the staff history's effective date); None: the day
    # the job runs.
    as_at: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)

    requested_by = relationship("User")
    result = relationship("DataImport")

    @property
    def kind_name(self) -> str:
        return IMPORT_KINDS.get(self.kind, self.kind)

    @property
    def active(self) -> bool:
        return self.status in ACTIVE

    @property
    def percent(self) -> int:
        if self.status == "done":
            return 100
        if not self.rows_total:
            return 0
        return min(99, self.rows_done * 100 // self.rows_total)

    @property
    def problems(self) -> ProblemList:
        stored = json.loads(self.problems_json or "[]")
        if isinstance(stored, dict):  # {"problems": [...], "more": n}: a file with many
            return capped((Problem(**p) for p in stored["problems"]), stored["more"])
        return capped(Problem(**p) for p in stored)


def count_rows(data: bytes) -> int:
    """Data rows in a file, near enough for progress and for choosing the background."""
    lines = data.count(b"\n") + (0 if data.endswith(b"\n") or not data else 1)
    return max(0, lines - 1)


def clean_filename(name: str) -> str:
    """A filename as the user's browser sent it, safe to store and show."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    while control_character(name):
        name = "".join(" " if control_character(c) else c for c in name)
    return " ".join(name.split())[:255] or "upload.csv"


def busy_problem(kind: str) -> Problem:
    return Problem(
        0,
        "",
        f"an import of {IMPORT_KINDS.get(kind, kind).lower()} is already waiting or running for "
        "your organisation: wait for it to finish, then import this file again",
    )


def refuse_if_busy(organisation_id: int, kind: str, wait: bool = False) -> None:
    """Raise ImportRefused if another import of this kind for this organisation is queued or
    running; otherwise hold the kind's lock until the transaction ends."""
    # The table's columns, not the mapped class's: a command that touches no mapped object
    # otherwise (a staff import) never sets up the mappers.
    jobs = ImportJob.__table__.c
    active = db.session.scalar(
        select(jobs.id).where(
            jobs.organisation_id == organisation_id,
            jobs.kind == kind,
            jobs.status.in_(ACTIVE),
        )
    )
    if active is not None:
        raise ImportRefused([busy_problem(kind)])
    lock_kind(organisation_id, kind, wait)


def lock_kind(organisation_id: int, kind: str, wait: bool) -> None:
    if db.session.get_bind().dialect.name != "postgresql":
        return  # SQLite: BEGIN IMMEDIATE already lets one writer in at a time
    key = {"a": LOCK_CLASS + list(IMPORTERS).index(kind), "b": organisation_id}
    if wait:
        db.session.execute(text("SELECT pg_advisory_xact_lock(:a, :b)"), key)
        return
    got = db.session.scalar(text("SELECT pg_try_advisory_xact_lock(:a, :b)"), key)
    if not got:
        raise ImportRefused([busy_problem(kind)])


def belongs_in_background(data: bytes, config) -> bool:
    return (
        len(data) > config["BACKGROUND_IMPORT_BYTES"]
        or count_rows(data) > config["BACKGROUND_IMPORT_ROWS"]
    )


def queue(
    organisation_id: int, kind: str, filename: str, data: bytes, actor, as_at: date | None = None
) -> ImportJob:
    """Store the file to be imported in the background. Raises ImportRefused when an import of
    this kind is already waiting or running."""
    if kind not in IMPORTERS:
        raise ValueError(f"unknown import kind {kind!r}")
    refuse_if_busy(organisation_id, kind)
    job = ImportJob(
        organisation_id=organisation_id,
        kind=kind,
        requested_by_id=getattr(actor, "id", None),
        filename=clean_filename(filename),
        content=data,
        rows_total=count_rows(data),
        as_at=as_at,
    )
    try:
        with db.session.begin_nested():
            db.session.add(job)
    except IntegrityError:
        # Another upload of this kind was queued a moment ago (the unique active-job index).
        raise ImportRefused([busy_problem(kind)]) from None
    return job


def jobs_for(organisation_id: int, kinds, recent: int = 5) -> list[ImportJob]:
    """Jobs still waiting or running, and the last few finished, newest first."""
    return list(
        db.session.scalars(
            select(ImportJob)
            .where(ImportJob.organisation_id == organisation_id, ImportJob.kind.in_(list(kinds)))
            .order_by(ImportJob.id.desc())
            .limit(recent)
        )
    )


# The worker


def _resolve(path: str) -> Callable:
    module, _, name = path.partition(":")
    return getattr(__import__(module, fromlist=[name]), name)


class _ProgressWriter:
    """Writes rows read so far on its own short transaction, so the page can show them while
    the import's own transaction is still open (and uncommitted)."""

    def __init__(self, job_id: int):
        self.job_id = job_id
        self.last_rows = 0
        self.last_time = time.monotonic()

    def __call__(self, line: int) -> None:
        rows = max(0, line - 1)
        now = time.monotonic()
        if (
            rows - self.last_rows < PROGRESS_EVERY_ROWS
            and now - self.last_time < PROGRESS_EVERY_SECONDS
        ):
            return
        self.last_rows, self.last_time = rows, now
        with db.engine.connect() as connection:
            sqlite = connection.dialect.name == "sqlite"
            if sqlite:
                # Progress is a courtesy: if another writer holds SQLite's lock, skip this
                # update rather than hold up the import.
                connection.connection.dbapi_connection.execute("PRAGMA busy_timeout = 100")
            try:
                connection.execute(
                    update(ImportJob.__table__)
                    .where(ImportJob.__table__.c.id == self.job_id)
                    .values(rows_done=rows)
                )
                connection.commit()
            except OperationalError:
                connection.rollback()
                log.info("Progress of import job %s not recorded: database busy", self.job_id)
            finally:
                if sqlite:
                    connection.connection.dbapi_connection.execute(
                        f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}"
                    )


def _claim_next() -> int | None:
    job_id = db.session.scalar(
        select(ImportJob.id).where(ImportJob.status == "queued").order_by(ImportJob.id).limit(1)
    )
    if job_id is None:
        db.session.commit()
        return None
    claimed = db.session.execute(
        update(ImportJob)
        .where(ImportJob.id == job_id, ImportJob.status == "queued")
        .values(status="running", started_at=utcnow(), rows_done=0)
    ).rowcount
    db.session.commit()
    return job_id if claimed == 1 else _claim_next()


def _requeue_stale() -> None:
    db.session.execute(
        update(ImportJob)
        .where(ImportJob.status == "running", ImportJob.started_at < utcnow() - STALE_AFTER)
        .values(status="queued")
    )
    db.session.commit()


def _finish(job_id: int, status: str, problems=(), data_import_id=None) -> None:
    job = db.session.get(ImportJob, job_id)
    job.status = status
    job.finished_at = utcnow()
    job.content = None
    job.data_import_id = data_import_id
    if status == "done":
        job.rows_done = job.rows_total
    shown = [{"line": p.line, "column": p.column, "message": p.message} for p in problems]
    more = getattr(problems, "more", 0)
    job.problems_json = json.dumps({"problems": shown, "more": more} if more else shown)


def run_job(job_id: int) -> str:
    """Import one claimed job, all or nothing: "done", "refused" (the file's problems are kept)
    or "failed" (something unexpected; logged, nothing written)."""
    from app.accounts.models import User
    from app.workforce.models import Organisation

    job = db.session.get(ImportJob, job_id)
    organisation = db.session.get(Organisation, job.organisation_id)
    actor = db.session.get(User, job.requested_by_id) if job.requested_by_id else None
    data, filename, kind = job.content or b"", job.filename, job.kind
    extra = {"as_at": job.as_at} if job.as_at else {}
    organisation_id = job.organisation_id
    apply = _resolve(IMPORTERS[kind])
    # Reading rows touches no table, so with no transaction open here (on SQLite; nothing below
    # reads before the rows are read) the progress writer's short transactions don't wait.
    db.session.commit()
    try:
        with reporting_progress(_ProgressWriter(job_id)):
            lock_kind(organisation_id, kind, wait=True)
            record = apply(organisation, data, filename, "upload", actor, **extra)
        _finish(job_id, "done", data_import_id=record.id)
        db.session.commit()
        return "done"
    except ImportRefused as refused:
        db.session.rollback()
        _finish(job_id, "failed", refused.problems)
        db.session.commit()
        return "refused"
    except Exception:
        db.session.rollback()
        log.exception("Import job %s (%s) failed", job_id, kind)
        _finish(
            job_id,
            "failed",
            [
                Problem(
                    0,
                    "",
                    "the import stopped because of an error in the service, not in the file; "
                    "nothing was changed. Try again, and tell your administrator if it happens "
                    "again",
                )
            ],
        )
        db.session.commit()
        return "failed"


def run_pending(limit: int = 20) -> dict[str, int]:
    """Run queued imports one after another. Raises RuntimeError after the queue is worked if
    any import failed for a reason other than its file, so the job counts as failed."""
    _requeue_stale()
    outcomes = {"done": 0, "refused": 0, "failed": 0}
    for _ in range(limit):
        job_id = _claim_next()
        if job_id is None:
            break
        outcomes[run_job(job_id)] += 1
    if outcomes["failed"]:
        raise RuntimeError(f"{outcomes['failed']} import job(s) failed: {outcomes}")
    return outcomes


imports_cli = AppGroup("imports", help="Imports uploaded through the web pages.")


@imports_cli.command("run-pending")
def run_pending_command() -> None:
    """Run the queued background imports now (the scheduler does this every few seconds)."""
    try:
        outcomes = run_pending()
    except RuntimeError as exc:
        click.echo(f"Error: {exc}; see the log above for why.", err=True)
        sys.exit(1)
    click.echo(
        f"Imports run: {outcomes['done']} done, {outcomes['refused']} refused for problems in "
        "the file.",
        err=True,
    )


def refused_since_last_import(organisation_id: int, within: timedelta = timedelta(days=30)):
    """Background imports refused or failed in the last month whose kind has not been imported
    successfully since: the data HR meant to load is not in. Newest first."""
    from app.import_history import DataImport

    refused = list(
        db.session.scalars(
            select(ImportJob)
            .where(
                ImportJob.organisation_id == organisation_id,
                ImportJob.status == "failed",
                ImportJob.finished_at >= utcnow() - within,
            )
            .order_by(ImportJob.id.desc())
        )
    )
    if not refused:
        return []
    last_import = dict(
        db.session.execute(
            select(DataImport.kind, func.max(DataImport.imported_at))
            .where(
                DataImport.organisation_id == organisation_id,
                DataImport.kind.in_({job.kind for job in refused}),
            )
            .group_by(DataImport.kind)
        ).all()
    )
    latest_per_kind = {}
    for job in refused:
        latest_per_kind.setdefault(job.kind, job)
    return [
        job
        for job in latest_per_kind.values()
        if last_import.get(job.kind) is None or last_import[job.kind] < job.finished_at
    ]
