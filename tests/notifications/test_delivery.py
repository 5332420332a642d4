"""Email through a real SMTP server on loopback; the outbox survives an outage; reminders and
the scheduler lock send everything once."""

import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

from app.justifications import jobs
from app.justifications.models import Justification
from app.notifications.models import Notification, OutboxMessage, ReminderSent
from app.notifications.services import deliver_outbox, email, notify
from app.recruitment import services as recruitment
from app.timeutil import utcnow
from tests import factories

ROOT = Path(__file__).resolve().parents[2]


def test_mail_waits_in_the_outbox_while_smtp_is_down(db, organisation, smtp_server):
    user = factories.UserFactory(organisation=organisation, email="chair@example.nhs.uk")
    notify(user, "Justification submitted: V-1", "Please review it.", "/justifications/1")
    db.session.commit()
    smtp_server.stop()  # the server goes down
    assert deliver_outbox() == {"sent": 0, "failed": 1}
    message = OutboxMessage.query.one()
    assert message.sent_at is None and message.attempts == 1
    assert "Connection" in message.last_error or "refused" in message.last_error.lower()
    assert message.next_attempt_at > utcnow()  # backs off
    assert deliver_outbox() == {"sent": 0, "failed": 0}  # not due again yet

    smtp_server.start()  # it comes back, on the same port
    message.next_attempt_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert deliver_outbox() == {"sent": 1, "failed": 0}
    assert len(smtp_server.messages) == 1
    received = smtp_server.messages[0]
    assert received["To"] == "chair@example.nhs.uk"
    assert received["Subject"] == "Justification submitted: V-1"
    assert "/justifications/1" in received.get_content()
    assert deliver_outbox() == {"sent": 0, "failed": 0}  # nothing sent twice


def test_reminder_days(db):
    due = date(2026, 12, 4)  # a Friday
    assert jobs.reminder_kind(due, date(2026, 12, 2)) == "due-soon"
    assert jobs.reminder_kind(due, date(2026, 12, 3)) is None
    assert jobs.reminder_kind(due, due) == "due-today"
    assert jobs.reminder_kind(due, date(2026, 12, 5)) is None
    assert jobs.reminder_kind(due, date(2026, 12, 11)) == "overdue"
    assert jobs.reminder_kind(due, date(2026, 12, 18)) == "overdue"
    # Across Christmas: due 29 December 2026, two working days before is 23 December.
    assert jobs.reminder_kind(date(2026, 12, 29), date(2026, 12, 23)) == "due-soon"


def _due_today(db, organisation):
    manager = factories.UserFactory(organisation=organisation, roles=("recruiting-manager",))
    vacancy = recruitment.create_vacancy(
        organisation.id, manager, reference="V-1", title="Ward Sister", pay_band="7"
    )
    application = recruitment.add_applicant(vacancy, "P-1", manager)
    application.applicant.ethnic_category = "N"
    application.shortlisted = application.interviewed = True
    recruitment.record_decision(vacancy, date.today() - timedelta(days=1), None, manager)
    justification = Justification.query.one()
    justification.due_date = date.today()
    db.session.commit()
    return manager


def test_reminders_are_sent_once_however_often_the_job_runs(db, organisation):
    manager = _due_today(db, organisation)
    before = Notification.query.filter_by(user_id=manager.id).count()
    assert jobs.send_reminders() == {"reminders": 1}
    assert jobs.send_reminders() == {"reminders": 0}
    assert Notification.query.filter_by(user_id=manager.id).count() == before + 1


def test_two_scheduler_processes_send_each_reminder_once(app, db, organisation, database_url):
    manager = _due_today(db, organisation)
    before = Notification.query.filter_by(user_id=manager.id).count()
    db.session.close()
    env = {
        **os.environ,
        "FLASK_APP": "wsgi_dev.py",
        "APP_ENV": "testing",
        "TEST_DATABASE_URL": database_url,
        "MAIL_BACKEND": "log",
    }
    command = [sys.executable, "-m", "flask", "scheduler", "run", "--now", "--for-seconds", "1"]
    first = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    second = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    outputs = [p.communicate(timeout=60) for p in (first, second)]
    assert first.returncode == 0 and second.returncode == 0, outputs
    assert all("Scheduler running" in err for _out, err in outputs), outputs
    assert Notification.query.filter_by(user_id=manager.id).count() == before + 1
    assert ReminderSent.query.count() == 1


def test_the_log_backend_prints_each_email(app, db, organisation, capsys):
    user = factories.UserFactory(organisation=organisation, email="chair@example.nhs.uk")
    email(user, "Justification submitted: V-7", "Please review it:\nhttp://127.0.0.1/j/7")
    email(user, "Second message", "Another body")
    db.session.commit()
    saved = app.config["MAIL_BACKEND"]
    app.config["MAIL_BACKEND"] = "log"
    try:
        assert deliver_outbox() == {"sent": 2, "failed": 0}
    finally:
        app.config["MAIL_BACKEND"] = saved
    printed = capsys.readouterr().out
    assert "To: chair@example.nhs.uk\nSubject: Justification submitted: V-7\n" in printed
    assert "Please review it:\nhttp://127.0.0.1/j/7" in printed
    assert "Subject: Second message" in printed and "Another body" in printed
