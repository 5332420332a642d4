"""Issue 9, point 6: signing out ends the session on the server, so a copied cookie stops
working; a new password, disabling and reset links end sessions too; sign-in changes the id."""

from datetime import timedelta

from flask.testing import FlaskClient

from app.accounts.models import UserSession
from app.timeutil import utcnow
from tests import factories
from tests.conftest import PASSWORD, sign_in

COOKIE = "wres_session"


def _replay(app, cookie_value: str, address: str = "127.0.0.1") -> FlaskClient:
    """Another browser holding a copy of the cookie."""
    thief = app.test_client()
    thief.environ_base["REMOTE_ADDR"] = address
    thief.set_cookie(COOKIE, cookie_value)
    return thief


def test_a_cookie_replayed_after_sign_out_is_signed_out(app, client, db, organisation):
    user = factories.UserFactory(organisation=organisation, roles=("chair",))
    db.session.commit()
    sign_in(client, user.email)
    copied = client.get_cookie(COOKIE).value
    assert _replay(app, copied).get("/justifications/register.csv").status_code == 200
    client.post("/sign-out")
    for thief in (_replay(app, copied), _replay(app, copied, "203.0.113.9")):
        response = thief.get("/justifications/register.csv")
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/sign-in")
        assert thief.get("/account").status_code == 302
    [record] = UserSession.query.filter_by(user_id=user.id).all()
    assert record.end_reason == "signed-out"


def test_a_new_sign_in_does_not_revive_an_old_cookie(app, client, db, organisation):
    user = factories.UserFactory(organisation=organisation)
    db.session.commit()
    sign_in(client, user.email)
    first = client.get_cookie(COOKIE).value
    client.post("/sign-out")
    sign_in(client, user.email)
    second = client.get_cookie(COOKIE).value
    assert first != second
    assert _replay(app, first).get("/account").status_code == 302
    assert _replay(app, second).get("/account").status_code == 200


def test_the_session_id_changes_at_sign_in(app, client, db, organisation):
    """No fixation: each sign-in gets a new secret, and nothing from before is carried over."""
    user = factories.UserFactory(organisation=organisation)
    db.session.commit()
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
    sign_in(client, user.email)
    other = app.test_client()
    sign_in(other, user.email)
    hashes = [s.secret_hash for s in UserSession.query.filter_by(user_id=user.id)]
    assert len(set(hashes)) == 2
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"] not in hashes  # the cookie has the secret, the table its hash


def test_changing_password_ends_the_other_sessions_only(app, client, db, organisation):
    user = factories.UserFactory(organisation=organisation)
    db.session.commit()
    sign_in(client, user.email)
    laptop = app.test_client()
    sign_in(laptop, user.email)
    copied = laptop.get_cookie(COOKIE).value
    new = "another long passphrase here"
    response = client.post(
        "/account/password",
        data={"current_password": PASSWORD, "new_password": new, "confirm_password": new},
    )
    assert response.status_code == 302
    assert client.get("/account").status_code == 200
    assert laptop.get("/account").status_code == 302
    assert _replay(app, copied).get("/account").status_code == 302


def test_disabling_signs_out_every_session(app, client, db, organisation):
    user = factories.UserFactory(organisation=organisation, roles=("chair",))
    hr = factories.UserFactory(organisation=organisation, roles=("hr-admin",))
    db.session.commit()
    sign_in(client, user.email)
    copied = client.get_cookie(COOKIE).value
    hr_client = app.test_client()
    sign_in(hr_client, hr.email)
    hr_client.post(f"/users/{user.id}/disable", data={"reason": "Left"})
    assert client.get("/account").status_code == 302
    assert UserSession.query.filter_by(user_id=user.id, ended_at=None).count() == 0
    # Enabling again does not bring an old session back.
    hr_client.post(f"/users/{user.id}/enable")
    assert _replay(app, copied).get("/account").status_code == 302


def test_a_session_idle_on_the_server_ends_whatever_the_cookie_says(app, client, db, organisation):
    user = factories.UserFactory(organisation=organisation)
    db.session.commit()
    sign_in(client, user.email)
    record = UserSession.query.one()
    record.last_seen_at = utcnow() - app.config["IDLE_TIMEOUT"] - timedelta(seconds=5)
    db.session.commit()
    assert client.get("/account").status_code == 302


def test_use_is_recorded_at_most_once_a_minute(app, client, db, organisation):
    user = factories.UserFactory(organisation=organisation)
    db.session.commit()
    sign_in(client, user.email)
    record = UserSession.query.one()
    record.last_seen_at = utcnow() - timedelta(minutes=5)
    db.session.commit()
    client.get("/account")
    db.session.expire_all()
    seen = UserSession.query.one().last_seen_at
    assert utcnow() - seen < timedelta(minutes=1)
    client.get("/account")
    db.session.expire_all()
    assert UserSession.query.one().last_seen_at == seen
    assert UserSession.query.one().user_agent.startswith("Werkzeug")
