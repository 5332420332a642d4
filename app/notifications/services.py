"""Telling people things: an in-app notification and an email through the outbox, together."""

import logging
import smtplib
from datetime import date, timedelta
from email.message import EmailMessage

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.notifications.models import Notification, OutboxMessage, ReminderSent
from app.timeutil import utcnow

log = logging.getLogger(__name__)
MAX_BACKOFF = timedelta(hours=1)


def notify(user, subject: str, body: str, link: str | None = None) -> None:
    """In the caller's transaction: the inbox entry and the email both happen, or neither."""
    db.session.add(
        Notification(
            organisation_id=user.organisation_id,
            user_id=user.id,
            subject=subject,
            body=body,
            link=link,
        )
    )
    if not user.disabled:
        text = body
        if link:
            base = current_app.config.get("SERVICE_URL", "").rstrip("/")
            text += f"\n\n{base}{link}" if base else f"\n\nIn the service: {link}"
        db.session.add(
            OutboxMessage(
                organisation_id=user.organisation_id,
                to_email=user.email,
                subject=subject,
                body=text,
            )
        )
    db.session.flush()


def once(subject_type: str, subject_id: int, kind: str, for_date: date) -> bool:
    """Claim a reminder; False when it was already sent (by this or another process)."""
    try:
        with db.session.begin_nested():
            db.session.add(
                ReminderSent(
                    subject_type=subject_type, subject_id=subject_id, kind=kind, for_date=for_date
                )
            )
    except IntegrityError:
        return False
    return True


def unread_count(user) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
    )


def _send(message: OutboxMessage) -> None:
    config = current_app.config
    email = EmailMessage()
    email["From"] = config["MAIL_SENDER"]
    email["To"] = message.to_email
    email["Subject"] = message.subject
    email.set_content(message.body)
    if config["MAIL_BACKEND"] == "log":
        log.info(
            "Email (not sent: MAIL_BACKEND=log) to %s: %s\n%s",
            message.to_email,
            message.subject,
            message.body,
        )
        return
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10) as smtp:
        if config["MAIL_USE_TLS"]:
            smtp.starttls()
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(email)


def deliver_outbox(batch_size: int = 50) -> dict[str, int]:
    """Send what is due, committing after each message; failures back off and try again."""
    sent = failed = 0
    now = utcnow()
    ids = list(
        db.session.scalars(
            select(OutboxMessage.id)
            .where(OutboxMessage.sent_at.is_(None), OutboxMessage.next_attempt_at <= now)
            .order_by(OutboxMessage.id)
            .limit(batch_size)
        )
    )
    db.session.commit()
    for message_id in ids:
        message = db.session.get(OutboxMessage, message_id)
        if message is None or message.sent_at is not None:
            continue
        try:
            _send(message)
        except (OSError, smtplib.SMTPException) as exc:
            message.attempts += 1
            delay = min(timedelta(minutes=2 ** min(message.attempts, 10)), MAX_BACKOFF)
            message.next_attempt_at = utcnow() + delay
            message.last_error = f"{type(exc).__name__}: {exc}"[:1000]
            failed += 1
        else:
            message.sent_at = utcnow()
            message.attempts += 1
            message.last_error = None
            sent += 1
        db.session.commit()
    return {"sent": sent, "failed": failed}
