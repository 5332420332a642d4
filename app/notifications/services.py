"""Telling people things: an in-app notification and an email through the outbox, together."""

import logging
import re
import smtplib
import sys
from datetime import date, timedelta
from email import errors as email_errors
from email import policy
from email.message import EmailMessage
from functools import cache

from flask import current_app
from sqlalchemy import bindparam, func, select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.notifications.models import Notification, OutboxMessage, ReminderSent
from app.timeutil import utcnow

log = logging.getLogger(__name__)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
MAX_BACKOFF = timedelta(hours=1)


def notify(user, subject: str, body: str, link: str | None = None) -> None:
    """In the caller's transaction: the inbox entry and the email both happen, or neither."""
    # A subject is one line whatever the references in it hold (the email would refuse it).
    subject = " ".join(_CONTROL.sub(" ", subject).split())
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
        email(user, subject, text)
    db.session.flush()


def email(user, subject: str, body: str) -> None:
    """An email to the account's own address through the outbox, in the caller's transaction
    (and no inbox entry: for messages about the account itself, such as a password link)."""
    db.session.add(
        OutboxMessage(
            organisation_id=user.organisation_id,
            to_email=user.email,
            subject=" ".join(_CONTROL.sub(" ", subject).split()),
            body=body,
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


@cache
def _unread_statement():
    # Built once per process: every page's header counts the unread messages.
    return (
        select(func.count())
        .select_from(Notification)
        .where(Notification.user_id == bindparam("user_id"), Notification.read_at.is_(None))
    )


def unread_count(user) -> int:
    return db.session.scalar(_unread_statement(), {"user_id": user.id})


class PermanentFailure(Exception):
    """This message can never be delivered as it stands; retrying would not help."""


def build_email(message: OutboxMessage, sender: str) -> EmailMessage:
    """The message as RFC 5322 text. The SMTP policy refuses CR or LF in any header, so a value
    that would inject headers is a PermanentFailure here, never a mangled or extra header."""
    email = EmailMessage(policy=policy.SMTP)
    try:
        email["From"] = sender
        email["To"] = message.to_email
        email["Subject"] = message.subject
        email.set_content(message.body)
        email.as_bytes()  # folding and encoding problems surface now, not halfway through SMTP
    except (ValueError, TypeError, LookupError, email_errors.MessageError) as exc:
        raise PermanentFailure(f"the message could not be built: {exc}") from exc
    return email


def _refused_for_good(exc: smtplib.SMTPException) -> bool:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in exc.recipients.values())
    code = getattr(exc, "smtp_code", None)
    return isinstance(code, int) and 500 <= code < 600


def _send(message: OutboxMessage) -> None:
    config = current_app.config
    email = build_email(message, config["MAIL_SENDER"])
    if config["MAIL_BACKEND"] == "log":
        # Printed, not only logged: nothing configures the logging of the scheduler process a
        # newcomer starts with `make run`, so an INFO record was dropped and the email with it.
        text = (
            f"Email (not sent: MAIL_BACKEND=log)\nTo: {message.to_email}\n"
            f"Subject: {message.subject}\n\n{message.body}\n"
        )
        log.info("%s", text)
        sys.stdout.write(text + "-" * 72 + "\n")
        sys.stdout.flush()
        return
    try:
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10) as smtp:
            if config["MAIL_USE_TLS"]:
                smtp.starttls()
            if config["MAIL_USERNAME"]:
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
            smtp.send_message(email)
    except smtplib.SMTPException as exc:
        if _refused_for_good(exc):
            raise PermanentFailure(f"the mail server refused it: {_smtp_reason(exc)}") from exc
        raise


def _smtp_reason(exc: smtplib.SMTPException) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "; ".join(
            f"{address}: {code} {_text(reply)}" for address, (code, reply) in exc.recipients.items()
        )
    return f"{getattr(exc, 'smtp_code', '')} {_text(getattr(exc, 'smtp_error', exc))}".strip()


def _text(reply) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


def _pending(now, batch_size: int) -> list[int]:
    return list(
        db.session.scalars(
            select(OutboxMessage.id)
            .where(
                OutboxMessage.sent_at.is_(None),
                OutboxMessage.failed_at.is_(None),
                OutboxMessage.next_attempt_at <= now,
            )
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(batch_size)
        )
    )


def deliver_outbox(batch_size: int = 50) -> dict[str, int]:
    """Send what is due, committing after each message. A temporary failure backs off and tries
    again; a message that can never go is marked failed with its reason. Either way the next
    message is tried: one bad message never holds up anyone else's mail."""
    sent = failed = 0
    ids = _pending(utcnow(), batch_size)
    db.session.commit()
    for message_id in ids:
        message = db.session.get(OutboxMessage, message_id)
        if message is None or message.sent_at is not None or message.failed_at is not None:
            continue
        message.attempts += 1
        try:
            _send(message)
        except PermanentFailure as exc:
            message.failed_at = utcnow()
            message.last_error = str(exc)[:1000]
            log.warning("Email %s to %s failed for good: %s", message.id, message.to_email, exc)
            failed += 1
        except Exception as exc:  # anything else is retried later, never fatal to the batch
            delay = min(timedelta(minutes=2 ** min(message.attempts, 10)), MAX_BACKOFF)
            message.next_attempt_at = utcnow() + delay
            message.last_error = f"{type(exc).__name__}: {exc}"[:1000]
            if not isinstance(exc, OSError | smtplib.SMTPException):
                log.exception("Email %s could not be sent; will retry", message.id)
            failed += 1
        else:
            message.sent_at = utcnow()
            message.last_error = None
            sent += 1
        db.session.commit()
    return {"sent": sent, "failed": failed}


def failed_messages_query(organisation_id: int):
    """Messages of one organisation that will never be delivered, newest first."""
    return (
        select(OutboxMessage)
        .where(
            OutboxMessage.organisation_id == organisation_id,
            OutboxMessage.failed_at.is_not(None),
        )
        .order_by(OutboxMessage.failed_at.desc(), OutboxMessage.id.desc())
    )


def failed_count(organisation_id: int) -> int:
    return db.session.scalar(
        select(func.count()).select_from(failed_messages_query(organisation_id).subquery())
    )
