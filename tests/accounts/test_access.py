"""Who reaches what: roles, organisations, CSRF, throttling, redirects, disabled accounts."""

import time

import pytest

from app.accounts.models import User
from app.accounts.roles import Role
from tests import factories
from tests.conftest import PASSWORD, sign_in

HR_PAGES = ["/staff", "/imports", "/users", "/users/invite", "/settings"]
EVERYONE_PAGES = ["/", "/account", "/account/password"]


@pytest.mark.parametrize("role", list(Role))
def test_each_role_reaches_only_its_pages(client, login_as, role):
    login_as(role)
    for path in EVERYONE_PAGES:
        assert client.get(path).status_code == 200, path
    expected = 200 if role == Role.HR_ADMIN else 403
    for path in HR_PAGES:
        assert client.get(path).status_code == expected, path


def test_signed_out_visitor_is_sent_to_sign_in_with_next(client, db):
    response = client.get("/staff?band=8a")
    assert response.status_code == 302
    assert response.headers["Location"] == "/sign-in?next=/staff?band%3D8a"


def test_json_callers_get_401_not_a_redirect(client, db):
    response = client.get("/staff", headers={"Accept": "application/json"})
    assert response.status_code == 401


def test_another_organisations_staff_and_users_are_404(client, db, login_as, organisation):
    other = factories.OrganisationFactory(code="RXX")
    their_staff = factories.StaffFactory(organisation=other)
    their_user = factories.UserFactory(organisation=other)
    our_staff = factories.StaffFactory(organisation=organisation)
    db.session.commit()
    login_as(Role.HR_ADMIN)
    assert client.get(f"/staff/{our_staff.id}").status_code == 200
    assert client.get(f"/staff/{their_staff.id}").status_code == 404
    assert client.get(f"/users/{their_user.id}").status_code == 404
    assert client.post(f"/users/{their_user.id}/disable").status_code == 404
    assert their_staff.full_name not in client.get("/staff?status=all").get_data(as_text=True)


def test_post_without_csrf_token_is_refused(client, login_as):
    login_as(Role.HR_ADMIN)
    response = client.post(
        "/users/invite",
        data={"full_name": "A", "email": "a@nhs.net", "roles": ["chair"]},
        csrf=False,
    )
    assert response.status_code == 400
    assert "form has expired" in response.get_data(as_text=True)
    assert User.query.filter_by(email="a@nhs.net").first() is None


def test_sign_in_without_csrf_token_is_refused(client, db, organisation):
    user = factories.UserFactory(organisation=organisation)
    db.session.commit()
    assert sign_in(client, user.email, csrf=False).status_code == 400


def test_sign_in_is_throttled_after_repeated_failures(client, db, organisation, clock):
    user = factories.UserFactory(organisation=organisation)
    db.session.commit()
    for _ in range(3):  # LOGIN_THROTTLE_PAIR_FREE
        response = sign_in(client, user.email, "wrong password")
        assert response.status_code == 200
        assert "not right" in response.get_data(as_text=True)
    throttled = sign_in(client, user.email, "wrong password")
    assert throttled.status_code == 429
    assert "Too many sign-in attempts" in throttled.get_data(as_text=True)
    assert int(throttled.headers["Retry-After"]) >= 1
    assert f'value="{user.email}"' in throttled.get_data(as_text=True)
    # From the address that has been failing, even the right password waits its turn.
    assert sign_in(client, user.email, PASSWORD).status_code == 429


def test_successful_sign_ins_do_not_count_toward_the_throttle(client, db, organisation):
    user = factories.UserFactory(organisation=organisation)
    db.session.commit()
    for _ in range(7):
        assert sign_in(client, user.email).status_code == 302
        client.post("/sign-out")


def test_failed_sign_in_keeps_the_email_and_says_why(client, db, organisation):
    response = sign_in(client, "nobody@example.nhs.uk", "whatever it is")
    body = response.get_data(as_text=True)
    assert 'value="nobody@example.nhs.uk"' in body
    assert "There is a problem" in body


@pytest.mark.parametrize(
    "trick", ["//evil.example", "/\t/evil.example", "/\\evil.example", "https://evil.example/x"]
)
def test_redirect_tricks_stay_on_the_site(client, db, organisation, trick):
    user = factories.UserFactory(organisation=organisation)
    db.session.commit()
    response = client.post(
        "/sign-in", query_string={"next": trick}, data={"email": user.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_a_local_next_is_followed(client, db, organisation):
    user = factories.UserFactory(organisation=organisation)
    db.session.commit()
    response = client.post(
        "/sign-in",
        query_string={"next": "/staff?band=8a"},
        data={"email": user.email, "password": PASSWORD},
    )
    assert response.headers["Location"] == "/staff?band=8a"


def test_disabled_user_is_signed_out_on_next_request(app, client, db, login_as):
    user = login_as(Role.RECRUITING_MANAGER)
    assert client.get("/").status_code == 200
    hr = factories.UserFactory(organisation=user.organisation, email="hr@example.nhs.uk")
    db.session.commit()
    hr_client = app.test_client()
    sign_in(hr_client, hr.email)
    response = hr_client.post(f"/users/{user.id}/disable", data={"reason": "Left the trust"})
    assert response.status_code == 302
    assert client.get("/").headers["Location"].startswith("/sign-in")
    assert sign_in(client, user.email).status_code == 200  # refused: shown the form again


def test_idle_session_is_signed_out(app, client, login_as):
    login_as(Role.CHAIR)
    with client.session_transaction() as session:
        session["last_active"] = time.time() - app.config["IDLE_TIMEOUT"].total_seconds() - 5
    response = client.get("/account")
    assert response.status_code == 302
    assert response.headers["Location"] == "/sign-in?next=/account"
    assert client.get("/account").status_code == 302


def test_no_remember_me_cookie_and_session_cookie_is_http_only(client, db, organisation):
    user = factories.UserFactory(organisation=organisation)
    db.session.commit()
    response = sign_in(client, user.email)
    cookies = response.headers.getlist("Set-Cookie")
    assert not any(c.startswith("remember_token") for c in cookies)
    session_cookie = next(c for c in cookies if c.startswith("wres_session="))
    assert "HttpOnly" in session_cookie
    assert "SameSite=Lax" in session_cookie


def test_pages_carry_security_headers(client, db):
    response = client.get("/sign-in")
    assert "script-src 'self' 'nonce-" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
