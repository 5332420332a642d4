"""Permission decorators and object-level checks used by every route."""

from functools import wraps

from flask import abort, jsonify, redirect, request, url_for
from flask_login import current_user

from app.accounts.roles import Role
from app.extensions import login_manager


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


@login_manager.unauthorized_handler
def _unauthorised():
    if _wants_json():
        return jsonify(error="Sign in to use this"), 401
    path = request.full_path.rstrip("?")
    return redirect(url_for("accounts.login", next=path))


def login_required(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return _unauthorised()
        return view(*args, **kwargs)

    return wrapped


def roles_required(*roles: Role):
    """Signed in and holding at least one of the roles; otherwise sign-in or 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return _unauthorised()
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def can_manage_user(actor, user) -> bool:
    """HR manages accounts in their own organisation, but never disables or demotes themselves
    through the users pages (so an organisation cannot lose its last administrator by accident)."""
    return (
        actor.has_role(Role.HR_ADMIN)
        and actor.organisation_id == user.organisation_id
        and actor.id != user.id
    )


def can_view_staff(actor, staff) -> bool:
    return actor.has_role(Role.HR_ADMIN) and actor.organisation_id == staff.organisation_id
