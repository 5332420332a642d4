"""Who may see and change a vacancy or batch: HR, and the recruiting manager responsible."""

from flask import abort
from flask_login import current_user

from app.accounts.roles import Role
from app.accounts.scoping import get_scoped_or_404
from app.recruitment.models import Batch, Vacancy

KINDS = {"vacancies": Vacancy, "batches": Batch}


def manages(user, owner) -> bool:
    if user.organisation_id != owner.organisation_id:
        return False
    if user.has_role(Role.HR_ADMIN):
        return True
    if not user.has_role(Role.RECRUITING_MANAGER):
        return False
    if owner.recruiting_manager_id == user.id:
        return True
    batch = getattr(owner, "batch", None)
    return batch is not None and batch.recruiting_manager_id == user.id


def load_owner(kind: str, owner_id: int):
    """The vacancy or batch named in the URL, if the current user manages it (else 404/403)."""
    model = KINDS.get(kind)
    if model is None:
        abort(404)
    owner = get_scoped_or_404(model, owner_id)
    if not manages(current_user, owner):
        abort(403)
    return owner
