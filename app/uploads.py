"""The one way an upload page runs an import: all or nothing, commit once, say what changed.

A file bigger than a request can import in a few seconds is queued for the scheduler instead
(app/import_jobs.py) and the page shows its progress.
"""

from flask import current_app, flash, redirect, render_template
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from app import import_jobs
from app.accounts.scoping import scoped
from app.csvimport import RACE, ImportRefused, Problem
from app.extensions import db
from app.import_history import DataImport
from app.pagination import paginate
from app.recruitment.forms import UploadForm


def run_upload(form, apply, kind: str, as_at=None) -> tuple[bool, list[Problem] | None]:
    """Apply the uploaded file for the current user's organisation, or queue it when it is big.
    `as_at` is the date a staff extract describes (None: today), kept with a queued job too.

    Returns (True, None) after committing, or (False, problems) after rolling back everything.
    """
    upload = form.file.data
    data = upload.read()
    filename = import_jobs.clean_filename(upload.filename or "upload.csv")
    organisation = current_user.organisation
    try:
        if import_jobs.belongs_in_background(data, current_app.config):
            job = import_jobs.queue(
                organisation.id, kind, filename, data, current_user, as_at=as_at
            )
            db.session.commit()
            flash(
                f"{job.filename} ({job.rows_total:,} rows) will be imported in the background: "
                "its progress is shown below."
            )
            return True, None
        import_jobs.refuse_if_busy(organisation.id, kind)
        extra = {"as_at": as_at} if as_at else {}
        record = apply(organisation, data, filename, "upload", current_user, **extra)
        db.session.commit()
    except ImportRefused as refused:
        db.session.rollback()
        return False, refused.problems
    except IntegrityError:
        # A concurrent import of another kind wrote the same references first.
        db.session.rollback()
        return False, [RACE]
    flash(f"Imported {record.filename}: {record.summary}.")
    return True, None


def upload_page(kind: str, apply, template: str, back: str, /, **context):
    """An upload page for one import kind: the form, the problems of a refused file, the kind's
    import history and background jobs; after an import, back to `back` (a URL)."""
    form = UploadForm()
    problems = None
    if form.validate_on_submit():
        done, problems = run_upload(form, apply, kind)
        if done:
            return redirect(back)
    history = paginate(
        scoped(DataImport).where(DataImport.kind == kind).order_by(DataImport.id.desc()),
        current_app.config["PAGE_SIZE"],
    )
    return render_template(
        template,
        form=form,
        problems=problems,
        history=history,
        jobs=import_jobs.jobs_for(current_user.organisation_id, [kind]),
        **context,
    ), 400 if problems or form.errors else 200
