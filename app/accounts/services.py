"""What people do with accounts. Services flush; the request or command commits once."""

import hashlib
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import cache

from flask import current_app
from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import joinedload

from app import audit
from app.accounts import throttle
from app.accounts.models import User, UserRole, UserSession
from app.accounts.passwords import hash_password, needs_rehash, password_problem, verify_password
from app.accounts.roles import Role
from app.accounts.throttle_rules import Policy
from app.extensions import db
from app.notifications import services as notifications
from app.timeutil import utcnow
from app.workforce.models import Staff

# One answer whatever the reason, so HR of one organisation learns nothing about the accounts of
# another (email addresses are unique across the whole service).
EMAIL_NOT_AVAILABLE = (
    "An account cannot be made for this email address. Check it is the person's own work "
    "address; if they already have an account, find them in the list of users"
)


class AccountError(ValueError):
    """A request about an account that cannot be carried out, with a message for the person."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class Throttled(Exception):
    """Too many failures: try again after `wait_seconds`."""

    def __init__(self, wait_seconds: int):
        super().__init__(f"wait {wait_seconds} seconds")
        self.wait_seconds = wait_seconds


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


# Throttling (README, "Sign-in throttling"): growing delays, counted in the database.


def _policy(name: str) -> Policy:
    config = current_app.config
    cap = config["LOGIN_THROTTLE_MAX_SECONDS"]
    return {
        "address": Policy(free=config["LOGIN_THROTTLE_ADDRESS_FREE"], cap_seconds=cap),
        "account": Policy(free=config["LOGIN_THROTTLE_ACCOUNT_FREE"], cap_seconds=cap),
        "pair": Policy(free=config["LOGIN_THROTTLE_PAIR_FREE"], cap_seconds=cap),
        "password-check": Policy(free=config["LOGIN_THROTTLE_ACCOUNT_FREE"], cap_seconds=cap),
        # A reset email for one address: three at once, then one a minute, doubling.
        "reset-account": Policy(free=3, cap_seconds=3600, base_seconds=60),
        "reset-address": Policy(free=config["LOGIN_THROTTLE_ADDRESS_FREE"], cap_seconds=cap),
    }[name]


def sign_in(email: str, password: str, address: str) -> User | None:
    """Check credentials under the throttle; raises Throttled, or returns None when wrong.

    Three counters, each with growing delays: the address (every account it tries), the account
    (every address), and the address on that account. The account's delay applies only to an
    address that has itself failed on the account a few times, so someone guessing from many
    addresses cannot keep the owner out: the right password from an address that has not been
    failing is always checked at once.
    """
    now = utcnow()
    email = normalise_email(email)
    address_key, account_key = f"sign-in:address:{address}", f"sign-in:account:{email}"
    pair_key = f"sign-in:pair:{address}:{email}"
    waits = [throttle.state(address_key, _policy("address"), now).wait_seconds]
    pair = throttle.state(pair_key, _policy("pair"), now)
    if pair.failures >= _policy("pair").free:
        waits += [
            pair.wait_seconds,
            throttle.state(account_key, _policy("account"), now).wait_seconds,
        ]
    if max(waits) > 0:
        raise Throttled(max(waits))
    user = authenticate(email, password)
    if user is None:
        # Unknown emails count too, so the answer never shows whether an account exists.
        throttle.record_failure(address_key, _policy("address"), now)
        throttle.record_failure(account_key, _policy("account"), now)
        throttle.record_failure(pair_key, _policy("pair"), now)
        return None
    throttle.clear(account_key)
    throttle.clear(pair_key)
    return user


# Sessions: one row per signed-in browser; the cookie holds only the secret.


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def start_session(user: User, user_agent: str, address: str) -> str:
    """A new session for a sign-in; returns the secret for the cookie (its hash is stored)."""
    secret = secrets.token_urlsafe(32)
    db.session.add(
        UserSession(
            user_id=user.id,
            secret_hash=_digest(secret),
            user_agent=(user_agent or "")[:300],
            ip_address=(address or "")[:45],
        )
    )
    db.session.flush()
    return secret


@cache
def _open_session_statement():
    """Built once per process (the ORM loader options cost more to build than to run); the
    secret's hash is a bound parameter. The user, their roles and organisation come in the
    same query: every page reads all three."""
    user = joinedload(UserSession.user)
    return (
        select(UserSession)
        .options(user.joinedload(User.role_rows), user.joinedload(User.organisation))
        .where(UserSession.secret_hash == bindparam("secret_hash"), UserSession.ended_at.is_(None))
    )


def open_session(secret: str, idle_timeout: timedelta) -> UserSession | None:
    """The live session this secret names: not ended, not idle, its user not disabled."""
    if not secret:
        return None
    record = (
        db.session.execute(_open_session_statement(), {"secret_hash": _digest(secret)})
        .unique()
        .scalars()
        .first()
    )
    if record is None or record.user.disabled or record.last_seen_at < utcnow() - idle_timeout:
        return None
    return record


def end_session(record: UserSession, reason: str) -> None:
    record.ended_at = utcnow()
    record.end_reason = reason
    db.session.flush()


def end_sessions(user: User, reason: str, keep: UserSession | None = None) -> int:
    """End every open session of the user (but `keep`); returns how many ended."""
    statement = update(UserSession).where(
        UserSession.user_id == user.id, UserSession.ended_at.is_(None)
    )
    if keep is not None:
        statement = statement.where(UserSession.id != keep.id)
    result = db.session.execute(
        statement.values(ended_at=utcnow(), end_reason=reason),
        execution_options={"synchronize_session": "fetch"},
    )
    return result.rowcount


def touch_session(record: UserSession, now: datetime) -> None:
    record.last_seen_at = now
    db.session.flush()


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
    staff_number: str | None = None,
) -> User:
    email = normalise_email(email)
    roles = set(roles)
    if not roles:
        raise AccountError("Choose at least one role", "roles")
    if find_user_by_email(email):
        raise AccountError(EMAIL_NOT_AVAILABLE, "email")
    staff = _staff_to_link(organisation_id, staff_number)
    if password is not None and (problem := password_problem(password, email)):
        raise AccountError(problem, "password")
    user = User(
        organisation_id=organisation_id,
        email=email,
        full_name=full_name.strip(),
        staff_id=staff.id if staff else None,
    )
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
        {
            "email": email,
            "roles": sorted(r.value for r in roles),
            "staff_number": staff.staff_number if staff else None,
        },
    )
    return user


def link_staff_record(user: User, staff_number: str, actor: User) -> Staff:
    """Link an account that has no staff record yet. Set once: a linked account keeps its
    record, so nobody can point someone's account (or a new one) at another person's record."""
    if user.staff_id is not None:
        raise AccountError("This account is already linked to a staff record", "staff_number")
    staff = _staff_to_link(user.organisation_id, staff_number)
    if staff is None:
        raise AccountError("Enter the person's staff number", "staff_number")
    user.staff_id = staff.id
    db.session.flush()
    audit.record(
        user.organisation_id,
        actor,
        "user.staff_linked",
        "user",
        user.id,
        {"staff_number": staff.staff_number, "staff_id": staff.id},
    )
    return staff


def _staff_to_link(organisation_id: int, staff_number: str | None) -> Staff | None:
    """The staff record HR chose for a new account, by staff number, in HR's organisation."""
    staff_number = (staff_number or "").strip()
    if not staff_number:
        return None
    staff = db.session.scalar(
        select(Staff).where(
            Staff.organisation_id == organisation_id, Staff.staff_number == staff_number
        )
    )
    if staff is None:
        raise AccountError(
            f"There is no staff record with staff number {staff_number} in your organisation",
            "staff_number",
        )
    if db.session.scalar(select(User.id).where(User.staff_id == staff.id)):
        raise AccountError(
            f"The staff record {staff_number} already belongs to an account", "staff_number"
        )
    return staff


def issue_invitation(user: User, lifetime: timedelta, actor: User | None) -> str:
    """A one-time token for the user to set their password; only its hash is stored, and a new
    one replaces any earlier one. Callers email it to the account's own address: nobody else
    ever sees it (the command line prints one only for the very first administrator)."""
    token = secrets.token_urlsafe(32)
    user.invitation_hash = _digest(token)
    user.invitation_expires_at = utcnow() + lifetime
    db.session.flush()
    audit.record(
        user.organisation_id,
        actor,
        "user.password_reset_issued" if user.password_hash else "user.invitation_issued",
        "user",
        user.id,
        {"expires_at": user.invitation_expires_at.isoformat()},
    )
    return token


def _link(path: str) -> str:
    base = current_app.config.get("SERVICE_URL", "").rstrip("/")
    return f"{base}{path}" if base else f"(the service's address, then) {path}"


def send_invitation(user: User, actor: User | None) -> None:
    """Email a link to set a password to the account's own address: an invitation when no
    password is set yet, else a reset. HR can send it but never sees the link."""
    service = current_app.config["SERVICE_NAME"]
    if user.password_hash is None:
        days = current_app.config["INVITATION_DAYS"]
        token = issue_invitation(user, timedelta(days=days), actor)
        by = f" by {actor.display_name}" if actor else ""
        notifications.email(
            user,
            f"Your invitation to {service}",
            f"Hello {user.display_name},\n\nYou have been invited to {service}{by}. "
            "Set your password with this link, which works once, "
            f"for {days} days:\n\n{_link(f'/invitation/{token}')}\n\n"
            "If you did not expect this email, you can ignore it.",
        )
    else:
        minutes = current_app.config["PASSWORD_RESET_MINUTES"]
        token = issue_invitation(user, timedelta(minutes=minutes), actor)
        notifications.email(
            user,
            f"Reset your {service} password",
            f"Hello {user.display_name},\n\nSomeone asked to reset the password for your "
            f"{service} account. To choose a new password, use this link; it works once, for "
            f"{minutes} minutes:\n\n{_link(f'/invitation/{token}')}\n\n"
            "If you did not ask, ignore this email: your password has not changed.",
        )


def request_password_reset(email: str, address: str) -> None:
    """The "forgotten your password" form. Raises Throttled when this address has asked too
    often; otherwise says nothing of whether the account exists (the page's answer is the same
    either way) and emails a reset link only to the account's own address."""
    now = utcnow()
    email = normalise_email(email)
    address_key, account_key = f"reset:address:{address}", f"reset:account:{email}"
    wait = throttle.state(address_key, _policy("reset-address"), now).wait_seconds
    if wait:
        raise Throttled(wait)
    throttle.record_failure(address_key, _policy("reset-address"), now)
    if throttle.state(account_key, _policy("reset-account"), now).wait_seconds:
        return  # asked too often for this address: the same answer, no more email
    throttle.record_failure(account_key, _policy("reset-account"), now)
    user = find_user_by_email(email)
    if user is None or user.disabled:
        return
    send_invitation(user, None)


def user_for_invitation(token: str) -> User | None:
    user = db.session.scalar(select(User).where(User.invitation_hash == _digest(token)))
    if user is None or user.disabled or user.invitation_expires_at < utcnow():
        return None
    return user


def accept_invitation(user: User, password: str) -> None:
    """Set the password from an invitation or reset link: the link is used up, every session of
    the account ends (whoever held one), and the person is told by email."""
    if problem := password_problem(password, user.email):
        raise AccountError(problem, "password")
    via = "invitation" if user.password_hash is None else "reset"
    user.password_hash = hash_password(password)
    user.invitation_hash = None
    user.invitation_expires_at = None
    ended = end_sessions(user, f"password-{via}")
    db.session.flush()
    audit.record(
        user.organisation_id,
        user,
        "user.password_set",
        "user",
        user.id,
        {"via": via, "sessions_ended": ended},
    )
    _tell_password_changed(user)


def _tell_password_changed(user: User) -> None:
    service = current_app.config["SERVICE_NAME"]
    notifications.email(
        user,
        f"Your {service} password has changed",
        f"Hello {user.display_name},\n\nThe password for your {service} account was just "
        "changed, and any other signed-in sessions were ended.\n\nIf you did not do this, "
        'use "Forgotten your password?" on the sign-in page now, and tell your HR / WRES '
        "lead.",
    )


def change_password(user: User, current: str, new: str, keep: UserSession | None) -> None:
    """Raises Throttled after repeated wrong current passwords (growing delays), AccountError
    when a value is wrong. Every other session ends; `keep` (this one) carries on."""
    now = utcnow()
    key = f"password-check:{user.id}"
    wait = throttle.state(key, _policy("password-check"), now).wait_seconds
    if wait:
        raise Throttled(wait)
    if not verify_password(user.password_hash, current):
        throttle.record_failure(key, _policy("password-check"), now)
        raise AccountError("Your current password is not right", "current_password")
    throttle.clear(key)
    if problem := password_problem(new, user.email):
        raise AccountError(problem, "new_password")
    user.password_hash = hash_password(new)
    ended = end_sessions(user, "password-changed", keep=keep)
    db.session.flush()
    audit.record(
        user.organisation_id,
        user,
        "user.password_changed",
        "user",
        user.id,
        {"sessions_ended": ended},
    )
    _tell_password_changed(user)


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
    if disabled:
        end_sessions(user, "disabled")
    db.session.flush()
    audit.record(
        user.organisation_id,
        actor,
        "user.disabled" if disabled else "user.enabled",
        "user",
        user.id,
        reason=reason,
    )


def staff_record_for(user: User) -> Staff | None:
    """A user's staff record: the one chosen by staff number when the account was made."""
    if user.staff_id is None:
        return None
    return db.session.get(Staff, user.staff_id)
