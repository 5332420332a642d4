"""Password hashing with argon2id (werkzeug's scrypt defaults are below OWASP's minimum)."""

import functools
import re

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from flask import Flask, current_app

MIN_LENGTH = 12
MAX_LENGTH = 128

# Verified against when the email is unknown, so a wrong email takes as long as a wrong password.
_DUMMY_PASSWORD = "not-a-real-password-but-the-same-cost"  # noqa: S105 (timing decoy)


def init_app(app: Flask) -> None:
    # Tests use the cheapest profile: the suite signs in hundreds of times.
    profile = app.config.get("ARGON2_PROFILE", "RFC_9106_LOW_MEMORY")
    hasher = PasswordHasher.from_parameters(getattr(profiles, profile))
    app.extensions["password_hasher"] = hasher
    # The dummy hash (checked when an email has no account, so both answers take as long) is
    # made on first use: hashing it here cost every `flask` command most of a second.
    app.extensions["password_dummy_hash"] = None


def _hasher() -> PasswordHasher:
    return current_app.extensions["password_hasher"]


def _dummy_hash() -> str:
    if current_app.extensions["password_dummy_hash"] is None:
        current_app.extensions["password_dummy_hash"] = _hasher().hash(_DUMMY_PASSWORD)
    return current_app.extensions["password_dummy_hash"]


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return (
            _hasher().verify(password_hash or _dummy_hash(), password) and password_hash is not None
        )
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher().check_needs_rehash(password_hash)


# Digits and symbols people add to a common word to get past a length rule: "password1234".
_TRAILING_DECORATION = re.compile(r"[\d\W_]+$")
_LEADING_DECORATION = re.compile(r"^[\d\W_]+")


@functools.cache
def common_passwords() -> frozenset[str]:
    """The 30,000 most common passwords from real breaches, as zxcvbn ships them (its
    `passwords` frequency list). NCSC's password guidance asks services to refuse the most
    common passwords; a maintained package keeps the list out of this repository."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def is_common(password: str) -> bool:
    """A common password, or a common one with digits or symbols stuck on either end."""
    lowered = password.lower()
    denied = common_passwords()
    if lowered in denied:
        return True
    core = _LEADING_DECORATION.sub("", _TRAILING_DECORATION.sub("", lowered))
    return bool(core) and core in denied


def password_problem(password: str, email: str = "") -> str | None:
    """Why a new password is not acceptable, or None."""
    if len(password) < MIN_LENGTH:
        return f"Password must be {MIN_LENGTH} characters or more"
    if len(password) > MAX_LENGTH:
        return f"Password must be {MAX_LENGTH} characters or fewer"
    if len(set(password)) < 4:
        return "Password must not repeat the same few characters"
    if is_common(password):
        return (
            "This password is too common: it appears in lists of leaked passwords. "
            "Choose a few unrelated words instead"
        )
    if email and email.split("@")[0].lower() in password.lower() and len(email.split("@")[0]) > 3:
        return "Password must not contain your email address"
    return None
