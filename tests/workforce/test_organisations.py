"""Organisations, their settings page, the staff list and record, and the demo trust."""

import html
import re
from decimal import Decimal

from app.accounts.models import User
from app.audit import AuditEvent
from app.goals.models import Action, GoalSet
from app.workforce.models import Organisation, OrganisationSettings, Staff
from tests import factories
from tests.conftest import sign_in


def test_orgs_add_creates_an_organisation_with_default_settings(runner, db):
    result = runner.invoke(args=["orgs", "add", "rab", "--name", "Example NHS Trust"])
    assert result.exit_code == 0, result.output
    organisation = Organisation.query.one()
    assert (organisation.code, organisation.name) == ("RAB", "Example NHS Trust")
    settings = organisation.settings
    assert settings.panel_min_bme_members == 1
    assert settings.justification_due_working_days == 10
    assert settings.default_turnover == Decimal("0.10")
    assert settings.target_year == 2028
    assert settings.suppression_threshold == 7
    assert (settings.non_adverse_low, settings.non_adverse_high) == (
        Decimal("0.80"),
        Decimal("1.25"),
    )


def test_orgs_add_refuses_a_duplicate_or_a_bad_code(runner, db):
    runner.invoke(args=["orgs", "add", "RAB", "--name", "Example"])
    again = runner.invoke(args=["orgs", "add", "RAB", "--name", "Example"])
    assert again.exit_code == 1 and "already exists" in again.stderr
    bad = runner.invoke(args=["orgs", "add", "R B!", "--name", "Example"])
    assert bad.exit_code == 1 and "ODS code" in bad.stderr
    assert Organisation.query.count() == 1


def test_users_add_makes_the_first_administrator(runner, db, organisation):
    result = runner.invoke(
        args=[
            "users",
            "add",
            "Lead@Example.nhs.uk",
            "--org",
            "RAB",
            "--role",
            "hr-admin",
            "--password-stdin",
        ],
        input="a long enough passphrase\n",
    )
    assert result.exit_code == 0, result.output
    user = User.query.one()
    assert user.email == "lead@example.nhs.uk"
    assert {r.value for r in user.roles} == {"hr-admin"}


def test_users_add_refuses_unknown_roles_organisations_and_weak_passwords(runner, db, organisation):
    bad_role = runner.invoke(args=["users", "add", "a@b.nhs.uk", "--role", "boss", "--invite"])
    assert bad_role.exit_code == 2 and "not a role" in bad_role.output
    bad_org = runner.invoke(
        args=["users", "add", "a@b.nhs.uk", "--org", "RZZ", "--role", "chair", "--invite"]
    )
    assert bad_org.exit_code == 1 and "no organisation RZZ" in bad_org.stderr
    weak = runner.invoke(
        args=["users", "add", "a@b.nhs.uk", "--role", "chair", "--password-stdin"], input="short\n"
    )
    assert weak.exit_code == 1 and "12 characters" in weak.stderr
    assert User.query.count() == 0


def test_users_add_can_print_an_invitation_instead(runner, db, organisation):
    result = runner.invoke(args=["users", "add", "c@b.nhs.uk", "--role", "chair", "--invite"])
    assert result.exit_code == 0
    assert "/invitation/" in result.stdout


def _settings_form(**overrides):
    form = {
        "panel_min_bme_members": "1",
        "panel_rule_min_band": "",
        "panel_training_months": "",
        "justification_due_working_days": "10",
        "justification_policy": "interviewed-bme-not-appointed",
        "default_turnover": "10",
        "target_year": "2028",
        "suppression_threshold": "7",
        "non_adverse_low": "0.80",
        "non_adverse_high": "1.25",
    }
    form.update(overrides)
    return form


def test_hr_changes_settings_and_each_change_is_audited(client, db, login_as, organisation):
    login_as("hr-admin")
    page = client.get("/settings").get_data(as_text=True)
    assert 'value="10.0"' in page  # turnover shown as a percentage
    response = client.post(
        "/settings",
        data=_settings_form(
            justification_due_working_days="15",
            default_turnover="12.5",
            panel_rule_min_band="8a",
            panel_independent_required="y",
        ),
    )
    assert response.status_code == 302
    settings = db.session.get(OrganisationSettings, organisation.id)
    assert settings.justification_due_working_days == 15
    assert settings.default_turnover == Decimal("0.125")
    assert settings.panel_rule_min_band == "8a"
    assert settings.panel_independent_required is True
    event = AuditEvent.query.filter_by(action="settings.changed").one()
    assert event.detail_dict["justification_due_working_days"] == {"from": 10, "to": 15}
    assert event.detail_dict["default_turnover"] == {"from": "0.1000", "to": "0.1250"}


def test_invalid_settings_keep_what_was_typed(client, db, login_as, organisation):
    login_as("hr-admin")
    response = client.post(
        "/settings",
        data=_settings_form(
            justification_due_working_days="0", target_year="twenty", non_adverse_high="0.5"
        ),
    )
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "Enter a number of working days from 1 to 60" in body
    assert 'value="twenty"' in body
    assert "The upper bound must be above the lower bound" in body
    assert db.session.get(OrganisationSettings, organisation.id).target_year == 2028
    assert AuditEvent.query.filter_by(action="settings.changed").count() == 0


def test_staff_list_searches_filters_and_paginates(app, client, db, login_as, organisation):
    login_as("hr-admin")
    for n in range(25):
        factories.StaffFactory(organisation=organisation, full_name=f"Nurse {n:02d}", pay_band="5")
    factories.StaffFactory(
        organisation=organisation, full_name="Grace Mensah", pay_band="8d", staff_number="20000003"
    )
    factories.StaffFactory(
        organisation=organisation,
        full_name="Farah Khan",
        pay_band=None,
        staff_group="non-clinical",
        board_role="non-executive",
        board_voting=True,
    )
    db.session.commit()
    assert "Showing 1 to 20 of 27 people" in client.get("/staff").get_data(as_text=True)
    assert "of 25 people" in client.get("/staff?band=5").get_data(as_text=True)
    found = client.get("/staff?q=mensah").get_data(as_text=True)
    assert "Grace Mensah" in found and "Nurse 01" not in found
    assert "Grace Mensah" in client.get("/staff?q=20000003").get_data(as_text=True)
    board = client.get("/staff?board=non-executive").get_data(as_text=True)
    assert "Farah Khan" in board and "of 1 people" in board
    first = client.get("/staff").get_data(as_text=True)
    next_url = html.unescape(re.search(r'href="(/staff\?after=[^"]+)"', first).group(1))
    assert "Showing 21 to 27" in client.get(next_url).get_data(as_text=True)
    assert client.get("/staff?band=<script>&page=x").status_code == 200


def test_viewing_a_staff_record_shows_ethnicity_and_audits_the_read(
    client, db, login_as, organisation
):
    hr = login_as("hr-admin")
    staff = factories.StaffFactory(organisation=organisation, ethnic_category="N")
    db.session.commit()
    body = client.get(f"/staff/{staff.id}").get_data(as_text=True)
    assert "Black or Black British - African (N)" in body
    event = AuditEvent.query.filter_by(action="staff.ethnicity_viewed").one()
    assert (event.actor_id, event.object_id) == (hr.id, staff.id)


def test_a_users_staff_record_is_the_one_hr_linked_never_one_matched_by_email(
    app, client, db, login_as, organisation
):
    user = login_as("recruiting-manager")
    factories.StaffFactory(
        organisation=organisation, email=user.email, full_name="Tom Walsh", pay_band="8a"
    )
    chosen = factories.StaffFactory(
        organisation=organisation, staff_number="555", full_name="Tom Walsh", pay_band="7"
    )
    db.session.commit()
    page = client.get("/").get_data(as_text=True)
    assert "not linked to a staff record" in page  # the same email links nothing
    hr_client = app.test_client()
    hr = factories.UserFactory(organisation=organisation, roles=("hr-admin",))
    db.session.commit()
    sign_in(hr_client, hr.email)
    assert (
        hr_client.post(f"/users/{user.id}/staff-record", data={"staff_number": "555"}).status_code
        == 302
    )
    assert "linked to the staff record for Tom Walsh (Band 7" in client.get("/").get_data(
        as_text=True
    )
    # Set once: HR cannot move it to another record afterwards.
    again = hr_client.post(f"/users/{user.id}/staff-record", data={"staff_number": "555"})
    assert again.status_code == 400
    assert "already linked" in again.get_data(as_text=True)
    assert db.session.get(User, user.id).staff_id == chosen.id


def test_seed_demo_makes_a_believable_trust(runner, db):
    result = runner.invoke(args=["seed-demo", "--staff", "1500"])
    assert result.exit_code == 0, result.output
    assert "hr@demo.nhs.uk" in result.stdout
    staff = Staff.query.all()
    known = [s for s in staff if s.wres_group.value != "unknown"]
    bme = sum(s.wres_group.value == "bme" for s in known) / len(known)
    assert 0.22 < bme < 0.34
    assert any(s.board_role == "non-executive" and s.pay_band is None for s in staff)
    assert sum(s.board_role == "executive" for s in staff) >= 1
    roles = {r.value for u in User.query for r in u.roles}
    assert roles == {
        "hr-admin",
        "recruiting-manager",
        "chair",
        "senior-leader",
        "regional-viewer",
        "national-viewer",
    }
    # Goals approved from the model's path, and actions owned by the demo logins.
    goal_set = GoalSet.query.filter_by(status="approved").one()
    assert goal_set.approved_by.email == "chair@demo.nhs.uk"
    owners = {a.owner.email for a in Action.query}
    assert {"manager@demo.nhs.uk", "leader@demo.nhs.uk"} <= owners
    again = runner.invoke(args=["seed-demo", "--if-empty"])
    assert "already has data" in again.stderr
    assert Staff.query.count() == len(staff)
