"""HR's user management, invitations and passwords."""

import re

from app.accounts.models import User
from app.accounts.roles import Role
from app.audit import AuditEvent
from app.notifications.models import OutboxMessage
from tests import factories
from tests.conftest import sign_in


def _invite(client, **data):
    form = {
        "full_name": "Grace Mensah",
        "email": "Grace.Mensah@example.nhs.uk",
        "roles": ["recruiting-manager", "chair"],
        **data,
    }
    return client.post("/users/invite", data=form)


def _emailed_path(to_email: str) -> str:
    """The link path in the newest email to this address (what only its owner receives)."""
    message = (
        OutboxMessage.query.filter_by(to_email=to_email).order_by(OutboxMessage.id.desc()).first()
    )
    return re.search(r"(/invitation/[\w-]+)", message.body).group(1)


def test_hr_invites_a_user_who_sets_a_password_from_the_email_and_signs_in(
    app, client, db, login_as
):
    login_as(Role.HR_ADMIN)
    response = _invite(client)
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "We have emailed an invitation to grace.mensah@example.nhs.uk" in page
    assert "/invitation/" not in page  # HR never sees the link
    user = User.query.filter_by(email="grace.mensah@example.nhs.uk").one()
    assert user.roles == {Role.RECRUITING_MANAGER, Role.CHAIR}
    assert user.password_hash is None

    invitee = app.test_client()
    path = _emailed_path("grace.mensah@example.nhs.uk")
    assert invitee.get(path).status_code == 200
    short = invitee.post(path, data={"new_password": "short", "confirm_password": "short"})
    assert "12 characters" in short.get_data(as_text=True)
    good = "a long and unusual passphrase"
    assert (
        invitee.post(path, data={"new_password": good, "confirm_password": good}).status_code == 302
    )
    assert invitee.get(path).status_code == 404  # used once only
    assert sign_in(invitee, "grace.mensah@example.nhs.uk", good).status_code == 302


def test_invite_form_keeps_what_was_typed_on_error(client, login_as):
    login_as(Role.HR_ADMIN)
    body = _invite(client, email="not an email", roles=[]).get_data(as_text=True)
    assert 'value="Grace Mensah"' in body
    assert 'value="not an email"' in body
    assert "Enter an email address in the right format" in body
    assert "Choose at least one role" in body


def test_duplicate_email_is_refused_clearly(client, login_as):
    hr = login_as(Role.HR_ADMIN)
    body = _invite(client, email=hr.email.upper()).get_data(as_text=True)
    assert "An account cannot be made for this email address" in body
    assert 'value="Grace Mensah"' in body


def test_hr_changes_roles_and_the_change_is_audited(client, db, login_as):
    hr = login_as(Role.HR_ADMIN)
    other = factories.UserFactory(organisation=hr.organisation, roles=("chair",))
    db.session.commit()
    response = client.post(f"/users/{other.id}", data={"roles": ["chair", "senior-leader"]})
    assert response.status_code == 302
    db.session.refresh(other)
    assert other.roles == {Role.CHAIR, Role.SENIOR_LEADER}
    event = AuditEvent.query.filter_by(action="user.roles_changed").one()
    assert event.detail_dict == {"before": ["chair"], "after": ["chair", "senior-leader"]}
    assert event.actor_id == hr.id


def test_hr_cannot_disable_or_demote_themselves(client, login_as):
    hr = login_as(Role.HR_ADMIN)
    assert client.post(f"/users/{hr.id}/disable").status_code == 403
    assert client.post(f"/users/{hr.id}", data={"roles": ["chair"]}).status_code == 403


def test_disable_asks_for_confirmation_first(client, db, login_as):
    hr = login_as(Role.HR_ADMIN)
    other = factories.UserFactory(organisation=hr.organisation)
    db.session.commit()
    page = client.get(f"/users/{other.id}/disable").get_data(as_text=True)
    assert "Are you sure" in page
    db.session.refresh(other)
    assert not other.disabled


def test_user_list_filters_and_paginates(app, client, db, login_as):
    hr = login_as(Role.HR_ADMIN)
    for n in range(app.config["PAGE_SIZE"] + 3):
        factories.UserFactory(
            organisation=hr.organisation,
            roles=("chair",),
            email=f"chair{n:02d}@example.nhs.uk",
            full_name=f"Chair {n:02d}",
        )
    db.session.commit()
    first = client.get("/users?role=chair").get_data(as_text=True)
    assert "Showing 1 to 20 of 23 users" in first
    second = client.get("/users?role=chair&page=2").get_data(as_text=True)
    assert "Showing 21 to 23 of 23 users" in second
    assert "chair22@example.nhs.uk" in second
    assert "1 users" in client.get("/users?q=chair07").get_data(as_text=True)


def test_changing_password_ends_other_sessions(app, client, db, login_as):
    user = login_as(Role.SENIOR_LEADER)
    other_device = app.test_client()
    sign_in(other_device, user.email)
    assert other_device.get("/").status_code == 200
    new = "another long passphrase here"
    response = client.post(
        "/account/password",
        data={
            "current_password": "correct horse battery staple",
            "new_password": new,
            "confirm_password": new,
        },
    )
    assert response.status_code == 302
    assert client.get("/").status_code == 200  # this session carries on
    assert other_device.get("/").status_code == 302  # the other one is over


def test_wrong_current_password_is_refused(client, login_as):
    login_as(Role.CHAIR)
    new = "another long passphrase here"
    body = client.post(
        "/account/password",
        data={"current_password": "not it at all", "new_password": new, "confirm_password": new},
    ).get_data(as_text=True)
    assert "current password is not right" in body
