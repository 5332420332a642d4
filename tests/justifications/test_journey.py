"""The decision to justification to chair loop as people meet it: the decision lands on the
justification, homes list what is waiting, a rewrite starts from the last version, the chair
sees what changed and reviews before reading what is overdue elsewhere."""

import re
from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from app.justifications import services
from app.justifications.diff import ADDED, REMOVED, SAME, line_diff
from app.recruitment import services as recruitment
from app.timeutil import today_london
from tests import factories
from tests.conftest import sign_in

REASON = (
    "Scored 18 of 40 at interview against 31 for the appointed candidate, with gaps in "
    "budget management evidence"
)
HOSTILE = '<script>alert("x")</script>'


def _people(db, organisation):
    manager = factories.UserFactory(
        organisation=organisation, roles=("recruiting-manager",), email="manager@example.nhs.uk"
    )
    chair = factories.UserFactory(
        organisation=organisation, roles=("chair",), email="chair@example.nhs.uk"
    )
    db.session.commit()
    return manager, chair


def _vacancy(manager, reference, outcomes):
    """outcomes: (applicant reference, ethnic category, interviewed, appointed)."""
    vacancy = recruitment.create_vacancy(
        manager.organisation_id, manager, reference=reference, title="Ward Sister", pay_band="7"
    )
    for applicant, category, interviewed, appointed in outcomes:
        application = recruitment.add_applicant(vacancy, applicant, manager)
        application.applicant.ethnic_category = category
        application.shortlisted = True
        application.interviewed, application.appointed = interviewed, appointed
    return vacancy


def _decided(db, manager, reference="V-1", decision=None):
    vacancy = _vacancy(manager, reference, [("P-1", "A", True, True), ("P-2", "N", True, False)])
    recruitment.record_decision(vacancy, decision or today_london(), None, manager)
    db.session.commit()
    return services.for_owner(vacancy)


def _submit(justification, manager, reason, feedback="Offered a feedback call"):
    entry = justification.applicants[0]
    services.submit(
        justification,
        manager,
        {entry.application_id: services.Reason(reason, feedback)},
        justification.version,
    )


def _ask(justification, chair, note):
    services.review(
        justification, chair, "more-information-requested", note, "", justification.version
    )


def test_a_decision_that_triggers_a_justification_lands_on_it(client, db, organisation):
    manager, _ = _people(db, organisation)
    triggering = _vacancy(manager, "V-1", [("P-1", "A", True, True), ("P-2", "N", True, False)])
    quiet = _vacancy(manager, "V-2", [("P-3", "A", True, True)])
    db.session.commit()
    sign_in(client, manager.email)

    response = client.post(
        f"/vacancies/{triggering.id}/decision",
        data={"decision_date": "2026-01-19", "version": triggering.version},
    )
    justification = services.for_owner(triggering)
    assert response.headers["Location"] == f"/justifications/{justification.id}"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "A justification to the chair is now due by 2 February 2026" in page
    panel = page[page.index('id="what-happens-next"') :]
    assert "<strong>You</strong>, the recruiting manager, must write and submit" in panel
    assert "Monday 2 February 2026" in panel
    assert "The chair will see the process followed" in panel

    response = client.post(
        f"/vacancies/{quiet.id}/decision",
        data={"decision_date": "2026-01-19", "version": quiet.version},
    )
    assert response.headers["Location"] == f"/vacancies/{quiet.id}"  # nothing is due


def test_the_managers_home_lists_what_is_waiting_with_counts(client, db, organisation):
    manager, _ = _people(db, organisation)
    other = factories.UserFactory(organisation=organisation, roles=("recruiting-manager",))
    overdue = _decided(db, manager, "V-OLD", decision=date(2025, 6, 2))
    due = _decided(db, manager, "V-NEW")
    _decided(db, other, "V-THEIRS")  # another manager's: not on this home page
    to_decide = _vacancy(manager, "V-INT", [("P-9", "A", True, False)])
    _vacancy(manager, "V-EARLY", [("P-8", "A", False, False)])  # nobody interviewed yet
    panel = recruitment.panel_for(to_decide, "interview")
    db.session.flush()
    recruitment.add_member(panel, manager, version=None, external_name="Sam External")
    recruitment.panel_for(to_decide, "shortlisting")  # empty: nothing to confirm yet
    db.session.commit()
    sign_in(client, manager.email)

    page = client.get("/").get_data(as_text=True)
    assert "Waiting for you: 4" in page
    assert "Justifications to the chair: 1 due, 1 overdue" in page
    links = re.findall(r'href="/justifications/(\d+)"', page)
    assert links == [str(overdue.id), str(due.id)]  # soonest due first
    assert "V-THEIRS" not in page
    assert "Panels to confirm: 1" in page
    assert f'href="/vacancies/{to_decide.id}/panels/interview"' in page
    assert "Decisions to record: 1" in page
    assert f'href="/vacancies/{to_decide.id}/decision"' in page
    assert "V-EARLY" not in page


def test_a_rewrite_starts_from_the_last_submitted_version(client, db, organisation):
    manager, chair = _people(db, organisation)
    justification = _decided(db, manager)
    _submit(justification, manager, REASON, feedback="Offered a call\nand a mentor")
    _ask(justification, chair, f"Which mentor?\n{HOSTILE}")
    db.session.commit()
    sign_in(client, manager.email)

    page = client.get(f"/justifications/{justification.id}/write").get_data(as_text=True)
    entry = justification.applicants[0].application_id
    assert re.search(
        rf'<textarea[^>]*id="reason-{entry}"[^>]*>{re.escape(REASON)}</textarea>', page
    )
    assert re.search(
        rf'<textarea[^>]*name="feedback-{entry}"[^>]*>Offered a call\nand a mentor<', page
    )
    escaped = "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;"
    assert re.search(r"Which mentor\?<br>\s*" + re.escape(escaped), page)
    assert HOSTILE not in page
    assert "Your version 1 is filled in below" in page


def test_the_chair_sees_what_changed_escaped(client, db, organisation):
    manager, chair = _people(db, organisation)
    justification = _decided(db, manager)
    _submit(justification, manager, REASON)
    _ask(justification, chair, "More please")
    _submit(justification, manager, f"{REASON}\n{HOSTILE}")
    db.session.commit()
    sign_in(client, chair.email)

    page = client.get(f"/justifications/{justification.id}").get_data(as_text=True)
    changed = page[page.index('id="what-changed"') : page.index("<h2>Versions</h2>")]
    assert "What changed from version 1 to version 2" in changed
    assert "P-2" in changed
    assert (
        '<span class="nhsuk-u-visually-hidden">Added: </span>'
        "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;</ins>" in changed
    )
    assert f'<span class="app-diff__same">{REASON}</span>' in changed
    assert "No change." in changed  # the feedback was not rewritten
    assert HOSTILE not in page


def test_no_changes_view_for_a_single_version(db, organisation):
    manager, _ = _people(db, organisation)
    justification = _decided(db, manager)
    _submit(justification, manager, REASON)
    assert services.changes(justification) is None


def test_the_chair_reviews_first_and_overdue_items_come_after(app, client, db, organisation):
    manager, chair = _people(db, organisation)
    submitted = _decided(db, manager, "V-SUB")
    _submit(submitted, manager, REASON)
    orphan = _decided(db, manager, "V-ORPHAN", decision=date(2025, 6, 2))
    orphan.vacancy.recruiting_manager_id = None
    orphan.manager_id = None
    _decided(db, manager, "V-LATE", decision=date(2025, 7, 1))
    db.session.commit()
    sign_in(client, chair.email)

    home = client.get("/").get_data(as_text=True)
    assert "1 waiting for you" in home
    assert 'href="/justifications"' in home
    queue = client.get("/justifications").get_data(as_text=True)
    waiting = queue.index("Waiting for your review: 1")
    below = queue.index("Overdue with the recruiting manager: 2")
    assert waiting < queue.index("V-SUB") < below < queue.index("V-ORPHAN")
    assert "V-SUB" not in queue[below:]
    assert "No recruiting manager assigned: the HR / WRES lead must assign one" in queue[below:]
    # The filtered lists are as before.
    assert "V-ORPHAN" in client.get("/justifications?status=overdue").get_data(as_text=True)


def test_a_manager_without_a_chair_role_keeps_the_plain_queue(client, db, organisation):
    manager, _ = _people(db, organisation)
    _decided(db, manager, "V-LATE", decision=date(2025, 7, 1))
    sign_in(client, manager.email)
    queue = client.get("/justifications").get_data(as_text=True)
    assert "Waiting for your review" not in queue and "V-LATE" in queue


lines = st.lists(st.text(alphabet="ab<>&\"' ", max_size=4), max_size=6).map("\n".join)


@given(lines, lines)
def test_a_line_diff_keeps_both_texts(before, after):
    diff = line_diff(before, after)
    assert [x.text for x in diff if x.kind in (SAME, REMOVED)] == before.splitlines()
    assert [x.text for x in diff if x.kind in (SAME, ADDED)] == after.splitlines()
