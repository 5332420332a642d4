"""Organisation scoping: every query of organisation-owned rows goes through here.

A row belonging to another organisation is a 404, never a 403, so its existence does not leak.
"""

from flask import abort
from flask_login import current_user
from sqlalchemy import Select, bindparam, select

from app.extensions import db


def current_organisation_id() -> int:
    if not current_user.is_authenticated:
        abort(404)
    return current_user.organisation_id


def scoped(model, organisation_id: int | None = None) -> Select:
    """SELECT model rows of the current user's organisation (or the one named)."""
    org_id = organisation_id if organisation_id is not None else current_organisation_id()
    return select(model).where(model.organisation_id == org_id)


def get_scoped_or_404(model, object_id: int):
    row = db.session.scalar(scoped(model).where(model.id == object_id))
    if row is None:
        abort(404)
    return row


def scoped_by_parameter(model) -> Select:
    """`scoped`, with the organisation as the bound parameter `organisation_id` rather than a
    value: for a statement built once and kept, run with `scope_parameters()` each request."""
    return select(model).where(model.organisation_id == bindparam("organisation_id"))


def scope_parameters() -> dict:
    return {"organisation_id": current_organisation_id()}
