"""Issue 9, point 3: no path from HR to someone else's credentials or private notes.

(a) re-issuing a leader's invitation used to show HR a link that set the leader's password;
(b) an ESR import that moved HR's email onto the leader's staff record relinked the accounts.
Also: the forgotten-password flow, and sessions ended when a password is set by a link.
"""

import re
from datetime import date, timedelta

from app.accounts.models import User, UserSession
from app.audit import AuditEvent
from app.mentoring import services as mentoring
from app.notifications.models import OutboxMessage
from app.timeutil import utcnow
from app.workforce.models import Staff
from app.workforce.services import import_staff
from tests import factories
from tests.conftest import PASSWORD, sign_in

NOTE = "Private: worried about the restructure"
NEW = "a long and unusual passphrase"


def _emails_to(address: str) -> list[OutboxMessage]:
    return OutboxMessage.query.filter_by(to_email=address).order_by(OutboxMessage.id).all()


def _link_in(message: OutboxMessage) -> str:
    return re.search(r"(/invitation/[\w-]+)", message.body).group(1)


def _leader_with_notes(db, organisation):
    leader_staff = factories.StaffFactory(
        organisation=organisation,
        staff_number="L1",
        email="leader@example.nhs.uk",
        pay_band="VSM",
        staff_group="non-clinical",
    )
    mentee_staff = factories.StaffFactory(
        organisation=organisation, staff_number="M1", email="mentee@example.nhs.uk"
    )
    hr_staff = factories.StaffFactory(
        organisation=organisation, staff_number="H1", email="hr@example.nhs.uk"
    )
    leader = factories.UserFactory(
        organisation=organisation, email="leader@example.nhs.uk", roles=("senior-leader",)
    )
    hr = factories.UserFactory(
        organisation=organisation, email="hr@example.nhs.uk", roles=("hr-admin",)
    )
    relationship = mentoring.create_relationship(
        leader_staff, mentee_staff, "mentoring", date(2025, 5, 1), leader
    )
    mentoring.log_session(
        relationship,
        leader,
        held_on=date(2025, 10, 14),
        minutes=45,
        format="video",
        summary="Met",
        private_note=NOTE,
    )
    db.session.commit()
    assert (leader.staff_id, hr.staff_id) == (leader_staff.id, hr_staff.id)
    return leader, hr, relationship


def test_hr_reissuing_an_invitation_never_sees_the_link(app, client, db, organisation):
    leader, hr, _relationship = _leader_with_notes(db, organisation)
    sign_in(client, hr.email)
    response = client.post(f"/users/{leader.id}/invitation")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "We have emailed leader@example.nhs.uk a link to choose a new password" in page
    assert "/invitation/" not in page
    # The link went only to the leader's own address, never to HR's.
    assert [m.to_email for m in OutboxMessage.query.all()] == ["leader@example.nhs.uk"]
    assert _emails_to(hr.email) == []
    # HR's own session holds nothing that sets the leader's password, and the leader's
    # password still works: a reset link changes nothing until it is used.
    assert sign_in(app.test_client(), leader.email).status_code == 302


def test_an_import_moving_hrs_email_onto_the_leaders_record_relinks_nothing(
    app, client, db, organisation
):
    leader, hr, relationship = _leader_with_notes(db, organisation)
    hr_id, leader_staff_id = hr.id, leader.staff_id
    attack = (
        b"staff_number,full_name,email,pay_band,staff_group\n"
        b"L1,Leader Person,hr@example.nhs.uk,VSM,non-clinical\n"
        b"H1,HR Person,somebody.else@example.nhs.uk,8b,non-clinical\n"
    )
    import_staff(organisation, attack, "esr.csv", "upload", actor=hr)
    db.session.commit()
    assert db.session.get(Staff, leader_staff_id).email == "hr@example.nhs.uk"

    sign_in(client, hr.email)
    assert NOTE not in client.get(f"/mentoring/{relationship.id}").get_data(as_text=True)
    assert "Leader Person" not in client.get("/account").get_data(as_text=True)
    assert db.session.get(User, hr_id).staff.staff_number == "H1"

    # The audit trail says what changed, before and after, not just "updated: 2".
    event = AuditEvent.query.filter_by(action="staff.identity_changed").one()
    changes = {c["staff_number"]: c for c in event.detail_dict["changes"]}
    assert changes["L1"]["email"] == {
        "before": "leader@example.nhs.uk",
        "after": "hr@example.nhs.uk",
    }
    assert changes["H1"]["email"]["before"] == "hr@example.nhs.uk"
    assert event.actor_id == hr_id


def test_the_user_page_shows_the_linked_record_not_one_with_the_same_email(
    client, db, organisation
):
    leader, hr, _relationship = _leader_with_notes(db, organisation)
    factories.StaffFactory(
        organisation=organisation, staff_number="X9", email="leader@example.nhs.uk"
    )
    db.session.commit()
    sign_in(client, hr.email)
    page = client.get(f"/users/{leader.id}").get_data(as_text=True)
    assert "(L1)" in page and "(X9)" not in page


def test_hr_links_a_new_account_by_staff_number_once(app, client, db, organisation, login_as):
    hr = login_as("hr-admin")
    staff = factories.StaffFactory(organisation=organisation, staff_number="777")
    db.session.commit()
    form = {"full_name": "Grace", "email": "grace@example.nhs.uk", "roles": ["chair"]}
    unknown = client.post("/users/invite", data={**form, "staff_number": "999"})
    assert "no staff record with staff number 999" in unknown.get_data(as_text=True)
    assert 'value="999"' in unknown.get_data(as_text=True)
    assert client.post("/users/invite", data={**form, "staff_number": "777"}).status_code == 302
    assert User.query.filter_by(email="grace@example.nhs.uk").one().staff_id == staff.id
    # A second account cannot be pointed at the same person's record.
    again = client.post(
        "/users/invite", data={**form, "email": "other@example.nhs.uk", "staff_number": "777"}
    )
    assert "already belongs to an account" in again.get_data(as_text=True)
    assert User.query.filter_by(email="other@example.nhs.uk").first() is None
    assert hr.staff_id is None


def test_hr_is_told_nothing_about_another_organisations_accounts(client, db, login_as):
    other = factories.OrganisationFactory(code="RZZ")
    factories.UserFactory(organisation=other, email="leader@elsewhere.nhs.uk")
    db.session.commit()
    hr = login_as("hr-admin")
    theirs = client.post(
        "/users/invite",
        data={"full_name": "X", "email": "leader@elsewhere.nhs.uk", "roles": ["chair"]},
    ).get_data(as_text=True)
    ours = client.post(
        "/users/invite", data={"full_name": "X", "email": hr.email, "roles": ["chair"]}
    ).get_data(as_text=True)
    assert "already an account" not in theirs
    message = "An account cannot be made for this email address"
    assert message in theirs and message in ours
    assert "RZZ" not in theirs


def test_forgotten_password_answers_the_same_and_emails_only_the_owner(
    app, client, db, organisation
):
    user = factories.UserFactory(organisation=organisation, email="owner@example.nhs.uk")
    db.session.commit()
    known = client.post("/forgotten-password", data={"email": "Owner@example.nhs.uk"})
    unknown = client.post("/forgotten-password", data={"email": "nobody@example.nhs.uk"})
    assert known.status_code == unknown.status_code == 200

    def answer(response, email):
        body = response.get_data(as_text=True).replace(email, "EMAIL")
        return re.sub(r'nonce="[^"]+"', "", body)

    assert answer(known, "owner@example.nhs.uk") == answer(unknown, "nobody@example.nhs.uk")
    assert [m.to_email for m in OutboxMessage.query.all()] == ["owner@example.nhs.uk"]

    # The link sets the password once, ends every session of the account, and says so by email.
    other_device = app.test_client()
    sign_in(other_device, user.email)
    assert other_device.get("/account").status_code == 200
    path = _link_in(_emails_to("owner@example.nhs.uk")[0])
    visitor = app.test_client()
    assert "Choose a new password" in visitor.get(path).get_data(as_text=True)
    assert (
        visitor.post(path, data={"new_password": NEW, "confirm_password": NEW}).status_code == 302
    )
    assert visitor.get(path).status_code == 404
    assert other_device.get("/account").status_code == 302
    assert UserSession.query.filter_by(user_id=user.id, ended_at=None).count() == 0
    told = _emails_to("owner@example.nhs.uk")[-1]
    assert "password has changed" in told.subject
    assert sign_in(app.test_client(), user.email, NEW).status_code == 302
    assert sign_in(app.test_client(), user.email, PASSWORD).status_code == 200


def test_reset_links_expire(app, client, db, organisation):
    user = factories.UserFactory(organisation=organisation)
    db.session.commit()
    client.post("/forgotten-password", data={"email": user.email})
    path = _link_in(_emails_to(user.email)[0])
    user.invitation_expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert client.get(path).status_code == 404


def test_reset_links_use_the_configured_address_not_the_host_header(app, client, db, organisation):
    user = factories.UserFactory(organisation=organisation)
    db.session.commit()
    # The session cookie belongs to localhost, so from "evil.example" the form's CSRF check
    # cannot pass; it is lifted for this one request to reach the code that builds the link.
    app.config.update(SERVICE_URL="https://wres.example.nhs.uk", WTF_CSRF_ENABLED=False)
    try:
        response = client.post(
            "/forgotten-password",
            data={"email": user.email},
            headers={"Host": "evil.example", "X-Forwarded-Host": "evil.example"},
            csrf=False,
        )
    finally:
        app.config.update(SERVICE_URL="", WTF_CSRF_ENABLED=True)
    assert response.status_code == 200
    body = _emails_to(user.email)[0].body
    assert "https://wres.example.nhs.uk/invitation/" in body
    assert "evil" not in body


def test_forgotten_password_is_throttled(app, client, db, organisation, clock):
    user = factories.UserFactory(organisation=organisation)
    db.session.commit()
    # One person's address: three emails, then the same answer but no more email for a while.
    for _ in range(6):
        assert client.post("/forgotten-password", data={"email": user.email}).status_code == 200
    assert len(_emails_to(user.email)) == 3
    # One address asking about many accounts is refused for a while.
    limit = app.config["LOGIN_THROTTLE_ADDRESS_FREE"]
    responses = [
        client.post("/forgotten-password", data={"email": f"x{n}@example.nhs.uk"})
        for n in range(limit)
    ]
    assert responses[-1].status_code == 429
    assert "Too many requests" in responses[-1].get_data(as_text=True)
    assert 'value="x' in responses[-1].get_data(as_text=True)


def test_an_invitation_email_goes_to_the_invited_address(app, client, db, login_as):
    login_as("hr-admin")
    client.post(
        "/users/invite",
        data={"full_name": "Grace", "email": "grace@example.nhs.uk", "roles": ["chair"]},
    )
    [message] = OutboxMessage.query.all()
    assert message.to_email == "grace@example.nhs.uk"
    assert "invited" in message.body and "/invitation/" in message.body


def test_the_command_line_may_still_print_a_link_for_the_first_administrator(runner, db):
    runner.invoke(args=["orgs", "add", "RAB", "--name", "Example NHS Trust"])
    result = runner.invoke(
        args=["users", "add", "lead@example.nhs.uk", "--role", "hr-admin", "--invite"]
    )
    assert result.exit_code == 0, result.output
    path = re.search(r"(/invitation/[\w-]+)", result.stdout).group(1)
    assert OutboxMessage.query.count() == 0
    assert path
