"""What people do with accounts. Services flush; the request or command commits once."""

import hashlib
import secrets
from collections.abc import Iterable
from datetime import timedelta

from sqlalchemy import select

from app import audit
from app.accounts.models import User, UserRole, new_session_token
from app.accounts.passwords import hash_password, needs_rehash, password_problem, verify_password
from app.accounts.roles import Role
from app.extensions import db
from app.timeutil import utcnow
from app.workforce.models import Staff


class AccountError(ValueError):
    """A request about an account that cannot be carried out, with a message for the person."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def authenticate(email: str, password: str) -> User | None:
    """The user these credentials belong to, if they may sign in."""
    user = find_user_by_email(email)
    ok = verify_password(user.password_hash if user else None, password)
    if not ok or user is None or user.disabled:
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    db.session.flush()
    return user


def _set_roles(user: User, roles: Iterable[Role]) -> None:
    wanted = {Role(r) for r in roles}
    for row in list(user.role_rows):
        if Role(row.role) not in wanted:
            user.role_rows.remove(row)
    for role in wanted - user.roles:
        user.role_rows.append(UserRole(role=role.value))


def create_user(
    organisation_id: int,
    email: str,
    roles: Iterable[Role],
    full_name: str = "",
    password: str | None = None,
    actor: User | None = None,
) -> User:
    email = normalise_email(email)
    roles = set(roles)
    if not roles:
        raise AccountError("Choose at least one role", "roles")
    if find_user_by_email(email):
        raise AccountError(f"There is already an account for {email}", "email")
    if password is not None and (problem := password_problem(password, email)):
        raise AccountError(problem, "password")
    user = User(organisation_id=organisation_id, email=email, full_name=full_name.strip())
    if password is not None:
        user.password_hash = hash_password(password)
    _set_roles(user, roles)
    db.session.add(user)
    db.session.flush()
    audit.record(
        organisation_id,
        actor,
        "user.created",
        "user",
        user.id,
        {"email": email, "roles": sorted(r.value for r in roles)},
    )
    return user


def issue_invitation(user: User, days: int, actor: User | None) -> str:
    """A one-time link token for the user to set their password; only its hash is stored."""
    token = secrets.token_urlsafe(32)
    user.invitation_hash = hashlib.sha256(token.encode()).hexdigest()
    user.invitation_expires_at = utcnow() + timedelta(days=days)
    db.session.flush()
    audit.record(
        user.organisation_id,
        actor,
        "user.invitation_issued",
        "user",
        user.id,
        {"expires_at": user.invitation_expires_at.isoformat()},
    )
    return token


def user_for_invitation(token: str) -> User | None:
    digest = hashlib.sha256(token.encode()).hexdigest()
    user = db.session.scalar(select(User).where(User.invitation_hash == digest))
    if user is None or user.disabled or user.invitation_expires_at < utcnow():
        return None
    return user


def accept_invitation(user: User, password: str) -> None:
    if problem := password_problem(password, user.email):
        raise AccountError(problem, "password")
    user.password_hash = hash_password(password)
    user.invitation_hash = None
    user.invitation_expires_at = None
    user.session_token = new_session_token()
    db.session.flush()
    audit.record(
        user.organisation_id, user, "user.password_set", "user", user.id, {"via": "invitation"}
    )


def change_password(user: User, current: str, new: str) -> None:
    if not verify_password(user.password_hash, current):
        raise AccountError("Your current password is not right", "current_password")
    if problem := password_problem(new, user.email):
        raise AccountError(problem, "new_password")
    user.password_hash = hash_password(new)
    # Every other session of this user ends; the caller signs the current one in again.
    user.session_token = new_session_token()
    db.session.flush()
    audit.record(user.organisation_id, user, "user.password_changed", "user", user.id)


def set_roles(user: User, roles: Iterable[Role], actor: User) -> None:
    roles = set(roles)
    if not roles:
        raise AccountError("Choose at least one role", "roles")
    before = sorted(r.value for r in user.roles)
    _set_roles(user, roles)
    db.session.flush()
    after = sorted(r.value for r in roles)
    if before != after:
        audit.record(
            user.organisation_id,
            actor,
            "user.roles_changed",
            "user",
            user.id,
            {"before": before, "after": after},
        )


def set_disabled(user: User, disabled: bool, actor: User | None, reason: str | None = None):
    if user.disabled == disabled:
        return
    user.disabled = disabled
    # A new token makes every existing session's identity unknown: they end on the next request.
    user.session_token = new_session_token()
    db.session.flush()
    audit.record(
        user.organisation_id,
        actor,
        "user.disabled" if disabled else "user.enabled",
        "user",
        user.id,
        reason=reason,
    )


def load_user(identity: str) -> User | None:
    """Flask-Login's loader: the identity is "<id>:<session token>"."""
    user_id, _, token = identity.partition(":")
    if not user_id.isdigit() or not token:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or user.disabled or not secrets.compare_digest(user.session_token, token):
        return None
    return user


def staff_record_for(user: User) -> Staff | None:
    """A user's staff record is the one in their organisation with the same email."""
    return db.session.scalar(
        select(Staff)
        .where(
            Staff.organisation_id == user.organisation_id,
            Staff.email == user.email,
        )
        .limit(1)
    )
