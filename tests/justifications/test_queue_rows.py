"""The queue's rows are read as plain columns: each still shows the owner's label and the manager
the records would give (the justification's own manager, else the vacancy's recruiting manager,
by full name or, without one, by email)."""

from tests import factories
from tests.conftest import sign_in
from tests.justifications.test_journey import _decided, _people


def _row(page: str, reference: str) -> str:
    start = page.index(f">{reference}: Ward Sister</a>")
    return page[start : page.index("</tr>", start)]


def test_each_row_names_the_manager_the_records_give(client, db, organisation):
    manager, _ = _people(db, organisation)
    manager.full_name = "Mina Manager"
    other = factories.UserFactory(organisation=organisation, full_name="Ola Other")
    unnamed = factories.UserFactory(
        organisation=organisation, full_name="", email="unnamed@example.nhs.uk"
    )
    hr = factories.UserFactory(organisation=organisation, roles=("hr-admin",))
    own = _decided(db, manager, "V-OWN")
    own.manager_id = other.id
    from_vacancy = _decided(db, manager, "V-RM")
    from_vacancy.manager_id = None
    by_email = _decided(db, manager, "V-EMAIL")
    by_email.manager_id = None
    by_email.vacancy.recruiting_manager_id = unnamed.id
    db.session.commit()
    sign_in(client, hr.email)

    page = client.get("/justifications").get_data(as_text=True)
    assert "<td>Ola Other</td>" in _row(page, "V-OWN")
    assert "<td>Mina Manager</td>" in _row(page, "V-RM")
    assert "<td>unnamed@example.nhs.uk</td>" in _row(page, "V-EMAIL")
    assert f'href="/justifications/{own.id}"' in page
