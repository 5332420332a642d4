"""The one way an upload page runs an import: all or nothing, commit once, say what changed."""

from flask import flash
from flask_login import current_user

from app.csvimport import ImportRefused, Problem
from app.extensions import db


def run_upload(form, apply) -> tuple[bool, list[Problem] | None]:
    """Apply the uploaded file for the current user's organisation.

    Returns (True, None) after committing, or (False, problems) after rolling back everything.
    """
    upload = form.file.data
    try:
        record = apply(
            current_user.organisation,
            upload.read(),
            upload.filename or "upload.csv",
            "upload",
            current_user,
        )
    except ImportRefused as refused:
        db.session.rollback()
        return False, refused.problems
    db.session.commit()
    flash(f"Imported {record.filename}: {record.summary}.")
    return True, None
