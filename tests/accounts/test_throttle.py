"""Issue 9, point 10: sign-in that cannot be used against its owner. Growing delays per address,
per account and per address-on-account, counted in the database so every worker shares them;
common passwords refused; the current-password check throttled."""

import threading

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app import create_app
from app.accounts import throttle
from app.accounts.passwords import is_common, password_problem
from app.accounts.throttle_rules import Policy
from app.extensions import db as other_db
from app.timeutil import utcnow
from tests import factories
from tests.conftest import PASSWORD, BrowserLikeClient, sign_in

ATTACKER = "198.51.100.7"


def _from(app, address: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


# The rule (pure)


@given(st.integers(0, 10), st.integers(1, 100_000), st.integers(0, 10_000))
def test_waits_are_zero_until_the_free_failures_are_used_then_grow_up_to_the_cap(
    free, cap, failures
):
    policy = Policy(free=free, cap_seconds=cap)
    wait = policy.wait_after(failures)
    assert 0 <= wait <= cap
    assert (wait == 0) == (failures < free)
    assert policy.wait_after(failures + 1) >= wait
    if failures >= free and 2 * wait <= cap:
        assert policy.wait_after(failures + 1) == 2 * wait


# Sign-in


def test_a_stranger_cannot_lock_the_owner_out(app, db, organisation, clock):
    user = factories.UserFactory(organisation=organisation)
    db.session.commit()
    attacker = _from(app, ATTACKER)
    statuses = [sign_in(attacker, user.email, f"guess {n}").status_code for n in range(4)]
    assert statuses == [200, 200, 200, 429]
    # However long the attack goes on (each wait waited out), the account is never locked:
    for n in range(30):
        clock.wait_out()
        sign_in(attacker, user.email, f"more {n}")
    assert sign_in(attacker, user.email, PASSWORD).status_code == 429
    # The owner, from an address that has not been failing, gets in at once...
    assert sign_in(_from(app, "192.0.2.10"), user.email, PASSWORD).status_code == 302
    # ...and may even mistype twice first.
    owner = _from(app, "192.0.2.11")
    assert sign_in(owner, user.email, "typo one").status_code == 200
    assert sign_in(owner, user.email, "typo two").status_code == 200
    assert sign_in(owner, user.email, PASSWORD).status_code == 302


def test_delays_grow_for_an_address_that_keeps_failing(app, db, organisation, clock):
    user = factories.UserFactory(organisation=organisation)
    db.session.commit()
    attacker = _from(app, ATTACKER)
    waits = []
    for n in range(8):
        assert sign_in(attacker, user.email, f"guess {n}").status_code == 200
        blocked = sign_in(attacker, user.email, "at once")
        waits.append(int(blocked.headers["Retry-After"]) if blocked.status_code == 429 else 0)
        clock.wait_out()
    # Three free failures (each immediate retry just fails again and counts), then waits
    # that double, up to LOGIN_THROTTLE_MAX_SECONDS.
    assert waits[0] == 0
    growing = [w for w in waits if w]
    assert len(growing) >= 5
    assert growing == sorted(growing) and growing[-1] >= 8 * growing[0]
    assert max(waits) <= app.config["LOGIN_THROTTLE_MAX_SECONDS"]


def test_an_address_guessing_many_accounts_is_slowed(app, db, organisation, clock):
    limit = app.config["LOGIN_THROTTLE_ADDRESS_FREE"]
    attacker = _from(app, ATTACKER)
    statuses = [
        sign_in(attacker, f"person{n}@example.nhs.uk", "Summer2026!!").status_code
        for n in range(limit + 1)
    ]
    assert statuses[:limit] == [200] * limit
    assert statuses[limit] == 429
    # Someone else, elsewhere, is not affected.
    user = factories.UserFactory(organisation=organisation)
    db.session.commit()
    assert sign_in(_from(app, "192.0.2.20"), user.email).status_code == 302


def test_unknown_and_known_emails_are_throttled_alike(app, db, organisation, clock):
    user = factories.UserFactory(organisation=organisation)
    db.session.commit()
    a, b = _from(app, "192.0.2.2"), _from(app, "192.0.2.3")
    known = [sign_in(a, user.email, f"n{n}").status_code for n in range(5)]
    unknown = [sign_in(b, "ghost@example.nhs.uk", f"n{n}").status_code for n in range(5)]
    assert known == unknown


def test_counts_are_shared_by_every_worker(app, db, organisation, clock):
    """Two app instances (two gunicorn workers) on one database see one count."""
    user = factories.UserFactory(organisation=organisation)
    db.session.commit()
    other_worker = create_app("testing")
    other_worker.test_client_class = BrowserLikeClient
    first = _from(app, ATTACKER)
    second = other_worker.test_client()
    second.environ_base["REMOTE_ADDR"] = ATTACKER
    for n in range(3):
        assert sign_in(first, user.email, f"guess {n}").status_code == 200
    email = user.email
    db.session.rollback()  # the test shares the first worker's session: let go of SQLite's lock
    throttled = sign_in(second, email, "guess 4")
    assert throttled.status_code == 429
    with other_worker.app_context():
        other_db.session.remove()
        other_db.engine.dispose()


def test_concurrent_failures_are_all_counted(app, db):
    policy = Policy(free=100, cap_seconds=60)
    errors = []

    def fail_once():
        try:
            with app.app_context():
                throttle.record_failure("concurrent", policy, utcnow())
                db.session.commit()
        except Exception as exc:  # reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=fail_once) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert throttle.state("concurrent", policy, utcnow()).failures == 8


# Passwords


@pytest.mark.parametrize(
    "password", ["password1234", "Password1234!", "qwertyuiop123", "iloveyou2026", "letmein12345"]
)
def test_common_passwords_are_refused(password):
    assert is_common(password)
    assert "too common" in password_problem(password)


@pytest.mark.parametrize(
    "password", [PASSWORD, "a long and unusual passphrase", "kettle-orchard-lantern"]
)
def test_uncommon_passphrases_are_accepted(password):
    assert password_problem(password) is None


def test_password1234_is_refused_when_setting_a_password(app, client, db, login_as):
    user = login_as("chair")
    body = client.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "new_password": "password1234",
            "confirm_password": "password1234",
        },
    ).get_data(as_text=True)
    assert "too common" in body
    db.session.refresh(user)
    assert sign_in(app.test_client(), user.email, PASSWORD).status_code == 302


def test_current_password_checks_are_throttled(app, client, db, login_as, clock):
    login_as("chair")
    new = "another long passphrase here"

    def attempt(current):
        return client.post(
            "/account/password",
            data={"current_password": current, "new_password": new, "confirm_password": new},
        )

    for n in range(app.config["LOGIN_THROTTLE_ACCOUNT_FREE"]):
        assert "not right" in attempt(f"guess {n}").get_data(as_text=True)
    throttled = attempt(PASSWORD)
    assert throttled.status_code == 429
    assert "Too many wrong attempts" in throttled.get_data(as_text=True)
    clock.wait_out()
    assert attempt(PASSWORD).status_code == 302
