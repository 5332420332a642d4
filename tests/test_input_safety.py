"""Hostile input reaching the imports, the query strings and the email outbox: each is refused
with a clear message or contained, never a server error, and never blocks anyone else."""

import io
import threading
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from app.csvimport import ImportRefused
from app.import_history import DataImport
from app.numbers import ascii_int
from app.recruitment import imports as recruitment_imports
from app.recruitment import services as recruitment
from app.recruitment.models import Vacancy
from app.timeutil import utcnow
from app.versioning import check_and_bump
from app.workforce import services as workforce
from app.workforce.models import Staff
from tests import factories

STAFF_HEADER = "staff_number,full_name,ethnic_category,pay_band,staff_group\n"
RECRUITMENT_HEADER = (
    "vacancy_reference,batch_reference,job_title,pay_band,staff_group,applicant_reference,"
    "ethnic_category,shortlisted,interviewed,appointed,decision_date,international_recruit\n"
)
PANEL_HEADER = "vacancy_reference,stage,staff_number,external_name,ethnic_category\n"
MENTORING_HEADER = "mentor_staff_number,mentee_staff_number,type,start_date\n"


def _count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _refusal(db, apply, organisation, data: bytes):
    with pytest.raises(ImportRefused) as refused:
        apply(organisation, data, "bad.csv", "test")
    db.session.rollback()
    return refused.value.problems


# Control characters: references and names are data, not syntax


def test_a_reference_with_a_line_break_is_refused_at_import(db, organisation):
    data = (
        RECRUITMENT_HEADER + '"V-1\r\nBcc: everyone@example.org",,Nurse,5,,P-1,A,N,N,N,,N\n'
    ).encode()
    problems = _refusal(db, recruitment_imports.import_recruitment, organisation, data)
    assert [(p.line, p.column) for p in problems] == [(3, "vacancy_reference")]
    assert "a carriage return" in problems[0].message
    assert _count(db, Vacancy) == 0


@pytest.mark.parametrize(
    ("value", "named"),
    [
        ('"20\n01"', "a line break"),
        ("20\x0001", "a NUL byte"),
        ("20\x8501", "U+0085"),
        ("20\t01", "a tab"),
    ],
)
def test_a_staff_number_with_a_control_character_is_refused(db, organisation, value, named):
    data = (STAFF_HEADER + f"{value},Asha Patel,A,5,Non-clinical\n").encode()
    problems = _refusal(db, workforce.import_staff, organisation, data)
    assert problems[0].column == "staff_number"
    assert named in problems[0].message
    assert _count(db, Staff) == 0


def test_nul_bytes_in_a_name_are_refused_not_sent_to_the_database(db, organisation):
    data = (STAFF_HEADER + "2001,Asha\x00Patel,A,5,Non-clinical\n").encode()
    problems = _refusal(db, workforce.import_staff, organisation, data)
    assert [(p.line, p.column) for p in problems] == [(2, "full_name")]


def test_a_value_longer_than_its_column_is_refused(db, organisation):
    data = (STAFF_HEADER + f"{'9' * 31},Asha Patel,A,5,Non-clinical\n").encode()
    problems = _refusal(db, workforce.import_staff, organisation, data)
    assert problems[0].column == "staff_number"
    assert "expected at most 30" in problems[0].message


# Broken CSV on every import page and command

HUGE_FIELD = "x," + "y" * 140_000 + "\n"
UNTERMINATED = 'x,"never closed\n'
PAGES = {
    "staff": ("/imports", "file", {}, STAFF_HEADER),
    "recruitment": (
        "/recruitment/imports",
        "recruitment-file",
        {"kind": "recruitment"},
        RECRUITMENT_HEADER,
    ),
    "panels": ("/recruitment/imports", "panels-file", {"kind": "panels"}, PANEL_HEADER),
    "mentoring": ("/mentoring/imports", "file", {}, MENTORING_HEADER),
}


@pytest.mark.parametrize("kind", list(PAGES))
@pytest.mark.parametrize(
    ("body", "expected"),
    [(HUGE_FIELD, "longer than 131,072 characters"), (UNTERMINATED, "ends inside a quoted")],
)
def test_broken_csv_is_a_clear_refusal_on_every_import_page(
    client, db, login_as, kind, body, expected
):
    login_as("hr-admin")
    path, field, extra, header = PAGES[kind]
    response = client.post(
        path,
        data={**extra, field: (io.BytesIO((header + body).encode()), "broken.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "The file was not imported" in page
    assert expected in page
    assert _count(db, DataImport) == 0


@pytest.mark.parametrize("kind", list(PAGES))
@pytest.mark.parametrize(
    ("body", "expected"),
    [(HUGE_FIELD, "longer than 131,072 characters"), (UNTERMINATED, "ends inside a quoted")],
)
def test_broken_csv_is_a_clear_refusal_from_every_import_command(
    runner, db, organisation, tmp_path, kind, body, expected
):
    header = PAGES[kind][3]
    broken = tmp_path / "broken.csv"
    broken.write_text(header + body)
    result = runner.invoke(args=[kind, "import", str(broken), "--org", "RAB"])
    assert result.exit_code == 1
    assert expected in result.stderr
    assert "Traceback" not in result.output
    assert _count(db, DataImport) == 0


# Whole numbers in query strings and forms


@given(st.text(max_size=25))
def test_ascii_int_reads_only_ascii_digits(text):
    value = ascii_int(text)
    stripped = text.strip()
    if value is None:
        assert not (stripped.isascii() and stripped.isdigit() and len(stripped) <= 18)
    else:
        assert stripped.isascii() and str(value) == stripped.lstrip("0").rjust(1, "0")
        assert value < 2**63  # fits a BIGINT: never an overflow in the database


def test_ascii_int_bounds():
    assert ascii_int("2026", 2001, 2030) == 2026
    assert ascii_int("2031", 2001, 2030) is None
    assert ascii_int("²") is None and ascii_int("٣") is None and ascii_int("\uff12") is None
    assert ascii_int(None) is None and ascii_int("") is None and ascii_int("-1") is None


# `"²".isdigit()` is true and `int("²")` raises: these once answered 500.
@pytest.mark.parametrize("value", ["²", "2²"])
@pytest.mark.parametrize(
    ("role", "path"),
    [
        ("hr-admin", "/dashboard?year={}"),
        ("hr-admin", "/vacancies?year={}&page={}"),
        ("hr-admin", "/panels/compliance?year={}"),
        ("hr-admin", "/mentoring/coverage?year={}"),
        ("regional-viewer", "/benchmarking?year={}&page={}"),
        ("national-viewer", "/benchmarking?year={}&page={}"),
    ],
)
def test_non_ascii_digits_in_year_and_page_are_ignored_not_a_crash(
    client, login_as, role, path, value
):
    login_as(role)
    response = client.get(path.format(value, value))
    assert response.status_code == 200


@pytest.mark.parametrize("version", ["²", "1²"])
def test_a_version_in_other_digits_is_a_stale_edit_not_a_crash(
    client, db, organisation, login_as, version
):
    manager = login_as("recruiting-manager")
    vacancy = recruitment.create_vacancy(
        organisation.id, manager, reference="V-1", title="Nurse", pay_band="5"
    )
    db.session.commit()
    response = client.post(
        f"/vacancies/{vacancy.id}/decision",
        data={"version": version, "decision_date": "2026-01-05"},
    )
    assert response.status_code == 400
    assert "Someone else changed this" in response.get_data(as_text=True)

    class Stale(Exception):
        pass

    with pytest.raises(Stale):
        check_and_bump(vacancy, version, Stale)


# One import of a kind at a time


def test_an_upload_while_an_import_of_its_kind_is_queued_is_told_so(
    app, client, db, login_as, organisation
):
    from app import import_jobs

    user = login_as("hr-admin")
    import_jobs.queue(organisation.id, "staff", "big.csv", b"x", user)
    db.session.commit()
    data = (STAFF_HEADER + "2001,Asha Patel,A,5,Non-clinical\n").encode()
    response = client.post(
        "/imports",
        data={"file": (io.BytesIO(data), "small.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert "already waiting or running" in response.get_data(as_text=True)
    assert _count(db, Staff) == 0
    # Another kind is not held up.
    with pytest.raises(ImportRefused):
        import_jobs.queue(organisation.id, "staff", "again.csv", b"x", user)
    db.session.rollback()
    import_jobs.queue(organisation.id, "mentoring", "m.csv", b"x", user)


def _staff_file(rows: int, start: int = 0) -> bytes:
    return (
        STAFF_HEADER
        + "".join(f"{n},Person {n},A,5,Non-clinical\n" for n in range(start, start + rows))
    ).encode()


@pytest.mark.postgres
def test_concurrent_imports_of_one_kind_give_no_server_errors(app, db, organisation, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("needs PostgreSQL: SQLite lets one writer in at a time")
    from tests.conftest import sign_in

    users = [
        factories.UserFactory(organisation=organisation, roles=("hr-admin",)) for _ in range(6)
    ]
    db.session.commit()
    emails = [user.email for user in users]
    data = _staff_file(1500)
    statuses: list[int] = []
    start = threading.Barrier(len(emails))

    def upload(email: str) -> None:
        client = app.test_client()
        with app.app_context():
            assert sign_in(client, email).status_code == 302
            start.wait()
            response = client.post(
                "/imports",
                data={"file": (io.BytesIO(data), "same.csv")},
                content_type="multipart/form-data",
            )
        statuses.append(response.status_code)

    threads = [threading.Thread(target=upload, args=(email,)) for email in emails]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(statuses) == len(emails)
    assert all(status in (302, 400) for status in statuses), statuses
    assert 302 in statuses
    db.session.rollback()
    assert _count(db, Staff) == 1500


# Email: a message that can never go is set aside, and the rest still go


def _outbox(organisation, subject: str, to: str = "person@example.nhs.uk"):
    from app.notifications.models import OutboxMessage

    return OutboxMessage(
        organisation_id=organisation.id,
        to_email=to,
        subject=subject,
        body="Body",
        next_attempt_at=utcnow() - timedelta(seconds=1),
    )


def test_a_poisoned_outbox_row_does_not_block_the_next_message(db, organisation, smtp_server):
    from app.notifications.models import OutboxMessage
    from app.notifications.services import deliver_outbox

    other = factories.OrganisationFactory(code="RXX", name="Other Trust")
    db.session.flush()
    db.session.add(_outbox(organisation, "Panel for V-1\r\nBcc: everyone@example.org"))
    db.session.add(_outbox(other, "Justification due: V-2", to="chair@example.nhs.uk"))
    db.session.commit()

    assert deliver_outbox() == {"sent": 1, "failed": 1}
    assert [m["Subject"] for m in smtp_server.messages] == ["Justification due: V-2"]
    assert all("Bcc" not in m for m in smtp_server.messages)
    poisoned = OutboxMessage.query.filter(OutboxMessage.sent_at.is_(None)).one()
    assert poisoned.failed_at is not None
    assert "could not be built" in poisoned.last_error
    # It is set aside for good, not retried on every run.
    db.session.add(_outbox(organisation, "Next message"))
    db.session.commit()
    assert deliver_outbox() == {"sent": 1, "failed": 0}


def test_a_permanent_refusal_is_marked_failed_and_the_rest_go(db, organisation, app):
    from aiosmtpd.controller import Controller

    from app.notifications.models import OutboxMessage
    from app.notifications.services import deliver_outbox
    from tests.conftest import _free_port

    received = []

    class Handler:
        async def handle_RCPT(self, server, session, envelope, address, options):
            if address.startswith("gone@"):
                return "550 5.1.1 No such mailbox"
            envelope.rcpt_tos.append(address)
            return "250 OK"

        async def handle_DATA(self, server, session, envelope):
            received.append(envelope.rcpt_tos)
            return "250 Message accepted for delivery"

    port = _free_port()
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    saved = {k: app.config[k] for k in ("MAIL_BACKEND", "MAIL_SERVER", "MAIL_PORT")}
    app.config.update(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    try:
        db.session.add(_outbox(organisation, "First", to="gone@example.nhs.uk"))
        db.session.add(_outbox(organisation, "Second", to="here@example.nhs.uk"))
        db.session.commit()
        assert deliver_outbox() == {"sent": 1, "failed": 1}
    finally:
        controller.stop()
        app.config.update(saved)
    assert received == [["here@example.nhs.uk"]]
    refused = OutboxMessage.query.filter_by(to_email="gone@example.nhs.uk").one()
    assert refused.failed_at is not None and "550" in refused.last_error


def test_hr_sees_their_organisations_failed_emails_and_why(client, db, login_as, organisation):
    from app.notifications.services import deliver_outbox

    other = factories.OrganisationFactory(code="RXX", name="Other Trust")
    db.session.flush()
    db.session.add(_outbox(organisation, "Ours\r\nBcc: x@example.org", to="ours@example.nhs.uk"))
    db.session.add(_outbox(other, "Theirs\nBcc: x@example.org", to="theirs@example.nhs.uk"))
    db.session.commit()
    deliver_outbox()
    login_as("hr-admin")
    assert "1 email to people in your organisation could not be sent" in client.get("/").get_data(
        as_text=True
    )
    page = client.get("/emails/failed").get_data(as_text=True)
    assert "ours@example.nhs.uk" in page and "could not be built" in page
    assert "theirs@example.nhs.uk" not in page


def test_failed_emails_are_for_hr_only(client, login_as):
    login_as("recruiting-manager")
    assert client.get("/emails/failed").status_code in (403, 404)


def test_a_subject_with_a_line_break_is_one_line_in_the_outbox(db, organisation):
    from app.notifications.models import OutboxMessage
    from app.notifications.services import notify

    user = factories.UserFactory(organisation=organisation)
    notify(user, "Panel for V-1\r\nBcc: everyone@example.org", "Body")
    assert OutboxMessage.query.one().subject == "Panel for V-1 Bcc: everyone@example.org"


def test_run_job_exits_non_zero_when_the_job_fails(runner, db, monkeypatch):
    from app.metrics import jobs

    def broken():
        raise RuntimeError("the snapshot could not be taken")

    monkeypatch.setattr(jobs, "take_snapshots", broken)
    result = runner.invoke(args=["scheduler", "run-job", "metric-snapshots"])
    assert result.exit_code == 1
    assert "failed" in result.stderr
