"""What each worker keeps between requests (addresses, the navigation's sections, the session
and unread-count statements, the back and skip links) never shows a page stale data: a change
of roles, name, organisation, messages or session shows on the very next request."""

import re

from markupsafe import Markup

from app.accounts import services
from app.accounts.roles import Role
from app.macro_cache import BackLinkCache, MacroCache
from app.notifications.models import Notification


def _navigation(page: str) -> list[str]:
    return re.findall(
        r'nhsuk-header__navigation-link" href="[^"]*"[^>]*>(?:<strong[^>]*>)?([^<]+)<', page
    )


def _set_roles(db, user, *roles):
    services.set_roles(user, [Role(role) for role in roles], user)
    db.session.commit()


def test_the_navigation_follows_a_change_of_roles_at_the_next_request(client, db, login_as):
    user = login_as("hr-admin")
    as_hr = _navigation(client.get("/").get_data(as_text=True))
    assert "Staff" in as_hr and "Users" in as_hr
    _set_roles(db, user, "recruiting-manager")
    as_manager = _navigation(client.get("/").get_data(as_text=True))
    assert "Vacancies" in as_manager and "Staff" not in as_manager and "Users" not in as_manager
    assert client.get("/staff").status_code == 403
    _set_roles(db, user, "chair")
    as_chair = _navigation(client.get("/").get_data(as_text=True))
    assert "Vacancies" not in as_chair and "Figures" in as_chair
    _set_roles(db, user, "hr-admin")
    assert _navigation(client.get("/").get_data(as_text=True)) == as_hr


def test_two_users_with_other_roles_each_see_their_own_navigation(app, db, organisation):
    from tests import factories
    from tests.conftest import sign_in

    hr = factories.UserFactory(organisation=organisation, roles=("hr-admin",))
    manager = factories.UserFactory(organisation=organisation, roles=("recruiting-manager",))
    db.session.commit()
    hr_client, manager_client = app.test_client(), app.test_client()
    sign_in(hr_client, hr.email)
    sign_in(manager_client, manager.email)
    for _ in range(2):  # alternately, so whatever one request keeps, the other would see
        assert "Staff" in _navigation(hr_client.get("/").get_data(as_text=True))
        assert "Staff" not in _navigation(manager_client.get("/").get_data(as_text=True))


def test_the_header_follows_a_change_of_name_organisation_and_unread_messages(
    client, db, organisation, login_as
):
    user = login_as("hr-admin")
    page = client.get("/vacancies").get_data(as_text=True)
    assert user.full_name in page and "Example NHS Trust" in page and "Messages (1)" not in page
    user.full_name = "Renamed Person"
    organisation.name = "Renamed NHS Trust"
    db.session.add(
        Notification(organisation_id=organisation.id, user_id=user.id, subject="S", body="")
    )
    db.session.commit()
    page = client.get("/vacancies").get_data(as_text=True)
    assert "Renamed Person" in page and "Renamed NHS Trust" in page and "Messages (1)" in page


def test_an_ended_session_is_refused_at_the_next_request(client, db, login_as):
    user = login_as("hr-admin")
    assert client.get("/vacancies").status_code == 200
    services.end_sessions(user, "signed-out")
    db.session.commit()
    response = client.get("/vacancies")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


def test_a_disabled_user_is_refused_at_the_next_request(client, db, login_as):
    user = login_as("hr-admin")
    assert client.get("/staff").status_code == 200
    user.disabled = True
    db.session.commit()
    assert client.get("/staff").status_code == 302


def test_addresses_follow_the_prefix_the_app_is_served_under(client, db, login_as):
    login_as("hr-admin")
    plain = client.get("/vacancies").get_data(as_text=True)
    assert 'href="/staff"' in plain and 'href="/static/app.css"' in plain
    prefixed = client.get("/vacancies", base_url="http://localhost/wres")
    page = prefixed.get_data(as_text=True)
    assert 'href="/wres/staff"' in page and 'href="/wres/static/app.css"' in page
    assert 'href="/staff"' not in page
    assert client.get("/vacancies").get_data(as_text=True).count("/wres/") == 0


BACK_LINK = "nhsuk/components/back-link/macro.jinja"


def test_the_kept_back_link_prints_what_the_macro_prints(app):
    env = app.jinja_env
    macro = env.get_template(BACK_LINK).module.backLink
    cached = BackLinkCache(env)
    for params in [
        {"href": "/vacancies/1", "text": "Back"},
        {"href": "/vacancies/2", "text": "Back"},
        {"href": "/staff?q=a&b=<c>", "text": "Back"},
        {"href": "/", "text": 'Back to <V-1> & "more"'},
        {"href": "", "text": "Back"},  # no address: the macro's own
        {"href": " /x ", "text": "Back"},
        {"href": "/x", "text": Markup("<b>Back</b>")},
        {"href": "/x", "text": "Back", "visuallyHiddenText": "to the list"},
    ]:
        assert cached(params) == macro(params), params
    assert set(cached.rendered) == {"Back", 'Back to <V-1> & "more"'}


def test_the_kept_skip_link_prints_what_the_macro_prints(app):
    env = app.jinja_env
    template = "nhsuk/components/skip-link/macro.jinja"
    params = {"href": "#maincontent", "text": "Skip to main content"}
    cached = MacroCache(env, template, "skipLink")
    assert cached(params) == cached(params) == env.get_template(template).module.skipLink(params)
