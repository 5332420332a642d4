"""Stored HTML injection, kept in the suite: every text a person or an import supplies is data.

One table (FIELDS) lists every user- or import-supplied text column: how the hostile value gets in
and which pages (as which role) and emails show it. Every String/Text column in the metadata must
be in FIELDS or in NOT_USER_TEXT with the reason, so a new column without an entry fails here.
"""

import ast
import csv
import io
import random
import re
from datetime import date
from pathlib import Path

import pytest
from jinja2 import nodes
from markupsafe import escape
from sqlalchemy import String, Text

from app import import_jobs
from app.benchmarking import services as benchmarking
from app.benchmarking import synthetic
from app.extensions import db as _db
from app.goals import planning
from app.goals import services as goals
from app.justifications import services as justifications
from app.mentoring import services as mentoring
from app.notifications.services import deliver_outbox
from app.recruitment import services as recruitment
from app.workforce import services as workforce
from app.workforce.models import Staff
from tests import factories
from tests.conftest import sign_in

ROOT = Path(__file__).resolve().parent.parent
LONG = '<meta http-equiv="refresh" content="0;url=https://evil.example"><script>alert(1)</script>'
QUOTES = "\"'><svg onload=alert(1)>&amp;"  # breaks out of attributes; & must become &amp;amp;
COMPACT = "<i>\"&'"  # for columns too short for the others
EMAIL = "<i>\"&'@evil.example"  # passes the ESR import's email check
PROSE = (
    " because nobody else on the rota could sit on this panel before the closing date, and "
    "we asked the panel pool, two neighbouring trusts and the staff networks without success"
)
# What the payloads look like if anything prints them raw.
RAW_MARKERS = ("<meta http-equiv", "<script>alert", "<svg onload", "<i>\"&'")

# column: (how the value is set, [(role, page)], shown in email)
# Pages are paths with {placeholders} filled from the world the test builds.
FIELDS = {
    "organisation.code": (
        "factory (flask orgs add)",
        [("hr", "/account"), ("regional", "/benchmarking")],
        False,
    ),
    "organisation.name": (
        "factory (flask orgs add)",
        [
            ("hr", "/"),
            ("manager", "/vacancies"),
            ("leader", "/account"),
            ("regional", "/benchmarking"),
            ("regional", "/benchmarking/organisations/{organisation}"),
        ],
        False,
    ),
    "organisation.region": (
        "factory (flask orgs add --region)",
        [("regional", "/benchmarking"), ("regional", "/benchmarking/organisations/{organisation}")],
        False,
    ),
    "user_account.email": (
        "factory (the invite form's email check refuses it)",
        [("hr", "/users"), ("hr", "/users/{victim}")],
        False,
    ),
    "user_account.full_name": (
        "factory (invite form)",
        [
            ("manager", "/"),
            ("hr", "/users"),
            ("chair", "/justifications/{justification}"),
            ("manager", "/vacancies/{vacancy}"),
        ],
        True,
    ),
    "staff.staff_number": (
        "ESR import",
        [
            ("hr", "/staff"),
            ("hr", "/staff/{colleague}"),
            ("leader", "/mentoring/evidence"),
            ("hr", "/panel-pool"),
            ("hr", "/users/{leader_user}"),
        ],
        False,
    ),
    "staff.full_name": (
        "ESR import",
        [
            ("leader", "/mentoring/{relationship}"),
            ("leader", "/mentoring"),
            ("leader", "/account"),
            ("hr", "/staff"),
            ("hr", "/mentoring/coverage"),
            ("manager", "/vacancies/{vacancy}/panels/interview"),
        ],
        False,
    ),
    "staff.email": ("ESR import", [("hr", "/staff/{colleague}")], False),
    "batch.reference": (
        "form (new batch) or recruitment import",
        [("manager", "/batches"), ("manager", "/vacancies/{batch_vacancy}")],
        False,
    ),
    "batch.name": (
        "form (new batch)",
        [("manager", "/batches"), ("manager", "/batches/{batch}")],
        False,
    ),
    "vacancy.reference": (
        "form (new vacancy) or recruitment import",
        [
            ("manager", "/vacancies"),
            ("manager", "/vacancies/{vacancy}/panels/shortlisting"),
            ("chair", "/justifications"),
            ("manager", "/inbox"),
        ],
        True,
    ),
    "vacancy.title": (
        "form (new vacancy) or recruitment import (job_title)",
        [
            ("manager", "/vacancies"),
            ("manager", "/vacancies/{vacancy}"),
            ("chair", "/justifications"),
        ],
        True,
    ),
    "vacancy.department": ("form (vacancy)", [("hr", "/vacancies/{vacancy}")], False),
    "applicant.reference": (
        "form (add applicant) or recruitment import",
        [
            ("manager", "/vacancies/{vacancy}"),
            ("manager", "/justifications/{justification}/write"),
            ("chair", "/justifications/{justification}"),
        ],
        False,
    ),
    "panel.exception_reason": (
        "form (confirm panel) or panel import",
        [
            ("manager", "/vacancies/{vacancy}/panels/shortlisting"),
            ("hr", "/panels/compliance"),
            ("chair", "/justifications/{justification}"),
        ],
        False,
    ),
    "panel.method": ("form (confirm panel)", [("chair", "/justifications/{justification}")], False),
    "panel.assessment": (
        "form (confirm panel)",
        [("chair", "/justifications/{justification}")],
        False,
    ),
    "panel_member.external_name": (
        "form (add someone from outside) or panel import",
        [
            ("manager", "/vacancies/{vacancy}/panels/shortlisting"),
            ("manager", "/vacancies/{vacancy}"),
            ("chair", "/justifications/{justification}"),
        ],
        False,
    ),
    "panel_pool_member.note": (
        "form (panel pool)",
        [("hr", "/panel-pool"), ("manager", "/vacancies/{vacancy}/panels/interview")],
        False,
    ),
    "justification_reason.reason": (
        "form (write)",
        [("chair", "/justifications/{justification}")],
        False,
    ),
    "justification_reason.feedback": (
        "form (write)",
        [("chair", "/justifications/{justification}")],
        False,
    ),
    "justification_review.note": (
        "form (chair's decision)",
        [
            ("manager", "/justifications/{justification}/write"),
            ("manager", "/justifications/{justification}"),
            ("manager", "/inbox"),
        ],
        True,
    ),
    "justification_review.referred_to": (
        "form (chair's decision)",
        [("manager", "/justifications/{justification}")],
        False,
    ),
    "mentoring_relationship.agreement": (
        "form (start or change a relationship)",
        [
            ("leader", "/mentoring/{relationship}"),
            ("leader", "/mentoring/evidence"),
            ("hr", "/mentoring/evidence/{leader_staff}"),
        ],
        False,
    ),
    "mentoring_session.summary": (
        "form (log a session)",
        [("leader", "/mentoring/{relationship}"), ("leader", "/mentoring/evidence")],
        False,
    ),
    "mentoring_private_note.text": (
        "form (log a session)",
        [("leader", "/mentoring/{relationship}")],
        False,
    ),
    "mentoring_goal.text": (
        "form (add a goal)",
        [("leader", "/mentoring/{relationship}"), ("leader", "/mentoring/evidence")],
        False,
    ),
    "mentoring_goal.progress": (
        "form (goal progress)",
        [("leader", "/mentoring/{relationship}"), ("leader", "/mentoring/evidence")],
        False,
    ),
    "audit_event.reason": (
        "form (reason for changing a confirmed panel)",
        [("manager", "/vacancies/{vacancy}")],
        False,
    ),
    "data_import.filename": ("upload (the file's name)", [("hr", "/imports")], False),
    "import_job.filename": (
        "upload too big for a request (the file's name)",
        [("hr", "/imports"), ("hr", "/imports/jobs/{import_job}")],
        False,
    ),
    "goal_set.note": ("form (propose goals)", [("hr", "/goals/{goal_set}")], False),
    "goal_action.title": (
        "form (add an action)",
        [("hr", "/goals"), ("leader", "/"), ("leader", "/actions/{action}")],
        True,
    ),
    "goal_action.detail": ("form (add an action)", [("leader", "/actions/{action}")], False),
    "goal_action.dropped_reason": (
        "form (record progress: dropped, with the reason)",
        [("hr", "/actions/{dropped_action}")],
        False,
    ),
    "goal_action_update.text": (
        "form (record progress)",
        [("hr", "/actions/{dropped_action}")],
        False,
    ),
    "justification.superseded_reason": (
        "form (HR's reason for changing a locked decision)",
        [("hr", "/justifications/{superseded}"), ("manager", "/justifications/{superseded}")],
        False,
    ),
}

# Markup the app builds around those values must stay markup (the reverse bug: the chair's note
# reached the manager as literal "<p><strong>..." text).
APP_MARKUP = [
    ("manager", "/justifications/{justification}/write", "<strong>The chair asked for more"),
    ("manager", "/vacancies/{batch_vacancy}", '<a href="/batches/{batch}">'),
    ("hr", "/users/{leader_user}", '<a href="/staff/{leader_staff}">'),
    ("hr", "/staff/{leader_staff}", '<a href="/users/{leader_user}">'),
]

_CODE = "a code from a fixed list, checked on entry"
NOT_USER_TEXT = {
    "user_account.password_hash": "a secret the app derives",
    "user_session.secret_hash": "a secret the app derives",
    "user_session.user_agent": "the browser's own header, kept with the session and never shown",
    "user_session.ip_address": "the request's address, kept with the session and never shown",
    "user_session.end_reason": _CODE,
    "throttle_counter.key_hash": "a hash the app derives",
    "figure_version.token": "a random token the app sets on every commit that writes, never shown",
    "staff.row_digest": "a digest the import derives from a row, never shown",
    "data_import.file_digest": "a digest the staff import derives from the file, never shown",
    "audit_checkpoint.head": "an HMAC the app computes",
    "audit_checkpoint.mac": "an HMAC the app computes",
    "import_job.kind": _CODE,
    "import_job.status": _CODE,
    "import_job.problems_json": (
        "the import's own problem messages, shown through the same import_problems macro as a "
        "refused upload's (data_import.filename's pages)"
    ),
    "application.pay_band": _CODE,
    "application.staff_group": _CODE,
    "staff_history.board_role": _CODE,
    "staff_history.ethnic_category": _CODE,
    "staff_history.pay_band": _CODE,
    "staff_history.staff_group": _CODE,
    "staff_history.changed": "the names of the fields an import changed, written by the app",
    "wres_year_snapshot.figures": "JSON the app computes from counts",
    "published_figures.figures": "JSON the app computes from counts, after disclosure control",
    "organisation.organisation_type": _CODE,
    "organisation.size_band": _CODE,
    "user_account.invitation_hash": "a secret the app derives",
    "user_role.role": _CODE,
    "organisation_settings.panel_rule_min_band": _CODE,
    "organisation_settings.justification_policy": _CODE,
    "staff.ethnic_category": _CODE,
    "staff.pay_band": _CODE,
    "staff.staff_group": _CODE,
    "staff.board_role": _CODE,
    "band_change.from_band": _CODE,
    "band_change.to_band": _CODE,
    "band_change.note": "nothing writes it",
    "batch.status": _CODE,
    "vacancy.pay_band": _CODE,
    "vacancy.staff_group": _CODE,
    "vacancy.status": _CODE,
    "applicant.ethnic_category": _CODE,
    "panel.stage": _CODE,
    "panel.status": _CODE,
    "panel_member.external_ethnic_category": _CODE,
    "panel_member.role": _CODE,
    "justification.status": _CODE,
    "justification_review.outcome": _CODE,
    "justification_version.process_followed": (
        "built at submission from the panels' method, assessment and members, whose entries "
        "check the page that shows it"
    ),
    "mentoring_relationship.kind": _CODE,
    "mentoring_session.format": _CODE,
    "metric_snapshot.figures": "JSON of aggregate figures the app computes",
    "notification.subject": "built from the fields above; their entries check /inbox",
    "notification.body": "built from the fields above; their entries check /inbox",
    "notification.link": "a path the app builds",
    "outbox_message.to_email": "a copy of user_account.email",
    "outbox_message.subject": "the email itself: checked as email for each field marked so",
    "outbox_message.body": "the email itself: checked as email for each field marked so",
    "outbox_message.last_error": "the error the mail library or server gave",
    "reminder_sent.subject_type": _CODE,
    "reminder_sent.kind": _CODE,
    "audit_event.actor_label": "a copy of user_account.full_name or email when the entry is made",
    "audit_event.action": _CODE,
    "audit_event.object_type": _CODE,
    "audit_event.detail": (
        "JSON the app builds; the names in it are checked through staff.full_name and "
        "panel_member.external_name on the vacancy's history"
    ),
    "audit_event.prev_hash": "a hash the app computes",
    "audit_event.hash": "a hash the app computes",
    "data_import.kind": _CODE,
    "goal_set.status": _CODE,
    "goal_target.measure": _CODE,
    "goal_required_path.path_json": "JSON the app computes from the stored figures",
    "goal_required_path.shortfalls_json": "JSON the app computes from goals and the path",
    "goal_action.serves": _CODE,
    "goal_action.status": _CODE,
    "goal_action_update.status": _CODE,
    "data_import.date_formats": "the app's own wording of the date layouts it read",
    "audit_attachment.sha256": "a hash the app computes",
    "disciplinary_case.case_reference": (
        "imported to match a case when its file is imported again; shown on no page, in no "
        "export and in no email: the figures count people"
    ),
    "training_record.course": (
        "imported to tell a person's courses apart; shown on no page, in no export and in no "
        "email: the figures count people"
    ),
    "data_import.source": _CODE,
}


def _text_columns():
    return {
        f"{table.name}.{column.name}": column
        for table in _db.metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, String | Text)
    }


def test_every_text_column_is_listed_or_excused(app):
    with app.app_context():
        columns = set(_text_columns())
    assert not set(FIELDS) & set(NOT_USER_TEXT)
    unlisted = sorted(columns - set(FIELDS) - set(NOT_USER_TEXT))
    stale = sorted((set(FIELDS) | set(NOT_USER_TEXT)) - columns)
    assert unlisted == [], "add each to FIELDS (how it is set, where it shows) or NOT_USER_TEXT"
    assert stale == []


def _values(variant: str) -> dict[str, str]:
    """A distinct hostile value per field, as long a payload as the column holds."""
    columns = _text_columns()
    values = {}
    for number, name in enumerate(sorted(FIELDS)):
        tag = f"f{number:02d}"
        length = columns[name].type.length or 100_000
        if name.endswith("email"):
            values[name] = tag + EMAIL
            continue
        candidates = (LONG, QUOTES, COMPACT) if variant == "meta" else (QUOTES, COMPACT)
        # One character spare: unique columns get a digit on the end.
        value = next(tag + p for p in candidates if len(tag + p) + 1 <= length)
        # Free text long enough for the rules on reasons (a few sentences, not a word).
        values[name] = value + PROSE if columns[name].type.length is None else value
    return values


def _staff_csv(rows) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        ["staff_number", "full_name", "email", "ethnic_category", "pay_band", "staff_group"]
    )
    writer.writerows(rows)
    return buffer.getvalue().encode()


def _build_world(db, v: dict[str, str]) -> dict:
    """One organisation where every field in FIELDS holds its hostile value, set the way the
    table says (services are what the forms and imports call)."""
    org = factories.OrganisationFactory(
        code=v["organisation.code"], name=v["organisation.name"], region=v["organisation.region"]
    )
    name = v["user_account.full_name"]

    def user(role, email):
        return factories.UserFactory(organisation=org, roles=(role,), email=email, full_name=name)

    users = {
        "hr": user("hr-admin", "hr@example.nhs.uk"),
        "manager": user("recruiting-manager", "manager@example.nhs.uk"),
        "chair": user("chair", "chair@example.nhs.uk"),
        "leader": user("senior-leader", "leader@example.nhs.uk"),
        "regional": user("regional-viewer", "regional@example.nhs.uk"),
    }
    victim = user("recruiting-manager", v["user_account.email"])
    db.session.commit()

    number, staff_name = v["staff.staff_number"], v["staff.full_name"]
    workforce.import_staff(
        org,
        _staff_csv(
            [
                [number + "1", staff_name, "leader@example.nhs.uk", "A", "VSM", "Non-clinical"],
                [number + "2", staff_name, v["staff.email"], "N", "6", "Clinical non-medical"],
                [number + "3", staff_name, "", "N", "7", "Clinical non-medical"],
                [number + "4", staff_name, "", "A", "7", "Clinical non-medical"],
            ]
        ),
        v["data_import.filename"],
        "upload",
        users["hr"],
    )
    db.session.commit()
    staff = {s.staff_number[-1]: s for s in Staff.query.filter_by(organisation_id=org.id)}
    leader, colleague, pool_person, panel_person = staff["1"], staff["2"], staff["3"], staff["4"]
    users["leader"].staff_id = leader.id  # as HR links an account, by staff number

    manager, hr = users["manager"], users["hr"]
    recruitment.add_to_pool(
        org.id, pool_person, None, v["panel_pool_member.note"], hr, diverse_member=True
    )
    vacancy = recruitment.create_vacancy(
        org.id,
        manager,
        reference=v["vacancy.reference"] + "1",
        title=v["vacancy.title"],
        pay_band="7",
        department=v["vacancy.department"],
    )
    batch = recruitment.create_batch(
        org.id, manager, reference=v["batch.reference"], name=v["batch.name"], interview_date=None
    )
    batch_vacancy = recruitment.create_vacancy(
        org.id,
        manager,
        reference=v["vacancy.reference"] + "2",
        title="Porter",
        pay_band="2",
        batch=batch,
    )
    panel = recruitment.panel_for(vacancy, "shortlisting")
    recruitment.add_member(panel, manager, version=panel.version, staff=panel_person)
    recruitment.add_member(
        panel,
        manager,
        version=panel.version,
        external_name=v["panel_member.external_name"],
        external_ethnic_category="A",
    )
    recruitment.confirm_panel(
        panel,
        manager,
        version=panel.version,
        exception_reason=v["panel.exception_reason"],
        method=v["panel.method"],
        assessment=v["panel.assessment"],
    )
    staff_member = next(m for m in panel.members if m.staff_id)
    recruitment.remove_member(
        panel,
        staff_member.id,
        manager,
        version=panel.version,
        reason=v["audit_event.reason"],
        exception_reason=v["panel.exception_reason"],
    )
    recruitment.panel_for(vacancy, "interview")
    for suffix, category, appointed in (("1", "N", False), ("2", "A", True)):
        application = recruitment.add_applicant(vacancy, v["applicant.reference"] + suffix, manager)
        application.applicant.ethnic_category = category
        application.shortlisted = application.interviewed = True
        application.appointed = appointed
    recruitment.record_decision(vacancy, date(2026, 6, 1), vacancy.version, manager)
    db.session.commit()

    justification = justifications.for_owner(vacancy)
    reasons = {
        entry.application_id: justifications.Reason(
            v["justification_reason.reason"], v["justification_reason.feedback"]
        )
        for entry in justification.applicants
    }
    justifications.submit(justification, manager, reasons, justification.version)
    justifications.review(
        justification,
        users["chair"],
        "more-information-requested",
        v["justification_review.note"],
        v["justification_review.referred_to"],
        justification.version,
    )
    db.session.commit()

    relationship = mentoring.create_relationship(
        leader,
        colleague,
        "mentoring",
        date(2026, 5, 1),
        users["leader"],
        agreement=v["mentoring_relationship.agreement"],
    )
    mentoring.log_session(
        relationship,
        users["leader"],
        held_on=date(2026, 6, 1),
        minutes=60,
        format="video",
        summary=v["mentoring_session.summary"],
        private_note=v["mentoring_private_note.text"],
    )
    goal = mentoring.add_goal(relationship, users["leader"], v["mentoring_goal.text"], None)
    mentoring.update_goal(goal, v["mentoring_goal.progress"], False)
    db.session.commit()

    # A decision HR changed after it was locked: the justification it had triggered is kept,
    # superseded, with HR's reason.
    changed = recruitment.create_vacancy(
        org.id, manager, reference=v["vacancy.reference"] + "3", title="Porter", pay_band="2"
    )
    application = recruitment.add_applicant(changed, v["applicant.reference"] + "3", manager)
    application.applicant.ethnic_category = "N"
    application.shortlisted = application.interviewed = True
    recruitment.record_decision(changed, date(2026, 6, 1), changed.version, manager)
    db.session.commit()
    superseded = justifications.for_owner(changed)
    recruitment.record_decision(
        changed,
        date(2026, 6, 2),
        changed.version,
        hr,
        override_reason=v["justification.superseded_reason"],
    )
    # An upload's name is kept as its last path part (a browser sends no more), so this one has
    # no slashes: the page must show all of it, escaped.
    v["import_job.filename"] = v["import_job.filename"].replace("/", "|")
    job = import_jobs.queue(
        org.id, "staff", v["import_job.filename"], b"staff_number\n1\n", users["hr"]
    )
    assert job.filename == v["import_job.filename"]
    db.session.commit()
    import_jobs.run_pending()  # refused (one column), so its page stops refreshing itself

    years = planning.goal_years(2026, 2028)
    goal_set = goals.propose(
        org.id,
        hr,
        base_year=2026,
        target_year=2028,
        model_as_at=date(2026, 3, 31),
        model_target_share=0.2,
        values={
            (m, y): 1.25 if m == planning.INDICATOR2 else 0.2
            for m in planning.MEASURES
            for y in years
        },
        model_values={},
        note=v["goal_set.note"],
    )

    def action():
        return goals.add_action(
            org.id,
            hr,
            title=v["goal_action.title"],
            detail=v["goal_action.detail"],
            owner=users["leader"],
            due_date=date(2030, 1, 1),
            serves="8a",
        )

    open_action, dropped_action = action(), action()
    goals.record_progress(
        dropped_action,
        users["leader"],
        dropped_action.version,
        written_on=date(2026, 6, 1),
        text=v["goal_action_update.text"],
        status="dropped",
        reason=v["goal_action.dropped_reason"],
    )
    # Published figures, so the benchmarking pages show the organisation's name and region.
    doc = synthetic.published(
        org.code,
        2026,
        synthetic.plain_counts(random.Random(5), synthetic.Trust(900, 0.3, 1.4, 0.2), 2026),
    )
    benchmarking.store(org, 2026, date(2026, 3, 31), doc)
    db.session.commit()
    return {
        "users": users,
        "ids": {
            "victim": victim.id,
            "leader_user": users["leader"].id,
            "colleague": colleague.id,
            "leader_staff": leader.id,
            "vacancy": vacancy.id,
            "batch_vacancy": batch_vacancy.id,
            "batch": batch.id,
            "justification": justification.id,
            "relationship": relationship.id,
            "superseded": superseded.id,
            "import_job": job.id,
            "goal_set": goal_set.id,
            "action": open_action.id,
            "dropped_action": dropped_action.id,
            "organisation": org.id,
        },
    }


@pytest.mark.parametrize("variant", ["meta", "quotes"])
def test_hostile_text_is_escaped_on_every_page_and_email_that_shows_it(
    app, db, variant, smtp_server
):
    values = _values(variant)
    world = _build_world(db, values)
    clients = {}
    for role, user in world["users"].items():
        clients[role] = app.test_client()
        assert sign_in(clients[role], user.email).status_code == 302
    pages = {}
    wanted = [page for _how, shown_on, _email in FIELDS.values() for page in shown_on]
    for role, path in wanted + [(role, path) for role, path, _markup in APP_MARKUP]:
        url = path.format(**world["ids"])
        if (role, url) not in pages:
            response = clients[role].get(url)
            assert response.status_code == 200, (role, url, response.status_code)
            pages[role, url] = response.get_data(as_text=True)

    for name, (_how, shown_on, _email) in FIELDS.items():
        value = values[name]
        for role, path in shown_on:
            body = pages[role, path.format(**world["ids"])]
            assert str(escape(value)) in body, f"{name} is not shown on {path} as {role}"
            assert value not in body, f"{name} is raw on {path} as {role}"
    for (role, url), body in pages.items():
        leaked = [marker for marker in RAW_MARKERS if marker in body]
        assert leaked == [], (role, url, leaked)
        assert "&lt;p&gt;" not in body and "&lt;a href" not in body, (role, url)
    for role, path, markup in APP_MARKUP:
        assert markup.format(**world["ids"]) in pages[role, path.format(**world["ids"])], path

    deliver_outbox()
    received = smtp_server.messages
    assert received
    for message in received:
        # Plain text only: the value reaches the reader as the characters typed, and no mail
        # client can read it as markup.
        assert not message.is_multipart() and message.get_content_type() == "text/plain"
        assert "\n" not in message["Subject"] and "\r" not in message["Subject"]
    texts = [f"{m['Subject']}\n{m.get_content()}" for m in received]
    for name, (_how, _shown_on, in_email) in FIELDS.items():
        if in_email:
            assert any(values[name] in text for text in texts), f"{name} is in no email"


# Every NHS.UK macro the app uses, called with hostile text wherever it takes text.
MACRO_CALLS = {
    "backLink": {"href": "/x", "text": "{P}"},
    "header": {
        "service": {"text": "{P}", "href": "/"},
        "organisation": {"name": "{P}"},
        "account": {"items": [{"href": "/a", "text": "{P}", "icon": True}]},
        "navigation": {"items": [{"href": "/n", "text": "{P}", "current": True}]},
    },
    "footer": {"meta": {"items": [{"href": "/f", "text": "{P}"}]}},
    "insetText": {"text": "{P}"},
    "warningCallout": {"heading": "{P}", "text": "{P}"},
    "summaryList": {"rows": [{"key": {"text": "{P}"}, "value": {"text": "{P}"}}]},
    "tag": {"text": "{P}"},
    "card": {"href": "/c", "heading": "{P}", "description": "{P}"},
    "taskList": {
        "items": [
            {"heading": "{P}", "href": "/t", "hint": "{P}", "status": {"tag": {"text": "{P}"}}}
        ]
    },
    "details": {"summaryText": "{P}", "text": "{P}"},
    "characterCount": {
        "id": "c",
        "name": "c",
        "maxlength": 4000,
        "label": {"text": "{P}"},
        "hint": {"text": "{P}"},
        "value": "{P}",
        "errorMessage": {"text": "{P}"},
    },
    "dateInput": {
        "id": "d",
        "fieldset": {"legend": {"text": "{P}"}},
        "hint": {"text": "{P}"},
        "items": [{"id": "d-day", "name": "d-day", "label": "{P}", "value": "{P}"}],
        "errorMessage": {"text": "{P}"},
    },
    "fileUpload": {
        "id": "f",
        "name": "f",
        "label": {"text": "{P}"},
        "errorMessage": {"text": "{P}"},
    },
    "panel": {"titleText": "{P}", "text": "{P}"},
    "radios": {
        "idPrefix": "r",
        "name": "r",
        "fieldset": {"legend": {"text": "{P}"}},
        "items": [{"value": "{P}", "text": "{P}"}],
        "errorMessage": {"text": "{P}"},
    },
    "input": {
        "id": "i",
        "name": "i",
        "label": {"text": "{P}"},
        "hint": {"text": "{P}"},
        "value": "{P}",
        "errorMessage": {"text": "{P}"},
    },
    "textarea": {
        "id": "t",
        "name": "t",
        "label": {"text": "{P}"},
        "hint": {"text": "{P}"},
        "value": "{P}",
        "errorMessage": {"text": "{P}"},
    },
    "select": {
        "id": "s",
        "name": "s",
        "label": {"text": "{P}"},
        "items": [{"value": "{P}", "text": "{P}"}],
        "errorMessage": {"text": "{P}"},
    },
    "checkboxes": {
        "idPrefix": "c",
        "name": "c",
        "fieldset": {"legend": {"text": "{P}"}},
        "hint": {"text": "{P}"},
        "items": [{"value": "{P}", "text": "{P}"}],
        "errorMessage": {"text": "{P}"},
    },
    "errorSummary": {"titleText": "{P}", "errorList": [{"text": "{P}", "href": "#x"}]},
    "button": {"text": "{P}"},
    "pagination": {
        "previous": {"href": "/p", "labelText": "{P}"},
        "next": {"href": "/n", "labelText": "{P}"},
    },
}


def _templates():
    return sorted(
        path
        for path in (ROOT / "app").rglob("*")
        if path.suffix in (".html", ".jinja") and "static" not in path.parts
    )


def _nhsuk_imports() -> dict[str, str]:
    """{macro name: template} for every `{% from "nhsuk/..." import ... %}` in the app."""
    found = {}
    pattern = re.compile(r'{%-?\s*from\s+"(nhsuk/[^"]+)"\s+import\s+([^%]+?)\s*-?%}')
    for path in _templates():
        for template, names in pattern.findall(path.read_text()):
            for part in names.split(","):
                found[part.split(" as ")[0].strip()] = template
    return found


def _fill(params, payload):
    if isinstance(params, dict):
        return {k: _fill(v, payload) for k, v in params.items()}
    if isinstance(params, list):
        return [_fill(v, payload) for v in params]
    return payload if params == "{P}" else params


@pytest.mark.parametrize("payload", [LONG, QUOTES])
def test_every_nhs_macro_the_app_uses_escapes_its_text(app, payload):
    used = _nhsuk_imports()
    assert sorted(set(used) - set(MACRO_CALLS)) == [], "add a hostile call for each new macro"
    with app.test_request_context():
        for macro, template in sorted(used.items()):
            html = app.jinja_env.from_string(
                f'{{% from "{template}" import {macro} %}}{{{{ {macro}(params) }}}}'
            ).render(params=_fill(MACRO_CALLS[macro], payload))
            assert str(escape(payload)) in html, macro
            assert payload not in html, macro
            assert not any(marker in html for marker in RAW_MARKERS), macro


def test_free_text_keeps_line_breaks_and_no_markup(app):
    with app.app_context():
        free_text = app.jinja_env.filters["free_text"]
        assert str(free_text("<b>one</b>\r\ntwo\rthree\nfour & 'five'")) == (
            "&lt;b&gt;one&lt;/b&gt;<br>\ntwo<br>\nthree<br>\nfour &amp; &#39;five&#39;"
        )
        assert free_text(None) == ""


def _html_values(node, assigned_blocks):
    """Whether an `html` parameter's value can only be Markup built from escaped parts."""
    if isinstance(node, nodes.Name):
        return node.name in assigned_blocks
    if isinstance(node, nodes.Filter):
        return node.name == "free_text"
    if isinstance(node, nodes.CondExpr):
        return _html_values(node.expr1, assigned_blocks) and (
            node.expr2 is None or _html_values(node.expr2, assigned_blocks)
        )
    return False


def test_html_reaches_macros_only_as_markup_built_from_escaped_parts(app):
    """Our templates never use |safe, and an `html` parameter is a {% set %} block (every {{ }}
    inside it escaped) or free_text; Python builds Markup only from literals."""
    problems = []
    for path in _templates():
        source = path.read_text()
        tree = app.jinja_env.parse(source)
        blocks = {n.target.name for n in tree.find_all(nodes.AssignBlock)}
        for node in tree.find_all(nodes.Filter):
            if node.name == "safe":
                problems.append(f"{path.name}:{node.lineno} uses |safe")
        for pair in tree.find_all(nodes.Pair):
            is_html = isinstance(pair.key, nodes.Const) and pair.key.value == "html"
            if is_html and not _html_values(pair.value, blocks):
                problems.append(f"{path.name}:{pair.lineno} passes html it did not build")
    for path in sorted((ROOT / "app").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", getattr(node.func, "attr", None)) == "Markup"
                and not all(isinstance(a, ast.Constant) for a in node.args)
            ):
                problems.append(f"{path.name}:{node.lineno} builds Markup from a variable")
    assert problems == []


# Every column of every import file: the FIELDS entry it fills, or why it is not free text.
_NOT_TEXT = "a code, date, number or yes/no, parsed and refused unless valid"
IMPORT_COLUMNS = {
    ("staff", "staff_number"): "staff.staff_number",
    ("staff", "organisation_code"): "must equal the organisation's own code",
    ("staff", "full_name"): "staff.full_name",
    ("staff", "email"): "staff.email",
    **{
        ("staff", c): _NOT_TEXT
        for c in (
            "ethnic_category",
            "pay_band",
            "staff_group",
            "board_member",
            "board_voting",
            "start_date",
            "leaving_date",
            "hourly_rate",
            "annual_basic_pay",
            "contracted_hours",
        )
    },
    **{
        ("survey", c): _NOT_TEXT
        for c in (
            "survey_year",
            "indicator",
            "white_percent",
            "bme_percent",
            "white_respondents",
            "bme_respondents",
        )
    },
    ("recruitment", "vacancy_reference"): "vacancy.reference",
    ("recruitment", "batch_reference"): "batch.reference",
    ("recruitment", "job_title"): "vacancy.title",
    ("recruitment", "applicant_reference"): "applicant.reference",
    **{
        ("recruitment", c): _NOT_TEXT
        for c in (
            "pay_band",
            "staff_group",
            "ethnic_category",
            "shortlisted",
            "interviewed",
            "appointed",
            "decision_date",
            "international_recruit",
        )
    },
    ("panels", "vacancy_reference"): "looks up a vacancy (vacancy.reference)",
    ("panels", "batch_reference"): "looks up a batch (batch.reference)",
    ("panels", "staff_number"): "looks up a member of staff (staff.staff_number)",
    ("panels", "external_name"): "panel_member.external_name",
    ("panels", "exception_reason"): "panel.exception_reason",
    **{("panels", c): _NOT_TEXT for c in ("stage", "ethnic_category", "role")},
    **{
        ("mentoring", c): "looks up a member of staff"
        for c in ("mentor_staff_number", "mentee_staff_number")
    },
    **{
        ("mentoring", c): _NOT_TEXT for c in ("type", "start_date", "end_date", "last_session_date")
    },
    ("disciplinary", "case_reference"): "stored (disciplinary_case.case_reference), never shown",
    ("disciplinary", "staff_number"): "looks up a member of staff",
    ("disciplinary", "investigation_start_date"): _NOT_TEXT,
    ("training", "staff_number"): "looks up a member of staff",
    ("training", "course"): "stored (training_record.course), never shown",
    **{("training", c): _NOT_TEXT for c in ("start_date", "mandatory")},
}


def test_every_import_column_is_mapped():
    from app.mentoring import files as mentoring_files
    from app.recruitment import files as recruitment_files
    from app.survey import files as survey_files
    from app.workforce import staff_file
    from app.wres_return import files as return_files

    columns = (
        {("staff", c) for c in staff_file.COLUMNS}
        | {("recruitment", c) for c in recruitment_files.RECRUITMENT_COLUMNS}
        | {("panels", c) for c in recruitment_files.PANEL_COLUMNS}
        | {("mentoring", c) for c in mentoring_files.COLUMNS}
        | {("survey", c) for c in survey_files.COLUMNS}
        | {("disciplinary", c) for c in return_files.DISCIPLINARY_COLUMNS}
        | {("training", c) for c in return_files.TRAINING_COLUMNS}
    )
    assert columns == set(IMPORT_COLUMNS)
    for target in IMPORT_COLUMNS.values():
        assert target in FIELDS or " " in target  # a FIELDS entry, or a reason in words


def _csv(header, rows) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows([header, *rows])
    return buffer.getvalue().encode()


@pytest.mark.parametrize("variant", ["meta", "quotes"])
def test_hostile_import_text_is_escaped_where_it_shows(app, client, db, organisation, variant):
    """The recruitment and panel files' own text columns, through the real import services."""
    from app.recruitment.imports import import_panels, import_recruitment
    from app.recruitment.models import Batch, Vacancy

    v = _values(variant)
    hr = factories.UserFactory(organisation=organisation, roles=("hr-admin",))
    db.session.commit()
    import_recruitment(
        organisation,
        _csv(
            [
                "vacancy_reference",
                "batch_reference",
                "job_title",
                "pay_band",
                "applicant_reference",
            ],
            [
                [
                    v["vacancy.reference"] + "1",
                    "",
                    v["vacancy.title"],
                    "7",
                    v["applicant.reference"] + "1",
                ],
                [
                    v["vacancy.reference"] + "2",
                    v["batch.reference"],
                    "Porter",
                    "2",
                    v["applicant.reference"] + "2",
                ],
            ],
        ),
        "recruitment.csv",
        "upload",
        hr,
    )
    import_panels(
        organisation,
        _csv(
            ["vacancy_reference", "stage", "external_name", "ethnic_category", "exception_reason"],
            [
                [
                    v["vacancy.reference"] + "1",
                    "shortlisting",
                    v["panel_member.external_name"],
                    "A",
                    v["panel.exception_reason"],
                ]
            ],
        ),
        "panels.csv",
        "upload",
        hr,
    )
    db.session.commit()
    vacancy = Vacancy.query.filter(Vacancy.batch_id.is_(None)).one()
    batch_vacancy = Vacancy.query.filter(Vacancy.batch_id.is_not(None)).one()
    batch = Batch.query.one()
    sign_in(client, hr.email)
    shown = {
        "vacancy.reference": ["/vacancies", f"/vacancies/{vacancy.id}/panels/shortlisting"],
        "vacancy.title": ["/vacancies", f"/vacancies/{vacancy.id}"],
        "batch.reference": ["/batches", f"/vacancies/{batch_vacancy.id}", f"/batches/{batch.id}"],
        "applicant.reference": [f"/vacancies/{vacancy.id}", f"/batches/{batch.id}"],
        "panel_member.external_name": [f"/vacancies/{vacancy.id}/panels/shortlisting"],
        "panel.exception_reason": [
            f"/vacancies/{vacancy.id}/panels/shortlisting",
            "/panels/compliance",
        ],
    }
    assert set(shown) == {t for t in IMPORT_COLUMNS.values() if t in FIELDS} - {
        "staff.staff_number",
        "staff.full_name",
        "staff.email",  # the big test imports these
    }
    for name, paths in shown.items():
        for path in paths:
            response = client.get(path)
            assert response.status_code == 200, path
            body = response.get_data(as_text=True)
            assert str(escape(v[name])) in body, (name, path)
            assert not [m for m in RAW_MARKERS if m in body], (name, path)
