"""Issue 9: ethnicity stays hidden from recruiting managers, side channels included.

The panel probe and the crawl compare what a manager sees when people's ethnicity is one way
with what they see when it is the other: any difference is a signal, whatever its form.
"""

import re
from datetime import date
from urllib.parse import urlsplit

import pytest

from app.audit import AuditEvent
from app.justifications import services as justifications
from app.recruitment import services
from app.recruitment.models import Applicant, Panel, PanelDeclaration, PoolMember, Vacancy
from app.workforce.ethnicity import CATEGORIES
from app.workforce.models import Staff
from tests import factories

BME, WHITE = "N", "A"
SWAP = {"N": "A", "A": "N", "H": "B", "B": "H", "M": "C", "C": "M"}


@pytest.fixture
def manager(login_as):
    return login_as("recruiting-manager")


def _vacancy(db, organisation, manager, reference="V-1"):
    vacancy = services.create_vacancy(
        organisation.id, manager, reference=reference, title="Ward Sister", pay_band="6"
    )
    db.session.commit()
    return vacancy


# Point 1: a recruiting manager can save a vacancy edit


def test_a_recruiting_manager_saves_a_vacancy_edit(client, db, manager, organisation):
    vacancy = _vacancy(db, organisation, manager)
    other = factories.UserFactory(organisation=organisation, roles=("recruiting-manager",))
    db.session.commit()
    assert client.get(f"/vacancies/{vacancy.id}/edit").status_code == 200
    response = client.post(
        f"/vacancies/{vacancy.id}/edit",
        data={
            "version": vacancy.version,
            "reference": "V-1",
            "title": "Senior Ward Sister",
            "pay_band": "7",
            "staff_group": "clinical-non-medical",
            "department": "Theatres",
            "posts": "2",
            # A manager cannot hand the vacancy on: the field is not theirs to post.
            "recruiting_manager_id": str(other.id),
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.refresh(vacancy)
    assert (vacancy.title, vacancy.pay_band, vacancy.department, vacancy.posts) == (
        "Senior Ward Sister",
        "7",
        "Theatres",
        2,
    )
    assert vacancy.recruiting_manager_id == manager.id


# Point 2: the panel probe


def _same(got, expected) -> None:
    """Equal, or a failure that shows the lines that differ."""
    import difflib

    if got == expected:
        return
    got, expected = "\n".join(map(str, got)), "\n".join(map(str, expected))
    diff = difflib.unified_diff(expected.splitlines(), got.splitlines(), lineterm="", n=1)
    pytest.fail("\n".join(list(diff)[:40]))


def _normalise(text: str, staff: Staff) -> str:
    text = text.replace(staff.full_name, "NAME").replace(staff.staff_number, "NUMBER")
    text = re.sub(r'name="(csrf_token|csrf-token)"[^>]*>', "CSRF>", text)
    text = re.sub(r'(name="[\w-]*version"[^>]*value=")\d+', r"\1V", text)
    # The history lists the earlier probes by name: the same lines for everyone.
    text = "\n".join(
        line for line in text.splitlines() if line.strip() and "Probe Person" not in line
    )
    text = re.sub(r'(<meta name="csrf-token" content=")[^"]*', r"\1T", text)
    text = re.sub(r"/members/\d+", "/members/M", text)
    text = text.replace(f'value="{staff.id}"', 'value="ID"').replace(
        f"match-{staff.id}", "match-ID"
    )
    text = re.sub(r'nonce="[^"]*"', 'nonce="N"', text)
    return re.sub(r"\d{1,2}:\d{2}(am|pm)?", "TIME", text)


def test_the_panel_probe_gives_a_manager_no_signal(client, db, manager, organisation):
    """12 staff, 6 BME and 6 white in ESR, none in the pool nor declared: every response a
    manager gets while adding, reading, trying to confirm and removing each is identical."""
    vacancy = _vacancy(db, organisation, manager)
    people = [
        factories.StaffFactory(
            organisation=organisation,
            full_name=f"Probe Person {i:02d}",
            ethnic_category=(BME if i % 2 else WHITE),
        )
        for i in range(12)
    ]
    # Consented sources exist on the same panel and must still count.
    pooled = factories.StaffFactory(organisation=organisation, ethnic_category=WHITE)
    db.session.add(PoolMember(organisation_id=organisation.id, staff_id=pooled.id))
    db.session.commit()
    url = f"/vacancies/{vacancy.id}/panels/interview"
    client.get(url)
    panel = Panel.query.one()

    def probe(staff) -> list[str]:
        seen = []

        def keep(response):
            seen.append(f"{response.status_code} {response.headers.get('Location', '')}")
            seen.append(_normalise(response.get_data(as_text=True), staff))

        keep(client.get(f"{url}?find={staff.staff_number}"))
        db.session.refresh(panel)
        keep(
            client.post(
                f"{url}/staff",
                data={
                    "staff-staff_id": staff.id,
                    "staff-role": "member",
                    "staff-version": panel.version,
                },
            )
        )
        keep(client.get(url))
        keep(client.get(f"/vacancies/{vacancy.id}"))
        db.session.refresh(panel)
        # Confirming would succeed without an exception if the panel met the rule.
        keep(client.post(f"{url}/confirm", data={"confirm-version": panel.version}))
        member = next(m for m in panel.members if m.staff_id == staff.id)
        keep(client.get(f"{url}/members/{member.id}/remove"))
        keep(
            client.post(f"{url}/members/{member.id}/remove", data={"remove-version": panel.version})
        )
        keep(client.get(url))
        return seen

    results = {staff.ethnic_category: [] for staff in people}
    for staff in people:
        results[staff.ethnic_category].append(probe(staff))
    assert Panel.query.one().status == "draft"
    first = results[WHITE][0]
    assert "This panel does not meet the rule" in "".join(first)
    for answer in results[WHITE] + results[BME]:
        _same(answer, first)
    # The consented source does count: the same probe on a diverse pool member differs.
    db.session.query(PoolMember).update({"diverse_member": True})
    db.session.commit()
    assert probe(pooled) != first


def test_a_declaration_in_ones_account_counts_and_can_be_withdrawn(
    client, db, organisation, login_as
):
    user = login_as("recruiting-manager")
    staff = factories.StaffFactory(
        organisation=organisation, email=user.email, ethnic_category=WHITE
    )
    factories.link_account(staff)
    db.session.commit()
    page = client.get("/account").get_data(as_text=True)
    assert "I count as a BME panel member" in page
    assert client.post("/account/panel-declaration", data={"declare": "yes"}).status_code == 302
    assert PanelDeclaration.query.one().withdrawn_at is None
    assert "Withdraw my declaration" in client.get("/account").get_data(as_text=True)
    vacancy = _vacancy(db, organisation, user)
    panel = services.panel_for(vacancy, "interview")
    services.add_member(panel, user, version=None, staff=staff)
    assert services.panel_needs(panel) == []
    assert staff.ethnic_category == WHITE  # the ESR record is untouched
    client.post("/account/panel-declaration", data={"declare": "no"})
    assert PanelDeclaration.query.one().withdrawn_at is not None
    db.session.expire_all()
    assert services.panel_needs(db.session.get(Panel, panel.id)) == [
        "The panel needs at least 1 BME member"
    ]
    assert AuditEvent.query.filter_by(action="panel_declaration.changed").count() == 2


def test_hr_compliance_keeps_using_the_staff_record(client, db, organisation, login_as):
    from app.recruitment import queries

    manager = factories.UserFactory(organisation=organisation, roles=("recruiting-manager",))
    bme = factories.StaffFactory(organisation=organisation, ethnic_category=BME)
    db.session.commit()
    vacancy = _vacancy(db, organisation, manager)
    panel = services.panel_for(vacancy, "interview")
    services.add_member(panel, manager, version=None, staff=bme)
    services.confirm_panel(
        panel,
        manager,
        version=None,
        exception_reason="Nobody from the pool or with a declaration could attend on the date",
    )
    db.session.commit()
    report = queries.panel_compliance(organisation.id)
    assert (report.panels_total, report.panels_compliant) == (1, 1)
    login_as("hr-admin")
    assert "from the staff record (ESR)" in client.get("/panels/compliance").get_data(as_text=True)


# Point 2b: applicant references from elsewhere


def test_a_manager_cannot_attach_another_recruitments_applicant(client, db, manager, organisation):
    other_manager = factories.UserFactory(organisation=organisation, roles=("recruiting-manager",))
    db.session.commit()
    theirs = _vacancy(db, organisation, other_manager, "V-THEIRS")
    mine = _vacancy(db, organisation, manager, "V-MINE")
    for reference, category in (("BME-1", BME), ("WHITE-1", WHITE)):
        services.add_applicant(theirs, reference, None).applicant.ethnic_category = category
    db.session.commit()
    answers = []
    for reference in ("BME-1", "WHITE-1"):
        response = client.post(
            f"/vacancies/{mine.id}/applicants/new", data={"reference": reference}
        )
        body = _clean(response.get_data(as_text=True)).replace(reference, "R")
        answers.append((response.status_code, body))
        assert "is already in use" in answers[-1][1]
    assert answers[0][0] == 400
    _same(answers[1], answers[0])
    assert services.applications_of(mine) == []
    # A new reference is the manager's own applicant, with no equality data yet.
    assert (
        client.post(f"/vacancies/{mine.id}/applicants/new", data={"reference": "NEW-1"}).status_code
        == 302
    )
    assert Applicant.query.filter_by(reference="NEW-1").one().ethnic_category == "99"


def test_the_decision_pages_are_locked_for_the_manager_and_open_to_hr_with_a_reason(
    client, db, organisation, login_as
):
    manager = login_as("recruiting-manager")
    vacancy = _vacancy(db, organisation, manager)
    for reference, category in (("P-1", BME), ("P-2", WHITE)):
        application = services.add_applicant(vacancy, reference, None)
        application.applicant.ethnic_category = category
        application.shortlisted = application.interviewed = True
    db.session.commit()
    app_ids = {a.applicant.reference: a.id for a in services.applications_of(vacancy)}
    client.post(
        f"/vacancies/{vacancy.id}/decision",
        data={"version": vacancy.version, "decision_date": "2026-01-19"},
    )
    assert justifications.for_owner(vacancy) is not None
    db.session.refresh(vacancy)
    outcomes = client.get(f"/vacancies/{vacancy.id}/outcomes").get_data(as_text=True)
    assert "The decision and outcomes are locked" in outcomes and "Save outcomes" not in outcomes
    refused = client.post(
        f"/vacancies/{vacancy.id}/outcomes",
        data={"version": vacancy.version, f"shortlisted-{app_ids['P-2']}": "y"},
    )
    assert refused.status_code == 400 and "ask HR to change them" in refused.get_data(as_text=True)
    assert "Record decision" not in client.get(f"/vacancies/{vacancy.id}/decision").get_data(
        as_text=True
    )
    client.post("/sign-out")
    login_as("hr-admin")
    no_reason = client.post(
        f"/vacancies/{vacancy.id}/decision",
        data={"version": vacancy.version, "decision_date": "2026-01-20"},
    )
    hr_outcomes = client.get(f"/vacancies/{vacancy.id}/outcomes").get_data(as_text=True)
    assert "Reason for changing a locked decision" in hr_outcomes and "Save outcomes" in hr_outcomes
    assert no_reason.status_code == 400
    assert "give the reason for this change" in no_reason.get_data(as_text=True)
    done = client.post(
        f"/vacancies/{vacancy.id}/decision",
        data={
            "version": vacancy.version,
            "decision_date": "2026-01-20",
            "override_reason": "The offer letter was dated the 20th",
        },
    )
    assert done.status_code == 302
    statuses = sorted(j.status for j in justifications.all_for_owner(vacancy))
    assert statuses == ["due", "superseded"]


def test_a_decision_that_could_have_triggered_is_locked_too(db, organisation):
    """Otherwise deciding, changing the outcomes and deciding again until a justification
    appears would tell the manager, one decision at a time, who is not BME."""
    manager = factories.UserFactory(organisation=organisation, roles=("recruiting-manager",))
    hr = factories.UserFactory(organisation=organisation, roles=("hr-admin",))
    db.session.commit()
    vacancy = _vacancy(db, organisation, manager)
    apps = {}
    for reference, category in (("P-W", WHITE), ("P-B", BME)):
        application = services.add_applicant(vacancy, reference, manager, may_reuse=False)
        application.applicant.ethnic_category = category
        application.shortlisted = True
        apps[reference] = application
    apps["P-W"].interviewed = True
    assert not services.locked(vacancy)
    services.record_decision(vacancy, date(2026, 1, 19), None, manager)
    db.session.commit()
    assert justifications.for_owner(vacancy) is None  # P-W is white: nothing triggered
    probe = {
        apps["P-W"].id: services.Outcome(True, True, True),
        apps["P-B"].id: services.Outcome(True, True, False),
    }
    with pytest.raises(services.Locked) as refused:
        services.record_outcomes(vacancy, probe, None, manager)
    assert "justification" not in str(refused.value).split(".")[0]
    services.record_outcomes(vacancy, probe, None, hr, override_reason="P-W accepted the post")
    db.session.commit()
    assert justifications.for_owner(vacancy) is not None  # HR's change is the decision now


def test_a_decision_where_every_interviewee_was_appointed_stays_open(db, organisation):
    manager = factories.UserFactory(organisation=organisation, roles=("recruiting-manager",))
    db.session.commit()
    vacancy = _vacancy(db, organisation, manager)
    application = services.add_applicant(vacancy, "P-1", manager, may_reuse=False)
    application.shortlisted = application.interviewed = application.appointed = True
    services.record_decision(vacancy, date(2026, 1, 19), None, manager)
    assert not services.locked(vacancy)  # no one's ethnicity could have changed the result
    services.record_decision(vacancy, date(2026, 1, 20), None, manager)


# Point 3: the manager crawl


CATEGORY_WORDS = re.compile(
    "|".join(re.escape(name) for code, name in CATEGORIES.items() if code != "99")
    + r"|\bWRES group\b|\bethnic group\b"
)
GENERIC_BME = (
    "needs at least",
    "meet the rule",
    "BME panel member",
    "BME member",
    "When an interviewed BME applicant is not appointed",
)


def _strip_declaration_select(body: str) -> str:
    """The empty form to record an external member's declared category lists the categories:
    that is a form, not a person's data, provided nothing in it is chosen."""
    found = re.search(r'<select[^>]*id="external-external_ethnic_category".*?</select>', body, re.S)
    if not found:
        return body
    assert re.findall(r'value="(\w+)" selected', found.group(0)) in ([], ["99"])
    return body.replace(found.group(0), "")


def _clean(body: str) -> str:
    body = re.sub(r'nonce="[^"]*"', 'nonce="N"', body)
    body = re.sub(r'name="csrf_token"[^>]*>', "CSRF>", body)
    body = re.sub(r'(<meta name="csrf-token" content=")[^"]*', r"\1T", body)
    return body


def _crawl(client, app, seeds: list[str], limit: int = 300) -> dict[str, str]:
    """Every page and download a manager reaches by links from their pages (same site, GET),
    plus every GET route filled with the scenario's ids."""
    seen: dict[str, str] = {}
    queue = list(seeds)
    while queue and len(seen) < limit:
        url = queue.pop(0)
        if url in seen:
            continue
        response = client.get(url)
        body = response.get_data(as_text=True) if response.mimetype.startswith("text") else ""
        seen[url] = f"{response.status_code} {response.mimetype}\n{_clean(body)}"
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        for href in re.findall(r'href="([^"]+)"', body):
            parts = urlsplit(href.replace("&amp;", "&"))
            if (
                parts.netloc
                or href.startswith(("#", "mailto:"))
                or parts.path.startswith("/static")
            ):
                continue
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            if target not in seen and target not in queue and parts.path != "/sign-out":
                queue.append(target)
    return seen


def _route_urls(app, ids: dict[str, list]) -> list[str]:
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        args = sorted(rule.arguments)
        if any(a not in ids for a in args):
            continue
        combos = [{}]
        for arg in args:
            combos = [{**c, arg: v} for c in combos for v in ids[arg]]
        for values in combos:
            try:
                urls.append(app.url_map.bind("localhost").build(rule.endpoint, values))
            except ValueError:  # a value this route's converter refuses (another kind's name)
                continue
    return urls


def _same_pages(got: dict[str, str], expected: dict[str, str]) -> None:
    assert sorted(got) == sorted(expected)
    for url in expected:
        if got[url] != expected[url]:
            _same([url, got[url]], [url, expected[url]])


def _assert_blind(pages: dict[str, str], allowed_list: set[str]) -> None:
    for url, body in pages.items():
        body = _strip_declaration_select(body)
        assert not CATEGORY_WORDS.findall(body), (url, CATEGORY_WORDS.findall(body))
        for line in body.splitlines():
            if "BME" in line:
                assert any(g in line for g in GENERIC_BME), (url, line)


def test_a_manager_crawl_finds_no_person_level_ethnicity(app, client, db, manager, organisation):
    vacancy = _vacancy(db, organisation, manager)
    staff = [
        factories.StaffFactory(organisation=organisation, full_name=f"Staff {i}", ethnic_category=c)
        for i, c in enumerate([BME, WHITE, "H", "C"])
    ]
    db.session.add(
        PoolMember(organisation_id=organisation.id, staff_id=staff[2].id, diverse_member=True)
    )
    db.session.add(PanelDeclaration(organisation_id=organisation.id, staff_id=staff[3].id))
    # Shortlisting: one member of staff, BME in ESR, who gave nothing for panel purposes (so
    # flipping ESR would flip the rule if ESR were read). Interview: white in ESR, a diverse
    # pool member, a self-declared member and an external member's declaration.
    services.add_member(
        services.panel_for(vacancy, "shortlisting"), manager, version=None, staff=staff[0]
    )
    interview = services.panel_for(vacancy, "interview")
    for person in staff[1:]:
        services.add_member(interview, manager, version=None, staff=person)
    services.add_member(
        interview, manager, version=None, external_name="Jo Marsh", external_ethnic_category="M"
    )
    # (reference, category, interviewed, appointed): the justification will list only B-LISTED.
    plan = [
        ("B-LISTED", BME, True, False),
        ("B-APPOINTED", "H", True, True),
        ("B-NOT-INTERVIEWED", "M", False, False),
        ("W-INTERVIEWED", WHITE, True, False),
        ("W-NOT-INTERVIEWED", "B", False, False),
    ]
    for reference, category, interviewed, appointed in plan:
        application = services.add_applicant(vacancy, reference, None)
        application.applicant.ethnic_category = category
        application.shortlisted = True
        application.interviewed, application.appointed = interviewed, appointed
    vacancy.posts = 1
    db.session.commit()

    def ids():
        panels = Panel.query.all()
        return {
            "owner_id": [vacancy.id],
            "kind": ["vacancies"],
            "stage": ["shortlisting", "interview"],
            "member_id": [m.id for p in panels for m in p.members][:3],
            "justification_id": [j.id for j in justifications.all_for_owner(vacancy)],
            "applicant_id": [a.id for a in Applicant.query],
            "staff_id": [s.id for s in staff],
            "user_id": [manager.id],
        }

    def crawl():
        seeds = ["/", f"/vacancies/{vacancy.id}", *_route_urls(app, ids())]
        return _crawl(client, app, seeds)

    def flip(keep=()):
        for row in Staff.query.all() + Applicant.query.all():
            if getattr(row, "reference", None) not in keep and row.ethnic_category in SWAP:
                row.ethnic_category = SWAP[row.ethnic_category]
        db.session.commit()

    crawl()  # first visits create the empty records pages make on sight
    before = crawl()
    assert len(before) > 40
    # Downloads are fetched too (this manager may open none of them: each answers 403).
    assert before["/justifications/register.csv"].startswith("403")
    assert any(url.endswith(".csv") for url in before)
    _assert_blind(before, set())
    flip()
    _same_pages(crawl(), before)  # nothing a manager sees depends on anyone's ethnicity
    flip()

    response = client.post(
        f"/vacancies/{vacancy.id}/decision",
        data={
            "version": db.session.get(Vacancy, vacancy.id).version,
            "decision_date": "2026-01-19",
        },
    )
    assert response.status_code == 302
    justification = justifications.for_owner(vacancy)
    assert [a.application.applicant.reference for a in justification.applicants] == ["B-LISTED"]

    crawl()  # reads the flash and the notification, which change the header once
    after = crawl()
    assert any(f"/justifications/{justification.id}" in url for url in after)
    _assert_blind(after, {"B-LISTED"})
    # Everyone whose ethnicity the decision did not put on the list: flipping them (and all
    # staff) changes nothing the manager can see. W-INTERVIEWED would join the list, so stays.
    flip(keep={"B-LISTED", "W-INTERVIEWED"})
    _same_pages(crawl(), after)
    # The list is the only person-level signal, and it appears only on the justification's
    # own pages and its notification.
    for url, body in after.items():
        if "B-LISTED" in body and "W-INTERVIEWED" not in body:
            assert url.startswith(("/justifications/", "/notifications")), url
