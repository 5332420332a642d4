"""The vacancy and staff lists' statements are built once per process and shape of filters and
run with each request's values: the organisation, the filters, the cursor and today's date are
never the first request's."""

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import insert, select

from app import pagination
from app.accounts.scoping import scoped_by_parameter
from app.justifications.models import Justification
from app.recruitment.models import Vacancy
from app.timeutil import today_london
from tests import factories
from tests.conftest import sign_in


def _vacancy(db, organisation, reference, **values):
    db.session.execute(
        insert(Vacancy),
        [
            {
                "organisation_id": organisation.id,
                "reference": reference,
                "title": "Post",
                "pay_band": "5",
                "status": "open",
                **values,
            }
        ],
    )
    db.session.commit()


def test_each_organisation_sees_its_own_vacancies_and_staff(app, db, organisation):
    other = factories.OrganisationFactory(code="RXX", name="Other NHS Trust")
    db.session.commit()
    _vacancy(db, organisation, "OURS-1")
    _vacancy(db, other, "THEIRS-1")
    factories.StaffFactory(organisation=organisation, full_name="Our Person")
    factories.StaffFactory(organisation=other, full_name="Their Person")
    ours = factories.UserFactory(organisation=organisation, roles=("hr-admin",))
    theirs = factories.UserFactory(organisation=other, roles=("hr-admin",))
    db.session.commit()
    our_client, their_client = app.test_client(), app.test_client()
    sign_in(our_client, ours.email)
    sign_in(their_client, theirs.email)
    for path in ["/vacancies", "/vacancies?status=open", "/staff", "/staff?q=person"]:
        for _ in range(2):  # alternately: whichever request built the statement first
            our_page = our_client.get(path).get_data(as_text=True)
            their_page = their_client.get(path).get_data(as_text=True)
            assert "OURS-1" in our_page or "Our Person" in our_page, path
            assert "THEIRS-1" not in our_page and "Their Person" not in our_page, path
            assert "THEIRS-1" in their_page or "Their Person" in their_page, path
            assert "OURS-1" not in their_page and "Our Person" not in their_page, path


def test_the_same_filters_with_other_values_find_other_rows(client, db, organisation, login_as):
    login_as("hr-admin")
    _vacancy(db, organisation, "OPEN-1", pay_band="5")
    _vacancy(db, organisation, "CLOSED-1", status="closed", pay_band="6")
    factories.StaffFactory(organisation=organisation, full_name="Ann Band Five", pay_band="5")
    factories.StaffFactory(organisation=organisation, full_name="Bob Band Six", pay_band="6")
    db.session.commit()
    for path, shown, hidden in [
        ("/vacancies?status=open", "OPEN-1", "CLOSED-1"),
        ("/vacancies?status=closed", "CLOSED-1", "OPEN-1"),
        ("/vacancies?band=5&q=open", "OPEN-1", "CLOSED-1"),
        ("/vacancies?band=6&q=closed", "CLOSED-1", "OPEN-1"),
        ("/staff?band=5", "Ann Band Five", "Bob Band Six"),
        ("/staff?band=6", "Bob Band Six", "Ann Band Five"),
        ("/staff?q=ann", "Ann Band Five", "Bob Band Six"),
        ("/staff?q=bob", "Bob Band Six", "Ann Band Five"),
    ]:
        page = client.get(path).get_data(as_text=True)
        assert shown in page and hidden not in page, path


def test_the_staff_list_is_in_post_on_the_day_of_each_request(
    client, db, organisation, login_as, monkeypatch
):
    login_as("hr-admin")
    today = today_london()
    factories.StaffFactory(
        organisation=organisation, full_name="Leaving Tomorrow", leaving_date=today + timedelta(1)
    )
    db.session.commit()
    assert "Leaving Tomorrow" in client.get("/staff").get_data(as_text=True)
    monkeypatch.setattr("app.workforce.queries.today_london", lambda: today + timedelta(2))
    assert "Leaving Tomorrow" not in client.get("/staff").get_data(as_text=True)
    assert "Leaving Tomorrow" in client.get("/staff?status=left").get_data(as_text=True)


def test_a_kept_query_must_bind_every_value_and_the_organisation(app, db, organisation):
    keys = (pagination.SortKey(Vacancy.id),)
    with app.test_request_context("/vacancies"):
        literal_org = select(Vacancy.id).where(Vacancy.organisation_id == organisation.id)
        with pytest.raises(ValueError, match="literal value"):
            pagination.paginate_keyset(
                lambda: literal_org, 10, keys, shape=("test-literal",), parameters={}
            )
        unscoped = select(Vacancy.id)
        with pytest.raises(ValueError, match="organisation_id"):
            pagination.paginate_keyset(
                lambda: unscoped, 10, keys, shape=("test-unscoped",), parameters={}
            )
        scoped = scoped_by_parameter(Vacancy).with_only_columns(Vacancy.id)
        page = pagination.paginate_keyset(
            lambda: scoped,
            10,
            keys,
            shape=("test-scoped",),
            parameters={"organisation_id": organisation.id},
        )
        assert page.items == [] and page.total == 0


def test_a_date_before_every_start_and_after_every_leaving_is_bound_not_kept(
    client, db, organisation, login_as
):
    """`earliest` and `latest` (the furthest dates) go in as parameters like the rest."""
    login_as("hr-admin")
    factories.StaffFactory(organisation=organisation, full_name="No Dates", start_date=None)
    factories.StaffFactory(
        organisation=organisation, full_name="Not Started", start_date=date(2999, 1, 1)
    )
    db.session.commit()
    page = client.get("/staff").get_data(as_text=True)
    assert "No Dates" in page and "Not Started" not in page


def _counts(page: str) -> dict[str, int]:
    return {name: int(n) for name, n in re.findall(r">([A-Za-z ]+): (\d+)</a></li>", page)}


def _due_justifications(db, rows) -> None:
    """A vacancy and its due justification, decided 20 days ago, for each (organisation,
    reference, recruiting manager's id, due date)."""
    decided = today_london() - timedelta(20)
    for org, reference, manager_id, due in rows:
        _vacancy(db, org, reference, recruiting_manager_id=manager_id)
        vacancy_id = db.session.scalar(select(Vacancy.id).filter_by(reference=reference))
        db.session.execute(
            insert(Justification),
            [
                {
                    "organisation_id": org.id,
                    "vacancy_id": vacancy_id,
                    "status": "due",
                    "decision_date": decided,
                    "due_date": due,
                }
            ],
        )
    db.session.commit()


def test_the_justification_counts_are_each_viewers_own_and_todays(app, db, organisation):
    other = factories.OrganisationFactory(code="RYY", name="Other NHS Trust")
    manager = factories.UserFactory(organisation=organisation, roles=("recruiting-manager",))
    hr = factories.UserFactory(organisation=organisation, roles=("hr-admin",))
    their_hr = factories.UserFactory(organisation=other, roles=("hr-admin",))
    db.session.commit()
    today = today_london()
    _due_justifications(
        db,
        [
            (organisation, "V-MINE", manager.id, today + timedelta(3)),
            (organisation, "V-LATE-1", None, today - timedelta(3)),
            (organisation, "V-LATE-2", None, today - timedelta(4)),
        ],
    )
    clients = {}
    for name, user in [("manager", manager), ("hr", hr), ("their hr", their_hr)]:
        clients[name] = app.test_client()
        sign_in(clients[name], user.email)
    for _ in range(2):  # alternately: whichever request built the statement first
        hr_counts = _counts(clients["hr"].get("/justifications").get_data(as_text=True))
        assert hr_counts["Due"] == 1 and hr_counts["Overdue"] == 2, hr_counts
        mine = _counts(clients["manager"].get("/justifications").get_data(as_text=True))
        assert mine["Due"] == 1 and mine["Overdue"] == 0, mine
        theirs = _counts(clients["their hr"].get("/justifications").get_data(as_text=True))
        assert theirs["Due"] == 0 and theirs["Overdue"] == 0, theirs
    later = today + timedelta(10)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("app.justifications.routes.today_london", lambda: later)
        hr_counts = _counts(clients["hr"].get("/justifications").get_data(as_text=True))
        assert hr_counts["Due"] == 0 and hr_counts["Overdue"] == 3, hr_counts


def _rows(page: str) -> dict[str, str]:
    """Each row of the justification list by its vacancy reference, with its status tag's
    classes."""
    return {
        reference: cell
        for reference, cell in re.findall(
            r'>(V-[A-Z0-9-]+)[^<]*</a></td>.*?<strong class="nhsuk-tag([^"]*)"',
            page,
            re.DOTALL,
        )
    }


def test_the_justification_list_is_each_viewers_own_and_todays(app, db, organisation):
    """The list's statements are kept per bucket, manager and search: the rows are still each
    request's organisation's, manager's, search's and day's."""
    other = factories.OrganisationFactory(code="RZZ", name="Other NHS Trust")
    manager = factories.UserFactory(organisation=organisation, roles=("recruiting-manager",))
    colleague = factories.UserFactory(organisation=organisation, roles=("recruiting-manager",))
    hr = factories.UserFactory(organisation=organisation, roles=("hr-admin",))
    chair = factories.UserFactory(organisation=organisation, roles=("chair",))
    their_hr = factories.UserFactory(organisation=other, roles=("hr-admin",))
    db.session.commit()
    today = today_london()
    _due_justifications(
        db,
        [
            (organisation, "V-MINE", manager.id, today + timedelta(1)),
            (organisation, "V-THEIRS", colleague.id, today + timedelta(1)),
            (organisation, "V-LATE", None, today - timedelta(3)),
            (other, "V-AWAY", None, today - timedelta(3)),
        ],
    )
    clients = {}
    for name, user in [
        ("manager", manager),
        ("colleague", colleague),
        ("hr", hr),
        ("chair", chair),
        ("their hr", their_hr),
    ]:
        clients[name] = app.test_client()
        sign_in(clients[name], user.email)

    def rows(name, path):
        return _rows(clients[name].get(path).get_data(as_text=True))

    due, overdue = "/justifications?status=due", "/justifications?status=overdue"
    for _ in range(2):  # alternately: whichever request built the statement first
        assert set(rows("hr", "/justifications")) == {"V-MINE", "V-THEIRS", "V-LATE"}
        assert set(rows("their hr", "/justifications")) == {"V-AWAY"}
        assert set(rows("manager", "/justifications")) == {"V-MINE"}
        assert set(rows("colleague", "/justifications")) == {"V-THEIRS"}
        assert set(rows("hr", due)) == {"V-MINE", "V-THEIRS"}
        assert set(rows("hr", overdue)) == {"V-LATE"}
        assert set(rows("their hr", overdue)) == {"V-AWAY"}
        assert set(rows("manager", due)) == {"V-MINE"}
        assert set(rows("colleague", due)) == {"V-THEIRS"}
        assert set(rows("hr", "/justifications?q=v-mine")) == {"V-MINE"}
        assert set(rows("hr", "/justifications?q=v-theirs")) == {"V-THEIRS"}
        assert set(rows("manager", "/justifications?q=v-theirs")) == set()
        # The chair's queue lists the overdue beneath what waits for the chair.
        assert set(rows("chair", "/justifications")) == {"V-LATE"}
        assert set(rows("their hr", "/justifications?q=v-late")) == set()
    assert rows("hr", "/justifications")["V-LATE"] == " nhsuk-tag--red"
    assert rows("hr", "/justifications")["V-MINE"] == " nhsuk-tag--grey"
    later = today + timedelta(2)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("app.justifications.routes.today_london", lambda: later)
        assert set(rows("hr", due)) == set()
        assert set(rows("hr", overdue)) == {"V-MINE", "V-THEIRS", "V-LATE"}
        assert set(rows("manager", overdue)) == {"V-MINE"}
        assert set(rows("chair", "/justifications")) == {"V-MINE", "V-THEIRS", "V-LATE"}
        assert rows("hr", "/justifications")["V-MINE"] == " nhsuk-tag--red"


def test_all_justifications_are_counted_once_whatever_their_status(client, db, organisation):
    """All is summed from ranges of statuses before "due", "due" and after it: each
    justification is in exactly one, the overdue ones too."""
    hr = factories.UserFactory(organisation=organisation, roles=("hr-admin",))
    db.session.commit()
    today = today_london()
    rows = [
        ("due", today),
        ("due", today - timedelta(1)),
        ("more-information-requested", today + timedelta(1)),
        ("more-information-requested", today - timedelta(1)),
        ("submitted", today - timedelta(1)),
        ("accepted", today),
        ("referred", today),
        ("not-needed", today),
        ("superseded", today),
        ("a-status-before-due", today),
        ("zz-a-status-after-all", today),
    ]
    for i, (status, due) in enumerate(rows):
        _vacancy(db, organisation, f"V-{i}")
        vacancy_id = db.session.scalar(select(Vacancy.id).filter_by(reference=f"V-{i}"))
        db.session.execute(
            insert(Justification),
            [
                {
                    "organisation_id": organisation.id,
                    "vacancy_id": vacancy_id,
                    "status": status,
                    "decision_date": today - timedelta(20),
                    "due_date": due,
                }
            ],
        )
    db.session.commit()
    sign_in(client, hr.email)
    page = client.get("/justifications").get_data(as_text=True)
    assert _counts(page) == {
        "Due": 1,
        "Overdue": 2,
        "Waiting for the chair": 1,
        "More information requested": 2,
        "Decided": 2,
        "Superseded": 1,
    }
    assert f"of {len(rows)} justifications" in page, page
